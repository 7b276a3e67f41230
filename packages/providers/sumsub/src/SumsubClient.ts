/**
 * The Sumsub API client: typed calls to Sumsub's applicant API over Effect's `HttpClient`, for the provider and for
 * anyone who needs a Sumsub call the provider specification does not cover. Every request carries Sumsub's app-token
 * headers — `X-App-Token`, `X-App-Access-Ts` (unix seconds) and `X-App-Access-Sig`, the lower-case hex HMAC-SHA256
 * under the secret key of the timestamp, the upper-case method, the path with its query, and the body bytes — and
 * every failure is a classified `ProviderError` (see `ProviderHttp`); the client never retries.
 *
 * @example
 * ```ts
 * import { SumsubClient } from "@assure/sumsub"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const applicant = SumsubClient.SumsubClient.use((client) => client.getApplicant("5b594ade0a975a36c9349e66")).pipe(
 *   Effect.provide(
 *     SumsubClient.layer({ appToken: Redacted.make("sbx:…"), secretKey: Redacted.make("…") })
 *   ),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { ProviderName } from "@assure/core"
import { type ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Clock, Config, Context, type Duration, Effect, Layer, Redacted, Schema } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"

/** The name the provider is registered under and its errors carry. @since 0.1.0 */
export const name = ProviderName.ProviderName.make("sumsub")

/** Sumsub's API; the app token decides between sandbox (`sbx:` tokens) and production. @since 0.1.0 */
export const defaultBaseUrl = "https://api.sumsub.com"

/** The request-signing headers (lower case). @since 0.1.0 */
export const headers = {
  token: "x-app-token",
  timestamp: "x-app-access-ts",
  signature: "x-app-access-sig"
} as const

/** How the client reaches Sumsub. @since 0.1.0 */
export interface Options {
  /** The app token (`X-App-Token`), created in Sumsub's dashboard. */
  readonly appToken: Redacted.Redacted<string>
  /** The app token's secret key, which signs every request. */
  readonly secretKey: Redacted.Redacted<string>
  /** Overrides the base URL: the simulator from `@assure/sumsub/testing`. */
  readonly baseUrl?: string | undefined
  /** How long one request may take (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The string Sumsub signs: the timestamp, the upper-case method and the path with its query; the body bytes follow.
 *
 * @since 0.1.0
 */
export const signingPrefix = (timestamp: string, method: string, pathWithQuery: string): string =>
  `${timestamp}${method.toUpperCase()}${pathWithQuery}`

/**
 * The `X-App-Access-Sig` of a request: lower-case hex HMAC-SHA256 of {@link signingPrefix} followed by the body.
 *
 * @since 0.1.0
 */
export const signature = (options: {
  readonly secretKey: Redacted.Redacted<string>
  readonly timestamp: string
  readonly method: string
  readonly pathWithQuery: string
  readonly body: Uint8Array
}): Effect.Effect<string> => {
  const prefix = new TextEncoder().encode(signingPrefix(options.timestamp, options.method, options.pathWithQuery))
  const payload = new Uint8Array(prefix.length + options.body.length)
  payload.set(prefix, 0)
  payload.set(options.body, prefix.length)
  return Webhook.sign({ algorithm: "SHA-256", encoding: "hex", secret: options.secretKey, payload })
}

// What we send is exact: request bodies are encoded from these schemas.

/** What we know of the person, sent when creating an applicant (`fixedInfo`: not changed by what Sumsub reads). @since 0.1.0 */
export const FixedInfo = Schema.Struct({
  firstName: Schema.optionalKey(Schema.String),
  lastName: Schema.optionalKey(Schema.String),
  /** `YYYY-MM-DD`. */
  dob: Schema.optionalKey(Schema.String)
})

/** The body of `POST /resources/applicants?levelName=…`. @since 0.1.0 */
export const CreateApplicant = Schema.Struct({
  /** Our id for the end-user: the process id. */
  externalUserId: Schema.String,
  fixedInfo: Schema.optionalKey(FixedInfo)
})

/** The body of `POST /resources/applicants?levelName=…`. @since 0.1.0 */
export type CreateApplicant = typeof CreateApplicant.Type

/** The `metadata` part of `POST /resources/applicants/{id}/info/idDoc`. @since 0.1.0 */
export const IdDocMetadata = Schema.Struct({
  /** `PASSPORT`, `ID_CARD`, `DRIVERS`, `RESIDENCE_PERMIT`, … */
  idDocType: Schema.String,
  /** `FRONT_SIDE` or `BACK_SIDE`, for two-sided documents. */
  idDocSubType: Schema.optionalKey(Schema.Literals(["FRONT_SIDE", "BACK_SIDE"])),
  /** ISO 3166-1 alpha-3. */
  country: Schema.String
})

/** The `metadata` part of an ID document upload. @since 0.1.0 */
export type IdDocMetadata = typeof IdDocMetadata.Type

/** The body of `POST /resources/sdkIntegrations/levels/-/websdkLink`. @since 0.1.0 */
export const CreateWebSdkLink = Schema.Struct({
  levelName: Schema.String,
  userId: Schema.String,
  ttlInSecs: Schema.Number,
  redirect: Schema.optionalKey(Schema.Struct({ successUrl: Schema.String, rejectUrl: Schema.String }))
})

/** The body of `POST /resources/accessTokens/sdk`. @since 0.1.0 */
export const CreateAccessToken = Schema.Struct({
  userId: Schema.String,
  levelName: Schema.String,
  ttlInSecs: Schema.Number
})

// What we receive is read leniently: unknown fields are ignored (and kept in the raw JSON), absent or null fields
// are allowed. Values stay Sumsub's strings here; the provider normalises them with @assure/core's codecs.

const text = Schema.optionalKey(Schema.NullOr(Schema.String))

/** A review's outcome: `GREEN` (approved) or `RED` (rejected). @since 0.1.0 */
export const ReviewAnswer = Schema.Literals(["GREEN", "RED"])

/** A review's outcome. @since 0.1.0 */
export type ReviewAnswer = typeof ReviewAnswer.Type

/** Whether a `RED` applicant may resubmit (`RETRY`) or not (`FINAL`). @since 0.1.0 */
export const ReviewRejectType = Schema.Literals(["RETRY", "FINAL"])

/** Whether a `RED` applicant may resubmit. @since 0.1.0 */
export type ReviewRejectType = typeof ReviewRejectType.Type

/** `reviewResult`, in the applicant's `review` and in `applicantReviewed` webhooks. @since 0.1.0 */
export const ReviewResult = Schema.Struct({
  reviewAnswer: ReviewAnswer,
  rejectLabels: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.String))),
  reviewRejectType: Schema.optionalKey(Schema.NullOr(ReviewRejectType)),
  moderationComment: text,
  clientComment: text
})

