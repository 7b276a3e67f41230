// What the conformance suite leaves to the adapter: what it sends Onfido, the exact normalised values, Onfido's
// statuses, results and sub-results, Studio workflow runs, webhooks delivered over HTTP, and Onfido's errors.
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { IdentityData } from "@assure/core"
import { type IdentityProvider, ProviderRegistry } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Queue, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { OnfidoClient, OnfidoProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"
import * as OnfidoSpec from "./support/OnfidoSpec.js"

const apiToken = Redacted.make("api_sandbox.provider_test")
const webhookToken = Redacted.make("provider-test-webhook-token")

const TestLayer = OnfidoSpec.validated(Testing.layerTest({ apiToken, webhookToken, timeout: "2 seconds" })).pipe(
  Layer.provideMerge(ProviderRegistry.layer),
  Layer.provide(FetchHttpClient.layer)
)

const provider = ProviderRegistry.ProviderRegistry.use((registry) => registry.get(OnfidoProvider.name))
const simulator = Testing.OnfidoSimulator

/** Polls until the verification leaves pending/processing, as the engine would. */
const settle = (session: IdentityProvider.Session) =>
  Effect.gen(function* () {
    const registered = yield* provider
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      if (outcome.status !== "pending" && outcome.status !== "processing") return outcome
    }
    return yield* Effect.die(new Error("the verification did not settle"))
  })

const outcomeOf = (request: IdentityProvider.StartRequest<unknown>) =>
  Effect.gen(function* () {
    const registered = yield* provider
    return yield* settle(yield* registered.start(request))
  })

const userData = (fields: Record<string, string>) => Schema.decodeUnknownSync(IdentityData.IdentityData)(fields)

const sent = Effect.flatMap(simulator, (running) => running.requests)

