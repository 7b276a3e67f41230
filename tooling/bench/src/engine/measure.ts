/**
 * The engine section: on SQLite, then on PostgreSQL, the baseline and then the engine, each in a worker process of
 * its own (warm-up, one at a time, then `inFlight` at a time); a diagnostic run of each with the CPU profiler and
 * the statement counter; and last, a long run of the engine on a fresh SQLite file with its memory sampled.
 */
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import {
  createPostgresDatabase,
  type DatabaseSpec,
  databaseLabel,
  makeScratchFolder,
  postgresServerUrl
} from "./databases.ts"
import { type MemoryFigures, memoryFigures, type RunFigures, runFigures } from "./figures.ts"
import { type Job, type JobResult, runJob } from "./jobs.ts"
import type { EngineOptions } from "./options.ts"
import type { ProfileSummary } from "./profile.ts"

export interface ContenderFigures {
  readonly unloaded: RunFigures
  readonly loaded: RunFigures
  readonly diagnostic: {
    readonly run: RunFigures
    readonly profile: ProfileSummary | undefined
    /** SQL statements per verification, by table group. */
    readonly statementsPerVerification: Readonly<Record<string, number>>
  }
  readonly tableSizes: Readonly<Record<string, number>>
  readonly repeatedNotifications: number
}

/** How long a part took, and the machine's 1-minute load average as it started and ended: other work shows there. */
export interface PartTime {
  readonly seconds: number
  readonly loadAtStart: number
  readonly loadAtEnd: number
}

const startPart = (): (() => PartTime) => {
  const started = performance.now()
  const loadAtStart = loadavg()[0] ?? Number.NaN
  return () => ({ seconds: (performance.now() - started) / 1000, loadAtStart, loadAtEnd: loadavg()[0] ?? Number.NaN })
}

export type DatabaseFigures =
  | {
      readonly database: string
      readonly measured: true
      /** The database engine's version: SQLite's (node:sqlite), or the PostgreSQL server's. */
      readonly version: string
      readonly time: PartTime
      readonly engine: ContenderFigures
      readonly baseline: ContenderFigures
    }
  | { readonly database: string; readonly measured: false; readonly reason: string }

export interface EngineReport {
  readonly options: EngineOptions
  readonly databases: ReadonlyArray<DatabaseFigures>
  readonly memory:
    | {
        readonly figures: MemoryFigures
        readonly warmupRss: { readonly first: number; readonly last: number }
        readonly time: PartTime
      }
    | undefined
  readonly seconds: number
}

type Log = (message: string) => void

const phaseOf = (result: JobResult, name: string) => {
  const phase = result.phases.find((candidate) => candidate.name === name)
  if (phase === undefined) throw new Error(`the worker did not run the ${name} phase`)
  return phase
}

const perVerification = (counts: Readonly<Record<string, number>> | undefined, verifications: number) =>
  Object.fromEntries(Object.entries(counts ?? {}).map(([group, n]) => [group, n / Math.max(1, verifications)]))

/** Measures one contender on one database: the timed job, then the diagnostic job. */
const measureContender = async (
  contender: Job["contender"],
  database: DatabaseSpec,
  folder: string,
  options: EngineOptions,
  log: Log
): Promise<ContenderFigures> => {
  const common = { contender, database, filesFolder: join(folder, "files"), pollInterval: options.pollInterval }
  const label = `${contender} on ${databaseLabel(database)}`
  log(
    `  ${label}: ${options.warmup} warm-up, ${options.unloaded} one at a time, ${options.loaded} with ${options.inFlight} in flight`
  )
  const timed = await runJob(
    {
      ...common,
      phases: [
        { name: "warm-up", verifications: options.warmup, inFlight: options.inFlight },
        { name: "one at a time", verifications: options.unloaded, inFlight: 1 },
        { name: "under load", verifications: options.loaded, inFlight: options.inFlight }
      ]
    },
    log
  )
  const loaded = runFigures(phaseOf(timed, "under load").load)
  log(`    ${loaded.perSecond.toFixed(1)} verifications/s, p50 ${loaded.latency.p50.toFixed(0)} ms`)

  log(`  ${label}: ${options.diagnostic} with the CPU profiler and the statement counter`)
  // Outside the scratch folder, so that it outlives the run: open it in Chrome DevTools (Performance).
  const profilePath = join(tmpdir(), `assure-bench-${contender}-${database.kind}.cpuprofile`)
  const diagnostic = await runJob(
    {
      ...common,
      countStatements: true,
      phases: [
        { name: "warm-up", verifications: options.warmup, inFlight: options.inFlight },
        { name: "diagnostic", verifications: options.diagnostic, inFlight: options.inFlight, profilePath }
      ]
    },
    log
  )
  const diagnosed = phaseOf(diagnostic, "diagnostic")
  log(`    CPU profile: ${profilePath}`)
  return {
    unloaded: runFigures(phaseOf(timed, "one at a time").load),
    loaded,
    diagnostic: {
      run: runFigures(diagnosed.load),
      profile: diagnosed.profile,
      statementsPerVerification: perVerification(diagnosed.statements, diagnosed.load.verifications)
    },
    tableSizes: timed.tableSizes,
    repeatedNotifications: timed.repeatedNotifications
  }
}

