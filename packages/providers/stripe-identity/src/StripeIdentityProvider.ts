/**
 * The Stripe Identity provider: the provider specification implemented over the
 * {@link StripeIdentityClient.StripeIdentityClient}. `start` creates a VerificationSession and returns Stripe's
 * hosted page as the `redirectUrl` (and the `client_secret`, for Stripe.js, as the `clientToken`); `fetchResult`
 * reads the session with its verified outputs and its last VerificationReport, maps Stripe's status (the table
 * below), and normalises what Stripe read with `@assure/core`'s codecs. With a secret key (`sk_…`) the date of
 * birth, the id number and the document's number and expiry date are absent from the result: Stripe releases them
 * only to a restricted key (`rk_…`) with the sensitive-results permission, within 48 hours of the verification
 * (`sensitiveFields`, in `StripeIdentityClient`). Webhooks are verified on the raw body with
 * the `Stripe-Signature` scheme. It classifies every failure and never retries: the engine does, guided by
 * `isRetryable`.
 *
 * | Stripe session | `last_error.code` | process status |
 * |---|---|---|
 * | `requires_input` | none (the end-user has not finished) | `pending` |
 * | `processing` | — | `processing` |
 * | `verified` | — | `accepted` |
 * | `canceled` | — | `canceled` |
 * | `requires_input` | `abandoned`, `consent_declined` | `canceled` |
 * | `requires_input` | {@link rejectingErrors} (the person or document failed a check) | `rejected` |
 * | `requires_input` | any other code (Stripe could not decide: unsupported document, country or device, …) | `inconclusive` |
 *
 * @example
 * ```ts
 * import { ProviderRegistry } from "@assure/provider"
 * import { StripeIdentityProvider } from "@assure/stripe-identity"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Providers = StripeIdentityProvider.layer({
 *   apiKey: Redacted.make("sk_live_…"),
 *   webhookSecrets: [Redacted.make("whsec_…")]
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import {
  Address,
  CalendarDate,
  Country,
  DocumentType,
  IdentityData,
  PersonName,
  type ProcessStatus,
  ProcessType,
  Sex
} from "@assure/core"
import {
  AdapterModule,
  Capabilities,
  CodeTable,
  type EndUserFlow,
  IdentityProvider,
  ProviderError,
  ProviderRegistry,
  Webhook
} from "@assure/provider"
import { Config, Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import type { HttpClient } from "effect/http"
import * as StripeIdentityClient from "./StripeIdentityClient.js"
import * as StripeIdentityWebhook from "./StripeIdentityWebhook.js"

/** The name the provider is registered under. @since 0.1.0 */
export const name = StripeIdentityClient.name

/**
 * The process types it runs: `document` (a VerificationSession of type `document`), `documentSelfie` (the same,
 * with `require_matching_selfie`) and `idNumber` (type `id_number`). @since 0.1.0
 */
export const processTypes = ["document", "documentSelfie", "idNumber"].map((type) => ProcessType.ProcessType.make(type))

/** What it can do; the engine and the conformance suite read it. @since 0.1.0 */
export const capabilities: Capabilities.Capabilities = {
  ...Capabilities.none,
  // The end-user goes through Stripe's hosted page (or Stripe.js with the client secret); Stripe takes no uploads.
  hostedFlow: true,
  webhooks: true,
  polling: true,
  // An end-user who leaves the hosted page or refuses consent is reported (`last_error` `abandoned`,
  // `consent_declined`), and the API can cancel a session (`POST …/cancel`).
  endUserCancel: true,
  cancel: true
}

/** How the end-user takes part in each process type: a hand-over to Stripe's hosted page for all of them. @since 0.2.0 */
export const endUserFlows: EndUserFlow.Declarations = {
  document: { flow: "handOver" },
  documentSelfie: { flow: "handOver" },
  idNumber: { flow: "handOver" }
}

