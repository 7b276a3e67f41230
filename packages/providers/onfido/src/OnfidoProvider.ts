/**
 * The Onfido provider: the provider specification implemented over the {@link OnfidoClient.OnfidoClient}, for two
 * ways of using Onfido.
 *
 * - **Classic API** (`document`, `documentSelfie`): `start` creates an applicant from the client's identity data,
 *   uploads the document images (`POST /documents`, multipart) and, for `documentSelfie`, the selfie
 *   (`POST /live_photos`), then creates a check with the `document` report (and `facial_similarity_photo`). The
 *   check id is the reference.
 * - **Studio** (`workflow`): `start` creates an applicant and a workflow run of the configured workflow, and returns
 *   its hosted link as the `redirectUrl` (the SDK token as the `clientToken`). The workflow run id is the reference.
 *
 * `fetchResult` reads the check and its reports (or the workflow run, and the reports of the applicant's latest
 * check), maps Onfido's statuses and results (the tables below), and normalises the document report's extracted data
 * with `@assure/core`'s codecs. Webhooks are verified on the raw body with the `X-SHA2-Signature` scheme. It
 * classifies every failure and never retries: the engine does, guided by `isRetryable`.
 *
 * | check `status` | `result` | reports | process status |
 * |---|---|---|---|
 * | `awaiting_applicant` | — | — | `pending` |
 * | `in_progress`, `paused`, `reopened` | — | — | `processing` |
 * | `withdrawn` | — | — | `canceled` |
 * | `complete` | `clear` | — | `accepted` |
 * | `complete` | `consider` | a document report with `sub_result` `rejected` or `suspected`, or a facial similarity report whose `face_comparison` or `visual_authenticity` is `consider` | `rejected` |
 * | `complete` | `consider` | otherwise (`caution`, `unidentified`, image quality, a watchlist hit, …) | `inconclusive` |
 *
 * | workflow run `status` | process status |
 * |---|---|
 * | `awaiting_input` | `pending` |
 * | `processing`, `awaiting_client_input` | `processing` |
 * | `approved` | `accepted` |
 * | `declined` | `rejected` |
 * | `review` | `inconclusive` |
 * | `abandoned` | `canceled` |
 * | `error` | `failed` |
 *
 * @example
 * ```ts
 * import { OnfidoProvider } from "@assure/onfido"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Providers = OnfidoProvider.layer({
 *   apiToken: Redacted.make("api_live_…"),
 *   region: "eu",
 *   webhookSecrets: [Redacted.make("<the webhook's token>")]
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
  Sex,
  Timestamp
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
import { Config, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { HttpClient } from "effect/http"
import { documentTypes } from "./internal/documentTypes.js"
import * as OnfidoClient from "./OnfidoClient.js"
import * as OnfidoWebhook from "./OnfidoWebhook.js"

/** The name the provider is registered under. @since 0.1.0 */
export const name = OnfidoClient.name

/**
 * The process types it runs: `document` (a check with the `document` report), `documentSelfie` (with
 * `facial_similarity_photo` too) and `workflow` (a Studio workflow run with its hosted link). @since 0.1.0
 */
export const processTypes = ["document", "documentSelfie", "workflow"].map((type) => ProcessType.ProcessType.make(type))

/** What it can do; the engine and the conformance suite read it. @since 0.1.0 */
export const capabilities: Capabilities.Capabilities = {
  ...Capabilities.none,
  documentImages: true,
  selfie: true,
  // Studio workflow runs give the end-user Onfido's hosted link.
  hostedFlow: true,
  webhooks: true,
  polling: true,
  // A Studio run the end-user walks away from ends `abandoned`; Onfido's API cannot withdraw a check or a run.
  endUserCancel: true
}

/**
 * How the end-user takes part in each process type: photos for a check — the front (the document report needs it;
 * a `back` is uploaded when given), and a selfie too for `documentSelfie` — and a hand-over to Onfido Studio's
 * hosted link for `workflow`, which captures the images itself. @since 0.2.0
 */
