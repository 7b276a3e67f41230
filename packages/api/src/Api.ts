/**
 * The Assure-compatible API, defined once: the server (`@assure/server`) implements it, `/openapi.json` and `/docs` are
 * generated from it, and TypeScript clients get a typed client from it (`AssureClient.make`, or
 * `HttpApiClient.make(AssureApi, …)` directly). The request and response bodies the `@assure/core` domain does not
 * already describe (a page of dossiers, a matching report, a token, …) are exported here with their types.
 *
 * Paths follow the Assure API (`/assure/dossiers/...`); where Signicat's documentation does not show a path, the
 * server's README lists the one chosen under "Compatibility with the Assure API". What the reference says about each
 * operation — summary, description, examples, what its errors mean — is written next to it (`internal/Reference.ts`).
 */
import { Dossier, FileInfo, IdentityData, Process, ProcessStatus, Review, RoutingPolicy, Timestamp } from "@assure/core"
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import * as Examples from "./internal/Examples.js"
import * as Reference from "./internal/Reference.js"
import {
  Conflict,
  Forbidden,
  IdempotencyKeyReused,
  InternalError,
  InvalidRequest,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  ProviderFailed,
  ProviderUnavailable,
  RequestTimeout,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType
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
}).pipe(
  Schema.annotate({
    identifier: "FileUpload",
    description:
      "Files by kind, as data URLs: the front and back of the document, a selfie, a video. JPEG, PNG, WebP or HEIC images up to 10 MB; MP4, QuickTime or WebM videos up to 100 MB"
  })
)

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

/** The body of `POST /assure/dossiers`. */
export const CreateDossier = Schema.Struct({
  externalReference: Schema.optionalKey(Dossier.ExternalReference),
  userData: Schema.optionalKey(IdentityData.IdentityData)
}).pipe(
  Schema.annotate({
    identifier: "CreateDossier",
    description: "A new dossier: your own reference for it and the identity data you have, both optional"
  })
)

/** A page of dossiers, as `GET /assure/dossiers` answers it. */
export const DossierPage = Schema.Struct({
  dossiers: Schema.Array(Dossier.Dossier),
  nextCursor: Schema.optionalKey(
    Schema.String.annotate({ description: "Where the next page starts: pass it as `cursor`. Absent on the last page" })
  )
}).pipe(Schema.annotate({ identifier: "DossierPage", description: "A page of dossiers, without their userData" }))

/** The body of `POST /assure/dossiers/{dossierId}/processes`. */
export const CreateProcess = Schema.Struct({
  provider: Schema.String.annotate({
    description:
      'The provider that verifies: one the server runs, `sandbox` say, or `"auto"` to let your routing policy choose (an assure extension)'
  }),
  processType: Schema.String.annotate({
    description: "What the provider checks; the sandbox runs `document`, `documentSelfie` and `eid`"
  }),
  processParameters: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Unknown).annotate({
      description:
        'The provider\'s own parameters, under its name (`{"sandbox": {"scenario": "rejected"}}`), checked against its schema'
    })
  ),
  notificationUrl: Schema.optionalKey(
    Schema.String.annotate({
      description:
        "Where to POST `{dossierId, processId, status}` when the process ends: an https URL on a public address, without credentials"
    })
  ),
  authorizationHeader: Schema.optionalKey(
    Schema.String.annotate({
      description:
        "Sent as `Authorization` with that notification: 1–4096 printable ASCII characters. Stored encrypted, never shown again"
    })
  )
}).pipe(
  Schema.annotate({
    identifier: "CreateProcess",
    description: "A verification of the dossier's end-user by a provider"
  })
)

/** One provider of a capture, and the process type it runs. */
export const CaptureProvider = Schema.Struct({
  provider: Schema.String.annotate({
    description: "A provider the server runs, `sandbox` say, or `auto` to let the client's routing policy choose"
  }),
  processType: Schema.String.annotate({
    description:
      "What it checks: one the end-user takes part in, by photos (the sandbox's `document`, `documentSelfie`) or on the provider's own page (Veriff's `documentSelfie`, an `eid`)"
  })
}).pipe(Schema.annotate({ identifier: "CaptureProvider", description: "A provider to run, and its process type" }))

/** The body of `POST /assure/dossiers/{dossierId}/capture`. */
export const StartCapture = Schema.Struct({
  providers: Schema.Array(CaptureProvider).annotate({
    description:
      "The providers to run: 1 to 5, each a process. Those taking photos run together on the photos the page takes; each with its own page is a choice of its own, and the end-user picks one way"
  }),
  redirectUrl: Schema.String.annotate({
    description:
      "Where the end-user goes when the capture is submitted, with `dossierId`, `processId` and `status` added to the query (only `dossierId` with several providers): an http or https URL"
  }),
  notificationUrl: Schema.optionalKey(
    Schema.String.annotate({
      description:
        "Given to each process the capture creates: where to POST `{dossierId, processId, status}` when it ends. An https URL on a public address, without credentials"
    })
  ),
  sdk: Schema.optionalKey(
    Schema.String.annotate({ description: "Accepted as the Assure API has it, and ignored: the page is assure's own" })
  ),
  captureParameters: Schema.optionalKey(
    Schema.Struct({ uiProfile: Schema.optionalKey(Schema.String) }).annotate({
      description: "Accepted as the Assure API has it (`uiProfile`), and ignored in this version"
    })
  )
}).pipe(
  Schema.annotate({
    identifier: "StartCapture",
    description: "A hosted capture page for the dossier's end-user, and what runs when they submit it"
  })
)

/** What `POST /assure/dossiers/{dossierId}/capture` answers. */
export const CaptureStarted = Schema.Struct({
  captureUrl: Schema.String.annotate({
    description:
      "The capture page: send the end-user there. The link is its own credential — give it to that end-user only"
  }),
  expiresAt: Timestamp.Timestamp.annotate({
    description: "When the link stops working, unless it was submitted before"
  })
}).pipe(Schema.annotate({ identifier: "CaptureStarted", description: "A capture page and when its link expires" }))

/** A client's routing policy in force, as `GET /assure/routing/policy` answers it. */
export const RoutingPolicyInForce = Schema.Struct({
  policy: RoutingPolicy.Policy,
  source: Schema.Literals(["tenant", "default"]).annotate({
    description: "`tenant`: your own policy; `default`: the server's, which applies while you have none"
  }),
  updatedAt: Schema.optionalKey(Timestamp.Timestamp.annotate({ description: "When your own policy was last written" }))
}).pipe(Schema.annotate({ identifier: "RoutingPolicyInForce", description: "The routing policy that applies to you" }))