/** `reviewResult`. @since 0.1.0 */
export type ReviewResult = typeof ReviewResult.Type

/** The review: where the applicant is (`reviewStatus`) and, once `completed`, the result. @since 0.1.0 */
export const Review = Schema.Struct({
  /** `init`, `pending`, `prechecked`, `queued`, `completed`, `onHold`, `awaitingService`, `awaitingUser`. */
  reviewStatus: Schema.String,
  reviewResult: Schema.optionalKey(Schema.NullOr(ReviewResult))
})

/** An address Sumsub read or was given. @since 0.1.0 */
export const Address = Schema.Struct({
  country: text,
  postCode: text,
  town: text,
  street: text,
  subStreet: text,
  state: text,
  buildingNumber: text,
  flatNumber: text,
  formattedAddress: text
})

/** An identity document Sumsub read (`info.idDocs[]`). @since 0.1.0 */
export const IdDoc = Schema.Struct({
  idDocType: Schema.String,
  country: text,
  number: text,
  validUntil: text,
  issuedDate: text
})

/** The person: `info` (what Sumsub read) or `fixedInfo` (what we sent). @since 0.1.0 */
export const Info = Schema.Struct({
  firstName: text,
  lastName: text,
  dob: text,
  country: text,
  nationality: text,
  addresses: Schema.optionalKey(Schema.NullOr(Schema.Array(Address))),
  idDocs: Schema.optionalKey(Schema.NullOr(Schema.Array(IdDoc)))
})

/** The person. @since 0.1.0 */
export type Info = typeof Info.Type

/** An applicant: the answer to creating one and to `GET /resources/applicants/{id}/one`. @since 0.1.0 */
export const Applicant = Schema.Struct({
  id: Schema.String,
  externalUserId: text,
  levelName: text,
  info: Schema.optionalKey(Schema.NullOr(Info)),
  fixedInfo: Schema.optionalKey(Schema.NullOr(Info)),
  review: Schema.optionalKey(Schema.NullOr(Review))
})