export const endUserFlows: EndUserFlow.Declarations = {
  document: { flow: "images", kinds: ["front"] },
  documentSelfie: { flow: "images", kinds: ["front", "selfie"] },
  workflow: { flow: "handOver" }
}

/** Its entry of `processParameters`, decoded strictly: unknown keys are refused before Onfido is called. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** An existing applicant to verify, instead of creating one from the client's identity data. */
  applicantId: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))),
  /** The document's type in Onfido's words (`passport`, `driving_licence`, …); default `unknown` (Onfido classifies). */
  documentType: Schema.optionalKey(OnfidoClient.DocumentKind),
  /** The document's issuing country (alpha-3; `XKX` is sent as Onfido's `RKS`). */
  issuingCountry: Schema.optionalKey(Country.Country),
  /** The Studio workflow to run (`workflow` only); default: the one configured (`ONFIDO_WORKFLOW_ID`). */
  workflowId: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))),
  /** Custom input data for the workflow run (`workflow` only). */
  customData: Schema.optionalKey(Schema.Record(Schema.String, Schema.Json)),
  /** The language of the hosted link (`workflow` only). */
  language: Schema.optionalKey(OnfidoClient.LinkLanguage),
  /** Tags on the check or workflow run (at most 30, each 1–128 characters). */
  tags: Schema.optionalKey(
    Schema.Array(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128))).check(Schema.isMaxLength(30))
  ),
  /** Sandbox only: the check's `consider` (reports to come back `consider`) and `sub_result` (the document report's). */
  sandbox: Schema.optionalKey(
    Schema.Struct({
      consider: Schema.optionalKey(Schema.Array(OnfidoClient.ReportName)),
      subResult: Schema.optionalKey(OnfidoClient.SubResult)
    })
  )
})

/** Its entry of `processParameters`. @since 0.1.0 */
export type Parameters = typeof Parameters.Type

// Typed `processParameters.onfido` for every application that imports this adapter.
declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly onfido: Parameters
  }
}

/** How the provider is set up: the client's options, the webhook tokens and the default workflow. @since 0.1.0 */
export interface Options extends OnfidoClient.Options {
  /** The webhooks' tokens; any of them may have signed a webhook (several during a rotation). */
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
  /** The Studio workflow a `workflow` process runs unless its parameters name another. */
  readonly workflowId?: string | undefined
}

/** What the provider keeps between `start` and `fetchResult`: which kind of Onfido object the reference is. @since 0.1.0 */
export const State = Schema.Struct({
  flow: Schema.Literals(["check", "workflowRun"]),
  applicantId: Schema.String
})

const decodeState = Schema.decodeUnknownOption(State)

/** A workflow run's status as a process status — the second table in the module documentation. @since 0.1.0 */
export const workflowRunStatuses: Record<OnfidoClient.WorkflowRunStatus, ProcessStatus.ProcessStatus> = {
  awaiting_input: "pending",
  processing: "processing",
  awaiting_client_input: "processing",
  approved: "accepted",
  declined: "rejected",
  review: "inconclusive",
  abandoned: "canceled",
  error: "failed"
}

/** What one report says about the verification. @since 0.1.0 */
export type ReportVerdict = "passed" | "rejected" | "inconclusive"

/**
 * One report's verdict: `clear` passes; a document report whose `sub_result` is `rejected` or `suspected`, and a
 * facial similarity report whose face comparison or visual authenticity is `consider`, reject; anything else that is
 * not clear (`caution`, `unidentified`, an image-quality problem, a report that did not complete) needs a human.
 *
 * @since 0.1.0
 */
export const reportVerdict = (report: OnfidoClient.Report): ReportVerdict => {
  if (report.status != null && report.status !== "complete") return "inconclusive"
  if (report.result === "clear") return "passed"
  if (report.result !== "consider") return "inconclusive"
  if (report.name.startsWith("document")) {
    return report.sub_result === "rejected" || report.sub_result === "suspected" ? "rejected" : "inconclusive"
  }
  if (report.name.startsWith("facial_similarity")) {
    const breakdown = report.breakdown ?? {}
    const considered = (key: string) => {
      const part = breakdown[key]
      return typeof part === "object" && part !== null && "result" in part && part.result === "consider"
    }
    return considered("face_comparison") || considered("visual_authenticity") ? "rejected" : "inconclusive"
  }
  return "inconclusive"
}

