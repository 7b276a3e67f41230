// Every Identity operation of Stripe's official Node client (`stripe` on npm) against the simulator, as that client
// sends it: `expand[0]=` in queries and bodies, an `Idempotency-Key` on every POST, its own `Stripe-Version`, and
// every documented parameter of each call. A secret key is refused the sensitive fields; a restricted key reads them.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import Stripe from "stripe"
import { StripeIdentityWebhook } from "../src/index.js"
import * as Testing from "../src/testing.js"

const secretKey = "sk_test_official_client"
const restrictedKey = "rk_test_official_client"
const webhookSecret = "whsec_official_client"

const SimulatorLayer = Testing.layer({
  apiKey: Redacted.make(secretKey),
  keys: [{ key: Redacted.make(restrictedKey), sensitive: "recent" }],
  webhookSecret: Redacted.make(webhookSecret)
})

/** Stripe's client pointed at the simulator's loopback address. */
const client = Effect.gen(function* () {
  const { baseUrl } = yield* Testing.StripeIdentitySimulator
  const url = new URL(baseUrl)
  return new Stripe(secretKey, {
    host: url.hostname,
    port: url.port,
    protocol: "http",
    maxNetworkRetries: 0,
    telemetry: false
  })
})

const call = <A>(run: () => Promise<A>) => Effect.promise(run)

/** The error the client rejects with, for a call that must fail. */
const refusal = (run: () => Promise<unknown>) =>
  Effect.tryPromise({ try: run, catch: (error) => error }).pipe(
    Effect.flip,
    Effect.flatMap((error) =>
      error instanceof Stripe.errors.StripeError
        ? Effect.succeed(error)
        : Effect.die(new Error(`not a Stripe error: ${String(error)}`))
    )
  )

/** The requests the simulator received, decoded (brackets readable). */
const sent = Effect.map(
  Effect.flatMap(Testing.StripeIdentitySimulator, (simulator) => simulator.requests),
  (requests) =>
    requests.map((request) => ({
      method: request.method,
      url: decodeURIComponent(request.url),
      body: decodeURIComponent(request.body),
      headers: request.headers
    }))
)

