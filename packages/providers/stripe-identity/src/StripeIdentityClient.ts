/**
 * The Stripe Identity API client: typed calls to Stripe's VerificationSession and VerificationReport endpoints over
 * Effect's `HttpClient`, for the provider and for anyone who needs a Stripe call the provider specification does not
 * cover. Requests carry the secret key as a Bearer token, a pinned `Stripe-Version` and form-encoded bodies in
 * Stripe's bracket notation. Every failure is a classified `ProviderError` (see `ProviderHttp`) with Stripe's
 * `Request-Id`; the client never retries.
 *
 * Stripe releases the sensitive verification results (date of birth, id numbers, the document's number and expiry
 * date) only to a restricted key (`rk_…`) with the Identity permission "Access recent sensitive verification
 * results", for verifications of the last 48 hours (an IP-restricted key: any age). The client expands them when
 * {@link sensitiveFieldsOf} says so (by default: for a restricted key), and a refusal of that expansion is a
 * `Misconfigured` error that says which permission is missing, not an `Unauthorized` one.
 *
 * @example
 * ```ts
 * import { StripeIdentityClient } from "@assure/stripe-identity"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const session = StripeIdentityClient.StripeIdentityClient.use((client) =>
 *   client.retrieveVerificationSession("vs_123")
 * ).pipe(
 *   Effect.provide(StripeIdentityClient.layer({ apiKey: Redacted.make("sk_live_…") })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { ProviderName } from "@assure/core"
import { ProviderError, ProviderHttp } from "@assure/provider"
import { Config, Context, type Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"
import * as Form from "./internal/form.js"

/** The name the provider is registered under and its errors carry. @since 0.1.0 */
export const name = ProviderName.ProviderName.make("stripe-identity")

/** Stripe's API. @since 0.1.0 */
export const defaultBaseUrl = "https://api.stripe.com"

/**
 * The Stripe API version the adapter is written and tested against, sent as `Stripe-Version` so that an account's
 * default version cannot change the shapes it reads (the version of `stripe` 23.1.0). @since 0.1.0
 */
export const defaultApiVersion = "2026-10-28.endive"

/** How the client reaches Stripe. @since 0.1.0 */
export interface Options {
  /** The secret key (`sk_live_…`, `sk_test_…`) or a restricted key (`rk_…`), sent as a Bearer token. */
  readonly apiKey: Redacted.Redacted<string>
  /** Overrides the base URL: the simulator from `@assure/stripe-identity/testing`, or a proxy. */
  readonly baseUrl?: string | undefined
  /** Overrides the `Stripe-Version` header (default {@link defaultApiVersion}). */
  readonly apiVersion?: string | undefined
  /**
   * Whether to expand the sensitive verification results ({@link sensitiveSessionExpansions},
   * {@link sensitiveReportExpansions}). Default: `true` for a restricted key (`rk_…`), `false` otherwise; a secret
   * key (`sk_…`) never gets them from Stripe. See {@link sensitiveFieldsOf}.
   */
  readonly sensitiveFields?: boolean | undefined
  /** How long one request may take (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
}

// What we send is exact: request bodies are encoded from these schemas before they are form-encoded.

/** The documents Stripe accepts, in its words. @since 0.1.0 */
export const DocumentKind = Schema.Literals(["driving_license", "id_card", "passport"])

/** The kinds of verification session this adapter starts. @since 0.1.0 */
export const SessionType = Schema.Literals(["document", "id_number"])

/** The body of `POST /v1/identity/verification_sessions`. @since 0.1.0 */
export const CreateVerificationSession = Schema.Struct({
  type: SessionType,
  /** Our process id, so Stripe's dashboard links back to it. */
  client_reference_id: Schema.optionalKey(Schema.String),
  /** Where Stripe's hosted page sends the end-user when they are done. */
  return_url: Schema.optionalKey(Schema.String),
  metadata: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  options: Schema.optionalKey(
    Schema.Struct({
      document: Schema.optionalKey(
        Schema.Struct({
          allowed_types: Schema.optionalKey(Schema.Array(DocumentKind)),
          require_id_number: Schema.optionalKey(Schema.Boolean),
          require_live_capture: Schema.optionalKey(Schema.Boolean),
          require_matching_selfie: Schema.optionalKey(Schema.Boolean)
        })
      )
    })
  )
})

/** The body of `POST /v1/identity/verification_sessions`. @since 0.1.0 */
export type CreateVerificationSession = typeof CreateVerificationSession.Type

// What we receive is read leniently: unknown fields are ignored (and kept in the raw JSON), `null` is allowed
// wherever Stripe documents it. Values stay Stripe's here; the provider normalises them with @assure/core's codecs.

const nullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))
const text = nullable(Schema.String)

