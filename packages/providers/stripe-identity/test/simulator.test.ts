// The simulator as a user's tests meet it: Stripe's refusals and headers, idempotent creation, the verified address
// in Stripe's field names, back-dated webhook signatures, and kit faults armed for one route.
import { ProviderRegistry } from "@assure/provider"
import { SimulatorFault } from "@assure/provider/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { StripeIdentityClient, StripeIdentityProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = "sk_test_simulator_api_key"

const TestLayer = Testing.layerTest({
  apiKey: Redacted.make(apiKey),
  webhookSecret: Redacted.make("whsec_simulator_webhook_secret")
}).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))

const provider = ProviderRegistry.ProviderRegistry.use((registry) => registry.get(StripeIdentityProvider.name))

const call = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, headers: response.headers, body: await response.json() }
  })

const form = (key: string) => ({
  authorization: `Bearer ${apiKey}`,
  "content-type": StripeIdentityClient.formContentType,
  "idempotency-key": key
})

describe("the Stripe Identity simulator", () => {
  it.live("refuses a wrong key or Stripe-Version and unknown URLs as Stripe does, with a request id", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Testing.StripeIdentitySimulator
      const sessions = `${baseUrl}/v1/identity/verification_sessions`
      const unauthorized = yield* call(sessions, { headers: { authorization: "Bearer sk_test_other" } })
      assert.strictEqual(unauthorized.status, 401)
      assert.strictEqual(unauthorized.body.error.type, "invalid_request_error")
      assert.match(unauthorized.headers.get("request-id") ?? "", /^req_[0-9a-f]{24}$/)
      assert.strictEqual(unauthorized.headers.get("stripe-version"), StripeIdentityClient.defaultApiVersion)
      const version = yield* call(`${sessions}/vs_1`, {
        headers: { authorization: `Bearer ${apiKey}`, "stripe-version": "latest" }
      })
      assert.deepStrictEqual([version.status, version.body.error.message], [400, "Invalid Stripe API version: latest"])
      const unknown = yield* call(`${baseUrl}/v1/identity/elsewhere`, {
        headers: { authorization: `Bearer ${apiKey}` }
      })
      assert.deepStrictEqual(
        [unknown.status, unknown.body.error.message],
        [404, "Unrecognized request URL (GET: /v1/identity/elsewhere)."]
      )
      const missing = yield* call(`${sessions}/vs_missing`, { headers: { authorization: `Bearer ${apiKey}` } })
      assert.deepStrictEqual(missing.body.error, {
        type: "invalid_request_error",
        code: "resource_missing",
        param: "id",
        message: "No such verification session: 'vs_missing'"
      })
    }).pipe(Effect.provide(TestLayer))
  )

  it.live(
    "replays a creation with the same Idempotency-Key, and answers verified_outputs.address in Stripe's names",
    () =>
      Effect.gen(function* () {
        const simulator = yield* Testing.StripeIdentitySimulator
        const sessions = `${simulator.baseUrl}/v1/identity/verification_sessions`
        const body = "type=document&metadata[test_outcome]=pending"
        const first = yield* call(sessions, { method: "POST", headers: form("key-1"), body })
        const again = yield* call(sessions, { method: "POST", headers: form("key-1"), body })
        const other = yield* call(sessions, { method: "POST", headers: form("key-2"), body })
        assert.strictEqual(again.body.id, first.body.id)
        assert.notStrictEqual(other.body.id, first.body.id)
        yield* simulator.complete(first.body.id, "verified")
        const verified = yield* call(`${sessions}/${first.body.id}?expand[]=verified_outputs`, {
          headers: { authorization: `Bearer ${apiKey}` }
        })
        assert.strictEqual(verified.body.status, "verified")
        assert.deepStrictEqual(verified.body.verified_outputs.address, {
          city: "San Francisco",
          country: "US",
          line1: "1234 Main St.",
          line2: null,
          postal_code: null,
          state: "CA"
        })
      }).pipe(Effect.provide(TestLayer))
  )

  it.live("signs a completion with the timestamp asked for, and records the webhooks it sent", () =>
    Effect.gen(function* () {
      const simulator = yield* Testing.StripeIdentitySimulator
      const session = yield* (yield* provider).start(Testing.startRequest("pending"))
      const webhook = yield* simulator.complete(session.reference, "document_expired", { timestamp: 1_700_000_000 })
      assert.match(webhook.headers["stripe-signature"] ?? "", /^t=1700000000,v1=[0-9a-f]{64}$/)
      const deliveries = yield* simulator.webhooks
      assert.deepStrictEqual(
        deliveries.map((delivery) => [delivery.outcome, JSON.parse(delivery.body).type]),
        [
          ["undelivered", "identity.verification_session.created"],
          ["undelivered", "identity.verification_session.requires_input"]
        ]
      )
      assert.strictEqual(JSON.parse(deliveries[1]?.body ?? "").data.object.last_error.code, "document_expired")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a fault armed for session retrievals leaves the creation alone", () =>
    Effect.gen(function* () {
      const simulator = yield* Testing.StripeIdentitySimulator
      yield* simulator.arm(SimulatorFault.status(503, { error: { type: "api_error", message: "down" } }), {
        route: "GET /identity/verification_sessions/:id",
        times: 2
      })
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("verified"))
      for (let attempt = 0; attempt < 2; attempt++) {
        const failed = yield* Effect.flip(registered.fetchResult({ reference: session.reference }))
        assert.strictEqual(failed.reason._tag, "Unavailable")
      }
      assert.strictEqual((yield* registered.fetchResult({ reference: session.reference })).status, "processing")
      assert.strictEqual((yield* registered.fetchResult({ reference: session.reference })).status, "accepted")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("reads expand[]= and expand[0]= alike, and refuses a secret key the sensitive fields with a 403", () =>
    Effect.gen(function* () {
      const simulator = yield* Testing.StripeIdentitySimulator
      const sessions = `${simulator.baseUrl}/v1/identity/verification_sessions`
      const created = yield* call(sessions, { method: "POST", headers: form("key-expand"), body: "type=document" })
      yield* simulator.complete(created.body.id, "verified")
      const headers = { authorization: `Bearer ${apiKey}` }
      const appended = yield* call(`${sessions}/${created.body.id}?expand[]=verified_outputs`, { headers })
      const indexed = yield* call(`${sessions}/${created.body.id}?expand%5B0%5D=verified_outputs`, { headers })
      assert.strictEqual(appended.body.verified_outputs.first_name, "Jenny")
      assert.deepStrictEqual(indexed.body.verified_outputs, appended.body.verified_outputs)
      assert.isUndefined(appended.body.verified_outputs.dob)
      const sensitive = yield* call(`${sessions}/${created.body.id}?expand[0]=verified_outputs.dob`, { headers })
      assert.strictEqual(sensitive.status, 403)
      assert.strictEqual(sensitive.body.error.type, "invalid_request_error")
      assert.include(sensitive.body.error.message, "Access recent sensitive verification results")
    }).pipe(Effect.provide(TestLayer))
  )
})
