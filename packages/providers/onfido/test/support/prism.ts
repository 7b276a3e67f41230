// Prism (`@stoplight/prism-cli`) serving Onfido's published OpenAPI document on loopback, for the contract test:
// started through the Node that runs the tests (the repository's pinned Node 24), on a free port, and stopped with
// the layer's scope.
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Context, Effect, Layer } from "effect"

/** A running Prism mock server. */
export class Prism extends Context.Service<Prism, { readonly url: string }>()("test/Prism") {}

/** The specification this package keeps: Onfido's own, unmodified. */
export const specPath = fileURLToPath(new URL("../../spec/onfido-openapi.json", import.meta.url))

const freePort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const prismBin = () => {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve("@stoplight/prism-cli/package.json")), "dist", "index.js")
}

/** Waits for Prism to say it listens; fails if it exits first. */
const listening = (child: ChildProcess) =>
  Effect.callback<void, Error>((resume) => {
    let output = ""
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      if (output.includes("Prism is listening")) resume(Effect.void)
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", onData)
    child.on("exit", (code) => resume(Effect.fail(new Error(`prism exited with ${code}:\n${output.slice(-2000)}`))))
  })

/** Prism mocking Onfido's API, for as long as the layer lives (start-up is bounded to a minute). */
export const layer = Layer.effect(
  Prism,
  Effect.gen(function* () {
    const port = yield* freePort
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, [prismBin(), "mock", "--host", "127.0.0.1", "--port", String(port), specPath], {
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, SCARF_ANALYTICS: "false", NO_COLOR: "1" }
        })
      ),
      (child) =>
        Effect.sync(() => {
          child.kill("SIGTERM")
        })
    )
    yield* listening(child).pipe(Effect.timeout("60 seconds"), Effect.orDie)
    return { url: `http://127.0.0.1:${port}` }
  })
)
