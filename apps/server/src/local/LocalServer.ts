/**
 * A throw-away assure server on this machine, for demos and for tests of code that calls the API
 * (`@assure/server/local`; `assure demo` runs its journey against one). The server is this package's own
 * `assure-server` executable as a child process on a free loopback port, in development mode on the embedded store
 * in a temporary data folder: the sandbox provider, and a development client whose id and secret are read from what
 * the server prints at start (the secret is never printed again). Closing the scope stops the server and removes its
 * data folder.
 *
 * Node only, and it needs the package built (`dist/server/main.js`).
 *
 * @example
 * ```ts
 * import { AssureClient } from "@assure/api"
 * import * as LocalServer from "@assure/server/local"
 * import { Effect } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const server = yield* LocalServer.start()
 *     const client = yield* AssureClient.makeWithClientCredentials({
 *       baseUrl: server.url,
 *       clientId: server.clientId,
 *       clientSecret: server.clientSecret
 *     })
 *     return yield* client.dossiers.create({ payload: {} })
 *   })
 * ).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Data, type Duration, Effect, Redacted, type Scope } from "effect"

/** Why the server could not be started: it is not built, or it exited or did not answer in time. */
export class LocalServerError extends Data.TaggedError("LocalServerError")<{
  readonly title: string
  readonly detail: string
}> {
  override get message(): string {
    return `${this.title}: ${this.detail}`
  }
}

/** A running throw-away server: where it listens, its development client, and its data folder. */
export interface LocalServer {
  /** Its address, `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The development client's id and secret, for the token endpoint. */
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** The temporary data folder, removed when the server stops. */
  readonly dataDirectory: string
  /** The child process's id. */
  readonly pid: number | undefined
}

/** How to start the server. */
export interface Options {
  /** How long the sandbox provider takes to reach its result (`ASSURE_SANDBOX_LATENCY`). */
  readonly sandboxLatency?: string
  /** How long to wait for the server to answer `/ready`; 30 seconds by default. */
  readonly startTimeout?: Duration.Input
}

/** The server's executable (`assure-server`): `dist/server/main.js` of this package. */
export const serverEntry = (): string => fileURLToPath(new URL("../server/main.js", import.meta.url))

/** A free TCP port on the loopback interface. */
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
export const start = (options: Options = {}): Effect.Effect<LocalServer, LocalServerError, Scope.Scope> =>
  Effect.gen(function* () {
    const entry = serverEntry()
    if (!existsSync(entry)) {
      return yield* new LocalServerError({
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
      return yield* new LocalServerError({
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
