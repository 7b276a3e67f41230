/**
 * `pnpm --filter @assure/bench bench:scale-out`: the engine on one server process against two server processes
 * (socket runners of one cluster) on one PostgreSQL database, each configuration on a fresh database. Reports the
 * throughput and the CPU milliseconds per verification of each engine process (its `process.cpuUsage()`, asked
 * over IPC) and of PostgreSQL (utime + stime from `/proc/<pid>/stat`, summed over all its processes), so the limit of
 * scaling out on the machine's cores shows.
 *
 * - `--verifications=N` per configuration (default 5,000), after a warm-up of 200 per process, not counted;
 * - `--in-flight=N` verifications at once in all, split between the processes (default 32);
 * - `--write` also puts the section into `BENCHMARKS.md`, between its markers (`pnpm bench` keeps it).
 */
import { type ChildProcess, fork } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { type AddressInfo, createServer as createNetServer } from "node:net"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { PersonalDataCipher } from "@assure/engine"
import { describeMachine } from "../report.ts"
import { writeSection } from "../sections.ts"
import { createPostgresDatabase } from "./databases.ts"
import type { HostCommand } from "./scale-out-host.ts"

const markers = { start: "<!-- scale-out:start -->", end: "<!-- scale-out:end -->" } as const

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  options: {
    verifications: { type: "string" },
    "in-flight": { type: "string" },
    write: { type: "boolean" }
  }
})
const verifications = Number(values.verifications ?? 5_000)
const inFlight = Number(values["in-flight"] ?? 32)
const warmupPerProcess = 200
/** A verification whose notification has not arrived this long after the last one started counts as lost. */
const drainTimeoutMillis = 120_000

const started = performance.now()
const log = (message: string): void =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

// ---- PostgreSQL's CPU, from /proc ----

/** Clock ticks per second of /proc's utime and stime (`getconf CLK_TCK`, 100 on Linux). */
const ticksPerSecond = 100

interface PostgresProcess {
  readonly ticks: number
  /** The database of a client backend (`postgres: <cluster>: <user> <database> <host> <state>`), if it is one. */
  readonly database: string | undefined
}

const postgresProcesses = (): Map<number, PostgresProcess> => {
  const found = new Map<number, PostgresProcess>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      // Fields after the command name, which is in parentheses: utime and stime are the 14th and 15th fields.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      const ticks = Number(fields[11]) + Number(fields[12])
      const title = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ")
      const backend = /^postgres: (?:[^:]+: )?\S+ (\S+) \S+\(\d+\)/.exec(title)
      found.set(Number(entry), { ticks, database: backend?.[1] })
    } catch {
      // The process ended while it was read.
    }
  }
  return found
}

/** CPU ms of PostgreSQL between two readings: in all, and in the client backends of `database`. */
const postgresCpuSince = (before: Map<number, PostgresProcess>, database: string) => {
  let allTicks = 0
  let databaseTicks = 0
  for (const [pid, now] of postgresProcesses()) {
    // A process started since the first reading counts whole. One that ended is missed: the engine's pools keep
    // their connections for the run, so that is another database's backend.
    const ticks = now.ticks - (before.get(pid)?.ticks ?? 0)
    allTicks += ticks
    if (now.database === database) databaseTicks += ticks
  }
  return { allMillis: (allTicks * 1000) / ticksPerSecond, databaseMillis: (databaseTicks * 1000) / ticksPerSecond }
}

// ---- the engine processes ----

interface Host {
  readonly request: <A>(command: Record<string, unknown>) => Promise<A>
  readonly stop: () => Promise<void>
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createNetServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })

const startHost = (env: Record<string, string>): Promise<Host> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = fork(join(import.meta.dirname, "scale-out-host.ts"), [], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    let nextId = 0
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.on("message", (message: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) {
        resolve({
          request: <A>(body: Record<string, unknown>) =>
            new Promise<A>((done, fail) => {
              const id = nextId++
              pending.set(id, { resolve: done as (value: unknown) => void, reject: fail })
              child.send({ ...body, id })
            }),
          stop: async () => {
            child.kill("SIGTERM")
            await exited
          }
        })
        return
      }
      const waiting = message.id === undefined ? undefined : pending.get(message.id)
      if (waiting === undefined || message.id === undefined) return
      pending.delete(message.id)
      if (message.error !== undefined) waiting.reject(new Error(message.error))
      else waiting.resolve(message.result)
    })
    child.once("exit", (code) => {
      for (const waiting of pending.values()) waiting.reject(new Error(`an engine process exited (${code})`))
      reject(new Error(`an engine process exited before it was ready (${code})`))
    })
  })

const run = (host: Host, count: number, concurrency: number, notificationUrl: string) =>
  host.request<void>({ command: "run", count, concurrency, notificationUrl } satisfies Omit<
    Extract<HostCommand, { command: "run" }>,
    "id"
  >)

const cpuMillis = async (host: Host) => {
  const usage = await host.request<NodeJS.CpuUsage>({ command: "cpuUsage" })
  return (usage.user + usage.system) / 1000
}

