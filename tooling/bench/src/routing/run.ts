/**
 * `pnpm --filter @assure/bench bench:routing`: what `provider: "auto"` adds to a process creation, side by side with
 * a named provider (measure.ts), printed as the section `pnpm bench` writes into `BENCHMARKS.md` (report.ts). About
 * 10 s on a 2-core machine.
 *
 * Options: `--creations=N` timed creations per contender (2,000; the pieces of work alone get as many calls), and
 * `--write` to put the section into `BENCHMARKS.md` in place of the one there.
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { describeMachine } from "../report.ts"
import { measureRouting, routingOptions } from "./measure.ts"
import { renderRoutingSection, writeRoutingSection } from "./report.ts"

const args = process.argv.slice(2).filter((argument) => argument !== "--")
const started = performance.now()
const log = (message: string): void =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

const report = await measureRouting(routingOptions(args, "--creations"), log)
const section = renderRoutingSection(report, describeMachine())
console.log(section)
if (args.includes("--write")) {
  const path = join(import.meta.dirname, "..", "..", "..", "..", "BENCHMARKS.md")
  writeRoutingSection(path, section)
  log(`wrote the section into ${path}`)
}