/** Its entry of `processParameters`, decoded strictly: unknown keys are refused before Stripe is called. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** The documents the end-user may present (`options[document][allowed_types]`); default: all three. */
  allowedTypes: Schema.optionalKey(Schema.Array(StripeIdentityClient.DocumentKind).check(Schema.isMinLength(1))),
  /** Also collect and check an id number (`options[document][require_id_number]`). */
  requireIdNumber: Schema.optionalKey(Schema.Boolean),
  /** Refuse photos or scans of the document (`options[document][require_live_capture]`). */
  requireLiveCapture: Schema.optionalKey(Schema.Boolean),
  /** Key–value pairs stored on the session (Stripe allows 50 keys); also how the simulator takes magic values. */
  metadata: Schema.optionalKey(
    Schema.Record(
      Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(40)),
      Schema.String.check(Schema.isMaxLength(500))
    )
  )
})

/** Its entry of `processParameters`. @since 0.1.0 */
export type Parameters = typeof Parameters.Type

// Typed `processParameters["stripe-identity"]` for every application that imports this adapter.
declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly "stripe-identity": Parameters
  }
}

/** How the provider is set up: the client's options, and the secrets webhooks are signed with. @since 0.1.0 */
export interface Options extends StripeIdentityClient.Options {
  /** The endpoint's signing secrets (`whsec_…`); any of them may have signed a webhook (several during a rotation). */
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
}

/**
 * `last_error` codes that end a process: `canceled` when the end-user walked away or said no, `rejected` when the
 * person or the document failed a check. Any other code (Stripe could not decide: an unsupported document, country
 * or device, …) falls back to `inconclusive`.
 *
 * @since 0.1.0
 */
export const lastErrorOutcomes = CodeTable.make(
  "Stripe last_error code",
  {
    abandoned: "canceled",
    consent_declined: "canceled",
    document_expired: "rejected",
    document_unverified_other: "rejected",
    id_number_mismatch: "rejected",
    id_number_unverified_other: "rejected",
    selfie_document_missing_photo: "rejected",
    selfie_face_mismatch: "rejected",
    selfie_manipulated: "rejected",
    selfie_unverified_other: "rejected",
    under_supported_age: "rejected"
  },
  { fallback: CodeTable.fallbackTo<ProcessStatus.ProcessStatus>("inconclusive") }
)

/** `last_error` codes that end a process as `canceled`: the end-user walked away or said no. @since 0.1.0 */
export const cancelingErrors: ReadonlyArray<string> = lastErrorOutcomes.codes.filter(
  (code) => lastErrorOutcomes.entries[code] === "canceled"
)

/** `last_error` codes that end a process as `rejected`: the person or the document failed a check. @since 0.1.0 */
export const rejectingErrors: ReadonlyArray<string> = lastErrorOutcomes.codes.filter(
  (code) => lastErrorOutcomes.entries[code] === "rejected"
)

/** Stripe's document types (`document.type`), all three of them; a type Stripe adds later is `other`. @since 0.1.0 */
export const documentTypes = CodeTable.make(
  "Stripe document type",
  { passport: "passport", id_card: "idCard", driving_license: "driverLicense" },
  { to: DocumentType.DocumentType, fallback: CodeTable.fallbackTo("other") }
)

/**
 * A session's status (and `last_error.code`) as a process status — the table in the module documentation. A
 * `requires_input` with an error is final for the process even though Stripe lets the end-user retry in the same
 * session: the client starts a new process for a new attempt.
 *
 * @since 0.1.0
 */
export const statusOf = (
  status: StripeIdentityClient.SessionStatus,
  errorCode: string | null | undefined
): ProcessStatus.ProcessStatus => {
  switch (status) {
    case "processing":
      return "processing"
    case "verified":
      return "accepted"
    case "canceled":
      return "canceled"
    case "requires_input":
      if (errorCode == null) return "pending"
      return Result.getOrElse(lastErrorOutcomes.get(errorCode), () => "inconclusive")
  }
}

/** Stripe's id-number types and the countries that issue them. */
const idNumberCountries: Readonly<Record<string, string>> = { br_cpf: "BR", sg_nric: "SG", us_ssn: "US" }

