/**
 * The Veriff API client: typed calls to Veriff's public API v1 (the "Station API") over Effect's `HttpClient`, for
 * the provider and for anyone who needs a Veriff call the provider specification does not cover. Every failure is a
 * classified `ProviderError` (see `ProviderHttp`); the client never retries.
 *
 * Authentication is Veriff's: the integration's API key in `X-AUTH-CLIENT` on every request, and in
 * `X-HMAC-SIGNATURE` the hex HMAC-SHA256, with the integration's shared secret, of the request body for POST and
 * PATCH, or of the session id for GET and DELETE (devdocs.veriff.com "HMAC Authentication and Endpoint Security",
 * and the General FAQ). Veriff does not require the signature on `POST /v1/sessions`; the client sends it there
 * too, as the body is signed the same way. Bodies are JSON.
 *
 * Veriff publishes no machine-readable specification. Each request and response shape here comes from the page of
 * devdocs.veriff.com named next to it; the package README lists them. Responses are read leniently: unknown fields
 * are ignored here and kept in the raw JSON.
 *
 * @example
 * ```ts
 * import { VeriffClient } from "@assure/veriff"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const decision = VeriffClient.VeriffClient.use((client) =>
 *   client.getDecision("f04bdb47-d3be-4b28-b028-a652feb060b5")
 * ).pipe(
 *   Effect.provide(
 *     VeriffClient.layer({ apiKey: Redacted.make("…"), sharedSecret: Redacted.make("…") })
 *   ),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { ProviderName } from "@assure/core"
import { type ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Config, Context, type Duration, Effect, Layer, Redacted, Schema } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"

/** The name the provider is registered under and its errors carry. @since 0.1.0 */
export const name = ProviderName.ProviderName.make("veriff")

/**
 * Veriff's Station API. An integration's page in the Veriff Customer Portal shows its own base URL; this is the one
 * Veriff's developer documentation uses (developers.veriff.com, "Generating sessions in code"). @since 0.1.0
 */
export const defaultBaseUrl = "https://stationapi.veriff.com"

/** The header that carries the API key. @since 0.1.0 */
export const authClientHeader = "x-auth-client"

/** The header that carries the request's or webhook's hex HMAC-SHA256. @since 0.1.0 */
export const signatureHeader = "x-hmac-signature"

/** How the client reaches Veriff. @since 0.1.0 */
export interface Options {
  /** The integration's API key, sent as `X-AUTH-CLIENT`. */
  readonly apiKey: Redacted.Redacted<string>
  /** The integration's shared secret key, which signs requests (`X-HMAC-SIGNATURE`). */
  readonly sharedSecret: Redacted.Redacted<string>
  /** Overrides the base URL: the integration's own, or the simulator from `@assure/veriff/testing`. */
  readonly baseUrl?: string | undefined
  /** How long one request may take (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
}

// What we send is exact: request bodies are encoded from these schemas, so a field Veriff does not know is a type
// error here rather than a surprise at Veriff.

/** The document types Veriff takes in `verification.document.type` (devdocs.veriff.com, `POST /sessions`). @since 0.1.0 */
export const DocumentKind = Schema.Literals(["PASSPORT", "ID_CARD", "RESIDENCE_PERMIT", "DRIVERS_LICENSE"])

/** A document type Veriff takes. @since 0.1.0 */
export type DocumentKind = typeof DocumentKind.Type

/** What the client already knows about the person (`verification.person`). @since 0.1.0 */
export const PersonInput = Schema.Struct({
  firstName: Schema.optionalKey(Schema.String),
  lastName: Schema.optionalKey(Schema.String),
  /** A national identification number. */
  idNumber: Schema.optionalKey(Schema.String),
  /** `YYYY-MM-DD`. */
  dateOfBirth: Schema.optionalKey(Schema.String),
  gender: Schema.optionalKey(Schema.Literals(["M", "F"]))
})

/** What the client already knows about the document (`verification.document`). @since 0.1.0 */
export const DocumentInput = Schema.Struct({
  /** Letters and digits only, as Veriff requires. */
  number: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9]+$/))),
  type: Schema.optionalKey(DocumentKind),
  /** ISO 3166-1 alpha-2. */
  country: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Z]{2}$/)))
})

