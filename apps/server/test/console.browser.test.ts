/**
 * The review console (issue 20) in real Chromium (Debian's, driven by playwright-core), on both stores: sign-in with a
 * password and a one-time code (TOTP), wrong ones refused and a used code refused again; the session cookie's
 * attributes and the pages' security headers; the queue of a tenant with its filters; a case with its images, data,
 * match and history; a claim that keeps a second reviewer from deciding; a rejection with a reason, recorded once and
 * notified to the client; the audit trail, for an admin only; another tenant's queue and cases refused; a form posted
 * from another site, or with a wrong CSRF token, refused; a session ending when idle; a retake round trip through the
 * capture page; and axe finding no violations, on a desktop and a phone viewport.
 *
 * Runs when Chromium is installed (`/usr/bin/chromium`, or `ASSURE_TEST_CHROMIUM`); with `ASSURE_REQUIRE_BROWSER=1`
 * a missing browser is a failure instead of a skip.
 */
import { createServer, type Server } from "node:http"
import { createRequire } from "node:module"
import * as TestBroker from "@assure/oidc/testing"
import { Duration, Effect, Exit, Redacted, Scope } from "effect"
import { Secret, TOTP } from "otpauth"
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Account } from "../src/server/ConsoleConfig.js"
import { consoleContentSecurityPolicy } from "../src/server/ResponseHeaders.js"
import { hashSecret } from "../src/server/Secrets.js"
import { browserAvailable as available, launch } from "./support/chromium.js"
import { photo } from "./support/photos.js"
import { apiClient, clients, freePort, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

const browserAvailable = available("the review console browser test")

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js")

const viewports: ReadonlyArray<readonly [string, BrowserContextOptions]> = [
  ["desktop", { viewport: { width: 1280, height: 800 } }],
  ["phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 }]
]

/** An operator: their account, password and second factor. */
interface Operator {
  readonly account: Account
  readonly password: string
  readonly totp: TOTP
}

const operator = (id: string, name: string, tenants: Record<string, "reviewer" | "admin">): Operator => {
  const secret = new Secret({ size: 20 })
  const password = `${id}-correct-horse-battery`
  return {
    account: { id, name, tenants, secretHash: hashSecret(password), totpSecret: Redacted.make(secret.base32) },
    password,
    totp: new TOTP({ secret, algorithm: "SHA1", digits: 6, period: 30 })
  }
}

// Ada and the others review alpha's cases, Grace administers alpha, Bob reviews beta's only. Each test signs in
// operators of its own: a one-time code is used once, so one account signing in twice in 30 seconds would wait.
const ada = operator("ada", "Ada Reviewer", { [clients.alpha.id]: "reviewer" })
const carol = operator("carol", "Carol Reviewer", { [clients.alpha.id]: "reviewer" })
const dave = operator("dave", "Dave Reviewer", { [clients.alpha.id]: "reviewer" })
const grace = operator("grace", "Grace Admin", { [clients.alpha.id]: "admin" })
const bob = operator("bob", "Bob Beta", { [clients.beta.id]: "reviewer" })
const accounts = [ada, carol, dave, grace, bob].map(({ account }) => account)

const consoleSettings = (idle: Duration.Input = "15 minutes") => ({
  console: {
    accounts,
    idleTimeout: Duration.fromInputUnsafe(idle),
    sessionLifetime: Duration.hours(8)
  }
})

/** The code an operator's authenticator shows now. */
const codeOf = (who: Operator) => who.totp.generate({ timestamp: Date.now() })

describe.runIf(browserAvailable)("the review console in a browser", () => {
  let browser: Browser
  let receiver: Server
  let receiverUrl: string
  const received: Array<{ readonly body: Record<string, unknown> }> = []

  beforeAll(async () => {
    // The client's notification endpoint, and a page of another origin for the cross-site attempt.
    const port = await freePort()
    receiverUrl = `http://127.0.0.1:${port}`
    receiver = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        if (request.method === "POST" && request.url === "/notifications") {
          received.push({ body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> })
        }
        response.writeHead(200, { "content-type": "text/html; charset=utf-8" })
        response.end('<!doctype html><html lang="en"><title>Client</title><h1>The client</h1></html>')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve))
    browser = await launch()
  }, 90_000)
  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => receiver?.close(resolve))
  })

  /** An inconclusive sandbox process of alpha's, with a front image on its dossier, notified to the receiver. */
  const inconclusiveCase = async (server: Running, userData: Record<string, unknown> = {}) => {
    const api = await apiClient(server, clients.alpha)
    const dossierId = ((await api.call("POST", "/assure/dossiers", { userData })).json as { dossierId: string })
      .dossierId
    const front = `data:image/png;base64,${photo().toString("base64")}`
    expect((await api.call("POST", `/assure/dossiers/${dossierId}/files`, { front })).status).toBe(201)
    const created = await api.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider: "sandbox",
      processType: "document",
      processParameters: { sandbox: { scenario: "inconclusive" } },
      notificationUrl: `${receiverUrl}/notifications`
    })
    expect(created.status, created.text).toBe(201)
    const processId = (created.json as { processId: string }).processId
    const path = `/assure/dossiers/${dossierId}/processes/${processId}`
    expect((await api.call("POST", `${path}/verify`, {})).status).toBe(200)
    for (let attempt = 0; attempt < 100; attempt++) {
      if (((await api.call("GET", path)).json as { status: string }).status === "inconclusive") break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return { api, dossierId, processId, path }
  }

  /** Signs `who` in on a new page of `context`: password, then the one-time code (once per account and server). */
  const signIn = async (context: BrowserContext, server: Running, who: Operator): Promise<Page> => {
    const page = await context.newPage()
    await page.goto(`${server.url}/console`)
    await page.getByLabel("Account").fill(who.account.id)
    await page.getByLabel("Password").fill(who.password)
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByLabel("The 6-digit code your authenticator app shows").fill(codeOf(who))
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("button", { name: "Sign out" }).waitFor()
    return page
  }

  // axe is put in every page before it loads (an init script, which the page's CSP does not govern: the console's
  // allows no script at all, and stays enforced in these tests).
  const newContext = async (options: BrowserContextOptions | undefined) => {
    const context = await browser.newContext(options)
    await context.addInitScript({ path: axePath })
    return context
  }

  const audit = async (page: Page, step: string) => {
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<unknown> }> } }).axe
      return (await axe.run()).violations
    })
    expect(violations, step).toEqual([])
  }

  onEachStore("sign-in, queue, claim, decision, notification and audit", (store) => {
    let server: Running
    beforeAll(async () => {
      server = await startServer({ ...(await store()), ...consoleSettings() })
    }, 60_000)
    afterAll(async () => {
      await server?.stop()
    })

    it("signs in with a password and a one-time code, each wrong one refused, into a session cookie no script can read", async () => {
      const context = await newContext(viewports[0]?.[1])
      const page = await context.newPage()
      const first = await page.goto(`${server.url}/console`)
      expect(page.url()).toBe(`${server.url}/console/sign-in`)
      const headers = first?.headers() ?? {}
      expect(headers["content-security-policy"]).toBe(consoleContentSecurityPolicy)
      expect(headers["cache-control"]).toBe("no-store")
      expect(headers["referrer-policy"]).toBe("no-referrer")

      await page.getByLabel("Account").fill("ada")
      await page.getByLabel("Password").fill("not her password")
      await page.getByRole("button", { name: "Continue" }).click()
      await expect(page.getByRole("alert").textContent()).resolves.toBe("The account or the password is not right.")
      // An unknown account says the same.
      await page.getByLabel("Account").fill("nobody")
      await page.getByLabel("Password").fill("whatever")
      await page.getByRole("button", { name: "Continue" }).click()
      await expect(page.getByRole("alert").textContent()).resolves.toBe("The account or the password is not right.")

      await page.getByLabel("Account").fill("ada")
      await page.getByLabel("Password").fill(ada.password)
      await page.getByRole("button", { name: "Continue" }).click()
      // Not signed in yet: the console itself still sends to the sign-in.
      const between = await context.newPage()
      await between.goto(`${server.url}/console/t/${clients.alpha.id}`)
      expect(between.url()).toBe(`${server.url}/console/sign-in`)
      await between.close()
      const code = page.getByLabel("The 6-digit code your authenticator app shows")
      await code.fill(String((Number(codeOf(ada)) + 500_000) % 1_000_000).padStart(6, "0"))
      await page.getByRole("button", { name: "Sign in" }).click()
      await expect(page.getByRole("alert").textContent()).resolves.toContain("That code is not right")
      // Kept to replay below: computing it again later could give the next step's code, if 30 s have passed.
      const usedCode = codeOf(ada)
      await page.getByLabel("The 6-digit code your authenticator app shows").fill(usedCode)
      await page.getByRole("button", { name: "Sign in" }).click()
      await page.getByRole("heading", { name: `Queue of ${clients.alpha.id}` }).waitFor()

      const cookies = await context.cookies()
      expect(cookies).toHaveLength(1)
      expect(cookies[0]).toMatchObject({
        name: "__Host-assure-console",
        httpOnly: true,
        secure: true,
        sameSite: "Strict",
        path: "/"
      })
      expect(cookies[0]?.expires).toBe(-1)
      await audit(page, "queue")
      await page.getByRole("button", { name: "Sign out" }).click()
      await page.getByText("You have signed out.").waitFor()
      expect(await context.cookies()).toEqual([])
      await page.goto(`${server.url}/console/t/${clients.alpha.id}`)
      expect(page.url()).toBe(`${server.url}/console/sign-in`)

      // The same code again (seen over a shoulder) is refused, even with the right password.
      const again = await context.newPage()
      await again.goto(`${server.url}/console/sign-in`)
      await again.getByLabel("Account").fill("ada")
      await again.getByLabel("Password").fill(ada.password)
      await again.getByRole("button", { name: "Continue" }).click()
      await again.getByLabel("The 6-digit code your authenticator app shows").fill(usedCode)
      await again.getByRole("button", { name: "Sign in" }).click()
      await expect(again.getByRole("alert").textContent()).resolves.toContain("was used already")
      await context.close()
    }, 60_000)

    it("queues the inconclusive case; a claim keeps others off; the decision is recorded once, notified and audited", async () => {
      const { api, dossierId, processId, path } = await inconclusiveCase(server, {
        firstName: "Erika",
        lastName: "Mustermann",
        issuingCountry: "DEU"
      })
      const adaContext = await newContext(viewports[0]?.[1])
      const page = await signIn(adaContext, server, carol)
      const caseLink = page.getByRole("link", { name: processId })
      await caseLink.waitFor()
      // The filters: another provider or country hides it, its own shows it.
      await page.getByLabel("Country").fill("NOR")
      await page.getByRole("button", { name: "Filter" }).click()
      await expect(page.getByRole("link", { name: processId }).count()).resolves.toBe(0)
      await page.getByLabel("Country").fill("DEU")
      await page.getByLabel("Provider").selectOption("sandbox")
      await page.getByRole("button", { name: "Filter" }).click()
      await page.getByRole("link", { name: processId }).click()

      // The case: its image (decrypted for this response, not cached), the person, the match and the history.
      await page.getByRole("heading", { name: `Case ${processId}` }).waitFor()
      const image = page.getByRole("img", { name: "front" })
      // Lazily loaded after the page: on a busy machine it may still be on its way when the heading shows.
      await expect
        .poll(() => image.evaluate((element: HTMLImageElement) => element.naturalWidth), { timeout: 15_000 })
        .toBe(800)
      const imageResponse = await page.request.get(new URL((await image.getAttribute("src")) ?? "", server.url).href)
      expect(imageResponse.headers()["cache-control"]).toBe("no-store")
      expect(imageResponse.headers()["content-type"]).toBe("image/png")
      await expect(
        page.getByRole("region", { name: "The person, as the client said (userData)" }).textContent()
      ).resolves.toContain("Mustermann")
      await expect(page.getByRole("region", { name: "History" }).textContent()).resolves.toContain("ended")
      await audit(page, "case")
      await page.getByRole("button", { name: "Claim this case" }).click()
      await page.getByText("You have claimed this case").waitFor()

      // Grace, at the same time, cannot take it.
      const graceContext = await newContext(viewports[0]?.[1])
      const gracePage = await signIn(graceContext, server, grace)
      await gracePage.goto(`${server.url}/console/t/${clients.alpha.id}/cases/${dossierId}/${processId}`)
      await gracePage.getByText("Claimed by Carol Reviewer").waitFor()
      await expect(gracePage.getByRole("button", { name: "Claim this case" }).count()).resolves.toBe(0)

      // Ada rejects it, with a reason.
      await page.getByRole("radio", { name: "Reject" }).check()
      await page.getByLabel("Reason for a rejection").selectOption("document_suspected_fake")
      await page.getByLabel("Note (free text, kept with the review)").fill("The photo page looks reprinted.")
      await page.getByRole("button", { name: "Record the decision" }).click()
      await page.getByText("Reviewed: rejected").waitFor()

      // The provider's status stays what it was; the review is on the process, over the API.
      const process = (await api.call("GET", path)).json as { status: string; review?: Record<string, unknown> }
      expect(process.status).toBe("inconclusive")
      expect(process.review).toMatchObject({
        decision: "rejected",
        reason: "document_suspected_fake",
        reviewer: { id: "carol", name: "Carol Reviewer" }
      })
      // The client is told, as for a process change.
      for (
        let attempt = 0;
        attempt < 100 &&
        !received.some((entry) => entry.body.review !== undefined && entry.body.processId === processId);
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(
        received.find((entry) => entry.body.review !== undefined && entry.body.processId === processId)?.body
      ).toMatchObject({
        dossierId,
        processId,
        status: "inconclusive",
        review: { decision: "rejected", reason: "document_suspected_fake" }
      })

      // Decided once: Grace cannot decide it again (the page shows the review, no form).
      await gracePage.reload()
      await gracePage.getByText("Reviewed: rejected").waitFor()
      await expect(gracePage.getByRole("button", { name: "Record the decision" }).count()).resolves.toBe(0)

      // The audit trail, for Grace (an admin): who viewed, claimed and decided.
      await gracePage.getByRole("link", { name: "Audit trail" }).click()
      const trail = (await gracePage.getByRole("table").textContent()) ?? ""
      for (const words of ["viewed", "claimed", "decided", "Carol Reviewer"]) expect(trail).toContain(words)
      // Each action once: the claim and the decision are recorded by the engine, not again by the console.
      const rowsOf = async (action: string) =>
        gracePage.getByRole("row").filter({ hasText: processId }).filter({ hasText: action }).count()
      await expect(rowsOf("claimed")).resolves.toBe(1)
      await expect(rowsOf("decided")).resolves.toBe(1)
      await audit(gracePage, "audit trail")
      // Not for Carol, a reviewer.
      const denied = await page.goto(`${server.url}/console/t/${clients.alpha.id}/audit`)
      expect(denied?.status()).toBe(403)
      await adaContext.close()
      await graceContext.close()
    }, 90_000)

    it("never shows another tenant's queue or cases", async () => {
      const { dossierId, processId } = await inconclusiveCase(server)
      const context = await newContext(viewports[0]?.[1])
      const page = await signIn(context, server, bob)
      const queue = await page.goto(`${server.url}/console/t/${clients.alpha.id}`)
      expect(queue?.status()).toBe(403)
      await page.getByText("You have no access to this tenant.").waitFor()
      // Alpha's case under beta's name is not found: tenants never see each other's cases.
      const other = await page.goto(`${server.url}/console/t/${clients.beta.id}/cases/${dossierId}/${processId}`)
      expect(other?.status()).toBe(404)
      const file = await page.request.get(
        `${server.url}/console/t/${clients.alpha.id}/cases/${dossierId}/${processId}/files/x`
      )
      expect(file.status()).toBe(403)
      await context.close()
    }, 60_000)

    it("refuses a form from another site, and one with a wrong CSRF token", async () => {
      const { dossierId, processId } = await inconclusiveCase(server)
      const context = await newContext(viewports[0]?.[1])
      const page = await signIn(context, server, dave)
      const claimUrl = `${server.url}/console/t/${clients.alpha.id}/cases/${dossierId}/${processId}/claim`
      // Another site's page posts a form to the console (the cookie is SameSite=Strict, and the origin is checked).
      const attacker = await context.newPage()
      await attacker.goto(`${receiverUrl}/attacker`)
      const answered = attacker.waitForResponse((response) => response.url() === claimUrl)
      await attacker.evaluate((action) => {
        const form = document.createElement("form")
        form.method = "POST"
        form.action = action
        document.body.append(form)
        form.submit()
      }, claimUrl)
      expect([303, 403]).toContain((await answered).status())
      // From the console's own origin, with the session's cookie, but without the session's CSRF token.
      const forged = await page.request.post(claimUrl, {
        headers: { origin: new URL(server.url).origin, "content-type": "application/x-www-form-urlencoded" },
        data: "csrf=forged",
        maxRedirects: 0
      })
      expect(forged.status()).toBe(403)
      // Nothing was claimed.
      await page.goto(`${server.url}/console/t/${clients.alpha.id}/cases/${dossierId}/${processId}`)
      await page.getByRole("button", { name: "Claim this case" }).waitFor()
      await context.close()
    }, 60_000)
  })

  it("signs in through an external OpenID provider (a real one, oidc-provider) the accounts that name its subject", async () => {
    const scope = await Effect.runPromise(Scope.make())
    try {
      const broker = await Effect.runPromise(
        TestBroker.make({
          users: [
            { sub: "hopper-at-idp", claims: {} },
            { sub: "stranger", claims: {} }
          ]
        }).pipe(Scope.provide(scope))
      )
      const hopper: Account = {
        id: "hopper",
        name: "Grace Hopper",
        tenants: { [clients.alpha.id]: "reviewer" },
        oidcSubject: "hopper-at-idp"
      }
      const server = await startServer({
        console: {
          accounts: [...accounts, hopper],
          oidc: {
            issuer: broker.issuer,
            clientId: broker.clientId,
            clientSecret: broker.clientSecret,
            name: "Test IdP"
          },
          idleTimeout: Duration.minutes(15),
          sessionLifetime: Duration.hours(8)
        }
      })
      try {
        await Effect.runPromise(broker.allowRedirectUri(`${server.url}/console/sign-in/callback`))
        /** Through the provider's login and consent pages, as `sub`, in a browser of their own. */
        const throughProvider = async (sub: string) => {
          const context = await newContext(viewports[0]?.[1])
          const page = await context.newPage()
          await page.goto(`${server.url}/console/sign-in`)
          await page.getByRole("link", { name: "Sign in with Test IdP" }).click()
          await page
            .locator("#login [name=login]")
            .fill(sub, { timeout: 10_000 })
            .catch(async (error) => {
              throw new Error(`${error}: at ${page.url()}: ${(await page.content()).slice(0, 600)}`)
            })
          await page.locator("#login button").click()
          await page.locator("#consent button").click()
          return { context, page }
        }
        // Someone the provider knows but the console does not: refused.
        const stranger = await throughProvider("stranger")
        await stranger.page.getByText("You have no account in this console.").waitFor()
        await stranger.context.close()
        const { context, page } = await throughProvider("hopper-at-idp")
        await page.getByRole("heading", { name: `Queue of ${clients.alpha.id}` }).waitFor()
        await page.getByText("Grace Hopper").waitFor()
        expect((await context.cookies()).map((cookie) => cookie.name)).toContain("__Host-assure-console")
        await context.close()
      } finally {
        await server.stop()
      }
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }, 90_000)

  it("ends a session left idle, and says so", async () => {
    const server = await startServer(consoleSettings("2 seconds"))
    try {
      const context = await newContext(viewports[0]?.[1])
      const page = await signIn(context, server, ada)
      await new Promise((resolve) => setTimeout(resolve, 3000))
      await page.reload()
      expect(page.url()).toBe(`${server.url}/console/sign-in?ended=idle`)
      await page.getByText("Your session ended after a while without use.").waitFor()
      await context.close()
    } finally {
      await server.stop()
    }
  }, 60_000)

  it("asks the person for a retake: the client gets a fresh capture link, and the new photo joins the dossier", async () => {
    const server = await startServer(consoleSettings())
    try {
      const { api, dossierId, processId } = await inconclusiveCase(server)
      const context = await newContext(viewports[1]?.[1])
      const page = await signIn(context, server, ada)
      await page.goto(`${server.url}/console/t/${clients.alpha.id}/cases/${dossierId}/${processId}`)
      await audit(page, "case on a phone")
      await page.getByRole("button", { name: "Claim this case" }).click()
      await page.getByRole("radio", { name: "Ask the person for a retake" }).check()
      await page.getByRole("checkbox", { name: "Front of the document" }).check()
      await page.getByLabel("Why, for a retake (the person is told)").fill("The photo is blurred.")
      await page.getByRole("button", { name: "Record the decision" }).click()
      await page.getByText("Reviewed: retakeRequested").waitFor()

      let notified: Record<string, unknown> | undefined
      for (let attempt = 0; attempt < 100 && notified === undefined; attempt++) {
        notified = received.find(
          (entry) =>
            entry.body.processId === processId &&
            (entry.body.review as { decision?: string } | undefined)?.decision === "retakeRequested"
        )?.body
        if (notified === undefined) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const captureUrl =
        (notified?.review as { retake?: { captureUrl?: string } } | undefined)?.retake?.captureUrl ?? ""
      expect(captureUrl).toMatch(new RegExp(`^${server.url}/capture/[A-Za-z0-9_-]{43}$`))

      // The person takes the front again on the capture page.
      const person = await newContext(viewports[1]?.[1])
      const capture = await person.newPage()
      await capture.goto(captureUrl)
      await capture.getByRole("checkbox", { name: "I agree" }).check()
      await capture.getByRole("button", { name: "Continue" }).click()
      await capture.getByRole("radio", { name: "Passport" }).check()
      // The page says what the reviewer asked for and why, and the front seen before does not count.
      const note = capture.getByRole("note")
      await expect(note.textContent()).resolves.toContain("Please take these photos again: Front of your document.")
      await expect(note.textContent()).resolves.toContain("The reason given: The photo is blurred.")
      await capture.getByRole("button", { name: "Submit" }).click()
      await expect(capture.getByRole("alert").textContent()).resolves.toBe("Add a photo first: Front of your document.")
      const front = capture.locator('section[data-kind="front"]')
      await front
        .getByLabel("Or upload a photo")
        .setInputFiles({ name: "front.png", mimeType: "image/png", buffer: photo(1200, 800) })
      await front.getByRole("status").filter({ hasText: "Uploaded." }).waitFor()
      await capture.getByRole("button", { name: "Submit" }).click()
      await capture.waitForURL(`${server.url}/capture/done?**`)
      await capture.getByRole("heading", { name: "Thank you" }).waitFor()
      await person.close()

      // The same dossier: a new process on the new photo, beside the reviewed one.
      const dossier = (await api.call("GET", `/assure/dossiers/${dossierId}`)).json as {
        processes: ReadonlyArray<{ processId: string }>
      }
      expect(dossier.processes.map((process) => process.processId)).toContain(processId)
      expect(dossier.processes).toHaveLength(2)
      await context.close()
    } finally {
      await server.stop()
    }
  }, 90_000)
})
