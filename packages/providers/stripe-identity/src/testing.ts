/**
 * Testing Stripe Identity integrations offline: a simulator of Stripe's Identity API on loopback, built on the
 * simulator kit of `@assure/provider/testing` and holding only what is Stripe's:
 * `POST /v1/identity/verification_sessions`, `GET …/{id}` (with `expand[]`), `POST …/{id}/cancel` and
 * `GET /v1/identity/verification_reports/{id}`; Stripe's error bodies (`{ "error": { type, code, param, message } }`,
 * `error.param` in bracket notation) for a wrong key, a malformed `Stripe-Version`, a body that is not form-encoded
 * and unknown or invalid parameters; a `Request-Id` on every answer; `Idempotency-Key` replays; and
 * `identity.verification_session.*` webhooks signed with `Stripe-Signature` to `webhookUrl`. The package README's
 * "The simulator" tells it all.
 *
 * As on Stripe's test-mode hosted page, where the tester picks the result, `metadata[test_outcome]` picks what the
 * end-user does; a session answers `requires_input` when created, `processing` on the next retrieval, and the outcome
 * on the one after:
 *
 * | `metadata[test_outcome]` | the session |
 * |---|---|
 * | absent, or `pending` | stays `requires_input` until `complete` or the hosted page |
 * | `processing` | moves to `processing` and stays there until `complete` |
 * | `verified` | is `verified`: Jenny Rosen, her US driving licence and address (Stripe's fixture person) |
 * | a `last_error` code (`document_expired`, `selfie_face_mismatch`, …) | goes back to `requires_input` with it |
 * | `canceled` | is `canceled` |
 *
 * The session's `url` is the hosted page: `GET {url}?outcome=verified` (or any outcome above) acts as the end-user
 * and redirects to `return_url`.
 *
 * @example
 * ```ts
 * import { layerTest } from "@assure/stripe-identity/testing"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * // The provider registered against a fresh simulator, which is provided too (`StripeIdentitySimulator`).
 * const TestProviders = layerTest({
 *   apiKey: Redacted.make("sk_test_123"),
 *   webhookSecret: Redacted.make("whsec_test_123")
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { Problem } from "@assure/core"
import type { IdentityProvider } from "@assure/provider"
import {
  Simulator as Kit,
  SimulatorAuth,
  SimulatorFault,
  SimulatorStore,
  SimulatorWebhooks,
  TestRequest
} from "@assure/provider/testing"
import { Clock, Context, type Duration, Effect, Layer, type Redacted, Schema, type Scope } from "effect"
import * as Form from "./internal/form.js"
import * as StripeIdentityClient from "./StripeIdentityClient.js"
import * as StripeIdentityProvider from "./StripeIdentityProvider.js"
import * as StripeIdentityWebhook from "./StripeIdentityWebhook.js"

/** A way the simulated Stripe can fail (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = SimulatorFault.VendorFailure

/** The `last_error` codes Stripe documents. @since 0.1.0 */
export const errorCodes = [
  "abandoned",
  "consent_declined",
  "country_not_supported",
  "device_not_supported",
  "document_expired",
  "document_type_not_supported",
  "document_unverified_other",
  "email_unverified_other",
  "email_verification_declined",
  "id_number_insufficient_document_data",
  "id_number_mismatch",
  "id_number_unverified_other",
  "phone_unverified_other",
  "phone_verification_declined",
  "selfie_document_missing_photo",
  "selfie_face_mismatch",
  "selfie_manipulated",
  "selfie_unverified_other",
  "under_supported_age"
] as const

/** A `last_error` code. @since 0.1.0 */
export type ErrorCode = (typeof errorCodes)[number]

/** How a session ends: `verified`, `canceled`, or back to `requires_input` with a `last_error` code. @since 0.1.0 */
export type FinalOutcome = "verified" | "canceled" | ErrorCode

/** A magic value of `metadata[test_outcome]`. @since 0.1.0 */
export type Magic = FinalOutcome | "pending" | "processing"

/** The metadata key the simulator reads its magic value from. @since 0.1.0 */
export const magicKey = "test_outcome"

/** How the simulator is set up. @since 0.1.0 */
export interface Options {
  /** The only secret key it accepts. */
  readonly apiKey: Redacted.Redacted<string>
  /** The endpoint secret it signs webhooks with. */
  readonly webhookSecret: Redacted.Redacted<string>
  /** Where it POSTs webhooks as sessions move; without it, webhooks are only returned by `complete`. */
  readonly webhookUrl?: string | undefined
}

/** A request the simulator received, for tests that check what the adapter sent. @since 0.1.0 */
export type RecordedRequest = Kit.RecordedRequest

