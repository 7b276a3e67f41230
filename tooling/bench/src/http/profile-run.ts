/**
 * `pnpm --filter @assure/bench bench:profile -- --baseline=<other checkout>/apps/server/dist`: this checkout's server
 * next to another build of it (an earlier commit's, built in a worktree), both on the embedded SQLite store, loaded
 * with the authenticated GET of a stored process and then the dossier POST, taking turns in rounds so that both see the
 * same drift in the machine's speed. Prints, as markdown, the CPU per request of each (from each process's own
 * counters; the median of the rounds, and the median of the rounds' ratios) and where the CPU went (profile-split.ts),
 * from a CPU profile of one more round of each. Without `--baseline`, this checkout's server alone.
 *
 * Options: `--rounds=N` (7), `--seconds=S` per round (3), `--connections=N` (64), `--keep=DIR` to keep the profiles,
 * `--label=TEXT` to name the baseline (its commit), and `--write` to put the result into `BENCHMARKS.md` as a section of
 * its own (between `profile-split` markers, which `pnpm bench` carries over).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { PersonalDataCipher } from "@assure/engine"
import autocannon from "autocannon"
import { hashSecret } from "../../../../apps/server/dist/server/Secrets.js"
import { writeSection } from "../sections.ts"
import { type Contender, freePort, startServer } from "./contenders.ts"
import { client, dossierRequest, prepareClient } from "./measure.ts"
import { type Component, components, type Split, splitProfile } from "./profile-split.ts"

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  options: {
    baseline: { type: "string" },
    rounds: { type: "string" },
    seconds: { type: "string" },
    connections: { type: "string" },
    keep: { type: "string" },
    label: { type: "string" },
    write: { type: "boolean" }
  }
})
const rounds = Number(values.rounds ?? 7)
const seconds = Number(values.seconds ?? 3)
const connections = Number(values.connections ?? 64)
const log = (message: string) => console.error(message)

interface Variant {
  readonly name: string
  readonly server: Contender
  readonly targets: { readonly get: autocannon.Options; readonly post: autocannon.Options }
  readonly dataDirectory: string
  readonly cpu: { get: Array<number>; post: Array<number> }
  readonly splits: Partial<Record<"get" | "post", Split>>
}

const profiles = values.keep === undefined ? mkdtempSync(join(tmpdir(), "assure-profiles-")) : resolve(values.keep)
mkdirSync(profiles, { recursive: true })

const start = async (name: string, serverDist: string | undefined): Promise<Variant> => {
  const dataDirectory = mkdtempSync(join(tmpdir(), "assure-profile-"))
  const port = await freePort()
  const server = await startServer(
    {
      port,
      dataDirectory,
      clientId: client.id,
      secretHash: hashSecret(client.secret),
      encryptionKey: PersonalDataCipher.generateKey(),
      rateLimit: 1_000_000_000,
      ...(serverDist === undefined ? {} : { serverDist })
    },
    log
  )
  const base = `http://127.0.0.1:${port}`
  const made = await prepareClient(base)
  return {
    name,
    server,
    dataDirectory,
    targets: {
      get: { url: `${base}${made.processPath}`, headers: { authorization: made.authorization } },
      post: { url: `${base}/assure/dossiers`, method: "POST", headers: made.jsonHeaders, body: dossierRequest }
    },
    cpu: { get: [], post: [] },
    splits: {}
  }
}

/** One round of load; the CPU microseconds the server spent per request answered. */
const round = async (variant: Variant, what: "get" | "post", duration: number) => {
  const before = (await variant.server.memory()).cpuMicros
  const result = await autocannon({ ...variant.targets[what], connections, duration })
  if (result.non2xx > 0 || result.errors > 0 || result.requests.total === 0) {
    throw new Error(`${variant.name} ${what}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  }
  return ((await variant.server.memory()).cpuMicros - before) / result.requests.total
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN
}

const variants: Array<Variant> = []
try {
  if (values.baseline !== undefined) variants.push(await start(values.label ?? "baseline", resolve(values.baseline)))
  variants.push(await start("this checkout", undefined))
  for (const what of ["get", "post"] as const) {
    log(`${what.toUpperCase()}: warm-up, then ${rounds} rounds of ${seconds} s each, taking turns`)
    for (const variant of variants) await round(variant, what, 2)
    for (let index = 0; index < rounds; index++) {
      for (const variant of variants) variant.cpu[what].push(await round(variant, what, seconds))
    }
    for (const variant of variants) {
      const path = join(profiles, `${variant.name.replaceAll(" ", "-")}-${what}.cpuprofile`)
      await variant.server.profile()
      await round(variant, what, seconds)
      await variant.server.profile(path)
      variant.splits[what] = splitProfile(path)
    }
  }
} finally {
  for (const variant of variants) {
    await variant.server.stop()
    rmSync(variant.dataDirectory, { recursive: true, force: true })
  }
  if (values.keep === undefined) rmSync(profiles, { recursive: true, force: true })
}

const micros = (value: number) => `${Math.round(value)} µs`
const lines: Array<string> = []
for (const what of ["get", "post"] as const) {
  const title = what === "get" ? "GET of a stored process" : "POST of a dossier"
  lines.push(`#### ${title}: CPU per request`, "")
  lines.push(`| | ${variants.map((variant) => variant.name).join(" | ")} |`)
  lines.push(`|---|${variants.map(() => "--:").join("|")}|`)
  lines.push(
    `| median of ${rounds} rounds | ${variants.map((variant) => micros(median(variant.cpu[what]))).join(" | ")} |`
  )
  lines.push(
    `| each round | ${variants.map((variant) => variant.cpu[what].map((value) => Math.round(value)).join(", ")).join(" | ")} |`
  )
  const [baseline, current] = variants
  if (variants.length === 2 && baseline !== undefined && current !== undefined) {
    const ratios = current.cpu[what].map((value, index) => value / (baseline.cpu[what][index] ?? Number.NaN))
    lines.push(`| this checkout ÷ ${baseline.name}, median of the rounds' ratios | | ${median(ratios).toFixed(2)} |`)
  }
  lines.push("", `#### ${title}: where the CPU went (share of the working time, and µs per request)`, "")
  lines.push(`| component | ${variants.map((variant) => variant.name).join(" | ")} |`)
  lines.push(`|---|${variants.map(() => "--:").join("|")}|`)
  for (const component of components) {
    const cell = (variant: Variant) => {
      const share = variant.splits[what]?.byComponent[component as Component] ?? Number.NaN
      return `${(share * 100).toFixed(1)} % (${Math.round(share * median(variant.cpu[what]))} µs)`
    }
    lines.push(`| ${component} | ${variants.map(cell).join(" | ")} |`)
  }
  lines.push("")
}
const load = loadavg()[0]?.toFixed(1)
const section = `<!-- profile-split:start -->
## The server's request path, before and after: CPU per request and where it goes

Produced by \`pnpm --filter @assure/bench bench:profile -- --baseline=<checkout>/apps/server/dist${values.label === undefined ? "" : ` --label=${values.label}`} --write\`
on ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}, ${cpus()[0]?.model.split(" ")[0] ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version} (1-minute load
average ${load} at the end). Both servers run the embedded SQLite store in processes of their own, at ${connections}
connections, taking turns in ${rounds} rounds of ${seconds} s; the shares come from a V8 CPU profile of one more round
of each (profile-split.ts gives each sample to the component whose code ran; idle time and the profiler's own work are
left out), and the µs are those shares of the median CPU per request.

${lines.join("\n").trimEnd()}
<!-- profile-split:end -->`
console.log(section)

if (values.write) {
  const path = join(import.meta.dirname, "..", "..", "..", "..", "BENCHMARKS.md")
  writeSection(path, { start: "<!-- profile-split:start -->", end: "<!-- profile-split:end -->" }, section, [
    "<!-- release-proof:start -->"
  ])
  log(`wrote the section into ${path}`)
}
