/**
 * `pnpm --filter @assure/bench bench:tokens`: the token-flood bench on its own (about two minutes), printing its
 * subsection of `BENCHMARKS.md` to stdout (progress goes to stderr).
 *
 * - `--write` also puts the subsection into `BENCHMARKS.md`, in place of the one there (or before section 4's targets);
 * - `--duration=S`, `--rounds=N` and `--rate=N` change each round's length, the rounds of each scenario and the GETs
 *   per second (`--rounds=1` for a quick look);
 * - `--set NAME=VALUE` (repeatable) passes a setting to the server, to compare settings
 *   (`--set ASSURE_TOKEN_VERIFICATIONS=4`);
 * - `--server-dist=DIR` runs another build of `@assure/server` (its `dist` folder), to compare revisions;
 * - `--json=FILE` writes the raw figures (the comparison in the subsection reads
 *   `tooling/bench/baselines/token-flood-before.json`, written this way from the server before the change);
 * - `--from-json=FILE` measures nothing: it renders (and with `--write` writes) the figures a `--json` run saved.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { defaultTokenFloodOptions, measureTokenFlood, type TokenFloodReport } from "./tokens.ts"
import { markers, renderTokenFloodSection } from "./tokens-report.ts"

const { values } = parseArgs({
  // `pnpm … bench:tokens -- --write` passes the `--` on.
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  options: {
    duration: { type: "string" },
    rounds: { type: "string" },
    rate: { type: "string" },
    "server-dist": { type: "string" },
    set: { type: "string", multiple: true },
    json: { type: "string" },
    "from-json": { type: "string" },
    write: { type: "boolean" }
  }
})
// autocannon's timers run late on a machine this busy, and Node warns of each: not news here.
process.removeAllListeners("warning")
const started = performance.now()
const log = (message: string): void =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)
const number = (text: string | undefined, fallback: number) => (text === undefined ? fallback : Number(text))

const variables = Object.fromEntries(
  (values.set ?? []).map((entry) => {
    const separator = entry.indexOf("=")
    if (separator < 1) throw new Error(`--set expects NAME=VALUE, not ${JSON.stringify(entry)}`)
    return [entry.slice(0, separator), entry.slice(separator + 1)]
  })
)
const saved = values["from-json"]
const report: TokenFloodReport =
  saved !== undefined
    ? (JSON.parse(readFileSync(resolve(saved), "utf8")) as TokenFloodReport)
    : await measureTokenFlood(log, {
        ...defaultTokenFloodOptions,
        durationSeconds: number(values.duration, defaultTokenFloodOptions.durationSeconds),
        rounds: number(values.rounds, defaultTokenFloodOptions.rounds),
        ratePerSecond: number(values.rate, defaultTokenFloodOptions.ratePerSecond),
        serverDist: values["server-dist"] === undefined ? undefined : resolve(values["server-dist"]),
        variables
      })
if (values.json !== undefined) writeFileSync(resolve(values.json), `${JSON.stringify(report, null, 2)}\n`)
const section = renderTokenFloodSection(report)
console.log(section)

if (values.write) {
  const path = join(import.meta.dirname, "..", "..", "..", "..", "BENCHMARKS.md")
  const current = readFileSync(path, "utf8")
  const start = current.indexOf(markers.start)
  const end = current.indexOf(markers.end)
  let next: string
  if (start >= 0 && end > start) {
    next = `${current.slice(0, start)}${section.trimEnd()}${current.slice(end + markers.end.length)}`
  } else {
    // Before the targets of section 4, where a full `pnpm bench` puts it.
    const http = current.indexOf("## 4. HTTP API under load")
    const targets = http < 0 ? -1 : current.indexOf("### Targets", http)
    if (targets < 0) throw new Error(`${path} has no section 4 with its targets: run the full pnpm bench`)
    next = `${current.slice(0, targets)}${section}\n${current.slice(targets)}`
  }
  writeFileSync(path, next)
  log(`wrote the subsection into ${path}`)
}
