/**
 * The API's contract on the embedded store: the OpenAPI document is valid 3.1 and describes every route, retried POSTs
 * with an Idempotency-Key create nothing twice, clients are rate limited, and expired tokens are refused.
 */
import { AssureApi } from "@assure/api/Api"
import { PersonalDataCipher } from "@assure/engine"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Duration, Exit, Redacted, Schema } from "effect"
import { HttpApi } from "effect/http-api"
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
  "post /assure/dossiers/{dossierId}/capture",
  "post /assure/dossiers/{dossierId}/processes",
  "get /assure/dossiers/{dossierId}/processes/{processId}",
  "delete /assure/dossiers/{dossierId}/processes/{processId}",
  "post /assure/dossiers/{dossierId}/processes/{processId}/files",
  "get /assure/dossiers/{dossierId}/processes/{processId}/files/{fileId}",
  "get /assure/dossiers/{dossierId}/processes/{processId}/full-result",
  "post /assure/dossiers/{dossierId}/processes/{processId}/verify",
  "post /assure/dossiers/{dossierId}/processes/{processId}/cancel",
  "get /assure/dossiers/{dossierId}/processes/{processId}/matching",
  "get /assure/providers",
  "get /assure/{provider}/document-types",
  "get /assure/notifications",
  "post /assure/notifications/{notificationId}/redeliver",
  "get /assure/routing/policy",
  "put /assure/routing/policy",
  "delete /assure/routing/policy",
  "get /assure/routing/circuits",
  "get /assure/audit",
  "post /webhooks/{provider}",
  "get /callbacks/{provider}",
  "get /health",
  "get /ready"
]

interface MediaType {
  readonly schema?: { readonly $ref?: string }
  readonly examples?: Record<string, { readonly summary?: string; readonly value: unknown }>
}
interface Operation {
  readonly operationId: string
  readonly summary?: string
  readonly description?: string
  readonly security?: ReadonlyArray<Record<string, unknown>>
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly in: string; readonly required: boolean }>
  readonly requestBody?: { readonly content: Record<string, MediaType> }
  readonly responses: Record<
    string,
    {
      readonly description: string
      readonly content?: Record<string, MediaType>
      readonly headers?: Record<string, { readonly required?: boolean }>
    }
  >
}

/** Every operation of the document, with its method and path. */
const operationsOf = (document: { paths: Record<string, Record<string, Operation>> }) =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ method, path, operation }))
  )

/** The schemas of each operation's payloads (by media type), successes and errors (by status), from the API itself. */
const schemasOf = () => {
  const byOperation = new Map<
    string,
    {
      readonly payload: ReadonlyMap<string, ReadonlyArray<Schema.Top>>
      readonly responses: ReadonlyMap<number, ReadonlyArray<Schema.Top>>
    }
  >()
  HttpApi.reflect(AssureApi, {
    onGroup: () => {},
    onEndpoint: ({ group, endpoint, successes, errors }) => {
      const id = group.topLevel ? endpoint.identifier : `${group.identifier}.${endpoint.identifier}`
      byOperation.set(id, {
        payload: new Map([...endpoint.payload].map(([type, { schemas }]) => [type, schemas])),
        responses: new Map([...successes, ...errors])
      })
    }
  })
  return byOperation
}

/** Whether `value` decodes with one of `schemas`, strictly: what a client would send or receive. */
const decodes = (schemas: ReadonlyArray<Schema.Top> | undefined, value: unknown) =>
  (schemas ?? []).some((schema) =>
    Exit.isSuccess(
      Schema.decodeUnknownExit(schema as unknown as Schema.Codec<unknown, unknown>)(value, {
        onExcessProperty: "error"
      })
    )
  )

const problemType = "application/problem+json"

