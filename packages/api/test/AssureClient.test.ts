/**
 * The typed client against a tiny server on loopback that answers as an assure server does on the wire: a token for
 * the right client credentials sent as form fields, a dossier for a bearer token, and problem details otherwise.
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { AssureClient, Problems } from "../src/index.js"
import { token as issuedToken, newDossier } from "../src/internal/Examples.js"

const clientId = "test-client"
const clientSecret = "test-secret-value"
const accessToken = issuedToken.access_token

/** Every request the server saw: method, path, headers and body. */
const seen: Array<{ method: string; path: string; authorization: string | undefined; body: string }> = []

/** Problem details as the server writes them: the type of the problem's class, its title and status, and a code. */
const problem = (
  kind: "unauthorized" | "not-found" | "invalid-request-parameter",
  code: string,
  extra: Record<string, unknown> = {}
) => {
  const { status, title } = {
    unauthorized: { status: 401, title: "Unauthorized" },
    "not-found": { status: 404, title: "Not found" },
    "invalid-request-parameter": { status: 400, title: "Invalid request parameter" }
  }[kind]
  return {
    status,
    body: { type: `https://assure.dev/problems/${kind}`, title, status, code, traceId: "0123456789abcdef", ...extra }
  }
}

const answer = (request: IncomingMessage, body: string) => {
  const path = request.url ?? "/"
  if (request.method === "POST" && path === "/auth/open/connect/token") {
    const form = new URLSearchParams(body)
    return form.get("grant_type") === "client_credentials" &&
      form.get("client_id") === clientId &&
      form.get("client_secret") === clientSecret
      ? { status: 200, body: issuedToken }
      : problem("unauthorized", "invalid_client", {
          detail: "The client credentials are not valid",
          error: "invalid_client"
        })
  }
  if (request.headers.authorization !== `Bearer ${accessToken}`) {
    return problem("unauthorized", "invalid_token", { detail: "A valid bearer token is required" })
  }
  if (request.method === "POST" && path === "/assure/dossiers") return { status: 201, body: newDossier }
  if (request.method === "GET" && path === `/assure/dossiers/${newDossier.dossierId}`) {
    return { status: 200, body: newDossier }
  }
  if (request.method === "GET" && path.startsWith("/assure/dossiers?")) {
    return problem("invalid-request-parameter", "invalid_request_parameter", {
      invalidParams: [{ name: "query.limit", reason: "Expected a value between 1 and 100, got 1000" }]
    })
  }
  return problem("not-found", "not_found", { detail: `Nothing at ${path}` })
}

let server: Server
let baseUrl = ""

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ""
    request.setEncoding("utf8").on("data", (chunk: string) => {
      body += chunk
    })
    request.on("end", () => {
      seen.push({
        method: request.method ?? "",
        path: request.url ?? "",
        authorization: request.headers.authorization,
        body
      })
      const { status, body: json } = answer(request, body)
      response.writeHead(status, {
        "content-type": status >= 400 ? "application/problem+json" : "application/json"
      })
      response.end(JSON.stringify(json))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const credentials = () => ({ baseUrl, clientId, clientSecret: Redacted.make(clientSecret) })

describe("AssureClient", () => {
  it.effect("requests a token with client_secret_post and keeps it redacted", () =>
    Effect.gen(function* () {
      const issued = yield* AssureClient.requestToken(credentials())
      expect(Redacted.value(issued.token)).toBe(accessToken)
      expect(String(issued.token)).not.toContain(accessToken)
      expect(issued).toMatchObject({ tokenType: "Bearer", expiresIn: 600, scope: "signicat-api" })
      const sent = seen.findLast((request) => request.path === "/auth/open/connect/token")
      expect(Object.fromEntries(new URLSearchParams(sent?.body))).toEqual({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: clientSecret
      })
      expect(sent?.authorization).toBeUndefined()
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("answers wrong client credentials with a typed Unauthorized problem", () =>
    Effect.gen(function* () {
      const refused = yield* AssureClient.requestToken({ ...credentials(), clientSecret: Redacted.make("wrong") }).pipe(
        Effect.flip
      )
      expect(refused).toBeInstanceOf(Problems.Unauthorized)
      expect(refused).toMatchObject({
        _tag: "Unauthorized",
        status: 401,
        code: "invalid_client",
        error: "invalid_client"
      })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("sends the bearer token and decodes what the server answers", () =>
    Effect.gen(function* () {
      const client = yield* AssureClient.makeWithClientCredentials(credentials())
      const created = yield* client.dossiers.create({ payload: { externalReference: "customer-42" } })
      expect(created.dossierId).toBe(newDossier.dossierId)
      expect(created.userData?.dateOfBirth).toBe(newDossier.userData?.dateOfBirth)
      const read = yield* client.dossiers.get({ params: { dossierId: created.dossierId } })
      expect(read).toEqual(created)
      const sent = seen.findLast((request) => request.method === "POST" && request.path === "/assure/dossiers")
      expect(sent?.authorization).toBe(`Bearer ${accessToken}`)
      expect(JSON.parse(sent?.body ?? "")).toEqual({ externalReference: "customer-42" })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("turns problem details into the API's problem classes, with their members", () =>
    Effect.gen(function* () {
      const client = yield* AssureClient.make({ baseUrl, token: Redacted.make(accessToken) })
      const invalid = yield* client.dossiers.list({ query: { limit: 1000 } }).pipe(Effect.flip)
      expect(invalid).toBeInstanceOf(Problems.InvalidRequest)
      expect(invalid).toMatchObject({
        _tag: "InvalidRequest",
        status: 400,
        code: "invalid_request_parameter",
        traceId: "0123456789abcdef",
        invalidParams: [{ name: "query.limit", reason: "Expected a value between 1 and 100, got 1000" }]
      })
      const missing = yield* client.dossiers.get({ params: { dossierId: "nope" } }).pipe(Effect.flip)
      expect(missing).toMatchObject({ _tag: "NotFound", status: 404, detail: "Nothing at /assure/dossiers/nope" })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("without a token, an operation that needs one is Unauthorized", () =>
    Effect.gen(function* () {
      const client = yield* AssureClient.make({ baseUrl })
      const refused = yield* client.dossiers.get({ params: { dossierId: newDossier.dossierId } }).pipe(Effect.flip)
      expect(refused).toMatchObject({ _tag: "Unauthorized", code: "invalid_token" })
      expect(seen.at(-1)?.authorization).toBeUndefined()
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("provides the AssureClient service from a layer", () =>
    Effect.gen(function* () {
      const client = yield* AssureClient.AssureClient
      const read = yield* client.dossiers.get({ params: { dossierId: newDossier.dossierId } })
      expect(read.externalReference).toBe("customer-42")
    }).pipe(Effect.provide(AssureClient.layerClientCredentials(credentials())), Effect.provide(FetchHttpClient.layer))
  )
})
