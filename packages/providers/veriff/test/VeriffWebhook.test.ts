// Veriff's signatures: the reference's vectors (providers.md §14), vectors computed here with node:crypto (an
// implementation independent of the adapter's WebCrypto one), and every way a webhook is refused.
import { createHmac } from "node:crypto"
import { Webhook } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { VeriffClient, VeriffWebhook } from "../src/index.js"

const apiKey = "3f8a1a52-9c0e-4a57-8f3e-1d2c3b4a5f60"
const secret = "webhook-test-shared-secret"

const nodeHmac = (key: string, payload: string) => createHmac("sha256", key).update(payload, "utf8").digest("hex")

// The event webhook's sample from devdocs.veriff.com "Event webhook", as Veriff would send it (one line).
const eventBody =
  '{"id":"f04bdb47-d3be-4b28-b028-a652feb060b5","attemptId":"e30122d1-740b-4764-853f-470374a7abf4","feature":"selfid","code":7002,"action":"submitted","vendorData":"12345678","endUserId":"a1b2c35d-e8f7-6d5e-3cd2-a1b2c35db3d4"}'

// A decision webhook, pretty-printed as a sender may write it: the signature covers these exact bytes.
const decisionBody = `{
  "status": "success",
  "verification": {
    "id": "12df6045-3846-3e45-946a-14fa6136d78b",
    "attemptId": "6cab5b0c-c506-47a6-922d-6ae3b72ca172",
    "status": "approved",
    "code": 9001,
    "reason": null,
    "reasonCode": null,
    "person": { "firstName": "MARI", "lastName": "MAASIKAS", "dateOfBirth": "1985-06-15", "nationality": "EE" },
    "document": { "number": "KF0000001", "type": "PASSPORT", "country": "EE", "validUntil": "2030-01-09" },
    "additionalVerifiedData": {},
    "somethingVeriffAddsLater": [1, 2, 3]
  },
  "technicalData": { "ip": "192.0.2.1" }
}`

const request = (body: string, headers: Record<string, string>) => ({
  headers,
  rawBody: new TextEncoder().encode(body)
})

const signedHeaders = (body: string, key: string = secret) => ({
  "x-auth-client": apiKey,
  "x-hmac-signature": nodeHmac(key, body)
})

const verify = (
  body: string,
  headers: Record<string, string>,
  options: { readonly secrets?: ReadonlyArray<string>; readonly apiKey?: string } = {}
) =>
  VeriffWebhook.verify({
    apiKey: Redacted.make(options.apiKey ?? apiKey),
    secrets: (options.secrets ?? [secret]).map((value) => Redacted.make(value)),
    request: request(body, headers)
  })

describe("Veriff signatures", () => {
  it.effect("sign a POST body as the reference's vector says", () =>
    Effect.gen(function* () {
      const body = '{"verification":{"callback":"https://example.com"}}'
      const expected = "baba732a5a96b408cb0abde7861f2d3d09089a53b0aa6518d646ce4d4d7bece9"
      assert.strictEqual(nodeHmac("shared-secret", body), expected)
      const payload = VeriffClient.signedPayload(
        "POST",
        "https://stationapi.veriff.com/v1/sessions",
        new TextEncoder().encode(body)
      )
      const ours = yield* Webhook.sign({
        algorithm: "SHA-256",
        encoding: "hex",
        secret: Redacted.make("shared-secret"),
        payload
      })
      assert.strictEqual(ours, expected)
    })
  )

  it.effect("sign the session id of a GET as the reference's vector says", () =>
    Effect.gen(function* () {
      const id = "f04bdb47-d3be-4b28-b028-a652feb060b5"
      const expected = "aafcfbce79af2678534391cfcb9af1455405b858d6877e83cc4985343b9c0a7d"
      assert.strictEqual(nodeHmac("shared-secret", id), expected)
      const payload = VeriffClient.signedPayload(
        "GET",
        `https://stationapi.veriff.com/v1/sessions/${id}/decision`,
        new Uint8Array()
      )
      assert.strictEqual(payload, id)
      const ours = yield* Webhook.sign({
        algorithm: "SHA-256",
        encoding: "hex",
        secret: Redacted.make("shared-secret"),
        payload
      })
      assert.strictEqual(ours, expected)
    })
  )

  it.effect("our sign produces the header node:crypto computes", () =>
    Effect.gen(function* () {
      const signed = yield* VeriffWebhook.sign({
        apiKey: Redacted.make(apiKey),
        secret: Redacted.make(secret),
        payload: eventBody
      })
      assert.strictEqual(signed.headers["x-hmac-signature"], nodeHmac(secret, eventBody))
      assert.strictEqual(signed.headers["x-auth-client"], apiKey)
      assert.strictEqual(new TextDecoder().decode(signed.rawBody), eventBody)
    })
  )
})

