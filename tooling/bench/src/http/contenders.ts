/**
 * The processes the HTTP benches load, each an OS process of its own: the real server (`server-process.ts`), the
 * bare `node:http` baseline (`bare-process.ts`) and the bare `HttpApi` server (`httpapi-process.ts`), started, waited
 * for, read over IPC, profiled and stopped.
 */
import { type ChildProcess, fork } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { readyOnce } from "./probes.ts"

export { freePort } from "./probes.ts"

import type { BareJob, ChildMessage, MemoryReading, ParentMessage, ReadyMessage, ServerJob } from "./protocol.ts"

const here = import.meta.dirname

export interface Readiness {
  /** From spawning the process to the bench's first 204 from `/ready` (polled every 5 ms). */
  readonly fromSpawnMillis: number
  /** The process's own view, in ms since it started: code loaded, server being built, `/ready` answering. */
  readonly child: Omit<ReadyMessage, "type">
}

export const versionOf = (name: string): string => {
  const path = fileURLToPath(import.meta.resolve(`${name}/package.json`))
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version
}

/** A contender's process: started, waited for, read, profiled, stopped. */
export interface Contender {
  readonly port: number
  readonly readiness: Readiness
  readonly memory: () => Promise<MemoryReading>
  readonly profile: (path?: string) => Promise<void>
  readonly stop: () => Promise<void>
}

/**
 * The Node options `assure-server` runs with: those on its executable's `#!/usr/bin/env -S node …` line, so that the
 * server is measured as it ships (see docs/operations.md, "Memory").
 */
export const serverNodeOptions = (): ReadonlyArray<string> => {
  const executable = fileURLToPath(new URL("../../../../apps/server/dist/server/main.js", import.meta.url))
  const shebang = readFileSync(executable, "utf8").split("\n", 1)[0] ?? ""
  return shebang.split(/\s+/).filter((word) => word.startsWith("--"))
}

const start = async (
  script: string,
  env: Record<string, string>,
  port: number,
  log: (m: string) => void,
  execArgv: ReadonlyArray<string> = []
) => {
  const pending = new Map<number, { resolve: (message: ChildMessage) => void; reject: (error: Error) => void }>()
  let nextId = 0
  let exited = false
  const spawned = performance.now()
  const child: ChildProcess = fork(join(here, script), [], {
    execArgv: [...process.execArgv, ...execArgv],
    env: { ...process.env, ...env },
    // The child's output goes to the bench's stderr: `bench:http` prints its section of BENCHMARKS.md on stdout.
    stdio: ["ignore", 2, 2, "ipc"]
  })
  const ready = new Promise<ReadyMessage>((resolve, reject) => {
    child.on("message", (message: ChildMessage) => {
      if (message.type === "ready") resolve(message)
      else pending.get(message.id)?.resolve(message)
    })
    child.once("exit", (code, signal) => {
      exited = true
      const error = new Error(`${script} exited (${code ?? signal})`)
      reject(error)
      for (const { reject: refuse } of pending.values()) refuse(error)
      pending.clear()
    })
  })
  let answered = false
  const polling = (async () => {
    while (!answered && !exited && performance.now() - spawned < 60_000) {
      if (await readyOnce(port)) return performance.now() - spawned
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    throw new Error(`${script} did not become ready`)
  })()
  const [fromSpawnMillis, { type: _, ...own }] = await Promise.all([polling, ready])
    .catch((error: unknown) => {
      child.kill("SIGKILL")
      throw error
    })
    .finally(() => {
      answered = true
    })
  const ask = <T extends ChildMessage>(message: ParentMessage & { id: number }) =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error(`${script} has exited`))
      pending.set(message.id, {
        resolve: (answer) => {
          pending.delete(message.id)
          resolve(answer as T)
        },
        reject
      })
      child.send(message)
    })
  log(`  ${script}: ready ${fromSpawnMillis.toFixed(0)} ms after spawning it`)
  return {
    port,
    readiness: { fromSpawnMillis, child: own },
    memory: () => ask<MemoryReading>({ type: "memory", id: nextId++ }),
    profile: (path?: string) =>
      ask({ type: "profile", id: nextId++, ...(path === undefined ? {} : { path }) }).then(() => undefined),
    // The server shuts down gracefully within 10 s; past 15 s it is killed.
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve()
        const kill = setTimeout(() => child.kill("SIGKILL"), 15_000)
        child.once("exit", () => {
          clearTimeout(kill)
          resolve()
        })
        child.send({ type: "stop" } satisfies ParentMessage)
      })
  } satisfies Contender
}

export const startServer = async (job: ServerJob, log: (m: string) => void) =>
  start("server-process.ts", { BENCH_HTTP_SERVER: JSON.stringify(job) }, job.port, log, serverNodeOptions())

export const startBare = async (job: BareJob, log: (m: string) => void) =>
  start("bare-process.ts", { BENCH_HTTP_BARE: JSON.stringify(job) }, job.port, log)

/** The bare `HttpApi` server, with the server's Node options: the framework measured as the server ships it. */
export const startHttpApi = async (job: BareJob, log: (m: string) => void) =>
  start("httpapi-process.ts", { BENCH_HTTP_API: JSON.stringify(job) }, job.port, log, serverNodeOptions())

/** One request to the server under test; its body as text, or an error naming the status. */
export const call = async (
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string
) => {
  const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
  return text
}

/** Creates a sandbox process on `dossierId` through the API; its id. */
export const createSandboxProcess = async (
  base: string,
  jsonHeaders: Record<string, string>,
  dossierId: string
): Promise<string> =>
  (
    JSON.parse(
      await call(
        base,
        "POST",
        `/assure/dossiers/${dossierId}/processes`,
        jsonHeaders,
        JSON.stringify({ provider: "sandbox", processType: "document" })
      )
    ) as { processId: string }
  ).processId
