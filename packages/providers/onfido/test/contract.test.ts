// The contract test: the adapter against Prism serving Onfido's own OpenAPI document (spec/onfido-openapi.json).
// Prism validates every request against the document — an unknown field value, a missing required field, a wrong
// content type or a missing `Authorization` is answered 422/401 with `sl-violations` — so the adapter's requests must
// pass it; and Prism's responses (the document's examples, and random bodies generated from its schemas in dynamic
// mode) must decode.
import { IdentityData } from "@assure/core"
import { type IdentityProvider, ProviderError, type ProviderHttp } from "@assure/provider"
import { assert, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { OnfidoClient, OnfidoProvider, OnfidoWebhook } from "../src/index.js"
import * as Testing from "../src/testing.js"
import * as Prism from "./support/prism.js"

const apiToken = Redacted.make("api_sandbox.contract")
const webhookToken = Redacted.make("contract-webhook-token")
// Prism answers in milliseconds; the bound is for a loaded CI machine.
const testTimeout = 60_000
const someId = "497f6eca-6276-4993-bfeb-53cbbbba6f08"

interface Seen {
  readonly operation: string
  readonly status: number
  /** What Prism found wrong with the adapter's request. */
  readonly requestViolations: ReadonlyArray<string>
  /**
   * What Prism found wrong with its own answer: the document's examples for reports lack their required `id` and
   * `name`, and its report variants overlap (`oneOf` matching more than one schema).
   */
  readonly responseViolations: ReadonlyArray<{ readonly code: string; readonly message: string }>
}

const Violations = Schema.Array(
  Schema.Struct({ location: Schema.Array(Schema.String), code: Schema.String, message: Schema.String })
)
const decodeViolations = Schema.decodeUnknownSync(Schema.fromJsonString(Violations))

/** `POST /checks/{id}`-style names: the method and the path with ids replaced. */
const operationOf = (request: HttpClientRequest.HttpClientRequest) =>
  `${request.method} ${new URL(request.url).pathname.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "{id}")}`

/** The application's HttpClient, recording what Prism said about each request, and asking for `prefer`. */
const recordingClient = (seen: Array<Seen>, prefer?: string) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      client.pipe(
        HttpClient.mapRequest((request) =>
          prefer === undefined ? request : HttpClientRequest.setHeader(request, "prefer", prefer)
        ),
        HttpClient.tap((response) =>
          Effect.sync(() => {
            const header = response.headers["sl-violations"]
            const violations = header === undefined ? [] : decodeViolations(header)
            seen.push({
              operation: operationOf(response.request),
              status: response.status,
              requestViolations: violations
                .filter((violation) => violation.location[0] === "request")
                .map((violation) => `${violation.location.join(".")}: ${violation.message}`),
              responseViolations: violations
                .filter((violation) => violation.location[0] === "response")
                .map(({ code, message }) => ({ code, message }))
            })
          })
        )
      )
    )
  ).pipe(Layer.provide(FetchHttpClient.layer))

/** The client and the provider pointed at Prism, over a recording HttpClient. */
const against = (seen: Array<Seen>, prefer?: string) =>
  Effect.gen(function* () {
    const prism = yield* Prism.Prism
    const http = recordingClient(seen, prefer)
    const client = yield* OnfidoClient.make({ apiToken, baseUrl: prism.url }).pipe(Effect.provide(http))
    const provider = yield* OnfidoProvider.make({ webhookSecrets: [webhookToken], workflowId: someId }).pipe(
      Effect.provideService(OnfidoClient.OnfidoClient, client)
    )
    return { client, provider }
  })

const userData = Schema.decodeUnknownSync(IdentityData.IdentityData)({
  firstName: "Jane",
  lastName: "Doe",
  dateOfBirth: "1990-01-01"
})

/** Every operation of Onfido's API the adapter uses. */
const operations = [
  "POST /applicants",
  "POST /documents",
  "POST /live_photos",
  "POST /checks",
  "GET /checks/{id}",
  "GET /checks",
  "GET /reports",
  "GET /reports/{id}",
  "POST /workflow_runs",
  "GET /workflow_runs/{id}"
]

