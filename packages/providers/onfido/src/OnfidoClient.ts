/**
 * The Onfido API client (API v3.6): typed calls to the endpoints the adapter uses, over Effect's `HttpClient`, for
 * the provider and for anyone who needs an Onfido call the provider specification does not cover. Requests carry
 * `Authorization: Token token=<API token>` and go to the configured region (`https://api.{eu,us,ca}.onfido.com/v3.6`);
 * JSON bodies are encoded from exact schemas, document and live photo uploads are `multipart/form-data`. Every
 * failure is a classified `ProviderError` (see `ProviderHttp`) with Onfido's `X-Request-Id`, and a 422 keeps the
 * fields Onfido named; the client never retries.
 *
 * The paths and shapes follow Onfido's published OpenAPI specification (`spec/onfido-openapi.json` in this
 * package), and the contract test sends every request through Prism serving that document.
 *
 * @example
 * ```ts
 * import { OnfidoClient } from "@assure/onfido"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const check = OnfidoClient.OnfidoClient.use((client) => client.findCheck("8546921-…")).pipe(
 *   Effect.provide(OnfidoClient.layer({ apiToken: Redacted.make("api_live_…"), region: "eu" })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Country, Problem, ProviderName } from "@assure/core"
import { ProviderError, ProviderHttp } from "@assure/provider"
import { Config, Context, type Duration, Effect, Layer, Redacted, Schema } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"
import { documentTypeWords } from "./internal/documentTypes.js"

/** The name the provider is registered under and its errors carry. @since 0.1.0 */
export const name = ProviderName.ProviderName.make("onfido")

/** Onfido's regions: where the account's data is hosted. @since 0.1.0 */
export const Region = Schema.Literals(["eu", "us", "ca"])

/** Onfido's regions. @since 0.1.0 */
export type Region = typeof Region.Type

/** The region an account is in unless configured otherwise (the specification's default). @since 0.1.0 */
export const defaultRegion: Region = "eu"

/** The API version the adapter speaks, the last segment of every base URL. @since 0.1.0 */
export const apiVersion = "v3.6"

/** The base URL of a region: `https://api.eu.onfido.com/v3.6`. @since 0.1.0 */
export const baseUrlFor = (region: Region): string => `https://api.${region}.onfido.com/${apiVersion}`

/** How the client reaches Onfido. @since 0.1.0 */
export interface Options {
  /** The API token (`api_live_…`, `api_sandbox_…`), sent as `Authorization: Token token=…`. */
  readonly apiToken: Redacted.Redacted<string>
  /** The account's region (default `eu`). */
  readonly region?: Region | undefined
  /** Overrides the region's base URL: the simulator from `@assure/onfido/testing`, a proxy, or a mock server. */
  readonly baseUrl?: string | undefined
  /** How long one request may take (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
}

// What we send is exact: request bodies are encoded from these schemas, so a field Onfido does not know, or a value
// outside its enums, is refused here rather than at Onfido.

/** Onfido's country codes: ISO 3166-1 alpha-3, plus `RKS` for Kosovo (the specification's `country_codes`). @since 0.1.0 */
export const CountryCode = Schema.String.check(
  Schema.makeFilter((code: string) => code === "RKS" || (Country.isCountry(code) && Country.isIso(code)), {
    expected: "an ISO 3166-1 alpha-3 code or RKS"
  })
)

/** Onfido's document types (the specification's `document_types`). @since 0.1.0 */
export const DocumentKind = Schema.Literals(documentTypeWords)

/** One of Onfido's document types. @since 0.1.0 */
export type DocumentKind = typeof DocumentKind.Type

/** The reports a check can run (the specification's `report_name`). @since 0.1.0 */
export const ReportName = Schema.Literals([
  "document",
  "document_video",
  "document_video_with_address_information",
  "document_with_address_information",
  "document_with_driving_licence_information",
  "document_with_driver_verification",
  "facial_similarity_photo",
  "facial_similarity_photo_fully_auto",
  "facial_similarity_video",
  "facial_similarity_motion",
  "known_faces",
  "identity_enhanced",
  "watchlist_aml",
  "watchlist_enhanced",
  "watchlist_standard",
  "watchlist_peps_only",
  "watchlist_sanctions_only",
  "proof_of_address",
  "us_driving_licence",
  "device_intelligence",
  "india_pan"
])

/** A report's name. @since 0.1.0 */
export type ReportName = typeof ReportName.Type

/** A document report's detailed result (`report_sub_result`); in the sandbox, also what a check may ask for. @since 0.1.0 */
export const SubResult = Schema.Literals(["clear", "rejected", "suspected", "caution"])

/** A document report's detailed result. @since 0.1.0 */
export type SubResult = typeof SubResult.Type

const namePart = Schema.String.check(
  Schema.isMinLength(1),
  Schema.isPattern(/^[^!#$%*=<>;{}"]*$/, { expected: 'a name without !#$%*=<>;{}"' })
)
const isoDate = Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/, { expected: "a date YYYY-MM-DD" }))

/** The body of `POST /applicants` (the subset the adapter sends of `applicant_builder`). @since 0.1.0 */
export const CreateApplicant = Schema.Struct({
  first_name: namePart,
  last_name: namePart,
  dob: Schema.optionalKey(isoDate),
  email: Schema.optionalKey(Schema.String)
})

/** The body of `POST /applicants`. @since 0.1.0 */
export type CreateApplicant = typeof CreateApplicant.Type

/** A file to upload. @since 0.1.0 */
export interface UploadFile {
  readonly bytes: Uint8Array
  readonly mediaType: string
  /** The file name Onfido records (`front.jpg`). */
  readonly fileName: string
}

/** The fields of `POST /documents` besides the file (`document_uploader`). @since 0.1.0 */
export const UploadDocument = Schema.Struct({
  applicant_id: Schema.String,
  type: DocumentKind,
  side: Schema.optionalKey(Schema.Literals(["front", "back"])),
  issuing_country: Schema.optionalKey(CountryCode)
})

/** The fields of `POST /documents` besides the file. @since 0.1.0 */
export type UploadDocument = typeof UploadDocument.Type

/** The fields of `POST /live_photos` besides the file (`live_photo_uploader`). @since 0.1.0 */
export const UploadLivePhoto = Schema.Struct({
  applicant_id: Schema.String,
  advanced_validation: Schema.optionalKey(Schema.Boolean)
})

/** The fields of `POST /live_photos` besides the file. @since 0.1.0 */
export type UploadLivePhoto = typeof UploadLivePhoto.Type

const tag = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128))
const tags = Schema.Array(tag).check(Schema.isMaxLength(30))