/**
 * A check's status, result and reports as a process status — the first table in the module documentation.
 *
 * @since 0.1.0
 */
export const checkStatus = (
  check: OnfidoClient.Check,
  reports: ReadonlyArray<OnfidoClient.Report>
): ProcessStatus.ProcessStatus => {
  const status = check.status
  if (status === "awaiting_applicant") return "pending"
  if (status === "withdrawn") return "canceled"
  if (status !== "complete") return "processing" // in_progress, paused, reopened (or not said)
  if (check.result === "clear") return "accepted"
  return reports.some((report) => reportVerdict(report) === "rejected") ? "rejected" : "inconclusive"
}

/**
 * The individual checks of the reports: one per report, passed (`clear`), failed (a rejecting result) or
 * inconclusive, with Onfido's `sub_result` or `result` as the detail.
 *
 * @since 0.1.0
 */
export const checksOf = (reports: ReadonlyArray<OnfidoClient.Report>): ReadonlyArray<IdentityProvider.Check> =>
  reports.map((report) => {
    const verdict = reportVerdict(report)
    const detail = report.sub_result ?? report.result ?? report.status
    return {
      name: report.name,
      outcome: verdict === "passed" ? "passed" : verdict === "rejected" ? "failed" : "inconclusive",
      ...(detail == null ? {} : { detail })
    }
  })

/** Why a check did not pass, in Onfido's words: the first report that did not (`document:suspected`). */
const checkReason = (status: ProcessStatus.ProcessStatus, reports: ReadonlyArray<OnfidoClient.Report>) => {
  if (status === "canceled") return "withdrawn"
  if (status !== "rejected" && status !== "inconclusive") return undefined
  const failing =
    reports.find((report) => reportVerdict(report) === "rejected") ??
    reports.find((report) => reportVerdict(report) !== "passed")
  if (failing === undefined) return "consider"
  return `${failing.name}:${failing.sub_result ?? failing.result ?? failing.status ?? "consider"}`
}

const documentTypeEntries: Readonly<Record<string, DocumentType.DocumentType>> = Object.assign(
  { unknown: "other" } as const,
  documentTypes
)

/**
 * Onfido's document types (the 78 words of its specification's `document_types`) and assure's kind for each, as a
 * code table: travel and identity documents map to their kind, everything else Onfido accepts (proof of address,
 * letters, cards that are not identity documents, `unknown`) to `other`, and so does a word Onfido adds later.
 * `other` encodes as `unknown`.
 *
 * @since 0.1.0
 */
export const documentTypeTable = CodeTable.make(
  "Onfido document type",
  // `unknown` first, so that `other` encodes as `unknown` (the first code of a value is its code).
  documentTypeEntries,
  { to: DocumentType.DocumentType, fallback: CodeTable.fallbackTo("other") }
)

/** Onfido's document types to assure's, through {@link documentTypeTable}. @since 0.1.0 */
export const DocumentTypeFromOnfido = documentTypeTable.schema

// Normalisation: each Onfido field goes through the @assure/core codec for its format, so a value in an unexpected
// format is a typed error with a path, never a guess. Onfido writes countries as alpha-3 with the ICAO code `RKS`
// for Kosovo: `Country.FromIcao` reads both (RKS becomes XKX).
const Normalised = Schema.Struct({
  firstName: Schema.optionalKey(PersonName.FromString),
  lastName: Schema.optionalKey(PersonName.FromString),
  dateOfBirth: Schema.optionalKey(CalendarDate.FromIsoString),
  gender: Schema.optionalKey(Sex.FromProviderWord),
  nationality: Schema.optionalKey(Country.FromIcao),
  documentType: Schema.optionalKey(DocumentTypeFromOnfido),
  documentNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  issuingCountry: Schema.optionalKey(Country.FromIcao),
  dateOfIssue: Schema.optionalKey(CalendarDate.FromIsoString),
  dateOfExpiry: Schema.optionalKey(CalendarDate.FromIsoString),
  personalNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  address: Schema.optionalKey(Address.FromParts)
}).pipe(
  Schema.encodeKeys({
    firstName: "first_name",
    lastName: "last_name",
    dateOfBirth: "date_of_birth",
    gender: "gender",
    nationality: "nationality",
    documentType: "document_type",
    documentNumber: "document_number",
    issuingCountry: "issuing_country",
    dateOfIssue: "issuing_date",
    dateOfExpiry: "date_of_expiry",
    personalNumber: "personal_number",
    address: "address_lines"
  })
)