/** Stripe's words for an unknown or withheld sex: left out rather than guessed. */
const unknownSex = new Set(["unknown", "[redacted]", "redacted"])

// Normalisation: each Stripe field goes through the @assure/core codec for its format, so a value in an unexpected
// format is a typed error with a path, never a guess.
const Normalised = Schema.Struct({
  firstName: Schema.optionalKey(PersonName.FromString),
  lastName: Schema.optionalKey(PersonName.FromString),
  dateOfBirth: Schema.optionalKey(CalendarDate.FromParts),
  gender: Schema.optionalKey(Sex.FromProviderWord),
  documentType: Schema.optionalKey(documentTypes.schema),
  documentNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  issuingCountry: Schema.optionalKey(Country.FromAlpha2),
  dateOfIssue: Schema.optionalKey(CalendarDate.FromParts),
  dateOfExpiry: Schema.optionalKey(CalendarDate.FromParts),
  personalNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  personalNumberType: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(32))),
  personalNumberIssuingCountry: Schema.optionalKey(Country.FromAlpha2),
  address: Schema.optionalKey(Address.FromParts)
}).pipe(
  Schema.encodeKeys({
    firstName: "first_name",
    lastName: "last_name",
    dateOfBirth: "dob",
    gender: "sex",
    documentType: "type",
    documentNumber: "number",
    issuingCountry: "issuing_country",
    dateOfIssue: "issued_date",
    dateOfExpiry: "expiration_date",
    personalNumber: "id_number",
    personalNumberType: "id_number_type",
    personalNumberIssuingCountry: "id_number_country",
    address: "address"
  })
)

const decodeNormalised = Schema.decodeUnknownEffect(Normalised)

/** Leaves out what Stripe did not read (`null`), so that absent data is not failed on. */
const present = (fields: { readonly [key: string]: unknown }) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value != null))

/** Stripe's address as the parts `Address.FromParts` reads, or `undefined` when Stripe read none. @since 0.1.0 */
export const addressParts = (address: StripeIdentityClient.Address | null | undefined): Address.Parts | undefined => {
  if (address == null) return undefined
  const parts: Address.Parts = {
    lines: [address.line1 ?? null, address.line2 ?? null],
    postalCode: address.postal_code ?? null,
    city: address.city ?? null,
    region: address.state ?? null,
    country: address.country ?? null
  }
  return Address.hasParts(parts) ? parts : undefined
}

/**
 * What Stripe verified, in Stripe's field names: the session's `verified_outputs` first (what Stripe vouches for),
 * then the report's document (type, issuing country, number, dates). Exposed for tests and tools.
 *
 * @since 0.1.0
 */
export const verifiedFields = (
  session: StripeIdentityClient.VerificationSession,
  report: StripeIdentityClient.VerificationReport | undefined
): { readonly [key: string]: unknown } => {
  const outputs = session.verified_outputs ?? {}
  const document = report?.document ?? {}
  const sex = outputs.sex ?? document.sex
  const idNumberType = outputs.id_number_type ?? report?.id_number?.id_number_type
  return present({
    first_name: outputs.first_name ?? document.first_name,
    last_name: outputs.last_name ?? document.last_name,
    dob: outputs.dob ?? document.dob ?? report?.id_number?.dob,
    sex: sex != null && unknownSex.has(sex.toLowerCase()) ? undefined : sex,
    type: document.type,
    number: document.number,
    issuing_country: document.issuing_country,
    issued_date: document.issued_date,
    expiration_date: document.expiration_date,
    id_number: outputs.id_number,
    id_number_type: idNumberType,
    id_number_country: idNumberType == null ? undefined : idNumberCountries[idNumberType],
    address: addressParts(outputs.address ?? document.address)
  })
}

/**
 * Normalises what Stripe verified into identity data; a value in an unexpected format is `InvalidResponse` with
 * the schema's path.
 *
 * @since 0.1.0
 */