describe("VeriffWebhook.verify", () => {
  it.effect("reads a decision webhook signed over its exact bytes, keeping unknown fields out of the way", () =>
    Effect.gen(function* () {
      const payload = yield* verify(decisionBody, signedHeaders(decisionBody))
      assert.isTrue(VeriffWebhook.isDecision(payload))
      assert.deepStrictEqual(VeriffWebhook.eventOf(payload), {
        id: "decision:12df6045-3846-3e45-946a-14fa6136d78b:6cab5b0c-c506-47a6-922d-6ae3b72ca172:approved",
        reference: "12df6045-3846-3e45-946a-14fa6136d78b",
        type: "decision.approved"
      })
      // The same JSON re-serialised is other bytes: the signature no longer matches.
      const compact = JSON.stringify(JSON.parse(decisionBody))
      const error = yield* Effect.flip(verify(compact, signedHeaders(decisionBody)))
      assert.strictEqual(error.reason._tag, "WebhookSignatureInvalid")
    })
  )

  it.effect("reads Veriff's event webhook sample", () =>
    Effect.gen(function* () {
      const payload = yield* verify(eventBody, signedHeaders(eventBody))
      assert.isFalse(VeriffWebhook.isDecision(payload))
      assert.deepStrictEqual(VeriffWebhook.eventOf(payload), {
        id: "event:f04bdb47-d3be-4b28-b028-a652feb060b5:e30122d1-740b-4764-853f-470374a7abf4:submitted",
        reference: "f04bdb47-d3be-4b28-b028-a652feb060b5",
        type: "event.submitted"
      })
    })
  )

  it.effect("accepts an upper-case hex signature and the vrf- header spellings", () =>
    Effect.gen(function* () {
      yield* verify(eventBody, {
        "x-auth-client": apiKey,
        "x-hmac-signature": nodeHmac(secret, eventBody).toUpperCase()
      })
      yield* verify(eventBody, { "vrf-auth-client": apiKey, "vrf-hmac-signature": nodeHmac(secret, eventBody) })
    })
  )

  it.effect("accepts either secret while the shared secret is rotated", () =>
    Effect.gen(function* () {
      yield* verify(eventBody, signedHeaders(eventBody, "old-secret"), { secrets: ["new-secret", "old-secret"] })
      yield* verify(eventBody, signedHeaders(eventBody, "new-secret"), { secrets: ["new-secret", "old-secret"] })
      const neither = yield* Effect.flip(
        verify(eventBody, signedHeaders(eventBody, "other"), { secrets: ["new-secret"] })
      )
      assert.strictEqual(neither.reason._tag, "WebhookSignatureInvalid")
    })
  )

  it.effect("refuses a tampered body, a missing or malformed signature, another integration's API key", () =>
    Effect.gen(function* () {
      const headers = signedHeaders(eventBody)
      const refused = (effect: ReturnType<typeof verify>) =>
        Effect.map(Effect.flip(effect), (error) => error.reason._tag)
      assert.strictEqual(yield* refused(verify(eventBody.replace("7002", "7001"), headers)), "WebhookSignatureInvalid")
      assert.strictEqual(yield* refused(verify(eventBody, { "x-auth-client": apiKey })), "WebhookSignatureInvalid")
      assert.strictEqual(
        yield* refused(verify(eventBody, { ...headers, "x-hmac-signature": "not-hex" })),
        "WebhookSignatureInvalid"
      )
      assert.strictEqual(
        yield* refused(verify(eventBody, { "x-hmac-signature": headers["x-hmac-signature"] })),
        "WebhookSignatureInvalid"
      )
      const otherIntegration = yield* Effect.flip(verify(eventBody, { ...headers, "x-auth-client": "someone-else" }))
      assert.strictEqual(otherIntegration.reason._tag, "WebhookSignatureInvalid")
      assert.notInclude(String(otherIntegration), apiKey)
    })
  )

  it.effect("a signed body that is neither webhook is InvalidResponse; no secret is Misconfigured", () =>
    Effect.gen(function* () {
      const body = '{"hello":"world"}'
      const unreadable = yield* Effect.flip(verify(body, signedHeaders(body)))
      assert.strictEqual(unreadable.reason._tag, "InvalidResponse")
      const unconfigured = yield* Effect.flip(verify(eventBody, signedHeaders(eventBody), { secrets: [] }))
      assert.strictEqual(unconfigured.reason._tag, "Misconfigured")
    })
  )
})