const decodeNormalised = Schema.decodeUnknownEffect(Normalised)

const DocumentNumbers = Schema.Array(
  Schema.Struct({
    value: Schema.optionalKey(Schema.NullOr(Schema.String)),
    type: Schema.optionalKey(Schema.NullOr(Schema.String))
  })
)
const decodeDocumentNumbers = Schema.decodeUnknownOption(DocumentNumbers)

const stringOf = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim().length > 0 ? value : undefined

/** Onfido's words for a sex it could not read: left out rather than guessed. */
const unknownSex = new Set(["unknown", "not specified", ""])

const AddressLines = Schema.Struct({
  street_address: Schema.optionalKey(Schema.NullOr(Schema.String)),
  postal_code: Schema.optionalKey(Schema.NullOr(Schema.String)),
  city: Schema.optionalKey(Schema.NullOr(Schema.String)),
  state: Schema.optionalKey(Schema.NullOr(Schema.String)),
  country: Schema.optionalKey(Schema.NullOr(Schema.String)),
  country_code: Schema.optionalKey(Schema.NullOr(Schema.String))
})
const decodeAddressLines = Schema.decodeUnknownOption(AddressLines)
const isCountryCode = Schema.is(Schema.toEncoded(Country.FromCode))

/**
 * The address a document report extracted, as the parts `Address.FromParts` reads: the parsed `address_lines`
 * (`street_address`, `postal_code`, `city`, `state`, and `country_code`, or `country` where that is a code rather
 * than a country's name), else the free-text `address` as one line; `undefined` when the report has none.
 *
 * @since 0.1.0
 */
export const extractedAddress = (properties: { readonly [key: string]: unknown }): Address.Parts | undefined => {
  const lines = Option.getOrUndefined(
    decodeAddressLines(properties.address_lines ?? {}, { onExcessProperty: "ignore" })
  )
  const country = lines?.country_code ?? (lines?.country != null && isCountryCode(lines.country) ? lines.country : null)
  const parsed: Address.Parts = {
    lines: [lines?.street_address ?? null],
    postalCode: lines?.postal_code ?? null,
    city: lines?.city ?? null,
    region: lines?.state ?? null,
    country
  }
  if (Address.hasParts(parsed)) return parsed
  const text: Address.Parts = { lines: [stringOf(properties.address) ?? null] }
  return Address.hasParts(text) ? text : undefined
}

/**
 * What a document report extracted, in the field names the normalisation reads: the given names joined
 * (`first_name` and `middle_name`), the document number (the `document_numbers` entry of type `document_number`, else
 * the first), the address ({@link extractedAddress}, under `address_lines`), and the rest as Onfido wrote them.
 * Exposed for tests and tools.
 *
 * @since 0.1.0
 */
export const extractedFields = (properties: {
  readonly [key: string]: unknown
}): { readonly [key: string]: unknown } => {
  const numbers = Option.getOrElse(decodeDocumentNumbers(properties.document_numbers ?? []), () => [])
  const documentNumber =
    numbers.find((number) => number.type === "document_number")?.value ?? numbers[0]?.value ?? undefined
  const given = [stringOf(properties.first_name), stringOf(properties.middle_name)].filter(
    (part): part is string => part !== undefined
  )
  const gender = stringOf(properties.gender)
  const fields: { [key: string]: string | undefined } = {
    first_name: given.length === 0 ? undefined : given.join(" "),
    last_name: stringOf(properties.last_name),
    date_of_birth: stringOf(properties.date_of_birth),
    gender: gender !== undefined && unknownSex.has(gender.toLowerCase()) ? undefined : gender,
    nationality: stringOf(properties.nationality),
    document_type: stringOf(properties.document_type),
    document_number: stringOf(documentNumber),
    issuing_country: stringOf(properties.issuing_country),
    issuing_date: stringOf(properties.issuing_date),
    date_of_expiry: stringOf(properties.date_of_expiry),
    personal_number: stringOf(properties.personal_number)
  }
  const address = extractedAddress(properties)
  return {
    ...Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    ...(address === undefined ? {} : { address_lines: address })
  }
}

