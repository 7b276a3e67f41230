// What the conformance suite leaves to each adapter: exactly what it makes of Persona's answers — the status table,
// the normalised identity data, the request it sends, the hosted flow's URL, the events it reads, and Persona's
// rate-limit header.
import { ProviderError, ProviderRegistry } from "@assure/provider"
import { SimulatorFault } from "@assure/provider/testing"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { PersonaClient, PersonaProvider, PersonaWebhook } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = Redacted.make("persona_sandbox_provider_test")
const webhookSecret = Redacted.make("wbhsec_provider_test")

const TestLayer = Testing.layerTest({ apiKey, webhookSecret }).pipe(
  Layer.provideMerge(ProviderRegistry.layer),
  Layer.provide(FetchHttpClient.layer)
)

const provider = ProviderRegistry.ProviderRegistry.use((registry) => registry.get(PersonaProvider.name))

/** Starts an inquiry that the simulator ends in `status`, and fetches its outcome. */
const outcomeOf = (status: Testing.InquiryStatus, parameters?: PersonaProvider.Parameters) =>
  Effect.gen(function* () {
    const registered = yield* provider
    const session = yield* registered.start(Testing.startRequest(status, { parameters }))
    return yield* registered.fetchResult({ reference: session.reference, state: session.state })
  }).pipe(Effect.provide(TestLayer))

