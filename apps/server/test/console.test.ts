/**
 * The review console over plain HTTP (console.browser.test.ts drives it in Chromium): off without accounts, and
 * password guesses limited as client secrets are — per account and per address, refused before any hashing, with
 * `Retry-After` — while the right password still gets through for an account nobody was guessing.
 */
import { Duration, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hashSecret } from "../src/server/Secrets.js"
import { defaultTokenLimits } from "../src/server/ServerConfig.js"
import { type Running, startServer } from "./support/server.js"

const account = (id: string, password: string) => ({
  id,
  name: id,
  tenants: { alpha: "reviewer" as const },
  secretHash: hashSecret(password),
  totpSecret: Redacted.make("JBSWY3DPEHPK3PXPJBSWY3DP")
})

describe("the review console's sign-in", () => {
  let server: Running
  beforeAll(async () => {
    server = await startServer({
      console: {
        accounts: [account("ada", "ada-password"), account("grace", "grace-password")],
        idleTimeout: Duration.minutes(15),
        sessionLifetime: Duration.hours(8)
      },
      // Three failures per account, a few more per address, refilled over an hour: the test never waits them out.
      tokenLimits: { ...defaultTokenLimits, clientFailures: 3, addressFailures: 5, window: Duration.hours(1) }
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })

  const signIn = (id: string, password: string) =>
    fetch(`${server.url}/console/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: new URL(server.url).origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ account: id, password }).toString()
    })

  // Up to 30 s, a hang guard: each password checked costs an scrypt hash, which a machine busy with the other suites
  // (CI) can take seconds over.
  it("limits password guesses per account, then per address, before hashing any", async () => {
    for (let guess = 0; guess < 3; guess++) expect((await signIn("ada", `guess-${guess}`)).status).toBe(401)
    const refused = await signIn("ada", "ada-password")
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(await refused.text()).toContain("Too many attempts.")
    // Another account from the same address still signs in: its own password is right.
    const grace = await signIn("grace", "grace-password")
    expect(grace.status).toBe(303)
    expect(grace.headers.get("location")).toBe("/console/sign-in/code")
    // Guessing other accounts from this address runs out too.
    expect((await signIn("nobody", "x")).status).toBe(401)
    expect((await signIn("nobody-else", "x")).status).toBe(401)
    expect((await signIn("grace", "grace-password")).status).toBe(429)
  }, 30_000)

  it("is off without accounts: its paths are not found", async () => {
    const off = await startServer()
    try {
      expect((await fetch(`${off.url}/console`, { redirect: "manual" })).status).toBe(404)
      expect((await fetch(`${off.url}/console/sign-in`)).status).toBe(404)
    } finally {
      await off.stop()
    }
  }, 60_000)
})
