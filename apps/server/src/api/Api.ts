/**
 * The Assure-compatible API, defined once: the server implements it, `/openapi.json` and `/docs` are generated from it,
 * and TypeScript clients get a typed client from it (`HttpApiClient.make(AssureApi, …)`).
 *
 * Paths follow the Assure API (`/assure/dossiers/...`); where Signicat's documentation does not show a path, the
 * README lists the one chosen here under "Compatibility with the Assure API".
 */
import { Dossier, FileInfo, IdentityData, Process, ProcessStatus, Timestamp } from "@assure/core"
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import {
  Conflict,
  IdempotencyKeyReused,
  InvalidRequest,
  NotFound,
  PayloadTooLarge,
  ProviderFailed,
  ProviderUnavailable,
  TooManyRequests,
  Unauthorized
} from "./Problems.js"
import { Authorization, RequestProblems } from "./Security.js"

/** A file as a data URL: `data:<media type>;base64,<bytes>`, as the Assure API uploads images. */
export const DataUrl = Schema.String.check(
  Schema.isPattern(/^data:[a-z]+\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+$/u, {
    expected: "a data URL (data:<type>;base64,<data>)"
  })
).pipe(Schema.annotate({ identifier: "DataUrl", description: "data:<media type>;base64,<bytes>" }))

/** Files to upload, by kind. */
export const FileUpload = Schema.Struct({
  front: Schema.optionalKey(DataUrl),
  back: Schema.optionalKey(DataUrl),
  selfie: Schema.optionalKey(DataUrl),
  video: Schema.optionalKey(DataUrl)
}).pipe(Schema.annotate({ identifier: "FileUpload" }))

// A file part's bytes. The handler reads the parts as a stream, so this schema only describes them (the OpenAPI
// document, generated clients); `Multipart.SingleFileSchema` would describe them too, but loses `optionalKey` there.
const FilePart = Schema.String.annotate({ format: "binary", description: "The file's bytes" })

/**
 * Files to upload as `multipart/form-data`, the same files as `FileUpload` without base64: one file part per kind,
 * named `front`, `back`, `selfie` or `video`. The Assure API documents data URLs only; this is assure's addition.
 *
 * The parts reach the handler as a stream, so nothing is written to disk unencrypted and each file is refused as soon
 * as it passes its kind's size limit (413), within the server's limit on the whole body. The parser's own limits below
 * bound what is not a file: a handful of parts, and small text fields.
 */
export const FileUploadForm = Schema.Struct({
  front: Schema.optionalKey(FilePart),
  back: Schema.optionalKey(FilePart),
  selfie: Schema.optionalKey(FilePart),
  video: Schema.optionalKey(FilePart)
}).pipe(
  Schema.annotate({
    identifier: "FileUploadForm",
    description:
      "One file part per kind (front, back, selfie, video). The type is read from the bytes: JPEG, PNG, WebP or HEIC images up to 10 MB; MP4, QuickTime or WebM videos"
  }),
  HttpApiSchema.asMultipartStream({ maxParts: 8, maxFieldSize: 65_536 })
)

const CreateDossier = Schema.Struct({
  externalReference: Schema.optionalKey(Dossier.ExternalReference),
  userData: Schema.optionalKey(IdentityData.IdentityData)
}).pipe(Schema.annotate({ identifier: "CreateDossier" }))

const DossierPage = Schema.Struct({
  dossiers: Schema.Array(Dossier.Dossier),
  nextCursor: Schema.optionalKey(Schema.String)
}).pipe(Schema.annotate({ identifier: "DossierPage" }))

const CreateProcess = Schema.Struct({
  provider: Schema.String,
  processType: Schema.String,
  processParameters: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  notificationUrl: Schema.optionalKey(Schema.String),
  authorizationHeader: Schema.optionalKey(Schema.String)
}).pipe(Schema.annotate({ identifier: "CreateProcess" }))

const RequestVerification = Schema.Struct({
  /** Where to send the end-user when a redirect flow ends: `?dossierId=…&processId=…&status=…` is appended. */
  redirectUrl: Schema.optionalKey(Schema.String)
}).pipe(Schema.annotate({ identifier: "RequestVerification" }))

const FieldMatch = Schema.Literals(["match", "partial", "mismatch", "missing"])
const MatchingReport = Schema.Struct({
  result: Schema.Literals(["match", "partial", "mismatch"]),
  fields: Schema.Record(Schema.String, FieldMatch)
}).pipe(Schema.annotate({ identifier: "MatchingReport" }))

const DocumentTypes = Schema.Struct({
  provider: Schema.String,
  documentTypes: Schema.Array(
    Schema.Struct({ documentType: Schema.String, countries: Schema.optional(Schema.Array(Schema.String)) })
  )
}).pipe(Schema.annotate({ identifier: "DocumentTypes" }))