/** A provider's circuit for this client, as `GET /assure/routing/circuits` lists it. */
export const Circuit = Schema.Struct({
  provider: Schema.String,
  state: Schema.Literals(["closed", "open", "halfOpen"]).annotate({
    description:
      "`closed`: processes go to the provider; `open`: it kept failing, and routing skips it; `halfOpen`: the next routed process tries it again"
  }),
  calls: Schema.Int.annotate({ description: "Calls counted in the current window (0 unless closed)" }),
  failures: Schema.Int.annotate({ description: "Of them, those that failed through the provider's fault" }),
  failureRate: Schema.Number,
  since: Schema.optionalKey(Timestamp.Timestamp.annotate({ description: "When the circuit entered its state" })),
  nextHalfOpenAt: Schema.optionalKey(
    Timestamp.Timestamp.annotate({ description: "When an open circuit lets a trial process through" })
  )
}).pipe(Schema.annotate({ identifier: "Circuit", description: "A provider's circuit breaker, for this client" }))

/** The body of `POST …/processes/{processId}/verify`. */
export const RequestVerification = Schema.Struct({
  /** Where to send the end-user when a redirect flow ends: `?dossierId=…&processId=…&status=…` is appended. */
  redirectUrl: Schema.optionalKey(
    Schema.String.annotate({
      description:
        "For redirect flows: where the end-user goes when they come back, with `dossierId`, `processId` and `status` added to the query"
    })
  )
}).pipe(
  Schema.annotate({
    identifier: "RequestVerification",
    description: "What the verification needs besides the process: `{}` when nothing"
  })
)

/** How one field of the identity data compares with the result. */
export const FieldMatch = Schema.Literals(["match", "partial", "mismatch", "missing"])
/** The identity data compared with an accepted process's result, as `GET …/processes/{processId}/matching` answers it. */
export const MatchingReport = Schema.Struct({
  result: Schema.Literals(["match", "partial", "mismatch"]).annotate({
    description: "`match` when every field matches, `mismatch` when one does not or is missing, `partial` otherwise"
  }),
  fields: Schema.Record(Schema.String, FieldMatch).annotate({
    description: "Each field of the dossier's userData and how the result's compares"
  })
}).pipe(Schema.annotate({ identifier: "MatchingReport", description: "The userData compared with the finalResult" }))

/** The identity documents a provider accepts, as `GET /assure/{provider}/document-types` answers them. */
export const DocumentTypes = Schema.Struct({
  provider: Schema.String,
  documentTypes: Schema.Array(
    Schema.Struct({ documentType: Schema.String, countries: Schema.optional(Schema.Array(Schema.String)) })
  )
}).pipe(Schema.annotate({ identifier: "DocumentTypes", description: "The identity documents a provider accepts" }))

/** One adapter the server loaded (`GET /assure/providers`). */
export const LoadedProvider = Schema.Struct({
  name: Schema.String.annotate({ description: "The provider's name, as processes and webhooks name it" }),
  source: Schema.Union([
    Schema.Struct({ package: Schema.String, version: Schema.String }),
    Schema.Struct({ path: Schema.String })
  ]).annotate({ description: "Where the adapter came from: an installed package and its version, or a module path" }),
  specificationVersion: Schema.String.annotate({ description: "The provider specification it implements" }),
  capabilities: Schema.Struct({
    documentImages: Schema.Boolean,
    selfie: Schema.Boolean,
    video: Schema.Boolean,
    chipData: Schema.Boolean,
    redirect: Schema.Boolean,
    hostedFlow: Schema.Boolean,
    webhooks: Schema.Boolean,
    polling: Schema.Boolean,
    cancel: Schema.Boolean,
    endUserCancel: Schema.Boolean
  }).annotate({ description: "What it can do (the provider specification's capabilities)" })
}).pipe(Schema.annotate({ identifier: "LoadedProvider", description: "An adapter the server runs" }))

/** A notification sent, or being sent, to the client, as `GET /assure/notifications` lists them. */
export const Notification = Schema.Struct({
  id: Schema.String,
  kind: Schema.Literals(["callback", "event"]).annotate({
    description: "`callback`: to the process's notificationUrl; `event`: a signed process.complete to the subscription"
  }),
  dossierId: Schema.String,
  processId: Schema.String,
  url: Schema.String,
  status: Schema.Literals(["pending", "delivered", "failed"]),
  attempts: Schema.Number,
  lastError: Schema.optional(
    Schema.String.annotate({ description: "Why the last attempt failed, in words that say nothing of the network" })
  ),
  createdAt: Schema.String,
  deliveredAt: Schema.optional(Schema.String)
}).pipe(
  Schema.annotate({ identifier: "Notification", description: "A notification sent, or being sent, to the client" })
)

/** An access token, as the token endpoint answers it. */
export const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.Literal("Bearer"),
  expires_in: Schema.Number.annotate({ description: "Seconds the token is valid" }),
  scope: Schema.String
}).pipe(Schema.annotate({ identifier: "TokenResponse", description: "An access token" }))

/** The token endpoint's form: client credentials, sent with HTTP Basic or as form fields (`client_secret_post`). */
export const TokenRequest = Schema.Struct({
  grant_type: Schema.String.annotate({ description: "`client_credentials`" }),
  scope: Schema.optionalKey(Schema.String.annotate({ description: "`signicat-api`, or nothing" })),
  client_id: Schema.optionalKey(Schema.String.annotate({ description: "With `client_secret_post`, instead of Basic" })),
  client_secret: Schema.optionalKey(Schema.String.annotate({ description: "With `client_secret_post`" }))
}).pipe(HttpApiSchema.asFormUrlEncoded())

/** The body of `dossiers.startCapture`. */
export type StartCapture = typeof StartCapture.Type
/** What `dossiers.startCapture` answers. */
export type CaptureStarted = typeof CaptureStarted.Type
/** A page of dossiers, as `dossiers.list` answers it. */
export type DossierPage = typeof DossierPage.Type
/** The body of `dossiers.create`. */
export type CreateDossier = typeof CreateDossier.Type
/** The body of `processes.create`. */
export type CreateProcess = typeof CreateProcess.Type
/** The body of `processes.verify`. */
export type RequestVerification = typeof RequestVerification.Type
/** How one field compares: `match`, `partial`, `mismatch` or `missing`. */
export type FieldMatch = typeof FieldMatch.Type
/** What `processes.match` answers. */
export type MatchingReport = typeof MatchingReport.Type
/** What `account.documentTypes` answers. */
export type DocumentTypes = typeof DocumentTypes.Type
/** One notification, as `account.notifications` lists them. */
export type Notification = typeof Notification.Type
/** What `auth.token` answers. */
export type TokenResponse = typeof TokenResponse.Type
/** Files to upload as data URLs, the body of `dossiers.uploadFiles` and `processes.uploadFiles`. */
export type FileUpload = typeof FileUpload.Type