/**
 * A running simulator: the kit's controls (`baseUrl` for the client, which adds `/v1`; `failNext`, `arm`, `requests`,
 * `webhooks`) and Stripe's own verb.
 *
 * @since 0.1.0
 */
export interface Simulator extends Kit.Controls {
  /**
   * Ends a session with `outcome` as the end-user would, and returns (and delivers, with `webhookUrl`) the signed
   * webhook; `timestamp` (unix seconds) back-dates its signature.
   */
  readonly complete: (
    id: string,
    outcome: FinalOutcome,
    options?: { readonly timestamp?: number | undefined }
  ) => Effect.Effect<IdentityProvider.WebhookRequest>
}

/** The simulator as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class StripeIdentitySimulator extends Context.Service<StripeIdentitySimulator, Simulator>()(
  "@assure/stripe-identity/Simulator"
) {}

/** A session as the simulator keeps it. */
interface Stored {
  readonly id: string
  readonly type: "document" | "id_number"
  readonly created: number
  readonly clientReferenceId: string | null
  readonly returnUrl: string | null
  readonly metadata: Readonly<Record<string, string>>
  readonly options: { readonly document: Readonly<Record<string, unknown>> }
  readonly clientSecret: string
  status: StripeIdentityClient.SessionStatus
  lastError: { readonly code: string; readonly reason: string } | null
  report: string | null
  /** What the end-user will have done by the next retrievals. */
  planned: Magic | undefined
}

/** A report as the simulator keeps it. */
interface StoredReport {
  readonly id: string
  readonly session: string
  readonly outcome: FinalOutcome
  readonly created: number
}

// Stripe's fixture person (openapi/fixtures3.json): Jenny Rosen, with a US driving licence and her address.
const person = {
  first_name: "Jenny",
  last_name: "Rosen",
  dob: { day: 14, month: 3, year: 1987 },
  sex: "female",
  address: { city: "San Francisco", country: "US", line1: "1234 Main St.", line2: null, postal_code: null, state: "CA" }
}
const licence = {
  type: "driving_license",
  issuing_country: "US",
  number: "D1234567",
  issued_date: { day: 1, month: 12, year: 2020 },
  expiration_date: { day: 1, month: 12, year: 2030 }
}

const bool = Schema.Literals(["true", "false"])

/** The create body as it arrives, form-decoded (every value a string; arrays as objects keyed by index). */
const WireCreate = Schema.Struct({
  type: Schema.Literals(["document", "id_number"]),
  client_reference_id: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(5000))),
  return_url: Schema.optionalKey(Schema.String),
  metadata: Schema.optionalKey(
    Schema.Record(Schema.String.check(Schema.isMaxLength(40)), Schema.String.check(Schema.isMaxLength(500)))
  ),
  options: Schema.optionalKey(
    Schema.Struct({
      document: Schema.optionalKey(
        Schema.Struct({
          allowed_types: Schema.optionalKey(
            Schema.Record(Schema.String.check(Schema.isPattern(/^\d+$/)), StripeIdentityClient.DocumentKind)
          ),
          require_id_number: Schema.optionalKey(bool),
          require_live_capture: Schema.optionalKey(bool),
          require_matching_selfie: Schema.optionalKey(bool)
        })
      )
    })
  )
})
const decodeWireCreate = Schema.decodeUnknownEffect(WireCreate)

/** `options.document.foo` as Stripe names parameters: `options[document][foo]`. */
const bracketed = (path: string) => {
  const [head, ...rest] = path.split(".")
  return `${head ?? ""}${rest.map((segment) => `[${segment}]`).join("")}`
}

const stripeError = (
  status: number,
  error: { readonly type?: string; readonly code?: string; readonly param?: string; readonly message: string }
): Kit.Answer => ({ status, body: { error: { type: "invalid_request_error", ...error } } })

const failures = SimulatorFault.vendorFailures({
  unauthorized: stripeError(401, { message: "Invalid API Key provided: sk_test_****" }),
  rateLimited: stripeError(429, { code: "rate_limit", message: "Too many requests hit the API too quickly." }).body,
  unavailable: stripeError(503, { type: "api_error", message: "Stripe is temporarily unavailable." }).body,
  malformedJson: '{"id": "vs_',
  schemaInvalid: { id: 42, object: "identity.verification_session", status: "unheard-of" }
})

const notFound = (what: string) => (id: string) =>
  stripeError(404, { code: "resource_missing", param: "id", message: `No such ${what}: '${id}'` })

