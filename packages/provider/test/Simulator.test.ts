// The simulator kit: a route table served on loopback with credential checks, recorded requests, pages of a hosted
// flow, and faults armed for the next requests or for one route — in every rate-limit header spelling.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { Webhook } from "../src/index.js"
import {
  LoopbackServer,
  Simulator,
  SimulatorAuth,
  SimulatorFault,
  SimulatorStore,
  SimulatorWebhooks,
  TestRequest
} from "../src/testing.js"

interface Thing {
  readonly id: string
  name: string
}

const apiKey = Redacted.make("sk_test_123")

/** A small vendor: things under /v2, a bearer token, its own 404 and refusal bodies, and a page. */
const vendor = Effect.gen(function* () {
  const things = SimulatorStore.make<Thing>({
    notFound: (id) => ({ status: 404, body: { error: { type: "not_found", id } } })
  })
  const simulator = yield* Simulator.make({
    basePath: "/v2",
    guard: SimulatorAuth.refuse(SimulatorAuth.bearer(apiKey), (verdict) => ({
      status: 401,
      body: { error: { type: verdict } }
    })),
    notFound: (request) => ({ status: 404, body: { error: { type: "no_route", path: request.path } } }),
    headers: () => ({ "x-request-id": "req_1" }),
    routes: [
      Simulator.post("/things", (request) =>
        Effect.gen(function* () {
          const body = request.json()
          if (typeof body !== "object" || body === null || !("name" in body) || typeof body.name !== "string") {
            return yield* Effect.fail({ status: 422, body: { error: { type: "validation_error" } } })
          }
          return { status: 201, body: things.insert({ id: SimulatorStore.prefixedId("thg"), name: body.name }) }
        })
      ),
      Simulator.get("/things/:id", (request) =>
        Effect.map(things.require(request.params.id), (thing) => ({ status: 200, body: thing }))
      ),
      Simulator.get("/public/status", () => Effect.succeed({ status: 200, body: { ok: true } }), { guard: null })
    ],
    pages: [
      Simulator.get("/flow/:id", (request) =>
        Effect.succeed(
          request.query.get("done") === null
            ? { status: 200, body: `Thing ${request.params.id}: add ?done=1` }
            : Simulator.redirect("https://app.example/return")
        )
      )
    ]
  })
  return { simulator, things }
})

const call = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { redirect: "manual", ...init })
    const text = await response.text()
    return { status: response.status, headers: response.headers, text }
  })

const authorized = { authorization: `Bearer ${Redacted.value(apiKey)}`, "content-type": "application/json" }

