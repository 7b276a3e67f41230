/**
 * A throwaway assure server for the demo: the built `@assure/server` (its `assure-server` bin) as a child process on
 * a free port, in development mode on the embedded store in a temporary data folder. The development client id and
 * secret are read from what the server prints at start; the secret is never printed again.
 *
 * The server package exports only the API definition, not `makeApp`, so the server runs as a child process.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { type Duration, Effect, Redacted } from "effect"
import { Failure } from "./Failure.js"

export interface LocalServer {
  readonly url: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly dataDirectory: string
  readonly pid: number | undefined
}

export interface Options {
  /** How long the sandbox provider takes to reach its result (`ASSURE_SANDBOX_LATENCY`). */
  readonly sandboxLatency?: string
  readonly startTimeout?: Duration.Input
}

/** The server's entry point, from its package's `bin`. */
export const serverEntry = (): string => {
  const manifest = createRequire(import.meta.url).resolve("@assure/server/package.json")
  const { bin } = JSON.parse(readFileSync(manifest, "utf8")) as { bin: Record<string, string> }
  return join(dirname(manifest), bin["assure-server"] ?? "dist/server/main.js")
}

export const freePort = () =>
  Effect.promise(
    () =>
      new Promise<number>((resolve, reject) => {
        const server = createServer()
        server.once("error", reject)
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as { port: number }
          server.close(() => resolve(port))
        })
      })
  )

/** Settings the demo must not inherit: they would switch the server out of development mode or to PostgreSQL. */
const inheritedSettings = [
  "ASSURE_CLIENTS",
  "ASSURE_ENCRYPTION_KEYS",
  "ASSURE_SANDBOX_WEBHOOK_SECRET",
  "ASSURE_EVENT_SUBSCRIPTIONS",
  "ASSURE_RETENTION",
  "ASSURE_RATE_LIMIT",
  "ASSURE_TOKEN_LIFETIME",
  "DATABASE_URL"
]

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

const stop = (child: ChildProcess, dataDirectory: string) =>
  Effect.promise(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      const killed = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited(child)
      clearTimeout(killed)
    }
    rmSync(dataDirectory, { recursive: true, force: true })
  })

/** Starts the server and waits until `/ready` answers; stops it and removes its data folder when the scope closes. */
export const start = (options: Options = {}) =>
  Effect.gen(function* () {
    const entry = serverEntry()
    if (!existsSync(entry)) {
      return yield* new Failure({
        title: "The server is not built",
        detail: `${entry} is missing: run \`pnpm build\` (or \`pnpm demo\`, which builds it) first`
      })
    }
    const port = yield* freePort()
    const url = `http://127.0.0.1:${port}`
    const dataDirectory = mkdtempSync(join(tmpdir(), "assure-demo-"))
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of inheritedSettings) delete env[name]
    Object.assign(env, {
      ASSURE_HOST: "127.0.0.1",
      ASSURE_PORT: String(port),
      ASSURE_PUBLIC_URL: url,
      ASSURE_DATA_DIR: dataDirectory,
      ...(options.sandboxLatency === undefined ? {} : { ASSURE_SANDBOX_LATENCY: options.sandboxLatency })
    })

    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn(process.execPath, [entry], { env, stdio: ["ignore", "pipe", "pipe"] })),
      (child) => stop(child, dataDirectory)
    )
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })

    const credentials = () => {
      const id = /client id:\s+(\S+)/.exec(stdout)?.[1]
      const secret = /client secret:\s+(\S+)/.exec(stdout)?.[1]
      return id !== undefined && secret !== undefined ? { id, secret } : undefined
    }
    const ready = () =>
      fetch(`${url}/ready`).then(
        (response) => response.status === 204,
        () => false
      )
    // What the server said, without its secret, for when it does not start.
    const output = () =>
      `${stdout}\n${stderr}`
        .split("\n")
        .filter((line) => !/secret|curl -s -u/.test(line) && line.trim().length > 0)
        .slice(-15)
        .join("\n")

    const found = yield* Effect.promise(async (signal) => {
      while (child.exitCode === null && child.signalCode === null && !signal.aborted) {
        const found = credentials()
        if (found !== undefined && (await ready())) return found
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return undefined
    }).pipe(Effect.timeoutOrElse({ duration: options.startTimeout ?? "30 seconds", orElse: () => Effect.undefined }))
    if (found === undefined) {
      return yield* new Failure({
        title: "The server did not start",
        detail: `${process.execPath} ${entry} (exit code ${child.exitCode ?? "none"}):\n${output()}`
      })
    }
    return {
      url,
      clientId: found.id,
      clientSecret: Redacted.make(found.secret),
      dataDirectory,
      pid: child.pid
    } satisfies LocalServer
  })
