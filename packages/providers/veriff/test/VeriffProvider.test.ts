// What the conformance suite leaves to the adapter: what it sends Veriff (checked against node:crypto signatures),
// both flows, the exact normalised values, Veriff's decision statuses, Veriff's errors, webhooks delivered over
// HTTP, and the configuration from the environment.
import { createHmac } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { IdentityData } from "@assure/core"
import { ProviderRegistry } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { VeriffClient, VeriffProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = "0b5d2c1e-7a4f-4e3b-9c8d-1f2e3d4c5b6a"
const sharedSecret = "provider-test-shared-secret"

const TestLayer = Testing.layerTest({
  apiKey: Redacted.make(apiKey),
  sharedSecret: Redacted.make(sharedSecret)
}).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))

const provider = ProviderRegistry.ProviderRegistry.use((registry) => registry.get(VeriffProvider.name))
const simulator = Testing.VeriffSimulator

const nodeHmac = (payload: string) => createHmac("sha256", sharedSecret).update(payload, "utf8").digest("hex")

/** Polls until the session leaves pending/processing, as the engine would. */
const settle = (reference: string, state?: { readonly flow: VeriffProvider.Flow }) =>
  Effect.gen(function* () {
    const registered = yield* provider
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = yield* registered.fetchResult({ reference, state })
      if (outcome.status !== "pending" && outcome.status !== "processing") return outcome
    }
    return yield* Effect.die(new Error("the session did not settle"))
  })

const outcomeOf = (decision: Testing.DecisionStatus) =>
  Effect.gen(function* () {
    const session = yield* (yield* provider).start(Testing.startRequest(decision))
    return yield* settle(session.reference, { flow: "upload" })
  })

const maria = {
  firstName: "MARI",
  lastName: "MAASIKAS",
  dateOfBirth: "1985-06-15",
  gender: "F",
  nationality: "EST",
  personalNumber: "48506150000",
  documentType: "passport",
  documentNumber: "KF0000001",
  issuingCountry: "EST",
  dateOfIssue: "2020-01-10",
  dateOfExpiry: "2030-01-09",
  // The simulator's parsed address: street and house number make one line, the unit another.
  address: { lines: ["Narva mnt 7", "12"], postalCode: "10117", city: "Tallinn", country: "EST" }
}

