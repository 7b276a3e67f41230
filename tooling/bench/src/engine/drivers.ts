/**
 * `pnpm --filter @assure/bench bench:sqlite-drivers`: the engine (and the plain-SQL baseline) on SQLite through
 * `@assure/sqlite` and through upstream's `@effect/sql-sqlite-node`, in the same run, on the same machine, each job
 * in a fresh worker process on a fresh database file. The drivers alternate (A B B A …) so that drift in the machine's
 * load falls on both. Writes its own section of BENCHMARKS.md (between markers, which `pnpm bench` keeps) and prints it.
 *
 * Options: `--verifications=N` under load (default 1,000), `--rounds=N` (default 2).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { describeMachine, versionOf } from "../report.ts"
import { type DatabaseSpec, databaseLabel, makeScratchFolder, type SqliteDriver } from "./databases.ts"
import { type RunFigures, runFigures } from "./figures.ts"
import { type Job, runJob } from "./jobs.ts"

const numberFlag = (name: string, fallback: number): number => {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`))
  if (flag === undefined) return fallback
  const value = Number(flag.slice(name.length + 3).replaceAll("_", ""))
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`)
  return value
}

const loaded = numberFlag("verifications", 1_000)
const rounds = numberFlag("rounds", 2)
const inFlight = 32
const warmup = 200
const unloaded = 100

const reportPath = join(import.meta.dirname, "..", "..", "..", "..", "BENCHMARKS.md")
const start = "<!-- sqlite-drivers:start -->"
const end = "<!-- sqlite-drivers:end -->"

const started = performance.now()
const log = (message: string): void =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

interface Measured {
  readonly driver: SqliteDriver
  readonly contender: Job["contender"]
  readonly unloaded: RunFigures
  readonly loaded: RunFigures
}

const loadAtStart = loadavg()[0] ?? Number.NaN
const folder = makeScratchFolder()
const results: Array<Measured> = []
try {
  let file = 0
  for (let round = 0; round < rounds; round++) {
    const order: ReadonlyArray<SqliteDriver> = round % 2 === 0 ? ["assure", "upstream"] : ["upstream", "assure"]
    for (const driver of order) {
      for (const contender of ["baseline", "engine"] as const) {
        const database: DatabaseSpec = { kind: "sqlite", filename: join(folder.path, `bench-${file++}.db`), driver }
        log(`round ${round + 1}: ${contender} on ${databaseLabel(database)}`)
        const result = await runJob(
          {
            contender,
            database,
            filesFolder: join(folder.path, "files"),
            pollInterval: "1 second",
            phases: [
              { name: "warm-up", verifications: warmup, inFlight },
              { name: "one at a time", verifications: unloaded, inFlight: 1 },
              { name: "under load", verifications: loaded, inFlight }
            ]
          },
          log
        )
        const phase = (name: string) => {
          const found = result.phases.find((candidate) => candidate.name === name)
          if (found === undefined) throw new Error(`no ${name} phase`)
          return runFigures(found.load)
        }
        const measured = { driver, contender, unloaded: phase("one at a time"), loaded: phase("under load") }
        if (measured.loaded.lost + measured.loaded.failed > 0 || result.repeatedNotifications > 0) {
          throw new Error(
            `${contender} on ${driver}: ${measured.loaded.lost} lost, ${measured.loaded.failed} failed, ${result.repeatedNotifications} notified twice (${measured.loaded.firstError})`
          )
        }
        log(
          `    ${measured.loaded.perSecond.toFixed(1)} verifications/s, ${measured.loaded.cpuMillisPerVerification.toFixed(1)} ms CPU each, p50 one at a time ${measured.unloaded.latency.p50.toFixed(1)} ms`
        )
        results.push(measured)
      }
    }
  }
} finally {
  folder.remove()
}

const machine = describeMachine()
const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}
const command = ["pnpm --filter @assure/bench bench:sqlite-drivers", ...process.argv.slice(2)].join(" ")
const lines = [
  start,
  "## SQLite drivers: the engine on `@assure/sqlite` and on `@effect/sql-sqlite-node`",
  "",
  `Written by \`${command}\` (\`tooling/bench/src/engine/drivers.ts\`), which \`pnpm bench\` leaves in place: the`,
  "engine section's verification (and its plain-SQL baseline) on a fresh SQLite file per job, through each driver in",
  "the same run, the drivers alternating between rounds. What follows from it: `packages/sqlite/README.md`.",
  "",
  `${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.platform}; Node ${machine.node}, SQLite ${process.versions.sqlite}, effect ${versionOf("effect")}, @effect/sql-sqlite-node ${versionOf("@effect/sql-sqlite-node")}. ${rounds} rounds, each job ${warmup} warm-up, ${unloaded} one at a time, ${loaded.toLocaleString("en-GB")} with ${inFlight} in flight; 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? Number.NaN).toFixed(1)} at the end (other work on the machine shows there).`,
  "",
  "| contender | driver | verifications/s under load, each round | median | Node CPU ms per verification | p50 / p99 under load, ms | p50 one at a time, ms |",
  "|---|---|---|---|---|---|---|"
]
for (const contender of ["engine", "baseline"] as const) {
  for (const driver of ["assure", "upstream"] as const) {
    const runs = results.filter((result) => result.contender === contender && result.driver === driver)
    const name = driver === "assure" ? "`@assure/sqlite`" : "`@effect/sql-sqlite-node`"
    lines.push(
      `| ${contender} | ${name} | ${runs.map((run) => run.loaded.perSecond.toFixed(1)).join(", ")} | ${median(runs.map((run) => run.loaded.perSecond)).toFixed(1)} | ${median(runs.map((run) => run.loaded.cpuMillisPerVerification)).toFixed(1)} | ${median(runs.map((run) => run.loaded.latency.p50)).toFixed(0)} / ${median(runs.map((run) => run.loaded.latency.p99)).toFixed(0)} | ${median(runs.map((run) => run.unloaded.latency.p50)).toFixed(1)} |`
    )
  }
}
lines.push(end)
const section = lines.join("\n")

// Replaces the previous section, or goes before the release proof's (which stays last), or at the end.
const previous = existsSync(reportPath) ? readFileSync(reportPath, "utf8") : ""
const from = previous.indexOf(start)
const to = previous.indexOf(end)
const proof = previous.indexOf("<!-- release-proof:start -->")
writeFileSync(
  reportPath,
  from >= 0 && to > from
    ? `${previous.slice(0, from)}${section}${previous.slice(to + end.length)}`
    : proof >= 0
      ? `${previous.slice(0, proof)}${section}\n\n${previous.slice(proof)}`
      : `${previous.trimEnd()}\n\n${section}\n`
)
console.log(`\n${section}\nwrote ${reportPath}`)
