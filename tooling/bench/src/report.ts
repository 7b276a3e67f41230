/**
 * Writes the measured figures as `BENCHMARKS.md`. The verdicts against the targets are computed here from
 * the figures, so the file never claims more than the run that produced it.
 */
import { readFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { fileURLToPath } from "node:url"
import type { BundleSize } from "./bundle-size.ts"
import { pairedRatio, type Throughput, type ThroughputOptions } from "./throughput.ts"
import type { Verification } from "./verify.ts"

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly platform: string
}

export const describeMachine = (): Machine => ({
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  cores: cpus().length,
  memoryGiB: totalmem() / 2 ** 30,
  node: process.version,
  platform: `${process.platform} ${process.arch}`
})

/** The installed version of a dependency, from its own package.json. */
export const versionOf = (name: string): string => {
  const path = fileURLToPath(import.meta.resolve(`${name}/package.json`))
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version
}

export interface Report {
  readonly date: Date
  readonly machine: Machine
  readonly versions: Readonly<Record<string, string>>
  readonly records: { readonly count: number; readonly seed: number }
  readonly verification: Verification
  readonly timing: ThroughputOptions
  readonly seconds: number
  readonly throughput: {
    /** The core schema decoded by Effect's default interpreter. */
    readonly core: Throughput
    /** The same schema with Effect's opt-in `SchemaJITCompiler` (the counterpart of `z.compile`). */
    readonly coreCompiled: Throughput
    readonly zod: Throughput
    readonly zodCompiled: Throughput
    readonly handWritten: Throughput
  }
  readonly bundles: { readonly baseline: BundleSize; readonly core: BundleSize; readonly coreDossier: BundleSize }
}

const integer = (n: number): string => Math.round(n).toLocaleString("en-GB")
const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`
const signedKB = (bytes: number): string => `${bytes >= 0 ? "+" : "−"}${kB(Math.abs(bytes))}`
const percent = (ratio: number): string => `${Math.round(ratio * 100)} %`
const verdict = (met: boolean): string => (met ? "**met**" : "**missed**")

const throughputRow = (label: string, measured: Throughput, limit: Throughput): string =>
  `| ${label} | ${integer(measured.recordsPerSecond)} | ${integer(measured.lowerQuartile)} – ${integer(measured.upperQuartile)} | ${(
    1e6 / measured.recordsPerSecond
  ).toFixed(2)} | ${percent(pairedRatio(measured, limit))} |`

const bundleRow = (label: string, size: BundleSize, baseline: BundleSize): string =>
  `| ${label} | ${integer(size.minified)} | ${integer(size.gzipped)} | ${
    size === baseline ? "—" : signedKB(size.gzipped - baseline.gzipped)
  } | ${integer(size.bytesFrom.core)} | ${integer(size.bytesFrom.effect)} |`

/** The effect modules that grow most from the baseline to `bundle`, as Markdown. */
const growthOfEffect = (bundle: BundleSize, baseline: BundleSize, count = 5): string =>
  [...bundle.effectModules]
    .map(([module, bytes]) => [module, bytes - (baseline.effectModules.get(module) ?? 0)] as const)
    .filter(([, growth]) => growth > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([module, growth]) => `\`${module}\` (${signedKB(growth)})`)
    .join(", ")

export const renderReport = (report: Report): string => {
  const { machine, throughput: t, bundles: b } = report
  const coreVsZod = pairedRatio(t.core, t.zod)
  const coreVsHand = pairedRatio(t.core, t.handWritten)
  const compiledVsZodCompiled = pairedRatio(t.coreCompiled, t.zodCompiled)
  const compiledVsHand = pairedRatio(t.coreCompiled, t.handWritten)
  const overheadGzip = b.core.gzipped - b.baseline.gzipped
  const overheadMin = b.core.minified - b.baseline.minified
  const extraEffect = b.core.bytesFrom.effect - b.baseline.bytesFrom.effect
  const dossierOnlySaving = b.core.gzipped - b.coreDossier.gzipped
  const v = report.verification

  return `# Benchmarks

Produced by \`pnpm bench\` (package \`tooling/bench\`); rerun it rather than editing this file.

- Date: ${report.date.toISOString().replace(/\.\d+Z$/, "Z")}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB memory, ${machine.platform}
- Node ${machine.node}; ${Object.entries(report.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ")}
- Whole run: ${Math.round(report.seconds)} s

## 1. Normalisation throughput

${integer(report.records.count)} provider-style records, generated from seed ${report.records.seed}: names with stray
white space (tabs, new lines, no-break spaces, some decomposed Unicode), dates of birth and expiry as \`YYYY-MM-DD\` or
Stripe's \`{ day, month, year }\`, countries as alpha-2 or alpha-3 in mixed case, sex and document-type words as
providers write them, and \`verifiedAt\` with a fraction and a non-zero offset. Each normaliser turns a record into
\`{ identity, verifiedAt }\`: the identity in the Assure normalised form, \`verifiedAt\` as \`YYYY-MM-DDThh:mm:ssZ\`.

- **@assure/core**: a \`Schema.Struct\` of the core codecs (\`PersonName.FromString\`,
  \`CalendarDate.FromIsoString | FromParts\`, \`Country.FromCode\`, \`Sex.FromProviderWord\`,
  \`DocumentType.FromProviderWord\`, \`IdentityData.IdentityNumber\`, \`Timestamp.FromIsoString\`), decoded with
  \`Schema.decodeUnknownSync\` created once. The decoded value is the normalised output itself (core's
  \`Timestamp\` is the canonical string). Measured with Effect's default interpreter, and with Effect's opt-in
  \`SchemaJITCompiler\` (\`SchemaJITCompiler.enable(schema.ast)\`, which generates the parser with \`new Function\`).
- **zod**: the same rules in zod ${report.versions.zod}: zod's own checks where it has them (lengths, patterns,
  objects, unions) and \`transform\`s for what it lacks (calendar dates, countries, word tables, offsets).
  \`z.compile\` (zod's opt-in ahead-of-time compiler) is the counterpart of the JIT row.
- **hand-written**: one plain function calling the same rules directly; the practical limit.

Before timing, all of them produced identical output for all ${integer(v.records)} records, and agreed on
${v.edgeCases} edge cases (leap days, year ranges, \`null\` date parts, ICAO and numeric country codes, offsets
without colons, out-of-range times, missing fields; ${v.edgeCasesRejected} of them rejected by all).

Timed in slices of ${integer(report.timing.sliceSize)} records, the normalisers taking turns slice by slice so that
all of them see the same drift in the machine's speed: ${report.timing.passes} passes over all records after
${report.timing.warmupPasses} warm-up passes, ${integer(t.core.sliceRates.length)} slices each. Rates are the median over the slices,
with the interquartile range; ratios are the median of the ratios slice by slice (the slices of two normalisers
ran back to back), which cancels most of the drift the rates still show.

| normaliser | records/s (median) | interquartile range | µs/record | of hand-written |
|---|---:|---:|---:|---:|
${throughputRow("@assure/core", t.core, t.handWritten)}
${throughputRow("@assure/core, `SchemaJITCompiler`", t.coreCompiled, t.handWritten)}
${throughputRow(`zod ${report.versions.zod}`, t.zod, t.handWritten)}
${throughputRow(`zod ${report.versions.zod}, \`z.compile\``, t.zodCompiled, t.handWritten)}
${throughputRow("hand-written TypeScript", t.handWritten, t.handWritten)}