/**
 * Normalises the document reports' extracted data into identity data; a value in an unexpected format is
 * `InvalidResponse` with the schema's path.
 *
 * @since 0.1.0
 */
export const normalise = (
  reports: ReadonlyArray<OnfidoClient.Report>,
  requestId?: string | undefined
): Effect.Effect<IdentityData.IdentityData, ProviderError.ProviderError> => {
  const document = reports.find((report) => report.name.startsWith("document") && report.properties != null)
  return decodeNormalised(extractedFields(document?.properties ?? {}), {
    errors: "all",
    onExcessProperty: "ignore"
  }).pipe(
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(name, new ProviderError.InvalidResponse({ issue: error.message }), {
          requestId,
          description: "the document report's data could not be normalised"
        })
      )
    )
  )
}

const invalidRequest = (
  fields: ReadonlyArray<{ readonly name: string; readonly reason: string }>,
  description: string
) => ProviderError.make(name, new ProviderError.InvalidRequest({ fields }), { description })

/** The file extension Onfido infers the file type from, for the media types it accepts (jpg, png, pdf). */
const extensions: Readonly<Record<string, string>> = {
  "image/jpeg": "jpg",
  "image/jpg": "jpg",
  "image/png": "png",
  "application/pdf": "pdf"
}

const uploadFile = (
  file: IdentityProvider.InputFile
): Effect.Effect<OnfidoClient.UploadFile, ProviderError.ProviderError> => {
  const extension = extensions[file.mediaType.toLowerCase()]
  return extension === undefined
    ? Effect.fail(
        invalidRequest(
          [{ name: `files.${file.kind}`, reason: "Onfido takes JPEG, PNG or PDF files" }],
          "a file type Onfido does not accept"
        )
      )
    : Effect.succeed({ bytes: file.bytes, mediaType: file.mediaType, fileName: `${file.kind}.${extension}` })
}

/** Onfido writes Kosovo as `RKS`; every other country as its alpha-3 code. */
const onfidoCountry = (country: Country.Country): string => (country === "XKX" ? "RKS" : country)

