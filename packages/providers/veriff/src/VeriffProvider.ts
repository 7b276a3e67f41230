/**
 * The Veriff provider: the provider specification implemented over the {@link VeriffClient.VeriffClient}, for
 * Veriff's identity-and-document verification (a document and a selfie). It runs two flows:
 *
 * - `documentSelfie`, the **hosted flow**: `start` creates a session and returns Veriff's `verification.url` as the
 *   `redirectUrl`; the end-user captures their document and face there, and Veriff sends them to the return URL.
 * - `documentSelfieUpload`, the **headless flow**: `start` creates a session, uploads the client's `front`, `back`
 *   (optional) and `selfie` images as `document-front`, `document-back` and `face` media, and submits the session.
 *
 * Either way the result comes from the decision (`GET /v1/sessions/{id}/decision`, or the decision webhook, which
 * makes the engine ask): Veriff's decision status is mapped to a process status (the table below), and what Veriff
 * read is normalised with `@assure/core`'s codecs. It classifies every failure and never retries: the engine does,
 * guided by `isRetryable`.
 *
 * | Veriff decision | process status |
 * |---|---|
 * | none yet (`verification: null`), hosted flow | `pending` |
 * | none yet (`verification: null`), headless flow (already submitted) | `processing` |
 * | `approved` (9001) | `accepted` |
 * | `declined` (9102) | `rejected` |
 * | `resubmission_requested` (9103), hosted flow | `pending`: the end-user tries again at the same URL |
 * | `resubmission_requested` (9103), headless flow | `inconclusive`: no end-user is there to try again |
 * | `review` | `inconclusive` |
 * | `expired`, `abandoned` | `canceled`: the end-user never finished; nothing was verified |
 * | a status Veriff adds later | by its code (9001, 9102, 9103 as above), otherwise `inconclusive` |
 *
 * @example
 * ```ts
 * import { ProviderRegistry } from "@assure/provider"
 * import { VeriffProvider } from "@assure/veriff"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Providers = VeriffProvider.layer({
 *   apiKey: Redacted.make("…"),
 *   sharedSecret: Redacted.make("…")
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
  ProcessStatus,
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
import { Config, Effect, Layer, Result, Schema } from "effect"
import { Base64 } from "effect/encoding"
import type { HttpClient } from "effect/http"
import * as VeriffClient from "./VeriffClient.js"
import * as VeriffWebhook from "./VeriffWebhook.js"

/** The name the provider is registered under. @since 0.1.0 */
export const name = VeriffClient.name

/** The hosted flow: the end-user goes to Veriff's `verification.url`. @since 0.1.0 */
export const hostedProcessType = ProcessType.ProcessType.make("documentSelfie")

/** The headless flow: the client's images are uploaded as media, then the session is submitted. @since 0.1.0 */
export const uploadProcessType = ProcessType.ProcessType.make("documentSelfieUpload")

/** The process types it runs: `documentSelfie` (hosted) and `documentSelfieUpload` (headless). @since 0.1.0 */
export const processTypes = [hostedProcessType, uploadProcessType]

/** What it can do; the engine and the conformance suite read it. @since 0.1.0 */
export const capabilities: Capabilities.Capabilities = {
  ...Capabilities.none,
  documentImages: true,
  selfie: true,
  // The end-user can go through Veriff's own capture flow (verification.url); Veriff does not redirect back with a
  // result to complete, so `redirect` stays off: the result comes from the decision.
  hostedFlow: true,
  webhooks: true,
  polling: true,
  // An end-user who leaves the flow gets the decision `abandoned` (or `expired`); Veriff's API cannot cancel a session.
  endUserCancel: true
}

/**
 * How the end-user takes part in each process type: a hand-over to Veriff's own flow for `documentSelfie`, and
 * photos for `documentSelfieUpload` — the front and a selfie, which `start` requires (a `back` is uploaded when
 * given). @since 0.2.0
 */
export const endUserFlows: EndUserFlow.Declarations = {
  [hostedProcessType]: { flow: "handOver" },
  [uploadProcessType]: { flow: "images", kinds: ["front", "selfie"] }
}

/** Its entry of `processParameters`, decoded strictly: unknown keys are refused before Veriff is called. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** `verification.vendorData`: a non-semantic reference Veriff returns in every payload; default, the process id. */
  vendorData: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1000))),
  /** `verification.endUserId`: a UUID for the end-user, which Veriff uses to link their sessions. */
  endUserId: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i))
  )
})