/** The body of `POST /v1/sessions` (devdocs.veriff.com/apidocs/v1sessions). @since 0.1.0 */
export const CreateSession = Schema.Struct({
  verification: Schema.Struct({
    /** Where Veriff's hosted flow sends the end-user when they are done. */
    callback: Schema.optionalKey(Schema.String),
    person: Schema.optionalKey(PersonInput),
    document: Schema.optionalKey(DocumentInput),
    /** Our non-semantic reference for the session (the process id), returned in every payload; at most 1000 characters. */
    vendorData: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(1000))),
    /** A UUID for the end-user, returned in every payload. */
    endUserId: Schema.optionalKey(
      Schema.String.check(Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i))
    )
  })
})

/** The body of `POST /v1/sessions`. @since 0.1.0 */
export type CreateSession = typeof CreateSession.Type

/** What an uploaded image shows (devdocs.veriff.com "Context types (image, video)"). @since 0.1.0 */
export const MediaContext = Schema.Literals(["document-front", "document-back", "face"])

/** What an uploaded image shows. @since 0.1.0 */
export type MediaContext = typeof MediaContext.Type

/** The body of `POST /v1/sessions/{id}/media` (devdocs.veriff.com/apidocs/v1sessionsidmedia-3). @since 0.1.0 */
export const UploadMedia = Schema.Struct({
  image: Schema.Struct({
    context: MediaContext,
    /** The image as a base64 data URI (`data:image/jpeg;base64,…`). */
    content: Schema.String.check(Schema.isPattern(/^data:[a-z]+\/[a-z0-9.+-]+;base64,/)),
    /** When the image was captured, ISO 8601 (optional). */
    timestamp: Schema.optionalKey(Schema.String)
  })
})

/** The body of `POST /v1/sessions/{id}/media`. @since 0.1.0 */
export type UploadMedia = typeof UploadMedia.Type

/** The body of `PATCH /v1/sessions/{id}`: the only change Veriff allows (devdocs.veriff.com/apidocs/v1sessionsid-2). @since 0.1.0 */
export const SubmitSession = Schema.Struct({
  verification: Schema.Struct({ status: Schema.Literal("submitted") })
})

// What we receive is read leniently: unknown fields are ignored (and kept in the raw JSON), absent or null fields
// are allowed. Values stay Veriff's here; the provider normalises them with @assure/core's codecs.

const nullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))
const text = nullable(Schema.String)

/** The session as `POST /v1/sessions` and `PATCH /v1/sessions/{id}` answer it. @since 0.1.0 */
export const SessionVerification = Schema.Struct({
  id: Schema.String,
  /** The hosted flow's URL, where the end-user goes (also what Veriff's SDKs take). */
  url: text,
  /** `created`, then `submitted` after the PATCH. */
  status: text,
  sessionToken: text,
  host: text,
  vendorData: text,
  endUserId: text
})

/** The answer to `POST /v1/sessions` and `PATCH /v1/sessions/{id}`: `{ status: "success", verification }`. @since 0.1.0 */
export const SessionResponse = Schema.Struct({ status: Schema.String, verification: SessionVerification })

/** The answer to `POST /v1/sessions`. @since 0.1.0 */
export type SessionResponse = typeof SessionResponse.Type

/** The answer to `POST /v1/sessions/{id}/media`: `{ status: "success", image: { id, context, … } }`. @since 0.1.0 */
export const MediaResponse = Schema.Struct({
  status: Schema.String,
  image: nullable(Schema.Struct({ id: Schema.String, context: text, mimetype: text, sessionId: text }))
})

/** A decision's status (devdocs.veriff.com "Verification session decisions"). @since 0.1.0 */
export const DecisionStatus = Schema.Literals([
  "approved",
  "declined",
  "resubmission_requested",
  "review",
  "expired",
  "abandoned"
])

/** A decision's status. @since 0.1.0 */
export type DecisionStatus = typeof DecisionStatus.Type

/**
 * An address Veriff read (`verification.person.addresses[]` of a decision): the address as one text, and its parts
 * where Veriff parsed it. The country's format is not documented; it is read as any country code.
 *
 * @since 0.1.0
 */
export const Address = Schema.Struct({
  fullAddress: text,
  parsedAddress: nullable(
    Schema.Struct({
      street: text,
      houseNumber: text,
      unit: text,
      postcode: text,
      city: text,
      state: text,
      country: text
    })
  )
})

/** An address Veriff read. @since 0.1.0 */
export type Address = typeof Address.Type

/** The person as Veriff read them (`verification.person` of a decision). @since 0.1.0 */
export const Person = Schema.Struct({
  firstName: text,
  lastName: text,
  /** National identification number. */
  idNumber: text,
  /** `M`, `F` or null. */
  gender: text,
  /** `YYYY-MM-DD`. */
  dateOfBirth: text,
  yearOfBirth: nullable(Schema.Union([Schema.String, Schema.Number])),
  placeOfBirth: text,
  /** "ISO country code": alpha-2 in Veriff's samples, alpha-3 in a third-party transcription; read either. */
  nationality: text,
  /** The addresses Veriff read, where the integration reads addresses; the first is mapped. */
  addresses: nullable(Schema.Array(Address))
})