/**
 * Builds the provider over the client.
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
  readonly workflowId?: string | undefined
}): Effect.Effect<IdentityProvider.IdentityProvider, never, OnfidoClient.OnfidoClient> =>
  Effect.gen(function* () {
    const client = yield* OnfidoClient.OnfidoClient

    /** The applicant to verify: the one named in the parameters, or a new one from the client's identity data. */
    const applicantFor = (request: IdentityProvider.StartRequest<Parameters>) =>
      Effect.gen(function* () {
        if (request.parameters.applicantId !== undefined) return request.parameters.applicantId
        const user = request.userData
        if (user?.firstName === undefined || user.lastName === undefined) {
          return yield* invalidRequest(
            [
              ...(user?.firstName === undefined
                ? [{ name: "userData.firstName", reason: "Onfido needs the applicant's first name" }]
                : []),
              ...(user?.lastName === undefined
                ? [{ name: "userData.lastName", reason: "Onfido needs the applicant's last name" }]
                : [])
            ],
            "an Onfido applicant needs a first and a last name (or parameters.applicantId)"
          )
        }
        const applicant = yield* client.createApplicant({
          first_name: user.firstName,
          last_name: user.lastName,
          ...(user.dateOfBirth === undefined ? {} : { dob: user.dateOfBirth })
        })
        return applicant.body.id
      })

    const startCheck = (request: IdentityProvider.StartRequest<Parameters>) =>
      Effect.gen(function* () {
        const { parameters } = request
        const selfieWanted = request.processType === "documentSelfie"
        const front = request.files.find((file) => file.kind === "front")
        const back = request.files.find((file) => file.kind === "back")
        const selfie = request.files.find((file) => file.kind === "selfie")
        const missing = [
          ...(front === undefined ? [{ name: "files.front", reason: "Onfido's document report needs the front" }] : []),
          ...(selfieWanted && selfie === undefined
            ? [{ name: "files.selfie", reason: "a documentSelfie process needs a selfie" }]
            : [])
        ]
        const misplaced = [
          ...(parameters.workflowId === undefined ? [] : ["workflowId"]),
          ...(parameters.customData === undefined ? [] : ["customData"]),
          ...(parameters.language === undefined ? [] : ["language"])
        ].map((key) => ({ name: `parameters.${key}`, reason: "applies to workflow processes only" }))
        if (missing.length > 0 || misplaced.length > 0 || front === undefined) {
          return yield* invalidRequest([...missing, ...misplaced], "the request does not fit the process type")
        }
        const files = {
          front: yield* uploadFile(front),
          back: back === undefined ? undefined : yield* uploadFile(back)
        }
        const selfieFile = selfieWanted && selfie !== undefined ? yield* uploadFile(selfie) : undefined
        const applicantId = yield* applicantFor(request)
        const documentFields = {
          applicant_id: applicantId,
          type: parameters.documentType ?? "unknown",
          ...(parameters.issuingCountry === undefined
            ? {}
            : { issuing_country: onfidoCountry(parameters.issuingCountry) })
        }
        const frontDocument = yield* client.uploadDocument({ ...documentFields, side: "front" }, files.front)
        const backDocument =
          files.back === undefined
            ? undefined
            : yield* client.uploadDocument({ ...documentFields, side: "back" }, files.back)
        if (selfieFile !== undefined) yield* client.uploadLivePhoto({ applicant_id: applicantId }, selfieFile)
        const check = yield* client.createCheck({
          applicant_id: applicantId,
          report_names: selfieWanted ? ["document", "facial_similarity_photo"] : ["document"],
          document_ids: [frontDocument.body.id, ...(backDocument === undefined ? [] : [backDocument.body.id])],
          asynchronous: true,
          ...(parameters.tags === undefined ? {} : { tags: parameters.tags }),
          ...(parameters.sandbox?.consider === undefined ? {} : { consider: parameters.sandbox.consider }),
          ...(parameters.sandbox?.subResult === undefined ? {} : { sub_result: parameters.sandbox.subResult })
        })
        const status = checkStatus(check.body, [])
        return {
          reference: check.body.id,
          status: status === "pending" ? "pending" : "processing",
          state: { flow: "check", applicantId }
        } satisfies IdentityProvider.Session
      })

    const startWorkflowRun = (request: IdentityProvider.StartRequest<Parameters>) =>
      Effect.gen(function* () {
        const { parameters } = request
        const workflowId = parameters.workflowId ?? options.workflowId
        const misplaced = [
          ...(request.files.length === 0
            ? []
            : [{ name: "files", reason: "the workflow's hosted flow captures the images" }]),
          ...(parameters.documentType === undefined
            ? []
            : [{ name: "parameters.documentType", reason: "applies to document processes only" }]),
          ...(parameters.issuingCountry === undefined
            ? []
            : [{ name: "parameters.issuingCountry", reason: "applies to document processes only" }]),
          ...(parameters.sandbox === undefined
            ? []
            : [{ name: "parameters.sandbox", reason: "applies to document processes only" }]),
          ...(workflowId === undefined
            ? [{ name: "parameters.workflowId", reason: "no workflow is configured (ONFIDO_WORKFLOW_ID)" }]
            : [])
        ]
        if (misplaced.length > 0 || workflowId === undefined) {
          return yield* invalidRequest(misplaced, "the request does not fit the process type")
        }
        const applicantId = yield* applicantFor(request)
        const link = {
          ...(request.returnUrl === undefined ? {} : { completed_redirect_url: request.returnUrl }),
          ...(parameters.language === undefined ? {} : { language: parameters.language })
        }
        const created = yield* client.createWorkflowRun({
          workflow_id: workflowId,
          applicant_id: applicantId,
          ...(parameters.tags === undefined ? {} : { tags: parameters.tags }),
          ...(parameters.customData === undefined ? {} : { custom_data: parameters.customData }),
          ...(Object.keys(link).length === 0 ? {} : { link })
        })
        const run = created.body
        const status = run.status == null ? "pending" : workflowRunStatuses[run.status]
        const expiresAt =
          run.link?.expires_at == null
            ? undefined
            : Option.getOrUndefined(Schema.decodeUnknownOption(Timestamp.FromIsoString)(run.link.expires_at))
        return {
          reference: run.id,
          status: status === "processing" ? "processing" : "pending",
          ...(run.link?.url == null ? {} : { redirectUrl: run.link.url }),
          ...(run.sdk_token == null ? {} : { clientToken: Redacted.make(run.sdk_token) }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
          state: { flow: "workflowRun", applicantId }
        } satisfies IdentityProvider.Session
      })

    const checkOutcome = (reference: string) =>
      Effect.gen(function* () {
        const { body: check, raw, requestId } = yield* client.findCheck(reference)
        const listed = check.status === "complete" ? yield* client.listReports(check.id) : undefined
        const reports = listed?.body.reports ?? []
        const status = checkStatus(check, reports)
        const reason = checkReason(status, reports)
        const base = {
          status,
          providerSpecific: {
            [name]: {
              check: raw as Schema.Json,
              ...(listed === undefined ? {} : { reports: listed.raw as Schema.Json })
            }
          },
          checks: checksOf(reports),
          files: [],
          ...(reason === undefined ? {} : { reason })
        }
        // Identity data is part of the result only when accepted; otherwise it is not normalised at all.
        return status === "accepted"
          ? { ...base, finalResult: yield* normalise(reports, listed?.requestId ?? requestId) }
          : base
      })

    const workflowRunOutcome = (reference: string) =>
      Effect.gen(function* () {
        const { body: run, raw, requestId } = yield* client.findWorkflowRun(reference)
        const status: ProcessStatus.ProcessStatus = run.status == null ? "processing" : workflowRunStatuses[run.status]
        const reason =
          status === "accepted" || status === "pending" || status === "processing"
            ? undefined
            : run.reasons != null && run.reasons.length > 0
              ? run.reasons.join(", ")
              : (run.error?.type ?? run.status ?? undefined)
        // The workflow's document report runs in a check on the applicant: its reports carry the extracted data.
        const checks =
          status === "accepted" && run.applicant_id != null ? yield* client.listChecks(run.applicant_id) : undefined
        const latest = [...(checks?.body.checks ?? [])]
          .filter((check) => check.status === "complete")
          .sort((a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? ""))[0]
        const listed = latest === undefined ? undefined : yield* client.listReports(latest.id)
        const reports = listed?.body.reports ?? []
        const base = {
          status,
          providerSpecific: {
            [name]: {
              workflow_run: raw as Schema.Json,
              ...(listed === undefined ? {} : { reports: listed.raw as Schema.Json })
            }
          },
          checks: checksOf(reports),
          files: [],
          ...(reason == null ? {} : { reason })
        }
        return status === "accepted"
          ? { ...base, finalResult: yield* normalise(reports, listed?.requestId ?? requestId) }
          : base
      })

    /** The report an event names belongs to a check: the check is the session. */
    const checkOfReport = (reportId: string) =>
      Effect.flatMap(client.findReport(reportId), ({ body, requestId }) =>
        body.check_id == null
          ? Effect.fail(
              ProviderError.make(name, new ProviderError.InvalidResponse({ issue: "the report names no check" }), {
                requestId
              })
            )
          : Effect.succeed(body.check_id)
      )

    return IdentityProvider.make<Parameters>({
      name,
      capabilities,
      processTypes,
      endUserFlows,
      parameters: Parameters,
      // Onfido reads identity documents from nearly every country (its documentation's supported-documents list).
      documentTypes: Effect.succeed([
        { documentType: "passport" },
        { documentType: "idCard" },
        { documentType: "driverLicense" },
        { documentType: "residencePermit" },
        { documentType: "visa" }
      ]),

      start: (request) => (request.processType === "workflow" ? startWorkflowRun(request) : startCheck(request)),

      fetchResult: ({ reference, state }) => {
        const flow = Option.getOrUndefined(decodeState(state))?.flow
        if (flow === "check") return checkOutcome(reference)
        if (flow === "workflowRun") return workflowRunOutcome(reference)
        // Without the state (a process started elsewhere), the reference is a check or a workflow run.
        return checkOutcome(reference).pipe(
          Effect.catchIf(
            (error) => error.reason._tag === "NotFound",
            () => workflowRunOutcome(reference)
          )
        )
      },

      // The event names the check or workflow run that changed; the engine then calls fetchResult for the outcome.
      verifyWebhook: (request) =>
        Effect.gen(function* () {
          const event = yield* OnfidoWebhook.verify({ secrets: options.webhookSecrets, request })
          const { resource_type: resourceType, action, object, resource } = event.payload
          const reference =
            resourceType === "check" || resourceType === "workflow_run"
              ? object.id
              : resourceType === "report"
                ? yield* checkOfReport(object.id)
                : resourceType === "workflow_task"
                  ? (object.workflow_run_id ?? resource?.workflow_run_id ?? undefined)
                  : undefined
          if (reference === undefined) {
            return yield* ProviderError.make(
              name,
              new ProviderError.InvalidResponse({ issue: `an event about a ${resourceType}` }),
              { description: "the webhook is not about a check, a report or a workflow run" }
            )
          }
          return { id: OnfidoWebhook.eventId(event), reference, type: action }
        })
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
  ProviderRegistry.register(make(options)).pipe(Layer.provide(OnfidoClient.layer(options)))

/**
 * The adapter module the assure server loads (`ASSURE_PROVIDERS=onfido`), configured under the prefix `ONFIDO`:
 * `ONFIDO_API_TOKEN`, `ONFIDO_WEBHOOK_TOKEN` (several, separated by commas, during a rotation) and, optionally,
 * `ONFIDO_REGION` (`eu`, `us` or `ca`; default `eu`), `ONFIDO_API_BASE_URL` (overrides the region's URL, for the
 * simulator) and `ONFIDO_WORKFLOW_ID` (the Studio workflow of `workflow` processes).
 *
 * @since 0.1.0
 */
export const adapter = AdapterModule.make({
  name,
  specificationVersion: IdentityProvider.specificationVersion,
  capabilities,
  prefix: "ONFIDO",
  config: {
    apiToken: Config.Redacted("API_TOKEN"),
    region: Config.Literals(OnfidoClient.Region.literals, "REGION").pipe(
      Config.withDefault(OnfidoClient.defaultRegion)
    ),
    baseUrl: Config.option(Config.String("API_BASE_URL")),
    webhookSecrets: Webhook.secretsConfig("WEBHOOK_TOKEN"),
    workflowId: Config.option(Config.String("WORKFLOW_ID"))
  },
  layer: ({ baseUrl, workflowId, ...options }) =>
    layer({ ...options, baseUrl: Option.getOrUndefined(baseUrl), workflowId: Option.getOrUndefined(workflowId) })
})

/**
 * {@link layer} configured from the environment: `ONFIDO_API_TOKEN`, `ONFIDO_WEBHOOK_TOKEN` (several, separated by
 * commas, during a rotation) and, optionally, `ONFIDO_REGION` (`eu`, `us` or `ca`; default `eu`),
 * `ONFIDO_API_BASE_URL` (overrides the region's URL, for the simulator) and `ONFIDO_WORKFLOW_ID` (the Studio workflow
 * of `workflow` processes).
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<
  never,
  ProviderRegistry.RegistrationError | Config.ConfigError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> = Layer.unwrap(Effect.map(AdapterModule.config(adapter), adapter.layer))