/** Its entry of `processParameters`. @since 0.1.0 */
export type Parameters = typeof Parameters.Type

// Typed `processParameters["veriff"]` for every application that imports this adapter.
declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly veriff: Parameters
  }
}

/** How the provider is set up: the client's options, and the secrets webhooks may be signed with. @since 0.1.0 */
export interface Options extends VeriffClient.Options {
  /**
   * The shared secrets a webhook may be signed with; default, `sharedSecret` alone. Give the old and the new one
   * while Veriff rotates the integration's shared secret key.
   */
  readonly webhookSecrets?: ReadonlyArray<Webhook.Secret> | undefined
}

/** Which flow a session runs, as kept in the process's provider state. @since 0.1.0 */
export type Flow = "hosted" | "upload"

/** The flow a session's provider state names; the hosted flow when the state is missing. @since 0.1.0 */
export const flowOf = (state: IdentityProvider.ProviderState | undefined): Flow =>
  state?.flow === "upload" ? "upload" : "hosted"

/**
 * Decision statuses whose process status does not depend on the flow (`resubmission_requested` does, and a status
 * Veriff adds later is read by its code): the table in the module documentation.
 *
 * @since 0.1.0
 */
export const decisionStatuses = CodeTable.make(
  "Veriff decision status",
  {
    approved: "accepted",
    declined: "rejected",
    review: "inconclusive",
    expired: "canceled",
    abandoned: "canceled"
  },
  { to: ProcessStatus.ProcessStatus }
)

/**
 * Veriff's document types (`verification.document.type`); a type Veriff adds later is `other`.
 *
 * @since 0.1.0
 */
export const documentTypes = CodeTable.make(
  "Veriff document type",
  {
    PASSPORT: "passport",
    ID_CARD: "idCard",
    RESIDENCE_PERMIT: "residencePermit",
    DRIVERS_LICENSE: "driverLicense",
    VISA: "visa",
    OTHER: "other"
  },
  { to: DocumentType.DocumentType, fallback: CodeTable.fallbackTo("other") }
)

/**
 * A decision as a process status — the table in the module documentation. `decision` is `null` while Veriff has
 * none; `flow` decides the cases where the hosted and the headless flow differ.
 *
 * @since 0.1.0
 */
export const statusOf = (
  decision: { readonly status: string; readonly code?: number | null | undefined } | null,
  flow: Flow
): ProcessStatus.ProcessStatus => {
  if (decision === null) return flow === "upload" ? "processing" : "pending"
  if (decision.status === "resubmission_requested") return flow === "upload" ? "inconclusive" : "pending"
  const known = decisionStatuses.get(decision.status)
  if (Result.isSuccess(known)) return known.success
  // A status Veriff adds later: its code, where the code is unambiguous (9104 and 9121 are not: Veriff's pages
  // disagree on which of expired, abandoned and review they stand for).
  if (decision.code === 9001) return "accepted"
  if (decision.code === 9102) return "rejected"
  if (decision.code === 9103) return flow === "upload" ? "inconclusive" : "pending"
  return "inconclusive"
}

/** Why a decision is not `approved`, in Veriff's words: its reason code and reason, or the status. @since 0.1.0 */
export const reasonOf = (decision: VeriffClient.Decision): string | undefined => {
  if (decision.status === "approved") return undefined
  const parts = [decision.reasonCode == null ? undefined : String(decision.reasonCode), decision.reason ?? undefined]
  const said = parts.filter((part) => part !== undefined && part.length > 0).join(" ")
  return said.length > 0 ? said : decision.status
}

