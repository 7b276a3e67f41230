/**
 * A national eID through the API, configured as an operator would (ASSURE_PROVIDERS and the OIDC variables, the
 * Signicat preset, Norwegian BankID), against a real OpenID Provider on loopback: the end-user is sent to the broker,
 * logs in (or cancels), comes back to the server's callback, and is sent on to the client with the process ended.
 */
import { ProviderName } from "@assure/core"
import * as TestBroker from "@assure/oidc/testing"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finalProcess, reserveServerUrl, type Scoped, scoped, startWithProviders } from "./support/adapter.js"
import { apiClient, clients, type Running } from "./support/server.js"

const provider = ProviderName.ProviderName.make("oidc")

/** A Norwegian BankID user as Signicat releases them: names, birth date and the fødselsnummer in `nin`. */
const kari = {
  sub: "nbid-kari",
  claims: {
    given_name: "Kari",
    family_name: "Nordmann",
    birthdate: "1990-02-17",
    nin: "17029012345",
    nin_type: "BIRTH",
    nin_issuing_country: "NO"
  }
}

describe("the API with an OpenID Connect eID broker enabled", () => {
  let server: Running
  let broker: Scoped<TestBroker.TestBroker>

  beforeAll(async () => {
    const reserved = await reserveServerUrl()
    // Signicat puts the claims in userinfo, not in the ID token.
    broker = await scoped(
      TestBroker.make({
        users: [kari],
        redirectUris: [`${reserved.url}/callbacks/${provider}`],
        claimsInIdToken: false
      })
    )
    server = await startWithProviders(reserved, ["sandbox", provider], {
      OIDC_ISSUER: broker.value.issuer,
      OIDC_CLIENT_ID: broker.value.clientId,
      OIDC_CLIENT_SECRET: Redacted.value(broker.value.clientSecret),
      OIDC_PRESET: "signicat",
      OIDC_EID: "noBankId"
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await broker?.close()
  })

  /** Creates a dossier and an eID process, requests verification; the broker's authorization URL and the paths. */
  const startEid = async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const created = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider,
      processType: "eid"
    })
    expect(created.status).toBe(201)
    const processId = (created.json as { processId: string }).processId
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const verifying = await alpha.call("POST", `${processPath}/verify`, { redirectUrl: "https://client.example/done" })
    expect(verifying.status).toBe(200)
    const authorizationUrl = (verifying.json as { redirectUrl: string }).redirectUrl
    return { alpha, dossierId, processId, processPath, authorizationUrl }
  }

  /** The end-user's browser arriving at the server's callback: where the server sends them next. */
  const returnToServer = async (callbackUrl: string) => {
    expect(callbackUrl.startsWith(`${server.url}/callbacks/${provider}?`)).toBe(true)
    const back = await fetch(callbackUrl, { redirect: "manual" })
    expect(back.status).toBe(302)
    return new URL(back.headers.get("location") ?? "")
  }

  it("sends the end-user to BankID through the broker and back to the client, with the eID's identity normalised", async () => {
    const { alpha, processId, processPath, authorizationUrl } = await startEid()
    const authorization = new URL(authorizationUrl)
    expect(authorization.origin).toBe(broker.value.issuer)
    expect(authorization.searchParams.get("acr_values")).toBe("idp:nbid")
    expect(authorization.searchParams.get("code_challenge_method")).toBe("S256")

    const callbackUrl = await Effect.runPromise(broker.value.login(authorizationUrl, { user: kari.sub }))
    const toClient = await returnToServer(callbackUrl)
    expect(`${toClient.origin}${toClient.pathname}`).toBe("https://client.example/done")
    expect(Object.fromEntries(toClient.searchParams)).toMatchObject({ processId, status: "accepted" })

    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("accepted")
    expect(final.finalResult).toEqual({
      firstName: "Kari",
      lastName: "Nordmann",
      dateOfBirth: "1990-02-17",
      personalNumber: "17029012345",
      personalNumberType: "birth",
      personalNumberIssuingCountry: "NOR"
    })

    // The same callback again (a replayed code) changes nothing: the process is final.
    const replayed = await returnToServer(callbackUrl)
    expect(replayed.searchParams.get("status")).toBe("accepted")
  }, 30_000)

  it("ends the process as canceled when the end-user cancels at the broker", async () => {
    const { alpha, processPath, authorizationUrl } = await startEid()
    const callbackUrl = await Effect.runPromise(broker.value.login(authorizationUrl, { cancel: true }))
    const toClient = await returnToServer(callbackUrl)
    expect(toClient.searchParams.get("status")).toBe("canceled")
    expect((await finalProcess(alpha.call, processPath)).status).toBe("canceled")
  }, 30_000)

  it("ends the process as failed when the broker's ID token is signed with a key it never published", async () => {
    const { alpha, processPath, authorizationUrl } = await startEid()
    const callbackUrl = await Effect.runPromise(broker.value.login(authorizationUrl, { user: kari.sub }))
    await Effect.runPromise(broker.value.tamperNextIdToken("foreignKey"))
    const toClient = await returnToServer(callbackUrl)
    expect(toClient.searchParams.get("status")).toBe("failed")
    const final = await finalProcess(alpha.call, processPath)
    expect(final.status).toBe("failed")
    expect(final.finalResult).toBeUndefined()
  }, 30_000)

  it("answers a callback whose state names no process with a 404 problem", async () => {
    const forged = await fetch(`${server.url}/callbacks/${provider}?code=abc&state=not-a-state-we-issued`, {
      redirect: "manual"
    })
    expect(forged.status).toBe(404)
    expect(forged.headers.get("content-type")).toContain("application/problem+json")
  })
})
