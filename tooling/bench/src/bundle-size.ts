/**
 * What `@assure/core` costs a consumer in bytes: each entry in `bundle-entries/` is bundled for the browser
 * as an application would ship it (esbuild, minified ESM), then gzipped. Each bundle is also run once, so a
 * size is never reported for a bundle that does not work.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { gzipSync } from "node:zlib"
import * as esbuild from "esbuild"

export interface BundleEntry {
  readonly name: string
  /** Path relative to this package. */
  readonly entryPoint: string
  /** Exports the entry must have after it ran (the decoded samples). */
  readonly exports: ReadonlyArray<string>
}

export interface BundleSize {
  readonly name: string
  readonly minified: number
  readonly gzipped: number
  /** Minified bytes by origin, from esbuild's metafile. */
  readonly bytesFrom: { readonly core: number; readonly effect: number; readonly other: number }
  /** Minified bytes of each effect module in the bundle, by its path inside the package (`dist/Effect.js`). */
  readonly effectModules: ReadonlyMap<string, number>
}

const packageDir = join(import.meta.dirname, "..")

/** Bytes once gzipped as every size in this bench is: `node:zlib` at level 9. */
export const gzippedSize = (bytes: Uint8Array | string): number => gzipSync(bytes, { level: 9 }).byteLength

const effectModule = /(?:^|\/)node_modules\/(?:\.pnpm\/effect@[^/]+\/node_modules\/)?effect\/(.*)$/

const originOf = (input: string): keyof BundleSize["bytesFrom"] => {
  if (input.includes("packages/core/")) return "core"
  if (effectModule.test(input)) return "effect"
  return "other"
}

/** Fails if two copies of effect ended up in a bundle (core resolving a different one than the consumer). */
const assertOneEffect = (inputs: ReadonlyArray<string>, name: string): void => {
  const copies = new Set(inputs.flatMap((input) => /^(.*\/effect)\/dist\//.exec(input)?.[1] ?? []))
  if (copies.size > 1)
    throw new Error(`${name}: ${copies.size} copies of effect in the bundle: ${[...copies].join(", ")}`)
}

const runOnce = async (code: Uint8Array, entry: BundleEntry, dir: string): Promise<void> => {
  const file = join(dir, `${entry.name.replace(/\W+/g, "-")}.mjs`)
  await writeFile(file, code)
  const module: Record<string, unknown> = await import(pathToFileURL(file).href)
  for (const name of entry.exports)
    if (typeof module[name] !== "object" || module[name] === null)
      throw new Error(`${entry.name}: ${name} was not decoded`)
}

const measure = async (entry: BundleEntry, dir: string): Promise<BundleSize> => {
  const result = await esbuild.build({
    absWorkingDir: packageDir,
    entryPoints: [entry.entryPoint],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    metafile: true,
    write: false,
    logLevel: "silent"
  })
  const [output] = result.outputFiles
  const [meta] = Object.values(result.metafile.outputs)
  if (output === undefined || meta === undefined) throw new Error(`${entry.name}: esbuild wrote no output`)

  assertOneEffect(Object.keys(meta.inputs), entry.name)
  const bytesFrom = { core: 0, effect: 0, other: 0 }
  const effectModules = new Map<string, number>()
  for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
    bytesFrom[originOf(input)] += bytesInOutput
    const module = effectModule.exec(input)?.[1]
    if (module !== undefined) effectModules.set(module, bytesInOutput)
  }

  await runOnce(output.contents, entry, dir)
  return {
    name: entry.name,
    minified: output.contents.byteLength,
    gzipped: gzippedSize(output.contents),
    bytesFrom,
    effectModules
  }
}

export const measureBundleSizes = async (entries: ReadonlyArray<BundleEntry>): Promise<ReadonlyArray<BundleSize>> => {
  const dir = await mkdtemp(join(tmpdir(), "assure-bench-"))
  try {
    const sizes: Array<BundleSize> = []
    for (const entry of entries) sizes.push(await measure(entry, dir))
    return sizes
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
