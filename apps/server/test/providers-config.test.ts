/**
 * Choosing providers with ASSURE_PROVIDERS, as an operator starts the built `assure-server`: an unknown name or an
 * enabled provider without its credentials stops the start with a message naming what to fix, and secrets given in
 * the environment never appear in that message.
 */
import { spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { freePort } from "./support/server.js"

const executable = fileURLToPath(new URL("../dist/server/main.js", import.meta.url))

/** Runs the executable with `variables` until it exits; its exit code and everything it printed. */
const run = async (variables: Record<string, string>) => {
  const child = spawn(process.execPath, [executable], {
    env: {
      PATH: process.env.PATH ?? "",
      ASSURE_PORT: String(await freePort()),
      ASSURE_DATA_DIR: mkdtempSync(join(tmpdir(), "assure-providers-")),
      ...variables
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
  clearTimeout(timer)
  return { code, output }
}

describe("ASSURE_PROVIDERS", () => {
  it("refuses a name that is no built-in adapter nor an installed package", async () => {
    const { code, output } = await run({ ASSURE_PROVIDERS: "sandbox,acme" })
    expect(code).toBe(2)
    expect(output).toContain("Configuration error: ASSURE_PROVIDERS: acme: the package acme is not installed")
  }, 30_000)

  it("refuses to start a provider whose credentials are missing, naming the variable, never a secret", async () => {
    const { code, output } = await run({
      ASSURE_PROVIDERS: "sandbox,stripe-identity",
      STRIPE_WEBHOOK_SECRET: "whsec_must_not_be_printed"
    })
    expect(code).toBe(2)
    expect(output).toContain(
      "Configuration error: ASSURE_PROVIDERS: adapter stripe-identity (@assure/stripe-identity): STRIPE_SECRET_KEY is missing"
    )
    expect(output).not.toContain("whsec_must_not_be_printed")
  }, 30_000)
})