// Normalisation: each Veriff field goes through the @assure/core codec for its format, so a value in an unexpected
// format is a typed error whose path names Veriff's field, never a guess.
const Normalised = Schema.Struct({
  firstName: Schema.optionalKey(PersonName.FromString),
  lastName: Schema.optionalKey(PersonName.FromString),
  dateOfBirth: Schema.optionalKey(CalendarDate.FromIsoString),
  gender: Schema.optionalKey(Sex.FromProviderWord),
  // Documented as an "ISO country code"; the samples disagree on alpha-2 and alpha-3, which FromCode tells apart.
  nationality: Schema.optionalKey(Country.FromCode),
  personalNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  documentType: Schema.optionalKey(documentTypes.schema),
  documentNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  issuingCountry: Schema.optionalKey(Country.FromAlpha2),
  dateOfIssue: Schema.optionalKey(CalendarDate.FromIsoString),
  dateOfExpiry: Schema.optionalKey(CalendarDate.FromIsoString),
  address: Schema.optionalKey(Address.FromParts)
}).pipe(
  Schema.encodeKeys({
    firstName: "person.firstName",
    lastName: "person.lastName",
    dateOfBirth: "person.dateOfBirth",
    gender: "person.gender",
    nationality: "person.nationality",
    personalNumber: "person.idNumber",
    documentType: "document.type",
    documentNumber: "document.number",
    issuingCountry: "document.country",
    dateOfIssue: "document.validFrom",
    dateOfExpiry: "document.validUntil",
    address: "person.addresses[0]"
  })
)

const decodeNormalised = Schema.decodeUnknownEffect(Normalised)

/**
 * An address Veriff read as the parts `Address.FromParts` reads: the parsed parts where Veriff parsed it (the street
 * and house number as the first line, the unit as the second), otherwise the full address as one line; `undefined`
 * when there is nothing in it.
 *
 * @since 0.1.0
 */
export const addressParts = (address: VeriffClient.Address): Address.Parts | undefined => {
  const parsed = address.parsedAddress
  const street = [parsed?.street, parsed?.houseNumber].filter((part) => part != null && part.trim().length > 0)
  const parts: Address.Parts =
    parsed == null
      ? { lines: [address.fullAddress ?? null] }
      : {
          lines: [street.length > 0 ? street.join(" ") : null, parsed.unit ?? null],
          postalCode: parsed.postcode ?? null,
          city: parsed.city ?? null,
          region: parsed.state ?? null,
          country: parsed.country ?? null
        }
  if (Address.hasParts(parts)) return parts
  return parsed != null && address.fullAddress != null ? addressParts({ fullAddress: address.fullAddress }) : undefined
}

/**
 * What Veriff read, keyed by Veriff's paths (`person.firstName`, `document.validUntil`, `person.addresses[0]`); what
 * Veriff did not read (`null`, empty) is left out. Exposed for tests and tools.
 *
 * @since 0.1.0
 */
export const readFields = (decision: VeriffClient.Decision): { readonly [path: string]: unknown } => {
  const fields: Record<string, unknown> = {}
  const add = (
    prefix: string,
    values: { readonly [key: string]: unknown } | null | undefined,
    keys: ReadonlyArray<string>
  ) => {
    for (const key of keys) {
      const value = values?.[key]
      if (typeof value === "string" && value.trim().length > 0) fields[`${prefix}.${key}`] = value
    }
  }
  add("person", decision.person, ["firstName", "lastName", "dateOfBirth", "gender", "nationality", "idNumber"])
  add("document", decision.document, ["type", "number", "country", "validFrom", "validUntil"])
  const address = decision.person?.addresses?.[0]
  const parts = address === undefined ? undefined : addressParts(address)
  if (parts !== undefined) fields["person.addresses[0]"] = parts
  return fields
}

/**
 * Normalises what Veriff read into identity data; a value in an unexpected format is `InvalidResponse` with
 * Veriff's field in the path.
 *
 * @since 0.1.0
 */
export const normalise = (
  decision: VeriffClient.Decision,
  requestId?: string | undefined
): Effect.Effect<IdentityData.IdentityData, ProviderError.ProviderError> =>
  decodeNormalised(readFields(decision), { errors: "all", onExcessProperty: "ignore" }).pipe(
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(name, new ProviderError.InvalidResponse({ issue: error.message }), {
          requestId,
          description: "the decision's identity data could not be normalised"
        })
      )
    )
  )

/** The decision as one check, with Veriff's code (or status) as the detail. @since 0.1.0 */
export const checksOf = (
  decision: VeriffClient.Decision | null,
  status: ProcessStatus.ProcessStatus
): ReadonlyArray<IdentityProvider.Check> =>
  decision === null
    ? []
    : [
        {
          name: "decision",
          outcome: status === "accepted" ? "passed" : status === "rejected" ? "failed" : "inconclusive",
          detail: decision.code == null ? decision.status : String(decision.code)
        }
      ]

