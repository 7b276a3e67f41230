/**
 * No request a client can send makes the server fail on its side: fast-check drives random and mutated bodies,
 * paths, query strings and headers at every route of the OpenAPI document, authenticated or not, and every answer is
 * below 500 and, when an error, problem details. Run on both stores (PostgreSQL refuses what SQLite stores, NUL
 * first among them).
 */
import fc from "fast-check"
import { afterAll, beforeAll, expect, it } from "vitest"
import { apiClient, clients, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

const methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] as const

/** Percent-encodes, or — for text with an unpaired surrogate, which has no UTF-8 — sends the bytes one would be. */
const encode = (text: string) => {
  try {
    return encodeURIComponent(text)
  } catch {
    return "%ED%A0%80"
  }
}

/** Strings a client might send by mistake or on purpose: control characters, broken escapes, huge numbers, paths. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom(
    "\u0000",
    "%",
    "%E0%A4%A",
    "%00",
    "../../etc/passwd",
    "1e309",
    "-1",
    "NaN",
    "null",
    "{}",
    "[]",
    "\ud800",
    "dos_00000000000000000000000000",
    "a".repeat(5_000),
    "data:image/jpeg;base64,/9j/4AAQ",
    "http://169.254.169.254/latest/meta-data",
    "sandbox",
    "document"
  )
)

/** JSON values shaped like the API's bodies, with their fields mutated. */
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      externalReference: nasty,
      userData: fc.dictionary(
        fc.constantFrom("firstName", "lastName", "dateOfBirth", "nationality", "documentNumber", "sex", "x\u0000"),
        fc.oneof(nasty, fc.integer(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }))
      ),
      provider: nasty,
      processType: nasty,
      processParameters: fc.jsonValue({ maxDepth: 3 }),
      notificationUrl: nasty,
      authorizationHeader: nasty,
      redirectUrl: nasty,
      front: nasty
    },
    { requiredKeys: [] }
  )
)

const body = fc.oneof(
  jsonBody.map((value) => ({ text: JSON.stringify(value), type: "application/json" })),
  nasty.map((text) => ({ text, type: "application/json" })),
  nasty.map((text) => ({ text, type: "text/plain" })),
  nasty.map((text) => ({
    text: `--b\r\ncontent-disposition: form-data; name="front"\r\n\r\n${text}`,
    type: "multipart/form-data; boundary=b"
  })),
  nasty.map((text) => ({
    text: `grant_type=${encode(text)}&client_id=${text}`,
    type: "application/x-www-form-urlencoded"
  })),
  fc.constant(undefined)
)

const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) })

onEachStore("random and mutated requests", (store) => {
  let server: Running
  let token = ""
  let dossierId = ""
  let processId = ""
  let templates: ReadonlyArray<string> = []
  beforeAll(async () => {
    server = await startServer(await store())
    const alpha = await apiClient(server, clients.alpha)
    token = alpha.token
    dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    processId = (
      (
        await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
          provider: "sandbox",
          processType: "document"
        })
      ).json as { processId: string }
    ).processId
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> }
    templates = Object.keys(document.paths)
  }, 60_000)
  afterAll(() => server?.stop())

  it("never answers 5xx, and answers every error with problem details", async () => {
    const path = fc
      .tuple(
        fc.nat(),
        fc.array(fc.oneof(fc.constant("real"), nasty.map(encode), nasty), { maxLength: 3 }),
        fc.option(fc.string())
      )
      .map(([index, values, query]) => {
        // Each path parameter in turn takes the next generated value, or a real id where there is none.
        let next = 0
        const pick = (real: string) => {
          const value = values[next++]
          return value === undefined || value === "real"
            ? real
            : value.replaceAll("/", "%2F").replaceAll("?", "%3F").replaceAll("#", "%23")
        }
        const filled = (templates[index % templates.length] ?? "/")
          .replace("{dossierId}", pick(dossierId))
          .replace("{processId}", pick(processId))
          .replace("{fileId}", pick("fil_unknown"))
          .replace("{provider}", pick("sandbox"))
          .replace("{notificationId}", pick("ntf_unknown"))
        return query === null ? filled : `${filled}?${query.replaceAll("#", "%23")}`
      })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methods),
        path,
        body,
        fc.boolean(),
        fc.option(headerValue),
        fc.option(headerValue),
        async (method, target, sent, authenticated, idempotencyKey, authorization) => {
          const headers: Record<string, string> = {}
          if (authenticated) headers.authorization = `Bearer ${token}`
          else if (authorization !== null) headers.authorization = authorization
          if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey
          const withBody = sent !== undefined && method !== "GET" && method !== "HEAD"
          if (withBody) headers["content-type"] = sent.type
          const response = await fetch(`${server.url}${target}`, {
            method,
            headers,
            redirect: "manual",
            ...(withBody ? { body: sent.text } : {})
          })
          const text = await response.text()
          expect(response.status, `${method} ${target} → ${response.status}: ${text.slice(0, 300)}`).toBeLessThan(500)
          if (response.status >= 400 && method !== "HEAD") {
            expect(response.headers.get("content-type"), `${method} ${target}`).toContain("application/problem+json")
          }
        }
      ),
      { numRuns: 400 }
    )
  }, 180_000)
})
