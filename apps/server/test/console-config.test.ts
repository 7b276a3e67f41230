/**
 * The review console's configuration: the accounts file is checked strictly at start (every mistake named, the
 * second factor required with a password), `assure-server console-account` makes entries the server accepts and whose
 * password and code sign in, and the OpenID settings come all together or not at all.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Exit, Redacted, Result } from "effect"
import { TOTP, URI } from "otpauth"
import { describe, expect, it } from "vitest"
import { codeStep } from "../src/server/Console.js"
import { makeAccount } from "../src/server/ConsoleAccount.js"
import { parseAccounts } from "../src/server/ConsoleConfig.js"
import { hashSecret } from "../src/server/Secrets.js"
import { loadWith } from "./support/config.js"

const secretHash = hashSecret("a password")
const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DP"

const settingOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit)
    ? (exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error as { setting?: string; problem?: string })
    : undefined

describe("the console's accounts", () => {
  it("are refused with the reason: unknown fields, duplicates, no tenant, a password without a second factor", () => {
    const base = { id: "ada", name: "Ada", tenants: { alpha: "reviewer" }, secretHash, totpSecret }
    const refusals: ReadonlyArray<readonly [unknown, string]> = [
      [[{ ...base, colour: "blue" }], "colour"],
      [[base, base], "given twice"],
      [[{ ...base, tenants: {} }], "no tenant"],
      [[{ ...base, tenants: { alpha: "owner" } }], "tenants"],
      [[{ id: "ada", name: "Ada", tenants: { alpha: "admin" }, secretHash }], "a second factor is required"],
      [[{ id: "ada", name: "Ada", tenants: { alpha: "admin" } }], "can sign in with nothing"],
      [[{ ...base, secretHash: "plain-text-password" }], "secretHash"],
      [[{ ...base, id: "a b" }], "id"]
    ]
    for (const [accounts, reason] of refusals) {
      const parsed = parseAccounts(JSON.stringify(accounts))
      expect(Result.isFailure(parsed), JSON.stringify(accounts)).toBe(true)
      if (Result.isFailure(parsed)) expect(parsed.failure).toContain(reason)
    }
    const parsed = parseAccounts(
      JSON.stringify([base, { id: "hopper", name: "Hopper", tenants: { beta: "admin" }, oidcSubject: "sub-1" }])
    )
    expect(Result.isSuccess(parsed)).toBe(true)
    if (Result.isSuccess(parsed)) {
      // The second factor's secret is kept Redacted: it never reaches a log line.
      expect(String(parsed.success[0]?.totpSecret)).not.toContain(totpSecret)
      expect(parsed.success[1]).toEqual({
        id: "hopper",
        name: "Hopper",
        tenants: { beta: "admin" },
        oidcSubject: "sub-1"
      })
    }
  })

  it("are read from ASSURE_CONSOLE_ACCOUNTS, with the session lifetimes; a bad file stops the start with its path", async () => {
    const folder = mkdtempSync(join(tmpdir(), "assure-console-"))
    const file = join(folder, "accounts.json")
    writeFileSync(
      file,
      JSON.stringify([{ id: "ada", name: "Ada", tenants: { alpha: "reviewer" }, secretHash, totpSecret }])
    )
    const loaded = await loadWith({ ASSURE_CONSOLE_ACCOUNTS: file, ASSURE_CONSOLE_IDLE_TIMEOUT: "10 minutes" })
    expect(Exit.isSuccess(loaded)).toBe(true)
    if (Exit.isSuccess(loaded)) {
      expect(loaded.value.console.accounts.map((account) => account.id)).toEqual(["ada"])
      expect(Duration.toMinutes(loaded.value.console.idleTimeout)).toBe(10)
      expect(Duration.toHours(loaded.value.console.sessionLifetime)).toBe(8)
    }
    // Off without accounts.
    const off = await loadWith({})
    expect(Exit.isSuccess(off) ? off.value.console.accounts : undefined).toEqual([])

    writeFileSync(file, "[{]")
    expect(settingOf(await loadWith({ ASSURE_CONSOLE_ACCOUNTS: file }))).toMatchObject({
      setting: "ASSURE_CONSOLE_ACCOUNTS"
    })
    expect(settingOf(await loadWith({ ASSURE_CONSOLE_ACCOUNTS: join(folder, "missing.json") }))?.problem).toContain(
      "cannot read"
    )
    expect(settingOf(await loadWith({ ASSURE_CONSOLE_OIDC_ISSUER: "https://idp.example" }))).toMatchObject({
      setting: "ASSURE_CONSOLE_OIDC_ISSUER"
    })
    expect(
      settingOf(await loadWith({ ASSURE_CONSOLE_IDLE_TIMEOUT: "2 hours", ASSURE_CONSOLE_SESSION_LIFETIME: "1 hour" }))
    ).toMatchObject({ setting: "ASSURE_CONSOLE_SESSION_LIFETIME" })
  })
})

describe("assure-server console-account", () => {
  it("makes an entry the server accepts, whose password verifies and whose authenticator's codes pass", () => {
    const made = makeAccount(["ada", "Ada Lovelace", "alpha=reviewer", "beta=admin"])
    if ("error" in made) throw new Error(made.error)
    expect(made.entry).toMatchObject({ id: "ada", name: "Ada Lovelace", tenants: { alpha: "reviewer", beta: "admin" } })
    const parsed = parseAccounts(JSON.stringify([made.entry]))
    if (Result.isFailure(parsed)) throw new Error(parsed.failure)
    const account = parsed.success[0]
    expect(made.password.length).toBeGreaterThanOrEqual(32)
    expect(JSON.stringify(made.entry)).not.toContain(made.password)
    // The URI an authenticator app reads gives the codes the console accepts, one step either side.
    const totp = URI.parse(made.otpauth)
    if (!(totp instanceof TOTP)) throw new Error("not a TOTP URI")
    const now = Date.now()
    expect(codeStep(account?.totpSecret ?? Redacted.make(""), totp.generate({ timestamp: now }), now)).toBe(
      Math.floor(now / 30_000)
    )
    expect(codeStep(account?.totpSecret ?? Redacted.make(""), totp.generate({ timestamp: now - 30_000 }), now)).toBe(
      Math.floor(now / 30_000) - 1
    )
    expect(
      codeStep(account?.totpSecret ?? Redacted.make(""), totp.generate({ timestamp: now - 120_000 }), now)
    ).toBeUndefined()
    expect(codeStep(account?.totpSecret ?? Redacted.make(""), "12345", now)).toBeUndefined()
    for (const wrong of [["ada"], ["ada", "Ada"], ["ada", "Ada", "alpha=owner"], ["a b", "Ada", "alpha=admin"]]) {
      expect("error" in makeAccount(wrong), wrong.join(" ")).toBe(true)
    }
  })
})
