/**
 * Onfido through the API, configured as an operator would (ASSURE_PROVIDERS and Onfido's variables), against the
 * Onfido simulator: the classic flow (applicant, the dossier's document and selfie uploaded, a check with reports)
 * and a Studio workflow run through its hosted link, each ended by Onfido's signed webhooks delivered over HTTP.
 */
import { ProviderName } from "@assure/core"
import * as OnfidoTesting from "@assure/onfido/testing"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finalProcess, reserveServerUrl, type Scoped, scoped, startWithProviders } from "./support/adapter.js"
import { apiClient, clients, type Running } from "./support/server.js"

const apiToken = "api_sandbox.server_end_to_end"
const webhookToken = "onfido-webhook-token-end-to-end"
const provider = ProviderName.ProviderName.make("onfido")
const dataUrl = (kind: "front" | "selfie") => {
  const file = OnfidoTesting.sampleImage(kind)
  return `data:${file.mediaType};base64,${Buffer.from(file.bytes).toString("base64")}`
}

describe("the API with Onfido enabled", () => {
  let server: Running
  let simulator: Scoped<OnfidoTesting.Simulator>

  beforeAll(async () => {
    const reserved = await reserveServerUrl()
    simulator = await scoped(
      OnfidoTesting.make({
        apiToken: Redacted.make(apiToken),
        webhookToken: Redacted.make(webhookToken),
        webhookUrl: `${reserved.url}/webhooks/${provider}`,
        // As Onfido does: the check completes on its own, and its webhooks tell the server.
        completeAfter: "200 millis"
      })
    )
    server = await startWithProviders(reserved, ["sandbox", provider], {
      ONFIDO_API_TOKEN: apiToken,
      ONFIDO_WEBHOOK_TOKEN: webhookToken,
      ONFIDO_API_BASE_URL: simulator.value.baseUrl,
      ONFIDO_WORKFLOW_ID: "b0b1c2d3-0000-4000-8000-00000000e2e0"
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await simulator?.close()
  })

  it("runs the classic flow: applicant, the dossier's document and selfie, a check, its reports normalised", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (
        await alpha.call("POST", "/assure/dossiers", {
          userData: { firstName: "Jane", lastName: "Doe", dateOfBirth: "1990-01-01" }
        })
      ).json as { dossierId: string }
    ).dossierId
    const uploaded = await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, {
      front: dataUrl("front"),
      selfie: dataUrl("selfie")
    })
    expect(uploaded.status).toBe(201)
    const processId = (
      (await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, { provider, processType: "documentSelfie" }))
        .json as { processId: string }
    ).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    expect((await alpha.call("POST", `${processPath}/verify`, {})).status).toBe(200)

    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("accepted")
    // Onfido's document report (the simulator's British passport), normalised: country, document type, dates.
    expect(final.finalResult).toMatchObject({
      firstName: "Jane",
      lastName: "Doe",
      dateOfBirth: "1990-01-01",
      dateOfExpiry: "2031-05-28",
      documentType: "passport",
      issuingCountry: "GBR"
    })
    // What Onfido was sent: the applicant, both images as multipart uploads, and a check with both reports.
    const requests = await Effect.runPromise(simulator.value.requests)
    const paths = requests.map((request) => `${request.method} ${new URL(request.url, "http://x").pathname}`)
    expect(paths).toEqual(
      expect.arrayContaining([
        "POST /v3.6/applicants",
        "POST /v3.6/documents",
        "POST /v3.6/live_photos",
        "POST /v3.6/checks"
      ])
    )
    expect(requests.every((request) => request.headers.authorization === `Token token=${apiToken}`)).toBe(true)
    const check = requests.find((request) => request.url.endsWith("/checks") && request.method === "POST")
    expect(JSON.parse(check?.body ?? "{}").report_names).toEqual(
      expect.arrayContaining(["document", "facial_similarity_photo"])
    )
  }, 30_000)

  it("rejects when Onfido's document report comes back consider with sub_result rejected", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (await alpha.call("POST", "/assure/dossiers", { userData: { firstName: "Jane", lastName: "Doe" } })).json as {
        dossierId: string
      }
    ).dossierId
    await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, { front: dataUrl("front") })
    const processId = (
      (
        await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
          provider,
          processType: "document",
          processParameters: { [provider]: { sandbox: { subResult: "rejected" } } }
        })
      ).json as { processId: string }
    ).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    await alpha.call("POST", `${processPath}/verify`, {})
    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("rejected")
    expect(final.finalResult).toBeUndefined()
  }, 30_000)

  it("sends the end-user through a Studio workflow run's hosted link and back to the client", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (await alpha.call("POST", "/assure/dossiers", { userData: { firstName: "Jane", lastName: "Doe" } })).json as {
        dossierId: string
      }
    ).dossierId
    const processId = (
      (await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, { provider, processType: "workflow" }))
        .json as { processId: string }
    ).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const verifying = await alpha.call("POST", `${processPath}/verify`, { redirectUrl: "https://client.example/done" })
    const hostedLink = (verifying.json as { redirectUrl: string }).redirectUrl
    const fromOnfido = await fetch(`${hostedLink}?outcome=declined`, { redirect: "manual" })
    expect(fromOnfido.status).toBe(302)
    const back = await fetch(fromOnfido.headers.get("location") ?? "", { redirect: "manual" })
    expect(back.status).toBe(302)
    const toClient = new URL(back.headers.get("location") ?? "")
    expect(`${toClient.origin}${toClient.pathname}`).toBe("https://client.example/done")
    expect((await finalProcess(alpha.call, processPath)).status).toBe("rejected")
  }, 30_000)

  it("refuses a webhook whose X-SHA2-Signature does not match the body", async () => {
    const forged = await fetch(`${server.url}/webhooks/${provider}`, {
      method: "POST",
      headers: { "x-sha2-signature": "0".repeat(64), "content-type": "application/json" },
      body: JSON.stringify({ payload: { resource_type: "check", action: "check.completed", object: { id: "x" } } })
    })
    expect(forged.status).toBe(401)
  })
})