describe("the simulator, through Stripe's official Node client", () => {
  it.live("creates, retrieves, updates and lists sessions with every documented parameter", () =>
    Effect.gen(function* () {
      const stripe = yield* client
      const created = yield* call(() =>
        stripe.identity.verificationSessions.create({
          type: "document",
          client_reference_id: "user_42",
          return_url: "https://app.example/back",
          metadata: { order: "42", test_outcome: "pending" },
          options: {
            document: {
              allowed_types: ["passport", "id_card"],
              require_id_number: true,
              require_live_capture: true,
              require_matching_selfie: true
            }
          },
          provided_details: { email: "jenny@example.com", phone: "+14155550100" },
          related_customer: "cus_123",
          related_customer_account: "acct_123",
          expand: ["provided_details"]
        })
      )
      assert.match(created.id, /^vs_/)
      assert.strictEqual(created.status, "requires_input")
      assert.strictEqual(created.client_reference_id, "user_42")
      assert.strictEqual(created.related_customer, "cus_123")
      assert.strictEqual(created.related_customer_account, "acct_123")
      assert.deepStrictEqual(created.metadata, { order: "42", test_outcome: "pending" })
      assert.deepStrictEqual(created.options?.document, {
        allowed_types: ["passport", "id_card"],
        require_id_number: true,
        require_live_capture: true,
        require_matching_selfie: true
      })
      assert.deepStrictEqual(created.provided_details, { email: "jenny@example.com", phone: "+14155550100" })
      assert.match(created.url ?? "", /\/verify\/vs_/)
      assert.match(created.lastResponse.requestId, /^req_/)
      // The client's pinned version is answered back.
      assert.strictEqual(created.lastResponse.apiVersion, Stripe.API_VERSION)

      const person = yield* call(() =>
        stripe.identity.verificationSessions.create({
          verification_flow: "vf_123",
          related_person: { account: "acct_123", person: "person_123" }
        })
      )
      assert.strictEqual(person.type, "verification_flow")
      assert.strictEqual(person.verification_flow, "vf_123")
      assert.deepStrictEqual(person.related_person, { account: "acct_123", person: "person_123" })

      const retrieved = yield* call(() =>
        stripe.identity.verificationSessions.retrieve(created.id, { expand: ["verified_outputs", "provided_details"] })
      )
      assert.strictEqual(retrieved.id, created.id)
      assert.isNull(retrieved.verified_outputs)

      const updated = yield* call(() =>
        stripe.identity.verificationSessions.update(created.id, {
          type: "id_number",
          metadata: { order: "" },
          options: { document: "" },
          provided_details: { email: "rosen@example.com" },
          expand: ["provided_details"]
        })
      )
      assert.strictEqual(updated.type, "id_number")
      assert.deepStrictEqual(updated.metadata, { test_outcome: "pending" })
      assert.deepStrictEqual(updated.options?.document, {})
      assert.deepStrictEqual(updated.provided_details, { email: "rosen@example.com", phone: "+14155550100" })

      const others = [
        yield* call(() =>
          stripe.identity.verificationSessions.create({ type: "document", client_reference_id: "user_42" })
        ),
        yield* call(() =>
          stripe.identity.verificationSessions.create({ type: "id_number", client_reference_id: "user_42" })
        )
      ]
      const first = yield* call(() =>
        stripe.identity.verificationSessions.list({ client_reference_id: "user_42", limit: 2 })
      )
      assert.deepStrictEqual(
        first.data.map((session) => session.id),
        [others[1]?.id, others[0]?.id]
      )
      assert.isTrue(first.has_more)
      const all = yield* call(() =>
        stripe.identity.verificationSessions
          .list({
            client_reference_id: "user_42",
            limit: 1,
            status: "requires_input",
            created: { gte: created.created - 1 },
            expand: ["data.verified_outputs"]
          })
          .autoPagingToArray({ limit: 10 })
      )
      assert.deepStrictEqual(
        all.map((session) => session.id),
        [others[1]?.id, others[0]?.id, created.id]
      )
      const newer = yield* call(() =>
        stripe.identity.verificationSessions.list({
          client_reference_id: "user_42",
          ending_before: created.id,
          limit: 1
        })
      )
      assert.deepStrictEqual(
        newer.data.map((session) => session.id),
        [others[0]?.id]
      )
      assert.isTrue(newer.has_more)
      const byCustomer = yield* call(() =>
        stripe.identity.verificationSessions.list({ related_customer: "cus_123", related_customer_account: "acct_123" })
      )
      assert.deepStrictEqual(
        byCustomer.data.map((session) => session.id),
        [created.id]
      )

      const requests = yield* sent
      assert.isTrue(requests.some((request) => request.url.includes("expand[0]=verified_outputs")))
      assert.isTrue(requests.some((request) => request.body.includes("provided_details[email]=jenny@example.com")))
      for (const request of requests.filter((request) => request.method === "POST")) {
        assert.isDefined(request.headers["idempotency-key"])
      }
    }).pipe(Effect.provide(SimulatorLayer))
  )

  it.live(
    "reads sensitive fields with a restricted key only, reports by id and by list, then cancels and redacts",
    () =>
      Effect.gen(function* () {
        const stripe = yield* client
        const simulator = yield* Testing.StripeIdentitySimulator
        const session = yield* call(() =>
          stripe.identity.verificationSessions.create({ type: "document", metadata: { order: "7" } })
        )
        yield* simulator.complete(session.id, "verified")

        const sensitive = ["verified_outputs.dob", "last_verification_report.document.number"]
        const refused = yield* refusal(() =>
          stripe.identity.verificationSessions.retrieve(session.id, { expand: sensitive })
        )
        assert.instanceOf(refused, Stripe.errors.StripePermissionError)
        assert.strictEqual(refused.statusCode, 403)
        assert.include(refused.message, "Access recent sensitive verification results")

        const verified = yield* call(() =>
          stripe.identity.verificationSessions.retrieve(session.id, { expand: sensitive }, { apiKey: restrictedKey })
        )
        assert.strictEqual(verified.status, "verified")
        assert.deepStrictEqual(verified.verified_outputs?.dob, { day: 14, month: 3, year: 1987 })
        const embedded = verified.last_verification_report
        assert.isTrue(typeof embedded === "object" && embedded?.document?.number === "D1234567")

        const reportId = typeof embedded === "object" && embedded !== null ? embedded.id : ""
        const report = yield* call(() =>
          stripe.identity.verificationReports.retrieve(
            reportId,
            { expand: ["document.expiration_date", "document.dob"] },
            { apiKey: restrictedKey }
          )
        )
        assert.strictEqual(report.verification_session, session.id)
        assert.deepStrictEqual(report.document?.expiration_date, { day: 1, month: 12, year: 2030 })
        const plainReport = yield* call(() => stripe.identity.verificationReports.retrieve(reportId))
        assert.isUndefined(plainReport.document?.number)
        const reportRefused = yield* refusal(() =>
          stripe.identity.verificationReports.retrieve(reportId, { expand: ["document.number"] })
        )
        assert.strictEqual(reportRefused.statusCode, 403)

        const reports = yield* call(() =>
          stripe.identity.verificationReports.list({
            verification_session: session.id,
            type: "document",
            created: { lte: report.created },
            limit: 5
          })
        )
        assert.deepStrictEqual(
          reports.data.map((found) => found.id),
          [reportId]
        )
        assert.isFalse(reports.has_more)
        const allReports = yield* call(() =>
          stripe.identity.verificationReports
            .list({ expand: ["data.document.dob"] }, { apiKey: restrictedKey })
            .autoPagingToArray({ limit: 10 })
        )
        assert.deepStrictEqual(allReports[0]?.document?.dob, { day: 14, month: 3, year: 1987 })
        const listRefused = yield* refusal(() =>
          stripe.identity.verificationReports.list({ expand: ["data.document.dob"] })
        )
        assert.strictEqual(listRefused.statusCode, 403)

        const pending = yield* call(() => stripe.identity.verificationSessions.create({ type: "document" }))
        const canceled = yield* call(() =>
          stripe.identity.verificationSessions.cancel(pending.id, { expand: ["verified_outputs"] })
        )
        assert.strictEqual(canceled.status, "canceled")
        const notAgain = yield* refusal(() => stripe.identity.verificationSessions.cancel(pending.id))
        assert.instanceOf(notAgain, Stripe.errors.StripeInvalidRequestError)

        const redacting = yield* call(() => stripe.identity.verificationSessions.redact(session.id, { expand: [] }))
        assert.deepStrictEqual(redacting.redaction, { status: "processing" })
        const redacted = yield* call(() =>
          stripe.identity.verificationSessions.retrieve(session.id, { expand: ["verified_outputs"] })
        )
        assert.deepStrictEqual(redacted.redaction, { status: "redacted" })
        assert.deepStrictEqual(redacted.metadata, {})
        assert.strictEqual(redacted.verified_outputs?.first_name, "[redacted]")
        const events = (yield* simulator.webhooks).map((delivery) => JSON.parse(delivery.body).type)
        assert.include(events, "identity.verification_session.redacted")
        const frozen = yield* refusal(() =>
          stripe.identity.verificationSessions.update(session.id, { metadata: { order: "8" } })
        )
        assert.strictEqual(frozen.statusCode, 400)
      }).pipe(Effect.provide(SimulatorLayer))
  )

  it.live("answers in the Stripe-Version the client asks for, and refuses unknown parameters as Stripe does", () =>
    Effect.gen(function* () {
      const stripe = yield* client
      const older = yield* call(() =>
        stripe.identity.verificationSessions.create({ type: "document" }, { apiVersion: "2025-03-31.basil" })
      )
      assert.strictEqual(older.lastResponse.apiVersion, "2025-03-31.basil")
      const [request] = yield* sent
      assert.strictEqual(request?.headers["stripe-version"], "2025-03-31.basil")

      const unknown = yield* refusal(() =>
        stripe.rawRequest("POST", "/v1/identity/verification_sessions", { type: "document", colour: "blue" })
      )
      assert.instanceOf(unknown, Stripe.errors.StripeInvalidRequestError)
      assert.strictEqual(unknown.param, "colour")
      assert.strictEqual(unknown.code, "parameter_unknown")
      const unexpandable = yield* refusal(() =>
        stripe.identity.verificationSessions.retrieve(older.id, { expand: ["customer"] })
      )
      assert.strictEqual(unexpandable.param, "expand")
    }).pipe(Effect.provide(SimulatorLayer))
  )

  it.live("webhooks: Stripe's signature verifies with the adapter, and the simulator's with Stripe's", () =>
    Effect.gen(function* () {
      const stripe = yield* client
      const simulator = yield* Testing.StripeIdentitySimulator
      const session = yield* call(() => stripe.identity.verificationSessions.create({ type: "document" }))
      const webhook = yield* simulator.complete(session.id, "verified")
      const payload = new TextDecoder().decode(webhook.rawBody)

      // Stripe's library signs the simulator's event; the adapter verifies it and reads the session.
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret })
      const event = yield* StripeIdentityWebhook.verify({
        secrets: [Redacted.make(webhookSecret)],
        request: { headers: { [StripeIdentityWebhook.signatureHeader]: header }, rawBody: webhook.rawBody }
      })
      assert.strictEqual(event.type, "identity.verification_session.verified")
      assert.strictEqual(event.data.object.id, session.id)
      const forged = yield* Effect.flip(
        StripeIdentityWebhook.verify({
          secrets: [Redacted.make(webhookSecret)],
          request: {
            headers: {
              [StripeIdentityWebhook.signatureHeader]: stripe.webhooks.generateTestHeaderString({
                payload,
                secret: "whsec_someone_else"
              })
            },
            rawBody: webhook.rawBody
          }
        })
      )
      assert.strictEqual(forged.reason._tag, "WebhookSignatureInvalid")

      // The simulator's own signature passes Stripe's constructEvent.
      const signature = webhook.headers[StripeIdentityWebhook.signatureHeader] ?? ""
      const constructed = stripe.webhooks.constructEvent(payload, signature, webhookSecret)
      assert.strictEqual(constructed.type, "identity.verification_session.verified")
    }).pipe(Effect.provide(SimulatorLayer))
  )
})