/** The operations that call an identity provider, and so can answer 502 and 503. */
const callProviders = ["processes.verify", "processes.cancel", "account.documentTypes", "providers.callback"]

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

  it("documents every operation as a reference: what it does, examples, and every problem it answers", async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json()
    const schemas = schemasOf()
    const operations = operationsOf(document)
    expect(operations).toHaveLength(routes.length)
    for (const tag of document.tags as ReadonlyArray<{ name: string; description?: string }>) {
      expect(tag.description, tag.name).toMatch(/\w{3,}/)
    }
    for (const { method, path, operation } of operations) {
      const name = `${method} ${path}`
      const own = schemas.get(operation.operationId)
      expect(own, name).toBeDefined()
      expect(operation.summary, name).toMatch(/\w{3,}/)
      expect(operation.description?.length ?? 0, name).toBeGreaterThan(40)

      // Request and success examples, each one decoding with the operation's own schema.
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        for (const example of Object.values(media.examples ?? {})) {
          expect(decodes(own?.payload.get(type), example.value), `${name} request example`).toBe(true)
        }
      }
      if (operation.requestBody !== undefined) {
        const examples = Object.values(operation.requestBody.content).flatMap((media) =>
          Object.values(media.examples ?? {})
        )
        expect(examples.length, `${name} request examples`).toBeGreaterThan(0)
      }
      const successes = Object.entries(operation.responses).filter(([status]) => /^[23]/.test(status))
      expect(successes.length, name).toBeGreaterThan(0)
      for (const [status, response] of successes) {
        expect(response.description, `${name} ${status}`).not.toBe("<No Content>")
        const media = Object.entries(response.content ?? {})
        // Every body but a file's bytes (or a zip of them) has an example.
        for (const [type, content] of media.filter(
          ([type]) => type !== "application/octet-stream" && type !== "application/zip"
        )) {
          const examples = Object.values(content.examples ?? {})
          expect(examples.length, `${name} ${status} ${type} examples`).toBeGreaterThan(0)
          for (const example of examples) {
            expect(decodes(own?.responses.get(Number(status)), example.value), `${name} ${status} example`).toBe(true)
          }
        }
      }

      // The problems it answers, each as problem details with examples that decode as that problem.
      const authenticated = (operation.security ?? []).some((requirement) => "bearer" in requirement)
      const keyed = authenticated && method === "post"
      const expected = [400, 405, 408, 500]
      if (authenticated) expected.push(401, 429)
      if (path.includes("{")) expected.push(404)
      if (operation.requestBody !== undefined) expected.push(413, 415)
      if (keyed) expected.push(409, 422)
      if (callProviders.includes(operation.operationId)) expected.push(502, 503)
      const statuses = Object.keys(operation.responses)
        .filter((status) => /^[45]/.test(status))
        .map(Number)
      expect(statuses, name).toEqual(expect.arrayContaining(expected))
      if (!keyed) expect(statuses, name).not.toContain(422)
      for (const status of statuses) {
        const response = operation.responses[status] ?? { description: "" }
        expect(response.description.length, `${name} ${status}`).toBeGreaterThan(10)
        const media = response.content?.[problemType]
        expect(media?.schema?.$ref, `${name} ${status}`).toMatch(/^#\/components\/schemas\//)
        const examples = Object.values(media?.examples ?? {})
        expect(examples.length, `${name} ${status} examples`).toBeGreaterThan(0)
        for (const example of examples) {
          expect(example.value, `${name} ${status}`).toMatchObject({ status, type: expect.stringMatching(/^https:/) })
          expect(decodes(own?.responses.get(status), example.value), `${name} ${status} example`).toBe(true)
        }
      }

      // Idempotency-Key on every authenticated POST, optional; Retry-After where a client is told to wait.
      const key = operation.parameters.find((parameter) => parameter.name === "Idempotency-Key")
      expect(key?.in, name).toBe(keyed ? "header" : undefined)
      if (key !== undefined) expect(key.required, name).toBe(false)
      if (keyed) {
        expect(operation.responses[409]?.headers?.["Retry-After"], name).toBeDefined()
        expect(operation.responses[successes[0]?.[0] ?? ""]?.headers?.["Idempotent-Replayed"], name).toBeDefined()
      }
      if (authenticated) expect(operation.responses[429]?.headers?.["Retry-After"]?.required, name).toBe(true)
      if (statuses.includes(405)) expect(operation.responses[405]?.headers?.Allow, name).toBeDefined()
    }
    // Each problem's schema carries an example of itself.
    const components = document.components.schemas as Record<string, { examples?: ReadonlyArray<unknown> }>
    const problemSchemas = new Set(
      operations.flatMap(({ operation }) =>
        Object.values(operation.responses).flatMap((response) => response.content?.[problemType]?.schema?.$ref ?? [])
      )
    )
    expect(problemSchemas.size).toBe(14)
    for (const ref of problemSchemas) {
      expect(components[ref.replace("#/components/schemas/", "")]?.examples?.length, ref).toBe(1)
    }
  })

  it("takes an Idempotency-Key only as documented: optional, and checked by the server", async () => {
    const alpha = await apiClient(server, clients.alpha)
    expect((await alpha.call("POST", "/assure/dossiers", {})).status).toBe(201)
    expect((await alpha.call("GET", "/assure/dossiers?limit=1", undefined, { "idempotency-key": "any" })).status).toBe(
      200
    )
    const malformed = await alpha.call("POST", "/assure/dossiers", {}, { "idempotency-key": "has space" })
    expect(malformed.status).toBe(400)
    expect(malformed.json).toMatchObject({ code: "invalid_request_parameter" })
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