const dossierId = Schema.String.annotate({ description: "The dossier's id, as `POST /assure/dossiers` answered it" })
const processId = Schema.String.annotate({ description: "The process's id" })
const fileId = Schema.String.annotate({ description: "The file's id, from the dossier's or the process's `files`" })
const provider = Schema.String.annotate({ description: "A provider the server runs, `sandbox` say" })
const dossierParams = { dossierId }
const processParams = { dossierId, processId }
// Every authenticated operation may answer with any of these (the reference leaves out those that do not apply).
const clientErrors = [
  InvalidRequest,
  IdempotencyKeyReused,
  NotFound,
  Conflict,
  TooManyRequests,
  ProviderFailed,
  ProviderUnavailable
] as const
// Answered by the server's middleware around every route (ProblemFallback.ts, RequestProblems.ts), never by a
// handler: declared for the reference and for typed clients, which then decode them as problems.
const transportErrors = [MethodNotAllowed, RequestTimeout, InternalError] as const
// ... and around every operation that reads a body.
const bodyErrors = [PayloadTooLarge, UnsupportedMediaType] as const
// JSON with data URLs (as the Assure API documents), or multipart/form-data.
const fileUploadPayload = [FileUpload, FileUploadForm] as const
const readErrors = [...clientErrors, ...transportErrors] as const
const writeErrors = [...clientErrors, ...bodyErrors, ...transportErrors] as const
const ZipArchive = Schema.Uint8Array.pipe(
  HttpApiSchema.asUint8Array({ contentType: "application/zip" }),
  Schema.annotate({ description: "A zip archive" })
)
const Binary = Schema.Uint8Array.pipe(
  HttpApiSchema.asUint8Array({ contentType: "application/octet-stream" }),
  Schema.annotate({ description: "The file's bytes; `Content-Type` is its mediaType" })
)

const uploadDescription = (target: string) =>
  `Stores images of the end-user's document (and a video) on ${target}: \`front\`, \`back\`, \`selfie\`, \`video\`, as data URLs in JSON, as the Assure API has it, or as file parts of \`multipart/form-data\` (\`curl -F front=@front.jpg\`). The type is read from the bytes, not from what the request says: JPEG, PNG, WebP or HEIC images up to 10 MB; MP4, QuickTime or WebM videos up to 100 MB. Every file is checked before any is stored, so a refused upload stores nothing. Answers 201 with what was stored.`