// ---- the client's endpoint ----

/** Answers 200 at once and counts distinct delivery ids; `reached(n)` resolves once n have arrived. */
const startEndpoint = () =>
  new Promise<{
    readonly url: string
    readonly distinct: () => number
    readonly repeats: () => number
    readonly reached: (count: number, timeoutMillis: number) => Promise<number>
    readonly close: () => Promise<void>
  }>((resolve) => {
    const seen = new Set<string>()
    let repeats = 0
    let waiter: { readonly count: number; readonly done: (at: number) => void } | undefined
    const server = createServer((request, response) => {
      request.resume()
      request.on("end", () => {
        response.writeHead(200).end()
        const deliveryId = String(request.headers["assure-delivery-id"])
        if (seen.has(deliveryId)) repeats++
        seen.add(deliveryId)
        if (waiter !== undefined && seen.size >= waiter.count) {
          waiter.done(performance.now())
          waiter = undefined
        }
      })
    })
    server.keepAliveTimeout = 30_000
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
        distinct: () => seen.size,
        repeats: () => repeats,
        reached: (count, timeoutMillis) =>
          seen.size >= count
            ? Promise.resolve(performance.now())
            : new Promise((done, fail) => {
                const timer = setTimeout(
                  () => fail(new Error(`${seen.size} of ${count} notifications after ${timeoutMillis} ms`)),
                  timeoutMillis
                )
                waiter = {
                  count,
                  done: (at) => {
                    clearTimeout(timer)
                    done(at)
                  }
                }
              }),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    )
  })

// ---- one configuration ----

interface ConfigurationFigures {
  readonly processes: number
  readonly verifications: number
  readonly seconds: number
  readonly perSecond: number
  /** CPU ms per verification of each engine process, in the order they were started. */
  readonly engineCpuPerVerification: ReadonlyArray<number>
  /** CPU ms per verification of all PostgreSQL processes, and of this run's database backends among them. */
  readonly postgresCpuPerVerification: number
  readonly postgresBackendCpuPerVerification: number
  readonly repeats: number
  readonly postgresVersion: string
}

const measureConfiguration = async (processes: number): Promise<ConfigurationFigures> => {
  const database = await createPostgresDatabase()
  if ("unavailable" in database) throw new Error(database.unavailable)
  const files = mkdtempSync(join(tmpdir(), "assure-bench-scale-"))
  const endpoint = await startEndpoint()
  const hosts: Array<Host> = []
  try {
    const key = PersonalDataCipher.generateKey()
    for (let i = 0; i < processes; i++) {
      hosts.push(
        await startHost({
          ASSURE_SCALE_DATABASE: database.url,
          ASSURE_SCALE_FILES: files,
          ASSURE_SCALE_KEY: key,
          ASSURE_SCALE_PORT: String(await freePort())
        })
      )
    }
    const concurrency = Math.max(1, Math.floor(inFlight / processes))
    log(`  ${processes} process(es): warm-up, ${warmupPerProcess} per process`)
    await Promise.all(hosts.map((host) => run(host, warmupPerProcess, concurrency, endpoint.url)))
    await endpoint.reached(warmupPerProcess * processes, drainTimeoutMillis)

    const databaseName = new URL(database.url).pathname.slice(1)
    const postgresBefore = postgresProcesses()
    const engineBefore = await Promise.all(hosts.map(cpuMillis))
    const target = endpoint.distinct() + verifications
    const startedAt = performance.now()
    log(`  ${processes} process(es): ${verifications} verifications, ${concurrency} at a time in each`)
    const progress = setInterval(
      () => log(`    ${endpoint.distinct() - (target - verifications)}/${verifications} notified`),
      10_000
    )
    const shares = hosts.map((_, i) => Math.floor(verifications / processes) + (i < verifications % processes ? 1 : 0))
    await Promise.all(hosts.map((host, i) => run(host, shares[i] ?? 0, concurrency, endpoint.url)))
    const endedAt = await endpoint.reached(target, drainTimeoutMillis)
    clearInterval(progress)
    const engineAfter = await Promise.all(hosts.map(cpuMillis))
    const postgres = postgresCpuSince(postgresBefore, databaseName)
    const seconds = (endedAt - startedAt) / 1000
    return {
      processes,
      verifications,
      seconds,
      perSecond: verifications / seconds,
      engineCpuPerVerification: engineAfter.map((after, i) => (after - (engineBefore[i] ?? 0)) / verifications),
      postgresCpuPerVerification: postgres.allMillis / verifications,
      postgresBackendCpuPerVerification: postgres.databaseMillis / verifications,
      repeats: endpoint.repeats(),
      postgresVersion: database.serverVersion
    }
  } finally {
    await Promise.all(hosts.map((host) => host.stop()))
    await endpoint.close()
    await database.drop()
    rmSync(files, { recursive: true, force: true })
  }
}

// ---- the report ----

const ms = (value: number) => value.toFixed(1)