const Notification = Schema.Struct({
  id: Schema.String,
  kind: Schema.Literals(["callback", "event"]),
  dossierId: Schema.String,
  processId: Schema.String,
  url: Schema.String,
  status: Schema.Literals(["pending", "delivered", "failed"]),
  attempts: Schema.Number,
  lastError: Schema.optional(Schema.String),
  createdAt: Schema.String,
  deliveredAt: Schema.optional(Schema.String)
}).pipe(Schema.annotate({ identifier: "Notification" }))

const Token = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.Literal("Bearer"),
  expires_in: Schema.Number,
  scope: Schema.String
}).pipe(Schema.annotate({ identifier: "TokenResponse" }))

const TokenRequest = Schema.Struct({
  grant_type: Schema.String,
  scope: Schema.optionalKey(Schema.String),
  client_id: Schema.optionalKey(Schema.String),
  client_secret: Schema.optionalKey(Schema.String)
}).pipe(HttpApiSchema.asFormUrlEncoded())

const dossierParams = { dossierId: Schema.String }
const processParams = { dossierId: Schema.String, processId: Schema.String }
// Every authenticated operation may answer with any of these (the OpenAPI document lists them all).
const clientErrors = [
  InvalidRequest,
  IdempotencyKeyReused,
  NotFound,
  Conflict,
  TooManyRequests,
  ProviderFailed,
  ProviderUnavailable
] as const
// JSON with data URLs (as the Assure API documents), or multipart/form-data.
const fileUploadPayload = [FileUpload, FileUploadForm] as const
const uploadErrors = [...clientErrors, PayloadTooLarge] as const
const Binary = Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: "application/octet-stream" }))

/** Dossiers, their identity data and files. */
export class DossiersGroup extends HttpApiGroup.make("dossiers")
  .add(
    HttpApiEndpoint.post("create", "/", {
      payload: CreateDossier,
      success: Dossier.Dossier.pipe(HttpApiSchema.status(201)),
      error: clientErrors
    }),
    HttpApiEndpoint.get("list", "/", {
      query: {
        limit: Schema.optionalKey(Schema.NumberFromString),
        cursor: Schema.optionalKey(Schema.String),
        status: Schema.optionalKey(ProcessStatus.ProcessStatus),
        createdFrom: Schema.optionalKey(Timestamp.Timestamp),
        createdBefore: Schema.optionalKey(Timestamp.Timestamp)
      },
      success: DossierPage,
      error: clientErrors
    }),
    HttpApiEndpoint.get("get", "/:dossierId", { params: dossierParams, success: Dossier.Dossier, error: clientErrors }),
    HttpApiEndpoint.delete("delete", "/:dossierId", {
      params: dossierParams,
      success: HttpApiSchema.NoContent,
      error: clientErrors
    }),
    HttpApiEndpoint.put("setUserData", "/:dossierId/userData", {
      params: dossierParams,
      payload: IdentityData.IdentityData,
      success: IdentityData.IdentityData,
      error: clientErrors
    }),
    HttpApiEndpoint.get("getUserData", "/:dossierId/userData", {
      params: dossierParams,
      success: IdentityData.IdentityData,
      error: clientErrors
    }),
    HttpApiEndpoint.post("uploadFiles", "/:dossierId/files", {
      params: dossierParams,
      payload: fileUploadPayload,
      success: Schema.Array(FileInfo.FileInfo).pipe(HttpApiSchema.status(201)),
      error: uploadErrors
    }),
    HttpApiEndpoint.get("getFile", "/:dossierId/files/:fileId", {
      params: { ...dossierParams, fileId: Schema.String },
      success: Binary,
      error: clientErrors
    })
  )
  .middleware(Authorization)
  .prefix("/assure/dossiers")
  .annotateMerge(
    OpenApi.annotations({ title: "Dossiers", description: "An end-user's identity data, files and processes" })
  ) {}

