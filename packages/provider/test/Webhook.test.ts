import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { Webhook } from "../src/index.js"

const secret = (value: string) => Redacted.make(value)

// Published vectors collected in the project's provider reference (§14), reproducible with Node's crypto.
const stripeBody =
  '{"id":"evt_test","object":"event","type":"identity.verification_session.verified","data":{"object":{"id":"vs_123","object":"identity.verification_session","status":"verified"}}}'
const stripeHeader = "t=1700000000,v1=95e47362b0af9e530f857e98f3dcb208cd266ac8bf24a9df3911496e711b0e40"

const reasonOf = <A>(
  effect: Effect.Effect<A, { readonly reason: { readonly _tag: string }; readonly description?: string }>
) => Effect.map(Effect.flip(effect), (error) => `${error.reason._tag}: ${error.description ?? ""}`)

describe("Webhook.verify (HMAC over the raw body)", () => {
  it.effect("accepts the published Veriff and Sumsub vectors", () =>
    Effect.gen(function* () {
      yield* Webhook.verify({
        provider: "veriff",
        algorithm: "SHA-256",
        encoding: "hex",
        secrets: [secret("shared-secret")],
        payload: '{"verification":{"callback":"https://example.com"}}',
        signature: "baba732a5a96b408cb0abde7861f2d3d09089a53b0aa6518d646ce4d4d7bece9"
      })
      yield* Webhook.verify({
        provider: "sumsub",
        algorithm: "SHA-256",
        encoding: "hex",
        secrets: [secret("test-secret")],
        payload: new TextEncoder().encode('{"type":"applicantReviewed","reviewResult":{"reviewAnswer":"GREEN"}}'),
        signature: "283503C30474D2943B5ED4365EAA8BD889CE99E624EC46E8B8B590EBB4C3C906"
      })
    })
  )

  it.effect("refuses a tampered body, a missing or malformed signature, and an unconfigured secret", () =>
    Effect.gen(function* () {
      const base = {
        provider: "veriff",
        algorithm: "SHA-256" as const,
        encoding: "hex" as const,
        secrets: [secret("shared-secret")],
        payload: '{"verification":{"callback":"https://example.com"}} ',
        signature: "baba732a5a96b408cb0abde7861f2d3d09089a53b0aa6518d646ce4d4d7bece9"
      }
      assert.strictEqual(yield* reasonOf(Webhook.verify(base)), "WebhookSignatureInvalid: the signature does not match")
      assert.strictEqual(
        yield* reasonOf(Webhook.verify({ ...base, signature: undefined })),
        "WebhookSignatureInvalid: the signature header is missing"
      )
      assert.strictEqual(
        yield* reasonOf(Webhook.verify({ ...base, signature: "not hex!" })),
        "WebhookSignatureInvalid: the signature is not valid hex"
      )
      assert.strictEqual(
        yield* reasonOf(Webhook.verify({ ...base, secrets: [] })),
        "Misconfigured: no webhook secret is configured"
      )
    })
  )

  it.effect("signs and verifies SHA-512 and base64, with any of several secrets during rotation", () =>
    Effect.gen(function* () {
      const payload = new Uint8Array([0, 1, 2, 250, 255])
      const signature = yield* Webhook.sign({
        algorithm: "SHA-512",
        encoding: "base64",
        secret: secret("new"),
        payload
      })
      assert.strictEqual(signature.length, 88)
      const options = {
        provider: "test",
        algorithm: "SHA-512" as const,
        encoding: "base64" as const,
        payload,
        signature
      }
      yield* Webhook.verify({ ...options, secrets: [secret("old"), secret("new")] })
      assert.include(yield* reasonOf(Webhook.verify({ ...options, secrets: [secret("old")] })), "does not match")
    })
  )
})

describe("Webhook.verifyTimestamped (t=,v1=)", () => {
  const options = { provider: "stripe-identity", secrets: [secret("whsec_test_secret")], payload: stripeBody }

  it.effect("accepts Stripe's vector within the tolerance and returns the signed time", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_000_000 + 299_000)
      assert.strictEqual(yield* Webhook.verifyTimestamped({ ...options, header: stripeHeader }), 1_700_000_000)
    })
  )

  it.effect("refuses stale and future timestamps", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_000_000 + 301_000)
      assert.include(
        yield* reasonOf(Webhook.verifyTimestamped({ ...options, header: stripeHeader })),
        "outside the tolerance"
      )
      yield* TestClock.setTime(1_700_000_000_000 - 301_000)
      assert.include(
        yield* reasonOf(Webhook.verifyTimestamped({ ...options, header: stripeHeader })),
        "outside the tolerance"
      )
      yield* TestClock.setTime(1_700_000_000_000 + 3_000_000)
      yield* Webhook.verifyTimestamped({ ...options, header: stripeHeader, tolerance: "1 hour" })
    })
  )

  it.effect("finds the matching signature among several v1 entries (rotation) and refuses wrong ones", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_000_000)
      const rotated = `t=1700000000,v1=${"00".repeat(32)},${stripeHeader.split(",")[1]}`
      yield* Webhook.verifyTimestamped({ ...options, header: rotated })
      // The timestamp is signed: moving it breaks the signature.
      assert.include(
        yield* reasonOf(
          Webhook.verifyTimestamped({ ...options, header: stripeHeader.replace("1700000000", "1700000001") })
        ),
        "no signature matches"
      )
      assert.include(yield* reasonOf(Webhook.verifyTimestamped({ ...options, header: "v1=abc" })), "no timestamp")
      assert.include(
        yield* reasonOf(Webhook.verifyTimestamped({ ...options, header: "t=1700000000" })),
        "no v1 signature"
      )
    })
  )

  it.effect("signTimestamped writes what verifyTimestamped accepts, one v1 per secret (Persona's vector)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_000_000)
      const body = '{"data":{"type":"event","attributes":{"name":"inquiry.approved"}}}'
      const header = yield* Webhook.signTimestamped({
        secrets: [secret("wbhsec_test"), secret("other")],
        payload: body
      })
      assert.match(
        header,
        /^t=1700000000,v1=56b36153995991a978334e45e33e4cab42439b6e0f5bdb54ed667c001ed14a3b,v1=[0-9a-f]{64}$/
      )
      yield* Webhook.verifyTimestamped({ provider: "persona", secrets: [secret("other")], payload: body, header })
    })
  )
})

describe("Webhook.secretsConfig", () => {
  const read = (value: string) =>
    Webhook.secretsConfig("VENDOR_WEBHOOK_SECRET")
      .parse(ConfigProvider.fromEnv({ env: { VENDOR_WEBHOOK_SECRET: value } }))
      .pipe(Effect.map((secrets) => secrets.map((secret) => Redacted.value(secret))))

  it.effect("reads one secret, or several separated by commas during a rotation, the current one first", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* read("whsec_one"), ["whsec_one"])
      assert.deepStrictEqual(yield* read(" whsec_new , whsec_old,"), ["whsec_new", "whsec_old"])
    })
  )

  it.effect("refuses a value with no secret in it, naming the variable and showing no value", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(read(" , "))
      assert.include(error.message, "VENDOR_WEBHOOK_SECRET holds no secret")
      const missing = yield* Effect.flip(
        Webhook.secretsConfig("VENDOR_WEBHOOK_SECRET").parse(ConfigProvider.fromEnv({ env: {} }))
      )
      assert.include(missing.message, "VENDOR_WEBHOOK_SECRET")
    })
  )
})