const documentKinds: Partial<Record<DocumentType.DocumentType, VeriffClient.DocumentKind>> = {
  passport: "PASSPORT",
  idCard: "ID_CARD",
  residencePermit: "RESIDENCE_PERMIT",
  driverLicense: "DRIVERS_LICENSE"
}

/**
 * What the client already knows, in Veriff's words (`verification.person`, `verification.document`). Veriff
 * compares it with the document. Only what Veriff accepts goes out: a document number with other characters than
 * letters and digits, a sex other than M or F, a country without an alpha-2 code, a visa, are left out.
 *
 * @since 0.1.0
 */
export const knownData = (
  userData: IdentityData.IdentityData | undefined
): Pick<VeriffClient.CreateSession["verification"], "person" | "document"> => {
  if (userData === undefined) return {}
  const person = {
    ...(userData.firstName === undefined ? {} : { firstName: userData.firstName }),
    ...(userData.lastName === undefined ? {} : { lastName: userData.lastName }),
    ...(userData.dateOfBirth === undefined ? {} : { dateOfBirth: userData.dateOfBirth }),
    ...(userData.personalNumber === undefined ? {} : { idNumber: userData.personalNumber }),
    ...(userData.gender === "M" || userData.gender === "F" ? { gender: userData.gender } : {})
  }
  const kind = userData.documentType === undefined ? undefined : documentKinds[userData.documentType]
  const country = userData.issuingCountry === undefined ? undefined : Country.toAlpha2(userData.issuingCountry)
  const document = {
    ...(userData.documentNumber !== undefined && /^[A-Za-z0-9]+$/.test(userData.documentNumber)
      ? { number: userData.documentNumber }
      : {}),
    ...(kind === undefined ? {} : { type: kind }),
    ...(country === undefined ? {} : { country })
  }
  return {
    ...(Object.keys(person).length === 0 ? {} : { person }),
    ...(Object.keys(document).length === 0 ? {} : { document })
  }
}

/** The media types Veriff's media upload takes. @since 0.1.0 */
export const mediaTypes: ReadonlyArray<string> = [
  "image/jpeg",
  "image/png",
  "image/heic",
  "image/heif",
  "image/webp",
  "application/pdf"
]

const contexts: Partial<Record<IdentityProvider.InputFile["kind"], VeriffClient.MediaContext>> = {
  front: "document-front",
  back: "document-back",
  selfie: "face"
}

const refuse = (fields: ProviderError.InvalidRequest["fields"], description: string) =>
  Effect.fail(ProviderError.make(name, new ProviderError.InvalidRequest({ fields }), { description }))

/**
 * The media the headless flow uploads, in order: the document's front, its back if there is one, the selfie.
 * Refused before Veriff is called when the front or the selfie is missing or a file is of a type Veriff does not
 * take; a video is not sent (Veriff's media upload takes images).
 *
 * @since 0.1.0
 */
export const mediaOf = (
  files: ReadonlyArray<IdentityProvider.InputFile>
): Effect.Effect<ReadonlyArray<VeriffClient.UploadMedia>, ProviderError.ProviderError> => {
  const problems: Array<{ name: string; reason: string }> = []
  const media: Array<VeriffClient.UploadMedia> = []
  for (const kind of ["front", "back", "selfie"] as const) {
    const file = files.find((candidate) => candidate.kind === kind)
    const context = contexts[kind]
    if (file === undefined || context === undefined) {
      if (kind !== "back") problems.push({ name: `files.${kind}`, reason: `a ${kind} image is required` })
      continue
    }
    const mediaType = file.mediaType.toLowerCase().split(";")[0]?.trim() ?? ""
    if (!mediaTypes.includes(mediaType)) {
      problems.push({ name: `files.${kind}`, reason: `Veriff takes ${mediaTypes.join(", ")}` })
      continue
    }
    media.push({ image: { context, content: `data:${mediaType};base64,${Base64.encode(file.bytes)}` } })
  }
  return problems.length > 0
    ? refuse(problems, "the headless flow needs the document's front and a selfie")
    : Effect.succeed(media)
}

/**
 * Builds the provider over the client.
 *
 * @since 0.1.0
 */
