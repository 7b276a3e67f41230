// What the conformance suite leaves to the adapter: what it sends Sumsub (its app-token signature checked against
// node:crypto), both flows, the exact normalised values, Sumsub's review answers and reject labels, and Sumsub's
// errors.
import { createHmac } from "node:crypto"
import { ProviderRegistry } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { SumsubClient, SumsubProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const appToken = "sbx:provider-test-app-token"
const secretKey = "provider-test-secret-key"
const webhookSecret = "provider-test-webhook-secret"

const options = {
  appToken: Redacted.make(appToken),
  secretKey: Redacted.make(secretKey),
  webhookSecret: Redacted.make(webhookSecret)
}

const TestLayer = Testing.layerTest(options).pipe(
  Layer.provideMerge(ProviderRegistry.layer),
  Layer.provide(FetchHttpClient.layer)
)

const provider = ProviderRegistry.ProviderRegistry.use((registry) => registry.get(SumsubProvider.name))
const simulator = Testing.SumsubSimulator

/** Starts an upload whose applicant the simulator reviews with `answer`, and fetches its outcome. */
const outcomeOf = (answer: Testing.Answer, flow: SumsubProvider.Flow = "upload") =>
  Effect.gen(function* () {
    const registered = yield* provider
    const session = yield* registered.start(Testing.startRequest(answer, flow))
    if (flow === "hosted") yield* simulator.use((running) => running.complete(session.reference, answer))
    return yield* registered.fetchResult({ reference: session.reference, state: session.state })
  })

describe("SumsubProvider", () => {
  it.live("normalises what Sumsub read (info, idDocs, addresses) with the core codecs", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf("GREEN")
      assert.strictEqual(outcome.status, "accepted")
      assert.isUndefined(outcome.reason)
      assert.deepStrictEqual<unknown>(outcome.finalResult, {
        firstName: "ERIKA",
        lastName: "MUSTERMANN",
        dateOfBirth: "1964-08-12",
        nationality: "DEU",
        documentType: "idCard",
        documentNumber: "LZ6311T47",
        issuingCountry: "DEU",
        dateOfIssue: "2021-08-02",
        dateOfExpiry: "2031-08-01",
        address: { lines: ["HEIDESTRASSE 17"], postalCode: "51147", city: "KÖLN", country: "DEU" }
      })
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("RED with FINAL is rejected, its reject labels the reason through the code table", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf("RED")
      assert.strictEqual(outcome.status, "rejected")
      assert.strictEqual(outcome.reason, "documentForged,documentTemplate")
      assert.isUndefined(outcome.finalResult)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("RED with RETRY is inconclusive in the upload flow and pending in the hosted flow", () =>
    Effect.gen(function* () {
      const upload = yield* outcomeOf("RETRY")
      assert.strictEqual(upload.status, "inconclusive")
      assert.strictEqual(upload.reason, "imageQualityLow")
      const hosted = yield* outcomeOf("RETRY", "hosted")
      assert.strictEqual(hosted.status, "pending")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("an applicant Sumsub has not reviewed yet is processing", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("pending"))
      assert.strictEqual(session.status, "processing")
      assert.strictEqual(yield* simulator.use((running) => running.reviewStatus(session.reference)), "pending")
      const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(outcome.status, "processing")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("signs every request as Sumsub asks: hex HMAC-SHA256 of ts, method, path with query, body", () =>
    Effect.gen(function* () {
      yield* (yield* provider).start(Testing.startRequest("GREEN"))
      const requests = yield* simulator.use((running) => running.requests)
      assert.deepStrictEqual(
        requests.map((request) => `${request.method} ${request.url.replace(/[0-9a-f]{24}/, "{id}")}`),
        [
          "POST /resources/applicants?levelName=basic-kyc-level",
          "POST /resources/applicants/{id}/info/idDoc",
          "POST /resources/applicants/{id}/info/idDoc",
          "POST /resources/applicants/{id}/status/pending"
        ]
      )
      for (const request of requests) {
        const timestamp = request.headers["x-app-access-ts"] ?? ""
        assert.strictEqual(request.headers["x-app-token"], appToken)
        assert.match(timestamp, /^\d{10}$/)
        assert.match(request.headers["x-app-access-sig"] ?? "", /^[0-9a-f]{64}$/)
        // The recording keeps bodies as text, so only the text bodies are recomputed here; the simulator checked the
        // multipart ones over their bytes (it refuses a wrong signature, and the upload went on).
        if (request.headers["content-type"]?.startsWith("multipart/") === true) continue
        const expected = createHmac("sha256", secretKey)
          .update(`${timestamp}${request.method}${request.url}${request.body}`)
          .digest("hex")
        assert.strictEqual(request.headers["x-app-access-sig"], expected)
      }
      // The upload is multipart: the metadata part and the file.
      const upload = requests[1]
      assert.match(upload?.headers["content-type"] ?? "", /^multipart\/form-data; boundary=/)
      assert.include(upload?.body ?? "", '{"idDocType":"ID_CARD","idDocSubType":"FRONT_SIDE","country":"DEU"}')
      assert.include(upload?.body ?? "", 'name="content"; filename="front.jpg"')
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a wrong secret key is Unauthorized: Sumsub refuses the signature", () =>
    Effect.gen(function* () {
      const running = yield* Testing.make(options)
      const client = yield* SumsubClient.make({
        appToken: options.appToken,
        secretKey: Redacted.make("not-the-secret-key"),
        baseUrl: running.baseUrl
      })
      const error = yield* Effect.flip(client.getApplicant("5b594ade0a975a36c9349e66"))
      assert.strictEqual(error.reason._tag, "Unauthorized")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )

  it.live("the hosted flow gives the WebSDK permalink and an SDK token, and returns to the return URL", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("GREEN", "hosted"))
      assert.strictEqual(session.status, "pending")
      assert.match(session.redirectUrl ?? "", /\/websdk\/p\/[0-9a-f]{32}$/)
      assert.match(Redacted.value(session.clientToken ?? Redacted.make("")), /^_act-/)
      assert.deepStrictEqual(session.state, { flow: "hosted" })
      const before = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(before.status, "pending")
      const response = yield* Effect.promise(() => fetch(`${session.redirectUrl}?submit=1`, { redirect: "manual" }))
      assert.strictEqual(response.status, 302)
      assert.strictEqual(response.headers.get("location"), "https://app.example/return")
      const after = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(after.status, "accepted")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("refuses an upload without a front image or an issuing country, before calling Sumsub", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const noFront = yield* Effect.flip(registered.start({ ...Testing.startRequest("GREEN"), files: [] }))
      assert.strictEqual(noFront.reason._tag, "InvalidRequest")
      const noCountry = yield* Effect.flip(registered.start({ ...Testing.startRequest("GREEN"), parameters: {} }))
      assert.strictEqual(noCountry.reason._tag, "InvalidRequest")
      assert.lengthOf(yield* simulator.use((running) => running.requests), 0)
    }).pipe(Effect.provide(TestLayer))
  )

  it("maps review statuses and answers as the README's table says", () => {
    assert.strictEqual(SumsubProvider.statusOf(undefined, "hosted"), "pending")
    assert.strictEqual(SumsubProvider.statusOf({ reviewStatus: "init" }, "hosted"), "pending")
    for (const reviewStatus of SumsubProvider.processingReviewStatuses) {
      assert.strictEqual(SumsubProvider.statusOf({ reviewStatus }, "upload"), "processing")
    }
    assert.strictEqual(SumsubProvider.statusOf({ reviewStatus: "completed" }, "upload"), "processing")
    const red = (reviewRejectType: "FINAL" | "RETRY") => ({
      reviewStatus: "completed",
      reviewResult: { reviewAnswer: "RED" as const, reviewRejectType }
    })
    assert.strictEqual(SumsubProvider.statusOf(red("FINAL"), "hosted"), "rejected")
    assert.strictEqual(SumsubProvider.statusOf(red("RETRY"), "upload"), "inconclusive")
    assert.strictEqual(SumsubProvider.statusOf(red("RETRY"), "hosted"), "pending")
    assert.strictEqual(
      SumsubProvider.statusOf({ reviewStatus: "completed", reviewResult: { reviewAnswer: "GREEN" } }, "upload"),
      "accepted"
    )
    // A label the table does not hold is kept as Sumsub wrote it.
    assert.strictEqual(
      SumsubProvider.reasonOf({ reviewAnswer: "RED", rejectLabels: ["BAD_FACE_MATCHING", "SOME_NEW_LABEL"] }),
      "faceMismatch,SOME_NEW_LABEL"
    )
  })
  it.live("is configured from the environment as the server reads it: SUMSUB_*, webhook secrets comma separated", () =>
    Effect.gen(function* () {
      const running = yield* Testing.make(options)
      const environment = {
        SUMSUB_APP_TOKEN: appToken,
        SUMSUB_SECRET_KEY: secretKey,
        SUMSUB_LEVEL_NAME: "env-level",
        SUMSUB_WEBHOOK_SECRET: "new-secret, old-secret",
        SUMSUB_BASE_URL: running.baseUrl
      }
      const layer = SumsubProvider.layerConfig.pipe(
        Layer.provideMerge(ProviderRegistry.layer),
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: environment })))
      )
      yield* Effect.gen(function* () {
        const registered = yield* provider
        yield* registered.start(Testing.startRequest("GREEN"))
        const created = (yield* running.requests)[0]
        assert.strictEqual(created?.url, "/resources/applicants?levelName=env-level")
        // A webhook signed with the old secret still verifies while the secret changes.
        const body = JSON.stringify({
          applicantId: "a1",
          type: "applicantPending",
          createdAtMs: "2026-01-01 00:00:00.000"
        })
        const event = yield* registered.verifyWebhook({
          headers: {
            "x-payload-digest": createHmac("sha512", "old-secret").update(body).digest("hex"),
            "x-payload-digest-alg": "HMAC_SHA512_HEX"
          },
          rawBody: new TextEncoder().encode(body)
        })
        assert.strictEqual(event.reference, "a1")
      }).pipe(Effect.provide(layer))
      const missing = yield* Effect.flip(
        Layer.build(
          SumsubProvider.layerConfig.pipe(
            Layer.provideMerge(ProviderRegistry.layer),
            Layer.provide(FetchHttpClient.layer),
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { SUMSUB_APP_TOKEN: appToken } })))
          )
        )
      )
      assert.strictEqual(missing._tag, "ConfigError")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )
  it.live("a retried start finds the applicant the first attempt created, instead of failing on Sumsub's 409", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const request = Testing.startRequest("GREEN")
      const first = yield* registered.start(request)
      const again = yield* registered.start(request)
      assert.strictEqual(again.reference, first.reference)
      assert.strictEqual(again.status, "processing")
      const requests = yield* simulator.use((running) => running.requests)
      // The second attempt: Sumsub refuses the duplicate, the applicant is read by externalUserId, nothing is re-sent.
      assert.deepStrictEqual(
        requests.slice(4).map((recorded) => `${recorded.method} ${recorded.url}`),
        [
          "POST /resources/applicants?levelName=basic-kyc-level",
          `GET /resources/applicants/-;externalUserId=${request.processId}/one`
        ]
      )
      const hosted = Testing.startRequest("GREEN", "hosted")
      const link = yield* registered.start(hosted)
      assert.strictEqual((yield* registered.start(hosted)).reference, link.reference)
    }).pipe(Effect.provide(TestLayer))
  )
  it.live("the simulator's webhooks, in each of Sumsub's digest algorithms, verify and name the applicant", () =>
    Effect.gen(function* () {
      for (const webhookAlgorithm of ["HMAC_SHA1_HEX", "HMAC_SHA256_HEX", "HMAC_SHA512_HEX"] as const) {
        yield* Effect.gen(function* () {
          const registered = yield* provider
          const session = yield* registered.start(Testing.startRequest("pending"))
          const webhook = yield* simulator.use((running) => running.complete(session.reference, "RED", ["SPAM"]))
          assert.strictEqual(webhook.headers["x-payload-digest-alg"], webhookAlgorithm)
          const event = yield* registered.verifyWebhook(webhook)
          assert.strictEqual(event.reference, session.reference)
          assert.strictEqual(event.type, "applicantReviewed")
          const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
          assert.strictEqual(outcome.status, "rejected")
          assert.strictEqual(outcome.reason, "SPAM")
        }).pipe(
          Effect.provide(
            Testing.layerTest({ ...options, webhookAlgorithm }).pipe(
              Layer.provideMerge(ProviderRegistry.layer),
              Layer.provide(FetchHttpClient.layer)
            )
          )
        )
      }
    })
  )
})
