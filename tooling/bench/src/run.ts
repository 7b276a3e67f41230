/**
 * `pnpm bench`: generates the records, checks that the normalisers agree, times them, measures the bundles,
 * runs the engine end to end against a plain-database baseline, loads the HTTP API on seeded SQLite and PostgreSQL
 * stores next to a bare HttpApi and a bare node:http server and floods its token endpoint (http/tokens.ts), times what
 * provider routing adds to a process creation (routing/) and what a process's full result costs in memory while it is
 * zipped (archive/, in a child node with `--expose-gc`), measures the hosted capture page's own code (capture-page/),
 * and writes `BENCHMARKS.md` at the repository root. About a
 * minute for the first two sections and several more for the engine on a 2-core machine; the engine's long memory run
 * is sized with `--engine-verifications=N` (see `engine/options.ts`), the HTTP section's stores with
 * `--stored=10000,1000000` (dossiers seeded; 10,000 by default), the routing section with `--routing-creations=N`
 * (2,000 per contender by default), the archive section's runs with `--archive-rounds=N` (3 per contender by default).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import * as esbuild from "esbuild"
import { measureArchiveInChild } from "./archive/child.ts"
import { archiveOptions } from "./archive/measure.ts"
import { renderArchiveSection } from "./archive/report.ts"
import { measureBundleSizes } from "./bundle-size.ts"
import { measureCapturePage } from "./capture-page/measure.ts"
import { renderCapturePageSection } from "./capture-page/report.ts"
import { measureEngine } from "./engine/measure.ts"
import { engineOptions } from "./engine/options.ts"
import { defaultHttpOptions, measureHttp, parseStoredSizes } from "./http/measure.ts"
import { normaliseWithCompiledCore, normaliseWithCore } from "./normalisers/core.ts"
import { normaliseByHand } from "./normalisers/plain.ts"
import { normaliseWithCompiledZod, normaliseWithZod } from "./normalisers/zod.ts"
import { rawRecords } from "./records.ts"
import { describeMachine, renderReport, versionOf } from "./report.ts"
import { measureRouting, routingOptions } from "./routing/measure.ts"
import { renderRoutingSection } from "./routing/report.ts"
import { measureThroughput } from "./throughput.ts"
import { verifyEquivalence } from "./verify.ts"

const recordCount = 100_000
const seed = 20_240_501
const timing = { warmupPasses: 2, passes: 9, sliceSize: 5_000 }
const reportPath = join(import.meta.dirname, "..", "..", "..", "BENCHMARKS.md")
const engine = engineOptions(process.argv.slice(2), process.env)
const routing = routingOptions(process.argv.slice(2), "--routing-creations")
// Checked here, before the minutes of work that come before the archive section.
const archiveRounds = archiveOptions(process.argv.slice(2), "--archive-rounds").rounds

const started = performance.now()
const log = (message: string): void =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

// First, while the process holds nothing else (the records below take tens of MB of heap): its figures are fractions
// of a millisecond.
log("what provider routing adds to a process creation")
const routingReport = await measureRouting(routing, log)

// In a child node: the bench collects the heap before each run (`--expose-gc`, which this node was not given), and
// measures memory in a process that holds nothing else.
log("memory while a process's archive is zipped, in a child node")
const archiveReport = await measureArchiveInChild([`--rounds=${archiveRounds}`], log)

log(`generating ${recordCount.toLocaleString("en-GB")} records`)
const records = rawRecords(recordCount, seed)

log("checking that the normalisers agree")
const verification = verifyEquivalence(records, [
  { name: "@assure/core", normalise: normaliseWithCore },
  { name: "@assure/core (SchemaJITCompiler)", normalise: normaliseWithCompiledCore },
  { name: "zod", normalise: normaliseWithZod },
  { name: "zod (z.compile)", normalise: normaliseWithCompiledZod },
  { name: "hand-written", normalise: normaliseByHand }
])

log(`timing: ${timing.warmupPasses} warm-up + ${timing.passes} measured passes over the records per normaliser`)
const [core, coreCompiled, zod, zodCompiled, handWritten] = measureThroughput(
  records,
  [
    { name: "core", run: normaliseWithCore },
    { name: "core compiled", run: normaliseWithCompiledCore },
    { name: "zod", run: normaliseWithZod },
    { name: "zod compiled", run: normaliseWithCompiledZod },
    { name: "hand-written", run: normaliseByHand }
  ],
  timing,
  (pass, of) => log(`  pass ${pass}/${of}`)
)
if (!core || !coreCompiled || !zod || !zodCompiled || !handWritten) throw new Error("A contender was not measured")

log("bundling")
const [baseline, coreBundle, coreDossier] = await measureBundleSizes([
  {
    name: "baseline",
    entryPoint: "src/bundle-entries/baseline.ts",
    exports: ["decodedDossier", "decodedProcess"]
  },
  {
    name: "core",
    entryPoint: "src/bundle-entries/core-dossier-process.ts",
    exports: ["decodedDossier", "decodedProcess"]
  },
  { name: "core dossier", entryPoint: "src/bundle-entries/core-dossier.ts", exports: ["decodedDossier"] }
])
if (!baseline || !coreBundle || !coreDossier) throw new Error("A bundle was not measured")

log("the hosted capture page's own code")
const capturePage = measureCapturePage()

const engineReport = await measureEngine(engine, log)

log("HTTP API under load")
const storedFlag = process.argv.find((arg) => arg.startsWith("--stored="))
const httpReport = await measureHttp(log, {
  ...defaultHttpOptions,
  storedSizes:
    storedFlag === undefined ? defaultHttpOptions.storedSizes : parseStoredSizes(storedFlag.slice("--stored=".length))
})

const machine = describeMachine()
const markdown = renderReport({
  capturePageSection: renderCapturePageSection(capturePage, machine),
  date: new Date(),
  machine,
  versions: {
    effect: versionOf("effect"),
    zod: versionOf("zod"),
    esbuild: esbuild.version,
    "@effect/sql-pg": versionOf("@effect/sql-pg"),
    "@effect/sql-sqlite-node": versionOf("@effect/sql-sqlite-node")
  },
  records: { count: recordCount, seed },
  verification,
  timing,
  seconds: (performance.now() - started) / 1000,
  throughput: { core, coreCompiled, zod, zodCompiled, handWritten },
  bundles: { baseline, core: coreBundle, coreDossier },
  engine: engineReport,
  http: httpReport
})
// The routing and archive sections follow the numbered ones, between markers of their own, so that
// `bench:routing --write` and `bench:archive --write` can replace them alone.
const routingSection = renderRoutingSection(routingReport, machine)
const archiveSection = renderArchiveSection(archiveReport, machine)
// `pnpm release:proof` keeps its figures in a section of its own, between markers, and so do the review queue's bench
// (`bench:review-queue`), the scale-out bench
// (`bench:scale-out`), the comparison of SQLite drivers that chose `@effect/sql-sqlite-node` (its script left with our
// own driver) and the request path's profile before and after a change (`bench:profile -- --write`): carry them over,
// in this order.
const previous = existsSync(reportPath) ? readFileSync(reportPath, "utf8") : ""
const keptSections = [
  /<!-- review-queue:start -->[\s\S]*<!-- review-queue:end -->/,
  /<!-- scale-out:start -->[\s\S]*<!-- scale-out:end -->/,
  /<!-- sqlite-drivers:start -->[\s\S]*<!-- sqlite-drivers:end -->/,
  /<!-- profile-split:start -->[\s\S]*<!-- profile-split:end -->/,
  /<!-- release-proof:start -->[\s\S]*<!-- release-proof:end -->/
].flatMap((markers) => markers.exec(previous)?.[0] ?? [])
writeFileSync(
  reportPath,
  `${[markdown.trimEnd(), routingSection.trimEnd(), archiveSection.trimEnd(), ...keptSections].join("\n\n")}\n`
)
log(`wrote ${reportPath}`)
