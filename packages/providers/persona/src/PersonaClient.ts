/**
 * The Persona API client: typed calls to Persona's inquiry endpoints over Effect's `HttpClient`, for the provider
 * and for anyone who needs a Persona call the provider specification does not cover. Requests carry the API key as
 * `Authorization: Bearer`, a pinned `Persona-Version` and `Key-Inflection: kebab` (so answers use kebab-case keys
 * whatever the account's default); bodies are JSON:API documents (`{ data: { type, id, attributes,
 * relationships }, included }`). Every failure is a classified `ProviderError` (see `ProviderHttp`): a 429's
 * `RateLimit-Reset` (seconds until the window resets, as Persona documents it) becomes the `retryAfter`. The client
 * never retries.
 *
 * @example
 * ```ts
 * import { PersonaClient } from "@assure/persona"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const inquiry = PersonaClient.PersonaClient.use((client) => client.getInquiry("inq_123")).pipe(
 *   Effect.provide(PersonaClient.layer({ apiKey: Redacted.make("persona_sandbox_…") })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { ProviderName } from "@assure/core"
import { type ProviderError, ProviderHttp } from "@assure/provider"
import { Config, Context, type Duration, Effect, Layer, type Redacted, Schema } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"

/** The name the provider is registered under and its errors carry. @since 0.1.0 */
export const name = ProviderName.ProviderName.make("persona")

/** Persona's API (sandbox and production share it; the API key chooses the environment). @since 0.1.0 */
export const defaultBaseUrl = "https://api.withpersona.com/api/v1"

/** Persona's hosted flow, where the end-user goes with an inquiry id. @since 0.1.0 */
export const defaultHostedFlowUrl = "https://inquiry.withpersona.com/verify"

/**
 * The `Persona-Version` the adapter was written against: the payload shapes below are this version's. Override it
 * only after checking Persona's changelog for what changed.
 *
 * @since 0.1.0
 */
export const defaultApiVersion = "2023-01-05"

/** How the client reaches Persona. @since 0.1.0 */
export interface Options {
  /** The API key (`persona_sandbox_…` or `persona_production_…`), sent as a Bearer token. */
  readonly apiKey: Redacted.Redacted<string>
  /** Overrides the API's base URL: the simulator from `@assure/persona/testing`, say. */
  readonly baseUrl?: string | undefined
  /** Overrides the hosted flow's URL (`inquiry-id` and `redirect-uri` are added to its query). */
  readonly hostedFlowUrl?: string | undefined
  /** Overrides the `Persona-Version` header (default {@link defaultApiVersion}). */
  readonly apiVersion?: string | undefined
  /** How long one request may take (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
}

// What we send is exact: request bodies are encoded from these schemas.

/** The attributes of `POST /inquiries`. @since 0.1.0 */
export const CreateInquiryAttributes = Schema.Struct({
  /** `itmpl_…`: the template the inquiry runs (what is collected and verified). */
  "inquiry-template-id": Schema.String,
  /** Our reference for the end-user or the process; Persona returns it with the inquiry. */
  "reference-id": Schema.optionalKey(Schema.String),
  /** Values the client already knows (`name-first`, `name-last`, `birthdate`), prefilled into the inquiry. */
  fields: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})

/** The body of `POST /inquiries`. @since 0.1.0 */
export const CreateInquiry = Schema.Struct({
  data: Schema.Struct({ attributes: CreateInquiryAttributes })
})

/** The body of `POST /inquiries`. @since 0.1.0 */
export type CreateInquiry = typeof CreateInquiry.Type

// What we receive is read leniently: unknown fields are ignored (and kept in the raw JSON), absent or null fields
// are allowed. Values stay Persona's strings; the provider normalises them with @assure/core's codecs.

/**
 * An inquiry's status: the statuses Persona's inquiry lifecycle documents (docs.withpersona.com/model-lifecycle).
 *
 * @since 0.1.0
 */
export const InquiryStatus = Schema.Literals([
  "created",
  "pending",
  "completed",
  "failed",
  "expired",
  "needs_review",
  "approved",
  "declined"
])

/** An inquiry's status. @since 0.1.0 */
export type InquiryStatus = typeof InquiryStatus.Type

// Persona's samples show an attribute nothing was read into as `{}` as well as `null` (`"name-middle": {}`): identity
// attributes are read as anything, and only strings are used.
const loose = Schema.optionalKey(Schema.Unknown)

/**
 * The attributes of an inquiry this adapter reads: its status and the identity data collected (strings; anything else
 * is read as absent).
 *
 * @since 0.1.0
 */
export const InquiryAttributes = Schema.Struct({
  status: InquiryStatus,
  "reference-id": loose,
  "name-first": loose,
  "name-middle": loose,
  "name-last": loose,
  birthdate: loose,
  "address-street-1": loose,
  "address-street-2": loose,
  "address-city": loose,
  "address-subdivision": loose,
  "address-postal-code": loose,
  "address-country-code": loose,
  "identification-number": loose
})

/** A resource identifier (`{ type, id }`) in a relationship. @since 0.1.0 */
export const ResourceIdentifier = Schema.Struct({ type: Schema.String, id: Schema.String })

/** An inquiry resource. @since 0.1.0 */
export const Inquiry = Schema.Struct({
  type: Schema.Literal("inquiry"),
  id: Schema.String,
  attributes: InquiryAttributes,
  relationships: Schema.optionalKey(
    Schema.Struct({
      verifications: Schema.optionalKey(
        Schema.Struct({ data: Schema.optionalKey(Schema.NullOr(Schema.Array(ResourceIdentifier))) })
      )
    })
  )
})

/** An inquiry resource. @since 0.1.0 */
export type Inquiry = typeof Inquiry.Type

/**
 * A verification's status (`initiated`, `submitted`, `passed`, `failed`, and the others Persona adds, such as
 * `requires_retry` and `canceled`): kept as Persona's word.
 *
 * @since 0.1.0
 */
export const VerificationAttributes = Schema.Struct({
  status: Schema.String,
  /** Government ID verifications: the document's class (`pp`, `dl`, `id`, `rp`, `visa`, …). */
  "id-class": loose,
  "identification-number": loose,
  "name-first": loose,
  "name-middle": loose,
  "name-last": loose,
  birthdate: loose,
  "issue-date": loose,
  "expiration-date": loose,
  /** The issuing country, ISO 3166-1 alpha-2. */
  "country-code": loose,
  /** The checks Persona ran (`id_expired_detection`, …), each `passed`, `failed` or `not_applicable`. */
  checks: Schema.optionalKey(
    Schema.NullOr(
      Schema.Array(
        Schema.Struct({
          name: Schema.String,
          status: Schema.String,
          reasons: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Unknown)))
        })
      )
    )
  )
})