describe("Simulator.make", () => {
  it.live("routes by method and pattern under the base path, with params, refusals and the vendor's 404", () =>
    Effect.gen(function* () {
      const { simulator } = yield* vendor
      assert.strictEqual(simulator.baseUrl, `${simulator.origin}/v2`)

      const created = yield* call(`${simulator.baseUrl}/things`, {
        method: "POST",
        headers: authorized,
        body: JSON.stringify({ name: "Åse" })
      })
      assert.strictEqual(created.status, 201)
      assert.strictEqual(created.headers.get("content-type"), "application/json")
      assert.strictEqual(created.headers.get("x-request-id"), "req_1")
      const { id } = JSON.parse(created.text) as Thing
      assert.match(id, /^thg_[0-9a-f]{24}$/)

      const fetched = yield* call(`${simulator.baseUrl}/things/${encodeURIComponent(id)}`, { headers: authorized })
      assert.deepStrictEqual(JSON.parse(fetched.text), { id, name: "Åse" })

      const missing = yield* call(`${simulator.baseUrl}/things/thg_nope`, { headers: authorized })
      assert.strictEqual(missing.status, 404)
      assert.deepStrictEqual(JSON.parse(missing.text), { error: { type: "not_found", id: "thg_nope" } })

      const invalid = yield* call(`${simulator.baseUrl}/things`, { method: "POST", headers: authorized, body: "{}" })
      assert.strictEqual(invalid.status, 422)

      const wrongMethod = yield* call(`${simulator.baseUrl}/things/${id}`, { method: "DELETE", headers: authorized })
      assert.deepStrictEqual(JSON.parse(wrongMethod.text), {
        error: { type: "no_route", path: `/v2/things/${id}` }
      })
      // Outside the base path, nothing matches.
      const outside = yield* call(`${simulator.origin}/things/${id}`, { headers: authorized })
      assert.strictEqual(outside.status, 404)
    }).pipe(Effect.scoped)
  )

  it.live("checks credentials first, in the vendor's words, unless a route has no guard", () =>
    Effect.gen(function* () {
      const { simulator } = yield* vendor
      const none = yield* call(`${simulator.baseUrl}/things/x`)
      assert.strictEqual(none.status, 401)
      assert.deepStrictEqual(JSON.parse(none.text), { error: { type: "missing" } })
      const wrong = yield* call(`${simulator.baseUrl}/things/x`, { headers: { authorization: "Bearer sk_other" } })
      assert.deepStrictEqual(JSON.parse(wrong.text), { error: { type: "wrong" } })
      // An unknown route is refused too when the credential is wrong, as vendors do.
      const unknown = yield* call(`${simulator.baseUrl}/nowhere`)
      assert.strictEqual(unknown.status, 401)
      const open = yield* call(`${simulator.baseUrl}/public/status`)
      assert.strictEqual(open.status, 200)
    }).pipe(Effect.scoped)
  )

  it.live("records API requests, not page visits; pages are text and redirect", () =>
    Effect.gen(function* () {
      const { simulator } = yield* vendor
      yield* call(`${simulator.baseUrl}/things?expand[]=a`, {
        method: "POST",
        headers: authorized,
        body: '{"name":"a"}'
      })
      const page = yield* call(`${simulator.origin}/flow/t1`)
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.headers.get("content-type"), "text/plain; charset=utf-8")
      assert.strictEqual(page.text, "Thing t1: add ?done=1")
      const done = yield* call(`${simulator.origin}/flow/t1?done=1`)
      assert.strictEqual(done.status, 302)
      assert.strictEqual(done.headers.get("location"), "https://app.example/return")

      const requests = yield* simulator.requests
      assert.deepStrictEqual(
        requests.map((request) => [request.method, request.url, request.body, request.headers.authorization]),
        [["POST", "/v2/things?expand[]=a", '{"name":"a"}', authorized.authorization]]
      )
    }).pipe(Effect.scoped)
  )

  it.live("a fault armed for the next N requests meets them whatever they are, before the credential check", () =>
    Effect.gen(function* () {
      const { simulator } = yield* vendor
      yield* simulator.arm(SimulatorFault.status(503, { error: "down" }), { times: 2 })
      const first = yield* call(`${simulator.baseUrl}/nowhere`)
      const second = yield* call(`${simulator.baseUrl}/public/status`)
      const third = yield* call(`${simulator.baseUrl}/public/status`)
      assert.deepStrictEqual([first.status, second.status, third.status], [503, 503, 200])
      assert.strictEqual(first.text, '{"error":"down"}')
      assert.strictEqual(first.headers.get("x-request-id"), "req_1")
    }).pipe(Effect.scoped)
  )

  it.live("a fault armed for a route meets only that route's requests; disarm clears every fault", () =>
    Effect.gen(function* () {
      const { simulator } = yield* vendor
      yield* simulator.arm(SimulatorFault.malformed('{"id": "thg_'), { route: "GET /things/:id", times: Infinity })
      const other = yield* call(`${simulator.baseUrl}/public/status`)
      assert.strictEqual(other.status, 200)
      const first = yield* call(`${simulator.baseUrl}/things/a`, { headers: authorized })
      const second = yield* call(`${simulator.baseUrl}/things/b`, { headers: authorized })
      assert.deepStrictEqual([first.status, first.text, second.text], [200, '{"id": "thg_', '{"id": "thg_'])
      yield* simulator.disarm
      const cleared = yield* call(`${simulator.baseUrl}/things/a`, { headers: authorized })
      assert.strictEqual(cleared.status, 404)
    }).pipe(Effect.scoped)
  )

  it.live("a timeout fault never answers", () =>
    Effect.gen(function* () {
      const { simulator } = yield* vendor
      yield* simulator.arm(SimulatorFault.timeout)
      const outcome = yield* Effect.promise(() =>
        fetch(`${simulator.baseUrl}/public/status`, { signal: AbortSignal.timeout(300) }).then(
          (response) => `answered ${response.status}`,
          (error: unknown) => (error instanceof Error ? error.name : "failed")
        )
      )
      assert.strictEqual(outcome, "TimeoutError")
      const after = yield* call(`${simulator.baseUrl}/public/status`)
      assert.strictEqual(after.status, 200)
    }).pipe(Effect.scoped)
  )

  it.effect("a 429 says when to come back in each rate-limit spelling, by the clock", () =>
    Effect.gen(function* () {
      // 2026-10-21T07:28:00Z
      yield* TestClock.setTime(Date.UTC(2026, 9, 21, 7, 28, 0))
      const { simulator } = yield* vendor
      const seen: Array<[string, string | null, string | null, string | null, string]> = []
      for (const spelling of SimulatorFault.rateLimitSpellings) {
        yield* simulator.arm(SimulatorFault.rateLimited({ spelling, seconds: 30, body: { error: "slow down" } }))
        const answer = yield* call(`${simulator.baseUrl}/public/status`)
        assert.strictEqual(answer.status, 429)
        seen.push([
          spelling,
          answer.headers.get("retry-after"),
          answer.headers.get("ratelimit-reset"),
          answer.headers.get("x-ratelimit-reset"),
          answer.text
        ])
      }
      const body = '{"error":"slow down"}'
      assert.deepStrictEqual(seen, [
        ["retryAfterSeconds", "30", null, null, body],
        ["retryAfterDate", "Wed, 21 Oct 2026 07:28:30 GMT", null, null, body],
        ["rateLimitReset", null, "30", null, body],
        ["xRateLimitResetEpoch", null, null, String(Date.UTC(2026, 9, 21, 7, 28, 30) / 1000), body],
        ["xRateLimitResetDelta", null, null, "30", body]
      ])
    }).pipe(Effect.scoped)
  )

  it("vendorFailures answers the conformance suite's six failures in the vendor's words", () => {
    const failures = SimulatorFault.vendorFailures({
      unauthorized: { status: 401, body: { error: "unauthorized" } },
      rateLimited: { error: "rate" },
      unavailable: { error: "down" },
      successStatus: 201,
      malformedJson: '{"id": ',
      schemaInvalid: { id: 42 }
    })
    assert.deepStrictEqual(
      failures.unauthorized,
      SimulatorFault.answer({ status: 401, body: { error: "unauthorized" } })
    )
    assert.deepStrictEqual(failures.rateLimited, {
      _tag: "RateLimited",
      spelling: "retryAfterSeconds",
      seconds: 2,
      status: 429,
      body: { error: "rate" }
    })
    assert.deepStrictEqual(failures.unavailable, SimulatorFault.status(503, { error: "down" }))
    assert.deepStrictEqual(failures.timeout, SimulatorFault.timeout)
    assert.deepStrictEqual(failures.malformedJson, SimulatorFault.answer({ status: 201, body: '{"id": ' }))
    assert.deepStrictEqual(failures.schemaInvalid, SimulatorFault.status(201, { id: 42 }))
  })
})