export const make = (
  options: Pick<Options, "apiKey" | "sharedSecret" | "webhookSecrets">
): Effect.Effect<IdentityProvider.IdentityProvider, never, VeriffClient.VeriffClient> =>
  Effect.gen(function* () {
    const client = yield* VeriffClient.VeriffClient
    const webhookSecrets = options.webhookSecrets ?? [options.sharedSecret]
    return IdentityProvider.make<Parameters>({
      name,
      capabilities,
      processTypes,
      endUserFlows,
      parameters: Parameters,
      // Veriff's IDV reads passports, identity cards, residence permits and driving licences of most countries.
      documentTypes: Effect.succeed([
        { documentType: "passport" },
        { documentType: "idCard" },
        { documentType: "residencePermit" },
        { documentType: "driverLicense" }
      ]),

      start: (request) =>
        Effect.gen(function* () {
          const flow: Flow = request.processType === uploadProcessType ? "upload" : "hosted"
          // Checked before anything is sent: a session is not created for uploads that would be refused.
          const media = flow === "upload" ? yield* mediaOf(request.files) : []
          const created = yield* client.createSession({
            verification: {
              ...(flow === "hosted" && request.returnUrl !== undefined ? { callback: request.returnUrl } : {}),
              ...knownData(request.userData),
              vendorData: request.parameters.vendorData ?? request.processId,
              ...(request.parameters.endUserId === undefined ? {} : { endUserId: request.parameters.endUserId })
            }
          })
          const session = created.body.verification
          if (flow === "hosted") {
            return {
              reference: session.id,
              status: "pending" as const,
              ...(session.url == null ? {} : { redirectUrl: session.url }),
              state: { flow }
            }
          }
          for (const upload of media) yield* client.uploadMedia(session.id, upload)
          yield* client.submitSession(session.id)
          return { reference: session.id, status: "processing" as const, state: { flow } }
        }),

      fetchResult: ({ reference, state }) =>
        Effect.gen(function* () {
          const { body, raw, requestId } = yield* client.getDecision(reference)
          const decision = body.verification
          const status = statusOf(decision, flowOf(state))
          const reason = decision === null ? undefined : reasonOf(decision)
          const base = {
            status,
            // Veriff's answer as it came (JSON.parse made it): the process's providerSpecific.
            providerSpecific: { [name]: raw as Schema.Json },
            checks: checksOf(decision, status),
            files: [],
            ...(reason === undefined || status === "pending" || status === "processing" ? {} : { reason })
          }
          // Identity data is part of the result only when accepted; otherwise it is not normalised at all.
          return status === "accepted" && decision !== null
            ? { ...base, finalResult: yield* normalise(decision, requestId) }
            : base
        }),

      // The event says which session changed; the engine then calls fetchResult, with the session's flow.
      verifyWebhook: (request) =>
        Effect.map(
          VeriffWebhook.verify({ apiKey: options.apiKey, secrets: webhookSecrets, request }),
          VeriffWebhook.eventOf
        )
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
  ProviderRegistry.register(make(options)).pipe(Layer.provide(VeriffClient.layer(options)))

/**
 * The adapter module the assure server loads (`ASSURE_PROVIDERS=veriff`), configured under the prefix `VERIFF`:
 * `VERIFF_API_KEY`, `VERIFF_SHARED_SECRET` (several, separated by commas, while Veriff rotates the shared secret key:
 * the first signs requests, any may sign a webhook) and, optionally, `VERIFF_BASE_URL`.
 *
 * @since 0.1.0
 */
export const adapter = AdapterModule.make({
  name,
  specificationVersion: IdentityProvider.specificationVersion,
  capabilities,
  prefix: "VERIFF",
  config: {
    apiKey: Config.Redacted("API_KEY"),
    secrets: Webhook.secretsConfig("SHARED_SECRET"),
    baseUrl: Config.String("BASE_URL").pipe(Config.withDefault(VeriffClient.defaultBaseUrl))
  },
  layer: ({ apiKey, secrets, baseUrl }) => layer({ apiKey, sharedSecret: secrets[0], webhookSecrets: secrets, baseUrl })
})

/**
 * {@link layer} configured from the environment: `VERIFF_API_KEY`, `VERIFF_SHARED_SECRET` (several, separated by
 * commas, while Veriff rotates the shared secret key: the first signs requests, any may sign a webhook) and,
 * optionally, `VERIFF_BASE_URL` (default {@link VeriffClient.defaultBaseUrl}).
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<
  never,
  ProviderRegistry.RegistrationError | Config.ConfigError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> = Layer.unwrap(Effect.map(AdapterModule.config(adapter), adapter.layer))