/** The secret key as a bearer token, and a well-formed `Stripe-Version` when one is sent. */
const credentials = (apiKey: Redacted.Redacted<string>): Kit.Guard =>
  SimulatorAuth.every(
    SimulatorAuth.refuse(SimulatorAuth.bearer(apiKey), stripeError(401, { message: "Invalid API Key provided." })),
    (request) => {
      const version = request.headers["stripe-version"]
      return version === undefined || /^\d{4}-\d{2}-\d{2}(?:\.[a-z]+)?$/.test(version)
        ? Effect.void
        : Effect.fail(stripeError(400, { message: `Invalid Stripe API version: ${version}` }))
    }
  )

const isFinalOutcome = (value: string): value is FinalOutcome =>
  value === "verified" || value === "canceled" || (errorCodes as ReadonlyArray<string>).includes(value)

/** The options as Stripe echoes them: booleans as booleans, allowed types as a list. */
const echoOptions = (document: NonNullable<NonNullable<typeof WireCreate.Type.options>["document"]>) => {
  const { allowed_types, ...flags } = document
  return {
    ...(allowed_types === undefined ? {} : { allowed_types: Object.values(allowed_types) }),
    ...Object.fromEntries(Object.entries(flags).map(([key, value]) => [key, value === "true"]))
  }
}