const cpuPerVerification = (f: ConfigurationFigures) =>
  f.engineCpuPerVerification.reduce((sum, value) => sum + value, 0) + f.postgresCpuPerVerification

/** Two processes against one, and the rate at which the machine's cores would be busy with this work alone. */
const scalingNote = (figures: ReadonlyArray<ConfigurationFigures>, cores: number): string => {
  const [one, two] = figures
  if (one === undefined || two === undefined) return ""
  const ceiling = (f: ConfigurationFigures) => ((cores * 1000) / cpuPerVerification(f)).toFixed(0)
  const engine = (f: ConfigurationFigures) => f.engineCpuPerVerification.reduce((sum, value) => sum + value, 0)
  return (
    `Two processes against one: ${(two.perSecond / one.perSecond).toFixed(2)}× the throughput, ` +
    `${(cpuPerVerification(two) / cpuPerVerification(one)).toFixed(2)}× the CPU per verification (engine ` +
    `${ms(engine(one))} → ${ms(engine(two))} ms, PostgreSQL ${ms(one.postgresCpuPerVerification)} → ` +
    `${ms(two.postgresCpuPerVerification)} ms). With all ${cores} cores on this work and nothing else, CPU alone would ` +
    `allow at most ${ceiling(one)} verifications/s with one process and ${ceiling(two)}/s with two ` +
    `(${cores} × 1,000 ms / CPU ms per verification in all). ` +
    // Said only when the figures show it: a second process on the same cores gained (almost) nothing.
    (two.perSecond < one.perSecond * 1.1
      ? "Here the engine processes and PostgreSQL share the same cores, so a second process adds CPU work, not " +
        "CPU: scaling out pays where each process and the database have cores of their own."
      : "")
  ).trimEnd()
}

const renderScaleOutSection = (
  figures: ReadonlyArray<ConfigurationFigures>,
  context: { readonly date: Date; readonly load: readonly [number, number] }
): string => {
  const machine = describeMachine()
  const rows = figures.map((f) => {
    const engine = f.engineCpuPerVerification.reduce((sum, value) => sum + value, 0)
    const total = cpuPerVerification(f)
    const busy = (total * f.perSecond) / 1000
    return `| ${f.processes} | ${f.perSecond.toFixed(1)} | ${f.seconds.toFixed(1)} | ${f.engineCpuPerVerification
      .map(ms)
      .join(
        " + "
      )} = ${ms(engine)} | ${ms(f.postgresCpuPerVerification)} (${ms(f.postgresBackendCpuPerVerification)}) | ${ms(total)} | ${busy.toFixed(2)} of ${machine.cores} | ${f.repeats} |`
  })
  return `${markers.start}
## Scale-out: one engine process against two on one PostgreSQL

Written by \`pnpm --filter @assure/bench bench:scale-out --verifications=${figures[0]?.verifications ?? 0} --write\`
(\`tooling/bench/src/engine/scale-out.ts\`), which \`pnpm bench\` leaves in place. Each configuration runs on a fresh
database: its engine processes (\`Engine.layer()\` over socket runners of one cluster, \`scale-out-host.ts\`) run the
engine section's verification — dossier with userData, front image, sandbox process, request, the provider's webhook —
in-process, ${inFlight} at a time in all, split between the processes, after ${warmupPerProcess} each not counted; a
verification is done when the bench's endpoint has its notification. CPU: each engine process's
\`process.cpuUsage()\`, and PostgreSQL's utime + stime from \`/proc/<pid>/stat\` summed over all its processes (in
parentheses: the backends of the run's own database; the rest is the server's background processes and other
databases' work on the same server). Cores busy: CPU ms per verification in all × verifications/s — what this work
used of the machine; when the load average is above the cores, other work on the machine had the rest.

${context.date.toISOString().replace(/\.\d+Z$/, "Z")}; ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.platform}; Node ${machine.node}, PostgreSQL ${figures[0]?.postgresVersion ?? "unknown"} on the same machine. 1-minute load average ${context.load[0].toFixed(1)} at the start, ${context.load[1].toFixed(1)} at the end.

| engine processes | verifications/s | seconds | engine CPU ms per verification | PostgreSQL CPU ms per verification (its database's backends) | CPU ms per verification in all | cores busy | repeated deliveries |
|--:|--:|--:|---|--:|--:|--:|--:|
${rows.join("\n")}

${scalingNote(figures, machine.cores)}
${markers.end}
`
}

const loadAtStart = loadavg()[0] ?? 0
const figures: Array<ConfigurationFigures> = []
for (const processes of [1, 2]) figures.push(await measureConfiguration(processes))
const section = renderScaleOutSection(figures, { date: new Date(), load: [loadAtStart, loadavg()[0] ?? 0] })
console.log(section)

if (values.write) {
  const path = join(import.meta.dirname, "..", "..", "..", "..", "BENCHMARKS.md")
  // In place of the section there, or before the kept sections at the end of the file.
  writeSection(path, markers, section, ["<!-- sqlite-drivers:start -->"])
  log(`wrote ${path}`)
}
