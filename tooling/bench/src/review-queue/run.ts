/**
 * `pnpm --filter @assure/bench bench:review-queue`: a page of the review queue with and without its index as the store
 * grows (measure.ts), printed as the section `BENCHMARKS.md` keeps (report.ts). A few minutes on a 2-core machine at
 * the default sizes; PostgreSQL is measured when `ASSURE_BENCH_POSTGRES_URL`'s server (a local one by default) is up.
 *
 * Options: `--processes=10000,100000,1000000` (the sizes, in processes stored), `--pages=N` (timed pages per query and
 * contender, 60), and `--write` to put the section into `BENCHMARKS.md` in place of the one there.
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { describeMachine } from "../report.ts"
import { measureReviewQueue, reviewQueueOptions } from "./measure.ts"
import { renderReviewQueueSection, writeReviewQueueSection } from "./report.ts"

const args = process.argv.slice(2).filter((argument) => argument !== "--")
const started = performance.now()
const log = (message: string): void =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

const report = await measureReviewQueue(reviewQueueOptions(args), log)
const section = renderReviewQueueSection(report, describeMachine())
console.log(section)
if (args.includes("--write")) {
  const path = join(import.meta.dirname, "..", "..", "..", "..", "BENCHMARKS.md")
  writeReviewQueueSection(path, section)
  log(`wrote the section into ${path}`)
}
