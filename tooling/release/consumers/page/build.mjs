// Bundles the page for browsers as an application ships it (minified ESM), runs the bundle once, and prints its size.
import { mkdirSync, writeFileSync } from "node:fs"
import { gzipSync } from "node:zlib"
import * as esbuild from "esbuild"

const result = await esbuild.build({
  entryPoints: ["src/page.ts"],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  write: false,
  metafile: true
})
const code = result.outputFiles[0].contents
mkdirSync("dist", { recursive: true })
writeFileSync("dist/page.js", code)

const bundled = await import(new URL("./dist/page.js", import.meta.url).href)
if (typeof bundled.decodedDossier?.dossierId !== "string")
  throw new Error("the bundled page did not decode its dossier")

const inputs = Object.keys(result.metafile.inputs)
const copiesOfEffect = new Set(inputs.flatMap((input) => /^(.*\/effect)\/dist\//.exec(input)?.[1] ?? []))
if (copiesOfEffect.size !== 1) throw new Error(`expected one copy of effect, found ${[...copiesOfEffect].join(", ")}`)
const fromCore = inputs.filter((input) => input.includes("node_modules/@assure/core/"))
if (fromCore.length === 0) throw new Error("nothing of @assure/core is in the bundle")

console.log(
  `page-bundle ${JSON.stringify({ minified: code.byteLength, gzipped: gzipSync(code).byteLength, coreModules: fromCore.length })}`
)