/** Unix seconds, as Stripe writes times. */
const now = Effect.map(Clock.currentTimeMillis, (millis) => Math.floor(millis / 1000))

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const sessions = SimulatorStore.make<Stored>({ notFound: notFound("verification session") })
    const reports = SimulatorStore.make<StoredReport>({ notFound: notFound("verification report") })
    const byIdempotencyKey = new Map<string, Kit.Answer>()
    const webhooks = yield* SimulatorWebhooks.make({
      url: options.webhookUrl,
      sign: (event) => StripeIdentityWebhook.sign({ secrets: [options.webhookSecret], event })
    })
    let origin = ""

    /** The session as Stripe writes it; `expand` adds the verified outputs. */
    const wireSession = (stored: Stored, expand: ReadonlyArray<string> = []) => {
      const open = stored.status === "requires_input"
      const outputs = {
        first_name: person.first_name,
        last_name: person.last_name,
        sex: person.sex,
        address: person.address,
        id_number_type: stored.type === "id_number" ? "us_ssn" : null,
        ...(expand.includes("verified_outputs.dob") ? { dob: person.dob } : {}),
        ...(expand.includes("verified_outputs.id_number") && stored.type === "id_number"
          ? { id_number: "000000000" }
          : {})
      }
      return {
        id: stored.id,
        object: "identity.verification_session",
        client_reference_id: stored.clientReferenceId,
        client_secret: open ? stored.clientSecret : null,
        created: stored.created,
        last_error: stored.lastError,
        last_verification_report: stored.report,
        livemode: false,
        metadata: stored.metadata,
        options: stored.options,
        redaction: null,
        status: stored.status,
        type: stored.type,
        url: open ? `${origin}/verify/${stored.id}` : null,
        ...(stored.returnUrl === null ? {} : { return_url: stored.returnUrl }),
        // Without `expand[]=verified_outputs`, Stripe leaves the field out.
        ...(expand.includes("verified_outputs")
          ? { verified_outputs: stored.status === "verified" ? outputs : null }
          : {})
      }
    }

    const wireReport = (report: StoredReport, stored: Stored, expand: ReadonlyArray<string>) => {
      const error =
        report.outcome === "verified" ? null : { code: report.outcome, reason: `simulated ${report.outcome}` }
      const noError = { code: null, reason: null }
      const failed = (prefix: string) => error?.code.startsWith(prefix) === true
      const documentFailed = error !== null && !failed("selfie") && !failed("id_number")
      const document = {
        status: documentFailed ? "unverified" : "verified",
        error: documentFailed ? error : noError,
        first_name: person.first_name,
        last_name: person.last_name,
        address: person.address,
        type: licence.type,
        issuing_country: licence.issuing_country,
        issued_date: licence.issued_date,
        files: ["file_simulated_front", "file_simulated_back"],
        ...(expand.includes("document.number") ? { number: licence.number } : {}),
        ...(expand.includes("document.dob") ? { dob: person.dob } : {}),
        ...(expand.includes("document.expiration_date") ? { expiration_date: licence.expiration_date } : {})
      }
      const selfie = {
        status: failed("selfie") || documentFailed ? "unverified" : "verified",
        error: failed("selfie") ? error : noError,
        document: "file_simulated_front",
        selfie: "file_simulated_selfie"
      }
      const idNumber = {
        status: error === null ? "verified" : "unverified",
        error: error ?? noError,
        first_name: person.first_name,
        last_name: person.last_name,
        id_number_type: "us_ssn",
        ...(expand.includes("id_number.dob") ? { dob: person.dob } : {})
      }
      return {
        id: report.id,
        object: "identity.verification_report",
        client_reference_id: stored.clientReferenceId,
        created: report.created,
        livemode: false,
        options: stored.options,
        type: stored.type,
        verification_session: stored.id,
        ...(stored.type === "id_number"
          ? { id_number: idNumber }
          : { document, ...(stored.options.document.require_matching_selfie === true ? { selfie } : {}) })
      }
    }

    /** The signed `identity.verification_session.<status>` event for the session as it is now, sent. */
    const announce = (stored: Stored, timestamp?: number) =>
      Effect.gen(function* () {
        const event = {
          id: SimulatorStore.prefixedId("evt"),
          object: "event",
          api_version: StripeIdentityClient.defaultApiVersion,
          created: yield* now,
          data: { object: wireSession(stored) },
          livemode: false,
          pending_webhooks: 1,
          request: { id: null, idempotency_key: null },
          type: `identity.verification_session.${stored.status}`
        }
        return yield* webhooks.send(
          event,
          timestamp === undefined
            ? {}
            : {
                sign: (body) => StripeIdentityWebhook.sign({ secrets: [options.webhookSecret], event: body, timestamp })
              }
        )
      })

    /** Moves a session to `outcome` as the end-user's finished attempt would. */
    const apply = (stored: Stored, outcome: Magic) =>
      Effect.gen(function* () {
        stored.planned = undefined
        if (outcome === "pending") return
        if (outcome === "processing" || outcome === "canceled") {
          stored.status = outcome
          return
        }
        const report = reports.insert({
          id: SimulatorStore.prefixedId("vr"),
          session: stored.id,
          outcome,
          created: yield* now
        })
        stored.report = report.id
        stored.status = outcome === "verified" ? "verified" : "requires_input"
        stored.lastError = outcome === "verified" ? null : { code: outcome, reason: `simulated ${outcome}` }
      })

    /** A retrieval moves a session along its magic value: first to `processing`, then to the outcome. */
    const advance = (stored: Stored) =>
      Effect.gen(function* () {
        const planned = stored.planned
        if (planned === undefined || planned === "pending") return
        if (stored.status === "requires_input" && stored.lastError === null) {
          stored.status = "processing"
          if (planned === "processing") stored.planned = undefined
          yield* announce(stored)
        } else if (stored.status === "processing") {
          yield* apply(stored, planned)
          yield* announce(stored)
        }
      })

    /** `POST /v1/identity/verification_sessions`: a form body checked as Stripe checks it. */
    const create = (request: Kit.Request) =>
      Effect.gen(function* () {
        const contentType = request.headers["content-type"] ?? ""
        if (!contentType.startsWith(StripeIdentityClient.formContentType)) {
          return stripeError(400, {
            message: `Stripe takes ${StripeIdentityClient.formContentType} bodies, not ${contentType || "none"}.`
          })
        }
        const form = Form.decode(request.text)
        if (form === undefined) return stripeError(400, { message: "Invalid form body." })
        if (form.type === undefined) {
          return stripeError(400, {
            code: "parameter_missing",
            param: "type",
            message: "Missing required param: type."
          })
        }
        const decoded = yield* decodeWireCreate(form, { errors: "first", onExcessProperty: "error" }).pipe(
          Effect.result
        )
        if (decoded._tag === "Failure") {
          const [param] = Problem.invalidParams(decoded.failure.issue)
          return stripeError(400, {
            code: "parameter_invalid",
            param: bracketed(param?.name ?? ""),
            message: `Invalid parameter: ${param?.reason ?? "unknown"}`
          })
        }
        const wire = decoded.success
        const magic = wire.metadata?.[magicKey]
        if (magic !== undefined && magic !== "pending" && magic !== "processing" && !isFinalOutcome(magic)) {
          return stripeError(400, {
            code: "parameter_invalid",
            param: `metadata[${magicKey}]`,
            message: "Not a simulator outcome."
          })
        }
        const stored = sessions.insert({
          id: SimulatorStore.prefixedId("vs"),
          type: wire.type,
          created: yield* now,
          clientReferenceId: wire.client_reference_id ?? null,
          returnUrl: wire.return_url ?? null,
          metadata: wire.metadata ?? {},
          options: { document: wire.options?.document === undefined ? {} : echoOptions(wire.options.document) },
          clientSecret: SimulatorStore.prefixedId("vs_secret"),
          status: "requires_input",
          lastError: null,
          report: null,
          planned: magic
        })
        yield* announce(stored)
        return { status: 200, body: wireSession(stored) }
      })

    /** Stripe replays the answer to a request with an `Idempotency-Key` it has seen. */
    const idempotent: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const key = request.headers["idempotency-key"]
        const replay = key === undefined ? undefined : byIdempotencyKey.get(key)
        if (replay !== undefined) return replay
        const created = yield* create(request)
        if (key !== undefined && created.status === 200) byIdempotencyKey.set(key, created)
        return created
      })

    const retrieve: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = yield* sessions.require(request.params.id ?? "")
        yield* advance(stored)
        return { status: 200, body: wireSession(stored, request.query.getAll("expand[]")) }
      })

    const cancel: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = yield* sessions.require(request.params.id ?? "")
        if (stored.status !== "requires_input") {
          return stripeError(400, {
            message: `This VerificationSession cannot be canceled because it has a status of ${stored.status}.`
          })
        }
        stored.status = "canceled"
        stored.planned = undefined
        yield* announce(stored)
        return { status: 200, body: wireSession(stored) }
      })

    const report: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const found = yield* reports.require(request.params.id ?? "")
        const stored = yield* sessions.require(found.session)
        return { status: 200, body: wireReport(found, stored, request.query.getAll("expand[]")) }
      })

    /** `GET /verify/{id}?outcome=…`: the hosted page's stand-in, where the end-user "finishes". */
    const hostedPage: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const id = request.params.id ?? ""
        const stored = sessions.get(id)
        if (stored === undefined || stored.status !== "requires_input") {
          return { status: 404, body: "This verification link has expired." }
        }
        const outcome = request.query.get("outcome") ?? ""
        if (!isFinalOutcome(outcome)) {
          return {
            status: 200,
            body: `Simulated Stripe verification ${id}: add ?outcome=verified (or a last_error code).`
          }
        }
        yield* apply(stored, outcome)
        yield* announce(stored)
        return stored.returnUrl === null
          ? { status: 200, body: `Verification ${id}: ${stored.status}` }
          : Kit.redirect(stored.returnUrl)
      })

    const simulator = yield* Kit.make({
      basePath: "/v1",
      guard: credentials(options.apiKey),
      notFound: (request) =>
        stripeError(404, { message: `Unrecognized request URL (${request.method}: ${request.path}).` }),
      headers: () => ({
        "request-id": SimulatorStore.prefixedId("req"),
        "stripe-version": StripeIdentityClient.defaultApiVersion
      }),
      routes: [
        Kit.post("/identity/verification_sessions", idempotent),
        Kit.get("/identity/verification_sessions/:id", retrieve),
        Kit.post("/identity/verification_sessions/:id/cancel", cancel),
        Kit.get("/identity/verification_reports/:id", report)
      ],
      pages: [Kit.get("/verify/:id", hostedPage)]
    })
    origin = simulator.origin

    return {
      ...Kit.controls(simulator, { failures, webhooks, baseUrl: origin }),
      complete: (id, outcome, completion) => {
        const stored = sessions.get(id)
        return stored === undefined
          ? Effect.die(new Error(`the simulator has no verification session ${id}`))
          : Effect.andThen(apply(stored, outcome), announce(stored, completion?.timestamp))
      }
    }
  })

