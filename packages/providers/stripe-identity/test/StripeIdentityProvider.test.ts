// What the conformance suite leaves to the adapter: what it sends Stripe, the exact normalised values, Stripe's
// statuses and last_error codes, and Stripe's errors.
import { AdapterModule, ProviderRegistry } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { StripeIdentityClient, StripeIdentityProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = Redacted.make("sk_test_provider")
const webhookSecret = Redacted.make("whsec_test_provider")
// A restricted key without the sensitive-results permission, which the simulator also accepts.
const withoutPermission = "rk_test_without_sensitive_permission"

/** The provider with a secret key, against a simulator that also accepts a restricted key lacking the permission. */
const TestLayer = Testing.layerTest({
  apiKey,
  webhookSecret,
  keys: [{ key: Redacted.make(withoutPermission), sensitive: "none" }]
}).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))

/** The provider with a restricted key that has "Access recent sensitive verification results". */
const RestrictedLayer = Testing.layerTest({
  apiKey: Redacted.make("rk_test_provider"),
  webhookSecret
}).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))

/** A provider over its own client (another key, or sensitiveFields set) against the running simulator. */
const providerWith = (options: { readonly apiKey: string; readonly sensitiveFields?: boolean }) =>
  Effect.gen(function* () {
    const { baseUrl } = yield* simulator
    return yield* StripeIdentityProvider.make({ webhookSecrets: [webhookSecret] }).pipe(
      Effect.provide(
        StripeIdentityClient.layer({
          apiKey: Redacted.make(options.apiKey),
          baseUrl,
          sensitiveFields: options.sensitiveFields
        })
      ),
      Effect.provide(FetchHttpClient.layer)
    )
  })

const provider = ProviderRegistry.ProviderRegistry.use((registry) => registry.get(StripeIdentityProvider.name))
const simulator = Testing.StripeIdentitySimulator

/** Polls until the session leaves pending/processing, as the engine would. */
const settle = (reference: string) =>
  Effect.gen(function* () {
    const registered = yield* provider
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = yield* registered.fetchResult({ reference })
      if (outcome.status !== "pending" && outcome.status !== "processing") return outcome
    }
    return yield* Effect.die(new Error("the session did not settle"))
  })

const outcomeOf = (magic: Testing.Magic, processType?: "document" | "documentSelfie" | "idNumber") =>
  Effect.gen(function* () {
    const registered = yield* provider
    const session = yield* registered.start(Testing.startRequest(magic, processType))
    return yield* settle(session.reference)
  })