| ratio | default | compiled (JIT / \`z.compile\`) |
|---|---:|---:|
| core / zod | ${coreVsZod.toFixed(2)} | ${compiledVsZodCompiled.toFixed(2)} |
| core / hand-written | ${coreVsHand.toFixed(2)} | ${compiledVsHand.toFixed(2)} |

## 2. Cost to a consumer: bundle size

Each entry is bundled with esbuild ${report.versions.esbuild} (\`bundle\`, \`minify\`, \`format: "esm"\`,
\`platform: "browser"\`), gzipped with \`node:zlib\` at level 9, and run once to check that it decodes. All three
decode the same sample dossier and process (\`tooling/bench/src/bundle-entries/\`). The baseline declares the
same shapes with bare \`effect/Schema\` (strings, literals, structs, arrays; no custom codecs or checks). The last
two columns split the minified bytes by origin, from esbuild's metafile. Sizes in bytes; 1 kB = 1000 bytes.

| entry | minified | min + gzip | gzip vs baseline | from @assure/core | from effect |
|---|---:|---:|---:|---:|---:|
${bundleRow("bare `effect/Schema` baseline (Dossier + Process)", b.baseline, b.baseline)}
${bundleRow("`@assure/core` Dossier + Process", b.core, b.baseline)}
${bundleRow("`@assure/core` Dossier only", b.coreDossier, b.baseline)}

Our own overhead (core entry minus baseline): ${signedKB(overheadMin)} minified, **${signedKB(overheadGzip)} gzipped**.
Of the minified difference, ${kB(b.core.bytesFrom.core)} is \`@assure/core\`'s own code and ${kB(extraEffect)} is
further code from \`effect\` that the core codecs pull in and bare schemas do not; the effect modules that grow
most are ${growthOfEffect(b.core, b.baseline)}.
Decoding only a dossier saves ${kB(dossierOnlySaving)} gzipped against decoding a dossier and a process.

## What the numbers mean

| target | result | verdict |
|---|---|---|
| core ≥ zod throughput | default: ${coreVsZod.toFixed(2)}; compiled: ${compiledVsZodCompiled.toFixed(2)} | ${verdict(coreVsZod >= 1)} by default, ${verdict(compiledVsZodCompiled >= 1)} compiled |
| core ≥ 25 % of the hand-written limit | ${percent(coreVsHand)} (compiled: ${percent(compiledVsHand)}) | ${verdict(coreVsHand >= 0.25)} |
| own bundle overhead < 10 kB gzipped | ${signedKB(overheadGzip)} | ${verdict(overheadGzip < 10_000)} |

- Every normaliser returns the same object. Default is compared with default, and compiled with compiled: both
  compilers generate code with \`new Function\`, which some deployments (strict CSP, some edge runtimes) forbid.
- All three normalisers do the same work per record (Unicode normalisation, regular expressions, table look-ups,
  calendar arithmetic), so the hand-written figure is the cost of the rules themselves and the gap to it is the
  cost of each library's machinery.
- The figures come from one ${machine.cores}-core machine; absolute rates move between runs (see the
  interquartile ranges), the ratios much less, and differences of a few per cent are noise. Compare runs on the
  same machine only.
- Bundle sizes are deterministic for a given lockfile. The baseline already pays for Effect Schema itself, so the
  overhead is what choosing \`@assure/core\` adds on top of a consumer that uses Effect Schema anyway.
`
}