/** An included resource: a verification (`verification/government-id`, …) or anything else Persona includes. @since 0.1.0 */
export const Included = Schema.Struct({
  type: Schema.String,
  id: Schema.String,
  attributes: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)))
})

/** A verification resource, as the provider reads one from `included`. @since 0.1.0 */
export type Verification = {
  readonly type: string
  readonly id: string
  readonly attributes: typeof VerificationAttributes.Type
}

/** Reads an included resource as a verification; `undefined` for other resources. @since 0.1.0 */
export const verificationOf = (included: typeof Included.Type): Verification | undefined => {
  if (!included.type.startsWith("verification/") || included.attributes == null) return undefined
  const attributes = Schema.decodeUnknownOption(VerificationAttributes)(included.attributes)
  return attributes._tag === "Some" ? { type: included.type, id: included.id, attributes: attributes.value } : undefined
}

/** The answer of the inquiry endpoints: the inquiry and, when asked, its related resources. @since 0.1.0 */
export const InquiryDocument = Schema.Struct({
  data: Inquiry,
  included: Schema.optionalKey(Schema.NullOr(Schema.Array(Included)))
})

/** The answer of the inquiry endpoints. @since 0.1.0 */
export type InquiryDocument = typeof InquiryDocument.Type

// Persona's 4xx bodies are JSON:API errors: `{ "errors": [{ "title", "details", "source": { "pointer" } }] }`.
const ErrorBody = Schema.Struct({
  errors: Schema.Array(
    Schema.Struct({
      title: Schema.optionalKey(Schema.NullOr(Schema.String)),
      details: Schema.optionalKey(Schema.NullOr(Schema.String)),
      source: Schema.optionalKey(Schema.NullOr(Schema.Struct({ pointer: Schema.optionalKey(Schema.String) })))
    })
  )
})
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