export const normalise = (
  session: StripeIdentityClient.VerificationSession,
  report: StripeIdentityClient.VerificationReport | undefined,
  requestId?: string | undefined
): Effect.Effect<IdentityData.IdentityData, ProviderError.ProviderError> =>
  decodeNormalised(verifiedFields(session, report), { errors: "all", onExcessProperty: "ignore" }).pipe(
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(name, new ProviderError.InvalidResponse({ issue: error.message }), {
          requestId,
          description: "the verification's identity data could not be normalised"
        })
      )
    )
  )

/** A report check's status as a check outcome. */
const checkOf = (
  checkName: string,
  check:
    | { readonly status?: string | null; readonly error?: { readonly code?: string | null } | null }
    | null
    | undefined
): ReadonlyArray<IdentityProvider.Check> => {
  if (check == null || check.status == null) return []
  const outcome = check.status === "verified" ? "passed" : check.status === "unverified" ? "failed" : "inconclusive"
  const detail = check.error?.code ?? check.status
  return [{ name: checkName, outcome, detail }]
}

/**
 * The individual checks of a report: `document`, `selfie`, `idNumber`, each passed (`verified`) or failed
 * (`unverified`), with Stripe's error code as the detail.
 *
 * @since 0.1.0
 */
export const checksOf = (report: StripeIdentityClient.VerificationReport | undefined) =>
  report === undefined
    ? []
    : [
        ...checkOf("document", report.document),
        ...checkOf("selfie", report.selfie),
        ...checkOf("idNumber", report.id_number)
      ]

/** The session to create for a start request. */
const sessionFor = (
  request: IdentityProvider.StartRequest<Parameters>
): Effect.Effect<StripeIdentityClient.CreateVerificationSession, ProviderError.ProviderError> => {
  const { parameters } = request
  const idNumber = request.processType === "idNumber"
  const documentOptions = {
    ...(parameters.allowedTypes === undefined ? {} : { allowed_types: parameters.allowedTypes }),
    ...(parameters.requireIdNumber === undefined ? {} : { require_id_number: parameters.requireIdNumber }),
    ...(parameters.requireLiveCapture === undefined ? {} : { require_live_capture: parameters.requireLiveCapture }),
    ...(request.processType === "documentSelfie" ? { require_matching_selfie: true } : {})
  }
  if (idNumber && Object.keys(documentOptions).length > 0) {
    return Effect.fail(
      ProviderError.make(
        name,
        new ProviderError.InvalidRequest({
          fields: Object.keys(documentOptions).map((option) => ({
            name: `processParameters.stripe-identity.${option}`,
            reason: "document options do not apply to an idNumber process"
          }))
        }),
        { description: "the parameters do not fit the process type" }
      )
    )
  }
  return Effect.succeed({
    type: idNumber ? "id_number" : "document",
    client_reference_id: request.processId,
    ...(request.returnUrl === undefined ? {} : { return_url: request.returnUrl }),
    metadata: { ...parameters.metadata, assure_dossier_id: request.dossierId, assure_process_id: request.processId },
    ...(Object.keys(documentOptions).length === 0 ? {} : { options: { document: documentOptions } })
  })
}

