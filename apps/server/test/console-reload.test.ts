/**
 * The console's accounts change without a restart: the server reads their file again on SIGHUP, as an operator
 * sends it to the running executable. A new account signs in, a removed one's session ends at once, and a broken
 * file is logged and changes nothing; without a console the signal is logged and never stops the server.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Secret, TOTP } from "otpauth"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hashSecret } from "../src/server/Secrets.js"
import { type Started, startExecutable } from "./support/executable.js"

const secret = new Secret({ size: 20 })
const totp = new TOTP({ secret, algorithm: "SHA1", digits: 6, period: 30 })

const accountEntry = (id: string) => ({
  id,
  name: id,
  tenants: { "client-a": "reviewer" },
  secretHash: hashSecret(`${id}-password`),
  totpSecret: secret.base32
})

const until = async (check: () => boolean | Promise<boolean>, what: string) => {
  const deadline = Date.now() + 15_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe("the console's accounts, read again on SIGHUP", () => {
  const accountsFile = join(mkdtempSync(join(tmpdir(), "assure-console-accounts-")), "accounts.json")
  let server: Started
  let origin: string

  beforeAll(async () => {
    writeFileSync(accountsFile, JSON.stringify([accountEntry("ada")]))
    server = await startExecutable({ environment: { ASSURE_CONSOLE_ACCOUNTS: accountsFile } })
    origin = `http://localhost:${new URL(server.url).port}`
  }, 60_000)
  afterAll(async () => {
    server?.child.kill("SIGTERM")
    await server?.exited
  })

  const sessionOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((cookie) => /^__Host-assure-console=([^;]*)/.exec(cookie)?.[1])
      .find((token) => token !== undefined)

  const post = (path: string, form: Record<string, string>, session?: string) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        origin,
        "content-type": "application/x-www-form-urlencoded",
        ...(session === undefined ? {} : { cookie: `__Host-assure-console=${session}` })
      },
      body: new URLSearchParams(form).toString()
    })

  const passwordAccepted = async (id: string) =>
    (await post("/console/sign-in", { account: id, password: `${id}-password` })).status === 303

  /** Signs `id` in with its password and a fresh code; the signed-in session's token. */
  const signIn = async (id: string) => {
    const first = await post("/console/sign-in", { account: id, password: `${id}-password` })
    expect(first.status).toBe(303)
    const pending = sessionOf(first)
    const second = await post("/console/sign-in/code", { code: totp.generate() }, pending)
    expect(second.headers.get("location")).toBe("/console")
    return sessionOf(second) ?? ""
  }

  /** The tenant's queue, the page a reviewer works from. */
  const queuePage = (session: string) =>
    fetch(`${server.url}/console/t/client-a`, {
      redirect: "manual",
      headers: { cookie: `__Host-assure-console=${session}` }
    })

  it("lets a new account in and ends a removed one's session, without a restart", async () => {
    const ada = await signIn("ada")
    expect((await queuePage(ada)).status).toBe(200)
    expect(await passwordAccepted("grace")).toBe(false)

    writeFileSync(accountsFile, JSON.stringify([accountEntry("grace")]))
    server.child.kill("SIGHUP")
    // Waiting on the log, not on sign-in attempts: failed ones would count against the guess limits.
    await until(() => server.output().includes("the console's accounts were read again"), "the reload's log")
    expect(await passwordAccepted("grace")).toBe(true)
    // Ada is no longer in the file: her session, though unexpired, is not honoured.
    const home = await queuePage(ada)
    expect(home.status).toBe(303)
    expect(home.headers.get("location")).toBe("/console/sign-in")
    expect(await passwordAccepted("ada")).toBe(false)
  }, 60_000)

  it("keeps the accounts it holds when the file is broken, and says why", async () => {
    writeFileSync(accountsFile, "[{ not json")
    server.child.kill("SIGHUP")
    await until(() => server.output().includes("were not read again"), "the log of the broken file")
    expect(server.output()).toContain(accountsFile)
    expect(server.child.exitCode).toBeNull()
    expect(await passwordAccepted("grace")).toBe(true)
  }, 60_000)

  it("is logged and harmless on a server without a console", async () => {
    const plain = await startExecutable()
    try {
      plain.child.kill("SIGHUP")
      await until(() => plain.output().includes("no console accounts file to read again"), "the log of the signal")
      expect(plain.child.exitCode).toBeNull()
      expect((await fetch(`${plain.url}/ready`)).status).toBe(204)
    } finally {
      plain.child.kill("SIGTERM")
      await plain.exited
    }
  }, 60_000)
})