/** An applicant. @since 0.1.0 */
export type Applicant = typeof Applicant.Type

/** The answer to an ID document upload: the metadata as stored. @since 0.1.0 */
export const UploadedIdDoc = Schema.Struct({ idDocType: Schema.String, country: text })

/** The answer to `POST /resources/applicants/{id}/status/pending`. @since 0.1.0 */
export const Ok = Schema.Struct({ ok: Schema.Number })

/** The answer to the WebSDK link request. @since 0.1.0 */
export const WebSdkLink = Schema.Struct({ url: Schema.String })

/** The answer to the SDK access-token request. @since 0.1.0 */
export const AccessToken = Schema.Struct({ token: Schema.String, userId: Schema.String })

// Sumsub's error body: `{ "description", "code", "correlationId" }`; it names no fields, so the description is kept
// as the reason of the request as a whole.
const ErrorBody = Schema.Struct({ description: Schema.String })
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

/** A file to upload. @since 0.1.0 */
export interface UploadFile {
  readonly bytes: Uint8Array
  readonly mediaType: string
  readonly fileName: string
}

/** The Sumsub API. @since 0.1.0 */
export class SumsubClient extends Context.Service<
  SumsubClient,
  {
    /** Creates an applicant for a verification level. */
    readonly createApplicant: (
      levelName: string,
      body: CreateApplicant
    ) => Effect.Effect<ProviderHttp.Response<Applicant>, ProviderError.ProviderError>
    /** Uploads one image of an identity document, with its metadata (multipart). */
    readonly addIdDoc: (
      applicantId: string,
      metadata: IdDocMetadata,
      file: UploadFile
    ) => Effect.Effect<ProviderHttp.Response<typeof UploadedIdDoc.Type>, ProviderError.ProviderError>
    /** Asks Sumsub to check the applicant (it goes `pending`). */
    readonly requestCheck: (
      applicantId: string
    ) => Effect.Effect<ProviderHttp.Response<typeof Ok.Type>, ProviderError.ProviderError>
    /** Reads an applicant, with its review and what Sumsub read. */
    readonly getApplicant: (
      applicantId: string
    ) => Effect.Effect<ProviderHttp.Response<Applicant>, ProviderError.ProviderError>
    /** Reads the applicant created for our `externalUserId` (the process id). */
    readonly getApplicantByExternalUserId: (
      externalUserId: string
    ) => Effect.Effect<ProviderHttp.Response<Applicant>, ProviderError.ProviderError>
    /** A WebSDK permalink for the end-user (the hosted flow). */
    readonly createWebSdkLink: (
      body: typeof CreateWebSdkLink.Type
    ) => Effect.Effect<ProviderHttp.Response<typeof WebSdkLink.Type>, ProviderError.ProviderError>
    /** An access token for the WebSDK or MobileSDK, for one applicant. */
    readonly createAccessToken: (
      body: typeof CreateAccessToken.Type
    ) => Effect.Effect<ProviderHttp.Response<typeof AccessToken.Type>, ProviderError.ProviderError>
  }
>()("@assure/sumsub/SumsubClient") {}

const encodeCreateApplicant = Schema.encodeSync(CreateApplicant)
const encodeIdDocMetadata = Schema.encodeSync(IdDocMetadata)
const encodeCreateWebSdkLink = Schema.encodeSync(CreateWebSdkLink)
const encodeCreateAccessToken = Schema.encodeSync(CreateAccessToken)

/**
 * A `multipart/form-data` body as bytes (so that the signature covers exactly what is sent): the `metadata` JSON
 * part and the `content` file part.
 *
 * @since 0.1.0
 */