/**
 * A simulator for each build of the layer (a fresh one per test, with `Conformance.suite`).
 *
 * @since 0.1.0
 */
export const layer = (options: Options) => Layer.effect(StripeIdentitySimulator, make(options))

/**
 * The provider registered against a fresh simulator, with the simulator as a service: what tests of an application
 * that uses this adapter provide. `timeout` is the client's (keep it short: the `timeout` failure waits for it).
 *
 * @since 0.1.0
 */
export const layerTest = (
  options: Options & { readonly timeout?: Duration.Input | undefined }
): Kit.TestLayer<StripeIdentitySimulator> =>
  Kit.withProvider(layer(options), StripeIdentitySimulator, (simulator) =>
    StripeIdentityProvider.layer({ ...options, baseUrl: simulator.baseUrl, webhookSecrets: [options.webhookSecret] })
  )

/**
 * A start request whose session the simulator moves to `magic` (see the module table), of process type
 * `processType` (default `document`).
 *
 * @since 0.1.0
 */
export const startRequest = (
  magic: Magic,
  processType: "document" | "documentSelfie" | "idNumber" = "document"
): IdentityProvider.StartRequest<unknown> =>
  TestRequest.start({
    processType,
    parameters: { metadata: { [magicKey]: magic } },
    returnUrl: "https://app.example/return"
  })
