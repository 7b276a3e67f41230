/**
 * The hosted capture page (issue 19) in real Chromium (Debian's, driven by playwright-core) with a fake camera
 * (`--use-fake-device-for-media-stream`): on a phone and on a desktop viewport, the whole path from
 * `POST /assure/dossiers/{dossierId}/capture` through consent and a camera snapshot to the client's `redirectUrl` and
 * an accepted sandbox process; the choice between photos and a provider's own page, and the hand-over to it and back;
 * an ID card's back with its own guidance; the upload fallback with its recoverable errors (a photo too small to read
 * among them); a reload that keeps the session;
 * used, expired and unknown links; a cross-site POST refused; the security headers; the keyboard alone; the hand-off
 * from a desktop to a phone by a QR code, the desktop following the phone to the end; and axe finding no violations.
 *
 * Runs when Chromium is installed (`/usr/bin/chromium`, or `ASSURE_TEST_CHROMIUM`); with `ASSURE_REQUIRE_BROWSER=1`
 * a missing browser is a failure instead of a skip.
 */
import { createServer, type Server } from "node:http"
import { createRequire } from "node:module"
import { gzipSync } from "node:zlib"
import type { Browser, BrowserContextOptions, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { captureContentSecurityPolicy } from "../src/server/ResponseHeaders.js"
import { browserAvailable as available, launch } from "./support/chromium.js"
import { photo, speck } from "./support/photos.js"
import { apiClient, clients, freePort, type Running, startServer } from "./support/server.js"

const browserAvailable = available("the capture page browser test")

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js")

const viewports: ReadonlyArray<readonly [string, BrowserContextOptions]> = [
  ["phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 }],
  ["desktop", { viewport: { width: 1280, height: 800 } }]
]

/** A photo large enough to read. */
const png = photo()

describe.runIf(browserAvailable)("the capture page in a browser", () => {
  let server: Running
  let shortLived: Running
  let browser: Browser
  let receiver: Server
  let receiverUrl: string
  let api: Awaited<ReturnType<typeof apiClient>>

  beforeAll(async () => {
    // Results quickly: the sandbox answers in 300 ms, and the engine asks it again soon.
    server = await startServer({}, {}, undefined, { pollInterval: { initial: "200 millis", max: "1 second" } })
    shortLived = await startServer({}, {}, undefined, { captureLifetime: "0 seconds" })
    api = await apiClient(server, clients.alpha)
    // The client's site: where the end-user lands, and a page of another origin for the cross-site attempt.
    const port = await freePort()
    receiverUrl = `http://127.0.0.1:${port}`
    receiver = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" })
      response.end('<!doctype html><html lang="en"><title>Client</title><h1>Back at the client</h1></html>')
    })
    await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve))
    browser = await launch([
      // A camera that shows a test pattern, granted without asking.
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream"
    ])
  }, 90_000)
  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => receiver?.close(resolve))
    await server?.stop()
    await shortLived?.stop()
  })

  /** A new dossier and a capture page for it, on `on` (the main server by default). */
  const newCapture = async (
    on: Running = server,
    providers: ReadonlyArray<{ provider: string; processType: string }> = [
      { provider: "sandbox", processType: "document" }
    ]
  ) => {
    const client = on === server ? api : await apiClient(on, clients.alpha)
    const dossier = await client.call("POST", "/assure/dossiers", {})
    const dossierId = (dossier.json as { dossierId: string }).dossierId
    const started = await client.call("POST", `/assure/dossiers/${dossierId}/capture`, {
      providers,
      redirectUrl: `${receiverUrl}/verified?ref=42`
    })
    expect(started.status, started.text).toBe(201)
    const { captureUrl, expiresAt } = started.json as { captureUrl: string; expiresAt: string }
    return { dossierId, captureUrl, expiresAt }
  }

  /** Watches a page for requests to other origins and script errors. */
  const watch = (page: Page) => {
    const origin = new URL(server.url).origin
    const foreign: Array<string> = []
    const errors: Array<string> = []
    page.on("request", (request) => {
      const url = new URL(request.url())
      if (url.protocol.startsWith("http") && url.origin !== origin && url.origin !== receiverUrl) {
        foreign.push(request.url())
      }
    })
    page.on("pageerror", (error) => errors.push(error.message))
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text())
    })
    return { foreign, errors }
  }

  /** Consent, then the document to photograph (a passport: its front is enough). */
  const giveConsent = async (page: Page, document = "Passport") => {
    await page.getByRole("checkbox", { name: "I agree" }).check()
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("heading", { name: "Take your photos" }).waitFor()
    await page.getByRole("radio", { name: document }).check()
  }

  /** Reads the process until its status is final. */
  const finalStatus = async (dossierId: string, processId: string) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const process = await api.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}`)
      const status = (process.json as { status: string }).status
      if (!["pending", "processing"].includes(status)) return status
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    return "still processing"
  }

  /** What the browser keeps for the page's origin: nothing, photos least of all. */
  const storedInBrowser = (page: Page) =>
    page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      databases: (await indexedDB.databases()).length,
      caches: (await caches.keys()).length
    }))

  for (const [name, options] of viewports) {
    it(`on a ${name}: consent, the front by camera, submit, back at the client with an accepted process`, async () => {
      const { dossierId, captureUrl } = await newCapture()
      const context = await browser.newContext(options)
      const page = await context.newPage()
      const seen = watch(page)

      const response = await page.goto(captureUrl)
      expect(response?.status()).toBe(200)
      const headers = response?.headers() ?? {}
      expect(headers["content-security-policy"]).toBe(captureContentSecurityPolicy)
      expect(headers["cache-control"]).toBe("no-store")
      expect(headers["referrer-policy"]).toBe("no-referrer")
      expect(headers["x-content-type-options"]).toBe("nosniff")
      // Consent comes first: the photos are hidden until the end-user agrees.
      await expect(page.getByRole("heading", { name: "Take your photos" }).isVisible()).resolves.toBe(false)
      await page.getByRole("button", { name: "Continue" }).click()
      await expect(page.getByRole("alert").textContent()).resolves.toContain("I agree")
      await giveConsent(page)

      const front = page.locator('section[data-kind="front"]')
      await front.getByRole("button", { name: "Use the camera" }).click()
      await page.waitForFunction(() => {
        const video = document.querySelector<HTMLVideoElement>('section[data-kind="front"] video')
        return video !== null && video.videoWidth > 0
      })
      await front.getByRole("button", { name: "Take photo" }).click()
      await front.getByRole("status").filter({ hasText: "Uploaded." }).waitFor({ timeout: 15_000 })
      await expect(front.locator("img.preview").isVisible()).resolves.toBe(true)
      // The camera is off once the photo is taken.
      await expect(page.evaluate(() => document.querySelector("video")?.srcObject ?? null)).resolves.toBeNull()
      expect(await storedInBrowser(page)).toEqual({ local: 0, session: 0, databases: 0, caches: 0 })

      await page.getByRole("button", { name: "Submit" }).click()
      await page.waitForURL(`${receiverUrl}/verified?**`, { timeout: 15_000 })
      const landed = new URL(page.url())
      expect(landed.searchParams.get("ref")).toBe("42")
      expect(landed.searchParams.get("dossierId")).toBe(dossierId)
      expect(landed.searchParams.get("status")).toBe("processing")
      const processId = landed.searchParams.get("processId") ?? ""
      expect(await finalStatus(dossierId, processId)).toBe("accepted")
      const dossier = await api.call("GET", `/assure/dossiers/${dossierId}`)
      const files = (dossier.json as { files: ReadonlyArray<{ kind: string; mediaType: string }> }).files
      expect(files.map((file) => [file.kind, file.mediaType])).toEqual([["front", "image/jpeg"]])

      expect(seen.foreign).toEqual([])
      expect(seen.errors).toEqual([])
      await context.close()
    }, 60_000)
  }

  it("uploads a file instead, refusing wrong types and sizes recoverably, and keeps the session over a reload", async () => {
    const { dossierId, captureUrl } = await newCapture(server, [{ provider: "sandbox", processType: "documentSelfie" }])
    const context = await browser.newContext(viewports[0]?.[1])
    const page = await context.newPage()
    const seen = watch(page)
    await page.goto(captureUrl)
    await giveConsent(page)
    const front = page.locator('section[data-kind="front"]')
    const selfie = page.locator('section[data-kind="selfie"]')
    const alert = page.getByRole("alert")

    // Not an image, by its type: refused in the page, nothing sent.
    await front
      .getByLabel("Or upload a photo")
      .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") })
    await expect(alert.textContent()).resolves.toContain("not a photo")
    // Too large: refused in the page.
    await front
      .getByLabel("Or upload a photo")
      .setInputFiles({ name: "huge.jpg", mimeType: "image/jpeg", buffer: Buffer.alloc(10_000_001) })
    await expect(alert.textContent()).resolves.toContain("larger than 10 MB")
    // Says it is an image but is not: the server reads the bytes and refuses, and the page says so.
    await front
      .getByLabel("Or upload a photo")
      .setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("not really a png") })
    await alert.filter({ hasText: "cannot be used" }).waitFor()
    // A real image, but too small to read: the server measures it, and the page says how large a photo must be.
    await front
      .getByLabel("Or upload a photo")
      .setInputFiles({ name: "tiny.png", mimeType: "image/png", buffer: speck })
    await alert.filter({ hasText: "too small to read" }).waitFor()
    await expect(alert.textContent()).resolves.toContain("at least 600×400 pixels")
    // Submit without the photos: the page says what is missing.
    await page.getByRole("button", { name: "Submit" }).click()
    await expect(alert.textContent()).resolves.toContain("Front of your document")

    // Recovered: a real photo, with progress, then the error is gone.
    await front.getByLabel("Or upload a photo").setInputFiles({ name: "front.png", mimeType: "image/png", buffer: png })
    await front.getByRole("status").filter({ hasText: "Uploaded." }).waitFor()
    await expect(alert.isVisible()).resolves.toBe(false)

    // A reload: the same link still works, and the front is known to be uploaded.
    const reloaded = await page.reload()
    expect(reloaded?.status()).toBe(200)
    await giveConsent(page)
    await expect(front.getByRole("status").textContent()).resolves.toBe("Uploaded.")
    await selfie.getByLabel("Or upload a photo").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png })
    await selfie.getByRole("status").filter({ hasText: "Uploaded." }).waitFor()
    await page.getByRole("button", { name: "Submit" }).click()
    await page.waitForURL(`${receiverUrl}/verified?**`, { timeout: 15_000 })
    const landed = new URL(page.url())
    expect(landed.searchParams.get("dossierId")).toBe(dossierId)
    expect(await finalStatus(dossierId, landed.searchParams.get("processId") ?? "")).toBe("accepted")

    // Used: the link now shows a clear page, and refuses another submit.
    const used = await page.goto(captureUrl)
    expect(used?.status()).toBe(410)
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("This link was already used")
    expect(used?.headers()["content-security-policy"]).toBe(captureContentSecurityPolicy)
    const again = await page.evaluate(
      (url) => fetch(`${url}/submit`, { method: "POST" }).then((response) => response.status),
      new URL(captureUrl).pathname
    )
    expect(again).toBe(410)
    expect(seen.foreign).toEqual([])
    expect(seen.errors.filter((error) => !error.includes("status of 4"))).toEqual([])
    await context.close()
  }, 60_000)

  it("asks for an ID card's back, with guidance for the card, and none for a passport", async () => {
    const { dossierId, captureUrl } = await newCapture(server, [{ provider: "sandbox", processType: "documentSelfie" }])
    const context = await browser.newContext(viewports[0]?.[1])
    const page = await context.newPage()
    const seen = watch(page)
    await page.goto(captureUrl)
    await giveConsent(page, "National ID card")
    const front = page.locator('section[data-kind="front"]')
    const back = page.locator('section[data-kind="back"]')
    await expect(back.isVisible()).resolves.toBe(true)
    await expect(front.locator(".guidance:visible").textContent()).resolves.toContain("the side with your photo up")
    await expect(back.locator(".guidance:visible").textContent()).resolves.toContain("Turn the card over")
    // A passport has no back to take.
    await page.getByRole("radio", { name: "Passport" }).check()
    await expect(back.isVisible()).resolves.toBe(false)
    await expect(front.locator(".guidance:visible").textContent()).resolves.toContain("page with your photo")
    await page.getByRole("radio", { name: "National ID card" }).check()

    for (const [section, name] of [
      [front, "front.png"],
      [page.locator('section[data-kind="selfie"]'), "me.png"]
    ] as const) {
      await section.getByLabel("Or upload a photo").setInputFiles({ name, mimeType: "image/png", buffer: png })
      await section.getByRole("status").filter({ hasText: "Uploaded." }).waitFor()
    }
    await page.getByRole("button", { name: "Submit" }).click()
    await expect(page.getByRole("alert").textContent()).resolves.toBe("Add a photo first: Back of your document.")
    await back.getByLabel("Or upload a photo").setInputFiles({ name: "back.png", mimeType: "image/png", buffer: png })
    await back.getByRole("status").filter({ hasText: "Uploaded." }).waitFor()
    await page.getByRole("button", { name: "Submit" }).click()
    await page.waitForURL(`${receiverUrl}/verified?**`, { timeout: 15_000 })
    const dossier = await api.call("GET", `/assure/dossiers/${dossierId}`)
    const kinds = (dossier.json as { files: ReadonlyArray<{ kind: string }> }).files.map((file) => file.kind)
    expect(kinds.sort()).toEqual(["back", "front", "selfie"])
    expect(seen.errors).toEqual([])
    await context.close()
  }, 60_000)

  for (const [name, options] of viewports) {
    it(`on a ${name}: chooses the provider's own page over photos, goes there and comes back to the client`, async () => {
      const { dossierId, captureUrl } = await newCapture(server, [
        { provider: "sandbox", processType: "documentSelfie" },
        { provider: "sandbox", processType: "eid" }
      ])
      const context = await browser.newContext({ ...options, bypassCSP: true })
      const page = await context.newPage()
      const seen = watch(page)
      await page.goto(captureUrl)
      await page.getByRole("checkbox", { name: "I agree" }).check()
      await page.getByRole("button", { name: "Continue" }).click()
      await page.getByRole("heading", { name: "How do you want to verify?" }).waitFor()
      await expect(page.getByRole("heading", { name: "Take your photos" }).isVisible()).resolves.toBe(false)
      await page.addScriptTag({ path: axePath })
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<unknown> }> } }).axe
        return (await axe.run()).violations
      })
      expect(violations).toEqual([])
      await page.getByRole("button", { name: "Continue" }).click()
      await expect(page.getByRole("alert").textContent()).resolves.toBe("Choose how you want to verify.")
      await page.getByRole("radio", { name: "Continue with Sandbox" }).check()
      await page.getByRole("button", { name: "Continue" }).click()
      await page.getByRole("heading", { name: "Continue with Sandbox" }).waitFor()
      await page.getByRole("button", { name: "Continue to Sandbox" }).click()
      // Through the provider (the sandbox's eID answers at once) and the server's callback, to the client.
      await page.waitForURL(`${receiverUrl}/verified?**`, { timeout: 15_000 })
      const landed = new URL(page.url())
      expect(landed.searchParams.get("ref")).toBe("42")
      expect(landed.searchParams.get("dossierId")).toBe(dossierId)
      expect(landed.searchParams.get("status")).toBe("accepted")
      const process = await api.call(
        "GET",
        `/assure/dossiers/${dossierId}/processes/${landed.searchParams.get("processId")}`
      )
      expect(process.json).toMatchObject({ processType: "eid", status: "accepted" })
      const dossier = await api.call("GET", `/assure/dossiers/${dossierId}`)
      expect(dossier.json).toMatchObject({ files: [] })
      expect((dossier.json as { processes: ReadonlyArray<unknown> }).processes).toHaveLength(1)
      expect(seen.foreign).toEqual([])
      expect(seen.errors).toEqual([])
      await context.close()
    }, 60_000)
  }

  it("shows a clear page for an expired link and for an unknown one", async () => {
    const { captureUrl } = await newCapture(shortLived)
    const page = await browser.newPage()
    const expired = await page.goto(captureUrl)
    expect(expired?.status()).toBe(410)
    expect(expired?.headers()["cache-control"]).toBe("no-store")
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("This link has expired")
    const unknown = await page.goto(`${server.url}/capture/${"x".repeat(43)}`)
    expect(unknown?.status()).toBe(404)
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("This link is not valid")
    const html = await page.content()
    expect(html).not.toMatch(/error|stack|Exception/i)
    await page.close()
  }, 30_000)

  it("refuses a POST from another site: the token alone is not enough", async () => {
    const { dossierId, captureUrl } = await newCapture()
    // A page of another origin posts a form to the capture link (a CSRF attempt in a real browser).
    const page = await browser.newPage()
    await page.goto(`${receiverUrl}/attacker`)
    const navigation = page.waitForResponse((response) => response.url().startsWith(`${captureUrl}/submit`))
    await page.evaluate((action) => {
      const form = document.createElement("form")
      form.method = "POST"
      form.action = action
      document.body.append(form)
      form.submit()
    }, `${captureUrl}/submit`)
    expect((await navigation).status()).toBe(403)
    await page.close()
    // And a cross-origin fetch that sends a file (no-cors): the browser sends it, the server refuses it, and the page
    // of the other site cannot even read the answer (Cross-Origin-Resource-Policy); nothing is stored (below).
    const other = await browser.newPage()
    await other.goto(`${receiverUrl}/attacker`)
    const sent: Array<string> = []
    other.on("request", (request) => {
      if (request.url().startsWith(`${captureUrl}/files`)) sent.push(request.method())
    })
    const fetched = await other.evaluate(
      (url) =>
        fetch(url, { method: "POST", mode: "no-cors", body: "x" }).then(
          () => "sent",
          () => "failed"
        ),
      `${captureUrl}/files?kind=front`
    )
    expect(sent).toEqual(["POST"])
    expect(fetched).toBe("failed")
    await other.close()
    // Outside a browser: no Origin, a foreign Origin, or a cross-site fetch are all refused.
    for (const headers of [{}, { origin: "http://evil.example" }, { "sec-fetch-site": "cross-site" }]) {
      const response = await fetch(`${captureUrl}/submit`, { method: "POST", headers })
      expect(response.status).toBe(403)
      expect(response.headers.get("content-type")).toContain("application/problem+json")
    }
    // Nothing was stored and the link still works.
    const dossier = await api.call("GET", `/assure/dossiers/${dossierId}`)
    expect(dossier.json).toMatchObject({ files: [], processes: [] })
    expect((await fetch(captureUrl)).status).toBe(200)
  }, 30_000)

  it("serves its own small script and stylesheet with the same headers, and no inline script or style", async () => {
    const { captureUrl } = await newCapture()
    const html = await (await fetch(captureUrl)).text()
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/)
    expect(html).not.toMatch(/\sstyle=|<style/)
    // The only absolute URL is the server's own: the hand-off link its QR code shows.
    for (const url of html.match(/https?:\/\/[^"'\s<]+/g) ?? []) expect(url).toMatch(new RegExp(`^${server.url}/`))
    for (const [path, type] of [
      ["/capture/assets/capture.js", "text/javascript"],
      ["/capture/assets/capture.css", "text/css"]
    ] as const) {
      const response = await fetch(`${server.url}${path}`)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toContain(type)
      expect(response.headers.get("content-security-policy")).toBe(captureContentSecurityPolicy)
      expect(response.headers.get("x-content-type-options")).toBe("nosniff")
      if (type === "text/javascript") {
        const script = Buffer.from(await response.arrayBuffer())
        const gzipped = gzipSync(script, { level: 9 }).length
        console.info(`capture.js: ${script.length} bytes, ${gzipped} bytes gzipped`)
        // The budget for the page's own code.
        expect(gzipped).toBeLessThan(60_000)
      }
    }
  })

  it("can be done with the keyboard alone: consent, a photo by upload, submit", async () => {
    const { dossierId, captureUrl } = await newCapture()
    const context = await browser.newContext(viewports[1]?.[1])
    const page = await context.newPage()
    await page.goto(captureUrl)
    /** Presses Tab until the focused element matches `selector` (at most 10 times). */
    const tabTo = async (selector: string) => {
      for (let presses = 0; presses < 10; presses++) {
        await page.keyboard.press("Tab")
        if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return
      }
      throw new Error(`Tab never reached ${selector}`)
    }
    await tabTo("#consent-check")
    await page.keyboard.press("Space")
    await tabTo("#consent-form button")
    await page.keyboard.press("Enter")
    // Focus moves to the new step, so a screen reader announces it.
    await page.waitForFunction(() => document.activeElement?.id === "capture-title")
    // Into the document choice: Tab reaches its first option, Space selects it.
    await tabTo("#document-passport")
    await page.keyboard.press("Space")
    await expect(page.isChecked("#document-passport")).resolves.toBe(true)
    // Space on the focused file input opens the chooser. On a loaded machine Chromium has once dropped that first
    // press (CI, 2026-12-07): the focus is checked and the key pressed again, by keyboard still, up to three times.
    const openChooser = async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (!(await page.evaluate(() => document.activeElement?.id === "front-file"))) await tabTo("#front-file")
        const chooser = page.waitForEvent("filechooser", { timeout: 10_000 }).catch(() => undefined)
        await page.keyboard.press("Space")
        const opened = await chooser
        if (opened !== undefined) return opened
      }
      throw new Error("Space on the focused file input never opened the file chooser")
    }
    await tabTo("#front-file")
    await (await openChooser()).setFiles({ name: "front.png", mimeType: "image/png", buffer: png })
    await page.locator('section[data-kind="front"] .status').filter({ hasText: "Uploaded." }).waitFor()
    await tabTo("#submit")
    await page.keyboard.press("Enter")
    await page.waitForURL(`${receiverUrl}/verified?**`, { timeout: 15_000 })
    expect(new URL(page.url()).searchParams.get("dossierId")).toBe(dossierId)
    await context.close()
  }, 60_000)

  it("hands off from a desktop to a phone: the phone opens the QR code's one-time link, the desktop follows to the end", async () => {
    const { dossierId, captureUrl } = await newCapture()
    const desktop = await browser.newContext(viewports[1]?.[1])
    const phone = await browser.newContext(viewports[0]?.[1])
    const desk = await desktop.newPage()
    const seenOnDesk = watch(desk)
    await desk.goto(captureUrl)

    // The desktop shows the QR code of a one-time link (not the capture link itself), before any consent.
    const handoff = desk.getByRole("region", { name: "Continue on your phone" })
    await expect(handoff.isVisible()).resolves.toBe(true)
    const qr = handoff.getByRole("img", { name: /QR code/ })
    await expect(qr.isVisible()).resolves.toBe(true)
    const box = await qr.boundingBox()
    expect(box?.width).toBeGreaterThanOrEqual(150)
    const link = (await handoff.getAttribute("data-handoff-url")) ?? ""
    expect(link).toMatch(new RegExp(`^${server.url}/capture/handoff/[A-Za-z0-9_-]{43}$`))
    expect(link).not.toContain(new URL(captureUrl).pathname)

    // The phone opens it and lands in the same session, with no QR code of its own.
    const mobile = await phone.newPage()
    const seenOnPhone = watch(mobile)
    const opened = await mobile.goto(link)
    expect(opened?.status()).toBe(200)
    expect(mobile.url()).toBe(`${captureUrl}?handoff=opened`)
    await expect(mobile.locator("#handoff").count()).resolves.toBe(0)
    const said = desk.locator("#handoff-status")
    await said.filter({ hasText: "Your phone has opened the link: 0 of 1 photos uploaded." }).waitFor()
    // A photograph of the QR code is no use now: the link worked once.
    const reused = await phone.newPage()
    const again = await reused.goto(link)
    expect(again?.status()).toBe(410)
    expect(again?.headers()["content-security-policy"]).toBe(captureContentSecurityPolicy)
    expect(again?.headers()["cache-control"]).toBe("no-store")
    await expect(reused.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("This code was already used")

    // The phone takes the front with its camera; the desktop sees it uploaded.
    await giveConsent(mobile)
    const front = mobile.locator('section[data-kind="front"]')
    await front.getByRole("button", { name: "Use the camera" }).click()
    await mobile.waitForFunction(() => {
      const video = document.querySelector<HTMLVideoElement>('section[data-kind="front"] video')
      return video !== null && video.videoWidth > 0
    })
    await front.getByRole("button", { name: "Take photo" }).click()
    await front.getByRole("status").filter({ hasText: "Uploaded." }).waitFor({ timeout: 15_000 })
    await said.filter({ hasText: "1 of 1 photos uploaded" }).waitFor()
    await expect(desk.locator('section[data-kind="front"] .status').textContent()).resolves.toBe("Uploaded.")

    // The phone submits; both end at the client's page with the same process.
    await mobile.getByRole("button", { name: "Submit" }).click()
    await mobile.waitForURL(`${receiverUrl}/verified?**`, { timeout: 15_000 })
    await desk.waitForURL(`${receiverUrl}/verified?**`, { timeout: 15_000 })
    expect(desk.url()).toBe(mobile.url())
    const landed = new URL(desk.url())
    expect(landed.searchParams.get("dossierId")).toBe(dossierId)
    expect(await finalStatus(dossierId, landed.searchParams.get("processId") ?? "")).toBe("accepted")

    // And once submitted, the session is used.
    expect((await reused.goto(link))?.status()).toBe(410)
    await expect(reused.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("This link was already used")

    expect([...seenOnDesk.foreign, ...seenOnPhone.foreign]).toEqual([])
    expect([...seenOnDesk.errors, ...seenOnPhone.errors]).toEqual([])
    await desktop.close()
    await phone.close()
  }, 90_000)

  it("offers the hand-off on wide screens only", async () => {
    const { captureUrl } = await newCapture()
    const phone = await browser.newContext(viewports[0]?.[1])
    const page = await phone.newPage()
    await page.goto(captureUrl)
    await expect(page.locator("#handoff").isVisible()).resolves.toBe(false)
    await phone.close()
  }, 30_000)

  it("speaks Norwegian Bokmål to a nb-NO browser on every step, axe clean, and English to others", async () => {
    const { dossierId, captureUrl } = await newCapture()
    const context = await browser.newContext({ ...viewports[1]?.[1], locale: "nb-NO", bypassCSP: true })
    const page = await context.newPage()
    const seen = watch(page)
    const audit = async (step: string) => {
      await page.addScriptTag({ path: axePath })
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<unknown> }> } }).axe
        return (await axe.run()).violations
      })
      expect(violations, step).toEqual([])
    }
    const alert = page.getByRole("alert")

    const response = await page.goto(captureUrl)
    expect(response?.headers()["content-language"]).toBe("nb")
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe("nb")
    await expect(page.title()).resolves.toBe("Bekreft identiteten din")
    await page
      .getByRole("region", { name: "Fortsett på mobilen" })
      .getByRole("img", { name: /QR-kode/ })
      .waitFor()
    await audit("consent")
    await page.getByRole("button", { name: "Fortsett" }).click()
    await expect(alert.textContent()).resolves.toBe("Kryss av for «Jeg godtar» for å fortsette.")
    await page.getByRole("checkbox", { name: "Jeg godtar" }).check()
    await page.getByRole("button", { name: "Fortsett" }).click()
    await page.getByRole("heading", { name: "Ta bildene" }).waitFor()
    await page.getByRole("radio", { name: "Førerkort" }).check()
    await page
      .locator('section[data-kind="back"]')
      .getByRole("heading", { name: "Baksiden av dokumentet ditt" })
      .waitFor()
    await audit("capture")

    const front = page.locator('section[data-kind="front"]')
    await front.getByRole("heading", { name: "Forsiden av dokumentet ditt" }).waitFor()
    const upload = front.getByLabel("Eller last opp et bilde")
    await upload.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") })
    await expect(alert.textContent()).resolves.toContain("Filen er ikke et bilde")
    await upload.setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("not really a png") })
    await alert.filter({ hasText: "Filen kan ikke brukes" }).waitFor()
    await audit("an error")
    await page.getByRole("button", { name: "Send inn" }).click()
    await expect(alert.textContent()).resolves.toBe("Legg til et bilde først: Forsiden av dokumentet ditt.")
    await upload.setInputFiles({ name: "tiny.png", mimeType: "image/png", buffer: speck })
    await alert.filter({ hasText: "for lite til å kunne leses" }).waitFor()
    await upload.setInputFiles({ name: "front.png", mimeType: "image/png", buffer: png })
    await front.getByRole("status").filter({ hasText: "Lastet opp." }).waitFor()
    await front.getByRole("img", { name: "Bildet ditt: forsiden av dokumentet ditt" }).waitFor()
    await page.getByRole("button", { name: "Send inn" }).click()
    await expect(alert.textContent()).resolves.toBe("Legg til et bilde først: Baksiden av dokumentet ditt.")
    const back = page.locator('section[data-kind="back"]')
    await back
      .getByLabel("Eller last opp et bilde")
      .setInputFiles({ name: "back.png", mimeType: "image/png", buffer: png })
    await back.getByRole("status").filter({ hasText: "Lastet opp." }).waitFor()
    await page.getByRole("button", { name: "Send inn" }).click()
    await page.waitForURL(`${receiverUrl}/verified?**`, { timeout: 15_000 })
    expect(new URL(page.url()).searchParams.get("dossierId")).toBe(dossierId)

    // The error pages: a used link, an unknown one, a used hand-off code.
    const used = await page.goto(captureUrl)
    expect(used?.status()).toBe(410)
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Lenken er allerede brukt")
    await audit("used link")
    await page.goto(`${server.url}/capture/${"n".repeat(43)}`)
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Lenken er ikke gyldig")
    await audit("unknown link")
    const other = await newCapture()
    const link = /data-handoff-url="([^"]+)"/.exec(await (await fetch(other.captureUrl)).text())?.[1] ?? ""
    expect((await fetch(link, { redirect: "manual" })).status).toBe(303)
    await page.goto(link)
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Koden er allerede brukt")
    await audit("used hand-off code")
    expect(seen.foreign).toEqual([])
    expect(seen.errors.filter((error) => !error.includes("status of 4"))).toEqual([])
    await context.close()

    // Another language gets English.
    const german = await browser.newContext({ locale: "de-DE" })
    const page2 = await german.newPage()
    const answered = await page2.goto(other.captureUrl)
    expect(answered?.headers()["content-language"]).toBe("en")
    await expect(page2.evaluate(() => document.documentElement.lang)).resolves.toBe("en")
    await page2.getByRole("heading", { name: "Verify your identity" }).waitFor()
    await german.close()
  }, 90_000)

  it("has no accessibility violations (axe), on the consent step, the capture step and an unknown link", async () => {
    const { captureUrl } = await newCapture(server, [{ provider: "sandbox", processType: "documentSelfie" }])
    // The page's CSP refuses the injected axe script: bypassed for this context only.
    for (const [name, options] of viewports) {
      const context = await browser.newContext({ ...options, bypassCSP: true })
      const page = await context.newPage()
      const audit = async (step: string) => {
        await page.addScriptTag({ path: axePath })
        const violations = await page.evaluate(async () => {
          const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<unknown> }> } }).axe
          return (await axe.run()).violations
        })
        expect(violations, `${name}: ${step}`).toEqual([])
      }
      await page.goto(captureUrl)
      await audit("consent")
      await giveConsent(page)
      await audit("capture")
      await page.goto(`${server.url}/capture/${"y".repeat(43)}`)
      await audit("unknown link")
      // A used hand-off link.
      const link = /data-handoff-url="([^"]+)"/.exec(await (await fetch(captureUrl)).text())?.[1] ?? ""
      expect((await fetch(link, { redirect: "manual" })).status).toBe(303)
      await page.goto(link)
      await audit("used hand-off link")
      await context.close()
    }
  }, 60_000)
})
