/**
 * Sumsub through the API, configured as an operator would (ASSURE_PROVIDERS and Sumsub's variables), against the
 * Sumsub simulator: the upload flow with the dossier's document images, reviewed `GREEN`, and the WebSDK's hosted
 * flow with the end-user's return, reviewed `RED`; each review announced by Sumsub's signed webhook delivered to the
 * server over HTTP.
 */
import { ProviderName } from "@assure/core"
import * as SumsubTesting from "@assure/sumsub/testing"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finalProcess, reserveServerUrl, type Scoped, scoped, startWithProviders } from "./support/adapter.js"
import { apiClient, clients, type Running } from "./support/server.js"

const appToken = "sbx:server-end-to-end-app-token"
const secretKey = "server-end-to-end-secret-key"
const webhookSecret = "server-end-to-end-webhook-secret"
const provider = ProviderName.ProviderName.make("sumsub")
const jpeg = `data:image/jpeg;base64,${Buffer.from(SumsubTesting.sampleImage).toString("base64")}`

/** A webhook the simulator sent, as Sumsub writes it. */
interface Announcement {
  readonly applicantId: string
  readonly externalUserId: string
  readonly type: string
}

describe("the API with Sumsub enabled", () => {
  let server: Running
  let simulator: Scoped<SumsubTesting.Simulator>

  beforeAll(async () => {
    const reserved = await reserveServerUrl()
    simulator = await scoped(
      SumsubTesting.make({
        appToken: Redacted.make(appToken),
        secretKey: Redacted.make(secretKey),
        webhookSecret: Redacted.make(webhookSecret),
        webhookUrl: `${reserved.url}/webhooks/${provider}`
      })
    )
    server = await startWithProviders(reserved, ["sandbox", provider], {
      SUMSUB_APP_TOKEN: appToken,
      SUMSUB_SECRET_KEY: secretKey,
      SUMSUB_LEVEL_NAME: SumsubTesting.levelName,
      SUMSUB_WEBHOOK_SECRET: webhookSecret,
      SUMSUB_BASE_URL: simulator.value.baseUrl
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await simulator?.close()
  })

  /**
   * Waits until the server has answered the simulator's webhook of `type` about the process's applicant (Sumsub's
   * `externalUserId` is the process id): the applicant's id and the server's answer.
   */
  const delivered = async (processId: string, type: string) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const deliveries = await Effect.runPromise(simulator.value.webhooks)
      for (const delivery of deliveries) {
        const event = JSON.parse(delivery.body) as Announcement
        if (event.externalUserId === processId && event.type === type && delivery.outcome !== "pending") {
          return { applicantId: event.applicantId, outcome: delivery.outcome }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return { applicantId: undefined, outcome: "never delivered" }
  }

  it("lists Sumsub among the providers, with its capabilities", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const listed = await alpha.call("GET", "/assure/providers")
    expect(listed.status).toBe(200)
    const { providers } = listed.json as { providers: Array<{ name: string }> }
    expect(providers.find((entry) => entry.name === provider)).toMatchObject({
      name: provider,
      source: { package: "@assure/sumsub" },
      specificationVersion: "1",
      capabilities: {
        documentImages: true,
        hostedFlow: true,
        webhooks: true,
        polling: true,
        selfie: false,
        redirect: false,
        cancel: false,
        endUserCancel: false
      }
    })
  })

  it("uploads the dossier's document to an applicant, and ends with Sumsub's signed GREEN review, normalised", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (
        await alpha.call("POST", "/assure/dossiers", {
          // The simulator's convention: this last name leaves the review to the test, as Sumsub's reviewers take
          // their time; what Sumsub reads from the document overrides it.
          userData: { firstName: "Erika", lastName: "Pending", dateOfBirth: "1964-08-12" }
        })
      ).json as { dossierId: string }
    ).dossierId
    const uploaded = await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, { front: jpeg, back: jpeg })
    expect(uploaded.status).toBe(201)
    const created = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider,
      processType: "document",
      processParameters: { [provider]: { idDocType: "ID_CARD", country: "DEU" } }
    })
    expect(created.status).toBe(201)
    const processId = (created.json as { processId: string }).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const verifying = await alpha.call("POST", `${processPath}/verify`, {})
    expect(verifying.status).toBe(200)
    expect((verifying.json as { status: string }).status).toBe("processing")

    // Sumsub checks the applicant; its reviewer approves it, and the signed webhook tells the server.
    const pending = await delivered(processId, "applicantPending")
    expect(pending.outcome).toBe(204)
    await Effect.runPromise(simulator.value.complete(pending.applicantId ?? "", "GREEN"))
    expect((await delivered(processId, "applicantReviewed")).outcome).toBe(204)
    // The server answered the webhook once it had the result: the process has ended already.
    const final = (await alpha.call("GET", processPath)).json as Record<string, unknown>
    expect(final.status).toBe("accepted")
    // What Sumsub read from the German identity card, over what was sent: alpha-3 countries, ISO dates, the address.
    expect(final.finalResult).toMatchObject({
      firstName: "ERIKA",
      lastName: "MUSTERMANN",
      dateOfBirth: "1964-08-12",
      nationality: "DEU",
      documentType: "idCard",
      documentNumber: "LZ6311T47",
      issuingCountry: "DEU",
      dateOfIssue: "2021-08-02",
      dateOfExpiry: "2031-08-01",
      address: { lines: ["HEIDESTRASSE 17"], postalCode: "51147", city: "KÖLN", country: "DEU" }
    })
    expect(JSON.stringify(final.providerSpecific)).toContain(pending.applicantId)

    // What Sumsub was sent, every request signed: the applicant for the level, both sides of the card, the check.
    const requests = await Effect.runPromise(simulator.value.requests)
    expect(requests.every((request) => /^[0-9a-f]{64}$/.test(request.headers["x-app-access-sig"] ?? ""))).toBe(true)
    const creation = requests.find(
      (request) => request.method === "POST" && request.url.startsWith("/resources/applicants?")
    )
    expect(new URLSearchParams(creation?.url.split("?")[1]).get("levelName")).toBe(SumsubTesting.levelName)
    expect(JSON.parse(creation?.body ?? "{}")).toMatchObject({
      externalUserId: processId,
      fixedInfo: { firstName: "Erika", lastName: "Pending", dob: "1964-08-12" }
    })
    const documents = requests.filter(
      (request) => request.url === `/resources/applicants/${pending.applicantId}/info/idDoc`
    )
    expect(documents.map((request) => /"idDocSubType":"(\w+)"/.exec(request.body)?.[1]).sort()).toEqual([
      "BACK_SIDE",
      "FRONT_SIDE"
    ])
    expect(documents.every((request) => request.body.includes('"country":"DEU"'))).toBe(true)
    expect(
      requests.some(
        (request) =>
          request.method === "POST" && request.url === `/resources/applicants/${pending.applicantId}/status/pending`
      )
    ).toBe(true)
  }, 30_000)

  it("sends the end-user through the WebSDK and back to the client, and ends a RED review as rejected", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (
        await alpha.call("POST", "/assure/dossiers", {
          // The simulator's convention: this last name makes the review RED (FINAL), labelled as a forgery.
          userData: { firstName: "Erika", lastName: "Red" }
        })
      ).json as { dossierId: string }
    ).dossierId
    const processId = (
      (await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, { provider, processType: "documentSelfie" }))
        .json as { processId: string }
    ).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const verifying = await alpha.call("POST", `${processPath}/verify`, { redirectUrl: "https://client.example/done" })
    expect(verifying.status).toBe(200)
    const answer = verifying.json as { status: string; redirectUrl: string }
    expect(answer.status).toBe("pending")
    expect(answer.redirectUrl.startsWith(`${simulator.value.baseUrl}/websdk/p/`)).toBe(true)

    // The end-user opens the WebSDK, then submits; Sumsub reviews and sends them back to the server.
    expect((await fetch(answer.redirectUrl, { redirect: "manual" })).status).toBe(200)
    const fromSumsub = await fetch(`${answer.redirectUrl}?submit=1`, { redirect: "manual" })
    expect(fromSumsub.status).toBe(302)
    expect(fromSumsub.headers.get("location")).toBe(`${server.url}/callbacks/${provider}?processId=${processId}`)
    const back = await fetch(fromSumsub.headers.get("location") ?? "", { redirect: "manual" })
    expect(back.status).toBe(302)
    const toClient = new URL(back.headers.get("location") ?? "")
    expect(`${toClient.origin}${toClient.pathname}`).toBe("https://client.example/done")
    expect(toClient.searchParams.get("processId")).toBe(processId)
    expect((await delivered(processId, "applicantReviewed")).outcome).toBe(204)

    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("rejected")
    expect(final.finalResult).toBeUndefined()
    expect(JSON.stringify(final.providerSpecific)).toContain("FORGERY")

    // The WebSDK link was made for this process's applicant, returning to the server's callback.
    const requests = await Effect.runPromise(simulator.value.requests)
    const link = requests.find((request) => request.url === "/resources/sdkIntegrations/levels/-/websdkLink")
    expect(JSON.parse(link?.body ?? "{}")).toMatchObject({
      levelName: SumsubTesting.levelName,
      userId: processId,
      redirect: { successUrl: `${server.url}/callbacks/${provider}?processId=${processId}` }
    })
  }, 30_000)

  it("refuses a webhook signed with another secret", async () => {
    const forged = await fetch(`${server.url}/webhooks/${provider}`, {
      method: "POST",
      headers: {
        "x-payload-digest": "0".repeat(64),
        "x-payload-digest-alg": "HMAC_SHA256_HEX",
        "content-type": "application/json"
      },
      body: JSON.stringify({ applicantId: "0123456789abcdef01234567", type: "applicantReviewed" })
    })
    expect(forged.status).toBe(401)
    expect(forged.headers.get("content-type")).toContain("application/problem+json")
  })
})