export const multipart = (
  boundary: string,
  metadata: string,
  file: UploadFile
): { readonly bytes: Uint8Array; readonly contentType: string } => {
  const encoder = new TextEncoder()
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${metadata}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${file.fileName}"\r\n` +
      `Content-Type: ${file.mediaType}\r\n\r\n`
  )
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`)
  const bytes = new Uint8Array(head.length + file.bytes.length + tail.length)
  bytes.set(head, 0)
  bytes.set(file.bytes, head.length)
  bytes.set(tail, head.length + file.bytes.length)
  return { bytes, contentType: `multipart/form-data; boundary=${boundary}` }
}

const applicantPath = (id: string) => `/resources/applicants/${encodeURIComponent(id)}`

/**
 * Builds the client from the application's `HttpClient`.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<SumsubClient["Service"], never, HttpClient.HttpClient> =>
  Effect.map(
    ProviderHttp.make({
      provider: name,
      baseUrl: options.baseUrl ?? defaultBaseUrl,
      userAgent: "assure-sumsub",
      // The token and the secret are read from their Redacted wrappers here and in `signature`, nowhere else.
      authorize: (request) => HttpClientRequest.setHeader(request, headers.token, Redacted.value(options.appToken)),
      sign: (request, body) =>
        Effect.gen(function* () {
          const timestamp = String(Math.floor((yield* Clock.currentTimeMillis) / 1000))
          // The URL as the HTTP client sends it: the request's URL with its query parameters appended.
          const url = new URL(request.url)
          for (const [key, value] of request.urlParams.params) {
            url.searchParams.append(key, typeof value === "string" ? value : Redacted.value(value))
          }
          const signed = yield* signature({
            secretKey: options.secretKey,
            timestamp,
            method: request.method,
            pathWithQuery: `${url.pathname}${url.search}`,
            body
          })
          return request.pipe(
            HttpClientRequest.setHeader(headers.timestamp, timestamp),
            HttpClientRequest.setHeader(headers.signature, signed)
          )
        }),
      // Sumsub documents a `Retry-After` (seconds) on some refusals and no other rate-limit header: the defaults.
      invalidFields: (body) => {
        const decoded = decodeErrorBody(body)
        return decoded._tag === "Some" ? [{ name: "request", reason: decoded.value.description }] : []
      },
      timeout: options.timeout
    }),
    (http) =>
      SumsubClient.of({
        createApplicant: (levelName, body) =>
          http.json(
            HttpClientRequest.post(`/resources/applicants?levelName=${encodeURIComponent(levelName)}`).pipe(
              HttpClientRequest.bodyJsonUnsafe(encodeCreateApplicant(body))
            ),
            Applicant
          ),
        addIdDoc: (applicantId, metadata, file) => {
          const form = multipart(
            `assure-${globalThis.crypto.randomUUID()}`,
            JSON.stringify(encodeIdDocMetadata(metadata)),
            file
          )
          return http.json(
            HttpClientRequest.post(`${applicantPath(applicantId)}/info/idDoc`).pipe(
              HttpClientRequest.bodyUint8Array(form.bytes, form.contentType)
            ),
            UploadedIdDoc
          )
        },
        requestCheck: (applicantId) =>
          http.json(HttpClientRequest.post(`${applicantPath(applicantId)}/status/pending`), Ok),
        getApplicant: (applicantId) => http.json(HttpClientRequest.get(`${applicantPath(applicantId)}/one`), Applicant),
        getApplicantByExternalUserId: (externalUserId) =>
          http.json(
            HttpClientRequest.get(`/resources/applicants/-;externalUserId=${encodeURIComponent(externalUserId)}/one`),
            Applicant
          ),
        createWebSdkLink: (body) =>
          http.json(
            HttpClientRequest.post("/resources/sdkIntegrations/levels/-/websdkLink").pipe(
              HttpClientRequest.bodyJsonUnsafe(encodeCreateWebSdkLink(body))
            ),
            WebSdkLink
          ),
        createAccessToken: (body) =>
          http.json(
            HttpClientRequest.post("/resources/accessTokens/sdk").pipe(
              HttpClientRequest.bodyJsonUnsafe(encodeCreateAccessToken(body))
            ),
            AccessToken
          )
      })
  )

/**
 * The client as a layer; the application provides the `HttpClient` (`FetchHttpClient.layer`, or Node's).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<SumsubClient, never, HttpClient.HttpClient> =>
  Layer.effect(SumsubClient, make(options))

/**
 * The client configured from the environment: `SUMSUB_APP_TOKEN`, `SUMSUB_SECRET_KEY` and, optionally,
 * `SUMSUB_BASE_URL`.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<SumsubClient, Config.ConfigError, HttpClient.HttpClient> = Layer.unwrap(
  Effect.gen(function* () {
    const appToken = yield* Config.Redacted("SUMSUB_APP_TOKEN")
    const secretKey = yield* Config.Redacted("SUMSUB_SECRET_KEY")
    const baseUrl = yield* Config.String("SUMSUB_BASE_URL").pipe(Config.withDefault(defaultBaseUrl))
    return layer({ appToken, secretKey, baseUrl })
  })
)
