/**
 * The server under test in a process of its own: the real `@assure/server` app (`makeApp`, as `assure-server`
 * starts it) on the embedded SQLite store in the data folder it is given, with production settings except a rate
 * limit high enough never to throttle the load. Its code is loaded here, after the process started, so that the
 * start it reports includes loading the server's modules. Answers memory readings over IPC until told to stop.
 */
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { performance } from "node:perf_hooks"
import { pathToFileURL } from "node:url"
import { readyOnce } from "./probes.ts"
import { type ChildMessage, type ParentMessage, readMemory, type ServerJob } from "./protocol.ts"

const send = (message: ChildMessage) => process.send?.(message)

const job = JSON.parse(process.env.BENCH_HTTP_SERVER ?? "") as ServerJob

// If the bench goes away, so does the server.
process.once("disconnect", () => process.exit(1))

// The server's build: this checkout's, or another's (`serverDist`) to compare revisions.
const dist = job.serverDist === undefined ? "../../../../apps/server/dist" : pathToFileURL(job.serverDist).href
const [{ makeApp }, { fromVariables }, { Effect, Fiber, Layer }] = (await Promise.all([
  import(`${dist}/server/App.js`),
  import(`${dist}/server/ServerConfig.js`),
  import("effect")
])) as [
  typeof import("../../../../apps/server/dist/server/App.js"),
  typeof import("../../../../apps/server/dist/server/ServerConfig.js"),
  typeof import("effect")
]
const loadedMs = performance.now()

// Configured as an operator would, every setting not given here at its default.
const settings = await Effect.runPromise(
  fromVariables({
    ASSURE_PORT: String(job.port),
    ASSURE_PUBLIC_URL: `http://127.0.0.1:${job.port}`,
    ASSURE_DATA_DIR: job.dataDirectory,
    ASSURE_CLIENTS: `${job.clientId}:${job.secretHash}`,
    ASSURE_ENCRYPTION_KEYS: `bench:${job.encryptionKey}`,
    ASSURE_SANDBOX_WEBHOOK_SECRET: "whsec_http_bench",
    ASSURE_RATE_LIMIT: String(job.rateLimit),
    ...job.variables
  })
)
const fiber = Effect.runFork(Layer.launch(makeApp(settings)))
const launchedMs = performance.now()

let profiler: Session | undefined
const profile = async (path: string | undefined) => {
  if (path === undefined) {
    profiler = new Session()
    profiler.connect()
    await profiler.post("Profiler.enable")
    await profiler.post("Profiler.start")
  } else if (profiler !== undefined) {
    const { profile } = await profiler.post("Profiler.stop")
    writeFileSync(path, JSON.stringify(profile))
    profiler.disconnect()
    profiler = undefined
  }
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "memory") {
    send(readMemory(message.id))
  } else if (message.type === "profile") {
    void profile(message.path).then(() => send({ type: "profile", id: message.id }))
  } else {
    void Effect.runPromise(Fiber.interrupt(fiber)).then(() => process.exit(0))
  }
})

while (!(await readyOnce(job.port))) await new Promise((resolve) => setTimeout(resolve, 5))
send({ type: "ready", loadedMs, launchedMs, readyMs: performance.now() })