const measureDatabase = async (
  kind: DatabaseSpec["kind"],
  folder: string,
  options: EngineOptions,
  log: Log
): Promise<DatabaseFigures> => {
  const ended = startPart()
  let database: DatabaseSpec
  let version = process.versions.sqlite ?? "unknown"
  let drop = async () => {}
  if (kind === "sqlite") database = { kind, filename: join(folder, "bench.db") }
  else {
    const created = await createPostgresDatabase()
    if ("unavailable" in created) {
      log(`  PostgreSQL skipped: ${created.unavailable} (start it with \`bash .ci/postgres\`)`)
      return { database: "PostgreSQL", measured: false, reason: created.unavailable }
    }
    database = { kind, url: created.url }
    version = created.serverVersion
    drop = created.drop
    onInterrupt.add(drop)
    log(`  created database ${new URL(created.url).pathname.slice(1)} on ${new URL(postgresServerUrl).host}`)
  }
  try {
    // The baseline first: the engine's workers leave nothing running behind them either way.
    const baseline = await measureContender("baseline", database, folder, options, log)
    const engine = await measureContender("engine", database, folder, options, log)
    return {
      database: databaseLabel(database),
      measured: true,
      version,
      time: ended(),
      engine,
      baseline
    }
  } finally {
    onInterrupt.delete(drop)
    await drop()
  }
}

const measureMemory = async (folder: string, options: EngineOptions, log: Log) => {
  const ended = startPart()
  log(
    `  engine on a fresh SQLite file: ${options.longWarmup.toLocaleString("en-GB")} warm-up, then ${options.long.toLocaleString("en-GB")} verifications with memory sampled each second`
  )
  const result = await runJob(
    {
      contender: "engine",
      database: { kind: "sqlite", filename: join(folder, "long.db") },
      filesFolder: join(folder, "files"),
      pollInterval: options.pollInterval,
      phases: [
        { name: "warm-up", verifications: options.longWarmup, inFlight: options.inFlight },
        { name: "long run", verifications: options.long, inFlight: options.inFlight }
      ]
    },
    log
  )
  const warmup = phaseOf(result, "warm-up").load.memory
  return {
    figures: memoryFigures(phaseOf(result, "long run").load),
    /** RSS when the warm-up started (the engine started) and when it ended. */
    warmupRss: { first: warmup[0]?.rss ?? Number.NaN, last: warmup[warmup.length - 1]?.rss ?? Number.NaN },
    time: ended()
  }
}

/** What to undo if the bench is stopped half-way (Ctrl-C): `finally` blocks do not run on a signal. */
const onInterrupt = new Set<() => unknown>()

const interrupted = (signal: NodeJS.Signals) => {
  Promise.allSettled([...onInterrupt].map(async (undo) => undo())).finally(() =>
    process.exit(signal === "SIGINT" ? 130 : 143)
  )
}

export const measureEngine = async (options: EngineOptions, log: Log): Promise<EngineReport> => {
  const started = performance.now()
  const folder = makeScratchFolder()
  onInterrupt.add(folder.remove)
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted)
  try {
    const databases: Array<DatabaseFigures> = []
    for (const kind of ["sqlite", "postgres"] as const) {
      log(`engine benchmark on ${kind === "sqlite" ? "SQLite" : "PostgreSQL"}`)
      databases.push(await measureDatabase(kind, folder.path, options, log))
    }
    let memory: EngineReport["memory"]
    if (options.long > 0) {
      log("engine memory over a long run")
      memory = await measureMemory(folder.path, options, log)
    }
    return { options, databases, memory, seconds: (performance.now() - started) / 1000 }
  } finally {
    process.off("SIGINT", interrupted).off("SIGTERM", interrupted)
    onInterrupt.delete(folder.remove)
    folder.remove()
  }
}