/** The body of `POST /checks` (the subset the adapter sends of `check_builder`). @since 0.1.0 */
export const CreateCheck = Schema.Struct({
  applicant_id: Schema.String,
  report_names: Schema.Array(ReportName).check(Schema.isMinLength(1)),
  document_ids: Schema.optionalKey(Schema.Array(Schema.String)),
  asynchronous: Schema.optionalKey(Schema.Boolean),
  tags: Schema.optionalKey(tags),
  /** Sandbox only: the reports to come back `consider`. */
  consider: Schema.optionalKey(Schema.Array(ReportName)),
  /** Sandbox only: the document report's `sub_result`. */
  sub_result: Schema.optionalKey(SubResult)
})

/** The body of `POST /checks`. @since 0.1.0 */
export type CreateCheck = typeof CreateCheck.Type

/** The languages of a workflow run's hosted link. @since 0.1.0 */
export const LinkLanguage = Schema.Literals(["en_US", "de_DE", "es_ES", "fr_FR", "it_IT", "pt_PT", "nl_NL"])

/** The body of `POST /workflow_runs` (`workflow_run_builder`). @since 0.1.0 */
export const CreateWorkflowRun = Schema.Struct({
  workflow_id: Schema.String,
  applicant_id: Schema.String,
  tags: Schema.optionalKey(tags),
  customer_user_id: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(256))),
  custom_data: Schema.optionalKey(Schema.Record(Schema.String, Schema.Json)),
  link: Schema.optionalKey(
    Schema.Struct({
      completed_redirect_url: Schema.optionalKey(Schema.String),
      expired_redirect_url: Schema.optionalKey(Schema.String),
      language: Schema.optionalKey(LinkLanguage)
    })
  )
})

/** The body of `POST /workflow_runs`. @since 0.1.0 */
export type CreateWorkflowRun = typeof CreateWorkflowRun.Type

// What we receive is read leniently: unknown fields are ignored (and kept in the raw JSON), and `null` is accepted
// for every optional field. Values stay Onfido's here; the provider normalises them with @assure/core's codecs.

const nullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))
const text = nullable(Schema.String)

/** An applicant. @since 0.1.0 */
export const Applicant = Schema.Struct({
  id: Schema.String,
  first_name: text,
  last_name: text,
  dob: text,
  sandbox: nullable(Schema.Boolean)
})

/** An applicant. @since 0.1.0 */
export type Applicant = typeof Applicant.Type