/** Processes: verification by one provider. */
export class ProcessesGroup extends HttpApiGroup.make("processes")
  .add(
    HttpApiEndpoint.post("create", "/", {
      params: dossierParams,
      payload: CreateProcess,
      success: Process.Process.pipe(HttpApiSchema.status(201)),
      error: clientErrors
    }),
    HttpApiEndpoint.get("get", "/:processId", { params: processParams, success: Process.Process, error: clientErrors }),
    HttpApiEndpoint.delete("delete", "/:processId", {
      params: processParams,
      success: HttpApiSchema.NoContent,
      error: clientErrors
    }),
    HttpApiEndpoint.post("uploadFiles", "/:processId/files", {
      params: processParams,
      payload: fileUploadPayload,
      success: Schema.Array(FileInfo.FileInfo).pipe(HttpApiSchema.status(201)),
      error: uploadErrors
    }),
    HttpApiEndpoint.get("getFile", "/:processId/files/:fileId", {
      params: { ...processParams, fileId: Schema.String },
      success: Binary,
      error: clientErrors
    }),
    HttpApiEndpoint.post("verify", "/:processId/verify", {
      params: processParams,
      payload: RequestVerification,
      success: Process.Process,
      error: clientErrors
    }),
    HttpApiEndpoint.post("cancel", "/:processId/cancel", {
      params: processParams,
      success: Process.Process,
      error: clientErrors
    }),
    HttpApiEndpoint.get("match", "/:processId/matching", {
      params: processParams,
      success: MatchingReport,
      error: clientErrors
    })
  )
  .middleware(Authorization)
  .prefix("/assure/dossiers/:dossierId/processes")
  .annotateMerge(
    OpenApi.annotations({ title: "Processes", description: "Verifications of a dossier by a provider" })
  ) {}

/** What each provider accepts, and the client's notifications. */
export class AccountGroup extends HttpApiGroup.make("account")
  .add(
    HttpApiEndpoint.get("documentTypes", "/assure/:provider/document-types", {
      params: { provider: Schema.String },
      success: DocumentTypes,
      error: clientErrors
    }),
    HttpApiEndpoint.get("notifications", "/assure/notifications", {
      query: { status: Schema.optionalKey(Schema.Literals(["pending", "delivered", "failed"])) },
      success: Schema.Array(Notification),
      error: clientErrors
    }),
    HttpApiEndpoint.post("redeliver", "/assure/notifications/:notificationId/redeliver", {
      params: { notificationId: Schema.String },
      success: Notification,
      error: clientErrors
    })
  )
  .middleware(Authorization)
  .annotateMerge(OpenApi.annotations({ title: "Account", description: "Providers and notifications" })) {}

/** What identity providers and end-users call: webhooks and redirect returns. No bearer token: providers sign. */
export class ProvidersGroup extends HttpApiGroup.make("providers")
  .add(
    HttpApiEndpoint.post("webhook", "/webhooks/:provider", {
      params: { provider: Schema.String },
      success: HttpApiSchema.NoContent,
      error: [InvalidRequest, Unauthorized, NotFound, Conflict]
    }),
    HttpApiEndpoint.get("callback", "/callbacks/:provider", {
      params: { provider: Schema.String },
      // Back to the client's `redirectUrl` when the process has one; otherwise a short page for the end-user.
      success: [
        HttpApiSchema.Empty(302),
        Schema.String.pipe(
          HttpApiSchema.asText(),
          Schema.annotate({ description: "The verification's outcome, for an end-user with nowhere to return to" })
        )
      ],
      error: [InvalidRequest, NotFound, Conflict, ProviderFailed, ProviderUnavailable]
    })
  )
  .annotateMerge(
    OpenApi.annotations({ title: "Providers", description: "Webhooks and redirect returns from identity providers" })
  ) {}

/** OAuth 2.0 client credentials, at Signicat's path. */
export class AuthGroup extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("token", "/auth/open/connect/token", {
      payload: TokenRequest,
      success: Token,
      error: [InvalidRequest, Unauthorized]
    })
  )
  .annotateMerge(OpenApi.annotations({ title: "Authentication", description: "OAuth 2.0 client credentials" })) {}

/** Liveness and readiness. */
export class SystemGroup extends HttpApiGroup.make("system", { topLevel: true }).add(
  HttpApiEndpoint.get("health", "/health", { success: HttpApiSchema.NoContent }),
  HttpApiEndpoint.get("ready", "/ready", { success: HttpApiSchema.NoContent, error: ProviderUnavailable })
) {}

/** The whole API. */
export class AssureApi extends HttpApi.make("assure")
  .add(AuthGroup)
  .add(DossiersGroup)
  .add(ProcessesGroup)
  .add(AccountGroup)
  .add(ProvidersGroup)
  .add(SystemGroup)
  .middleware(RequestProblems)
  // Strict with clients: a field of a body or a query the API does not define is an error, never dropped, and every
  // invalid value is reported at once, not just the first. Headers stay open (HTTP carries many the API does not
  // define); what the server answers is encoded with the schemas' defaults.
  .annotate(HttpApi.PayloadParseOptions, { errors: "all", onExcessProperty: "error" })
  .annotate(HttpApi.QueryParseOptions, { errors: "all", onExcessProperty: "error" })
  .annotate(HttpApi.ParamsParseOptions, { errors: "all" })
  .annotateMerge(
    OpenApi.annotations({
      title: "assure",
      description: "An Assure-compatible identity verification API: dossiers, processes, providers, normalised results."
    })
  ) {}