/** The document as Veriff read it (`verification.document` of a decision). @since 0.1.0 */
export const Document = Schema.Struct({
  number: text,
  /** `PASSPORT`, `ID_CARD`, `RESIDENCE_PERMIT`, `DRIVERS_LICENSE`, `VISA`, `OTHER`. */
  type: text,
  /** ISO 3166-1 alpha-2. */
  country: text,
  state: text,
  /** `YYYY-MM-DD`: the date of issue. */
  validFrom: text,
  /** `YYYY-MM-DD`: the date of expiry. */
  validUntil: text
})

/** A decision: `verification` of `GET /v1/sessions/{id}/decision` and of the decision webhook. @since 0.1.0 */
export const Decision = Schema.Struct({
  id: Schema.String,
  attemptId: text,
  /** Read as a string, so that a status Veriff adds later is not a decoding error (it maps to `inconclusive`). */
  status: Schema.String,
  /** 9001, 9102, 9103, 9104, 9121. */
  code: nullable(Schema.Number),
  reason: text,
  reasonCode: nullable(Schema.Union([Schema.Number, Schema.String])),
  decisionTime: text,
  acceptanceTime: text,
  vendorData: text,
  endUserId: text,
  person: nullable(Person),
  document: nullable(Document)
})

/** A decision. @since 0.1.0 */
export type Decision = typeof Decision.Type

/**
 * The answer to `GET /v1/sessions/{id}/decision` (devdocs.veriff.com/apidocs/v1sessionsiddecision-1):
 * `verification` is `null` until there is a decision. @since 0.1.0
 */
export const DecisionResponse = Schema.Struct({ status: Schema.String, verification: Schema.NullOr(Decision) })

/** The answer to `GET /v1/sessions/{id}/decision`. @since 0.1.0 */
export type DecisionResponse = typeof DecisionResponse.Type

/**
 * Veriff's error body: `{ "status": "fail", "code": "1102", "message": "…" }` (devdocs.veriff.com "Some
 * troubleshooting codes (table)" and "Credentials and authorization codes (table)"). @since 0.1.0
 */
export const ErrorBody = Schema.Struct({
  status: text,
  code: nullable(Schema.Union([Schema.String, Schema.Number])),
  message: text
})

/** The field each documented validation code is about; other codes name the whole body. @since 0.1.0 */
export const fieldOfCode: Readonly<Record<string, string>> = {
  "1201": "verification.timestamp",
  "1202": "verification.timestamp",
  "1302": "verification.callback",
  "1303": "verification.status",
  "1304": "verification.status",
  "1308": "verification.person.idNumber",
  "1400": "image.content",
  "1401": "image.content",
  "1402": "image.context",
  "1403": "image",
  "1500": "verification.vendorData",
  "1501": "verification.vendorData"
}

const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

/**
 * The fields Veriff named as invalid in a 4xx answer, by its error code; the reason is the code and Veriff's
 * message (Veriff's messages are fixed texts from its code tables, never the values sent).
 *
 * @since 0.1.0
 */
export const invalidFields = (body: unknown): ReadonlyArray<{ readonly name: string; readonly reason: string }> => {
  const decoded = decodeErrorBody(body, { onExcessProperty: "ignore" })
  if (decoded._tag === "None" || decoded.value.code == null) return []
  const code = String(decoded.value.code)
  const message = decoded.value.message == null ? "" : ` ${decoded.value.message.slice(0, 200)}`
  return [{ name: fieldOfCode[code] ?? "body", reason: `${code}${message}` }]
}

/** The Veriff API. @since 0.1.0 */
export class VeriffClient extends Context.Service<
  VeriffClient,
  {
    /** `POST /v1/sessions`: creates a session; its `verification.url` is the hosted flow. */
    readonly createSession: (
      body: CreateSession
    ) => Effect.Effect<ProviderHttp.Response<SessionResponse>, ProviderError.ProviderError>
    /** `POST /v1/sessions/{id}/media`: uploads one image to a session (headless flow). */
    readonly uploadMedia: (
      id: string,
      body: UploadMedia
    ) => Effect.Effect<ProviderHttp.Response<typeof MediaResponse.Type>, ProviderError.ProviderError>
    /** `PATCH /v1/sessions/{id}` with `status: submitted`: hands the uploaded media to Veriff for a decision. */
    readonly submitSession: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<SessionResponse>, ProviderError.ProviderError>
    /** `GET /v1/sessions/{id}/decision`: the decision, or `verification: null` while there is none. */
    readonly getDecision: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<DecisionResponse>, ProviderError.ProviderError>
  }
