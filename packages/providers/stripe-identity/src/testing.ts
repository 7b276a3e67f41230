/**
 * Testing Stripe Identity integrations offline: a simulator of Stripe's Identity API on loopback, built on the
 * simulator kit of `@assure/provider/testing` and holding only what is Stripe's: every Identity operation as Stripe's
 * official `stripe` client sends it — verification sessions create, retrieve, update, list, cancel and redact,
 * verification reports retrieve and list — with `expand[]=` and `expand[0]=` alike and every documented parameter;
 * Stripe's error bodies (`{ "error": { type, code, param, message } }`, `error.param` in bracket notation) for a
 * wrong key, a malformed `Stripe-Version`, a body that is not form-encoded and unknown or invalid parameters; a
 * `Request-Id` and the requested `Stripe-Version` on every answer; `Idempotency-Key` replays; the sensitive
 * verification results refused (403) to a key without "Access recent sensitive verification results" or after 48
 * hours; and `identity.verification_session.*` webhooks signed with `Stripe-Signature` to `webhookUrl`. The package
 * README's "The simulator" tells it all.
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
import { Clock, Context, type Duration, Effect, Layer, Redacted, Schema, type Scope } from "effect"
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

/**
 * What a key may read of the sensitive verification results: `"none"` (a secret key, or a restricted key without
 * the permission), `"recent"` (a restricted key with "Access recent sensitive verification results": verifications
 * of the last 48 hours) or `"all"` (an IP-restricted key with "Access all sensitive verification results").
 *
 * @since 0.1.0
 */
export type SensitiveAccess = "none" | "recent" | "all"

/** A key the simulator accepts, and what it may read of the sensitive results. @since 0.1.0 */
export interface Key {
  readonly key: Redacted.Redacted<string>
  readonly sensitive: SensitiveAccess
}

/** How the simulator is set up. @since 0.1.0 */
export interface Options {
  /**
   * A key it accepts: a secret key (`sk_…`), which never reads the sensitive results, as at Stripe, or a restricted
   * key (`rk_…`), which reads them for verifications of the last 48 hours.
   */
  readonly apiKey: Redacted.Redacted<string>
  /** More keys it accepts, each with its own access to the sensitive results (a restricted key without it, say). */
  readonly keys?: ReadonlyArray<Key> | undefined
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
   * webhook; `timestamp` (unix seconds) back-dates the verification (its report's `created`, which starts Stripe's
   * 48 hours for the sensitive results) and the webhook's signature.
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
  type: "document" | "id_number" | "verification_flow"
  readonly created: number
  readonly clientReferenceId: string | null
  readonly returnUrl: string | null
  readonly verificationFlow: string | null
  readonly relatedCustomer: string | null
  readonly relatedCustomerAccount: string | null
  readonly relatedPerson: { readonly account: string; readonly person: string } | null
  metadata: Readonly<Record<string, string>>
  options: { readonly document: Readonly<Record<string, unknown>> }
  providedDetails: { readonly email?: string; readonly phone?: string }
  readonly clientSecret: string
  status: StripeIdentityClient.SessionStatus
  lastError: { readonly code: string; readonly reason: string } | null
  report: string | null
  redaction: "processing" | "redacted" | null
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

// Request parameters as they arrive, form-decoded: every value a string, arrays as objects keyed by index, and
// Stripe's "empty value unsets" (`metadata=`, `options[document]=`) as the empty string.
const bool = Schema.Literals(["true", "false"])
const digits = Schema.String.check(Schema.isPattern(/^\d+$/))
const list = <S extends Schema.Top>(item: S) => Schema.Record(digits, item)
const Expand = Schema.optionalKey(list(Schema.String))
const Metadata = Schema.optionalKey(
  Schema.Union([
    Schema.Literal(""),
    Schema.Record(Schema.String.check(Schema.isMaxLength(40)), Schema.String.check(Schema.isMaxLength(500)))
  ])
)
const DocumentOptions = Schema.Struct({
  allowed_types: Schema.optionalKey(list(StripeIdentityClient.DocumentKind)),
  require_id_number: Schema.optionalKey(bool),
  require_live_capture: Schema.optionalKey(bool),
  require_matching_selfie: Schema.optionalKey(bool)
})
const SessionOptions = Schema.optionalKey(
  Schema.Struct({ document: Schema.optionalKey(Schema.Union([Schema.Literal(""), DocumentOptions])) })
)
const ProvidedDetails = Schema.optionalKey(
  Schema.Struct({ email: Schema.optionalKey(Schema.String), phone: Schema.optionalKey(Schema.String) })
)
const Created = Schema.optionalKey(
  Schema.Union([
    digits,
    Schema.Struct({
      gt: Schema.optionalKey(digits),
      gte: Schema.optionalKey(digits),
      lt: Schema.optionalKey(digits),
      lte: Schema.optionalKey(digits)
    })
  ])
)
const Pagination = {
  ending_before: Schema.optionalKey(Schema.String),
  starting_after: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(digits)
}
const SessionStatus = Schema.Literals(["requires_input", "processing", "verified", "canceled"])

/** `POST /v1/identity/verification_sessions`. */
const WireCreate = Schema.Struct({
  type: Schema.optionalKey(Schema.Literals(["document", "id_number"])),
  verification_flow: Schema.optionalKey(Schema.String),
  client_reference_id: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(5000))),
  return_url: Schema.optionalKey(Schema.String),
  expand: Expand,
  metadata: Metadata,
  options: SessionOptions,
  provided_details: ProvidedDetails,
  related_customer: Schema.optionalKey(Schema.String),
  related_customer_account: Schema.optionalKey(Schema.String),
  related_person: Schema.optionalKey(Schema.Struct({ account: Schema.String, person: Schema.String }))
})

