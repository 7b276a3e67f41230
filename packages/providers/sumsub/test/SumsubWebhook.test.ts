// Sumsub's webhook digests in every algorithm it offers, checked against digests node:crypto makes.
import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SumsubWebhook } from "../src/index.js"

const secret = Redacted.make("webhook-test-secret")
const body = JSON.stringify({
  applicantId: "5cb56e8e0a975a35f333cb83",
  inspectionId: "5cb56e8e0a975a35f333cb84",
  correlationId: "req-a260b669-4f14-4bb5-a4c5-ac0218acb9a4",
  externalUserId: "p-1",
  levelName: "basic-kyc-level",
  type: "applicantReviewed",
  reviewResult: { reviewAnswer: "GREEN" },
  reviewStatus: "completed",
  createdAtMs: "2020-02-21 13:23:19.321"
})

const nodeDigest = (algorithm: "sha1" | "sha256" | "sha512", key = "webhook-test-secret") =>
  createHmac(algorithm, key).update(body, "utf8").digest("hex")

const request = (headers: Record<string, string>) => ({
  headers: { "content-type": "application/json", ...headers },
  rawBody: new TextEncoder().encode(body)
})

const verify = (headers: Record<string, string>, secrets = [secret]) =>
  SumsubWebhook.verify({ secrets, request: request(headers) })

describe("SumsubWebhook", () => {
  for (const [alg, node] of [
    ["HMAC_SHA1_HEX", "sha1"],
    ["HMAC_SHA256_HEX", "sha256"],
    ["HMAC_SHA512_HEX", "sha512"]
  ] as const) {
    it.effect(`verifies ${alg} digests as Sumsub computes them`, () =>
      Effect.gen(function* () {
        const event = yield* verify({ "x-payload-digest": nodeDigest(node), "x-payload-digest-alg": alg })
        assert.strictEqual(event.type, "applicantReviewed")
        assert.strictEqual(event.reviewResult?.reviewAnswer, "GREEN")
        const signed = yield* SumsubWebhook.sign({ secret, body, algorithm: alg })
        assert.strictEqual(signed.headers["x-payload-digest"], nodeDigest(node))
        assert.strictEqual(signed.headers["x-payload-digest-alg"], alg)
      })
    )
  }

  it.effect("reads a webhook without an algorithm header as HMAC_SHA256_HEX, Sumsub's default", () =>
    Effect.gen(function* () {
      const event = yield* verify({ "x-payload-digest": nodeDigest("sha256") })
      assert.strictEqual(event.applicantId, "5cb56e8e0a975a35f333cb83")
      const sha512 = yield* Effect.flip(verify({ "x-payload-digest": nodeDigest("sha512") }))
      assert.strictEqual(sha512.reason._tag, "WebhookSignatureInvalid")
    })
  )

  it.effect("refuses a digest under another algorithm than the header names, an unknown algorithm, a wrong key", () =>
    Effect.gen(function* () {
      const mismatched = yield* Effect.flip(
        verify({ "x-payload-digest": nodeDigest("sha256"), "x-payload-digest-alg": "HMAC_SHA512_HEX" })
      )
      assert.strictEqual(mismatched.reason._tag, "WebhookSignatureInvalid")
      const unknown = yield* Effect.flip(
        verify({ "x-payload-digest": nodeDigest("sha256"), "x-payload-digest-alg": "HMAC_MD5_HEX" })
      )
      assert.strictEqual(unknown.reason._tag, "WebhookSignatureInvalid")
      const wrongKey = yield* Effect.flip(verify({ "x-payload-digest": nodeDigest("sha256", "another-secret") }))
      assert.strictEqual(wrongKey.reason._tag, "WebhookSignatureInvalid")
      const missing = yield* Effect.flip(verify({}))
      assert.strictEqual(missing.reason._tag, "WebhookSignatureInvalid")
    })
  )

  it.effect("accepts any configured secret while the secret key changes", () =>
    Effect.gen(function* () {
      const event = yield* verify({ "x-payload-digest": nodeDigest("sha256") }, [Redacted.make("new-secret"), secret])
      assert.strictEqual(event.type, "applicantReviewed")
    })
  )

  it("names an event by applicant, type and createdAtMs, the same for a resend", () => {
    const event = { applicantId: "a1", type: "applicantReviewed", createdAtMs: "2020-02-21 13:23:19.321" }
    assert.strictEqual(SumsubWebhook.eventId(event), "a1:applicantReviewed:2020-02-21 13:23:19.321")
    assert.notStrictEqual(SumsubWebhook.eventId(event), SumsubWebhook.eventId({ ...event, type: "applicantPending" }))
  })
})
