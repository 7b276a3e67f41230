/**
 * `pnpm --filter @assure/bench bench:http`: the HTTP load run on its own, with the token flood (`bench:tokens` runs
 * that alone), printing its section of `BENCHMARKS.md` to stdout (progress goes to stderr).
 *
 * - `--duration=S`, `--warmup=S`: the run lengths; `--connections=N`: the load.
 * - `--stored=N,M`: dossiers seeded into the store before the GET is measured, one run per size (default 10,000).
 * - `--only=sqlite|pg`: one store only; `--settle=S`: how long the server stays idle after the loads before its
 *   memory is read again (default 60; 0 skips it); `--ready-starts=N`: starts of the built server timed (default 5).
 * - `--skip-tokens`: no token flood.
 * - `--skip-floors`: not the isolated experiments of floors.ts.
 * - `--profile=DIR` writes CPU profiles of the server's measured runs there, and `--json=FILE` the raw figures (with
 *   every memory reading).
 *
 * `ASSURE_BENCH_POSTGRES_URL` (as for the engine bench) names the PostgreSQL server a database is created on for the run (and dropped after it).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { defaultHttpOptions, measureHttp, parseStoredSizes, type Store } from "./measure.ts"
import { renderHttpSection } from "./report.ts"

const { values } = parseArgs({
  // `pnpm … bench:http -- --duration=5` passes the `--` on.
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  options: {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    profile: { type: "string" },
    json: { type: "string" },
    stored: { type: "string" },
    only: { type: "string" },
    settle: { type: "string" },
    "ready-starts": { type: "string" },
    "skip-tokens": { type: "boolean" },
    "skip-floors": { type: "boolean" }
  }
})
const number = (text: string | undefined, fallback: number) => {
  if (text === undefined) return fallback
  const value = Number(text.replaceAll("_", ""))
  if (!Number.isFinite(value) || value < 0) throw new Error(`not a number: ${text}`)
  return value
}
const stores = (only: string | undefined): ReadonlyArray<Store> => {
  if (only === undefined) return defaultHttpOptions.stores
  if (only === "sqlite") return ["sqlite"]
  if (only === "pg" || only === "postgres") return ["postgres"]
  throw new Error(`--only=${only}: sqlite or pg`)
}
const profileDirectory = values.profile === undefined ? undefined : resolve(values.profile)
if (profileDirectory !== undefined) mkdirSync(profileDirectory, { recursive: true })

const started = performance.now()
const log = (message: string): void =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

const report = await measureHttp(log, {
  ...defaultHttpOptions,
  durationSeconds: number(values.duration, defaultHttpOptions.durationSeconds),
  warmupSeconds: number(values.warmup, defaultHttpOptions.warmupSeconds),
  connections: number(values.connections, defaultHttpOptions.connections),
  settleSeconds: number(values.settle, defaultHttpOptions.settleSeconds),
  stores: stores(values.only),
  storedSizes: values.stored === undefined ? defaultHttpOptions.storedSizes : parseStoredSizes(values.stored),
  distStarts: number(values["ready-starts"], defaultHttpOptions.distStarts),
  profileDirectory,
  tokenFlood: values["skip-tokens"] === true ? undefined : defaultHttpOptions.tokenFlood,
  floors: values["skip-floors"] !== true
})
if (values.json !== undefined) writeFileSync(resolve(values.json), `${JSON.stringify(report, null, 2)}\n`)
console.log(renderHttpSection(report))