/** A VerificationSession's status. @since 0.1.0 */
export const SessionStatus = Schema.Literals(["requires_input", "processing", "verified", "canceled"])

/** A VerificationSession's status. @since 0.1.0 */
export type SessionStatus = typeof SessionStatus.Type

/** Why the last verification attempt failed (`last_error`, and a report check's `error`). @since 0.1.0 */
export const LastError = Schema.Struct({ code: text, reason: text })

/** A date as Stripe writes it: `{ day, month, year }`, each part `null` when not read. @since 0.1.0 */
export const DateParts = Schema.Struct({
  day: Schema.NullOr(Schema.Number),
  month: Schema.NullOr(Schema.Number),
  year: Schema.NullOr(Schema.Number)
})

/** An address as Stripe writes it (`verified_outputs.address`, `document.address`); `country` is alpha-2. @since 0.1.0 */
export const Address = Schema.Struct({
  line1: text,
  line2: text,
  city: text,
  state: text,
  postal_code: text,
  country: text
})

/** An address as Stripe writes it. @since 0.1.0 */
export type Address = typeof Address.Type

/** The verified data of a session (`expand[]=verified_outputs`). @since 0.1.0 */
export const VerifiedOutputs = Schema.Struct({
  first_name: text,
  last_name: text,
  /** Only with `expand[]=verified_outputs.dob`. */
  dob: nullable(DateParts),
  sex: text,
  /** Only with `expand[]=verified_outputs.id_number`. */
  id_number: text,
  id_number_type: text,
  address: nullable(Address)
})

/** A VerificationSession. @since 0.1.0 */
export const VerificationSession = Schema.Struct({
  id: Schema.String,
  status: SessionStatus,
  type: text,
  /** The hosted verification page, while the session `requires_input`. */
  url: text,
  /** For Stripe.js's modal, while the session `requires_input`. */
  client_secret: text,
  client_reference_id: text,
  last_error: nullable(LastError),
  last_verification_report: text,
  verified_outputs: nullable(VerifiedOutputs)
})

/** A VerificationSession. @since 0.1.0 */
export type VerificationSession = typeof VerificationSession.Type

/** The document check of a report. @since 0.1.0 */
export const DocumentCheck = Schema.Struct({
  status: text,
  error: nullable(LastError),
  type: text,
  first_name: text,
  last_name: text,
  issuing_country: text,
  sex: text,
  issued_date: nullable(DateParts),
  /** Only with `expand[]=document.expiration_date`. */
  expiration_date: nullable(DateParts),
  /** Only with `expand[]=document.dob`. */
  dob: nullable(DateParts),
  /** Only with `expand[]=document.number`. */
  number: text,
  address: nullable(Address)
})

/** The id-number check of a report. @since 0.1.0 */
export const IdNumberCheck = Schema.Struct({
  status: text,
  error: nullable(LastError),
  first_name: text,
  last_name: text,
  id_number_type: text,
  /** Only with `expand[]=id_number.dob`. */
  dob: nullable(DateParts)
})

/** The selfie check of a report. @since 0.1.0 */
export const SelfieCheck = Schema.Struct({ status: text, error: nullable(LastError) })

/** A VerificationReport: what one verification attempt found. @since 0.1.0 */
export const VerificationReport = Schema.Struct({
  id: Schema.String,
  type: text,
  verification_session: text,
  document: nullable(DocumentCheck),
  id_number: nullable(IdNumberCheck),
  selfie: nullable(SelfieCheck)
})

/** A VerificationReport. @since 0.1.0 */
export type VerificationReport = typeof VerificationReport.Type

/** The fields the session is always read with: the verified outputs any key may read (names, address). @since 0.1.0 */
export const sessionExpansions = ["verified_outputs"] as const

/**
 * The session's sensitive fields, expanded only with {@link Options.sensitiveFields}: the verified date of birth
 * and id number, which Stripe releases only to a restricted key with the sensitive-results permission. @since 0.1.0
 */