/** `POST /v1/identity/verification_sessions/{id}`. */
const WireUpdate = Schema.Struct({
  type: Schema.optionalKey(Schema.Literals(["document", "id_number"])),
  expand: Expand,
  metadata: Metadata,
  options: SessionOptions,
  provided_details: ProvidedDetails
})

/** A retrieval, `…/cancel` and `…/redact`: only `expand`. */
const WireExpand = Schema.Struct({ expand: Expand })

/** `GET /v1/identity/verification_sessions`. */
const WireListSessions = Schema.Struct({
  client_reference_id: Schema.optionalKey(Schema.String),
  created: Created,
  expand: Expand,
  related_customer: Schema.optionalKey(Schema.String),
  related_customer_account: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(SessionStatus),
  ...Pagination
})

/** `GET /v1/identity/verification_reports`. */
const WireListReports = Schema.Struct({
  client_reference_id: Schema.optionalKey(Schema.String),
  created: Created,
  expand: Expand,
  type: Schema.optionalKey(Schema.Literals(["document", "id_number"])),
  verification_session: Schema.optionalKey(Schema.String),
  ...Pagination
})

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

/** Stripe's refusal to expand a sensitive field for a key without the permission (or past the 48 hours). */
const sensitiveRefused = (field: string) =>
  stripeError(403, {
    message:
      `Reading ${field} needs a restricted API key with the Identity permission "Access recent sensitive ` +
      `verification results" (verifications of the last 48 hours). See ${StripeIdentityClient.sensitiveResultsGuide}.`
  })

/** Decodes a request's parameters as Stripe checks them: an unknown one or an invalid value is a 400. */
const decodeParams = <A, I>(schema: Schema.Codec<A, I>, params: Form.Decoded): Effect.Effect<A, Kit.Answer> =>
  Schema.decodeUnknownEffect(schema)(params, { errors: "first", onExcessProperty: "error" }).pipe(
    Effect.mapError((error) => {
      const [param] = Problem.invalidParams(error.issue)
      const name = bracketed(param?.name ?? "")
      // Effect's formatter words an excess key so; Stripe calls it an unknown parameter.
      const reason = param?.reason ?? ""
      return reason.startsWith("Expected no excess property") || reason.startsWith("Unexpected key")
        ? stripeError(400, { code: "parameter_unknown", param: name, message: `Received unknown parameter: ${name}` })
        : stripeError(400, {
            code: "parameter_invalid",
            param: name,
            message: `Invalid parameter: ${param?.reason ?? "unknown"}`
          })
    })
  )

/** The query string of a GET, decoded like a form body: `expand[]=a` and `expand[0]=a` alike. */
const queryOf = (request: Kit.Request): Effect.Effect<Form.Decoded, Kit.Answer> => {
  const decoded = Form.decode(request.url.split("?")[1] ?? "")
  return decoded === undefined
    ? Effect.fail(stripeError(400, { message: "Invalid query string." }))
    : Effect.succeed(decoded)
}