describe("OnfidoProvider: the classic flow", () => {
  it.live("creates an applicant, uploads the document sides as multipart and starts a check, with Onfido's token", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const request = Testing.startRequest("pending")
      const session = yield* registered.start({
        ...request,
        files: [Testing.sampleImage("front"), Testing.sampleImage("back")],
        parameters: { tags: [Testing.pendingTag], documentType: "national_identity_card", issuingCountry: "XKX" }
      })
      assert.strictEqual(session.status, "processing")
      assert.deepStrictEqual(session.state, {
        flow: "check",
        applicantId: (session.state?.applicantId ?? "") as string
      })
      const requests = yield* sent
      assert.deepStrictEqual(
        requests.map((entry) => `${entry.method} ${entry.url}`),
        ["POST /v3.6/applicants", "POST /v3.6/documents", "POST /v3.6/documents", "POST /v3.6/checks"]
      )
      for (const entry of requests) {
        assert.strictEqual(entry.headers.authorization, "Token token=api_sandbox.provider_test")
        assert.match(entry.headers["user-agent"] ?? "", /^assure-onfido\//)
      }
      const [applicant, front, back, check] = requests
      assert.deepStrictEqual(JSON.parse(applicant?.body ?? ""), {
        first_name: "Jane",
        last_name: "Doe",
        dob: "1990-01-01"
      })
      assert.match(front?.headers["content-type"] ?? "", /^multipart\/form-data; boundary=/)
      for (const [part, value] of [
        ["type", "national_identity_card"],
        ["side", "front"],
        ["issuing_country", "RKS"]
      ]) {
        assert.match(front?.body ?? "", new RegExp(`name="${part}"\\r\\n\\r\\n${value}\\r\\n`), part)
      }
      assert.match(front?.body ?? "", /name="file"; filename="front\.jpg"\r\nContent-Type: image\/jpeg/)
      assert.match(back?.body ?? "", /name="side"\r\n\r\nback\r\n/)
      const checkBody = JSON.parse(check?.body ?? "")
      assert.deepStrictEqual(checkBody.report_names, ["document"])
      assert.lengthOf(checkBody.document_ids, 2)
      assert.strictEqual(checkBody.asynchronous, true)
      assert.deepStrictEqual(checkBody.tags, [Testing.pendingTag])
      assert.strictEqual(checkBody.applicant_id, session.state?.applicantId)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("normalises the document report with the core codecs: RKS is Kosovo (XKX)", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf({
        ...Testing.startRequest("clear", "documentSelfie"),
        parameters: { documentType: "passport", issuingCountry: "XKX" }
      })
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual<unknown>(outcome.finalResult, {
        firstName: "Jane",
        lastName: "Doe",
        dateOfBirth: "1990-01-01",
        gender: "F",
        nationality: "XKX",
        documentType: "passport",
        documentNumber: "999999999",
        issuingCountry: "XKX",
        dateOfIssue: "2021-05-28",
        dateOfExpiry: "2031-05-28",
        // Mapped from the report's address_lines, checked in Onfido's words below.
        address: { lines: ["1 Sample Street"], postalCode: "SW1A 0AA", city: "London", country: "GBR" }
      })
      assert.deepStrictEqual(outcome.checks, [
        { name: "document", outcome: "passed", detail: "clear" },
        { name: "facial_similarity_photo", outcome: "passed", detail: "clear" }
      ])
      const specific = outcome.providerSpecific.onfido as {
        readonly check: { readonly status: string }
        readonly reports: {
          readonly reports: ReadonlyArray<{
            readonly properties: { readonly issuing_country: string; readonly address_lines: unknown }
          }>
        }
      }
      assert.strictEqual(specific.check.status, "complete")
      assert.strictEqual(specific.reports.reports[0]?.properties.issuing_country, "RKS")
      // The extracted address, in Onfido's words (document_properties.address_lines).
      assert.deepStrictEqual(specific.reports.reports[0]?.properties.address_lines, {
        street_address: "1 Sample Street",
        city: "London",
        postal_code: "SW1A 0AA",
        country_code: "GBR"
      })
      assert.include(
        (yield* sent).map((entry) => `${entry.method} ${entry.url.split("?")[0]}`),
        "POST /v3.6/live_photos"
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("follows the sandbox conventions: consider, sub_result and the consider list", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<
        readonly [IdentityProvider.StartRequest<unknown>, string, string | undefined, ReadonlyArray<string>]
      > = [
        [Testing.startRequest("rejected"), "rejected", "document:rejected", ["failed"]],
        [Testing.startRequest("suspected"), "rejected", "document:suspected", ["failed"]],
        [Testing.startRequest("caution"), "inconclusive", "document:caution", ["inconclusive"]],
        // Last name "Consider": every report consider; the face comparison fails, so the selfie rejects.
        [
          Testing.startRequest("consider", "documentSelfie"),
          "rejected",
          "facial_similarity_photo:consider",
          ["inconclusive", "failed"]
        ],
        [
          { ...Testing.startRequest("clear"), parameters: { sandbox: { consider: ["document"] } } },
          "inconclusive",
          "document:caution",
          ["inconclusive"]
        ],
        [
          { ...Testing.startRequest("clear"), parameters: { sandbox: { subResult: "clear" } } },
          "accepted",
          undefined,
          ["passed"]
        ]
      ]
      for (const [request, status, reason, checks] of cases) {
        const outcome = yield* outcomeOf(request)
        assert.strictEqual(outcome.status, status, reason)
        assert.strictEqual(outcome.reason, reason)
        assert.deepStrictEqual(
          outcome.checks.map((check) => check.outcome),
          checks
        )
        if (status !== "accepted") assert.isUndefined(outcome.finalResult)
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("a withdrawn check is canceled; complete() returns the signed check webhook", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.startRequest("pending"))
      const early = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(early.status, "processing")
      const webhook = yield* (yield* simulator).complete(session.reference, "withdrawn")
      const event = yield* registered.verifyWebhook(webhook)
      assert.deepStrictEqual(
        { reference: event.reference, type: event.type },
        {
          reference: session.reference,
          type: "check.withdrawn"
        }
      )
      const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(outcome.status, "canceled")
      assert.strictEqual(outcome.reason, "withdrawn")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live(
    "refuses before calling Onfido: no names, no front, a name Onfido refuses, a file type it does not take",
    () =>
      Effect.gen(function* () {
        const registered = yield* provider
        const base = Testing.startRequest("clear")
        const attempts: ReadonlyArray<readonly [IdentityProvider.StartRequest<unknown>, string]> = [
          [{ ...base, userData: userData({ firstName: "Jane" }) }, "userData.lastName"],
          [{ ...base, files: [] }, "files.front"],
          [{ ...base, processType: Testing.startRequest("clear", "documentSelfie").processType }, "files.selfie"],
          [{ ...base, userData: userData({ firstName: "Jane", lastName: "Doe;" }) }, "last_name"],
          [{ ...base, files: [{ kind: "front", mediaType: "image/gif", bytes: new Uint8Array(4096) }] }, "files.front"],
          [{ ...base, parameters: { workflowId: "w" } }, "parameters.workflowId"]
        ]
        for (const [request, field] of attempts) {
          const error = yield* Effect.flip(registered.start(request))
          assert.strictEqual(error.reason._tag, "InvalidRequest", field)
          assert.include(
            error.reason._tag === "InvalidRequest" ? error.reason.fields.map((entry) => entry.name) : [],
            field
          )
        }
        assert.lengthOf(yield* sent, 0)
      }).pipe(Effect.provide(TestLayer))
  )

  it.live("Onfido's 422 keeps its fields and X-Request-Id: a document below Onfido's 2 KB minimum", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const error = yield* Effect.flip(
        registered.start({
          ...Testing.startRequest("clear"),
          files: [{ kind: "front", mediaType: "image/jpeg", bytes: new Uint8Array(100) }]
        })
      )
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.deepStrictEqual(
        error.reason._tag === "InvalidRequest" ? error.reason.fields.map((field) => field.name) : [],
        ["file"]
      )
      assert.match(error.requestId ?? "", /^[0-9a-f-]{36}$/)
      assert.isFalse(error.isRetryable)
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("an unknown id is NotFound; a wrong token is Unauthorized without the token; 429 keeps Retry-After", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const missing = yield* Effect.flip(
        registered.fetchResult({
          reference: "0b4d6a5e-0000-4000-8000-000000000000",
          state: { flow: "check", applicantId: "a" }
        })
      )
      assert.strictEqual(missing.reason._tag, "NotFound")
      assert.match(missing.requestId ?? "", /^[0-9a-f-]{36}$/)
      yield* (yield* simulator).failNext("rateLimited")
      const limited = yield* Effect.flip(
        registered.fetchResult({ reference: "x", state: { flow: "check", applicantId: "a" } })
      )
      assert.strictEqual(limited.reason._tag, "RateLimited")
      assert.isTrue(
        limited.reason._tag === "RateLimited" &&
          limited.reason.retryAfter !== undefined &&
          Duration.toSeconds(limited.reason.retryAfter) === 2
      )
      const wrongToken = yield* OnfidoClient.make({
        apiToken: Redacted.make("api_sandbox.wrong"),
        baseUrl: (yield* simulator).baseUrl
      }).pipe(Effect.provide(FetchHttpClient.layer))
      const unauthorized = yield* Effect.flip(wrongToken.findCheck("x"))
      assert.strictEqual(unauthorized.reason._tag, "Unauthorized")
      assert.notInclude(String(unauthorized), "api_sandbox.wrong")
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("OnfidoProvider: Studio workflow runs", () => {
  it.live("starts a run of the configured workflow and returns its hosted link, SDK token and expiry", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(
        Testing.workflowRequest({ customData: { plan: "gold" }, language: "de_DE", tags: ["vip"] })
      )
      assert.strictEqual(session.status, "pending")
      assert.match(session.redirectUrl ?? "", /\/workflow-link\//)
      assert.match(Redacted.value(session.clientToken ?? Redacted.make("")), /^simulated\./)
      assert.match(session.expiresAt ?? "", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
      assert.strictEqual(session.state?.flow, "workflowRun")
      const run = (yield* sent).find((entry) => entry.url === "/v3.6/workflow_runs")
      assert.deepStrictEqual(JSON.parse(run?.body ?? ""), {
        workflow_id: "00000000-0000-4000-8000-000000000001",
        applicant_id: session.state?.applicantId,
        tags: ["vip"],
        custom_data: { plan: "gold" },
        link: { completed_redirect_url: "https://app.example/return", language: "de_DE" }
      })
      const pending = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(pending.status, "pending")
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("the hosted link stand-in approves and redirects; the result carries the document report's data", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const session = yield* registered.start(Testing.workflowRequest())
      const page = yield* Effect.promise(() =>
        fetch(`${session.redirectUrl ?? ""}?outcome=approved`, { redirect: "manual" })
      )
      assert.strictEqual(page.status, 302)
      assert.strictEqual(page.headers.get("location"), "https://app.example/return")
      const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
      assert.strictEqual(outcome.status, "accepted")
      assert.strictEqual(outcome.finalResult?.lastName, "Doe")
      assert.strictEqual(outcome.finalResult?.issuingCountry, "GBR")
      assert.deepStrictEqual(outcome.checks, [{ name: "document", outcome: "passed", detail: "clear" }])
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("maps every final run status, with Onfido's reasons; a run is found without the state too", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      for (const [outcome, status] of [
        ["declined", "rejected"],
        ["review", "inconclusive"],
        ["abandoned", "canceled"],
        ["error", "failed"]
      ] as const) {
        const session = yield* registered.start(Testing.workflowRequest())
        const webhook = yield* (yield* simulator).complete(session.reference, outcome)
        const event = yield* registered.verifyWebhook(webhook)
        assert.strictEqual(event.reference, session.reference)
        assert.strictEqual(event.type, "workflow_run.completed")
        const result = yield* registered.fetchResult({ reference: session.reference })
        assert.strictEqual(result.status, status, outcome)
        assert.strictEqual(result.reason, `simulated_${outcome}`)
        assert.isUndefined(result.finalResult)
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.live("refuses a workflow process with files, or with document parameters", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const withFiles = yield* Effect.flip(
        registered.start({ ...Testing.workflowRequest(), files: [Testing.sampleImage("front")] })
      )
      assert.strictEqual(withFiles.reason._tag, "InvalidRequest")
      const withDocument = yield* Effect.flip(registered.start(Testing.workflowRequest({ documentType: "passport" })))
      assert.strictEqual(withDocument.reason._tag, "InvalidRequest")
      assert.lengthOf(yield* sent, 0)
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("OnfidoProvider: webhooks over HTTP", () => {
  /** A webhook receiver on loopback: every POST it gets, as a webhook request. */
  const receiver = Effect.gen(function* () {
    const received = yield* Queue.unbounded<IdentityProvider.WebhookRequest>()
    const server = yield* Effect.acquireRelease(
      Effect.callback<ReturnType<typeof createServer>>((resume) => {
        const server = createServer((request: IncomingMessage, response) => {
          const chunks: Array<Buffer> = []
          request.on("data", (chunk: Buffer) => chunks.push(chunk))
          request.on("end", () => {
            const headers: Record<string, string> = {}
            for (const [key, value] of Object.entries(request.headers)) {
              if (typeof value === "string") headers[key] = value
            }
            Queue.offerUnsafe(received, { headers, rawBody: new Uint8Array(Buffer.concat(chunks)) })
            response.writeHead(200).end()
          })
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
        })
    )
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/onfido`, received }
  })

  it.live(
    "the simulator POSTs signed report.completed and check.completed webhooks; a report event names its check",
    () =>
      Effect.gen(function* () {
        const hook = yield* receiver
        const layer = OnfidoSpec.validated(
          Testing.layerTest({ apiToken, webhookToken, webhookUrl: hook.url, completeAfter: "20 millis" })
        ).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
        yield* Effect.gen(function* () {
          const registered = yield* provider
          const session = yield* registered.start(Testing.startRequest("clear", "documentSelfie"))
          // Deliveries are concurrent, as Onfido's are: they may arrive in any order.
          const types: Array<string> = []
          while (types.length < 3) {
            const webhook = yield* Queue.take(hook.received)
            const event = yield* registered.verifyWebhook(webhook)
            assert.strictEqual(event.reference, session.reference, event.type)
            types.push(event.type)
          }
          assert.sameMembers(types, ["report.completed", "report.completed", "check.completed"])
          const outcome = yield* registered.fetchResult({ reference: session.reference, state: session.state })
          assert.strictEqual(outcome.status, "accepted")
        }).pipe(Effect.provide(layer))
      }).pipe(Effect.scoped)
  )
})

describe("OnfidoProvider: the status tables", () => {
  const check = (status: OnfidoClient.CheckStatus, result?: "clear" | "consider") => ({
    id: "c",
    status,
    ...(result === undefined ? {} : { result })
  })
  const report = (fields: Partial<OnfidoClient.Report>): OnfidoClient.Report => ({
    id: "r",
    name: "document",
    status: "complete",
    ...fields
  })

  it("maps every check status", () => {
    assert.strictEqual(OnfidoProvider.checkStatus(check("awaiting_applicant"), []), "pending")
    for (const status of ["in_progress", "paused", "reopened"] as const) {
      assert.strictEqual(OnfidoProvider.checkStatus(check(status), []), "processing", status)
    }
    assert.strictEqual(OnfidoProvider.checkStatus(check("withdrawn"), []), "canceled")
    assert.strictEqual(OnfidoProvider.checkStatus(check("complete", "clear"), []), "accepted")
    assert.strictEqual(
      OnfidoProvider.checkStatus(check("complete", "consider"), [
        report({ result: "consider", sub_result: "caution" })
      ]),
      "inconclusive"
    )
  })

  it("judges each report by its result, sub_result and breakdown", () => {
    const cases: ReadonlyArray<readonly [Partial<OnfidoClient.Report>, OnfidoProvider.ReportVerdict]> = [
      [{ result: "clear" }, "passed"],
      [{ result: "consider", sub_result: "rejected" }, "rejected"],
      [{ result: "consider", sub_result: "suspected" }, "rejected"],
      [{ result: "consider", sub_result: "caution" }, "inconclusive"],
      [{ result: "unidentified" }, "inconclusive"],
      [{ status: "cancelled" }, "inconclusive"],
      [
        { name: "facial_similarity_photo", result: "consider", breakdown: { face_comparison: { result: "consider" } } },
        "rejected"
      ],
      [
        { name: "facial_similarity_photo", result: "consider", breakdown: { image_integrity: { result: "consider" } } },
        "inconclusive"
      ],
      [{ name: "watchlist_standard", result: "consider" }, "inconclusive"]
    ]
    for (const [fields, verdict] of cases) {
      assert.strictEqual(OnfidoProvider.reportVerdict(report(fields)), verdict, JSON.stringify(fields))
    }
  })

  it("maps every workflow run status", () => {
    assert.deepStrictEqual(OnfidoProvider.workflowRunStatuses, {
      awaiting_input: "pending",
      processing: "processing",
      awaiting_client_input: "processing",
      approved: "accepted",
      declined: "rejected",
      review: "inconclusive",
      abandoned: "canceled",
      error: "failed"
    })
    assert.sameMembers(Object.keys(OnfidoProvider.workflowRunStatuses), [...OnfidoClient.WorkflowRunStatus.literals])
  })
})

describe("OnfidoProvider.layerConfig", () => {
  it.live("reads the token, the webhook tokens, the region or base URL and the workflow from the environment", () =>
    Effect.gen(function* () {
      const running = yield* simulator
      const env = {
        ONFIDO_API_TOKEN: "api_sandbox.provider_test",
        ONFIDO_WEBHOOK_TOKEN: "old-token, provider-test-webhook-token",
        ONFIDO_REGION: "us",
        ONFIDO_API_BASE_URL: running.baseUrl,
        ONFIDO_WORKFLOW_ID: "11111111-1111-4111-8111-111111111111"
      }
      const configured = Layer.provideMerge(OnfidoProvider.layerConfig, ProviderRegistry.layer).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
      )
      yield* Effect.gen(function* () {
        const registered = yield* provider
        const session = yield* registered.start(Testing.workflowRequest())
        const webhook = yield* running.complete(session.reference, "approved")
        assert.strictEqual((yield* registered.verifyWebhook(webhook)).reference, session.reference)
        const run = (yield* running.requests).find((entry) => entry.url === "/v3.6/workflow_runs")
        assert.strictEqual(JSON.parse(run?.body ?? "{}").workflow_id, env.ONFIDO_WORKFLOW_ID)
      }).pipe(Effect.provide(configured))
    }).pipe(Effect.provide(OnfidoSpec.validated(Testing.layer({ apiToken, webhookToken }))))
  )

  it("defaults to the EU region and builds each region's URL", () => {
    assert.strictEqual(OnfidoClient.defaultRegion, "eu")
    assert.deepStrictEqual(OnfidoClient.Region.literals.map(OnfidoClient.baseUrlFor), [
      "https://api.eu.onfido.com/v3.6",
      "https://api.us.onfido.com/v3.6",
      "https://api.ca.onfido.com/v3.6"
    ])
  })
})