export const sensitiveSessionExpansions = ["verified_outputs.dob", "verified_outputs.id_number"] as const

/**
 * The report's sensitive fields, expanded only with {@link Options.sensitiveFields}: the document's number, date of
 * birth and expiry date, and the id-number check's date of birth. @since 0.1.0
 */
export const sensitiveReportExpansions = [
  "document.number",
  "document.dob",
  "document.expiration_date",
  "id_number.dob"
] as const

/** The prefix of Stripe's restricted keys. @since 0.1.0 */
export const restrictedKeyPrefix = "rk_"

/**
 * Whether the client expands the sensitive fields: the explicit option, else whether the key is a restricted key
 * (`rk_…`), the only kind Stripe releases them to. @since 0.1.0
 */
export const sensitiveFieldsOf = (options: Pick<Options, "apiKey" | "sensitiveFields">): boolean =>
  options.sensitiveFields ?? Redacted.value(options.apiKey).startsWith(restrictedKeyPrefix)

/** Stripe's guide to the sensitive verification results, for operators. @since 0.1.0 */
export const sensitiveResultsGuide = "https://docs.stripe.com/identity/access-verification-results"

/**
 * What an operator reads when Stripe refuses the sensitive fields to the configured key. @since 0.1.0
 */
export const sensitiveFieldsRefused =
  "Stripe refused the sensitive verification results (date of birth, id number, document number and expiry) to " +
  "this key, which is otherwise valid: they need a restricted key (rk_…) with the Identity permissions " +
  '"Verification Sessions and Reports: Read" and "Access recent sensitive verification results: Read", and are ' +
  'released only for verifications of the last 48 hours (an IP-restricted key with "Access all sensitive ' +
  'verification results" reads older ones). Grant the permission, or stop requesting the fields ' +
  `(sensitiveFields: false, STRIPE_SENSITIVE_FIELDS=false). See ${sensitiveResultsGuide}`

// Stripe's error body: `{ "error": { "type", "code", "message", "param" } }`; `param` names the invalid field.
const ErrorBody = Schema.Struct({
  error: Schema.Struct({ param: text, code: text, message: text })
})
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

/** The fields Stripe named as invalid in a 4xx answer. @since 0.1.0 */
export const invalidFields = (body: unknown): ReadonlyArray<{ readonly name: string; readonly reason: string }> => {
  const decoded = decodeErrorBody(body, { onExcessProperty: "ignore" })
  if (decoded._tag === "None" || decoded.value.error.param == null) return []
  const { param, code, message } = decoded.value.error
  // Stripe's message may quote the value sent; its code says what is wrong without it, so it is preferred.
  return [{ name: param, reason: code ?? message ?? "invalid" }]
}

/** The Stripe Identity API. @since 0.1.0 */
export class StripeIdentityClient extends Context.Service<
  StripeIdentityClient,
  {
    /** Creates a VerificationSession; `idempotencyKey` makes a retried call create it only once. */
    readonly createVerificationSession: (
      body: CreateVerificationSession,
      options: { readonly idempotencyKey: string }
    ) => Effect.Effect<ProviderHttp.Response<VerificationSession>, ProviderError.ProviderError>
    /**
     * Reads a VerificationSession with its verified outputs ({@link sessionExpansions}, and
     * {@link sensitiveSessionExpansions} when the client expands sensitive fields).
     */
    readonly retrieveVerificationSession: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<VerificationSession>, ProviderError.ProviderError>
    /** Cancels a VerificationSession (Stripe allows it while the session `requires_input`). */
    readonly cancelVerificationSession: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<VerificationSession>, ProviderError.ProviderError>
    /**
     * Reads a VerificationReport; with sensitive fields, also the document's number and dates
     * ({@link sensitiveReportExpansions}).
     */
    readonly retrieveVerificationReport: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<VerificationReport>, ProviderError.ProviderError>
  }
>()("@assure/stripe-identity/StripeIdentityClient") {}

const encodeCreateVerificationSession = Schema.encodeSync(CreateVerificationSession)

/** The content type of Stripe's request bodies. @since 0.1.0 */
export const formContentType = "application/x-www-form-urlencoded"

const expanding = (fields: ReadonlyArray<string>) =>
  HttpClientRequest.appendUrlParams(fields.map((field) => ["expand[]", field] as const))