describe("PersonaProvider", () => {
  it("maps every documented inquiry status", () => {
    assert.deepStrictEqual(
      PersonaClient.InquiryStatus.literals.map((status) => [status, PersonaProvider.statusOf(status, false)]),
      [
        ["created", "pending"],
        ["pending", "pending"],
        ["completed", "accepted"],
        ["failed", "rejected"],
        ["expired", "canceled"],
        ["needs_review", "inconclusive"],
        ["approved", "accepted"],
        ["declined", "rejected"]
      ]
    )
    assert.strictEqual(PersonaProvider.statusOf("completed", true), "processing")
    assert.strictEqual(PersonaProvider.statusOf("needs_review", true), "processing")
    assert.strictEqual(PersonaProvider.statusOf("approved", true), "accepted")
  })

  it.live("normalises what Persona collected with the core codecs", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf("completed")
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual<unknown>(outcome.finalResult, {
        firstName: "Erika",
        lastName: "Mustermann",
        dateOfBirth: "1964-08-12",
        address: { lines: ["Heidestrasse 17"], postalCode: "51147", city: "Köln", country: "DEU" },
        documentType: "idCard",
        documentNumber: "C01X00T47",
        issuingCountry: "DEU",
        dateOfIssue: "2021-01-15",
        dateOfExpiry: "2031-01-14"
      })
      assert.deepStrictEqual(outcome.checks, [
        { name: "verification/government-id", outcome: "passed", detail: "passed" },
        { name: "verification/government-id/id_expired_detection", outcome: "passed", detail: "passed" }
      ])
    })
  )

  it.effect(
    "reads an attribute Persona left as {} or null as absent, and a passed government ID where the inquiry has none",
    () =>
      Effect.gen(function* () {
        const document = Schema.decodeUnknownSync(PersonaClient.InquiryDocument)({
          data: {
            type: "inquiry",
            id: "inq_1",
            attributes: {
              status: "approved",
              "name-first": "Erika",
              "name-middle": {},
              "name-last": null,
              birthdate: {}
            },
            relationships: { verifications: { data: [{ type: "verification/government-id", id: "ver_2" }] } }
          },
          included: [
            { type: "verification/government-id", id: "ver_1", attributes: { status: "failed", "name-last": "Wrong" } },
            {
              type: "verification/government-id",
              id: "ver_2",
              attributes: {
                status: "passed",
                "name-last": "Mustermann",
                "name-middle": {},
                birthdate: "1964-08-12",
                "id-class": "pp",
                "country-code": "DE",
                "expiration-date": {}
              }
            },
            { type: "inquiry-template", id: "itmpl_1", attributes: { name: "KYC" } }
          ]
        })
        assert.deepStrictEqual<unknown>(yield* PersonaProvider.normalise(document), {
          firstName: "Erika",
          lastName: "Mustermann",
          dateOfBirth: "1964-08-12",
          documentType: "passport",
          issuingCountry: "DEU"
        })
      })
  )

  it.live("keeps Persona's status as the reason, and no identity data, when not accepted", () =>
    Effect.gen(function* () {
      for (const [status, expected] of [
        ["declined", "rejected"],
        ["failed", "rejected"],
        ["needs_review", "inconclusive"],
        ["expired", "canceled"]
      ] as const) {
        const outcome = yield* outcomeOf(status)
        assert.strictEqual(outcome.status, expected, status)
        assert.strictEqual(outcome.reason, status)
        assert.isUndefined(outcome.finalResult)
        if (status === "failed") {
          assert.deepStrictEqual(outcome.checks, [
            { name: "verification/government-id", outcome: "failed", detail: "failed" },
            {
              name: "verification/government-id/id_expired_detection",
              outcome: "failed",
              detail: "failed: expired"
            }
          ])
        }
      }
    })
  )

  it.live("waits past completed for the decision when awaitDecision is set", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const simulator = yield* Testing.PersonaSimulator
      const session = yield* registered.start(
        Testing.startRequest("completed", { parameters: { awaitDecision: true } })
      )
      const first = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(first.status, "processing")
      yield* simulator.complete(session.reference, "declined")
      const decided = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(decided.status, "rejected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("creates the inquiry from the template, with the process as reference and the known names as fields", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const simulator = yield* Testing.PersonaSimulator
      const request = Testing.startRequest("waiting", {
        parameters: { inquiryTemplateId: "itmpl_Other123" },
        returnUrl: "https://assure.example/callbacks/persona?processId=p-1"
      })
      const session = yield* registered.start(request)
      const [sent] = yield* simulator.requests
      assert.strictEqual(sent?.url, "/api/v1/inquiries")
      assert.strictEqual(sent?.headers.authorization, `Bearer ${Redacted.value(apiKey)}`)
      assert.strictEqual(sent?.headers["persona-version"], PersonaClient.defaultApiVersion)
      assert.strictEqual(sent?.headers["key-inflection"], "kebab")
      assert.strictEqual(sent?.headers["idempotency-key"], request.idempotencyKey)
      assert.deepStrictEqual(JSON.parse(sent?.body ?? ""), {
        data: {
          attributes: {
            "inquiry-template-id": "itmpl_Other123",
            "reference-id": request.processId,
            fields: { "name-first": "Erika", "name-last": "Pending" }
          }
        }
      })
      const url = new URL(session.redirectUrl ?? "")
      assert.strictEqual(`${url.origin}${url.pathname}`, simulator.hostedFlowUrl)
      assert.strictEqual(url.searchParams.get("inquiry-id"), session.reference)
      assert.strictEqual(url.searchParams.get("redirect-uri"), request.returnUrl)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("the hosted flow sends the end-user back with the inquiry id once it is done", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(
        Testing.startRequest("approved", { returnUrl: "https://assure.example/callbacks/persona?processId=p-2" })
      )
      const visit = yield* Effect.promise(() => fetch(session.redirectUrl ?? "", { redirect: "manual" }))
      assert.strictEqual(visit.status, 302)
      const back = new URL(visit.headers.get("location") ?? "")
      assert.strictEqual(back.searchParams.get("processId"), "p-2")
      assert.strictEqual(back.searchParams.get("inquiry-id"), session.reference)
      assert.strictEqual(back.searchParams.get("status"), "approved")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("refuses a start without an inquiry template, before calling Persona", () =>
    Effect.gen(function* () {
      const registered = yield* PersonaProvider.make({ webhookSecrets: [webhookSecret] }).pipe(
        Effect.provide(
          Layer.unwrap(
            Effect.map(Testing.PersonaSimulator, (simulator) =>
              PersonaClient.layer({ apiKey, baseUrl: simulator.baseUrl })
            )
          )
        )
      )
      const error = yield* Effect.flip(registered.start(Testing.startRequest("completed")))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.lengthOf(yield* Testing.PersonaSimulator.use((simulator) => simulator.requests), 0)
    }).pipe(Effect.provide(Testing.layer({ apiKey, webhookSecret })), Effect.provide(FetchHttpClient.layer))
  )

  it.live("cancel expires the inquiry at Persona", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const simulator = yield* Testing.PersonaSimulator
      const session = yield* registered.start(Testing.startRequest("waiting"))
      yield* registered.cancel({ reference: session.reference, state: session.state })
      assert.strictEqual(yield* simulator.status(session.reference), "expired")
      const sent = (yield* simulator.requests).at(-1)
      assert.strictEqual(sent?.method, "POST")
      assert.strictEqual(sent?.url, `/api/v1/inquiries/${session.reference}/expire`)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("reads Persona's RateLimit-Reset as the delay of a 429", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const simulator = yield* Testing.PersonaSimulator
      yield* simulator.arm(SimulatorFault.rateLimited({ spelling: "rateLimitReset", seconds: 53 }))
      const error = yield* Effect.flip(registered.start(Testing.startRequest("completed")))
      assert.strictEqual(error.reason._tag, "RateLimited")
      if (error.reason._tag === "RateLimited") {
        assert.strictEqual(Duration.toSeconds(error.reason.retryAfter ?? Duration.zero), 53)
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("names Persona's invalid fields from its JSON:API error body", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const simulator = yield* Testing.PersonaSimulator
      yield* simulator.arm(
        SimulatorFault.status(422, {
          errors: [
            {
              title: "Invalid fields",
              details: "birthdate must be YYYY-MM-DD",
              source: { pointer: "/data/attributes/fields/birthdate" }
            }
          ]
        })
      )
      const error = yield* Effect.flip(registered.start(Testing.startRequest("completed")))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      if (error.reason._tag === "InvalidRequest") {
        assert.deepStrictEqual(error.reason.fields, [
          { name: "/data/attributes/fields/birthdate", reason: "birthdate must be YYYY-MM-DD" }
        ])
      }
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("PersonaWebhook", () => {
  const event = (payload: unknown) =>
    JSON.stringify({
      data: {
        type: "event",
        id: "evt_123",
        attributes: {
          name: "verification.passed",
          "created-at": "2026-01-01T00:00:00.000Z",
          payload: { data: payload }
        }
      }
    })

  it.effect("signs one t=,v1= set per secret, separated by a space, and accepts either", () =>
    Effect.gen(function* () {
      const body = event({ type: "inquiry", id: "inq_1", attributes: { status: "completed" } })
      const old = Redacted.make("wbhsec_old")
      const signed = yield* PersonaWebhook.sign({ secrets: [webhookSecret, old], event: body, timestamp: 0 })
      assert.match(signed.headers[PersonaWebhook.signatureHeader] ?? "", /^t=0,v1=[0-9a-f]{64} t=0,v1=[0-9a-f]{64}$/)
      const verified = yield* PersonaWebhook.verify({ secrets: [old], request: signed })
      assert.strictEqual(verified.data.id, "evt_123")
    })
  )

  it.effect("names the inquiry a verification event is about", () =>
    Effect.gen(function* () {
      const body = event({
        type: "verification/government-id",
        id: "ver_1",
        attributes: { status: "passed" },
        relationships: { inquiry: { data: { type: "inquiry", id: "inq_9" } } }
      })
      const request = yield* PersonaWebhook.sign({ secrets: [webhookSecret], event: body, timestamp: 0 })
      const verified = yield* PersonaWebhook.verify({ secrets: [webhookSecret], request })
      assert.deepStrictEqual(yield* PersonaWebhook.eventOf(verified), {
        id: "evt_123",
        reference: "inq_9",
        type: "verification.passed"
      })
    })
  )

  it.effect("refuses a signature made with another secret", () =>
    Effect.gen(function* () {
      const body = event({ type: "inquiry", id: "inq_1" })
      const request = yield* PersonaWebhook.sign({
        secrets: [Redacted.make("wbhsec_other")],
        event: body,
        timestamp: 0
      })
      const error = yield* Effect.flip(PersonaWebhook.verify({ secrets: [webhookSecret], request }))
      assert.instanceOf(error, ProviderError.ProviderError)
      assert.strictEqual(error.reason._tag, "WebhookSignatureInvalid")
    })
  )
})

describe("the simulator", () => {
  it.live("performs sandbox simulate actions, firing each event", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const simulator = yield* Testing.PersonaSimulator
      const session = yield* registered.start(Testing.startRequest("waiting"))
      const answer = yield* Effect.promise(() =>
        fetch(`${simulator.baseUrl}/inquiries/${session.reference}/perform-simulate-actions`, {
          method: "POST",
          headers: { authorization: `Bearer ${Redacted.value(apiKey)}`, "content-type": "application/json" },
          body: JSON.stringify({
            meta: {
              "simulate-actions": [{ type: "start_inquiry" }, { type: "complete_inquiry" }, { type: "approve_inquiry" }]
            }
          })
        }).then((response) => response.json())
      )
      assert.strictEqual(
        Schema.decodeUnknownSync(PersonaClient.InquiryDocument)(answer).data.attributes.status,
        "approved"
      )
      const names = (yield* simulator.webhooks).map((delivery) => JSON.parse(delivery.body).data.attributes.name)
      assert.deepStrictEqual(names, ["inquiry.created", "inquiry.started", "inquiry.completed", "inquiry.approved"])
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("refuses what Persona refuses: another key, an unknown attribute, a missing template", () =>
    Effect.gen(function* () {
      const simulator = yield* Testing.PersonaSimulator
      const post = (key: string, attributes: unknown) =>
        Effect.promise(() =>
          fetch(`${simulator.baseUrl}/inquiries`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ data: { attributes } })
          }).then(async (response) => ({ status: response.status, body: await response.json() }))
        )
      const key = Redacted.value(apiKey)
      assert.strictEqual(
        (yield* post("persona_sandbox_other", { "inquiry-template-id": Testing.templateId })).status,
        401
      )
      const unknown = yield* post(key, { "inquiry-template-id": Testing.templateId, "redirect-url": "https://x" })
      assert.strictEqual(unknown.status, 400)
      assert.strictEqual(unknown.body.errors[0].source.pointer, "/data/attributes/redirect-url")
      assert.strictEqual((yield* post(key, { "reference-id": "r" })).status, 422)
      assert.strictEqual((yield* post(key, { "inquiry-template-id": Testing.templateId })).status, 201)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a retried start with the same idempotency key gets the same inquiry, another body a 400", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const simulator = yield* Testing.PersonaSimulator
      const request = Testing.startRequest("waiting")
      const first = yield* registered.start(request)
      const again = yield* registered.start(request)
      assert.strictEqual(again.reference, first.reference)
      const error = yield* Effect.flip(registered.start({ ...request, parameters: { referenceId: "other" } }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.lengthOf(
        (yield* simulator.webhooks).filter(
          (delivery) => JSON.parse(delivery.body).data.attributes.name === "inquiry.created"
        ),
        1
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("answers in the Key-Inflection asked for, and refuses an unknown Persona-Version", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const simulator = yield* Testing.PersonaSimulator
      const session = yield* registered.start(Testing.startRequest("completed"))
      const get = (headers: Record<string, string>) =>
        Effect.promise(() =>
          fetch(`${simulator.baseUrl}/inquiries/${session.reference}`, {
            headers: { authorization: `Bearer ${Redacted.value(apiKey)}`, ...headers }
          }).then(async (response) => ({ status: response.status, body: await response.json() }))
        )
      const snake = yield* get({ "key-inflection": "snake" })
      assert.strictEqual(snake.body.data.attributes.name_first, "Erika")
      const camel = yield* get({ "key-inflection": "camel" })
      assert.strictEqual(camel.body.data.attributes.nameFirst, "Erika")
      const version = yield* get({ "persona-version": "1999-01-01" })
      assert.strictEqual(version.status, 400)
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("PersonaProvider.layerConfig", () => {
  it.live("reads the key, both secrets of a rotation, the template and the URLs from the PERSONA_ variables", () =>
    Effect.gen(function* () {
      const simulator = yield* Testing.make({ apiKey, webhookSecret })
      const environment = {
        PERSONA_API_KEY: Redacted.value(apiKey),
        PERSONA_WEBHOOK_SECRET: "wbhsec_new, wbhsec_old",
        PERSONA_INQUIRY_TEMPLATE_ID: "itmpl_FromEnv1",
        PERSONA_BASE_URL: simulator.baseUrl,
        PERSONA_HOSTED_FLOW_URL: simulator.hostedFlowUrl,
        PERSONA_API_VERSION: "2025-12-08"
      }
      const layer = PersonaProvider.layerConfig.pipe(
        Layer.provideMerge(ProviderRegistry.layer),
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: environment })))
      )
      yield* Effect.gen(function* () {
        const registered = yield* provider
        const session = yield* registered.start(Testing.startRequest("completed"))
        assert.isTrue(session.redirectUrl?.startsWith(`${simulator.hostedFlowUrl}?`))
        const [sent] = yield* simulator.requests
        assert.strictEqual(sent?.headers["persona-version"], "2025-12-08")
        assert.strictEqual(JSON.parse(sent?.body ?? "").data.attributes["inquiry-template-id"], "itmpl_FromEnv1")
        // An event signed with the old secret still verifies while the secret rotates.
        const request = yield* PersonaWebhook.sign({
          secrets: [Redacted.make("wbhsec_old")],
          event: JSON.stringify({
            data: {
              type: "event",
              id: "evt_1",
              attributes: { name: "inquiry.completed", payload: { data: { type: "inquiry", id: session.reference } } }
            }
          })
        })
        assert.strictEqual((yield* registered.verifyWebhook(request)).reference, session.reference)
      }).pipe(Effect.provide(layer))
      const missing = yield* Effect.flip(
        Layer.build(
          PersonaProvider.layerConfig.pipe(
            Layer.provideMerge(ProviderRegistry.layer),
            Layer.provide(FetchHttpClient.layer),
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { PERSONA_WEBHOOK_SECRET: "wbhsec_x" } })))
          )
        )
      )
      assert.strictEqual(missing._tag, "ConfigError")
    }).pipe(Effect.scoped)
  )
})