/** Dossiers, their identity data and files. */
export class DossiersGroup extends HttpApiGroup.make("dossiers")
  .add(
    HttpApiEndpoint.post("create", "/", {
      payload: CreateDossier,
      success: Dossier.Dossier.pipe(HttpApiSchema.status(201)),
      error: writeErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Create a dossier",
        success: { 201: "The dossier, created" },
        description:
          "Creates a dossier for one end-user, with your own `externalReference` and the identity data you already have (`userData`), both optional: `{}` is enough. `userData` is checked and normalised as results are (dates `YYYY-MM-DD`, countries ISO 3166-1 alpha-3); it is what the matching operation compares a result with, and for the sandbox provider its `lastName` picks the outcome (`Rejected`, `Inconclusive`, …; anything else is accepted).\n\nAnswers 201 with the dossier: its `dossierId` goes in every path that follows.",
        request: {
          withData: { summary: "With a reference and identity data", value: Examples.newDossierRequest },
          empty: { summary: "Empty", value: {} }
        },
        response: { created: { summary: "A new dossier", value: Examples.newDossier } },
        never: [404, 502, 503]
      })
    ),
    HttpApiEndpoint.get("list", "/", {
      query: {
        limit: Schema.optionalKey(
          Schema.NumberFromString.annotate({ description: "1–100 dossiers a page; 20 by default" })
        ),
        cursor: Schema.optionalKey(Schema.String.annotate({ description: "The `nextCursor` of the previous page" })),
        status: Schema.optionalKey(
          ProcessStatus.ProcessStatus.annotate({ description: "Only dossiers whose newest process has this status" })
        ),
        createdFrom: Schema.optionalKey(
          Timestamp.Timestamp.annotate({ description: "Only dossiers created at or after this instant" })
        ),
        createdBefore: Schema.optionalKey(
          Timestamp.Timestamp.annotate({ description: "Only dossiers created before this instant" })
        )
      },
      success: DossierPage,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "List dossiers",
        success: { 200: "A page of dossiers" },
        description:
          "Lists your dossiers, oldest first, a page at a time, without their `userData`. When there are more, the page has a `nextCursor`: pass it as `cursor` to get the next one. Filter by the status of each dossier's newest process (`status`) and by when it was created (`createdFrom`, inclusive; `createdBefore`, exclusive; `YYYY-MM-DDThh:mm:ssZ`).",
        response: { page: { summary: "A page with more to come", value: Examples.dossierPage } },
        errors: {
          400: "A query parameter is unknown or malformed: `limit` outside 1–100, a `status` that is not a process status, a time not in `YYYY-MM-DDThh:mm:ssZ`, a `cursor` this server did not give. `invalidParams` names it."
        },
        never: [404, 409, 502, 503]
      })
    ),
    HttpApiEndpoint.get("get", "/:dossierId", {
      params: dossierParams,
      success: Dossier.Dossier,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Get a dossier",
        success: { 200: "The dossier" },
        description:
          "Answers the dossier: its `userData`, its files (what they are; the bytes are at `GET /assure/dossiers/{dossierId}/files/{fileId}`) and each of its processes with its status (the whole process, result and all, is at `GET /assure/dossiers/{dossierId}/processes/{processId}`).",
        response: { verified: { summary: "A dossier with an accepted process", value: Examples.verifiedDossier } },
        errors: { 404: "No dossier with this id for this client." },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.delete("delete", "/:dossierId", {
      params: dossierParams,
      success: HttpApiSchema.NoContent,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Delete a dossier",
        description:
          "Deletes the dossier with everything about it — identity data, files, processes and their results — for good, and forgets the responses stored for its `Idempotency-Key`s. Providers are not told: cancel a process still running first. Answers 204.",
        success: { 204: "Deleted" },
        errors: { 404: "No dossier with this id for this client, or it is deleted already." },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.put("setUserData", "/:dossierId/userData", {
      params: dossierParams,
      payload: IdentityData.IdentityData,
      success: IdentityData.IdentityData,
      error: [...readErrors, ...bodyErrors]
    }).annotateMerge(
      Reference.operation({
        summary: "Set the identity data",
        success: { 200: "The identity data, as stored" },
        description:
          "Replaces the dossier's identity data (`userData`) with the body: a field left out is removed, so send them all. Every field is checked — dates are real `YYYY-MM-DD` dates, countries ISO 3166-1 alpha-3 codes — and an unknown or misspelled field is refused: a 400 changes nothing. Answers the identity data as stored.",
        request: { userData: { summary: "Identity data", value: Examples.userData } },
        response: { stored: { summary: "As stored", value: Examples.userData } },
        errors: {
          400: "A field is unknown, misspelled or malformed (`invalidParams` names it: `dateOfBirth`, `nationality`, …). Nothing was changed.",
          404: "No dossier with this id for this client."
        },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.get("getUserData", "/:dossierId/userData", {
      params: dossierParams,
      success: IdentityData.IdentityData,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Get the identity data",
        success: { 200: "The dossier's identity data" },
        description: "Answers the dossier's identity data (`userData`): `{}` when it has none.",
        response: { userData: { summary: "Identity data", value: Examples.userData } },
        errors: { 404: "No dossier with this id for this client." },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.post("uploadFiles", "/:dossierId/files", {
      params: dossierParams,
      payload: fileUploadPayload,
      success: Schema.Array(FileInfo.FileInfo).pipe(HttpApiSchema.status(201)),
      error: writeErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Upload images to a dossier",
        success: { 201: "The files, stored" },
        description: `${uploadDescription("the dossier")}\n\nA process uses the dossier's images unless it has images of its own (\`POST …/processes/{processId}/files\`).`,
        request: { front: { summary: "The front of the document", value: { front: Examples.frontDataUrl } } },
        response: { stored: { summary: "The stored file", value: [Examples.frontFile] } },
        errors: {
          400: "A file is not of a type its kind accepts, is empty, or the body has a field other than `front`, `back`, `selfie` and `video`; `invalidParams` names it. Nothing was stored.",
          404: "No dossier with this id for this client."
        },
        never: [502, 503]
      })
    ),
    HttpApiEndpoint.get("getFile", "/:dossierId/files/:fileId", {
      params: { ...dossierParams, fileId },
      success: Binary,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Download a dossier file",
        description: "Answers the file's bytes, with its `mediaType` as `Content-Type`.",
        success: { 200: "The file's bytes" },
        errors: { 404: "No dossier with this id for this client, or no file with this id in it." },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.post("startCapture", "/:dossierId/capture", {
      params: dossierParams,
      payload: StartCapture,
      success: CaptureStarted.pipe(HttpApiSchema.status(201)),
      error: writeErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Start a capture flow",
        success: { 201: "The capture page's URL and when it expires" },
        description:
          "Makes a hosted capture page for the dossier's end-user, as the Assure API's Start capture flow: send them to `captureUrl`. There they agree to the consent text and — choosing when there are several ways — either take photos of their document (front, the back of a two-sided one, a selfie where asked) with the camera or by upload, and submit, or go on to a provider's own page (a hosted flow, an eID) and back; the server creates and starts the processes of the way chosen, and the end-user lands on `redirectUrl` with `dossierId`, `processId` and `status` added (only `dossierId` with several providers). Read the processes, or be notified at `notificationUrl`, for the results.\n\nThe link is the end-user's only credential — no API token reaches the browser. It survives reloads, stops working once submitted, and expires after 30 minutes (`ASSURE_CAPTURE_LIFETIME`). Only its hash is stored. Everything is checked before anything is stored. `sdk` and `captureParameters` are accepted as the Assure API has them, and ignored.",
        request: {
          document: {
            summary: "A document check by the sandbox",
            value: {
              providers: [{ provider: "sandbox", processType: "document" }],
              redirectUrl: "https://client.example/verified"
            }
          },
          notified: {
            summary: "A document and a selfie, told when it ends",
            value: {
              providers: [{ provider: "sandbox", processType: "documentSelfie" }],
              redirectUrl: "https://client.example/verified",
              notificationUrl: "https://client.example/assure/callbacks"
            }
          }
        },
        response: { created: { summary: "A capture page", value: Examples.captureStarted } },
        errors: {
          400: "A field is unknown or malformed, the server does not run a provider, a provider does not run its `processType`, `providers` is empty or names more than 5, `redirectUrl` is not an http or https URL, or the `notificationUrl` is refused; `invalidParams` says which. Nothing was stored.",
          404: "No dossier with this id for this client."
        },
        problems: { 400: "The process type is not supported" },
        never: [502, 503]
      })
    )
  )
  .middleware(Authorization)
  .prefix("/assure/dossiers")
  .annotateMerge(
    OpenApi.annotations({
      title: "Dossiers",
      description:
        "A dossier holds what is known about one end-user: your `externalReference`, the identity data you have (`userData`), images of their identity document, and the processes that verified them. Each client sees only the dossiers it created; deleting a dossier deletes everything about it."
    })
  ) {}

/** Processes: verification by one provider. */
export class ProcessesGroup extends HttpApiGroup.make("processes")
  .add(
    HttpApiEndpoint.post("create", "/", {
      params: dossierParams,
      payload: CreateProcess,
      success: Process.Process.pipe(HttpApiSchema.status(201)),
      error: writeErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Create a process",
        success: { 201: "The process, `pending`" },
        description:
          "Creates a process: a verification of the dossier's end-user by one `provider`, of one `processType`, with the provider's own `processParameters` under its name. Everything is checked before anything is stored — the server runs the provider, the provider runs the process type, the parameters fit its schema, the `notificationUrl` is an https URL on a public address without credentials — and nothing is sent to the provider yet. Answers 201 with the process, `pending`.\n\nWith `provider: \"auto\"` (an assure extension) your routing policy (`GET /assure/routing/policy`) chooses the provider by the process type and the dossier's `userData` (nationality, issuing country, document type), skipping providers whose circuit is open; give `processParameters` for each provider it may choose. The process records the decision in `routing`. Should its provider stay unavailable, the process fails and a new process on the same dossier takes over with the next fallback (`fallbackTo`, `fallbackOf`); a rejected person never falls back.\n\nNext: give it images of its own if the dossier's are not the ones (`POST …/processes/{processId}/files`), then request verification (`POST …/processes/{processId}/verify`).\n\nWith a `notificationUrl`, the server POSTs `{dossierId, processId, status}` there when the process ends, with `authorizationHeader` as `Authorization`, and retries until it answers 2xx, for up to 3 days (`GET /assure/notifications`).",
        request: {
          document: {
            summary: "A document check by the sandbox",
            value: { provider: "sandbox", processType: "document" }
          },
          routed: {
            summary: "Routed by your policy, with parameters for each provider it may choose",
            value: {
              provider: "auto",
              processType: "document",
              processParameters: { sandbox: { scenario: "accepted" }, veriff: {} }
            }
          },
          scenario: {
            summary: "A sandbox outcome chosen by parameter",
            value: {
              provider: "sandbox",
              processType: "document",
              processParameters: { sandbox: { scenario: "rejected" } }
            }
          },
          notified: {
            summary: "Told when it ends",
            value: {
              provider: "sandbox",
              processType: "document",
              notificationUrl: "https://client.example/assure/callbacks",
              authorizationHeader: "Bearer 6f1c0a7e2b9d4c58"
            }
          }
        },
        response: {
          created: { summary: "A new process", value: Examples.pendingProcess },
          routed: { summary: 'Routed, with `provider: "auto"`', value: Examples.routedProcess }
        },
        errors: {
          400: 'The server does not run the provider, the provider does not run the `processType`, the `processParameters` do not fit its schema, or the `notificationUrl` or `authorizationHeader` is refused; with `provider: "auto"`, no routing policy applies or none of its rules matches. `invalidParams` says which and why. Nothing was stored.',
          404: "No dossier with this id for this client.",
          503: 'With `provider: "auto"`: every provider of the matching rule is skipped for now (their circuits are open); `detail` says why each was. Nothing was stored.'
        },
        problems: { 400: "The process type is not supported" },
        never: [502]
      })
    ),
    HttpApiEndpoint.get("get", "/:processId", {
      params: processParams,
      success: Process.Process,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Get a process",
        success: { 200: "The process" },
        description:
          "Answers the process: its `status` and, once it is final, its outcome. `accepted` carries `finalResult`, the identity data the provider read, normalised (dates `YYYY-MM-DD`, countries ISO 3166-1 alpha-3); the provider's own data is in `providerSpecific`; files the provider returned, such as the `portrait`, are in `files`.\n\nStatuses: `pending` (created), `processing` (the provider is at work), then one final status — `accepted`, `rejected`, `inconclusive`, `failed` or `canceled` — that nothing changes any more. The server waits for the result itself (by webhook, or asking the provider), so a client only reads the process again, every few seconds, or not at all with a `notificationUrl`. A process without a result 24 hours after verification was requested ends `failed`.",
        response: {
          accepted: { summary: "Accepted, with the normalised result", value: Examples.acceptedProcess },
          processing: { summary: "Still with the provider", value: Examples.processingProcess }
        },
        errors: { 404: "No dossier with this id for this client, or no process with this id in it." },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.delete("delete", "/:processId", {
      params: processParams,
      success: HttpApiSchema.NoContent,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Delete a process",
        description:
          "Deletes the process with its files and result; the dossier and its other processes stay. The provider is not told: cancel a process still running first. Answers 204.",
        success: { 204: "Deleted" },
        errors: { 404: "No dossier with this id for this client, or no process with this id in it." },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.post("uploadFiles", "/:processId/files", {
      params: processParams,
      payload: fileUploadPayload,
      success: Schema.Array(FileInfo.FileInfo).pipe(HttpApiSchema.status(201)),
      error: writeErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Upload images to a process",
        success: { 201: "The files, stored" },
        description: `${uploadDescription("this process only")}\n\nImages can be added until verification is requested; the provider then gets the process's images, or the dossier's when the process has none.`,
        request: { front: { summary: "The front of the document", value: { front: Examples.frontDataUrl } } },
        response: { stored: { summary: "The stored file", value: [Examples.frontFile] } },
        errors: {
          400: "A file is not of a type its kind accepts, is empty, or the body has a field other than `front`, `back`, `selfie` and `video`; `invalidParams` names it. Nothing was stored.",
          404: "No dossier with this id for this client, or no process with this id in it.",
          409: "Verification was already requested, so the process's images can no longer change (`code: conflict`); or a request with the same `Idempotency-Key` is still in flight (`code: idempotency_key_in_use`, with `Retry-After`)."
        },
        problems: { 409: "Files can only be added before verification is requested" },
        never: [502, 503]
      })
    ),
    HttpApiEndpoint.get("getFile", "/:processId/files/:fileId", {
      params: { ...processParams, fileId },
      success: Binary,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Download a process file",
        description:
          "Answers a file of the process — one uploaded to it, or one its provider returned, such as the `portrait` cut from the document — with its `mediaType` as `Content-Type`.",
        success: { 200: "The file's bytes" },
        errors: { 404: "No dossier with this id for this client, no process with this id in it, or no such file." },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.get("fullResult", "/:processId/full-result", {
      params: processParams,
      success: ZipArchive,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Download the full result",
        description:
          "Answers a finished process's full result as one zip archive (`Content-Disposition: attachment`), as Assure's \"Download full result\": `process.json` (the process as `GET` answers it), `result.json` (the normalised `finalResult`, when accepted), `provider-result.json` (the provider's own result as stored), `matching.json` (the dossier's `userData` matched against the result, when both exist), `history.json` (what happened to the process, in time order: created, provider events, its end, the process it replaced or that replaced it, notifications), and the images and video it was verified with (`front.jpg`, `back.jpg`, `selfie.jpg`, `video.mp4`, …) with the provider's `portrait`. Streamed as it is written; never cached (`Cache-Control: no-store`).",
        success: { 200: "The zip archive" },
        errors: {
          404: "No dossier with this id for this client, or no process with this id in it.",
          409: "The process has not finished yet: only a final status has a full result."
        },
        problems: { 409: "Only a finished process has a full result: this one is processing" },
        never: [502, 503]
      })
    ),
    HttpApiEndpoint.post("verify", "/:processId/verify", {
      params: processParams,
      payload: RequestVerification,
      success: Process.Process,
      error: writeErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Request verification",
        success: { 200: "The process: `processing`, or `pending` with the `redirectUrl` to send the end-user to" },
        description:
          "Hands the process to its provider, with the process's images (or the dossier's), the dossier's `userData` and the process's parameters, and answers the process: `processing` while the provider works — read it again, or be notified, for the result. The body is a JSON object: `{}` when there is nothing to add.\n\nA redirect flow (an eID, a vendor's hosted page) answers with `redirectUrl`: send the end-user there. When they come back, the server ends the process and sends them on to the `redirectUrl` of this request, with `dossierId`, `processId` and `status` added to its query; without one, they see a short page saying how it ended.\n\nVerification is requested once per process: another request answers 409. When the provider cannot be reached (503), nothing was started and the request can be repeated.",
        request: {
          none: { summary: "Nothing to add", value: {} },
          redirect: {
            summary: "A redirect flow, and where the end-user goes after",
            value: { redirectUrl: "https://client.example/verified" }
          }
        },
        response: {
          processing: { summary: "With the provider", value: Examples.processingProcess },
          redirect: { summary: "Send the end-user to redirectUrl", value: Examples.redirectProcess }
        },
        errors: {
          400: "The body is not a JSON object of the fields above (send `{}` for none), `redirectUrl` is not an http or https URL, or the provider refused what it was given (an image missing for this process type, say); `invalidParams` says what.",
          404: "No dossier with this id for this client, or no process with this id in it.",
          409: "Verification was already requested for this process (`code: conflict`); or a request with the same `Idempotency-Key` is still in flight (`code: idempotency_key_in_use`, with `Retry-After`)."
        },
        problems: {
          409: "Verification was already requested for this process",
          503: { detail: "sandbox: RateLimited — retry after 2s — sandbox: simulated rate limit", code: "RateLimited" }
        }
      })
    ),
    HttpApiEndpoint.post("cancel", "/:processId/cancel", {
      params: processParams,
      success: Process.Process,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Cancel a process",
        success: { 200: "The process: `canceled`, or as it had ended" },
        description:
          "Ends a process that has not ended: its provider is told, where it can be, and the process becomes `canceled`. A process already final is answered as it is, so a cancel is safe to repeat. Takes no body.",
        response: { canceled: { summary: "Canceled", value: Examples.canceledProcess } },
        errors: { 404: "No dossier with this id for this client, or no process with this id in it." }
      })
    ),
    HttpApiEndpoint.get("match", "/:processId/matching", {
      params: processParams,
      success: MatchingReport,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Match the result with the identity data",
        success: { 200: "How each field of the identity data compares" },
        description:
          "Compares the dossier's `userData` with the accepted process's `finalResult`, field by field, as the Assure matching service does: text upper-cased and without diacritics, dates as `YYYYMMDD`; a field matches exactly, or partially when it is more than 90 % similar (or one word of a name of several matches). Each field of `userData` is `match`, `partial`, `mismatch`, or `missing` from the result.",
        response: { match: { summary: "Everything matches", value: Examples.matchingReport } },
        errors: {
          404: "No dossier with this id for this client, or no process with this id in it.",
          409: "The process is not `accepted` (only an accepted process has a result), or the dossier has no `userData` to compare."
        },
        problems: { 409: "Only an accepted process has a result to match" },
        never: [502, 503]
      })
    )
  )
  .middleware(Authorization)
  .prefix("/assure/dossiers/:dossierId/processes")
  .annotateMerge(
    OpenApi.annotations({
      title: "Processes",
      description:
        "A process asks one provider to verify the dossier's end-user. Create it (`pending`), give it images if the dossier's are not the ones, request verification (`processing`; a redirect flow answers a `redirectUrl` for the end-user), then read it until its status is final: `accepted`, with the normalised `finalResult`, or `rejected`, `inconclusive`, `failed` or `canceled`. A final status never changes. Instead of reading, set a `notificationUrl` to be told."
    })
  ) {}

/** What each provider accepts, and the client's notifications. */
export class AccountGroup extends HttpApiGroup.make("account")
  .add(
    HttpApiEndpoint.get("providers", "/assure/providers", {
      success: Schema.Struct({ providers: Schema.Array(LoadedProvider) }),
      error: readErrors
    }).annotateMerge(Reference.operation(Reference.providers)),
    HttpApiEndpoint.get("documentTypes", "/assure/:provider/document-types", {
      params: { provider },
      success: DocumentTypes,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "List a provider's document types",
        success: { 200: "The provider's document types" },
        description:
          "Answers the identity documents the provider accepts and, where it says, from which countries (ISO 3166-1 alpha-3).",
        response: { sandbox: { summary: "The sandbox's", value: Examples.documentTypes } },
        errors: { 404: "The server runs no provider by this name." },
        never: [409]
      })
    ),
    HttpApiEndpoint.get("notifications", "/assure/notifications", {
      query: {
        status: Schema.optionalKey(
          Schema.Literals(["pending", "delivered", "failed"]).annotate({
            description: "Only notifications with this status"
          })
        )
      },
      success: Schema.Array(Notification),
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "List notifications",
        success: { 200: "Your notifications" },
        description:
          "Lists the notifications the server sent you or is sending you: the callbacks to each process's `notificationUrl` (`kind: callback`) and the signed `process.complete` events to your event subscription (`kind: event`). A notification is `pending` while it is being delivered — retried 10 s after a failure, then 20 s, 40 s, … at most an hour apart — `delivered` once your endpoint answered 2xx, and `failed` when it had not 3 days after the process ended; `lastError` says why the last attempt failed, in words that say nothing about your network.",
        response: { delivered: { summary: "One delivered callback", value: [Examples.notification] } },
        never: [404, 409, 502, 503]
      })
    ),
    HttpApiEndpoint.post("redeliver", "/assure/notifications/:notificationId/redeliver", {
      params: { notificationId: Schema.String.annotate({ description: "The notification's id" }) },
      success: Notification,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Redeliver a notification",
        success: { 200: "The notification, queued again or as it is" },
        description:
          "Queues a `failed` notification again, for another 3 days of attempts, and answers it: `pending`, its attempts counted afresh. A notification that has not failed is answered as it is. Takes no body.",
        response: { queued: { summary: "Queued again", value: Examples.redeliveredNotification } },
        errors: { 404: "No notification with this id for this client." },
        never: [502, 503]
      })
    )
  )
  .middleware(Authorization)
  .annotateMerge(
    OpenApi.annotations({
      title: "Account",
      description:
        "What each provider accepts, and the notifications the server sent you: list them, and redeliver one that failed."
    })
  ) {}

/** Provider routing: the client's policy for `provider: "auto"`, and the providers' circuits. */
export class RoutingGroup extends HttpApiGroup.make("routing")
  .add(
    HttpApiEndpoint.get("getPolicy", "/assure/routing/policy", {
      success: RoutingPolicyInForce,
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Read your routing policy",
        success: { 200: "The policy in force" },
        description:
          'Answers the routing policy that chooses the provider of your processes created with `provider: "auto"`: your own if you set one, else the server\'s default (`source`). Rules are tried in order and the first that matches wins; its `provider` is tried, then its `fallbacks`.',
        response: { policy: { summary: "A client's own policy", value: Examples.routingPolicyInForce } },
        errors: { 404: "Neither you nor the server has a routing policy." },
        never: [409, 502, 503]
      })
    ),
    HttpApiEndpoint.put("setPolicy", "/assure/routing/policy", {
      payload: RoutingPolicy.Policy,
      success: RoutingPolicyInForce,
      error: [...writeErrors, Forbidden]
    }).annotateMerge(
      Reference.operation({
        summary: "Set your routing policy",
        success: { 200: "Your policy, stored" },
        description:
          "Replaces your routing policy. It is checked before it is stored: every provider named must be one the server runs, every rule must be reachable (no earlier rule matches everything it does), and every provider of a rule must have the capabilities the rule `requires` and run the process types its `when` names. Needs an administrative client (`ASSURE_ADMIN_CLIENTS`).",
        request: {
          policy: {
            summary: "BankID for NOR and SWE, MitID for DNK, Onfido elsewhere, Veriff if Onfido fails",
            value: Examples.routingPolicy
          }
        },
        response: { stored: { summary: "Stored", value: Examples.routingPolicyInForce } },
        errors: {
          400: "The policy names a provider the server does not run, has a rule that can never match, or asks a provider for a capability or process type it lacks; `invalidParams` names each by its path (`rules.2.fallbacks.0`). Nothing was stored.",
          403: "Your client is not an administrative client."
        },
        never: [404, 409, 502, 503]
      })
    ),
    HttpApiEndpoint.delete("deletePolicy", "/assure/routing/policy", {
      success: HttpApiSchema.NoContent,
      error: [...readErrors, Forbidden]
    }).annotateMerge(
      Reference.operation({
        summary: "Delete your routing policy",
        success: { 204: "Deleted: the server's default applies again" },
        description:
          "Deletes your own routing policy, so that the server's default applies again. Needs an administrative client.",
        errors: { 403: "Your client is not an administrative client." },
        never: [404, 409, 502, 503]
      })
    ),
    HttpApiEndpoint.get("circuits", "/assure/routing/circuits", {
      success: Schema.Struct({ circuits: Schema.Array(Circuit) }),
      error: readErrors
    }).annotateMerge(
      Reference.operation({
        summary: "List your providers' circuits",
        success: { 200: "Every circuit that counted a call" },
        description:
          "Answers the circuit breaker of each provider your processes called. A circuit opens when too many calls in its window failed through the provider's fault (it was unavailable or rate-limited; a rejected person is a successful call), and routing then skips the provider for your new processes; after a delay it lets one process through to try again. Each client has circuits of its own.",
        response: { open: { summary: "Onfido is down", value: Examples.circuits } },
        never: [404, 409, 502, 503]
      })
    )
  )
  .middleware(Authorization)
  .annotateMerge(
    OpenApi.annotations({
      title: "Routing",
      description:
        'An assure extension: a process created with `provider: "auto"` gets its provider from your routing policy — by process type, the dossier\'s nationality, issuing country and document type — and, should that provider fail (it stays unavailable, not when the person is rejected), a new process on the same dossier with the next fallback, linked by `fallbackOf` and `fallbackTo`. Every decision is recorded on the process (`routing`).'
    })
  ) {}

/** An entry of the audit trail, as `GET /assure/audit` answers it: ids, decisions and reason codes. */
export const AuditEntry = Schema.Struct({
  id: Schema.String,
  at: Timestamp.Timestamp,
  actor: Review.Reviewer,
  action: Schema.Literals(["viewed", "claimed", "released", "decided", "signedIn", "signedOut", "signInRefused"]),
  dossierId: Schema.optionalKey(Schema.String),
  processId: Schema.optionalKey(Schema.String),
  detail: Schema.optionalKey(Schema.Record(Schema.String, Schema.Json))
}).pipe(
  Schema.annotate({
    identifier: "AuditEntry",
    description: "Who viewed, claimed, released or decided what, and when: ids, decisions and reason codes only"
  })
)

/** Reviews (an assure extension): the audit trail of reviewers' work, for administrative clients. */
export class ReviewGroup extends HttpApiGroup.make("review")
  .add(
    HttpApiEndpoint.get("audit", "/assure/audit", {
      query: {
        processId: Schema.optionalKey(
          Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128)).annotate({
            description: "Only entries about this process"
          })
        ),
        since: Schema.optionalKey(
          Timestamp.Timestamp.annotate({ description: "Only entries at or after this instant" })
        ),
        limit: Schema.optionalKey(
          Schema.NumberFromString.check(
            Schema.isInt(),
            Schema.isGreaterThanOrEqualTo(1),
            Schema.isLessThanOrEqualTo(1000)
          ).annotate({ description: "1–1000 entries, the newest first; 100 by default" })
        )
      },
      success: Schema.Struct({ entries: Schema.Array(AuditEntry) }),
      error: [...readErrors, Forbidden]
    }).annotateMerge(
      Reference.operation({
        summary: "Read the audit trail",
        success: { 200: "Your audit entries, the newest first" },
        description:
          "Answers who viewed, claimed, released and decided which of your processes, and when — reviewers' work in the review console — the newest first. Entries hold ids, the decision and a rejection's reason code, never the reviewer's note or other personal data, and are kept for `ASSURE_AUDIT_RETENTION` (400 days by default) even after the dossier they name is deleted. Needs an administrative client (`ASSURE_ADMIN_CLIENTS`).",
        errors: {
          400: "A query parameter is unknown or malformed: `limit` outside 1–1000, `since` not in `YYYY-MM-DDThh:mm:ssZ`. `invalidParams` names it.",
          403: "Your client is not an administrative client."
        },
        response: { trail: { summary: "A claim and the decision that followed", value: Examples.auditEntries } },
        never: [404, 409, 502, 503]
      })
    )
  )
  .middleware(Authorization)
  .annotateMerge(
    OpenApi.annotations({
      title: "Review",
      description:
        "An assure extension: a reviewer's decision on a process — `approved`, `rejected` with a reason code, or `retakeRequested` with a new capture link — is a `review` on the process, beside its provider's `status`, which never changes. The client is notified of it like a process change (a callback with the `review`, and a signed `process.reviewed` event). The audit trail says who did what."
    })
  ) {}

/** What identity providers and end-users call: webhooks and redirect returns. No bearer token: providers sign. */
export class ProvidersGroup extends HttpApiGroup.make("providers")
  .add(
    HttpApiEndpoint.post("webhook", "/webhooks/:provider", {
      params: { provider },
      success: HttpApiSchema.NoContent,
      error: [InvalidRequest, Unauthorized, NotFound, Conflict, PayloadTooLarge, ...transportErrors]
    }).annotateMerge(
      Reference.operation({
        summary: "Receive a provider's webhook",
        description:
          "Where an identity provider sends its events: configure the provider's webhooks to `<public URL>/webhooks/<provider>`. The signature is checked on the raw bytes, with the provider's scheme and secrets, before anything is read; the event then ends the process it is about, unless it was received before or the process has ended. Answers 204 when the event is taken. For identity providers, not API clients: no bearer token.",
        errors: {
          400: "The provider found the event malformed.",
          401: "The signature is missing or not valid (`code: webhook_signature_invalid`).",
          404: "The server runs no provider by this name, or the event's process was deleted."
        },
        success: { 204: "The event was taken (or had been before)" },
        problems: { 401: { detail: "The webhook signature is not valid", code: "webhook_signature_invalid" } },
        never: [409]
      })
    ),
    HttpApiEndpoint.get("callback", "/callbacks/:provider", {
      params: { provider },
      // Back to the client's `redirectUrl` when the process has one; otherwise a short page for the end-user.
      success: [
        HttpApiSchema.Empty(302),
        Schema.String.pipe(
          HttpApiSchema.asText(),
          Schema.annotate({ description: "The verification's outcome, for an end-user with nowhere to return to" })
        )
      ],
      error: [InvalidRequest, NotFound, Conflict, ProviderFailed, ProviderUnavailable, ...transportErrors]
    }).annotateMerge(
      Reference.operation({
        summary: "Return from a redirect flow",
        description:
          "Where the end-user's browser comes back from an eID broker or a vendor's hosted page (the provider was given this address). The server ends the process with what the provider sends back — an eID broker's `code` and `state` — or asks the provider for the result, then sends the end-user on with a 302 to the `redirectUrl` the client gave when it requested verification, with `dossierId`, `processId` and `status` added to its query. Without one, it answers a short page saying how the verification ended. For end-users' browsers, not API clients.",
        success: { 200: "A page saying how the verification ended", 302: "Back to the client's `redirectUrl`" },
        response: {
          ended: {
            summary: "No redirectUrl to go back to",
            value: "The verification ended: accepted. You can close this window."
          }
        },
        errors: {
          404: "No process waits for this return (an unknown `state` or `processId`), or the server runs no provider by this name."
        },
        headers: {
          302: {
            Location: {
              description: "The client's `redirectUrl` with `dossierId`, `processId` and `status` added to its query",
              required: true,
              schema: { type: "string", format: "uri" }
            }
          }
        },
        never: [409]
      })
    )
  )
  .annotateMerge(
    OpenApi.annotations({
      title: "Providers",
      description:
        "What identity providers and end-users' browsers call, not API clients: webhooks, verified by the provider's signature, and the return from a redirect flow. No bearer token."
    })
  ) {}

/** OAuth 2.0 client credentials, at Signicat's path. */
export class AuthGroup extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("token", "/auth/open/connect/token", {
      payload: TokenRequest,
      success: TokenResponse,
      error: [InvalidRequest, Unauthorized, TooManyRequests, ...bodyErrors, ...transportErrors]
    }).annotateMerge(
      Reference.operation({
        summary: "Get an access token",
        success: { 200: "The access token" },
        description:
          "Exchanges your client id and secret for a bearer token (OAuth 2.0 client credentials). Send them with HTTP Basic (`curl -u <id>:<secret>`, `client_secret_basic`) or as the form fields `client_id` and `client_secret` (`client_secret_post`); `grant_type` is `client_credentials`, and `scope`, optional, is `signicat-api` as at Signicat. Send the token as `Authorization: Bearer <token>` with every `/assure` request until it expires (`expires_in` seconds, 600 by default), then ask for a new one.\n\nWrong or malformed credentials answer 401 with `code` and `error` `invalid_client` (RFC 6749 §5.2). Failed attempts are limited per client id and per address: past the limit, 429 with `Retry-After`, before any secret is checked.",
        request: {
          basic: {
            summary: "With HTTP Basic (client_secret_basic)",
            description: "The id and secret go in `Authorization: Basic base64(id:secret)`.",
            value: { grant_type: "client_credentials", scope: "signicat-api" }
          },
          post: {
            summary: "With form fields (client_secret_post)",
            value: { grant_type: "client_credentials", client_id: "dev-client", client_secret: "<your secret>" }
          }
        },
        response: { token: { summary: "A token for 10 minutes", value: Examples.token } },
        errors: {
          400: "`grant_type` is missing or not `client_credentials`, or the form has a field the endpoint does not take.",
          401: "The client credentials are wrong or malformed: `code` and `error` are `invalid_client`. With HTTP Basic the answer has `WWW-Authenticate: Basic`.",
          429: "Too many failed attempts for this client id, or too many attempts from this address: wait `Retry-After` seconds."
        },
        problems: {
          401: { detail: "The client credentials are not valid", code: "invalid_client", error: "invalid_client" },
          429: "Too many failed attempts for this client; retry after 6 s"
        },
        headers: {
          401: {
            "WWW-Authenticate": {
              description: '`Basic realm="assure", charset="UTF-8"` when the client used HTTP Basic',
              required: false,
              schema: { type: "string" }
            }
          }
        }
      })
    )
  )
  .annotateMerge(
    OpenApi.annotations({
      title: "Authentication",
      description:
        "OAuth 2.0 client credentials, at Signicat's path: your client id and secret get a bearer token for the `/assure` operations. Each client is a tenant: it sees only the dossiers it created."
    })
  ) {}

/** Liveness and readiness. */
export class SystemGroup extends HttpApiGroup.make("system", { topLevel: true })
  .add(
    HttpApiEndpoint.get("health", "/health", {
      success: HttpApiSchema.NoContent,
      error: transportErrors
    }).annotateMerge(
      Reference.operation({
        summary: "Liveness",
        description:
          "Answers 204 while the server runs. Checks nothing else: use `/ready` to know whether it can serve.",
        success: { 204: "Running" }
      })
    ),
    HttpApiEndpoint.get("ready", "/ready", {
      success: HttpApiSchema.NoContent,
      error: [ProviderUnavailable, ...transportErrors]
    }).annotateMerge(
      Reference.operation({
        summary: "Readiness",
        description: "Answers 204 when the server can serve requests (its database answers), and 503 when it cannot.",
        success: { 204: "Ready" },
        errors: { 503: "The database is not reachable." },
        problems: { 503: { detail: "The database is not reachable", code: "provider_unavailable", only: true } }
      })
    )
  )
  .annotateMerge(
    OpenApi.annotations({
      title: "System",
      description: "Liveness and readiness, for load balancers and orchestrators. No bearer token."
    })
  ) {}

/** The whole API. */
export class AssureApi extends HttpApi.make("assure")
  .add(AuthGroup)
  .add(DossiersGroup)
  .add(ProcessesGroup)
  .add(AccountGroup)
  .add(RoutingGroup)
  .add(ReviewGroup)
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
      description: Reference.overview,
      transform: Reference.document
    })
  ) {}
