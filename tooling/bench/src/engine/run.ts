/**
 * `pnpm --filter @assure/bench bench:engine`: the engine section of `pnpm bench` alone — the engine against the
 * plain-SQL baseline on SQLite and PostgreSQL, and the long run when `--engine-verifications=N` asks for one — printed
 * as the target table, without rewriting BENCHMARKS.md. For measuring a change to the engine before and after.
 */
import { performance } from "node:perf_hooks"
import { engineTargetRows } from "../report.ts"
import { measureEngine } from "./measure.ts"
import { engineOptions } from "./options.ts"

const started = performance.now()
const log = (message: string): void =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

const report = await measureEngine(engineOptions(process.argv.slice(2), { ...process.env }), log)
console.log(`\n| target | measured | verdict |\n|---|---|---|\n${engineTargetRows(report)}`)
for (const database of report.databases) {
  if (!database.measured) continue
  console.log(
    `\n${database.database}: statements per verification`,
    database.engine.diagnostic.statementsPerVerification
  )
  console.log(`${database.database}: table sizes after the timed run`, database.engine.tableSizes)
}