/** An uploaded document. @since 0.1.0 */
export const Document = Schema.Struct({
  id: Schema.String,
  type: text,
  side: text,
  issuing_country: text,
  applicant_id: text,
  file_name: text,
  file_type: text
})

/** An uploaded document. @since 0.1.0 */
export type Document = typeof Document.Type

/** An uploaded live photo. @since 0.1.0 */
export const LivePhoto = Schema.Struct({ id: Schema.String, file_name: text, file_type: text })

/** An uploaded live photo. @since 0.1.0 */
export type LivePhoto = typeof LivePhoto.Type

/** A check's status (`check_status`). @since 0.1.0 */
export const CheckStatus = Schema.Literals([
  "in_progress",
  "awaiting_applicant",
  "complete",
  "withdrawn",
  "paused",
  "reopened"
])

/** A check's status. @since 0.1.0 */
export type CheckStatus = typeof CheckStatus.Type

/** A check's result, the aggregate of its reports' results. @since 0.1.0 */
export const CheckResult = Schema.Literals(["clear", "consider"])

/** A check. @since 0.1.0 */
export const Check = Schema.Struct({
  id: Schema.String,
  applicant_id: text,
  status: nullable(CheckStatus),
  result: nullable(CheckResult),
  report_ids: nullable(Schema.Array(Schema.String)),
  tags: nullable(Schema.Array(Schema.String)),
  created_at: text,
  sandbox: nullable(Schema.Boolean)
})

/** A check. @since 0.1.0 */
export type Check = typeof Check.Type

/** `GET /checks?applicant_id=…`. @since 0.1.0 */
export const ChecksList = Schema.Struct({ checks: Schema.Array(Check) })

/** A report's status (`report_status`). @since 0.1.0 */
export const ReportStatus = Schema.Literals([
  "awaiting_data",
  "awaiting_approval",
  "cancelled",
  "complete",
  "withdrawn"
])

/** A report's result (`report_result`). @since 0.1.0 */
export const ReportResult = Schema.Literals(["clear", "consider", "unidentified"])

/**
 * A report. The name is read as any string (a report Onfido adds later is kept, not refused); `properties` and
 * `breakdown` differ per report and are read by the provider for the reports it normalises.
 *
 * @since 0.1.0
 */
export const Report = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  status: nullable(ReportStatus),
  result: nullable(ReportResult),
  sub_result: nullable(SubResult),
  check_id: text,
  breakdown: nullable(Schema.Record(Schema.String, Schema.Unknown)),
  properties: nullable(Schema.Record(Schema.String, Schema.Unknown))
})

/** A report. @since 0.1.0 */
export type Report = typeof Report.Type

/** `GET /reports?check_id=…`. @since 0.1.0 */
export const ReportsList = Schema.Struct({ reports: Schema.Array(Report) })

/** A workflow run's status (`workflow_run_status`). @since 0.1.0 */
export const WorkflowRunStatus = Schema.Literals([
  "processing",
  "awaiting_input",
  "awaiting_client_input",
  "approved",
  "declined",
  "review",
  "abandoned",
  "error"
])

/** A workflow run's status. @since 0.1.0 */
export type WorkflowRunStatus = typeof WorkflowRunStatus.Type

/** A Studio workflow run. @since 0.1.0 */
export const WorkflowRun = Schema.Struct({
  id: Schema.String,
  applicant_id: text,
  workflow_id: text,
  status: nullable(WorkflowRunStatus),
  reasons: nullable(Schema.Array(Schema.String)),
  error: nullable(Schema.Struct({ type: text, message: text })),
  /** The hosted flow: `url` for the end-user, and when it expires. */
  link: nullable(Schema.Struct({ url: text, expires_at: text })),
  /** The token for Onfido's SDKs, while the run awaits input. */
  sdk_token: text,
  dashboard_url: text
})

/** A Studio workflow run. @since 0.1.0 */
export type WorkflowRun = typeof WorkflowRun.Type

// Onfido's error body: `{ "error": { "type", "message", "fields": { "<field>": ["<problem>", …] } } }`; `fields`
// may nest (`{ "address": { "postcode": [...] } }`).
const ErrorBody = Schema.Struct({
  error: Schema.Struct({ type: text, message: text, fields: nullable(Schema.Record(Schema.String, Schema.Unknown)) })
})
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