/**
 * Builds the provider over the client.
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
}): Effect.Effect<IdentityProvider.IdentityProvider, never, StripeIdentityClient.StripeIdentityClient> =>
  Effect.gen(function* () {
    const client = yield* StripeIdentityClient.StripeIdentityClient
    return IdentityProvider.make<Parameters>({
      name,
      capabilities,
      processTypes,
      endUserFlows,
      parameters: Parameters,
      // Stripe reads driving licences, id cards and passports from most countries (allowed_types narrows them).
      documentTypes: Effect.succeed([
        { documentType: "passport" },
        { documentType: "idCard" },
        { documentType: "driverLicense" }
      ]),

      start: (request) =>
        Effect.gen(function* () {
          const created = yield* client.createVerificationSession(yield* sessionFor(request), {
            idempotencyKey: request.idempotencyKey
          })
          const session = created.body
          return {
            reference: session.id,
            status: statusOf(session.status, session.last_error?.code) === "processing" ? "processing" : "pending",
            ...(session.url == null ? {} : { redirectUrl: session.url }),
            ...(session.client_secret == null ? {} : { clientToken: Redacted.make(session.client_secret) })
          }
        }),

      fetchResult: ({ reference }) =>
        Effect.gen(function* () {
          const { body: session, raw, requestId } = yield* client.retrieveVerificationSession(reference)
          const status = statusOf(session.status, session.last_error?.code)
          const fetched =
            session.last_verification_report == null || status === "pending" || status === "processing"
              ? undefined
              : yield* client.retrieveVerificationReport(session.last_verification_report)
          const report = fetched?.body
          const reason = session.last_error?.code ?? (status === "canceled" ? "canceled" : undefined)
          const base = {
            status,
            // Stripe's answers as they came (JSON.parse made them): the process's providerSpecific.
            providerSpecific: {
              [name]: {
                verification_session: raw as Schema.Json,
                ...(fetched === undefined ? {} : { verification_report: fetched.raw as Schema.Json })
              }
            },
            checks: checksOf(report),
            files: [],
            ...(reason == null ? {} : { reason })
          }
          // Identity data is part of the result only when accepted; otherwise it is not normalised at all.
          return status === "accepted"
            ? { ...base, finalResult: yield* normalise(session, report, fetched?.requestId ?? requestId) }
            : base
        }),

      cancel: ({ reference }) => Effect.asVoid(client.cancelVerificationSession(reference)),

      // The event says which session changed; the engine then calls fetchResult for the outcome and the data.
      verifyWebhook: (request) =>
        Effect.map(StripeIdentityWebhook.verify({ secrets: options.webhookSecrets, request }), (event) => ({
          id: event.id,
          reference: event.data.object.id,
          type: event.type
        }))
    })
  })

/**
 * Registers the provider in the `ProviderRegistry`, with its client; the application provides the registry and
 * the `HttpClient`.
 *
 * @since 0.1.0
 */
export const layer = (
  options: Options
): Layer.Layer<never, ProviderRegistry.RegistrationError, ProviderRegistry.ProviderRegistry | HttpClient.HttpClient> =>
  ProviderRegistry.register(make(options)).pipe(Layer.provide(StripeIdentityClient.layer(options)))

/**
 * The adapter module the assure server loads (`ASSURE_PROVIDERS=stripe-identity`), configured under the prefix
 * `STRIPE`: `STRIPE_SECRET_KEY` (a secret `sk_…` or restricted `rk_…` key), `STRIPE_WEBHOOK_SECRET` (several,
 * separated by commas, during a rotation) and, optionally, `STRIPE_API_BASE_URL`, `STRIPE_API_VERSION` and
 * `STRIPE_SENSITIVE_FIELDS` (`true`/`false`: whether to request the date of birth and id numbers; default `true`
 * for an `rk_…` key, `false` otherwise).
 *
 * @since 0.1.0
 */
export const adapter = AdapterModule.make({
  name,
  specificationVersion: IdentityProvider.specificationVersion,
  capabilities,
  prefix: "STRIPE",
  config: {
    apiKey: Config.Redacted("SECRET_KEY"),
    webhookSecrets: Webhook.secretsConfig("WEBHOOK_SECRET"),
    baseUrl: Config.String("API_BASE_URL").pipe(Config.withDefault(StripeIdentityClient.defaultBaseUrl)),
    apiVersion: Config.String("API_VERSION").pipe(Config.withDefault(StripeIdentityClient.defaultApiVersion)),
    sensitiveFields: Config.option(Config.Boolean("SENSITIVE_FIELDS"))
  },
  layer: ({ sensitiveFields, ...options }) =>
    layer({ ...options, sensitiveFields: Option.getOrUndefined(sensitiveFields) })
})

/**
 * {@link layer} configured from the environment: `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET` (several, separated
 * by commas, during a rotation) and, optionally, `STRIPE_API_BASE_URL`, `STRIPE_API_VERSION` and
 * `STRIPE_SENSITIVE_FIELDS`.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<
  never,
  ProviderRegistry.RegistrationError | Config.ConfigError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> = Layer.unwrap(Effect.map(AdapterModule.config(adapter), adapter.layer))