describe("VeriffProvider, hosted flow (documentSelfie)", () => {
  it.live("creates a session with the client's data and returns Veriff's url, signed as Veriff requires", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const request = Testing.startRequest("pending", "hosted")
      const session = yield* registered.start({
        ...request,
        userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({
          ...request.userData,
          dateOfBirth: "1985-06-15",
          gender: "X",
          documentType: "passport",
          documentNumber: "KF0000001",
          issuingCountry: "EST"
        }),
        parameters: { endUserId: "a1b2c35d-e8f7-4d5e-8cd2-a1b2c35db3d4" }
      })
      assert.strictEqual(session.status, "pending")
      assert.deepStrictEqual(session.state, { flow: "hosted" })
      assert.match(session.redirectUrl ?? "", /\/v\/[0-9a-f]{32}$/)
      const [sent] = yield* (yield* simulator).requests
      assert.strictEqual(sent?.method, "POST")
      assert.strictEqual(sent?.url, "/v1/sessions")
      assert.strictEqual(sent?.headers["x-auth-client"], apiKey)
      assert.strictEqual(sent?.headers["content-type"], "application/json")
      assert.strictEqual(sent?.headers["x-hmac-signature"], nodeHmac(sent?.body ?? ""))
      assert.deepStrictEqual(JSON.parse(sent?.body ?? ""), {
        verification: {
          callback: "https://app.example/return",
          // No gender: Veriff takes M or F only.
          person: { firstName: "Mari", lastName: "Maasikas", dateOfBirth: "1985-06-15" },
          document: { number: "KF0000001", type: "PASSPORT", country: "EE" },
          vendorData: request.processId,
          endUserId: "a1b2c35d-e8f7-4d5e-8cd2-a1b2c35db3d4"
        }
      })
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("stays pending until the end-user finishes at the hosted url, which sends them back", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("pending", "hosted"))
      assert.strictEqual(
        (yield* registered.fetchResult({ reference: session.reference, state: session.state })).status,
        "pending"
      )
      const page = yield* Effect.promise(() =>
        fetch(`${session.redirectUrl}?decision=approved`, { redirect: "manual" })
      )
      assert.strictEqual(page.status, 302)
      assert.strictEqual(page.headers.get("location"), "https://app.example/return")
      const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual<unknown>(outcome.finalResult, maria)
      assert.deepStrictEqual(outcome.checks, [{ name: "decision", outcome: "passed", detail: "9001" }])
      const decision = (yield* (yield* simulator).requests).find((sent) => sent.url.endsWith("/decision"))
      assert.strictEqual(decision?.method, "GET")
      assert.strictEqual(decision?.headers["x-hmac-signature"], nodeHmac(session.reference))
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("with Veriff's test names, a hosted session submitted at the url gets the name's decision", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("declined", "hosted"))
      const sim = yield* simulator
      assert.strictEqual(yield* sim.status(session.reference), "created")
      const opened = yield* Effect.promise(() => fetch(session.redirectUrl ?? ""))
      assert.strictEqual(opened.status, 200)
      assert.strictEqual(yield* sim.status(session.reference), "started")
      yield* Effect.promise(() => fetch(`${session.redirectUrl}?submit=1`, { redirect: "manual" }))
      assert.strictEqual(yield* sim.status(session.reference), "submitted")
      const outcome = yield* settle(session.reference, { flow: "hosted" })
      assert.strictEqual(outcome.status, "rejected")
      assert.strictEqual(outcome.reason, "102 Suspected document tampering")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a resubmission request leaves a hosted session pending: the end-user tries again at the same url", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("pending", "hosted"))
      yield* (yield* simulator).complete(session.reference, "resubmission_requested")
      const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(outcome.status, "pending")
      assert.isUndefined(outcome.reason)
      // The end-user's second attempt, at the same url.
      const retry = yield* Effect.promise(() =>
        fetch(`${session.redirectUrl}?decision=approved`, { redirect: "manual" })
      )
      assert.strictEqual(retry.status, 302)
      assert.strictEqual((yield* registered.fetchResult({ reference: session.reference })).status, "accepted")
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("VeriffProvider, headless flow (documentSelfieUpload)", () => {
  it.live("uploads front, back and selfie as media, submits, and polls the decision", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("approved"))
      assert.strictEqual(session.status, "processing")
      assert.isUndefined(session.redirectUrl)
      assert.deepStrictEqual(session.state, { flow: "upload" })
      const sent = yield* (yield* simulator).requests
      assert.deepStrictEqual(
        sent.map((request) => `${request.method} ${request.url}`),
        [
          "POST /v1/sessions",
          `POST /v1/sessions/${session.reference}/media`,
          `POST /v1/sessions/${session.reference}/media`,
          `POST /v1/sessions/${session.reference}/media`,
          `PATCH /v1/sessions/${session.reference}`
        ]
      )
      const media = sent.slice(1, 4).map((request) => JSON.parse(request.body).image)
      assert.deepStrictEqual(
        media.map((image) => image.context),
        ["document-front", "document-back", "face"]
      )
      assert.strictEqual(
        media[0].content,
        `data:image/jpeg;base64,${Buffer.from(Testing.sampleImage).toString("base64")}`
      )
      assert.notProperty(JSON.parse(sent[0]?.body ?? "").verification, "callback")
      assert.deepStrictEqual(JSON.parse(sent[4]?.body ?? ""), { verification: { status: "submitted" } })
      for (const request of sent.slice(1))
        assert.strictEqual(request.headers["x-hmac-signature"], nodeHmac(request.body))
      // Veriff takes a moment: no decision yet, then the decision.
      const first = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(first.status, "processing")
      assert.deepStrictEqual(first.checks, [])
      const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual<unknown>(outcome.finalResult, maria)
      const raw = outcome.providerSpecific.veriff as { readonly verification: { readonly id: string } }
      assert.strictEqual(raw.verification.id, session.reference)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("maps each decision, with Veriff's reason, and no identity data unless approved", () =>
    Effect.gen(function* () {
      const expected: ReadonlyArray<readonly [Testing.DecisionStatus, string, string]> = [
        ["declined", "rejected", "102 Suspected document tampering"],
        ["resubmission_requested", "inconclusive", "204 Poor image quality"],
        ["review", "inconclusive", "review"],
        ["expired", "canceled", "expired"],
        ["abandoned", "canceled", "abandoned"]
      ]
      for (const [decision, status, reason] of expected) {
        const outcome = yield* outcomeOf(decision)
        assert.strictEqual(outcome.status, status, decision)
        assert.strictEqual(outcome.reason, reason, decision)
        assert.isUndefined(outcome.finalResult)
      }
      const declined = yield* outcomeOf("declined")
      assert.deepStrictEqual(declined.checks, [{ name: "decision", outcome: "failed", detail: "9102" }])
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("refuses a missing front or selfie, or an unsupported file type, before calling Veriff", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const request = Testing.startRequest("approved")
      const error = yield* Effect.flip(
        registered.start({
          ...request,
          files: [{ kind: "back", mediaType: "image/gif", bytes: Testing.sampleImage }]
        })
      )
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.deepStrictEqual(
        error.reason._tag === "InvalidRequest" ? error.reason.fields.map((field) => field.name) : [],
        ["files.front", "files.back", "files.selfie"]
      )
      assert.lengthOf(yield* (yield* simulator).requests, 0)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a session submitted without a document front is asked to resubmit", () =>
    Effect.gen(function* () {
      const client = yield* VeriffClient.make({
        apiKey: Redacted.make(apiKey),
        sharedSecret: Redacted.make(sharedSecret),
        baseUrl: (yield* simulator).baseUrl
      })
      const created = yield* client.createSession({ verification: { person: { firstName: "Approve" } } })
      yield* client.submitSession(created.body.verification.id)
      const outcome = yield* settle(created.body.verification.id, { flow: "upload" })
      assert.strictEqual(outcome.status, "inconclusive")
      assert.strictEqual(outcome.reason, "201 Video and/or photos missing")
    }).pipe(Effect.provide(TestLayer), Effect.provide(FetchHttpClient.layer))
  )
})

describe("VeriffProvider status mapping", () => {
  it("covers every decision status of both flows, and codes for statuses Veriff adds later", () => {
    const upload = (status: string, code?: number) => VeriffProvider.statusOf({ status, code }, "upload")
    const hosted = (status: string, code?: number) => VeriffProvider.statusOf({ status, code }, "hosted")
    assert.strictEqual(VeriffProvider.statusOf(null, "hosted"), "pending")
    assert.strictEqual(VeriffProvider.statusOf(null, "upload"), "processing")
    for (const flow of [upload, hosted]) {
      assert.strictEqual(flow("approved"), "accepted")
      assert.strictEqual(flow("declined"), "rejected")
      assert.strictEqual(flow("review"), "inconclusive")
      assert.strictEqual(flow("expired"), "canceled")
      assert.strictEqual(flow("abandoned"), "canceled")
      assert.strictEqual(flow("something_new", 9001), "accepted")
      assert.strictEqual(flow("something_new", 9102), "rejected")
      assert.strictEqual(flow("something_new", 9104), "inconclusive")
      assert.strictEqual(flow("something_new"), "inconclusive")
    }
    assert.strictEqual(upload("resubmission_requested"), "inconclusive")
    assert.strictEqual(hosted("resubmission_requested"), "pending")
    assert.strictEqual(hosted("something_new", 9103), "pending")
    assert.strictEqual(VeriffProvider.flowOf(undefined), "hosted")
    assert.strictEqual(VeriffProvider.flowOf({ flow: "upload" }), "upload")
  })
})

describe("VeriffProvider errors", () => {
  it.live("a 400 keeps Veriff's code as the field's reason, and the request id", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const error = yield* Effect.flip(
        registered.start({ ...Testing.startRequest("pending", "hosted"), returnUrl: "http://app.example/return" })
      )
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.deepStrictEqual(error.reason._tag === "InvalidRequest" ? error.reason.fields : [], [
        { name: "verification.callback", reason: "1302 Only HTTPS return URLs are allowed." }
      ])
      assert.match(error.requestId ?? "", /^[0-9a-f-]{36}$/)
      assert.isFalse(error.isRetryable)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("an unknown session is NotFound; a wrong shared secret is Unauthorized; 429 keeps Retry-After", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const missing = yield* Effect.flip(registered.fetchResult({ reference: "00000000-0000-4000-8000-000000000000" }))
      assert.strictEqual(missing.reason._tag, "NotFound")
      yield* (yield* simulator).failNext("rateLimited")
      const limited = yield* Effect.flip(registered.fetchResult({ reference: "any" }))
      assert.isTrue(
        limited.reason._tag === "RateLimited" &&
          limited.reason.retryAfter !== undefined &&
          Duration.toSeconds(limited.reason.retryAfter) === 2
      )
      const wrongSecret = yield* VeriffClient.make({
        apiKey: Redacted.make(apiKey),
        sharedSecret: Redacted.make("not-the-shared-secret"),
        baseUrl: (yield* simulator).baseUrl
      })
      const unauthorized = yield* Effect.flip(wrongSecret.getDecision("00000000-0000-4000-8000-000000000000"))
      assert.strictEqual(unauthorized.reason._tag, "Unauthorized")
      assert.match(unauthorized.requestId ?? "", /^[0-9a-f-]{36}$/)
      assert.notInclude(String(unauthorized), "not-the-shared-secret")
      assert.notInclude(String(unauthorized), apiKey)
    }).pipe(Effect.provide(TestLayer), Effect.provide(FetchHttpClient.layer))
  )

  it("reads the fields of Veriff's error bodies", () => {
    assert.deepStrictEqual(
      VeriffClient.invalidFields({ status: "fail", code: "1401", message: "Image is not in valid base64." }),
      [{ name: "image.content", reason: "1401 Image is not in valid base64." }]
    )
    assert.deepStrictEqual(
      VeriffClient.invalidFields({ status: "fail", code: 1104, message: "Request includes invalid parameters." }),
      [{ name: "body", reason: "1104 Request includes invalid parameters." }]
    )
    assert.deepStrictEqual(VeriffClient.invalidFields({ status: "fail" }), [])
    assert.deepStrictEqual(VeriffClient.invalidFields("<html>"), [])
  })
})

/** A webhook receiver on loopback that keeps what it receives, for the simulator's `webhookUrl`. */
const receiver = Effect.acquireRelease(
  Effect.callback<{
    readonly url: string
    readonly received: Array<{ headers: Record<string, string>; body: string }>
    readonly close: () => void
  }>((resume) => {
    const received: Array<{ headers: Record<string, string>; body: string }> = []
    const server = createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8")
      request.on("data", (chunk: string) => {
        body += chunk
      })
      request.on("end", () => {
        const headers: Record<string, string> = {}
        for (const [key, value] of Object.entries(request.headers)) if (typeof value === "string") headers[key] = value
        received.push({ headers, body })
        response.writeHead(200).end()
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resume(
        Effect.succeed({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/veriff`,
          received,
          close: () => server.close()
        })
      )
    )
  }),
  (server) => Effect.sync(server.close)
)

describe("VeriffProvider webhooks over HTTP", () => {
  it.live("the simulator POSTs signed event and decision webhooks that the provider verifies", () =>
    Effect.gen(function* () {
      const target = yield* receiver
      const layer = Testing.layerTest({
        apiKey: Redacted.make(apiKey),
        sharedSecret: Redacted.make(sharedSecret),
        webhookUrl: target.url
      }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
      yield* Effect.gen(function* () {
        const registered = yield* provider
        const session = yield* registered.start(Testing.startRequest("pending", "hosted"))
        yield* Effect.promise(() => fetch(`${session.redirectUrl}?decision=declined`, { redirect: "manual" }))
        for (let waited = 0; target.received.length < 3 && waited < 100; waited++) yield* Effect.sleep("20 millis")
        const events = yield* Effect.forEach(target.received, (webhook) =>
          registered.verifyWebhook({ headers: webhook.headers, rawBody: new TextEncoder().encode(webhook.body) })
        )
        assert.deepStrictEqual(events.map((event) => event.type).sort(), [
          "decision.declined",
          "event.started",
          "event.submitted"
        ])
        for (const event of events) assert.strictEqual(event.reference, session.reference)
        const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
        assert.strictEqual(outcome.status, "rejected")
      }).pipe(Effect.provide(layer))
    }).pipe(Effect.scoped)
  )
})

describe("VeriffProvider.layerConfig", () => {
  it.live("reads the key, the shared secrets and the base url from the environment", () =>
    Effect.gen(function* () {
      const sim = yield* Testing.make({
        apiKey: Redacted.make(apiKey),
        sharedSecret: Redacted.make("new-secret")
      })
      const environment = {
        VERIFF_API_KEY: apiKey,
        VERIFF_SHARED_SECRET: "new-secret, old-secret",
        VERIFF_BASE_URL: sim.baseUrl
      }
      const layer = VeriffProvider.layerConfig.pipe(
        Layer.provideMerge(ProviderRegistry.layer),
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: environment })))
      )
      yield* Effect.gen(function* () {
        const registered = yield* provider
        const session = yield* registered.start(Testing.startRequest("approved"))
        assert.strictEqual((yield* settle(session.reference, { flow: "upload" })).status, "accepted")
        // A webhook signed with the old secret still verifies during the rotation.
        const body = '{"id":"s","attemptId":"a","feature":"selfid","code":7001,"action":"started"}'
        const signature = createHmac("sha256", "old-secret").update(body).digest("hex")
        const event = yield* registered.verifyWebhook({
          headers: { "x-auth-client": apiKey, "x-hmac-signature": signature },
          rawBody: new TextEncoder().encode(body)
        })
        assert.strictEqual(event.type, "event.started")
      }).pipe(Effect.provide(layer))
      const missing = yield* Effect.flip(
        Layer.build(
          VeriffProvider.layerConfig.pipe(
            Layer.provideMerge(ProviderRegistry.layer),
            Layer.provide(FetchHttpClient.layer),
            Layer.provide(
              ConfigProvider.layer(
                ConfigProvider.fromEnv({ env: { VERIFF_API_KEY: apiKey, VERIFF_SHARED_SECRET: " , " } })
              )
            )
          )
        )
      )
      assert.strictEqual(missing._tag, "ConfigError")
    }).pipe(Effect.scoped)
  )
})