/** The Persona API, as far as this adapter uses it. @since 0.1.0 */
export class PersonaClient extends Context.Service<
  PersonaClient,
  {
    /** `POST /inquiries`; `idempotencyKey` (Persona's `Idempotency-Key`) makes a retried call create one inquiry. */
    readonly createInquiry: (
      body: CreateInquiry,
      options: { readonly idempotencyKey: string }
    ) => Effect.Effect<ProviderHttp.Response<InquiryDocument>, ProviderError.ProviderError>
    /** `GET /inquiries/{id}?include=verifications`: the inquiry with its verifications in `included`. */
    readonly getInquiry: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<InquiryDocument>, ProviderError.ProviderError>
    /** `POST /inquiries/{id}/expire`: expires the inquiry and its sessions; Persona cancels pending verifications. */
    readonly expireInquiry: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<InquiryDocument>, ProviderError.ProviderError>
    /** The hosted flow's URL for an inquiry, returning the end-user to `redirectUri` when it is given. */
    readonly hostedFlowUrl: (inquiryId: string, redirectUri?: string | undefined) => string
  }
>()("@assure/persona/PersonaClient") {}

const encodeCreateInquiry = Schema.encodeSync(CreateInquiry)

/**
 * The hosted flow's URL for an inquiry created through the API (`inquiry-id`), with the return URL
 * (`redirect-uri`, where Persona sends the end-user once the inquiry is completed or failed).
 *
 * @since 0.1.0
 */
export const hostedFlowUrl = (base: string, inquiryId: string, redirectUri?: string | undefined): string => {
  const url = new URL(base)
  url.searchParams.set("inquiry-id", inquiryId)
  if (redirectUri !== undefined) url.searchParams.set("redirect-uri", redirectUri)
  return url.toString()
}

/**
 * Builds the client from the application's `HttpClient`.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<PersonaClient["Service"], never, HttpClient.HttpClient> =>
  Effect.map(
    ProviderHttp.make({
      provider: name,
      baseUrl: options.baseUrl ?? defaultBaseUrl,
      userAgent: "assure-persona",
      // The key is read from its Redacted wrapper here, at the last moment, and nowhere else.
      authorize: (request) =>
        request.pipe(
          HttpClientRequest.bearerToken(options.apiKey),
          HttpClientRequest.setHeader("persona-version", options.apiVersion ?? defaultApiVersion),
          HttpClientRequest.setHeader("key-inflection", "kebab")
        ),
      requestIdHeaders: ["x-request-id", "request-id"],
      invalidFields: (body) => {
        const decoded = decodeErrorBody(body)
        return decoded._tag === "Some"
          ? decoded.value.errors.map((error) => ({
              name: error.source?.pointer ?? "",
              reason: error.details ?? error.title ?? "invalid"
            }))
          : []
      },
      // Persona's `RateLimit-Reset` holds the seconds until the window resets: ProviderHttp's default reading.
      timeout: options.timeout
    }),
    (http) =>
      PersonaClient.of({
        createInquiry: (body, { idempotencyKey }) =>
          http.json(
            HttpClientRequest.post("/inquiries").pipe(
              HttpClientRequest.setHeader("idempotency-key", idempotencyKey),
              HttpClientRequest.bodyJsonUnsafe(encodeCreateInquiry(body))
            ),
            InquiryDocument
          ),
        getInquiry: (id) =>
          http.json(
            HttpClientRequest.get(`/inquiries/${encodeURIComponent(id)}`).pipe(
              HttpClientRequest.setUrlParam("include", "verifications")
            ),
            InquiryDocument
          ),
        expireInquiry: (id) =>
          http.json(HttpClientRequest.post(`/inquiries/${encodeURIComponent(id)}/expire`), InquiryDocument),
        hostedFlowUrl: (inquiryId, redirectUri) =>
          hostedFlowUrl(options.hostedFlowUrl ?? defaultHostedFlowUrl, inquiryId, redirectUri)
      })
  )

/**
 * The client as a layer; the application provides the `HttpClient` (`FetchHttpClient.layer`, or Node's).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<PersonaClient, never, HttpClient.HttpClient> =>
  Layer.effect(PersonaClient, make(options))

/**
 * The client configured from the environment: `PERSONA_API_KEY` and, optionally, `PERSONA_BASE_URL`.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<PersonaClient, Config.ConfigError, HttpClient.HttpClient> = Layer.unwrap(
  Effect.gen(function* () {
    const apiKey = yield* Config.Redacted("PERSONA_API_KEY")
    const baseUrl = yield* Config.String("PERSONA_BASE_URL").pipe(Config.withDefault(defaultBaseUrl))
    return layer({ apiKey, baseUrl })
  })
)
