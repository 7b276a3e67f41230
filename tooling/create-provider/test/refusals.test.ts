// The generator refuses what it cannot scaffold, says why, exits non-zero, and writes nothing.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { generator, repoRoot, run } from "./workspace.ts"

const generate = (...args: ReadonlyArray<string>) =>
  run(process.execPath, [generator, ...args, "--skip-install"], { cwd: repoRoot })

describe("pnpm new:provider refuses", () => {
  it("a name that is not lower-case kebab", async () => {
    for (const name of ["AcmeId", "acme_id", "acme--id", "acme-", "1acme", "acme id"]) {
      const ran = await generate(name)
      assert.strictEqual(ran.status, 1, name)
      assert.include(ran.output, "is not a valid provider name", name)
      assert.isFalse(existsSync(join(repoRoot, "packages", "providers", name)), name)
    }
  })

  it("the name of a provider that exists", async () => {
    const ran = await generate("sandbox")
    assert.strictEqual(ran.status, 1)
    assert.include(ran.output, "packages/providers/sandbox already exists")
  })

  it("a missing name", async () => {
    const ran = await run(process.execPath, [generator], { cwd: repoRoot })
    assert.strictEqual(ran.status, 1)
    assert.include(ran.output, "the provider's name is missing")
  })

  it("a --directory that is not empty", async () => {
    const directory = mkdtempSync(join(tmpdir(), "assure-create-provider-"))
    writeFileSync(join(directory, "keep.txt"), "mine\n")
    const ran = await generate("acme-id", "--directory", directory)
    assert.strictEqual(ran.status, 1)
    assert.include(ran.output, `${directory} is not empty`)
    assert.deepStrictEqual(readdirSync(directory), ["keep.txt"])
  })
})
