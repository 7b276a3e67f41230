/**
 * Stripe Identity through the API, configured as an operator would (ASSURE_PROVIDERS and Stripe's variables), against
 * the Stripe simulator: the end-user goes through the hosted page, Stripe's signed webhook reaches the server over
 * HTTP, the end-user comes back to the client, and the process holds Stripe's data normalised.
 */
import { ProviderName } from "@assure/core"
import * as StripeTesting from "@assure/stripe-identity/testing"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finalProcess, reserveServerUrl, type Scoped, scoped, startWithProviders } from "./support/adapter.js"
import { apiClient, clients, type Running } from "./support/server.js"

// A restricted key: the simulator gives it the sensitive fields (date of birth), as Stripe gives an rk_ key with
// "Access recent sensitive verification results"; a secret key gets a result without them.
const apiKey = "rk_test_server_end_to_end"
const webhookSecret = "whsec_server_end_to_end"
const provider = ProviderName.ProviderName.make("stripe-identity")

describe("the API with Stripe Identity enabled", () => {
  let server: Running
  let simulator: Scoped<StripeTesting.Simulator>

  beforeAll(async () => {
    const reserved = await reserveServerUrl()
    simulator = await scoped(
      StripeTesting.make({
        apiKey: Redacted.make(apiKey),
        webhookSecret: Redacted.make(webhookSecret),
        webhookUrl: `${reserved.url}/webhooks/${provider}`
      })
    )
    server = await startWithProviders(reserved, ["sandbox", provider], {
      STRIPE_SECRET_KEY: apiKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_BASE_URL: simulator.value.baseUrl
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await simulator?.close()
  })

  it("runs a hosted verification: Stripe's page, its signed webhook, the return to the client, the normalised result", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const created = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider,
      processType: "documentSelfie",
      processParameters: { [provider]: { requireLiveCapture: true } }
    })
    expect(created.status).toBe(201)
    const processId = (created.json as { processId: string }).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`

    const verifying = await alpha.call("POST", `${processPath}/verify`, { redirectUrl: "https://client.example/done" })
    expect(verifying.status).toBe(200)
    const hostedPage = (verifying.json as { status: string; redirectUrl: string }).redirectUrl
    expect(hostedPage.startsWith(simulator.value.baseUrl)).toBe(true)

    // The end-user finishes on Stripe's page, which sends the signed webhook and returns them to the server.
    const fromStripe = await fetch(`${hostedPage}?outcome=verified`, { redirect: "manual" })
    expect(fromStripe.status).toBe(302)
    const back = await fetch(fromStripe.headers.get("location") ?? "", { redirect: "manual" })
    expect(back.status).toBe(302)
    const toClient = new URL(back.headers.get("location") ?? "")
    expect(`${toClient.origin}${toClient.pathname}`).toBe("https://client.example/done")
    expect(toClient.searchParams.get("processId")).toBe(processId)

    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("accepted")
    // Stripe's `{day, month, year}` and alpha-2 country, normalised.
    expect(final.finalResult).toMatchObject({
      firstName: "Jenny",
      lastName: "Rosen",
      dateOfBirth: "1987-03-14",
      issuingCountry: "USA"
    })
    // What Stripe was asked: the session was created with the client's parameters and the server's return URL.
    const requests = await Effect.runPromise(simulator.value.requests)
    const creation = requests.find(
      (request) => request.method === "POST" && request.url.endsWith("/verification_sessions")
    )
    const sent = new URLSearchParams(creation?.body ?? "")
    expect(sent.get("options[document][require_live_capture]")).toBe("true")
    expect(sent.get("options[document][require_matching_selfie]")).toBe("true")
    expect(sent.get("return_url")).toBe(`${server.url}/callbacks/${provider}?processId=${processId}`)
  }, 30_000)

  it("ends a process the end-user declines as rejected, with Stripe's reason kept", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const processId = (
      (await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, { provider, processType: "document" }))
        .json as { processId: string }
    ).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const hostedPage = ((await alpha.call("POST", `${processPath}/verify`, {})).json as { redirectUrl: string })
      .redirectUrl
    expect((await fetch(`${hostedPage}?outcome=document_expired`, { redirect: "manual" })).status).toBe(302)

    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("rejected")
    expect(final.finalResult).toBeUndefined()
    expect(JSON.stringify(final.providerSpecific)).toContain("document_expired")
  }, 30_000)

  it("refuses a forged Stripe webhook", async () => {
    const forged = await fetch(`${server.url}/webhooks/${provider}`, {
      method: "POST",
      headers: { "stripe-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
      body: JSON.stringify({ id: "evt_forged", type: "identity.verification_session.verified" })
    })
    expect(forged.status).toBe(401)
    expect(forged.headers.get("content-type")).toContain("application/problem+json")
  })
})