describe("Simulator.match", () => {
  it("matches literal segments and decodes parameters; a parameter is never empty", () => {
    assert.deepStrictEqual(Simulator.match("/checks/:id", "/checks/a%2Fb"), { id: "a/b" })
    assert.deepStrictEqual(Simulator.match("/sessions/:id/media", "/sessions/s1/media"), { id: "s1" })
    assert.strictEqual(Simulator.match("/sessions/:id/media", "/sessions/s1/decision"), undefined)
    assert.strictEqual(Simulator.match("/checks/:id", "/checks/"), undefined)
    assert.strictEqual(Simulator.match("/checks/:id", "/checks/a/b"), undefined)
    assert.strictEqual(Simulator.match("/checks/:id", "/checks/%E0%A4%A"), undefined)
  })
})

describe("Simulator.route", () => {
  it.live("types a handler's parameters from the pattern and hands it the matched values", () =>
    Effect.gen(function* () {
      const simulator = yield* Simulator.make({
        notFound: () => ({ status: 404, body: "" }),
        routes: [
          // `request.params` is `{ id: string } & { mediaId: string }`: no `?? ""` needed.
          Simulator.get("/sessions/:id/media/:mediaId", (request) =>
            Effect.succeed({ status: 200, body: { session: request.params.id, media: request.params.mediaId } })
          )
        ]
      })
      const answer = yield* call(`${simulator.baseUrl}/sessions/s%201/media/m1`)
      assert.deepStrictEqual(JSON.parse(answer.text), { session: "s 1", media: "m1" })
    }).pipe(Effect.scoped)
  )
})

