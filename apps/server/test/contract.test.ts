/**
 * The API's contract on the embedded store: the OpenAPI document is valid 3.1 and describes every route, retried POSTs
 * with an Idempotency-Key create nothing twice, clients are rate limited, and expired tokens are refused.
 */

import { PersonalDataCipher } from "@assure/engine"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Duration, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { apiClient, clients, type Running, startServer } from "./support/server.js"

/** Every route the server answers, as the README's compatibility table lists them. */
const routes = [
  "post /auth/open/connect/token",
  "post /assure/dossiers",
  "get /assure/dossiers",
  "get /assure/dossiers/{dossierId}",
  "delete /assure/dossiers/{dossierId}",
  "put /assure/dossiers/{dossierId}/userData",
  "get /assure/dossiers/{dossierId}/userData",
  "post /assure/dossiers/{dossierId}/files",
  "get /assure/dossiers/{dossierId}/files/{fileId}",
  "post /assure/dossiers/{dossierId}/processes",
  "get /assure/dossiers/{dossierId}/processes/{processId}",
  "delete /assure/dossiers/{dossierId}/processes/{processId}",
  "post /assure/dossiers/{dossierId}/processes/{processId}/files",
  "get /assure/dossiers/{dossierId}/processes/{processId}/files/{fileId}",
  "post /assure/dossiers/{dossierId}/processes/{processId}/verify",
  "post /assure/dossiers/{dossierId}/processes/{processId}/cancel",
  "get /assure/dossiers/{dossierId}/processes/{processId}/matching",
  "get /assure/{provider}/document-types",
  "get /assure/notifications",
  "post /assure/notifications/{notificationId}/redeliver",
  "post /webhooks/{provider}",
  "get /callbacks/{provider}",
  "get /health",
  "get /ready"
]

describe("the API contract", () => {
  let server: Running
  beforeAll(async () => {
    server = await startServer({ rateLimit: 5 })
  }, 60_000)
  afterAll(() => server?.stop())

  it("publishes a valid OpenAPI 3.1 document describing every route", async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json()
    const validator = new Validator()
    const result = await validator.validate(document)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe("3.1")
    const described = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`)
    )
    expect(described.sort()).toEqual([...routes].sort())
    const docs = await fetch(`${server.url}/docs`)
    expect(docs.status).toBe(200)
    // The docs page is served whole: the page pulls in no script or stylesheet from elsewhere.
    const html = await docs.text()
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/)
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/)
    expect(html).toContain("<script>")
  })

  it("replays a retried POST with the same Idempotency-Key, creating nothing twice", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const key = { "idempotency-key": `create-${globalThis.crypto.randomUUID()}` }
    const first = await alpha.call("POST", "/assure/dossiers", { externalReference: "once" }, key)
    const again = await alpha.call("POST", "/assure/dossiers", { externalReference: "once" }, key)
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.json).toEqual(first.json)
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    const listed = (await alpha.call("GET", "/assure/dossiers?limit=100")).json as {
      dossiers: Array<{ externalReference?: string }>
    }
    expect(listed.dossiers.filter((d) => d.externalReference === "once")).toHaveLength(1)
    const reused = await alpha.call(
      "POST",
      `/assure/dossiers/${(first.json as { dossierId: string }).dossierId}/processes`,
      { provider: "sandbox", processType: "document" },
      key
    )
    expect(reused.status).toBe(422)
    // The same key from another client is another request.
    const beta = await apiClient(server, clients.beta)
    expect((await beta.call("POST", "/assure/dossiers", {}, key)).headers.get("idempotent-replayed")).toBeNull()
  })

  it("limits each client's request rate, answering 429 with Retry-After", async () => {
    // Wait for the buckets to refill after the other tests.
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    const alpha = await apiClient(server, clients.alpha)
    const responses = await Promise.all(Array.from({ length: 20 }, () => alpha.call("GET", "/assure/dossiers?limit=1")))
    const limited = responses.filter((response) => response.status === 429)
    expect(limited.length).toBeGreaterThan(0)
    expect(responses.filter((response) => response.status === 200).length).toBeGreaterThanOrEqual(5)
    expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    expect(limited[0]?.headers.get("content-type")).toContain("application/problem+json")
  })

  it("refuses an expired token", async () => {
    const shortLived = await startServer({ tokenLifetime: Duration.seconds(1) })
    try {
      const alpha = await apiClient(shortLived, clients.alpha)
      expect((await alpha.call("GET", "/assure/dossiers")).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 2_100))
      const expired = await alpha.call("GET", "/assure/dossiers")
      expect(expired.status).toBe(401)
      expect((expired.json as { detail: string }).detail).toContain("expired")
    } finally {
      await shortLived.stop()
    }
  }, 20_000)
})

describe("an unexpected failure", () => {
  it("is a 500 problem with a trace id, never an empty answer", async () => {
    // Data sealed with one key, read by a server that has lost it: the engine cannot go on.
    const first = await startServer()
    const alpha = await apiClient(first, clients.alpha)
    const dossierId = (
      (await alpha.call("POST", "/assure/dossiers", { userData: { lastName: "Nordmann" } })).json as {
        dossierId: string
      }
    ).dossierId
    await first.stop()
    const second = await startServer({
      dataDirectory: first.settings.dataDirectory,
      encryptionKeys: [{ id: "other", key: Redacted.make(PersonalDataCipher.generateKey()) }]
    })
    try {
      const again = await apiClient(second, clients.alpha)
      const failed = await again.call("GET", `/assure/dossiers/${dossierId}`)
      expect(failed.status).toBe(500)
      expect(failed.headers.get("content-type")).toContain("application/problem+json")
      expect(failed.json).toMatchObject({ status: 500, instance: `/assure/dossiers/${dossierId}`, method: "GET" })
      expect((failed.json as { traceId?: string }).traceId).toMatch(/^[0-9a-f]+$/)
      expect(failed.text).not.toContain("Nordmann")
    } finally {
      await second.stop()
    }
  }, 60_000)
})
