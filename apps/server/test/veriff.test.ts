/**
 * Veriff through the API, configured as an operator would (ASSURE_PROVIDERS and Veriff's variables), against the
 * Veriff simulator: the headless flow with the dossier's images and the hosted flow with the end-user's return, each
 * ending through Veriff's signed decision webhook delivered to the server over HTTP; and the hosted capture page
 * offering both, handing the end-user over to Veriff's hosted flow and back.
 */
import { ProviderName } from "@assure/core"
import * as VeriffTesting from "@assure/veriff/testing"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finalProcess, reserveServerUrl, type Scoped, scoped, startWithProviders } from "./support/adapter.js"
import { apiClient, clients, type Running } from "./support/server.js"

const apiKey = "9d5a3c4e-0000-4000-8000-00000000e2e0"
const sharedSecret = "server-end-to-end-shared-secret"
const provider = ProviderName.ProviderName.make("veriff")
const jpeg = `data:image/jpeg;base64,${Buffer.from(VeriffTesting.sampleImage).toString("base64")}`

describe("the API with Veriff enabled", () => {
  let server: Running
  let simulator: Scoped<VeriffTesting.Simulator>

  beforeAll(async () => {
    const reserved = await reserveServerUrl()
    simulator = await scoped(
      VeriffTesting.make({
        apiKey: Redacted.make(apiKey),
        sharedSecret: Redacted.make(sharedSecret),
        webhookUrl: `${reserved.url}/webhooks/${provider}`
      })
    )
    server = await startWithProviders(reserved, ["sandbox", provider], {
      VERIFF_API_KEY: apiKey,
      VERIFF_SHARED_SECRET: sharedSecret,
      VERIFF_BASE_URL: simulator.value.baseUrl
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await simulator?.close()
  })

  it("verifies the dossier's images headlessly and ends with Veriff's signed decision, normalised", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (
        await alpha.call("POST", "/assure/dossiers", {
          // Veriff's test convention: the person's first name picks the decision.
          userData: { firstName: VeriffTesting.magicNameOf("approved"), lastName: "Maasikas" }
        })
      ).json as { dossierId: string }
    ).dossierId
    const uploaded = await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, { front: jpeg, selfie: jpeg })
    expect(uploaded.status).toBe(201)
    const processId = (
      (
        await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
          provider,
          processType: "documentSelfieUpload"
        })
      ).json as { processId: string }
    ).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const verifying = await alpha.call("POST", `${processPath}/verify`, {})
    expect(verifying.status).toBe(200)
    expect((verifying.json as { status: string }).status).toBe("processing")

    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("accepted")
    // Veriff's alpha-2 document country, normalised; the person as Veriff read them from the document.
    expect(final.finalResult).toMatchObject({
      lastName: "MAASIKAS",
      dateOfBirth: "1985-06-15",
      issuingCountry: "EST",
      documentType: "passport"
    })
    // The images went to Veriff signed, as media of the session.
    const requests = await Effect.runPromise(simulator.value.requests)
    const media = requests.filter((request) => request.method === "POST" && request.url.endsWith("/media"))
    expect(media.map((request) => (JSON.parse(request.body) as { image: { context: string } }).image.context)).toEqual(
      expect.arrayContaining(["document-front", "face"])
    )
    expect(media.every((request) => /^[0-9a-f]{64}$/.test(request.headers["x-hmac-signature"] ?? ""))).toBe(true)
  }, 30_000)

  it("sends the end-user through Veriff's hosted flow and back to the client, then ends with the decision", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const processId = (
      (await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, { provider, processType: "documentSelfie" }))
        .json as { processId: string }
    ).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const verifying = await alpha.call("POST", `${processPath}/verify`, { redirectUrl: "https://client.example/done" })
    const hostedFlow = (verifying.json as { redirectUrl: string }).redirectUrl
    expect(hostedFlow.startsWith(simulator.value.baseUrl)).toBe(true)

    const fromVeriff = await fetch(`${hostedFlow}?decision=declined`, { redirect: "manual" })
    expect(fromVeriff.status).toBe(302)
    const back = await fetch(fromVeriff.headers.get("location") ?? "", { redirect: "manual" })
    expect(back.status).toBe(302)
    const toClient = new URL(back.headers.get("location") ?? "")
    expect(`${toClient.origin}${toClient.pathname}`).toBe("https://client.example/done")
    expect(toClient.searchParams.get("processId")).toBe(processId)

    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("rejected")
    expect(final.finalResult).toBeUndefined()
  }, 30_000)

  it("from the hosted capture page: photos for the upload flow, or the end-user handed over to Veriff and back", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const started = await alpha.call("POST", `/assure/dossiers/${dossierId}/capture`, {
      providers: [
        { provider, processType: "documentSelfieUpload" },
        { provider, processType: "documentSelfie" }
      ],
      redirectUrl: "https://client.example/done"
    })
    expect(started.status, started.text).toBe(201)
    const { captureUrl } = started.json as { captureUrl: string }
    // Veriff's adapter says which process type takes photos and which is its hosted flow: the page offers both.
    const page = await (await fetch(captureUrl)).text()
    expect(page).toContain('data-choices="photos handOver-1"')
    expect(page).toContain('data-kinds="front selfie"')
    expect(page).toContain("Continue to Veriff")

    // The end-user picks Veriff's own page: no photo needed, sent to the hosted flow…
    const submitted = await fetch(`${captureUrl}/submit`, {
      method: "POST",
      headers: { origin: new URL(server.url).origin },
      body: JSON.stringify({ choice: "handOver-1" })
    })
    expect(submitted.status).toBe(200)
    const { redirectTo } = (await submitted.json()) as { redirectTo: string }
    expect(redirectTo.startsWith(`${simulator.value.baseUrl}/v/`)).toBe(true)
    // …which sends them back to the server, and on to the client with Assure's parameters.
    const fromVeriff = await fetch(`${redirectTo}?decision=approved`, { redirect: "manual" })
    expect(fromVeriff.status).toBe(302)
    const back = await fetch(fromVeriff.headers.get("location") ?? "", { redirect: "manual" })
    expect(back.status).toBe(302)
    const toClient = new URL(back.headers.get("location") ?? "")
    expect(`${toClient.origin}${toClient.pathname}`).toBe("https://client.example/done")
    expect(toClient.searchParams.get("dossierId")).toBe(dossierId)
    const processId = toClient.searchParams.get("processId") ?? ""
    const final = await finalProcess(alpha.call, `/assure/dossiers/${dossierId}/processes/${processId}`)
    expect(final).toMatchObject({ processType: "documentSelfie", status: "accepted" })
    // Only the chosen process ran.
    const dossier = (await alpha.call("GET", `/assure/dossiers/${dossierId}`)).json as {
      processes: ReadonlyArray<unknown>
    }
    expect(dossier.processes).toHaveLength(1)
  }, 30_000)

  it("refuses a webhook signed with another secret", async () => {
    const body = JSON.stringify({ id: "00000000-0000-4000-8000-000000000000", status: "success" })
    const forged = await fetch(`${server.url}/webhooks/${provider}`, {
      method: "POST",
      headers: { "x-auth-client": apiKey, "x-hmac-signature": "0".repeat(64), "content-type": "application/json" },
      body
    })
    expect(forged.status).toBe(401)
  })
})