/** A POST's form body (none is an empty one, as `…/cancel` is sent). */
const bodyOf = (request: Kit.Request): Effect.Effect<Form.Decoded, Kit.Answer> => {
  if (request.text === "") return Effect.succeed({})
  const contentType = request.headers["content-type"] ?? ""
  if (!contentType.startsWith(StripeIdentityClient.formContentType)) {
    return Effect.fail(
      stripeError(400, {
        message: `Stripe takes ${StripeIdentityClient.formContentType} bodies, not ${contentType || "none"}.`
      })
    )
  }
  const form = Form.decode(request.text)
  return form === undefined ? Effect.fail(stripeError(400, { message: "Invalid form body." })) : Effect.succeed(form)
}

const sameVersion = /^\d{4}-\d{2}-\d{2}(?:\.[a-z]+)?$/

/** The keys it accepts as bearer tokens, and a well-formed `Stripe-Version` when one is sent. */
const credentials =
  (keys: ReadonlyArray<Key>): Kit.Guard =>
  (request) => {
    if (keyOf(keys, request) === undefined) {
      return Effect.fail(stripeError(401, { message: "Invalid API Key provided." }))
    }
    const version = request.headers["stripe-version"]
    return version === undefined || sameVersion.test(version)
      ? Effect.void
      : Effect.fail(stripeError(400, { message: `Invalid Stripe API version: ${version}` }))
  }

/** The accepted key a request carries, if any. */
const keyOf = (keys: ReadonlyArray<Key>, request: Kit.Request): Key | undefined => {
  const authorization = request.headers.authorization ?? ""
  if (!authorization.startsWith("Bearer ")) return undefined
  const given = authorization.slice("Bearer ".length)
  return keys.find((key) => SimulatorAuth.sameSecret(given, Redacted.value(key.key)))
}

const isFinalOutcome = (value: string): value is FinalOutcome =>
  value === "verified" || value === "canceled" || (errorCodes as ReadonlyArray<string>).includes(value)

const isMagic = (value: string): value is Magic =>
  value === "pending" || value === "processing" || isFinalOutcome(value)

/** The options as Stripe echoes them: booleans as booleans, allowed types as a list; `""` unsets them. */
const echoOptions = (document: typeof DocumentOptions.Type | "" | undefined) => {
  if (document === undefined || document === "") return {}
  const { allowed_types, ...flags } = document
  return {
    ...(allowed_types === undefined ? {} : { allowed_types: Object.values(allowed_types) }),
    ...Object.fromEntries(Object.entries(flags).map(([key, value]) => [key, value === "true"]))
  }
}

/** Metadata after an update: `metadata=` clears it, `metadata[key]=` removes one key, other values set. */
const mergeMetadata = (
  current: Readonly<Record<string, string>>,
  update: Readonly<Record<string, string>> | "" | undefined
): Record<string, string> => {
  if (update === "") return {}
  const merged: Record<string, string> = { ...current }
  for (const [key, value] of Object.entries(update ?? {})) {
    if (value === "") delete merged[key]
    else merged[key] = value
  }
  return merged
}

/** The fields Stripe releases only to a key with the sensitive-results permission, by the object they are on. */
const sensitiveOnReport = [
  "document.number",
  "document.dob",
  "document.expiration_date",
  "id_number.dob",
  "id_number.id_number"
]
const sensitiveOnSession = [
  "verified_outputs.dob",
  "verified_outputs.id_number",
  ...sensitiveOnReport.map((field) => `last_verification_report.${field}`)
]
/** The fields a session can be read with (`expand`); any other is refused, as Stripe refuses it. */
const expandableOnSession = ["verified_outputs", "last_verification_report", "provided_details", ...sensitiveOnSession]

/** The expansions asked for, as a list, checked against what the object offers. */
const expansionsOf = (
  params: { readonly expand?: Readonly<Record<string, string>> | undefined },
  expandable: ReadonlyArray<string>,
  prefix = ""
): Effect.Effect<ReadonlyArray<string>, Kit.Answer> => {
  const asked = Object.values(params.expand ?? {})
  const refused = asked.find((field) => !field.startsWith(prefix) || !expandable.includes(field.slice(prefix.length)))
  return refused === undefined
    ? Effect.succeed(asked.map((field) => field.slice(prefix.length)))
    : Effect.fail(stripeError(400, { param: "expand", message: `This property cannot be expanded (${refused}).` }))
}