describe("SimulatorAuth", () => {
  const request = (headers: Record<string, string>, text = ""): Simulator.Request => ({
    method: "POST",
    url: "/v1/sessions/s1",
    path: "/v1/sessions/s1",
    query: new URLSearchParams(),
    headers,
    body: new TextEncoder().encode(text),
    text,
    params: { id: "s1" },
    origin: "http://127.0.0.1:1",
    json: () => undefined,
    form: () => Effect.succeed(undefined)
  })

  it.effect("tells a missing credential from a wrong one, for each scheme", () =>
    Effect.gen(function* () {
      const password = Redacted.make("pa:ss")
      const verdicts = yield* Effect.forEach(
        [
          [SimulatorAuth.bearer(apiKey), {}],
          [SimulatorAuth.bearer(apiKey), { authorization: "Bearer sk_test_12" }],
          [SimulatorAuth.bearer(apiKey), { authorization: "Bearer sk_test_123" }],
          [SimulatorAuth.basic("user", password), { authorization: `Basic ${btoa("user:pa:ss")}` }],
          [SimulatorAuth.basic("user", password), { authorization: `Basic ${btoa("user:pass")}` }],
          [SimulatorAuth.apiKey("X-AUTH-CLIENT", apiKey), { "x-auth-client": "sk_test_123" }],
          [SimulatorAuth.apiKey("authorization", apiKey, { prefix: "Token token=" }), { authorization: "sk_test_123" }]
        ] as const,
        ([check, headers]) => check(request(headers))
      )
      assert.deepStrictEqual(verdicts, ["missing", "wrong", undefined, undefined, "wrong", undefined, "wrong"])
    })
  )

  it.effect("a signed-request hook sees the request and the signature; optional lets unsigned requests pass", () =>
    Effect.gen(function* () {
      const secret = Redacted.make("shared")
      const verify = (seen: Simulator.Request, signature: string) =>
        Effect.map(
          Webhook.sign({ algorithm: "SHA-256", encoding: "hex", secret, payload: seen.params.id ?? "" }),
          (expected) => SimulatorAuth.sameSecret(signature, expected)
        )
      const required = SimulatorAuth.signed({ header: "X-HMAC-SIGNATURE", verify })
      const optional = SimulatorAuth.signed({ header: "x-hmac-signature", verify, optional: true })
      const good = yield* Webhook.sign({ algorithm: "SHA-256", encoding: "hex", secret, payload: "s1" })
      assert.deepStrictEqual(
        [
          yield* required(request({})),
          yield* required(request({ "x-hmac-signature": good })),
          yield* required(request({ "x-hmac-signature": "00" })),
          yield* optional(request({})),
          yield* optional(request({ "x-hmac-signature": "00" }))
        ],
        ["missing", undefined, "wrong", undefined, "wrong"]
      )
    })
  )

  it.effect("every runs guards in turn and answers the first refusal", () =>
    Effect.gen(function* () {
      const guard = SimulatorAuth.every(
        SimulatorAuth.refuse(SimulatorAuth.apiKey("x-auth-client", apiKey), (verdict) => ({
          status: 401,
          body: verdict === "missing" ? "1801" : "1803"
        })),
        SimulatorAuth.refuse(SimulatorAuth.apiKey("x-second", apiKey), { status: 403, body: "second" })
      )
      const refusal = (headers: Record<string, string>) => Effect.flip(guard(request(headers)))
      assert.strictEqual((yield* refusal({})).body, "1801")
      assert.strictEqual((yield* refusal({ "x-auth-client": "no" })).body, "1803")
      assert.strictEqual((yield* refusal({ "x-auth-client": "sk_test_123" })).body, "second")
      yield* guard(request({ "x-auth-client": "sk_test_123", "x-second": "sk_test_123" }))
    })
  )
})