/** Calls every client operation once with valid input; each call's exit, by operation. */
const everyOperation = (client: OnfidoClient.OnfidoClient["Service"]) =>
  Effect.gen(function* () {
    const exits: Array<readonly [string, Exit.Exit<unknown, ProviderError.ProviderError>]> = []
    const call = <A>(operation: string, effect: Effect.Effect<ProviderHttp.Response<A>, ProviderError.ProviderError>) =>
      Effect.map(Effect.exit(effect), (exit) => {
        exits.push([operation, exit])
        return Exit.isSuccess(exit) ? exit.value.body : undefined
      })
    const applicant = yield* call(
      "POST /applicants",
      client.createApplicant({ first_name: "Jane", last_name: "Doe", dob: "1990-01-01", email: "jane@example.com" })
    )
    const applicantId = applicant?.id ?? someId
    const front = Testing.sampleImage("front")
    const document = yield* call(
      "POST /documents",
      client.uploadDocument(
        { applicant_id: applicantId, type: "passport", side: "front", issuing_country: "RKS" },
        { bytes: front.bytes, mediaType: front.mediaType, fileName: "front.jpg" }
      )
    )
    const selfie = Testing.sampleImage("selfie")
    yield* call(
      "POST /live_photos",
      client.uploadLivePhoto(
        { applicant_id: applicantId, advanced_validation: true },
        { bytes: selfie.bytes, mediaType: selfie.mediaType, fileName: "selfie.jpg" }
      )
    )
    const check = yield* call(
      "POST /checks",
      client.createCheck({
        applicant_id: applicantId,
        report_names: ["document", "facial_similarity_photo"],
        document_ids: [document?.id ?? someId],
        asynchronous: true,
        tags: ["assure"],
        consider: ["facial_similarity_photo"],
        sub_result: "caution"
      })
    )
    const found = yield* call("GET /checks/{id}", client.findCheck(check?.id ?? someId))
    yield* call("GET /checks", client.listChecks(applicantId))
    yield* call("GET /reports", client.listReports(check?.id ?? someId))
    yield* call("GET /reports/{id}", client.findReport(found?.report_ids?.[0] ?? someId))
    const run = yield* call(
      "POST /workflow_runs",
      client.createWorkflowRun({
        workflow_id: someId,
        applicant_id: applicantId,
        tags: ["assure"],
        customer_user_id: "p-123",
        custom_data: { process: "p-123", score: 3, nested: { ok: true } },
        link: { completed_redirect_url: "https://app.example/return", language: "en_US" }
      })
    )
    yield* call("GET /workflow_runs/{id}", client.findWorkflowRun(run?.id ?? someId))
    return exits
  })

/**
 * Checks one round: Prism found nothing wrong with any request, and every answer decoded — except answers Prism
 * itself flags as breaking the document for a reason other than an ambiguous `oneOf` (its static report examples
 * lack the required `id` and `name`): a body the document does not allow need not decode, and must then be
 * `InvalidResponse`.
 */
const assertRound = (
  exits: ReadonlyArray<readonly [string, Exit.Exit<unknown, ProviderError.ProviderError>]>,
  seen: ReadonlyArray<Seen>
) => {
  assert.deepStrictEqual(
    exits.map(([operation]) => operation),
    operations
  )
  assert.deepStrictEqual(
    seen.map((entry) => entry.operation),
    operations
  )
  exits.forEach(([operation, exit], index) => {
    const answer = seen[index]
    assert.isDefined(answer)
    assert.deepStrictEqual(answer?.requestViolations, [], operation)
    assert.isTrue(
      (answer?.status ?? 0) >= 200 && (answer?.status ?? 0) < 300,
      `${operation} answered ${answer?.status}`
    )
    const outsideDocument = (answer?.responseViolations ?? []).some((violation) => violation.code !== "oneOf")
    if (Exit.isFailure(exit)) {
      assert.isTrue(outsideDocument, `${operation} did not decode an answer the document allows`)
      const error = Cause.squash(exit.cause)
      assert.isTrue(error instanceof ProviderError.ProviderError && error.reason._tag === "InvalidResponse")
    }
  })
  return exits.filter(([, exit]) => Exit.isSuccess(exit)).length
}

const startRequest = (
  processType: string,
  parameters: unknown,
  files: ReadonlyArray<IdentityProvider.InputFile>
): IdentityProvider.StartRequest<unknown> => ({
  ...Testing.workflowRequest(),
  processType: processType as IdentityProvider.StartRequest["processType"],
  parameters,
  userData,
  files
})

