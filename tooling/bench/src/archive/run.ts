/**
 * `pnpm --filter @assure/bench bench:archive`: what a finished process's full result costs in memory while it is
 * zipped, streamed and in memory side by side (measure.ts), printed as the section `pnpm bench` writes into
 * `BENCHMARKS.md` (report.ts). About a minute on a 2-core machine (50–60 s here, another build running). Node
 * must run with `--expose-gc` (the script passes it).
 *
 * Options: `--write` to put the section into `BENCHMARKS.md` in place of the one there; `--json` to print the figures
 * as JSON instead of the section (how `pnpm bench` runs it, in a child process: child.ts); `--rounds=N` runs of each
 * contender, taking turns (3).
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { describeMachine } from "../report.ts"
import { archiveOptions, measureArchive } from "./measure.ts"
import { renderArchiveSection, writeArchiveSection } from "./report.ts"

const args = process.argv.slice(2).filter((argument) => argument !== "--")
const started = performance.now()
const log = (message: string): void =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

const report = await measureArchive(archiveOptions(args), log)
if (args.includes("--json")) {
  console.log(JSON.stringify(report))
} else {
  const section = renderArchiveSection(report, describeMachine())
  console.log(section)
  if (args.includes("--write")) {
    const path = join(import.meta.dirname, "..", "..", "..", "..", "BENCHMARKS.md")
    writeArchiveSection(path, section)
    log(`wrote the section into ${path}`)
  }
}