/** The page of `items` (newest first) a list call asks for, and whether more follow it. */
const page = <A extends { readonly id: string }>(
  items: ReadonlyArray<A>,
  params: { readonly limit?: string; readonly starting_after?: string; readonly ending_before?: string }
): Effect.Effect<{ readonly window: ReadonlyArray<A>; readonly hasMore: boolean }, Kit.Answer> => {
  const limit = params.limit === undefined ? 10 : Number(params.limit)
  if (limit < 1 || limit > 100) {
    return Effect.fail(
      stripeError(400, {
        code: "parameter_invalid_integer",
        param: "limit",
        message: "limit must be between 1 and 100."
      })
    )
  }
  const cursor = params.starting_after ?? params.ending_before
  const at = cursor === undefined ? -1 : items.findIndex((item) => item.id === cursor)
  if (cursor !== undefined && at === -1) {
    return Effect.fail(notFound("object")(cursor))
  }
  const window =
    params.starting_after !== undefined
      ? items.slice(at + 1, at + 1 + limit)
      : params.ending_before !== undefined
        ? items.slice(Math.max(0, at - limit), at)
        : items.slice(0, limit)
  const hasMore =
    params.ending_before !== undefined
      ? at - limit > 0
      : (params.starting_after === undefined ? 0 : at + 1) + limit < items.length
  return Effect.succeed({ window, hasMore })
}

/** Stripe's list envelope. */
const listAnswer = (data: ReadonlyArray<unknown>, hasMore: boolean, url: string): Kit.Answer => ({
  status: 200,
  body: { object: "list", data, has_more: hasMore, url }
})

/** Whether `created` (unix seconds) passes a list call's `created` filter. */
const createdMatches = (created: number, filter: typeof Created.Type | undefined) => {
  if (filter === undefined) return true
  if (typeof filter === "string") return created === Number(filter)
  return (
    (filter.gt === undefined || created > Number(filter.gt)) &&
    (filter.gte === undefined || created >= Number(filter.gte)) &&
    (filter.lt === undefined || created < Number(filter.lt)) &&
    (filter.lte === undefined || created <= Number(filter.lte))
  )
}

/** Newest first, as Stripe lists; for equal times, the one created later first. */
const newestFirst = <A extends { readonly created: number }>(items: ReadonlyArray<A>) =>
  items
    .map((item, index) => [item, index] as const)
    .sort(([a, i], [b, j]) => b.created - a.created || j - i)
    .map(([item]) => item)

/** Stripe's window for a restricted key's sensitive results. */
const recentSeconds = 48 * 60 * 60