const flattenFields = (
  fields: { readonly [key: string]: unknown },
  prefix: string
): Array<{ readonly name: string; readonly reason: string }> =>
  Object.entries(fields).flatMap(([key, value]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`
    if (typeof value === "string") return [{ name: path, reason: value }]
    if (Array.isArray(value)) {
      const reasons = value.filter((item): item is string => typeof item === "string")
      const nested = value.filter((item) => typeof item === "object" && item !== null)
      return [
        ...(reasons.length > 0 || nested.length === 0 ? [{ name: path, reason: reasons.join("; ") || "invalid" }] : []),
        ...nested.flatMap((item) => flattenFields(item as { readonly [key: string]: unknown }, path))
      ]
    }
    if (typeof value === "object" && value !== null) {
      return flattenFields(value as { readonly [key: string]: unknown }, path)
    }
    return [{ name: path, reason: "invalid" }]
  })

/** The fields Onfido named as invalid in a 4xx answer (`error.fields`, nested names joined with dots). @since 0.1.0 */
export const invalidFields = (body: unknown): ReadonlyArray<{ readonly name: string; readonly reason: string }> => {
  const decoded = decodeErrorBody(body, { onExcessProperty: "ignore" })
  if (decoded._tag === "None" || decoded.value.error.fields == null) return []
  return flattenFields(decoded.value.error.fields, "")
}

/** The Onfido API, as far as the adapter uses it. @since 0.1.0 */
export class OnfidoClient extends Context.Service<
  OnfidoClient,
  {
    /** `POST /applicants`. */
    readonly createApplicant: (
      body: CreateApplicant
    ) => Effect.Effect<ProviderHttp.Response<Applicant>, ProviderError.ProviderError>
    /** `POST /documents`, multipart: one side of a document. */
    readonly uploadDocument: (
      fields: UploadDocument,
      file: UploadFile
    ) => Effect.Effect<ProviderHttp.Response<Document>, ProviderError.ProviderError>
    /** `POST /live_photos`, multipart: a selfie. */
    readonly uploadLivePhoto: (
      fields: UploadLivePhoto,
      file: UploadFile
    ) => Effect.Effect<ProviderHttp.Response<LivePhoto>, ProviderError.ProviderError>
    /** `POST /checks`. */
    readonly createCheck: (
      body: CreateCheck
    ) => Effect.Effect<ProviderHttp.Response<Check>, ProviderError.ProviderError>
    /** `GET /checks/{check_id}`. */
    readonly findCheck: (id: string) => Effect.Effect<ProviderHttp.Response<Check>, ProviderError.ProviderError>
    /** `GET /checks?applicant_id=…`. */
    readonly listChecks: (
      applicantId: string
    ) => Effect.Effect<ProviderHttp.Response<typeof ChecksList.Type>, ProviderError.ProviderError>
    /** `GET /reports?check_id=…`. */
    readonly listReports: (
      checkId: string
    ) => Effect.Effect<ProviderHttp.Response<typeof ReportsList.Type>, ProviderError.ProviderError>
    /** `GET /reports/{report_id}`. */
    readonly findReport: (id: string) => Effect.Effect<ProviderHttp.Response<Report>, ProviderError.ProviderError>
    /** `POST /workflow_runs`. */
    readonly createWorkflowRun: (
      body: CreateWorkflowRun
    ) => Effect.Effect<ProviderHttp.Response<WorkflowRun>, ProviderError.ProviderError>
    /** `GET /workflow_runs/{workflow_run_id}`. */
    readonly findWorkflowRun: (
      id: string
    ) => Effect.Effect<ProviderHttp.Response<WorkflowRun>, ProviderError.ProviderError>
  }
>()("@assure/onfido/OnfidoClient") {}

/**
 * Encodes a request body with its exact schema; a value Onfido would refuse is `InvalidRequest` with the path of each
 * bad field, before anything is sent.
 */
const exact =
  <A, I>(schema: Schema.Codec<A, I>) =>
  (value: A): Effect.Effect<I, ProviderError.ProviderError> =>
    Schema.encodeEffect(schema)(value, { errors: "all", onExcessProperty: "error" }).pipe(
      Effect.mapError((error) =>
        ProviderError.make(name, new ProviderError.InvalidRequest({ fields: Problem.invalidParams(error.issue) }), {
          description: "the request does not fit Onfido's API"
        })
      )
    )

const encodeCreateApplicant = exact(CreateApplicant)
const encodeUploadDocument = exact(UploadDocument)
const encodeUploadLivePhoto = exact(UploadLivePhoto)
const encodeCreateCheck = exact(CreateCheck)
const encodeCreateWorkflowRun = exact(CreateWorkflowRun)

/** A multipart body: the fields as text, then the file. */
const multipart = (fields: { readonly [key: string]: string | boolean | undefined }, file: UploadFile): FormData => {
  const form = new FormData()
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) form.append(key, String(value))
  }
  form.append("file", new Blob([new Uint8Array(file.bytes)], { type: file.mediaType }), file.fileName)
  return form
}

const segment = (id: string) => encodeURIComponent(id)

/**
 * Builds the client from the application's `HttpClient`.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<OnfidoClient["Service"], never, HttpClient.HttpClient> =>
  Effect.map(
    ProviderHttp.make({
      provider: name,
      baseUrl: options.baseUrl ?? baseUrlFor(options.region ?? defaultRegion),
      userAgent: "assure-onfido/0.1.0",
      // The token is read from its Redacted wrapper here, at the last moment, and nowhere else.
      authorize: (request) =>
        HttpClientRequest.setHeader(request, "authorization", `Token token=${Redacted.value(options.apiToken)}`),
      requestIdHeaders: ["x-request-id"],
      invalidFields,
      timeout: options.timeout
    }),
    (http) =>
      OnfidoClient.of({
        createApplicant: (body) =>
          Effect.flatMap(encodeCreateApplicant(body), (encoded) =>
            http.json(HttpClientRequest.post("/applicants").pipe(HttpClientRequest.bodyJsonUnsafe(encoded)), Applicant)
          ),
        uploadDocument: (fields, file) =>
          Effect.flatMap(encodeUploadDocument(fields), (encoded) =>
            http.json(
              HttpClientRequest.post("/documents").pipe(HttpClientRequest.bodyFormData(multipart(encoded, file))),
              Document
            )
          ),
        uploadLivePhoto: (fields, file) =>
          Effect.flatMap(encodeUploadLivePhoto(fields), (encoded) =>
            http.json(
              HttpClientRequest.post("/live_photos").pipe(HttpClientRequest.bodyFormData(multipart(encoded, file))),
              LivePhoto
            )
          ),
        createCheck: (body) =>
          Effect.flatMap(encodeCreateCheck(body), (encoded) =>
            http.json(HttpClientRequest.post("/checks").pipe(HttpClientRequest.bodyJsonUnsafe(encoded)), Check)
          ),
        findCheck: (id) => http.json(HttpClientRequest.get(`/checks/${segment(id)}`), Check),
        listChecks: (applicantId) =>
          http.json(
            HttpClientRequest.get("/checks").pipe(HttpClientRequest.setUrlParam("applicant_id", applicantId)),
            ChecksList
          ),
        listReports: (checkId) =>
          http.json(
            HttpClientRequest.get("/reports").pipe(HttpClientRequest.setUrlParam("check_id", checkId)),
            ReportsList
          ),
        findReport: (id) => http.json(HttpClientRequest.get(`/reports/${segment(id)}`), Report),
        createWorkflowRun: (body) =>
          Effect.flatMap(encodeCreateWorkflowRun(body), (encoded) =>
            http.json(
              HttpClientRequest.post("/workflow_runs").pipe(HttpClientRequest.bodyJsonUnsafe(encoded)),
              WorkflowRun
            )
          ),
        findWorkflowRun: (id) => http.json(HttpClientRequest.get(`/workflow_runs/${segment(id)}`), WorkflowRun)
      })
  )

/**
 * The client as a layer; the application provides the `HttpClient` (`FetchHttpClient.layer`, or Node's).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<OnfidoClient, never, HttpClient.HttpClient> =>
  Layer.effect(OnfidoClient, make(options))

/**
 * The client options read from the environment: `ONFIDO_API_TOKEN` and, optionally, `ONFIDO_REGION` (`eu`, `us`,
 * `ca`; default `eu`) and `ONFIDO_API_BASE_URL` (overrides the region's URL).
 *
 * @since 0.1.0
 */
export const optionsConfig: Config.Config<Options> = Config.all({
  apiToken: Config.Redacted("ONFIDO_API_TOKEN"),
  region: Config.Literals(Region.literals, "ONFIDO_REGION").pipe(Config.withDefault(defaultRegion)),
  baseUrl: Config.String("ONFIDO_API_BASE_URL").pipe(Config.option)
}).pipe(
  Config.map(({ apiToken, region, baseUrl }) => ({
    apiToken,
    region,
    baseUrl: baseUrl._tag === "Some" ? baseUrl.value : undefined
  }))
)

/**
 * The client configured from the environment (see {@link optionsConfig}).
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<OnfidoClient, Config.ConfigError, HttpClient.HttpClient> = Layer.unwrap(
  Effect.map(optionsConfig, layer)
)
