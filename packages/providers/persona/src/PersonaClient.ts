/**
 * The Persona API client: typed calls to the vendor's endpoints over Effect's `HttpClient`, for the provider
 * and for anyone who needs a vendor call the provider specification does not cover. Every failure is a classified
 * `ProviderError` (see `ProviderHttp`); the client never retries.
 *
 * TODO(vendor): this is the generator's stub API — a Bearer API key, `POST /v1/verifications` and
 * `GET /v1/verifications/{id}`. Replace the base URL, the credentials, the paths and the schemas with the vendor's
 * own, from its API reference.
 *
 * @example
 * ```ts
 * import { PersonaClient } from "@assure/persona"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const verification = PersonaClient.PersonaClient.use((client) => client.getVerification("ver_123")).pipe(
 *   Effect.provide(PersonaClient.layer({ apiKey: Redacted.make("sk_live_…") })),
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

/** The vendor's production API. TODO(vendor): the real base URL (one per region, if the vendor has regions). @since 0.1.0 */
export const defaultBaseUrl = "https://api.persona.example"

/** How the client reaches the vendor. @since 0.1.0 */
export interface Options {
  /** The API key, sent as a Bearer token. */
  readonly apiKey: Redacted.Redacted<string>
  /** Overrides the base URL: another region, or the simulator from `@assure/persona/testing`. */
  readonly baseUrl?: string | undefined
  /** How long one request may take (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
}

// What we send is exact: request bodies are encoded from these schemas, so a field the vendor does not know is a
// type error here rather than a surprise at the vendor. TODO(vendor): the vendor's request bodies.

/** A document image sent with a verification. @since 0.1.0 */
export const UploadedFile = Schema.Struct({
  side: Schema.Literals(["front", "back"]),
  media_type: Schema.String,
  /** The bytes, base64. */
  data: Schema.String
})

/** The body of `POST /v1/verifications`. @since 0.1.0 */
export const CreateVerification = Schema.Struct({
  /** Our process id, so the vendor's dashboard links back to it. */
  reference: Schema.String,
  workflow: Schema.optionalKey(Schema.String),
  /** What the client already knows about the person, for the vendor to compare with the document. */
  person: Schema.optionalKey(
    Schema.Struct({
      first_name: Schema.optionalKey(Schema.String),
      last_name: Schema.optionalKey(Schema.String),
      birth_date: Schema.optionalKey(Schema.String)
    })
  ),
  files: Schema.Array(UploadedFile)
})

/** The body of `POST /v1/verifications`. @since 0.1.0 */
export type CreateVerification = typeof CreateVerification.Type

// What we receive is read leniently: unknown fields are ignored (and kept in the raw JSON), absent or null fields
// are allowed. Values stay the vendor's strings here; the provider normalises them with @assure/core's codecs.
// TODO(vendor): the vendor's response bodies.

/** A verification's status in the vendor's words (the provider maps them to process statuses). @since 0.1.0 */
export const VerificationStatus = Schema.Literals(["processing", "approved", "declined", "review"])

/** A verification's status in the vendor's words. @since 0.1.0 */
export type VerificationStatus = typeof VerificationStatus.Type

const text = Schema.optionalKey(Schema.NullOr(Schema.String))

/** The answer to `POST /v1/verifications`. @since 0.1.0 */
export const CreatedVerification = Schema.Struct({ id: Schema.String, status: VerificationStatus })

/** The person the vendor read from the document. @since 0.1.0 */
export const Person = Schema.Struct({ first_name: text, last_name: text, birth_date: text, nationality: text })

/** The document the vendor checked. @since 0.1.0 */
export const Document = Schema.Struct({ type: text, number: text, country: text, expiry_date: text })

/** The answer to `GET /v1/verifications/{id}`. @since 0.1.0 */
export const Verification = Schema.Struct({
  id: Schema.String,
  status: VerificationStatus,
  /** Why the verification was declined or sent to review, as a code (`document_expired`). */
  reason: text,
  person: Schema.optionalKey(Schema.NullOr(Person)),
  document: Schema.optionalKey(Schema.NullOr(Document))
})

/** The answer to `GET /v1/verifications/{id}`. @since 0.1.0 */
export type Verification = typeof Verification.Type

// TODO(vendor): how the vendor lists invalid fields in a 4xx body (here `{ "errors": [{ "field", "message" }] }`).
const ErrorBody = Schema.Struct({
  errors: Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String }))
})
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

/** The Persona API. @since 0.1.0 */
export class PersonaClient extends Context.Service<
  PersonaClient,
  {
    /** Starts a verification; `idempotencyKey` makes a retried call start it only once. */
    readonly createVerification: (
      body: CreateVerification,
      options: { readonly idempotencyKey: string }
    ) => Effect.Effect<ProviderHttp.Response<typeof CreatedVerification.Type>, ProviderError.ProviderError>
    /** Reads a verification, with the person and document once the vendor has them. */
    readonly getVerification: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<Verification>, ProviderError.ProviderError>
  }
>()("@assure/persona/PersonaClient") {}

const encodeCreateVerification = Schema.encodeSync(CreateVerification)

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
      // TODO(vendor): the adapter's version, once it has one
      userAgent: "assure-persona",
      // The key is read from its Redacted wrapper here, at the last moment, and nowhere else.
      authorize: HttpClientRequest.bearerToken(options.apiKey),
      // TODO(vendor): the header the vendor puts its request id in
      requestIdHeaders: ["x-request-id"],
      invalidFields: (body) => {
        const decoded = decodeErrorBody(body)
        return decoded._tag === "Some"
          ? decoded.value.errors.map((error) => ({ name: error.field, reason: error.message }))
          : []
      },
      timeout: options.timeout
    }),
    (http) =>
      PersonaClient.of({
        createVerification: (body, { idempotencyKey }) =>
          http.json(
            HttpClientRequest.post("/v1/verifications").pipe(
              HttpClientRequest.setHeader("idempotency-key", idempotencyKey),
              HttpClientRequest.bodyJsonUnsafe(encodeCreateVerification(body))
            ),
            CreatedVerification
          ),
        getVerification: (id) =>
          http.json(HttpClientRequest.get(`/v1/verifications/${encodeURIComponent(id)}`), Verification)
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
