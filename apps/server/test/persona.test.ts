/**
 * Persona through the API, configured as an operator would (ASSURE_PROVIDERS and Persona's variables), against the
 * Persona simulator: an inquiry run in Persona's hosted flow, moved on by the sandbox's simulate actions, each change
 * announced by Persona's signed webhook delivered to the server over HTTP; the end-user's return sent on to the
 * client; a decision awaited after completion; and cancellation.
 */
import { ProviderName } from "@assure/core"
import * as PersonaTesting from "@assure/persona/testing"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finalProcess, reserveServerUrl, type Scoped, scoped, startWithProviders } from "./support/adapter.js"
import { apiClient, clients, type Running } from "./support/server.js"

// A sandbox key: Persona allows simulate actions with `persona_sandbox_…` keys only.
const apiKey = "persona_sandbox_server_end_to_end"
const webhookSecret = "wbhsec_server_end_to_end"
const provider = ProviderName.ProviderName.make("persona")
// The simulator's convention: this last name leaves the inquiry `created` until the end-user or a simulate action
// moves it, as a real sandbox inquiry waits for its end-user.
const waiting = PersonaTesting.lastNameOf("waiting")

type Api = Awaited<ReturnType<typeof apiClient>>

describe("the API with Persona enabled", () => {
  let server: Running
  let simulator: Scoped<PersonaTesting.Simulator>

  beforeAll(async () => {
    const reserved = await reserveServerUrl()
    simulator = await scoped(
      PersonaTesting.make({
        apiKey: Redacted.make(apiKey),
        webhookSecret: Redacted.make(webhookSecret),
        webhookUrl: `${reserved.url}/webhooks/${provider}`
      })
    )
    server = await startWithProviders(reserved, ["sandbox", provider], {
      PERSONA_API_KEY: apiKey,
      PERSONA_WEBHOOK_SECRET: webhookSecret,
      PERSONA_INQUIRY_TEMPLATE_ID: PersonaTesting.templateId,
      PERSONA_BASE_URL: simulator.value.baseUrl,
      PERSONA_HOSTED_FLOW_URL: simulator.value.hostedFlowUrl
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await simulator?.close()
  })

  /** A dossier for the end-user and a started inquiry process: its path, and the hosted flow's URL. */
  const started = async (
    alpha: Api,
    options: { readonly parameters?: Record<string, unknown>; readonly redirectUrl?: string } = {}
  ) => {
    const dossierId = (
      (await alpha.call("POST", "/assure/dossiers", { userData: { firstName: "Erika", lastName: waiting } })).json as {
        dossierId: string
      }
    ).dossierId
    const created = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider,
      processType: "inquiry",
      ...(options.parameters === undefined ? {} : { processParameters: { [provider]: options.parameters } })
    })
    expect(created.status).toBe(201)
    const processId = (created.json as { processId: string }).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const verifying = await alpha.call(
      "POST",
      `${processPath}/verify`,
      options.redirectUrl === undefined ? {} : { redirectUrl: options.redirectUrl }
    )
    expect(verifying.status).toBe(200)
    const answer = verifying.json as { status: string; redirectUrl: string }
    expect(answer.status).toBe("pending")
    const hostedFlow = new URL(answer.redirectUrl)
    const inquiryId = hostedFlow.searchParams.get("inquiry-id") ?? ""
    expect(inquiryId).toMatch(/^inq_/)
    return { processId, processPath, hostedFlow, inquiryId }
  }

  /** What a sandbox user does in Persona's dashboard or API: moves the inquiry on with simulate actions. */
  const simulate = async (inquiryId: string, ...actions: ReadonlyArray<string>) => {
    const response = await fetch(`${simulator.value.baseUrl}/inquiries/${inquiryId}/perform-simulate-actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ meta: { "simulate-actions": actions.map((type) => ({ type })) } })
    })
    expect(response.status).toBe(200)
  }

  /** Waits until the server has answered the simulator's webhook for `event` about the inquiry; its status. */
  const delivered = async (inquiryId: string, event: string) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const deliveries = await Effect.runPromise(simulator.value.webhooks)
      const found = deliveries.find((delivery) => {
        const body = JSON.parse(delivery.body) as {
          data: { attributes: { name: string; payload: { data: { id: string } } } }
        }
        return body.data.attributes.name === event && body.data.attributes.payload.data.id === inquiryId
      })
      if (found !== undefined && found.outcome !== "pending") return found.outcome
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return "never delivered"
  }

  it("lists Persona among the providers, with its capabilities", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const listed = await alpha.call("GET", "/assure/providers")
    expect(listed.status).toBe(200)
    const { providers } = listed.json as { providers: Array<{ name: string }> }
    expect(providers.find((entry) => entry.name === provider)).toMatchObject({
      name: provider,
      source: { package: "@assure/persona" },
      specificationVersion: "1",
      capabilities: {
        hostedFlow: true,
        webhooks: true,
        polling: true,
        endUserCancel: true,
        cancel: true,
        documentImages: false,
        selfie: false,
        redirect: false
      }
    })
  })

  it("runs the hosted flow: the inquiry completes, Persona's signed webhook ends the process, the end-user returns", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const { processId, processPath, hostedFlow, inquiryId } = await started(alpha, {
      redirectUrl: "https://client.example/done"
    })
    // Persona's hosted flow, sent back to the server's callback for this process.
    expect(`${hostedFlow.origin}${hostedFlow.pathname}`).toBe(simulator.value.hostedFlowUrl)
    expect(hostedFlow.searchParams.get("redirect-uri")).toBe(
      `${server.url}/callbacks/${provider}?processId=${processId}`
    )

    // The end-user opens the flow and starts; nothing is decided yet.
    const opened = await fetch(hostedFlow, { redirect: "manual" })
    expect(opened.status).toBe(200)
    expect(await delivered(inquiryId, "inquiry.started")).toBe(204)
    expect(((await alpha.call("GET", processPath)).json as { status: string }).status).toBe("pending")

    // The inquiry completes; its webhook, answered by the server, has already ended the process.
    await simulate(inquiryId, "complete_inquiry")
    expect(await delivered(inquiryId, "inquiry.completed")).toBe(204)
    const final = (await alpha.call("GET", processPath)).json as Record<string, unknown>
    expect(final.status).toBe("accepted")
    // What Persona collected: the inquiry's fields and its passed government ID (alpha-2 country, ID class), normalised.
    expect(final.finalResult).toMatchObject({
      firstName: "Erika",
      lastName: waiting,
      dateOfBirth: "1964-08-12",
      documentNumber: "C01X00T47",
      documentType: "idCard",
      issuingCountry: "DEU",
      dateOfIssue: "2021-01-15",
      dateOfExpiry: "2031-01-14",
      address: { lines: ["Heidestrasse 17"], postalCode: "51147", city: "Köln", country: "DEU" }
    })
    expect(JSON.stringify(final.providerSpecific)).toContain(inquiryId)

    // Persona sends the end-user back to the server, which sends them on to the client.
    const fromPersona = await fetch(hostedFlow, { redirect: "manual" })
    expect(fromPersona.status).toBe(302)
    const back = await fetch(fromPersona.headers.get("location") ?? "", { redirect: "manual" })
    expect(back.status).toBe(302)
    const toClient = new URL(back.headers.get("location") ?? "")
    expect(`${toClient.origin}${toClient.pathname}`).toBe("https://client.example/done")
    expect(toClient.searchParams.get("processId")).toBe(processId)

    // What Persona was asked: an inquiry from the template, for this process, with the end-user's name prefilled.
    const requests = await Effect.runPromise(simulator.value.requests)
    const creation = requests.find(
      (request) => request.method === "POST" && request.url.endsWith("/inquiries") && request.body.includes(processId)
    )
    expect(creation?.headers.authorization).toBe(`Bearer ${apiKey}`)
    expect(JSON.parse(creation?.body ?? "{}")).toEqual({
      data: {
        attributes: {
          "inquiry-template-id": PersonaTesting.templateId,
          "reference-id": processId,
          fields: { "name-first": "Erika", "name-last": waiting }
        }
      }
    })
  }, 30_000)

  it("awaits the decision after completion, and ends a declined inquiry as rejected", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const { processPath, inquiryId } = await started(alpha, { parameters: { awaitDecision: true } })

    await simulate(inquiryId, "start_inquiry", "complete_inquiry")
    expect(await delivered(inquiryId, "inquiry.completed")).toBe(204)
    expect(((await alpha.call("GET", processPath)).json as { status: string }).status).toBe("processing")

    await simulate(inquiryId, "decline_inquiry")
    expect(await delivered(inquiryId, "inquiry.declined")).toBe(204)
    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("rejected")
    expect(final.finalResult).toBeUndefined()
    expect(JSON.stringify(final.providerSpecific)).toContain('"status":"declined"')
  }, 30_000)

  it("cancels a process by expiring its inquiry at Persona", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const { processPath, inquiryId } = await started(alpha)
    const canceled = await alpha.call("POST", `${processPath}/cancel`, {})
    expect(canceled.status).toBe(200)
    expect((canceled.json as { status: string }).status).toBe("canceled")
    expect(await Effect.runPromise(simulator.value.status(inquiryId))).toBe("expired")
  }, 30_000)

  it("refuses a forged Persona webhook", async () => {
    const forged = await fetch(`${server.url}/webhooks/${provider}`, {
      method: "POST",
      headers: {
        "persona-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}`,
        "content-type": "application/json"
      },
      body: JSON.stringify({ data: { type: "event", id: "evt_forged", attributes: { name: "inquiry.approved" } } })
    })
    expect(forged.status).toBe(401)
    expect(forged.headers.get("content-type")).toContain("application/problem+json")
  })
})
