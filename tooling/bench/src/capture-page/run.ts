/**
 * `pnpm --filter @assure/bench bench:capture-page`: the hosted capture page's own code, raw and gzipped, against
 * issue 19's budget (measure.ts), printed as the section `pnpm bench` writes into `BENCHMARKS.md` (report.ts). Reads
 * the built server (`pnpm build` first); well under a second.
 *
 * Options: `--write` to put the section into `BENCHMARKS.md` in place of the one there.
 */
import { join } from "node:path"
import { describeMachine } from "../report.ts"
import { measureCapturePage } from "./measure.ts"
import { renderCapturePageSection, writeCapturePageSection } from "./report.ts"

const args = process.argv.slice(2).filter((argument) => argument !== "--")
const section = renderCapturePageSection(measureCapturePage(), describeMachine())
console.log(section)
if (args.includes("--write")) {
  const path = join(import.meta.dirname, "..", "..", "..", "..", "BENCHMARKS.md")
  writeCapturePageSection(path, section)
  console.error(`wrote the section into ${path}`)
}
