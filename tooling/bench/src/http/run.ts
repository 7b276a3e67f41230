/**
 * `pnpm --filter @assure/bench bench:http`: the HTTP load run on its own, with the token flood (`bench:tokens` runs
 * that alone), printing its section of `BENCHMARKS.md` to stdout (progress goes to stderr). `--duration=S` and `--warmup=S` change the run lengths, `--connections=N` the
 * load, `--profile=DIR` writes CPU profiles of the server's measured runs there, and `--json=FILE` the raw figures
 * (with every memory reading).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { defaultHttpOptions, measureHttp } from "./measure.ts"
import { renderHttpSection } from "./report.ts"

const { values } = parseArgs({
  // `pnpm … bench:http -- --duration=5` passes the `--` on.
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  options: {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    profile: { type: "string" },
    json: { type: "string" }
  }
})
const number = (text: string | undefined, fallback: number) => (text === undefined ? fallback : Number(text))
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
  profileDirectory
})
if (values.json !== undefined) writeFileSync(resolve(values.json), `${JSON.stringify(report, null, 2)}\n`)
console.log(renderHttpSection(report))
