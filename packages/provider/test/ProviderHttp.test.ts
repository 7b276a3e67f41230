import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClientRequest } from "effect/http"
import { afterAll, beforeAll } from "vitest"
import { ProviderHttp, Webhook } from "../src/index.js"

/** A stand-in vendor on loopback: each path answers one way a real vendor can. */
const routes: Record<string, (request: IncomingMessage, body: string, response: ServerResponse) => void> = {
  "/ok": (request, body, response) => {
    response.writeHead(200, { "content-type": "application/json", "x-request-id": "req-ok" })
    response.end(
      JSON.stringify({
        id: "app_1",
        extra: "kept in raw",
        seen: {
          userAgent: request.headers["user-agent"],
          authorization: request.headers.authorization,
          signature: request.headers["x-signature"],
          body
        }
      })
    )
  },
  "/unauthorized": (_request, _body, response) => {
    response.writeHead(401, { "x-request-id": "req-401" })
    response.end('{"error":{"type":"authorization_error","message":"token secret-token-value is invalid"}}')
  },
  "/missing": (_request, _body, response) => {
    response.writeHead(404)
    response.end("{}")
  },
  "/invalid": (_request, _body, response) => {
    response.writeHead(422, { "content-type": "application/json" })
    response.end(
      JSON.stringify({
        error: { type: "validation_error", fields: { email: ["is invalid"], first_name: ["can't be blank"] } }
      })
    )
  },
  "/slow-down": (_request, _body, response) => {
    response.writeHead(429, { "retry-after": "7" })
    response.end()
  },
  "/down": (_request, _body, response) => {
    response.writeHead(503)
    response.end("<html>maintenance</html>")
  },
  "/hang": () => {
    // never answers
  },
  "/not-json": (_request, _body, response) => {
    response.writeHead(200, { "content-type": "application/json" })
    response.end('{"id": "app_1",')
  },
  "/wrong-shape": (_request, _body, response) => {
    response.writeHead(200, { "content-type": "application/json" })
    response.end('{"id": 42}')
  }
}

let server: Server
let baseUrl: string
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk) => {
      body += chunk
    })
    request.on("end", () => routes[request.url ?? ""]?.(request, body, response))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

const Applicant = Schema.Struct({ id: Schema.String })
const apiToken = Redacted.make("secret-token-value")

const client = Effect.suspend(() =>
  ProviderHttp.make({
    provider: "vendor",
    baseUrl,
    userAgent: "assure-vendor/1.2.3",
    authorize: HttpClientRequest.setHeader("authorization", `Token token=${Redacted.value(apiToken)}`),
    sign: (request, body) =>
      Effect.map(
        Webhook.sign({ algorithm: "SHA-256", encoding: "hex", secret: Redacted.make("signing"), payload: body }),
        (signature) => HttpClientRequest.setHeader(request, "x-signature", signature)
      ),
    invalidFields: (body) => {
      const fields = (body as { error?: { fields?: Record<string, ReadonlyArray<string>> } }).error?.fields ?? {}
      return Object.entries(fields).map(([name, reasons]) => ({ name, reason: reasons.join(", ") }))
    },
    timeout: "300 millis"
  })
).pipe(Effect.provide(FetchHttpClient.layer))

const failureOf = (path: string) =>
  Effect.flatMap(client, (http) => Effect.flip(http.json(HttpClientRequest.get(path), Applicant)))

describe("ProviderHttp", () => {
  it.live("sends authorized, signed requests with the User-Agent and keeps the raw body", () =>
    Effect.gen(function* () {
      const http = yield* client
      const response = yield* http.json(
        HttpClientRequest.post("/ok").pipe(HttpClientRequest.bodyJsonUnsafe({ a: 1 })),
        Applicant
      )
      assert.deepStrictEqual(response.body, { id: "app_1" })
      assert.strictEqual(response.requestId, "req-ok")
      const seen = (response.raw as { seen: Record<string, string> }).seen
      assert.strictEqual(seen.userAgent, "assure-vendor/1.2.3")
      assert.strictEqual(seen.authorization, "Token token=secret-token-value")
      assert.strictEqual(seen.body, '{"a":1}')
      const expected = yield* Webhook.sign({
        algorithm: "SHA-256",
        encoding: "hex",
        secret: Redacted.make("signing"),
        payload: '{"a":1}'
      })
      assert.strictEqual(seen.signature, expected)
      assert.strictEqual((response.raw as { extra: string }).extra, "kept in raw")
    })
  )

  it.live("classifies every failure into a reason, with the vendor's request id and no secret", () =>
    Effect.gen(function* () {
      const unauthorized = yield* failureOf("/unauthorized")
      assert.strictEqual(unauthorized.reason._tag, "Unauthorized")
      assert.strictEqual(unauthorized.requestId, "req-401")
      assert.isFalse(unauthorized.isRetryable)
      assert.notInclude(JSON.stringify(unauthorized), "secret-token-value")
      assert.notInclude(unauthorized.message, "secret-token-value")

      assert.strictEqual((yield* failureOf("/missing")).reason._tag, "NotFound")

      const invalid = yield* failureOf("/invalid")
      assert.strictEqual(invalid.reason._tag, "InvalidRequest")
      if (invalid.reason._tag === "InvalidRequest") {
        assert.deepStrictEqual(invalid.reason.fields, [
          { name: "email", reason: "is invalid" },
          { name: "first_name", reason: "can't be blank" }
        ])
      }

      const limited = yield* failureOf("/slow-down")
      assert.strictEqual(limited.reason._tag, "RateLimited")
      assert.isTrue(limited.isRetryable)
      if (limited.reason._tag === "RateLimited") assert.deepStrictEqual(limited.reason.retryAfter, Duration.seconds(7))

      const down = yield* failureOf("/down")
      assert.deepStrictEqual([down.reason._tag, down.isRetryable], ["Unavailable", true])

      const hung = yield* failureOf("/hang")
      assert.isTrue(hung.reason._tag === "Unavailable" && hung.reason.timedOut === true)

      const malformed = yield* failureOf("/not-json")
      assert.strictEqual(malformed.reason._tag, "InvalidResponse")

      const wrongShape = yield* failureOf("/wrong-shape")
      assert.strictEqual(wrongShape.reason._tag, "InvalidResponse")
      if (wrongShape.reason._tag === "InvalidResponse") assert.include(wrongShape.reason.issue, "id")
    })
  )

  it.live("reports a refused connection as Unavailable", () =>
    Effect.gen(function* () {
      const http = yield* ProviderHttp.make({ provider: "vendor", baseUrl: "http://127.0.0.1:1", userAgent: "x" })
      const error = yield* Effect.flip(http.json(HttpClientRequest.get("/ok"), Applicant))
      assert.strictEqual(error.reason._tag, "Unavailable")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = new Date("2024-05-01T10:00:00Z")
    assert.deepStrictEqual(ProviderHttp.retryAfter("120", DateTime.makeUnsafe(now)), Duration.seconds(120))
    assert.deepStrictEqual(
      ProviderHttp.retryAfter("Wed, 01 May 2024 10:00:30 GMT", DateTime.makeUnsafe(now)),
      Duration.millis(30_000)
    )
    assert.isUndefined(ProviderHttp.retryAfter("soon", DateTime.makeUnsafe(now)))
  })
})
