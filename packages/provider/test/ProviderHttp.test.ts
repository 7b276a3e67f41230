import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"
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
  // 429s in every rate-limit spelling: the query names the header, the rest of the path its value.
  "/limited?ratelimit-reset": (_request, _body, response) => {
    response.writeHead(429, { "ratelimit-limit": "300", "ratelimit-remaining": "0", "ratelimit-reset": "53" })
    response.end()
  },
  "/limited?x-ratelimit-reset": (_request, _body, response) => {
    response.writeHead(429, { "x-ratelimit-limit": "100", "x-ratelimit-reset": "1700000045" })
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
    // Long enough for a loopback answer on a loaded two-core machine; /hang waits it out once.
    timeout: "2 seconds"
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

  it.effect("reads the delay of a 429 from RateLimit-Reset and from an epoch X-RateLimit-Reset (TestClock)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_000_000)
      const delayOf = (path: string) =>
        Effect.map(failureOf(path), (error) =>
          error.reason._tag === "RateLimited" ? error.reason.retryAfter : Duration.zero
        )
      assert.deepStrictEqual(yield* delayOf("/limited?ratelimit-reset"), Duration.seconds(53))
      assert.deepStrictEqual(yield* delayOf("/limited?x-ratelimit-reset"), Duration.seconds(45))
      yield* TestClock.adjust("40 seconds")
      assert.deepStrictEqual(yield* delayOf("/limited?x-ratelimit-reset"), Duration.seconds(5))
    })
  )

  describe("rateLimitDelay", () => {
    const now = DateTime.makeUnsafe(1_700_000_000_000)
    const delay = (headers: Record<string, string>, options?: ProviderHttp.RateLimitOptions) =>
      ProviderHttp.rateLimitDelay(headers, now, options)

    it("reads Retry-After as delta seconds or as an HTTP date", () => {
      assert.deepStrictEqual(delay({ "retry-after": "120" }), Duration.seconds(120))
      // 2023-11-14T22:13:50Z is 30 seconds after now.
      assert.deepStrictEqual(delay({ "retry-after": "Tue, 14 Nov 2023 22:13:50 GMT" }), Duration.seconds(30))
      assert.deepStrictEqual(delay({ "retry-after": "Tue, 14 Nov 2023 22:00:00 GMT" }), Duration.zero)
    })

    it("reads the IETF RateLimit field's t= of the exhausted policy", () => {
      assert.deepStrictEqual(delay({ ratelimit: '"default";r=0;t=30' }), Duration.seconds(30))
      assert.deepStrictEqual(
        delay({ ratelimit: '"burst";r=5;t=1, "daily";r=0;t=3600, "hourly";r=0;t=60' }),
        Duration.seconds(3600)
      )
      // No policy says it is exhausted: the longest reset.
      assert.deepStrictEqual(delay({ ratelimit: '"a,b";r=3;t=10, "c";t=20' }), Duration.seconds(20))
      // The -07 draft's dictionary.
      assert.deepStrictEqual(delay({ ratelimit: "limit=10, remaining=0, reset=12" }), Duration.seconds(12))
      assert.isUndefined(delay({ ratelimit: '"default";r=0' }))
    })

    it("reads RateLimit-Reset and X-RateLimit-Reset-After as delta seconds", () => {
      assert.deepStrictEqual(delay({ "ratelimit-reset": "53" }), Duration.seconds(53))
      assert.deepStrictEqual(delay({ "x-ratelimit-reset-after": "1.5" }), Duration.millis(1500))
    })

    it("reads X-RateLimit-Reset as the adapter declares it, or guesses nothing below 10^9 is an epoch", () => {
      const epoch = { "x-ratelimit-reset": "1700000045" }
      const delta = { "x-ratelimit-reset": "45" }
      assert.deepStrictEqual(delay(epoch), Duration.seconds(45))
      assert.deepStrictEqual(delay(delta), Duration.seconds(45))
      assert.deepStrictEqual(delay(epoch, { xRateLimitReset: "epochSeconds" }), Duration.seconds(45))
      assert.deepStrictEqual(delay(delta, { xRateLimitReset: "deltaSeconds" }), Duration.seconds(45))
      // Declared, the unit is not second-guessed: an epoch in the past is no wait.
      assert.deepStrictEqual(delay(delta, { xRateLimitReset: "epochSeconds" }), Duration.zero)
      assert.deepStrictEqual(
        delay({ "x-ratelimit-reset": "1699999990" }, { xRateLimitReset: "epochSeconds" }),
        Duration.zero
      )
    })

    it("prefers Retry-After, then RateLimit, RateLimit-Reset, X-RateLimit-Reset-After, X-RateLimit-Reset", () => {
      const all = {
        "retry-after": "1",
        ratelimit: '"default";r=0;t=2',
        "ratelimit-reset": "3",
        "x-ratelimit-reset-after": "4",
        "x-ratelimit-reset": "5"
      }
      const order = ["retry-after", "ratelimit", "ratelimit-reset", "x-ratelimit-reset-after", "x-ratelimit-reset"]
      for (const [index, name] of order.entries()) {
        const remaining = Object.fromEntries(Object.entries(all).filter(([key]) => order.indexOf(key) >= index))
        assert.deepStrictEqual(delay(remaining), Duration.seconds(index + 1), name)
      }
      // An unreadable header gives way to the next one.
      assert.deepStrictEqual(delay({ "retry-after": "soon", "x-ratelimit-reset": "9" }), Duration.seconds(9))
      assert.isUndefined(delay({ "retry-after": "soon", "x-ratelimit-reset": "-1" }))
      assert.isUndefined(delay({}))
    })
  })

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