>()("@assure/veriff/VeriffClient") {}

const encodeCreateSession = Schema.encodeSync(CreateSession)
const encodeUploadMedia = Schema.encodeSync(UploadMedia)
const encodeSubmitSession = Schema.encodeSync(SubmitSession)

const sessionIdInPath = /\/v1\/sessions\/([^/?#]+)/

/**
 * What Veriff signs for a request: the body for POST and PATCH, the session id (from the path) for GET and DELETE.
 *
 * @since 0.1.0
 */
export const signedPayload = (method: string, url: string, body: Uint8Array): Uint8Array | string => {
  if (method !== "GET" && method !== "DELETE") return body
  const match = sessionIdInPath.exec(new URL(url).pathname)
  return match?.[1] === undefined ? "" : decodeURIComponent(match[1])
}

const sessionPath = (id: string) => `/v1/sessions/${encodeURIComponent(id)}`

/**
 * Builds the client from the application's `HttpClient`.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<VeriffClient["Service"], never, HttpClient.HttpClient> =>
  Effect.map(
    ProviderHttp.make({
      provider: name,
      baseUrl: options.baseUrl ?? defaultBaseUrl,
      userAgent: "assure-veriff/0.1.0",
      // The key and the secret are read from their Redacted wrappers here, at the last moment, and nowhere else.
      authorize: HttpClientRequest.setHeader(authClientHeader, Redacted.value(options.apiKey)),
      sign: (request, body) =>
        Effect.map(
          Webhook.sign({
            algorithm: "SHA-256",
            encoding: "hex",
            secret: options.sharedSecret,
            payload: signedPayload(request.method, request.url, body)
          }),
          (signature) => HttpClientRequest.setHeader(request, signatureHeader, signature)
        ),
      // Veriff documents no request-id header; one that a gateway or Veriff adds is kept.
      requestIdHeaders: ["x-request-id", "request-id", "vrf-request-id"],
      invalidFields,
      timeout: options.timeout
    }),
    (http) =>
      VeriffClient.of({
        createSession: (body) =>
          http.json(
            HttpClientRequest.post("/v1/sessions").pipe(HttpClientRequest.bodyJsonUnsafe(encodeCreateSession(body))),
            SessionResponse
          ),
        uploadMedia: (id, body) =>
          http.json(
            HttpClientRequest.post(`${sessionPath(id)}/media`).pipe(
              HttpClientRequest.bodyJsonUnsafe(encodeUploadMedia(body))
            ),
            MediaResponse
          ),
        submitSession: (id) =>
          http.json(
            HttpClientRequest.patch(sessionPath(id)).pipe(
              HttpClientRequest.bodyJsonUnsafe(encodeSubmitSession({ verification: { status: "submitted" } }))
            ),
            SessionResponse
          ),
        getDecision: (id) => http.json(HttpClientRequest.get(`${sessionPath(id)}/decision`), DecisionResponse)
      })
  )

/**
 * The client as a layer; the application provides the `HttpClient` (`FetchHttpClient.layer`, or Node's).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<VeriffClient, never, HttpClient.HttpClient> =>
  Layer.effect(VeriffClient, make(options))

/**
 * The client configured from the environment: `VERIFF_API_KEY`, `VERIFF_SHARED_SECRET` (the first of a
 * comma-separated list signs requests) and, optionally, `VERIFF_BASE_URL`.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<VeriffClient, Config.ConfigError, HttpClient.HttpClient> = Layer.unwrap(
  Effect.gen(function* () {
    const apiKey = yield* Config.Redacted("VERIFF_API_KEY")
    const [sharedSecret] = yield* secretsConfig
    const baseUrl = yield* Config.String("VERIFF_BASE_URL").pipe(Config.withDefault(defaultBaseUrl))
    return layer({ apiKey, sharedSecret, baseUrl })
  })
)

/**
 * `VERIFF_SHARED_SECRET` as a list: one secret, or several separated by commas while Veriff rotates the integration's
 * shared secret key (the first signs requests; any may sign a webhook). At least one.
 *
 * @since 0.1.0
 */
export const secretsConfig = Webhook.secretsConfig("VERIFF_SHARED_SECRET")
