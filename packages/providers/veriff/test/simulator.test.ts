// The simulator as a user's tests meet it: Veriff's refusals in Veriff's codes, the approved person's address in
// Veriff's shape, the webhooks it sent, and kit faults armed for one route.
import { createHmac } from "node:crypto"
import { ProviderRegistry } from "@assure/provider"
import { SimulatorFault } from "@assure/provider/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { VeriffProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = "5c1e2d3f-0000-4000-8000-00000000a11e"
const sharedSecret = "simulator-test-shared-secret"

const TestLayer = Testing.layerTest({
  apiKey: Redacted.make(apiKey),
  sharedSecret: Redacted.make(sharedSecret)
}).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))

const provider = ProviderRegistry.ProviderRegistry.use((registry) => registry.get(VeriffProvider.name))
const hmac = (payload: string) => createHmac("sha256", sharedSecret).update(payload, "utf8").digest("hex")

const call = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, requestId: response.headers.get("x-request-id"), body: await response.json() }
  })

describe("the Veriff simulator", () => {
  it.live("refuses a missing or wrong key or signature with Veriff's codes, and answers 404s in Veriff's words", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* Testing.VeriffSimulator
      const id = "00000000-0000-4000-8000-000000000000"
      const decision = `${baseUrl}/v1/sessions/${id}/decision`
      const codeOf = (init: RequestInit, url = decision) => Effect.map(call(url, init), (answer) => answer.body.code)
      assert.strictEqual(yield* codeOf({}), "1801")
      assert.strictEqual(yield* codeOf({ headers: { "x-auth-client": "another-key" } }), "1803")
      assert.strictEqual(yield* codeOf({ headers: { "x-auth-client": apiKey } }), "1812")
      // GET signs the session id, PATCH the body.
      const wrong = { "x-auth-client": apiKey, "x-hmac-signature": hmac("something else") }
      assert.strictEqual(yield* codeOf({ headers: wrong }), "1818")
      const patch = `${baseUrl}/v1/sessions/${id}`
      assert.strictEqual(yield* codeOf({ method: "PATCH", headers: wrong, body: "{}" }, patch), "1819")
      const sessions = `${baseUrl}/v1/sessions`
      assert.strictEqual(yield* codeOf({ method: "POST", headers: wrong, body: "{}" }, sessions), "1819")

      const missing = yield* call(decision, { headers: { "x-auth-client": apiKey, "x-hmac-signature": hmac(id) } })
      assert.strictEqual(missing.status, 404)
      assert.deepStrictEqual(missing.body, { status: "fail", message: "Session not found" })
      assert.match(missing.requestId ?? "", /^[0-9a-f-]{36}$/)
      const unknown = yield* call(`${baseUrl}/v1/elsewhere`, { headers: { "x-auth-client": apiKey } })
      assert.deepStrictEqual([unknown.status, unknown.body.message], [404, "Not found"])
      // The signature is optional on POST /v1/sessions, as Veriff documents.
      const created = yield* call(sessions, {
        method: "POST",
        headers: { "x-auth-client": apiKey, "content-type": "application/json" },
        body: JSON.stringify({ verification: { person: { firstName: "Mari" } } })
      })
      assert.strictEqual(created.status, 201)
      assert.strictEqual(created.body.verification.status, "created")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("an approved decision carries the person's address as Veriff writes it, and the webhook is recorded", () =>
    Effect.gen(function* () {
      const simulator = yield* Testing.VeriffSimulator
      const session = yield* (yield* provider).start(Testing.startRequest("pending", "hosted"))
      const webhook = yield* simulator.complete(session.reference, "approved")
      const payload = JSON.parse(new TextDecoder().decode(webhook.rawBody))
      assert.deepStrictEqual(payload.verification.person.addresses, [
        {
          fullAddress: "Narva mnt 7-12, 10117 Tallinn, Estonia",
          parsedAddress: {
            street: "Narva mnt",
            houseNumber: "7",
            unit: "12",
            postcode: "10117",
            city: "Tallinn",
            state: null,
            country: "EST"
          }
        }
      ])
      const event = yield* (yield* provider).verifyWebhook(webhook)
      assert.strictEqual(event.type, "decision.approved")
      // Without a webhook URL, webhooks are recorded, not delivered.
      const deliveries = yield* simulator.webhooks
      assert.deepStrictEqual(
        deliveries.map((delivery) => [delivery.outcome, JSON.parse(delivery.body).verification?.status]),
        [["undelivered", "approved"]]
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a fault armed for the decision route leaves the session's creation alone", () =>
    Effect.gen(function* () {
      const simulator = yield* Testing.VeriffSimulator
      yield* simulator.arm(SimulatorFault.status(503, { status: "fail", message: "Service unavailable" }), {
        route: "GET /sessions/:id/decision"
      })
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("approved"))
      const failed = yield* Effect.flip(registered.fetchResult({ reference: session.reference, state: session.state }))
      assert.strictEqual(failed.reason._tag, "Unavailable")
      // The fault is used up: the session goes on as Veriff's would.
      const first = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(first.status, "processing")
      const second = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(second.status, "accepted")
    }).pipe(Effect.provide(TestLayer))
  )
})