/**
 * Builds the client from the application's `HttpClient`.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<StripeIdentityClient["Service"], never, HttpClient.HttpClient> =>
  Effect.map(
    ProviderHttp.make({
      provider: name,
      baseUrl: options.baseUrl ?? defaultBaseUrl,
      userAgent: "assure-stripe-identity/0.1.0",
      // The key is read from its Redacted wrapper here, at the last moment, and nowhere else.
      authorize: (request) =>
        request.pipe(
          HttpClientRequest.bearerToken(options.apiKey),
          HttpClientRequest.setHeader("stripe-version", options.apiVersion ?? defaultApiVersion)
        ),
      requestIdHeaders: ["request-id"],
      invalidFields,
      timeout: options.timeout
    }),
    (http) => {
      const sensitive = sensitiveFieldsOf(options)
      const sessionPath = (id: string) => `/v1/identity/verification_sessions/${encodeURIComponent(id)}`
      const reportPath = (id: string) => `/v1/identity/verification_reports/${encodeURIComponent(id)}`
      /**
       * Reads with the sensitive expansions when configured. Stripe answers a key without the permission 403, which
       * `ProviderHttp` makes `Unauthorized`, as it does a wrong key's 401: the same read without them tells the two
       * apart, and a key that reads it is valid but lacks the permission (or the 48 hours have passed).
       */
      const read = <A, I>(
        path: string,
        always: ReadonlyArray<string>,
        extra: ReadonlyArray<string>,
        schema: Schema.Codec<A, I>
      ) => {
        const get = (fields: ReadonlyArray<string>) =>
          http.json(HttpClientRequest.get(path).pipe(expanding(fields)), schema)
        if (!sensitive) return get(always)
        return get([...always, ...extra]).pipe(
          Effect.catchIf(
            (error) => error.reason._tag === "Unauthorized",
            // The plain read's own failure (the key refused outright, Stripe unavailable, …) is the answer.
            (refused) =>
              get(always).pipe(
                Effect.andThen(() =>
                  Effect.fail(
                    ProviderError.make(name, new ProviderError.Misconfigured(), {
                      requestId: refused.requestId,
                      description: sensitiveFieldsRefused
                    })
                  )
                )
              )
          )
        )
      }
      return StripeIdentityClient.of({
        createVerificationSession: (body, { idempotencyKey }) =>
          http.json(
            HttpClientRequest.post("/v1/identity/verification_sessions").pipe(
              HttpClientRequest.setHeader("idempotency-key", idempotencyKey),
              HttpClientRequest.bodyText(Form.encode(encodeCreateVerificationSession(body)), formContentType)
            ),
            VerificationSession
          ),
        retrieveVerificationSession: (id) =>
          read(sessionPath(id), sessionExpansions, sensitiveSessionExpansions, VerificationSession),
        cancelVerificationSession: (id) =>
          http.json(HttpClientRequest.post(`${sessionPath(id)}/cancel`), VerificationSession),
        retrieveVerificationReport: (id) => read(reportPath(id), [], sensitiveReportExpansions, VerificationReport)
      })
    }
  )

/**
 * The client as a layer; the application provides the `HttpClient` (`FetchHttpClient.layer`, or Node's).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<StripeIdentityClient, never, HttpClient.HttpClient> =>
  Layer.effect(StripeIdentityClient, make(options))

/**
 * The client configured from the environment: `STRIPE_SECRET_KEY` and, optionally, `STRIPE_API_BASE_URL`,
 * `STRIPE_API_VERSION` and `STRIPE_SENSITIVE_FIELDS` (`true`/`false`; default: `true` for an `rk_…` key).
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<StripeIdentityClient, Config.ConfigError, HttpClient.HttpClient> = Layer.unwrap(
  Effect.gen(function* () {
    const apiKey = yield* Config.Redacted("STRIPE_SECRET_KEY")
    const baseUrl = yield* Config.String("STRIPE_API_BASE_URL").pipe(Config.withDefault(defaultBaseUrl))
    const apiVersion = yield* Config.String("STRIPE_API_VERSION").pipe(Config.withDefault(defaultApiVersion))
    const sensitiveFields = yield* Config.option(Config.Boolean("STRIPE_SENSITIVE_FIELDS"))
    return layer({ apiKey, baseUrl, apiVersion, sensitiveFields: Option.getOrUndefined(sensitiveFields) })
  })
)
