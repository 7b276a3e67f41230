/** `assure demo`, built, as a child process: the whole journey against its own throwaway server. */
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { assure } from "./support/cli.js"

/**
 * The built CLI installed the way a user installs it without `@assure/server`: its `dist` with its dependencies only
 * (`@assure/api`, `@assure/core`, `effect`, `@effect/platform-node`), in a folder outside the workspace.
 */
const installedWithoutServer = () => {
  const root = mkdtempSync(join(tmpdir(), "assure-cli-without-server-"))
  const here = fileURLToPath(new URL("..", import.meta.url))
  cpSync(join(here, "dist"), join(root, "dist"), { recursive: true })
  cpSync(join(here, "package.json"), join(root, "package.json"))
  for (const name of ["@assure/api", "@assure/core", "effect", "@effect/platform-node"]) {
    mkdirSync(join(root, "node_modules", name, ".."), { recursive: true })
    symlinkSync(realpathSync(join(here, "node_modules", name)), join(root, "node_modules", name))
  }
  return root
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("assure demo", () => {
  it("runs the journey, prints the summary, stops the server and exits 0", async () => {
    const result = await assure(["demo"])
    expect(result.stderr).not.toContain("Error")
    expect(result.code).toBe(0)
    const out = result.stdout
    expect(out).toMatch(/token issued: Bearer, expires in \d+ s/)
    expect(out).toMatch(/front\s+image\/jpeg/)
    expect(out).toMatch(/matching match/)
    expect(out).toMatch(/the end-user lands on https:\/\/client\.example\/assure\/return\?dossierId=.+&status=accepted/)
    expect(out).toMatch(/^ {2}#\s+VERIFICATION\s+TYPE\s+STATUS\s+RESULT$/m)
    expect(out).toMatch(
      /^ {2}1\s+document, default scenario\s+document\s+accepted\s+Ola Nordmann, 1990-01-31, NOR; matching match$/m
    )
    expect(out).toMatch(/^ {2}2\s+document, scenario rejected\s+document\s+rejected\s+reason document_tampered$/m)
    expect(out).toMatch(
      /^ {2}3\s+eID redirect flow\s+eid\s+accepted\s+end-user back at https:\/\/client\.example\/assure\/return with status=accepted$/m
    )
    expect(out).toMatch(/^Demo complete: 3 verifications in [\d.]+ s\.$/m)

    // The development secret is never printed; the server and its data folder are gone.
    expect(out).not.toMatch(/client secret/i)
    const pid = Number(/\(pid (\d+)\)/.exec(out)?.[1])
    const dataDirectory = /data in (\S+)/.exec(out)?.[1] ?? ""
    expect(alive(pid)).toBe(false)
    expect(dataDirectory).not.toBe("")
    expect(existsSync(dataDirectory)).toBe(false)
  }, 60_000)

  it("without @assure/server installed, says to install it or to use --url, and exits 1", () => {
    const root = installedWithoutServer()
    try {
      const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("ASSURE_")))
      const result = spawnSync(process.execPath, [join(root, "dist", "bin.js"), "demo"], {
        env: inherited,
        encoding: "utf8"
      })
      expect(result.status).toBe(1)
      expect(result.stderr).toContain("Error: assure demo needs @assure/server to start a throw-away server")
      expect(result.stderr).toContain("npm install --global @assure/server")
      expect(result.stderr).toContain("assure demo --url <address>")
      expect(result.stdout).not.toContain("Starting a server")
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }, 30_000)
})
