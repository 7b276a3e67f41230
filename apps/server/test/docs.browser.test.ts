/**
 * The interactive docs page in a real browser (Debian's Chromium driven by playwright-core): it renders the API from
 * the server's own OpenAPI document, and loads nothing from any other origin — the page must work on a machine
 * without internet access, and must not leak who reads the docs to a CDN.
 *
 * Runs when Chromium is installed (`/usr/bin/chromium`, or `ASSURE_TEST_CHROMIUM`); CI installs it and sets
 * `ASSURE_REQUIRE_BROWSER=1`, which turns a missing browser into a failure instead of a skip.
 */
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { browserAvailable as available, launch } from "./support/chromium.js"
import { type Running, startServer } from "./support/server.js"

const browserAvailable = available("the docs page browser test")

describe.runIf(browserAvailable)("the docs page in a browser", () => {
  let server: Running
  let browser: Browser

  beforeAll(async () => {
    server = await startServer()
    browser = await launch()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it("renders every group of the API, from this server alone", async () => {
    const page = await browser.newPage()
    const origin = new URL(server.url).origin
    const foreignRequests: Array<string> = []
    const pageErrors: Array<string> = []
    page.on("request", (request) => {
      const url = new URL(request.url())
      if (url.protocol.startsWith("http") && url.origin !== origin) foreignRequests.push(request.url())
    })
    page.on("pageerror", (error) => pageErrors.push(error.message))

    const response = await page.goto(`${server.url}/docs`, { waitUntil: "load" })
    expect(response?.status()).toBe(200)
    // Scalar renders client-side from the embedded OpenAPI document: wait for operations to appear.
    await page.getByText("/assure/dossiers/{dossierId}/processes").first().waitFor({ timeout: 30_000 })
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text; textContent would also read the inline spec
    const text = await page.locator("body").innerText()
    for (const group of ["Dossiers", "Processes", "Authentication"]) expect(text).toContain(group)

    expect(foreignRequests).toEqual([])
    expect(pageErrors).toEqual([])
    await page.close()
  }, 60_000)
})