layer(Prism.layer, { timeout: "90 seconds", excludeTestServices: true })(
  "contract: Onfido's OpenAPI document, served by Prism",
  (it) => {
    it.effect(
      "Prism enforces the document: no Authorization is 401, a value outside an enum is 422",
      () =>
        Effect.gen(function* () {
          const prism = yield* Prism.Prism
          const anonymous = yield* Effect.promise(() =>
            fetch(`${prism.url}/checks/${someId}`).then((response) => response.status)
          )
          assert.strictEqual(anonymous, 401)
          const invalid = yield* Effect.promise(() =>
            fetch(`${prism.url}/checks`, {
              method: "POST",
              headers: { authorization: "Token token=x", "content-type": "application/json" },
              body: JSON.stringify({ applicant_id: someId, report_names: ["not_a_report"] })
            }).then((response) => ({ status: response.status, violations: response.headers.get("sl-violations") }))
          )
          assert.strictEqual(invalid.status, 422)
          assert.include(invalid.violations ?? "", "report_names")
        }),
      testTimeout
    )

    it.effect(
      "every request the client sends passes Prism's validation, and every example answer decodes",
      () =>
        Effect.gen(function* () {
          const seen: Array<Seen> = []
          const { client } = yield* against(seen)
          const decoded = assertRound(yield* everyOperation(client), seen)
          // Only the two report operations, whose examples in the document lack `id` and `name`, may not decode.
          assert.isAtLeast(decoded, operations.length - 2)
        }),
      testTimeout
    )

    it.effect(
      "the provider's own requests pass: documentSelfie, workflow, results and a report webhook",
      () =>
        Effect.gen(function* () {
          const seen: Array<Seen> = []
          const { provider } = yield* against(seen)
          const check = yield* provider.start(
            startRequest(
              "documentSelfie",
              {
                documentType: "national_identity_card",
                issuingCountry: "XKX",
                tags: ["assure"],
                sandbox: { consider: ["document"], subResult: "rejected" }
              },
              [Testing.sampleImage("front"), Testing.sampleImage("back"), Testing.sampleImage("selfie")]
            )
          )
          yield* provider.fetchResult({ reference: check.reference, state: check.state })
          const run = yield* provider.start(
            startRequest("workflow", { customData: { plan: "gold" }, language: "de_DE" }, [])
          )
          assert.isString(run.redirectUrl)
          yield* provider.fetchResult({ reference: run.reference, state: run.state })
          const webhook = yield* OnfidoWebhook.sign({
            secret: webhookToken,
            event: { payload: { resource_type: "report", action: "report.completed", object: { id: someId } } }
          })
          // A report event names its check through GET /reports/{id}; the document's report example has no check_id.
          yield* Effect.exit(provider.verifyWebhook(webhook))
          const operationsSeen = new Set(seen.map((entry) => entry.operation))
          for (const operation of [
            "POST /applicants",
            "POST /documents",
            "POST /live_photos",
            "POST /checks",
            "GET /checks/{id}",
            "POST /workflow_runs",
            "GET /workflow_runs/{id}",
            "GET /reports/{id}"
          ]) {
            assert.isTrue(operationsSeen.has(operation), operation)
          }
          assert.strictEqual(seen.filter((entry) => entry.operation === "POST /documents").length, 2, "front and back")
          for (const entry of seen) {
            assert.isTrue(entry.status >= 200 && entry.status < 300, `${entry.operation} answered ${entry.status}`)
            assert.deepStrictEqual(entry.requestViolations, [], entry.operation)
          }
        }),
      testTimeout
    )

    it.effect(
      "decodes the bodies Prism generates from the document's schemas (dynamic mode, 12 rounds)",
      () =>
        Effect.gen(function* () {
          let decoded = 0
          for (let round = 0; round < 12; round++) {
            const seen: Array<Seen> = []
            const { client } = yield* against(seen, "dynamic=true")
            decoded += assertRound(yield* everyOperation(client), seen)
          }
          // Generated bodies follow the schemas (ambiguous report variants aside): all of them decode.
          assert.strictEqual(decoded, 12 * operations.length)
        }),
      testTimeout
    )

    it.effect(
      "classifies the error answers the document describes, with their fields",
      () =>
        Effect.gen(function* () {
          const expected = [
            [401, "Unauthorized"],
            [403, "Unauthorized"],
            [404, "NotFound"],
            [422, "InvalidRequest"],
            [429, "RateLimited"],
            [500, "Unavailable"]
          ] as const
          for (const [code, reason] of expected) {
            const { client } = yield* against([], `code=${code}`)
            const error = yield* Effect.flip(client.findCheck(someId))
            assert.strictEqual(error.reason._tag, reason, String(code))
          }
          // Onfido's error body as the document describes it: `error.fields` is an object of field names.
          assert.deepStrictEqual(
            OnfidoClient.invalidFields({
              error: {
                type: "validation_error",
                message: "There was a validation error on this request",
                fields: { last_name: ["can't be blank"], address: { postcode: ["is invalid", "is too long"] } }
              }
            }),
            [
              { name: "last_name", reason: "can't be blank" },
              { name: "address.postcode", reason: "is invalid; is too long" }
            ]
          )
        }),
      testTimeout
    )
  }
)
