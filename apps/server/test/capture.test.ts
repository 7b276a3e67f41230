/**
 * The hosted capture flow over plain HTTP, without a browser (capture.browser.test.ts drives the page in Chromium):
 * `POST /assure/dossiers/{dossierId}/capture` is strict and checks everything; the page's POSTs from its own origin
 * upload (a photo too small to read is refused), submit and answer the client's redirect with Assure's parameters;
 * with photos and an eID to choose from, the end-user's choice runs alone and a hand-over goes to the provider and
 * back to the client; a used link answers 410; the token never reaches a log line; the two settings are checked at
 * start.
 */
import { format } from "node:util"
import { Duration, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { languageOf, texts } from "../src/server/CaptureText.js"
import { defaultConsentText } from "../src/server/ServerConfig.js"
import { loadWith } from "./support/config.js"
import { photo, speck } from "./support/photos.js"
import { apiClient, clients, type Running, startServer } from "./support/server.js"

const png = photo()
const document = [{ provider: "sandbox", processType: "document" }]

describe("POST /assure/dossiers/{dossierId}/capture and the page's own requests", () => {
  let server: Running
  let api: Awaited<ReturnType<typeof apiClient>>
  const lines: Array<string> = []
  beforeAll(async () => {
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
        lines.push(format(...args))
      })
    }
    server = await startServer({ logLevel: "Debug" })
    api = await apiClient(server, clients.alpha)
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    vi.restoreAllMocks()
  })

  const newDossier = async () =>
    ((await api.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId

  it("is strict, checks providers, process types and URLs, and answers a page URL and its expiry", async () => {
    const dossierId = await newDossier()
    const path = `/assure/dossiers/${dossierId}/capture`
    const valid = { providers: document, redirectUrl: "https://client.example/done" }
    const refused = [
      [{ ...valid, color: "blue" }, "color"],
      [{ ...valid, providers: [] }, "providers"],
      [{ ...valid, providers: [{ provider: "sandbox", processType: "video" }] }, "providers.0.processType"],
      [{ ...valid, providers: [{ provider: "nobody", processType: "document" }] }, "provider"],
      [{ ...valid, redirectUrl: "ftp://client.example/done" }, "redirectUrl"],
      [{ ...valid, notificationUrl: "file:///etc/passwd" }, "notificationUrl"],
      [{ redirectUrl: valid.redirectUrl }, "providers"]
    ] as const
    for (const [body, name] of refused) {
      const response = await api.call("POST", path, body)
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(response.headers.get("content-type")).toContain("application/problem+json")
      const params = (response.json as { invalidParams: ReadonlyArray<{ name: string }> }).invalidParams
      expect(params.map((param) => param.name).join(" "), JSON.stringify(body)).toContain(name)
    }
    // Another client's dossier, or none.
    const beta = await apiClient(server, clients.beta)
    expect((await beta.call("POST", path, valid)).status).toBe(404)
    expect((await api.call("POST", "/assure/dossiers/not-a-dossier/capture", valid)).status).toBe(404)

    // Assure's `sdk` and `captureParameters` are accepted (and ignored).
    const before = Date.now()
    const started = await api.call("POST", path, { ...valid, sdk: "web", captureParameters: { uiProfile: "x" } })
    expect(started.status).toBe(201)
    const { captureUrl, expiresAt } = started.json as { captureUrl: string; expiresAt: string }
    expect(captureUrl).toMatch(new RegExp(`^${server.url}/capture/[A-Za-z0-9_-]{43}$`))
    const lifetime = Date.parse(expiresAt) - before
    expect(lifetime).toBeGreaterThan(29 * 60_000)
    expect(lifetime).toBeLessThanOrEqual(30 * 60_000 + 1000)
  })

  it("uploads and submits from its own origin, sends the end-user back with Assure's parameters, and is used once", async () => {
    const dossierId = await newDossier()
    const started = await api.call("POST", `/assure/dossiers/${dossierId}/capture`, {
      providers: document,
      redirectUrl: "https://client.example/done?session=7"
    })
    const { captureUrl } = started.json as { captureUrl: string }
    const token = captureUrl.split("/").pop() ?? ""
    const own = { origin: new URL(server.url).origin }

    const page = await fetch(captureUrl)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    const html = await page.text()
    expect(html).toContain(defaultConsentText.slice(0, 40))
    expect(html).not.toContain(dossierId)

    const wrongKind = await fetch(`${captureUrl}/files?kind=portrait`, { method: "POST", headers: own, body: png })
    expect(wrongKind.status).toBe(400)
    const notImage = await fetch(`${captureUrl}/files?kind=front`, { method: "POST", headers: own, body: "text" })
    expect(notImage.status).toBe(400)
    expect(((await notImage.json()) as { detail: string }).detail).toMatch(/cannot be used/)
    const tooSmall = await fetch(`${captureUrl}/files?kind=front`, { method: "POST", headers: own, body: speck })
    expect(tooSmall.status).toBe(400)
    expect(await tooSmall.json()).toMatchObject({
      detail:
        "This photo is too small to read. Come closer, or choose a photo of at least 600×400 pixels, and try again.",
      invalidParams: [{ name: "front", reason: "is 1×1 pixels; it must be at least 600×400" }]
    })
    const early = await fetch(`${captureUrl}/submit`, { method: "POST", headers: own })
    expect(early.status).toBe(400)
    expect(((await early.json()) as { detail: string }).detail).toBe("The front image is missing.")

    const stored = await fetch(`${captureUrl}/files?kind=front`, { method: "POST", headers: own, body: png })
    expect(stored.status).toBe(201)
    expect(await stored.json()).toEqual({ kind: "front", mediaType: "image/png", size: png.length })
    // The body is strict: only the end-user's choice and document.
    const unknownField = await fetch(`${captureUrl}/submit`, { method: "POST", headers: own, body: '{"colour":1}' })
    expect(unknownField.status).toBe(400)
    const submitted = await fetch(`${captureUrl}/submit`, {
      method: "POST",
      headers: { "sec-fetch-site": "same-origin" },
      body: JSON.stringify({ choice: "photos", documentType: "passport" })
    })
    expect(submitted.status).toBe(200)
    const target = new URL(((await submitted.json()) as { redirectTo: string }).redirectTo)
    expect(target.origin + target.pathname).toBe("https://client.example/done")
    expect(target.searchParams.get("session")).toBe("7")
    expect(target.searchParams.get("dossierId")).toBe(dossierId)
    expect(target.searchParams.get("status")).toBe("processing")
    const processId = target.searchParams.get("processId") ?? ""
    const process = await api.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}`)
    expect(process.json).toMatchObject({ provider: "sandbox", processType: "document" })

    const used = await fetch(captureUrl)
    expect(used.status).toBe(410)
    expect(used.headers.get("content-type")).toContain("text/html")
    const again = await fetch(`${captureUrl}/submit`, { method: "POST", headers: own })
    expect(again.status).toBe(410)
    // The paths answer only their methods.
    const wrongMethod = await fetch(`${captureUrl}/submit`)
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get("allow")).toBe("POST")

    // The token is a credential: not in any log line, debug level included.
    expect(lines.join("\n")).toContain("/capture/{token}")
    expect(lines.join("\n")).not.toContain(token)
  })

  it("hands off to a phone once: a QR code of a one-time link, the same session, and a status that follows it", async () => {
    const dossierId = await newDossier()
    const started = await api.call("POST", `/assure/dossiers/${dossierId}/capture`, {
      providers: document,
      redirectUrl: "https://client.example/done"
    })
    const { captureUrl } = started.json as { captureUrl: string }
    const token = captureUrl.split("/").pop() ?? ""
    const own = { origin: new URL(server.url).origin }
    const handOffOf = (html: string) => /data-handoff-url="([^"]+)"/.exec(html)?.[1] ?? ""

    // The page carries the link and its QR code inline: SVG shapes only, no style, no script, nothing elsewhere.
    const html = await (await fetch(captureUrl)).text()
    const link = handOffOf(html)
    expect(link).toMatch(new RegExp(`^${server.url}/capture/handoff/[A-Za-z0-9_-]{43}$`))
    expect(link).not.toContain(token)
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? ""
    expect(svg).toMatch(/^<svg class="qr" role="img" aria-label="[^"]+"/)
    expect(svg).not.toMatch(/style|script|href/i)
    // A reload shows a new code; the one before no longer works.
    const newer = handOffOf(await (await fetch(captureUrl)).text())
    expect(newer).not.toBe(link)
    expect((await fetch(link, { redirect: "manual" })).status).toBe(404)

    const status = async () => {
      const response = await fetch(`${captureUrl}/status`)
      expect(response.status).toBe(200)
      expect(response.headers.get("cache-control")).toBe("no-store")
      return response.json()
    }
    expect(await status()).toEqual({ uploaded: [], handedOff: false, submitted: false })

    // The phone opens it: sent on to the same session, once.
    const opened = await fetch(newer, { redirect: "manual" })
    expect(opened.status).toBe(303)
    expect(opened.headers.get("location")).toBe(`/capture/${token}?handoff=opened`)
    const phonePage = await (await fetch(new URL(opened.headers.get("location") ?? "", server.url))).text()
    expect(phonePage).toContain('id="capture-app"')
    expect(phonePage).not.toContain('id="handoff"')
    const again = await fetch(newer, { redirect: "manual" })
    expect(again.status).toBe(410)
    expect(await again.text()).toContain("This code was already used")
    expect(await status()).toEqual({ uploaded: [], handedOff: true, submitted: false })

    await fetch(`${captureUrl}/files?kind=front`, { method: "POST", headers: own, body: png })
    expect(await status()).toEqual({ uploaded: ["front"], handedOff: true, submitted: false })
    const submitted = await fetch(`${captureUrl}/submit`, { method: "POST", headers: own })
    const { redirectTo } = (await submitted.json()) as { redirectTo: string }
    expect(redirectTo).toContain(`dossierId=${dossierId}`)
    // The desktop learns where the phone went; a submitted session hands off no more.
    expect(await status()).toEqual({ uploaded: ["front"], handedOff: true, submitted: true, redirectTo })
    const unknown = await fetch(`${server.url}/capture/${"z".repeat(43)}/status`)
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get("content-type")).toContain("application/problem+json")
    expect((await fetch(`${server.url}/capture/handoff/${"z".repeat(43)}`)).status).toBe(404)
    // The code is a credential too: not in any log line.
    expect(lines.join("\n")).not.toContain(newer.split("/").pop())
  })

  it("with several providers sends back only the dossier", async () => {
    const dossierId = await newDossier()
    const started = await api.call("POST", `/assure/dossiers/${dossierId}/capture`, {
      providers: [
        { provider: "sandbox", processType: "document" },
        { provider: "sandbox", processType: "documentSelfie" }
      ],
      redirectUrl: "https://client.example/done"
    })
    const { captureUrl } = started.json as { captureUrl: string }
    const own = { origin: new URL(server.url).origin }
    for (const kind of ["front", "selfie"]) {
      const stored = await fetch(`${captureUrl}/files?kind=${kind}`, { method: "POST", headers: own, body: png })
      expect(stored.status).toBe(201)
    }
    const submitted = await fetch(`${captureUrl}/submit`, { method: "POST", headers: own })
    const target = new URL(((await submitted.json()) as { redirectTo: string }).redirectTo)
    expect([...target.searchParams.keys()]).toEqual(["dossierId"])
    const dossier = await api.call("GET", `/assure/dossiers/${dossierId}`)
    expect((dossier.json as { processes: ReadonlyArray<unknown> }).processes).toHaveLength(2)
  })
})

describe("a capture with photos and a provider of its own to choose from", () => {
  let server: Running
  let api: Awaited<ReturnType<typeof apiClient>>
  beforeAll(async () => {
    server = await startServer()
    api = await apiClient(server, clients.alpha)
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })

  it("offers both, runs only the one chosen, and hands the end-user over to the provider and back", async () => {
    const dossierId = ((await api.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const started = await api.call("POST", `/assure/dossiers/${dossierId}/capture`, {
      providers: [
        { provider: "sandbox", processType: "documentSelfie" },
        { provider: "sandbox", processType: "eid" }
      ],
      redirectUrl: "https://client.example/done"
    })
    expect(started.status, started.text).toBe(201)
    const { captureUrl } = started.json as { captureUrl: string }
    const own = { origin: new URL(server.url).origin }
    const html = await (await fetch(captureUrl)).text()
    expect(html).toContain('data-choices="photos handOver-1"')
    expect(html).toContain('<input type="radio" name="choice" id="choice-handOver-1" value="handOver-1">')
    expect(html).toContain("Continue to Sandbox")

    const unchosen = await fetch(`${captureUrl}/submit`, { method: "POST", headers: own })
    expect(unchosen.status).toBe(400)
    expect(await unchosen.json()).toMatchObject({
      detail: "Choose how you want to verify.",
      invalidParams: [{ name: "choice", reason: "must be one of photos, handOver-1" }]
    })
    // The eID needs no photo: the end-user is sent to the provider (the sandbox's broker answers at once).
    const submitted = await fetch(`${captureUrl}/submit`, {
      method: "POST",
      headers: own,
      body: JSON.stringify({ choice: "handOver-1" })
    })
    expect(submitted.status).toBe(200)
    const { redirectTo } = (await submitted.json()) as { redirectTo: string }
    expect(redirectTo).toMatch(new RegExp(`^${server.url}/callbacks/sandbox\\?state=sbx_`))
    // Back from the provider: on to the client, with Assure's parameters and the eID's result.
    const back = await fetch(redirectTo, { redirect: "manual" })
    expect(back.status).toBe(302)
    const landed = new URL(back.headers.get("location") ?? "")
    expect(landed.origin + landed.pathname).toBe("https://client.example/done")
    expect(landed.searchParams.get("dossierId")).toBe(dossierId)
    expect(landed.searchParams.get("status")).toBe("accepted")
    const dossier = (await api.call("GET", `/assure/dossiers/${dossierId}`)).json as {
      processes: ReadonlyArray<{ processId: string; processType: string }>
      files: ReadonlyArray<unknown>
    }
    expect(dossier.processes.map((process) => process.processType)).toEqual(["eid"])
    expect(dossier.processes[0]?.processId).toBe(landed.searchParams.get("processId"))
    expect(dossier.files).toEqual([])
  })

  it("asks for the back of a two-sided document", async () => {
    const dossierId = ((await api.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const started = await api.call("POST", `/assure/dossiers/${dossierId}/capture`, {
      providers: [{ provider: "sandbox", processType: "document" }],
      redirectUrl: "https://client.example/done"
    })
    const { captureUrl } = started.json as { captureUrl: string }
    const own = { origin: new URL(server.url).origin }
    expect((await fetch(`${captureUrl}/files?kind=front`, { method: "POST", headers: own, body: png })).status).toBe(
      201
    )
    const idCard = JSON.stringify({ documentType: "idCard" })
    const early = await fetch(`${captureUrl}/submit`, { method: "POST", headers: own, body: idCard })
    expect(early.status).toBe(400)
    expect(((await early.json()) as { detail: string }).detail).toBe("The back image is missing.")
    expect((await fetch(`${captureUrl}/files?kind=back`, { method: "POST", headers: own, body: png })).status).toBe(201)
    expect((await fetch(`${captureUrl}/submit`, { method: "POST", headers: own, body: idCard })).status).toBe(200)
  })
})

describe("the capture page's language", () => {
  it("is Norwegian Bokmål for nb, no and nn, by preference; English otherwise", () => {
    for (const [header, language] of [
      [undefined, "en"],
      ["", "en"],
      ["nb-NO,nb;q=0.9,en;q=0.8", "nb"],
      ["no", "nb"],
      ["nn-NO", "nb"],
      ["en-GB,nb;q=0.5", "en"],
      ["de-DE,nb;q=0.7,en;q=0.5", "nb"],
      ["de-DE,fr;q=0.9", "en"],
      ["en;q=0.3,nb;q=0.9", "nb"],
      ["nb;q=0,en", "en"],
      ["*", "en"]
    ] as const) {
      expect(languageOf(header), String(header)).toBe(language)
    }
  })

  it("has every word in both languages", () => {
    const keys = (value: unknown): Array<string> =>
      typeof value === "object" && value !== null
        ? Object.entries(value).flatMap(([key, inner]) => keys(inner).map((path) => `${key}.${path}`))
        : [""]
    expect(keys(texts.nb)).toEqual(keys(texts.en))
    const nbWords = keys(texts.nb).map((path) =>
      path
        .split(".")
        .filter(Boolean)
        .reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], texts.nb)
    )
    for (const word of nbWords) expect(typeof word === "string" && word.length > 0).toBe(true)
  })

  it("answers the page, its errors and its problems in the language asked for, and says so", async () => {
    const server = await startServer()
    try {
      const api = await apiClient(server, clients.alpha)
      const dossierId = ((await api.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
      const started = await api.call("POST", `/assure/dossiers/${dossierId}/capture`, {
        providers: document,
        redirectUrl: "https://client.example/done"
      })
      const { captureUrl } = started.json as { captureUrl: string }
      const nb = { "accept-language": "nb-NO,nb;q=0.9,en;q=0.8" }
      const page = await fetch(captureUrl, { headers: nb })
      expect(page.headers.get("content-language")).toBe("nb")
      expect(page.headers.get("vary")).toContain("Accept-Language")
      const html = await page.text()
      expect(html).toContain('<html lang="nb">')
      expect(html).toContain("Bekreft identiteten din")
      expect(html).toContain(texts.nb.defaultConsent.slice(0, 40))
      expect(html).toContain("data-messages=")
      expect(html).not.toContain("Verify your identity")
      const english = await fetch(captureUrl, { headers: { "accept-language": "de-DE,en;q=0.5" } })
      expect(english.headers.get("content-language")).toBe("en")
      expect(await english.text()).toContain('<html lang="en">')
      // The problems the script shows, and the error pages.
      const own = { ...nb, origin: new URL(server.url).origin }
      const early = await fetch(`${captureUrl}/submit`, { method: "POST", headers: own })
      expect(early.headers.get("content-language")).toBe("nb")
      expect(((await early.json()) as { detail: string }).detail).toBe("Bildet mangler: forsiden av dokumentet ditt.")
      const foreign = await fetch(`${captureUrl}/submit`, { method: "POST", headers: nb })
      expect(((await foreign.json()) as { detail: string }).detail).toBe(texts.nb.problems.crossSite)
      const unknown = await fetch(`${server.url}/capture/${"q".repeat(43)}`, { headers: nb })
      expect(unknown.status).toBe(404)
      expect(unknown.headers.get("content-language")).toBe("nb")
      expect(await unknown.text()).toContain("Lenken er ikke gyldig")
      // The script and stylesheet are the same for every language.
      const script = await fetch(`${server.url}/capture/assets/capture.js`, { headers: nb })
      expect(script.headers.get("content-language")).toBeNull()
    } finally {
      await server.stop()
    }
  }, 60_000)
})

describe("the capture settings", () => {
  it("default to 30 minutes and a consent text, and refuse what is out of range", async () => {
    const defaults = await loadWith({})
    if (Exit.isFailure(defaults)) throw new Error(String(defaults.cause))
    expect(Duration.toMinutes(defaults.value.capture.lifetime)).toBe(30)
    expect(defaults.value.capture.consentText).toBe(defaultConsentText)
    const own = await loadWith({ ASSURE_CAPTURE_LIFETIME: "2 hours", ASSURE_CAPTURE_CONSENT_TEXT: " I agree. " })
    if (Exit.isFailure(own)) throw new Error(String(own.cause))
    expect(Duration.toMinutes(own.value.capture.lifetime)).toBe(120)
    expect(own.value.capture.consentText).toBe("I agree.")
    for (const [setting, value] of [
      ["ASSURE_CAPTURE_LIFETIME", "10 seconds"],
      ["ASSURE_CAPTURE_LIFETIME", "2 days"],
      ["ASSURE_CAPTURE_CONSENT_TEXT", "x".repeat(4001)]
    ] as const) {
      const exit = await loadWith({ [setting]: value })
      expect(Exit.isFailure(exit), `${setting}=${value}`).toBe(true)
      if (Exit.isFailure(exit)) {
        expect(exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error).toMatchObject({ setting })
      }
    }
  })
})