describe("StripeIdentityProvider", () => {
  it.live("creates a session with a form body, returning Stripe's hosted url and client secret", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const request = Testing.startRequest("pending", "documentSelfie")
      const session = yield* registered.start({
        ...request,
        parameters: {
          allowedTypes: ["passport", "id_card"],
          requireLiveCapture: true,
          metadata: { test_outcome: "pending" }
        }
      })
      assert.match(session.reference, /^vs_/)
      assert.strictEqual(session.status, "pending")
      assert.match(session.redirectUrl ?? "", /\/verify\/vs_/)
      assert.match(Redacted.value(session.clientToken ?? Redacted.make("")), /^vs_secret_/)
      const [sent] = yield* (yield* simulator).requests
      assert.isDefined(sent)
      assert.strictEqual(sent?.method, "POST")
      assert.strictEqual(sent?.url, "/v1/identity/verification_sessions")
      assert.strictEqual(sent?.headers.authorization, "Bearer sk_test_provider")
      assert.strictEqual(sent?.headers["content-type"], "application/x-www-form-urlencoded")
      assert.strictEqual(sent?.headers["stripe-version"], StripeIdentityClient.defaultApiVersion)
      assert.strictEqual(sent?.headers["idempotency-key"], request.idempotencyKey)
      const fields = (sent?.body ?? "").split("&")
      for (const field of [
        "type=document",
        `client_reference_id=${request.processId}`,
        "return_url=https%3A%2F%2Fapp.example%2Freturn",
        "metadata[test_outcome]=pending",
        `metadata[assure_process_id]=${request.processId}`,
        "options[document][allowed_types][0]=passport",
        "options[document][allowed_types][1]=id_card",
        "options[document][require_live_capture]=true",
        "options[document][require_matching_selfie]=true"
      ]) {
        assert.include(fields, field)
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("with a restricted key, reads the sensitive fields too and normalises everything with the core codecs", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf("verified", "documentSelfie")
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual<unknown>(outcome.finalResult, {
        firstName: "Jenny",
        lastName: "Rosen",
        dateOfBirth: "1987-03-14",
        gender: "F",
        documentType: "driverLicense",
        documentNumber: "D1234567",
        issuingCountry: "USA",
        dateOfIssue: "2020-12-01",
        dateOfExpiry: "2030-12-01",
        address: { lines: ["1234 Main St."], city: "San Francisco", region: "CA", country: "USA" }
      })
      assert.deepStrictEqual(outcome.checks, [
        { name: "document", outcome: "passed", detail: "verified" },
        { name: "selfie", outcome: "passed", detail: "verified" }
      ])
      const urls = (yield* (yield* simulator).requests).map((request) => request.url)
      assert.isTrue(
        urls.some(
          (url) => url.includes("/verification_sessions/vs_") && url.includes("expand%5B%5D=verified_outputs.dob")
        ),
        "the session is read with expand[]=verified_outputs.dob"
      )
      assert.isTrue(urls.some((url) => url.includes("/verification_reports/vr_") && url.includes("document.number")))
      const specific = outcome.providerSpecific["stripe-identity"] as {
        readonly [key: string]: { readonly id: string }
      }
      assert.match(specific.verification_session?.id ?? "", /^vs_/)
      assert.match(specific.verification_report?.id ?? "", /^vr_/)
    }).pipe(Effect.provide(RestrictedLayer))
  )

  it.live("with a secret key, leaves the sensitive fields out: no date of birth, document number or expiry", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf("verified", "document")
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual<unknown>(outcome.finalResult, {
        firstName: "Jenny",
        lastName: "Rosen",
        gender: "F",
        documentType: "driverLicense",
        issuingCountry: "USA",
        dateOfIssue: "2020-12-01",
        address: { lines: ["1234 Main St."], city: "San Francisco", region: "CA", country: "USA" }
      })
      const urls = (yield* (yield* simulator).requests).map((request) => decodeURIComponent(request.url))
      assert.isTrue(
        urls.some((url) => url.includes("/verification_sessions/vs_") && url.includes("expand[]=verified_outputs"))
      )
      assert.isFalse(
        urls.some((url) => /verified_outputs\.dob|document\.number|expiration_date|id_number\.dob/.test(url)),
        "nothing sensitive is asked for"
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a key Stripe refuses the sensitive fields is Misconfigured, saying which permission is missing", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("pending"))
      yield* (yield* simulator).complete(session.reference, "verified")
      for (const options of [
        { apiKey: withoutPermission },
        { apiKey: Redacted.value(apiKey), sensitiveFields: true }
      ]) {
        const error = yield* Effect.flip((yield* providerWith(options)).fetchResult({ reference: session.reference }))
        assert.strictEqual(error.reason._tag, "Misconfigured", options.apiKey)
        assert.include(error.description ?? "", "Access recent sensitive verification results")
        assert.include(error.description ?? "", "STRIPE_SENSITIVE_FIELDS=false")
        assert.match(error.requestId ?? "", /^req_/)
        assert.isFalse(error.isRetryable)
      }
      // The same key without sensitive fields reads the verification.
      const plain = yield* (yield* providerWith({ apiKey: withoutPermission, sensitiveFields: false })).fetchResult({
        reference: session.reference
      })
      assert.strictEqual(plain.status, "accepted")
      assert.isUndefined(plain.finalResult?.dateOfBirth)
      // A key Stripe does not know at all stays Unauthorized.
      const wrong = yield* Effect.flip(
        (yield* providerWith({ apiKey: "rk_test_unknown" })).fetchResult({ reference: session.reference })
      )
      assert.strictEqual(wrong.reason._tag, "Unauthorized")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a restricted key reads the sensitive fields within 48 hours of the verification, not after", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const hours = (count: number) => Math.floor(Date.now() / 1000) - count * 3600
      const recent = yield* registered.start(Testing.startRequest("pending"))
      yield* (yield* simulator).complete(recent.reference, "verified", { timestamp: hours(47) })
      const read = yield* registered.fetchResult({ reference: recent.reference })
      assert.strictEqual(read.finalResult?.dateOfBirth, "1987-03-14")
      const old = yield* registered.start(Testing.startRequest("pending"))
      yield* (yield* simulator).complete(old.reference, "verified", { timestamp: hours(49) })
      const error = yield* Effect.flip(registered.fetchResult({ reference: old.reference }))
      assert.strictEqual(error.reason._tag, "Misconfigured")
      assert.include(error.description ?? "", "48 hours")
    }).pipe(Effect.provide(RestrictedLayer))
  )

  it("requests the sensitive fields for a restricted key by default, and as told otherwise", () => {
    const of = (key: string, sensitiveFields?: boolean) =>
      StripeIdentityClient.sensitiveFieldsOf({ apiKey: Redacted.make(key), sensitiveFields })
    assert.isFalse(of("sk_live_123"))
    assert.isTrue(of("rk_live_123"))
    assert.isFalse(of("rk_live_123", false))
    assert.isTrue(of("sk_live_123", true))
  })

  it.live("STRIPE_SENSITIVE_FIELDS=false keeps a restricted key from requesting them; unset, it requests them", () =>
    Effect.gen(function* () {
      const { baseUrl } = yield* simulator
      const configured = (extra: Record<string, string>) =>
        Effect.gen(function* () {
          const env = {
            STRIPE_SECRET_KEY: "rk_test_provider",
            STRIPE_WEBHOOK_SECRET: Redacted.value(webhookSecret),
            STRIPE_API_BASE_URL: baseUrl,
            ...extra
          }
          const config = yield* AdapterModule.config(StripeIdentityProvider.adapter).pipe(
            Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
          )
          return yield* provider.pipe(
            Effect.provide(
              StripeIdentityProvider.adapter
                .layer(config)
                // A registry of its own: the test's already holds the provider.
                .pipe(Layer.provideMerge(Layer.fresh(ProviderRegistry.layer)), Layer.provide(FetchHttpClient.layer))
            )
          )
        })
      const session = yield* (yield* provider).start(Testing.startRequest("pending"))
      yield* (yield* simulator).complete(session.reference, "verified")
      const without = yield* (yield* configured({ STRIPE_SENSITIVE_FIELDS: "false" })).fetchResult(session)
      assert.isUndefined(without.finalResult?.dateOfBirth)
      assert.isUndefined(without.finalResult?.documentNumber)
      const withThem = yield* (yield* configured({})).fetchResult(session)
      assert.strictEqual(withThem.finalResult?.dateOfBirth, "1987-03-14")
      assert.strictEqual(withThem.finalResult?.documentNumber, "D1234567")
      const refused = yield* Effect.flip(configured({ STRIPE_SENSITIVE_FIELDS: "sometimes" }))
      assert.include(String(refused), "SENSITIVE_FIELDS")
    }).pipe(Effect.provide(RestrictedLayer))
  )

  it.live("passes through processing before the outcome", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("verified"))
      assert.strictEqual((yield* registered.fetchResult({ reference: session.reference })).status, "processing")
      assert.strictEqual((yield* registered.fetchResult({ reference: session.reference })).status, "accepted")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("an idNumber process gives the id number's type and issuing country", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf("verified", "idNumber")
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual<unknown>(outcome.finalResult, {
        firstName: "Jenny",
        lastName: "Rosen",
        gender: "F",
        personalNumberType: "us_ssn",
        personalNumberIssuingCountry: "USA",
        address: { lines: ["1234 Main St."], city: "San Francisco", region: "CA", country: "USA" }
      })
      assert.deepStrictEqual(outcome.checks, [{ name: "idNumber", outcome: "passed", detail: "verified" }])
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("maps last_error codes: rejected, inconclusive and canceled keep Stripe's code and no identity data", () =>
    Effect.gen(function* () {
      const expected: ReadonlyArray<readonly [Testing.FinalOutcome, string]> = [
        ["selfie_face_mismatch", "rejected"],
        ["document_expired", "rejected"],
        ["under_supported_age", "rejected"],
        ["country_not_supported", "inconclusive"],
        ["id_number_insufficient_document_data", "inconclusive"],
        ["consent_declined", "canceled"],
        ["abandoned", "canceled"]
      ]
      for (const [code, status] of expected) {
        const outcome = yield* outcomeOf(code, "documentSelfie")
        assert.strictEqual(outcome.status, status, code)
        assert.strictEqual(outcome.reason, code)
        assert.isUndefined(outcome.finalResult)
      }
      const mismatch = yield* outcomeOf("selfie_face_mismatch", "documentSelfie")
      assert.deepInclude(mismatch.checks, { name: "selfie", outcome: "failed", detail: "selfie_face_mismatch" })
    }).pipe(Effect.provide(TestLayer))
  )

  it("covers every status and every documented last_error code", () => {
    assert.strictEqual(StripeIdentityProvider.statusOf("requires_input", null), "pending")
    assert.strictEqual(StripeIdentityProvider.statusOf("processing", null), "processing")
    assert.strictEqual(StripeIdentityProvider.statusOf("verified", null), "accepted")
    assert.strictEqual(StripeIdentityProvider.statusOf("canceled", null), "canceled")
    assert.strictEqual(StripeIdentityProvider.statusOf("requires_input", "a_code_stripe_adds_later"), "inconclusive")
    const counts: Record<string, number> = {}
    for (const code of Testing.errorCodes) {
      const status = StripeIdentityProvider.statusOf("requires_input", code)
      counts[status] = (counts[status] ?? 0) + 1
    }
    assert.deepStrictEqual(counts, { canceled: 2, rejected: 9, inconclusive: 8 })
    for (const code of [...StripeIdentityProvider.rejectingErrors, ...StripeIdentityProvider.cancelingErrors]) {
      assert.include(Testing.errorCodes, code)
    }
  })

  it.live("the hosted page stand-in acts as the end-user and sends them to the return url", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("pending"))
      const page = yield* Effect.promise(() =>
        fetch(`${session.redirectUrl ?? ""}?outcome=verified`, { redirect: "manual" })
      )
      assert.strictEqual(page.status, 302)
      assert.strictEqual(page.headers.get("location"), "https://app.example/return")
      assert.strictEqual((yield* registered.fetchResult({ reference: session.reference })).status, "accepted")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("cancels a session that requires input; Stripe's refusal to cancel a verified one is InvalidRequest", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const pending = yield* registered.start(Testing.startRequest("pending"))
      yield* registered.cancel({ reference: pending.reference })
      const canceled = yield* registered.fetchResult({ reference: pending.reference })
      assert.strictEqual(canceled.status, "canceled")
      assert.strictEqual(canceled.reason, "canceled")
      const done = yield* registered.start(Testing.startRequest("verified"))
      yield* settle(done.reference)
      const error = yield* Effect.flip(registered.cancel({ reference: done.reference }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.match(error.requestId ?? "", /^req_/)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a 400 keeps Stripe's error.param and Request-Id", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const error = yield* Effect.flip(
        registered.start({ ...Testing.startRequest("pending"), parameters: { metadata: { test_outcome: "bogus" } } })
      )
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.deepStrictEqual(error.reason._tag === "InvalidRequest" ? error.reason.fields : [], [
        { name: "metadata[test_outcome]", reason: "parameter_invalid" }
      ])
      assert.match(error.requestId ?? "", /^req_/)
      assert.isFalse(error.isRetryable)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("an unknown session is NotFound; a wrong key is Unauthorized; 429 keeps Retry-After", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const missing = yield* Effect.flip(registered.fetchResult({ reference: "vs_missing" }))
      assert.strictEqual(missing.reason._tag, "NotFound")
      assert.match(missing.requestId ?? "", /^req_/)
      yield* (yield* simulator).failNext("rateLimited")
      const limited = yield* Effect.flip(registered.fetchResult({ reference: "vs_missing" }))
      assert.strictEqual(limited.reason._tag, "RateLimited")
      assert.isTrue(
        limited.reason._tag === "RateLimited" &&
          limited.reason.retryAfter !== undefined &&
          Duration.toSeconds(limited.reason.retryAfter) === 2
      )
      const wrongKey = yield* StripeIdentityClient.make({
        apiKey: Redacted.make("sk_test_wrong"),
        baseUrl: (yield* simulator).baseUrl
      }).pipe(Effect.provide(FetchHttpClient.layer))
      const unauthorized = yield* Effect.flip(wrongKey.retrieveVerificationSession("vs_missing"))
      assert.strictEqual(unauthorized.reason._tag, "Unauthorized")
      assert.notInclude(String(unauthorized), "sk_test_wrong")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("refuses document options on an idNumber process before calling Stripe", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const error = yield* Effect.flip(
        registered.start({
          ...Testing.startRequest("verified", "idNumber"),
          parameters: { allowedTypes: ["passport"] }
        })
      )
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.lengthOf(yield* (yield* simulator).requests, 0)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a webhook from the simulator verifies and names the session", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("pending"))
      const webhook = yield* (yield* simulator).complete(session.reference, "verified")
      const event = yield* registered.verifyWebhook(webhook)
      assert.strictEqual(event.reference, session.reference)
      assert.strictEqual(event.type, "identity.verification_session.verified")
      assert.match(event.id, /^evt_/)
    }).pipe(Effect.provide(TestLayer))
  )
})