describe("SimulatorStore", () => {
  it.effect("keeps resources by id in insertion order, and refuses an unknown id with the vendor's 404", () =>
    Effect.gen(function* () {
      const store = SimulatorStore.make<Thing>()
      const a = store.insert({ id: "a", name: "first" })
      store.insert({ id: "b", name: "second" })
      a.name = "changed"
      assert.deepStrictEqual(store.get("a"), { id: "a", name: "changed" })
      assert.deepStrictEqual(
        store.all().map((thing) => thing.id),
        ["a", "b"]
      )
      assert.deepStrictEqual(store.filter((thing) => thing.name === "second").length, 1)
      assert.strictEqual(store.find((thing) => thing.name === "changed")?.id, "a")
      store.remove("a")
      assert.strictEqual(store.get("a"), undefined)
      const refusal = yield* Effect.flip(store.require("a"))
      assert.strictEqual(refusal.status, 404)
      assert.strictEqual((yield* store.require("b")).name, "second")
      assert.match(SimulatorStore.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    })
  )
})

describe("SimulatorWebhooks", () => {
  const secret = Redacted.make("whsec_test")
  const sign = SimulatorWebhooks.hmacHeader({
    header: "X-Signature",
    algorithm: "SHA-256",
    encoding: "hex",
    secret,
    headers: { "user-agent": "Vendor-Webhooks" }
  })

  it.live("signs events with the scheme, delivers them in the background, and records what the receiver said", () =>
    Effect.gen(function* () {
      const received: Array<Simulator.Request> = []
      const receiver = yield* Simulator.make({
        notFound: () => ({ status: 404, body: "" }),
        routes: [
          Simulator.post("/hooks", (request) =>
            Effect.sync(() => {
              received.push(request)
              return { status: 204, body: "" }
            })
          )
        ]
      })
      const webhooks = yield* SimulatorWebhooks.make({ url: `${receiver.origin}/hooks`, sign })
      const request = yield* webhooks.send({ type: "verification.completed", id: "ver_1" })
      const body = '{"type":"verification.completed","id":"ver_1"}'
      assert.strictEqual(new TextDecoder().decode(request.rawBody), body)
      yield* Webhook.verify({
        provider: "vendor",
        algorithm: "SHA-256",
        encoding: "hex",
        secrets: [secret],
        payload: request.rawBody,
        signature: request.headers["x-signature"]
      })
      // A second event elsewhere, with another scheme; and one to a receiver that is down.
      yield* webhooks.send("raw text", {
        url: `${receiver.origin}/elsewhere`,
        sign: (text) => Effect.succeed({ headers: { "x-other": "1" }, rawBody: new TextEncoder().encode(text) })
      })
      yield* webhooks.send({}, { url: "http://127.0.0.1:1/down" })

      const settled = yield* webhooks.deliveries.pipe(
        Effect.repeat({ until: (all) => all.every((delivery) => delivery.outcome !== "pending") }),
        Effect.timeout("5 seconds")
      )
      assert.deepStrictEqual(
        settled.map((delivery) => [delivery.url?.replace(receiver.origin, ""), delivery.body, delivery.outcome]),
        [
          ["/hooks", body, 204],
          ["/elsewhere", "raw text", 404],
          ["http://127.0.0.1:1/down", "{}", "unreachable"]
        ]
      )
      assert.strictEqual(received[0]?.text, body)
      assert.strictEqual(received[0]?.headers["x-signature"], request.headers["x-signature"])
      assert.strictEqual(received[0]?.headers["user-agent"], "Vendor-Webhooks")
    }).pipe(Effect.scoped)
  )

  it.effect("without a URL, webhooks are only returned and recorded; sign neither sends nor records", () =>
    Effect.gen(function* () {
      const webhooks = yield* SimulatorWebhooks.make({ sign })
      yield* webhooks.send({ n: 1 })
      const signed = yield* webhooks.sign({ n: 2 })
      assert.strictEqual(new TextDecoder().decode(signed.rawBody), '{"n":2}')
      assert.deepStrictEqual(
        (yield* webhooks.deliveries).map((delivery) => [delivery.url, delivery.body, delivery.outcome]),
        [[undefined, '{"n":1}', "undelivered"]]
      )
    }).pipe(Effect.scoped)
  )
})

describe("a real implementation behind the simulator (LoopbackServer.handOver)", () => {
  /** Another library's Node handler: reads the body itself and answers with two cookies and a redirect. */
  const foreign: LoopbackServer.NodeHandler = (request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      response.writeHead(303, { location: "/next", "set-cookie": ["a=1; Path=/", "b=2; Path=/"] })
      response.end(`${request.method} ${request.url} ${Buffer.concat(chunks).toString("utf8")}`)
    })
  }

  it.live("answers through the handler, body unread, after recording the request and meeting armed faults", () =>
    Effect.gen(function* () {
      const forward = () => Effect.succeed(LoopbackServer.handOver(foreign))
      const simulator = yield* Simulator.make({
        routes: [Simulator.post("/token", forward)],
        notFound: () => LoopbackServer.handOver(foreign)
      })
      const post = (path: string) =>
        Effect.promise(() =>
          fetch(`${simulator.origin}${path}`, {
            method: "POST",
            redirect: "manual",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "code=abc&code_verifier=xyz"
          })
        )
      yield* simulator.arm(SimulatorFault.status(503, "down"), { route: "POST /token" })

      const faulted = yield* post("/token")
      assert.deepStrictEqual([faulted.status, yield* Effect.promise(() => faulted.text())], [503, "down"])

      for (const path of ["/token", "/anything/else?x=1"]) {
        const answered = yield* post(path)
        assert.strictEqual(answered.status, 303)
        assert.strictEqual(answered.headers.get("location"), "/next")
        assert.deepStrictEqual(answered.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"])
        assert.strictEqual(yield* Effect.promise(() => answered.text()), `POST ${path} code=abc&code_verifier=xyz`)
      }
      assert.deepStrictEqual(
        (yield* simulator.requests).map((request) => [request.url, request.body]),
        [
          ["/token", "code=abc&code_verifier=xyz"],
          ["/token", "code=abc&code_verifier=xyz"],
          ["/anything/else?x=1", "code=abc&code_verifier=xyz"]
        ]
      )
    }).pipe(Effect.scoped)
  )
})

describe("TestRequest", () => {
  it("makes fresh ids around the chosen parts", () => {
    const first = TestRequest.start({ processType: "document", returnUrl: "https://app.example/return" })
    const second = TestRequest.start({ processType: "document", parameters: { a: 1 } })
    assert.notStrictEqual(first.idempotencyKey, second.idempotencyKey)
    assert.strictEqual(first.dossierId, `d-${first.idempotencyKey}`)
    assert.strictEqual(first.processId, `p-${first.idempotencyKey}`)
    assert.deepStrictEqual(
      [first.parameters, first.files, first.returnUrl, "userData" in first],
      [{}, [], "https://app.example/return", false]
    )
    assert.deepStrictEqual(second.parameters, { a: 1 })
    const jpeg = TestRequest.jpeg(4096)
    assert.deepStrictEqual([jpeg.length, jpeg[0], jpeg[1], jpeg[4094], jpeg[4095]], [4096, 0xff, 0xd8, 0xff, 0xd9])
  })
})