/** Unix seconds, as Stripe writes times. */
const now = Effect.map(Clock.currentTimeMillis, (millis) => Math.floor(millis / 1000))

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const keys: ReadonlyArray<Key> = [
      {
        key: options.apiKey,
        sensitive: Redacted.value(options.apiKey).startsWith(StripeIdentityClient.restrictedKeyPrefix)
          ? "recent"
          : "none"
      },
      ...(options.keys ?? [])
    ]
    const sessions = SimulatorStore.make<Stored>({ notFound: notFound("verification session") })
    const reports = SimulatorStore.make<StoredReport>({ notFound: notFound("verification report") })
    const byIdempotencyKey = new Map<string, { readonly request: string; readonly answer: Kit.Answer }>()
    const webhooks = yield* SimulatorWebhooks.make({
      url: options.webhookUrl,
      sign: (event) => StripeIdentityWebhook.sign({ secrets: [options.webhookSecret], event })
    })
    let origin = ""

    /**
     * Refuses sensitive `fields` of the verification `report` to a key that may not read them: a secret key or a
     * restricted key without the permission, or one with "recent" access once the verification is 48 hours old.
     */
    const mayRead = (request: Kit.Request, fields: ReadonlyArray<string>, report: StoredReport | undefined) =>
      Effect.gen(function* () {
        if (fields.length === 0) return
        const access = keyOf(keys, request)?.sensitive ?? "none"
        const field = fields[0] ?? ""
        if (access === "none") return yield* Effect.fail(sensitiveRefused(field))
        if (access === "recent" && report !== undefined && (yield* now) - report.created > recentSeconds) {
          return yield* Effect.fail(sensitiveRefused(field))
        }
      })

    const sensitiveOf = (expand: ReadonlyArray<string>, sensitive: ReadonlyArray<string>) =>
      expand.filter((field) => sensitive.includes(field))

    const redacted = (value: unknown) => (value === null ? null : "[redacted]")

    /** The session as Stripe writes it; `expand` adds the verified outputs, the report and the provided details. */
    const wireSession = (stored: Stored, expand: ReadonlyArray<string> = []): Record<string, unknown> => {
      const open = stored.status === "requires_input"
      const gone = stored.redaction === "redacted"
      const outputs = gone
        ? {
            first_name: "[redacted]",
            last_name: "[redacted]",
            sex: "[redacted]",
            address: null,
            id_number_type: null,
            ...(expand.includes("verified_outputs.dob") ? { dob: null } : {}),
            ...(expand.includes("verified_outputs.id_number") ? { id_number: null } : {})
          }
        : {
            first_name: person.first_name,
            last_name: person.last_name,
            sex: person.sex,
            address: person.address,
            id_number_type: stored.type === "id_number" ? "us_ssn" : null,
            email: null,
            phone: null,
            ...(expand.includes("verified_outputs.dob") ? { dob: person.dob } : {}),
            ...(expand.includes("verified_outputs.id_number")
              ? { id_number: stored.type === "id_number" ? "000000000" : null }
              : {})
          }
      const reportExpand = expand
        .filter((field) => field.startsWith("last_verification_report."))
        .map((field) => field.slice("last_verification_report.".length))
      const report = stored.report === null ? undefined : reports.get(stored.report)
      return {
        id: stored.id,
        object: "identity.verification_session",
        client_reference_id: gone ? redacted(stored.clientReferenceId) : stored.clientReferenceId,
        client_secret: open ? stored.clientSecret : null,
        created: stored.created,
        last_error: stored.lastError,
        // Expanding the report, or a field of it, puts the report in place of its id.
        last_verification_report:
          report !== undefined && (expand.includes("last_verification_report") || reportExpand.length > 0)
            ? wireReport(report, stored, reportExpand)
            : stored.report,
        livemode: false,
        metadata: stored.metadata,
        options: stored.options,
        redaction: stored.redaction === null ? null : { status: stored.redaction },
        related_customer: stored.relatedCustomer,
        related_customer_account: stored.relatedCustomerAccount,
        ...(stored.relatedPerson === null ? {} : { related_person: stored.relatedPerson }),
        status: stored.status,
        type: stored.type,
        url: open ? `${origin}/verify/${stored.id}` : null,
        ...(stored.returnUrl === null ? {} : { return_url: stored.returnUrl }),
        ...(stored.verificationFlow === null ? {} : { verification_flow: stored.verificationFlow }),
        ...(expand.includes("provided_details") ? { provided_details: gone ? null : stored.providedDetails } : {}),
        // Without `expand[]=verified_outputs` (or one of its fields), Stripe leaves the field out.
        ...(expand.some((field) => field === "verified_outputs" || field.startsWith("verified_outputs."))
          ? { verified_outputs: stored.status === "verified" ? outputs : null }
          : {})
      }
    }

    const wireReport = (report: StoredReport, stored: Stored, expand: ReadonlyArray<string>) => {
      const gone = stored.redaction === "redacted"
      const error =
        report.outcome === "verified" ? null : { code: report.outcome, reason: `simulated ${report.outcome}` }
      const noError = { code: null, reason: null }
      const failed = (prefix: string) => error?.code.startsWith(prefix) === true
      const documentFailed = error !== null && !failed("selfie") && !failed("id_number")
      const name = gone
        ? { first_name: "[redacted]", last_name: "[redacted]" }
        : { first_name: person.first_name, last_name: person.last_name }
      const document = {
        status: documentFailed ? "unverified" : "verified",
        error: documentFailed ? error : noError,
        ...name,
        address: gone ? null : person.address,
        type: licence.type,
        issuing_country: licence.issuing_country,
        issued_date: gone ? null : licence.issued_date,
        files: gone ? [] : ["file_simulated_front", "file_simulated_back"],
        ...(expand.includes("document.number") ? { number: gone ? null : licence.number } : {}),
        ...(expand.includes("document.dob") ? { dob: gone ? null : person.dob } : {}),
        ...(expand.includes("document.expiration_date")
          ? { expiration_date: gone ? null : licence.expiration_date }
          : {})
      }
      const selfie = {
        status: failed("selfie") || documentFailed ? "unverified" : "verified",
        error: failed("selfie") ? error : noError,
        document: gone ? null : "file_simulated_front",
        selfie: gone ? null : "file_simulated_selfie"
      }
      const idNumber = {
        status: error === null ? "verified" : "unverified",
        error: error ?? noError,
        ...name,
        id_number_type: "us_ssn",
        ...(expand.includes("id_number.dob") ? { dob: gone ? null : person.dob } : {}),
        ...(expand.includes("id_number.id_number") ? { id_number: gone ? null : "000000000" } : {})
      }
      return {
        id: report.id,
        object: "identity.verification_report",
        client_reference_id: gone ? redacted(stored.clientReferenceId) : stored.clientReferenceId,
        created: report.created,
        livemode: false,
        options: stored.options,
        type: stored.type === "id_number" ? "id_number" : "document",
        verification_session: stored.id,
        ...(stored.type === "id_number"
          ? { id_number: idNumber }
          : { document, ...(stored.options.document.require_matching_selfie === true ? { selfie } : {}) })
      }
    }

    /** The signed event for the session as it is now (`identity.verification_session.<status>` by default), sent. */
    const announce = (stored: Stored, timestamp?: number, type?: string) =>
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
          type: type ?? `identity.verification_session.${stored.status}`
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

    /** Moves a session to `outcome` as the end-user's finished attempt would, at `at` (unix seconds; default now). */
    const apply = (stored: Stored, outcome: Magic, at?: number) =>
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
          created: at ?? (yield* now)
        })
        stored.report = report.id
        stored.status = outcome === "verified" ? "verified" : "requires_input"
        stored.lastError = outcome === "verified" ? null : { code: outcome, reason: `simulated ${outcome}` }
      })

    /**
     * A retrieval moves a session along: a redaction in progress completes (with its event), and a magic value
     * moves it first to `processing`, then to the outcome.
     */
    const advance = (stored: Stored) =>
      Effect.gen(function* () {
        if (stored.redaction === "processing") {
          stored.redaction = "redacted"
          stored.metadata = {}
          yield* announce(stored, undefined, "identity.verification_session.redacted")
          return
        }
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

    /** A magic value in metadata, or the 400 Stripe would give a value it does not know. */
    const magicOf = (metadata: Readonly<Record<string, string>>) => {
      const magic = metadata[magicKey]
      if (magic === undefined) return Effect.succeed(undefined)
      return isMagic(magic)
        ? Effect.succeed(magic)
        : Effect.fail(
            stripeError(400, {
              code: "parameter_invalid",
              param: `metadata[${magicKey}]`,
              message: "Not a simulator outcome."
            })
          )
    }

    /** The session answered with the expansions a request asks for, once the key may read them. */
    const answerSession = (request: Kit.Request, stored: Stored, expand: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const report = stored.report === null ? undefined : reports.get(stored.report)
        yield* mayRead(request, sensitiveOf(expand, sensitiveOnSession), report)
        return { status: 200, body: wireSession(stored, expand) }
      })

    /** `POST /v1/identity/verification_sessions`: a form body checked as Stripe checks it. */
    const create: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const form = yield* bodyOf(request)
        if (form.type === undefined && form.verification_flow === undefined) {
          return stripeError(400, {
            code: "parameter_missing",
            param: "type",
            message: "Missing required param: type."
          })
        }
        const wire = yield* decodeParams(WireCreate, form)
        const expand = yield* expansionsOf(wire, expandableOnSession)
        const metadata = mergeMetadata({}, wire.metadata)
        const stored = sessions.insert({
          id: SimulatorStore.prefixedId("vs"),
          type: wire.type ?? "verification_flow",
          created: yield* now,
          clientReferenceId: wire.client_reference_id ?? null,
          returnUrl: wire.return_url ?? null,
          verificationFlow: wire.verification_flow ?? null,
          relatedCustomer: wire.related_customer ?? null,
          relatedCustomerAccount: wire.related_customer_account ?? null,
          relatedPerson: wire.related_person ?? null,
          metadata,
          options: { document: echoOptions(wire.options?.document) },
          providedDetails: wire.provided_details ?? {},
          clientSecret: SimulatorStore.prefixedId("vs_secret"),
          status: "requires_input",
          lastError: null,
          report: null,
          redaction: null,
          planned: yield* magicOf(metadata)
        })
        yield* announce(stored, undefined, "identity.verification_session.created")
        return yield* answerSession(request, stored, expand)
      })

    /** `POST …/{id}`: while the session requires input, its type, options, provided details and metadata. */
    const update: Kit.Handler<{ readonly id: string }> = (request) =>
      Effect.gen(function* () {
        const stored = yield* sessions.require(request.params.id)
        const wire = yield* decodeParams(WireUpdate, yield* bodyOf(request))
        const expand = yield* expansionsOf(wire, expandableOnSession)
        if (stored.status !== "requires_input" || stored.redaction !== null) {
          return stripeError(400, {
            message: `This VerificationSession cannot be updated because it has a status of ${stored.status}${stored.redaction === null ? "" : " and is redacted"}.`
          })
        }
        const metadata = mergeMetadata(stored.metadata, wire.metadata)
        const planned = yield* magicOf(metadata)
        if (wire.type !== undefined) stored.type = wire.type
        if (wire.options?.document !== undefined) stored.options = { document: echoOptions(wire.options.document) }
        if (wire.provided_details !== undefined)
          stored.providedDetails = { ...stored.providedDetails, ...wire.provided_details }
        stored.metadata = metadata
        stored.planned = planned
        return yield* answerSession(request, stored, expand)
      })

    const retrieve: Kit.Handler<{ readonly id: string }> = (request) =>
      Effect.gen(function* () {
        const stored = yield* sessions.require(request.params.id)
        const wire = yield* decodeParams(WireExpand, yield* queryOf(request))
        const expand = yield* expansionsOf(wire, expandableOnSession)
        yield* advance(stored)
        return yield* answerSession(request, stored, expand)
      })

    const listSessions: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const wire = yield* decodeParams(WireListSessions, yield* queryOf(request))
        const expand = yield* expansionsOf(wire, expandableOnSession, "data.")
        const found = newestFirst(
          sessions.filter(
            (stored) =>
              (wire.client_reference_id === undefined || stored.clientReferenceId === wire.client_reference_id) &&
              (wire.related_customer === undefined || stored.relatedCustomer === wire.related_customer) &&
              (wire.related_customer_account === undefined ||
                stored.relatedCustomerAccount === wire.related_customer_account) &&
              (wire.status === undefined || stored.status === wire.status) &&
              createdMatches(stored.created, wire.created)
          )
        )
        const { window, hasMore } = yield* page(found, wire)
        for (const stored of window) {
          yield* mayRead(
            request,
            sensitiveOf(expand, sensitiveOnSession),
            stored.report === null ? undefined : reports.get(stored.report)
          )
        }
        return listAnswer(
          window.map((stored) => wireSession(stored, expand)),
          hasMore,
          "/v1/identity/verification_sessions"
        )
      })

    const cancel: Kit.Handler<{ readonly id: string }> = (request) =>
      Effect.gen(function* () {
        const stored = yield* sessions.require(request.params.id)
        const wire = yield* decodeParams(WireExpand, yield* bodyOf(request))
        const expand = yield* expansionsOf(wire, expandableOnSession)
        if (stored.status !== "requires_input") {
          return stripeError(400, {
            message: `This VerificationSession cannot be canceled because it has a status of ${stored.status}.`
          })
        }
        stored.status = "canceled"
        stored.planned = undefined
        yield* announce(stored)
        return yield* answerSession(request, stored, expand)
      })

    /**
     * `POST …/{id}/redact`: a session that requires input (canceled on the way) or is verified starts redacting
     * (`redaction.status` `processing`); the next retrieval finds it `redacted`, its personal data replaced and
     * its metadata erased, and the `identity.verification_session.redacted` event sent.
     */
    const redact: Kit.Handler<{ readonly id: string }> = (request) =>
      Effect.gen(function* () {
        const stored = yield* sessions.require(request.params.id)
        const wire = yield* decodeParams(WireExpand, yield* bodyOf(request))
        const expand = yield* expansionsOf(wire, expandableOnSession)
        if (stored.redaction === null) {
          if (stored.status !== "requires_input" && stored.status !== "verified") {
            return stripeError(400, {
              message: `This VerificationSession cannot be redacted because it has a status of ${stored.status}.`
            })
          }
          if (stored.status === "requires_input") {
            stored.status = "canceled"
            stored.planned = undefined
            yield* announce(stored)
          }
          stored.redaction = "processing"
        }
        return yield* answerSession(request, stored, expand)
      })

    const report: Kit.Handler<{ readonly id: string }> = (request) =>
      Effect.gen(function* () {
        const found = yield* reports.require(request.params.id)
        const stored = yield* sessions.require(found.session)
        const wire = yield* decodeParams(WireExpand, yield* queryOf(request))
        const expand = yield* expansionsOf(wire, sensitiveOnReport)
        yield* mayRead(request, expand, found)
        return { status: 200, body: wireReport(found, stored, expand) }
      })

    const listReports: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const wire = yield* decodeParams(WireListReports, yield* queryOf(request))
        const expand = yield* expansionsOf(wire, sensitiveOnReport, "data.")
        const found = newestFirst(
          reports.all().flatMap((candidate) => {
            const stored = sessions.get(candidate.session)
            const matches =
              stored !== undefined &&
              (wire.client_reference_id === undefined || stored.clientReferenceId === wire.client_reference_id) &&
              (wire.verification_session === undefined || candidate.session === wire.verification_session) &&
              (wire.type === undefined || (stored.type === "id_number" ? "id_number" : "document") === wire.type) &&
              createdMatches(candidate.created, wire.created)
            return matches ? [{ id: candidate.id, created: candidate.created, report: candidate, stored }] : []
          })
        )
        const { window, hasMore } = yield* page(found, wire)
        for (const { report: candidate } of window) yield* mayRead(request, expand, candidate)
        return listAnswer(
          window.map((entry) => wireReport(entry.report, entry.stored, expand)),
          hasMore,
          "/v1/identity/verification_reports"
        )
      })

    /**
     * Stripe replays the answer to a POST whose `Idempotency-Key` it has seen (the official client sends one with
     * every POST), and refuses the key with other parameters or on another endpoint.
     */
    const idempotent =
      <P extends Readonly<Record<string, string>>>(handler: Kit.Handler<P>): Kit.Handler<P> =>
      (request) =>
        Effect.gen(function* () {
          const key = request.headers["idempotency-key"]
          const fingerprint = `${request.method} ${request.path} ${request.text}`
          const seen = key === undefined ? undefined : byIdempotencyKey.get(key)
          if (seen !== undefined) {
            return seen.request === fingerprint
              ? seen.answer
              : stripeError(400, {
                  type: "idempotency_error",
                  message: `The Idempotency-Key ${key} was used with another request.`
                })
          }
          const answer = yield* handler(request)
          if (key !== undefined && answer !== undefined && answer.status === 200) {
            byIdempotencyKey.set(key, { request: fingerprint, answer })
          }
          return answer
        })

    /** `GET /verify/{id}?outcome=…`: the hosted page's stand-in, where the end-user "finishes". */
    const hostedPage: Kit.Handler<{ readonly id: string }> = (request) =>
      Effect.gen(function* () {
        const id = request.params.id
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
      guard: credentials(keys),
      notFound: (request) =>
        stripeError(404, { message: `Unrecognized request URL (${request.method}: ${request.path}).` }),
      // Stripe answers in the version the request asked for (a well-formed one), else the account's default.
      headers: (request) => {
        const asked = request.headers["stripe-version"]
        return {
          "request-id": SimulatorStore.prefixedId("req"),
          "stripe-version":
            asked !== undefined && sameVersion.test(asked) ? asked : StripeIdentityClient.defaultApiVersion
        }
      },
      routes: [
        Kit.post("/identity/verification_sessions", idempotent(create)),
        Kit.get("/identity/verification_sessions", listSessions),
        Kit.get("/identity/verification_sessions/:id", retrieve),
        Kit.post("/identity/verification_sessions/:id", idempotent(update)),
        Kit.post("/identity/verification_sessions/:id/cancel", idempotent(cancel)),
        Kit.post("/identity/verification_sessions/:id/redact", idempotent(redact)),
        Kit.get("/identity/verification_reports", listReports),
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
          : Effect.andThen(apply(stored, outcome, completion?.timestamp), announce(stored, completion?.timestamp))
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
