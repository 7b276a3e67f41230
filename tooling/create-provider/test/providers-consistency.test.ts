// Every adapter package has the same shape, so users, the engine and the release tooling can rely on it; the
// generator's template has it too (see scaffold.test.ts).
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { repoRoot } from "./workspace.ts"

const providersDir = join(repoRoot, "packages", "providers")

// Folders with a package.json: a folder left behind without one (only node_modules, say) is not a package.
const providers = readdirSync(providersDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(providersDir, entry.name, "package.json")))
  .map((entry) => entry.name)
  .sort()

// The sandbox simulates a vendor itself; every other adapter wraps a remote vendor and ships a simulator of it.
const withoutRemoteVendor = new Set(["sandbox"])

interface PackageJson {
  readonly name?: string
  readonly sideEffects?: unknown
  readonly exports?: Record<string, unknown>
  readonly peerDependencies?: Record<string, string>
}

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.[cm]?tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))

const importsNode = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']node:/

describe("every package in packages/providers", () => {
  it("is there", () => {
    assert.include(providers, "sandbox")
  })

  for (const provider of providers) {
    const dir = join(providersDir, provider)
    const read = (path: string) => readFileSync(join(dir, path), "utf8")

    describe(provider, () => {
      it(`is @assure/${provider}, ESM without side effects, exporting "." and "./testing"`, () => {
        const pkg = JSON.parse(read("package.json")) as PackageJson
        assert.strictEqual(pkg.name, `@assure/${provider}`)
        assert.strictEqual(pkg.sideEffects, false)
        assert.deepStrictEqual(pkg.exports?.["."], { types: "./dist/index.d.ts", default: "./dist/index.js" })
        assert.deepStrictEqual(pkg.exports?.["./testing"], {
          types: "./dist/testing.d.ts",
          default: "./dist/testing.js"
        })
      })

      it("shares @assure/core, @assure/provider and effect with its users as peer dependencies", () => {
        const pkg = JSON.parse(read("package.json")) as PackageJson
        for (const peer of ["@assure/core", "@assure/provider", "effect"]) {
          assert.isString(pkg.peerDependencies?.[peer], `peerDependencies has ${peer}`)
        }
      })

      it("has the files every adapter has", () => {
        for (const path of [
          "README.md",
          "LICENSE",
          "tsconfig.json",
          "tsconfig.src.json",
          "tsconfig.test.json",
          "vitest.config.ts",
          "src/index.ts",
          "src/testing.ts",
          "test/conformance.test.ts"
        ]) {
          assert.isTrue(existsSync(join(dir, path)), `${provider}/${path} exists`)
        }
      })

      it("exports its adapter module as `adapter` from its main entry", () => {
        assert.match(read("src/index.ts"), /^export \{ adapter \} from "\.\/\w+\.js"$/m)
      })

      it("runs the conformance suite", () => {
        assert.match(read("test/conformance.test.ts"), /\bConformance\.suite\(/)
      })

      // The sandbox is its own simulator; every adapter of a remote vendor ships one.
      if (!withoutRemoteVendor.has(provider)) {
        it("exports a simulator of its vendor from src/testing.ts", () => {
          assert.match(read("src/testing.ts"), /\bexport\s+(?:class|const)\s+\w*Simulator\b/)
        })
      }

      it("imports node:* nowhere under src/ but in testing.ts", () => {
        const offenders = sourceFiles(join(dir, "src"))
          .filter((file) => relative(dir, file) !== join("src", "testing.ts"))
          .filter((file) => importsNode.test(readFileSync(file, "utf8")))
          .map((file) => relative(dir, file))
        assert.deepStrictEqual(offenders, [])
      })
    })
  }
})
