import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
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

describe("Webhook algorithms", () => {
  // Sumsub's webhook body from the reference (§14) under each digest Sumsub offers (X-Payload-Digest-Alg
  // HMAC_SHA1_HEX / HMAC_SHA256_HEX / HMAC_SHA512_HEX); the SHA-1 and SHA-512 values were computed with Node's crypto.
  const body = '{"type":"applicantReviewed","reviewResult":{"reviewAnswer":"GREEN"}}'
  const vectors = {
    "SHA-1": "55713f89b0264a54c88b82df946ce9581de0a042",
    "SHA-256": "283503c30474d2943b5ed4365eaa8bd889ce99e624ec46e8b8b590ebb4c3c906",
    "SHA-512":
      "5bf78635b01fa00200fc0e5269842c94a223c379b6572d7d4cb61166827df2864f41afabb42feb08b254d9ed46e387d1b6bf37b3afc3d7429c115931c6eb3597"
  } as const

  it.effect("signs and verifies Sumsub's webhook with SHA-1 (legacy), SHA-256 and SHA-512", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual([...Webhook.algorithms], ["SHA-1", "SHA-256", "SHA-512"])
      for (const algorithm of Webhook.algorithms) {
        const signature = yield* Webhook.sign({
          algorithm,
          encoding: "hex",
          secret: secret("test-secret"),
          payload: body
        })
        assert.strictEqual(signature, vectors[algorithm], algorithm)
        yield* Webhook.verify({
          provider: "sumsub",
          algorithm,
          encoding: "hex",
          secrets: [secret("test-secret")],
          payload: body,
          signature
        })
      }
    })
  )

  it.effect("a signature under one algorithm does not pass as another", () =>
    Effect.gen(function* () {
      const verify = (algorithm: Webhook.Algorithm, signature: string) =>
        reasonOf(
          Webhook.verify({
            provider: "sumsub",
            algorithm,
            encoding: "hex",
            secrets: [secret("test-secret")],
            payload: body,
            signature
          })
        )
      assert.include(yield* verify("SHA-256", vectors["SHA-1"]), "does not match")
      assert.include(yield* verify("SHA-1", vectors["SHA-256"]), "does not match")
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

  // Persona's vector (§14) and a second set signed a minute later with the new secret, as Persona sends both while a
  // secret rotates: the sets are separated by a space.
  const personaBody = '{"data":{"type":"event","attributes":{"name":"inquiry.approved"}}}'
  const personaOld = "t=1700000000,v1=56b36153995991a978334e45e33e4cab42439b6e0f5bdb54ed667c001ed14a3b"
  const personaNew = "t=1700000060,v1=60180f6303c93b34f7cbc72904d78ab2bd688cb204bd85d724dae9e85acb1b02"
  const persona = (secrets: ReadonlyArray<string>, header: string) =>
    Webhook.verifyTimestamped({ provider: "persona", secrets: secrets.map(secret), payload: personaBody, header })

  it.effect("accepts Persona's rotation header (two t=,v1= sets) with either secret, in either order", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_030_000)
      assert.strictEqual(yield* persona(["wbhsec_test"], `${personaOld} ${personaNew}`), 1_700_000_000)
      assert.strictEqual(yield* persona(["wbhsec_new"], `${personaOld} ${personaNew}`), 1_700_000_060)
      assert.strictEqual(yield* persona(["wbhsec_new"], `${personaNew} ${personaOld}`), 1_700_000_060)
      assert.strictEqual(yield* persona(["wbhsec_test", "wbhsec_new"], `${personaOld}  ${personaNew}`), 1_700_000_060)
      assert.include(
        yield* reasonOf(persona(["wbhsec_unknown"], `${personaOld} ${personaNew}`)),
        "no signature matches"
      )
    })
  )

  it.effect("a set is valid only on its own: a stale set's signature does not lend itself to a fresh timestamp", () =>
    Effect.gen(function* () {
      // Only the new set is within the tolerance; the old secret's signature is in the stale set.
      yield* TestClock.setTime(1_700_000_060_000 + 290_000)
      assert.strictEqual(yield* persona(["wbhsec_new"], `${personaOld} ${personaNew}`), 1_700_000_060)
      assert.include(yield* reasonOf(persona(["wbhsec_test"], `${personaOld} ${personaNew}`)), "no signature matches")
      // The old set's signature moved into the fresh set: signed over another timestamp, it does not match.
      const swapped = `t=1700000060,v1=${personaOld.split("v1=")[1]}`
      assert.include(yield* reasonOf(persona(["wbhsec_test"], swapped)), "no signature matches")
      // Every set stale: refused as stale.
      yield* TestClock.setTime(1_700_000_060_000 + 301_000)
      assert.include(
        yield* reasonOf(persona(["wbhsec_test", "wbhsec_new"], `${personaOld} ${personaNew}`)),
        "outside the tolerance"
      )
    })
  )

  it.effect("ignores unknown schemes and malformed entries, and refuses headers with too many signatures", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_000_000)
      const signature = stripeHeader.split(",")[1]
      yield* Webhook.verifyTimestamped({
        ...options,
        header: `t=1700000000,v0=${"ab".repeat(32)},junk,v1=zz,${signature}`
      })
      // Stripe's own parser does not care about order.
      yield* Webhook.verifyTimestamped({ ...options, header: `${signature},t=1700000000` })
      const many = `t=1700000000,${Array.from({ length: 16 }, () => `v1=${"00".repeat(32)}`).join(",")},${signature}`
      assert.include(yield* reasonOf(Webhook.verifyTimestamped({ ...options, header: many })), "more than 16")
      assert.include(
        yield* reasonOf(Webhook.verifyTimestamped({ ...options, header: "t=soon,v1=abcd" })),
        "no timestamp"
      )
    })
  )

  it.effect("signTimestamped lays out one set per secret as Persona does", () =>
    Effect.gen(function* () {
      const header = yield* Webhook.signTimestamped({
        secrets: [secret("wbhsec_test"), secret("other")],
        payload: personaBody,
        timestamp: 1_700_000_000,
        layout: "setPerSecret"
      })
      assert.match(header, new RegExp(`^${personaOld} t=1700000000,v1=[0-9a-f]{64}$`))
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

describe("Webhook.verifyTimestamped (properties)", () => {
  const secretArb = fc.string({ minLength: 1, maxLength: 24 }).map((value) => `whsec_${value}`)
  const layoutArb = fc.constantFrom<Webhook.TimestampedLayout>("oneTimestamp", "setPerSecret")
  const now = 1_700_000_000
  /** "passed", or the reason the header was refused. */
  const run = <A>(effect: Effect.Effect<A, { readonly reason: { readonly _tag: string } }>) =>
    Effect.runPromise(
      effect.pipe(
        Effect.match({ onSuccess: () => "passed", onFailure: (error) => error.reason._tag }),
        Effect.provide(TestClock.layer())
      )
    )
  const verifyAt = (secrets: ReadonlyArray<string>, payload: Uint8Array, header: string) =>
    Effect.gen(function* () {
      yield* TestClock.setTime(now * 1000)
      return yield* Webhook.verifyTimestamped({ provider: "test", secrets: secrets.map(secret), payload, header })
    })
  const signWith = (secrets: ReadonlyArray<string>, payload: Uint8Array, layout: Webhook.TimestampedLayout) =>
    Webhook.signTimestamped({ secrets: secrets.map(secret), payload, timestamp: now, layout })

  // Each run signs and verifies several HMACs: fast alone, but a whole-repository run on two cores can starve it.
  it(
    "a header signed with the configured secret among unknown ones passes, wherever it sits, in either layout",
    () =>
      fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 200 }),
          secretArb,
          fc.uniqueArray(secretArb, { maxLength: 3 }),
          fc.nat(3),
          layoutArb,
          async (payload, configured, others, at, layout) => {
            const unknown = others.filter((other) => other !== configured)
            const signers = [...unknown.slice(0, at), configured, ...unknown.slice(at)]
            const header = await Effect.runPromise(signWith(signers, payload, layout))
            return (await run(verifyAt([configured], payload, header))) === "passed"
          }
        ),
        { numRuns: 60 }
      ),
    30_000
  )

  it(
    "a header whose sets are all signed with unknown secrets, or whose body changed, is refused",
    () =>
      fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 1, maxLength: 200 }),
          secretArb,
          fc.uniqueArray(secretArb, { minLength: 1, maxLength: 3 }),
          fc.nat(),
          layoutArb,
          async (payload, configured, others, flip, layout) => {
            const unknown = others.filter((other) => other !== configured)
            if (unknown.length === 0) return true
            const forged = await Effect.runPromise(signWith(unknown, payload, layout))
            const refused = await run(verifyAt([configured], payload, forged))
            const genuine = await Effect.runPromise(signWith([configured, ...unknown], payload, layout))
            const altered = new Uint8Array(payload)
            const index = flip % altered.length
            altered[index] = (altered[index] ?? 0) ^ 1
            const tampered = await run(verifyAt([configured], altered, genuine))
            return refused === "WebhookSignatureInvalid" && tampered === "WebhookSignatureInvalid"
          }
        ),
        { numRuns: 60 }
      ),
    30_000
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
