/**
 * The Sumsub provider: the provider specification implemented over the {@link SumsubClient.SumsubClient}. Every
 * verification is a Sumsub applicant, created for a verification level (`levelName`) with our process id as its
 * `externalUserId`; the applicant's id is the session's reference. Two flows:
 *
 * - `document` (upload): the client's document images go to `POST /resources/applicants/{id}/info/idDoc` (the front
 *   as `FRONT_SIDE`, the back as `BACK_SIDE`, with `idDocType` and the issuing country from the parameters), then
 *   `POST /resources/applicants/{id}/status/pending` asks Sumsub to check them.
 * - `documentSelfie` (hosted): the end-user goes to a WebSDK permalink (`redirectUrl`, back to the return URL when
 *   done) or an application embeds the WebSDK with the access token (`clientToken`).
 *
 * The result is the applicant's review (`GET /resources/applicants/{id}/one`), announced by the `applicantReviewed`
 * webhook:
 *
 * | `review.reviewStatus` | `reviewResult` | process status |
 * |---|---|---|
 * | `init` | | `pending` (documents requested: the end-user has not submitted yet) |
 * | `pending`, `prechecked`, `queued`, `onHold`, `awaitingService`, `awaitingUser`, any other | | `processing` |
 * | `completed` | `GREEN` | `accepted` |
 * | `completed` | `RED`, `FINAL` | `rejected` |
 * | `completed` | `RED`, `RETRY`, hosted flow | `pending`: the end-user resubmits in the WebSDK |
 * | `completed` | `RED`, `RETRY`, upload flow | `inconclusive`: no end-user is there to resubmit |
 * | `completed` | none | `processing` |
 *
 * The reject labels become the outcome's `reason` through {@link rejectLabels}.
 *
 * @example
 * ```ts
 * import { ProviderRegistry } from "@assure/provider"
 * import { SumsubProvider } from "@assure/sumsub"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Providers = SumsubProvider.layer({
 *   appToken: Redacted.make("sbx:…"),
 *   secretKey: Redacted.make("…"),
 *   levelName: "basic-kyc-level",
 *   webhookSecrets: [Redacted.make("…")]
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { Address, CalendarDate, Country, IdentityData, PersonName, type ProcessStatus, ProcessType } from "@assure/core"
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
import { Config, Effect, Layer, Redacted, Result, Schema } from "effect"
import type { HttpClient } from "effect/http"
import * as SumsubClient from "./SumsubClient.js"
import * as SumsubWebhook from "./SumsubWebhook.js"

/** The name the provider is registered under. @since 0.1.0 */
export const name = SumsubClient.name

/** The upload flow: the client's document images. @since 0.1.0 */
export const uploadProcessType = ProcessType.ProcessType.make("document")

/** The hosted flow: Sumsub's WebSDK, with whatever the level asks for (documents, liveness). @since 0.1.0 */
export const hostedProcessType = ProcessType.ProcessType.make("documentSelfie")

/** The process types it runs. @since 0.1.0 */
export const processTypes = [uploadProcessType, hostedProcessType]

/** The flow a session runs. @since 0.1.0 */
export type Flow = "upload" | "hosted"

/**
 * What it can do; the engine and the conformance suite read it. No `selfie`: the upload flow sends the document only
 * (liveness is the WebSDK's); no `endUserCancel`: Sumsub reports no abandoned applicant; no `cancel`: Sumsub has no
 * call that cancels an applicant's check.
 *
 * @since 0.1.0
 */
export const capabilities: Capabilities.Capabilities = {
  ...Capabilities.none,
  documentImages: true,
  hostedFlow: true,
  webhooks: true,
  polling: true
}

/**
 * How the end-user takes part in each process type: photos of the document for `document` — the front, which
 * `start` requires (a `back` is uploaded when given) — and a hand-over to Sumsub's WebSDK for `documentSelfie`.
 * @since 0.2.0
 */
export const endUserFlows: EndUserFlow.Declarations = {
  [uploadProcessType]: { flow: "images", kinds: ["front"] },
  [hostedProcessType]: { flow: "handOver" }
}

/** Sumsub's document types and ours (`idDocType`). @since 0.1.0 */
export const documentTypes = CodeTable.make(
  "Sumsub document type",
  { PASSPORT: "passport", ID_CARD: "idCard", DRIVERS: "driverLicense", RESIDENCE_PERMIT: "residencePermit" },
  { fallback: CodeTable.fallbackTo("other") }
)

/**
 * Sumsub's reject labels and the reason each one becomes; a label not in the table is kept as Sumsub wrote it.
 *
 * @since 0.1.0
 */
export const rejectLabels = CodeTable.make(
  "Sumsub reject label",
  {
    FORGERY: "documentForged",
    DOCUMENT_TEMPLATE: "documentTemplate",
    LOW_QUALITY: "imageQualityLow",
    UNSATISFACTORY_PHOTOS: "imageQualityLow",
    SCREENSHOTS: "screenshot",
    DOCUMENT_DAMAGED: "documentDamaged",
    DOCUMENT_PAGE_MISSING: "documentPageMissing",
    FRONT_SIDE_MISSING: "documentFrontMissing",
    BACK_SIDE_MISSING: "documentBackMissing",
    EXPIRATION_DATE: "documentExpired",
    ID_INVALID: "documentInvalid",
    BAD_FACE_MATCHING: "faceMismatch",
    BAD_SELFIE: "selfieUnusable",
    FRAUDULENT_LIVENESS: "livenessFraud",
    AGE_REQUIREMENT_MISMATCH: "ageRequirementNotMet",
    DUPLICATE: "duplicateApplicant",
    BLACKLIST: "blocklisted",
    SANCTIONS: "sanctions",
    PEP: "politicallyExposed",
    ADVERSE_MEDIA: "adverseMedia",
    REQUESTED_DATA_MISMATCH: "dataMismatch",
    ADDITIONAL_DOCUMENT_REQUIRED: "additionalDocumentRequired"
  },
  { fallback: CodeTable.keepCode }
)

/** The `idDocType` words the parameters accept. */
const IdDocType = Schema.Literals(["PASSPORT", "ID_CARD", "DRIVERS", "RESIDENCE_PERMIT"])

/** Its entry of `processParameters`, decoded strictly: unknown keys are refused before Sumsub is called. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** The verification level to run instead of the configured one. */
  levelName: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128))),
  /** Upload flow: the kind of document the images show (default `ID_CARD`). */
  idDocType: Schema.optionalKey(IdDocType),
  /** Upload flow: the issuing country, ISO 3166-1 alpha-3 (Sumsub requires it with every document). */
  country: Schema.optionalKey(Country.Country)
})

/** Its entry of `processParameters`. @since 0.1.0 */
export type Parameters = typeof Parameters.Type

// Typed `processParameters["sumsub"]` for every application that imports this adapter.
declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly sumsub: Parameters
  }
}

/** How the provider is set up. @since 0.1.0 */
export interface Options extends SumsubClient.Options {
  /** The verification level applicants are created for, unless a process names another. */
  readonly levelName: string
  /** Any of them may have signed a webhook (several while the secret key changes). */
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
  /** How long the WebSDK link and access token live (default 1800 seconds). */
  readonly sdkTtlSeconds?: number | undefined
}

/** `review.reviewStatus` values that mean "Sumsub is at work" (any unknown one is read the same way). @since 0.1.0 */
export const processingReviewStatuses = [
  "pending",
  "prechecked",
  "queued",
  "onHold",
  "awaitingService",
  "awaitingUser"
] as const

/**
 * The process status of an applicant's review in a flow (the module's table).
 *
 * @since 0.1.0
 */
export const statusOf = (
  review: typeof SumsubClient.Review.Type | null | undefined,
  flow: Flow
): ProcessStatus.ProcessStatus => {
  if (review == null || review.reviewStatus === "init") return "pending"
  if (review.reviewStatus !== "completed" || review.reviewResult == null) return "processing"
  const result = review.reviewResult
  if (result.reviewAnswer === "GREEN") return "accepted"
  if (result.reviewRejectType === "RETRY") return flow === "hosted" ? "pending" : "inconclusive"
  return "rejected"
}

/** The reason of a `RED` review: its reject labels through {@link rejectLabels}, comma separated. @since 0.1.0 */
export const reasonOf = (result: SumsubClient.ReviewResult | null | undefined): string | undefined => {
  const labels = result?.reviewAnswer === "RED" ? (result.rejectLabels ?? []) : []
  if (labels.length === 0) return undefined
  // The table keeps unknown labels (`keepCode`), so every label has a reason.
  const reasons = labels.map((label) => Result.getOrElse(rejectLabels.get(label), () => label))
  return [...new Set(reasons)].join(",")
}

// Normalisation: each Sumsub field goes through the @assure/core codec for its format, so a value in an unexpected
// format is a typed error with a path, never a guess. Dates are `YYYY-MM-DD`, countries alpha-3.
const Normalised = Schema.Struct({
  firstName: Schema.optionalKey(PersonName.FromString),
  lastName: Schema.optionalKey(PersonName.FromString),
  dateOfBirth: Schema.optionalKey(CalendarDate.FromIsoString),
  nationality: Schema.optionalKey(Country.Country),
  documentType: Schema.optionalKey(documentTypes.schema),
  documentNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  issuingCountry: Schema.optionalKey(Country.Country),
  dateOfIssue: Schema.optionalKey(CalendarDate.FromIsoString),
  dateOfExpiry: Schema.optionalKey(CalendarDate.FromIsoString),
  address: Schema.optionalKey(Address.FromParts)
})

const normalise = Schema.decodeUnknownEffect(Normalised)

/** An address Sumsub read, as the parts `Address.FromParts` reads; `undefined` when there is nothing in it. */
export const addressParts = (address: typeof SumsubClient.Address.Type): Address.Parts | undefined => {
  const street = [address.street, address.buildingNumber].filter((part) => part != null && part.trim() !== "")
  const parts: Address.Parts = {
    lines:
      street.length > 0 || address.flatNumber != null || address.subStreet != null
        ? [street.length > 0 ? street.join(" ") : null, address.subStreet ?? null, address.flatNumber ?? null]
        : [address.formattedAddress ?? null],
    postalCode: address.postCode ?? null,
    city: address.town ?? null,
    region: address.state ?? null,
    country: address.country ?? null
  }
  return Address.hasParts(parts) ? parts : undefined
}

/** Leaves out what Sumsub did not send (`null`): "not read", not a failure. */
const present = (fields: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value != null))

/**
 * What Sumsub read, as normalised identity data: `info` (read from the documents) over `fixedInfo` (what was sent),
 * the first of `info.idDocs` for the document, and the first address.
 *
 * @since 0.1.0
 */
export const identityOf = (
  applicant: SumsubClient.Applicant,
  requestId?: string | undefined
): Effect.Effect<IdentityData.IdentityData, ProviderError.ProviderError> => {
  const info = applicant.info ?? {}
  const fixed = applicant.fixedInfo ?? {}
  const document = info.idDocs?.[0]
  const address = (info.addresses ?? fixed.addresses ?? [])[0]
  return normalise(
    present({
      firstName: info.firstName ?? fixed.firstName,
      lastName: info.lastName ?? fixed.lastName,
      dateOfBirth: info.dob ?? fixed.dob,
      nationality: info.nationality ?? fixed.nationality ?? info.country ?? fixed.country,
      documentType: document?.idDocType,
      documentNumber: document?.number,
      issuingCountry: document?.country,
      dateOfIssue: document?.issuedDate,
      dateOfExpiry: document?.validUntil,
      address: address === undefined ? undefined : addressParts(address)
    }),
    { errors: "all", onExcessProperty: "ignore" }
  ).pipe(
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(name, new ProviderError.InvalidResponse({ issue: error.message }), {
          requestId,
          description: "the applicant's identity data could not be normalised"
        })
      )
    )
  )
}

/** What the client already knows about the person, as Sumsub's `fixedInfo`. */
const fixedInfoOf = (userData: IdentityData.IdentityData | undefined) => {
  if (userData === undefined) return {}
  const fixedInfo = {
    ...(userData.firstName === undefined ? {} : { firstName: userData.firstName }),
    ...(userData.lastName === undefined ? {} : { lastName: userData.lastName }),
    ...(userData.dateOfBirth === undefined ? {} : { dob: userData.dateOfBirth })
  }
  return Object.keys(fixedInfo).length === 0 ? {} : { fixedInfo }
}

const refuse = (fields: ProviderError.InvalidRequest["fields"]) =>
  Effect.fail(
    ProviderError.make(name, new ProviderError.InvalidRequest({ fields }), { description: "the request is incomplete" })
  )

const extensions: Readonly<Record<string, string>> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/heic": "heic",
  "image/webp": "webp",
  "application/pdf": "pdf"
}

/** The flow a session's state names (the upload flow for a state without one). */
const flowOf = (state: IdentityProvider.SessionRequest["state"]): Flow =>
  state?.flow === "hosted" ? "hosted" : "upload"

/**
 * Builds the provider over the client.
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly levelName: string
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
  readonly sdkTtlSeconds?: number | undefined
}): Effect.Effect<IdentityProvider.IdentityProvider, never, SumsubClient.SumsubClient> =>
  Effect.gen(function* () {
    const client = yield* SumsubClient.SumsubClient
    const ttlInSecs = options.sdkTtlSeconds ?? 1800

    /**
     * The process's applicant: created for the level, or — when Sumsub refuses because one exists for this
     * `externalUserId` (a retried start) — the existing one; any other refusal is the creation's error.
     */
    const applicantFor = (request: IdentityProvider.StartRequest<Parameters>, levelName: string) =>
      client.createApplicant(levelName, { externalUserId: request.processId, ...fixedInfoOf(request.userData) }).pipe(
        Effect.catchIf(
          (error) => error.reason._tag === "InvalidRequest",
          (refused) =>
            client.getApplicantByExternalUserId(request.processId).pipe(Effect.catch(() => Effect.fail(refused)))
        ),
        Effect.map((response) => response.body)
      )

    const startUpload = (request: IdentityProvider.StartRequest<Parameters>, levelName: string) =>
      Effect.gen(function* () {
        const images = request.files.filter((file) => file.kind === "front" || file.kind === "back")
        if (!images.some((file) => file.kind === "front")) {
          return yield* refuse([{ name: "files.front", reason: "a front image of the document is required" }])
        }
        const country = request.parameters.country
        if (country === undefined) {
          return yield* refuse([
            {
              name: "processParameters.sumsub.country",
              reason: "Sumsub needs the document's issuing country (ISO 3166-1 alpha-3) with every upload"
            }
          ])
        }
        const applicant = yield* applicantFor(request, levelName)
        const applicantId = applicant.id
        // A retried start whose first attempt got as far as the check: the images are with Sumsub already.
        if (applicant.review != null && applicant.review.reviewStatus !== "init") {
          return { reference: applicantId, status: "processing" as const, state: { flow: "upload" } }
        }
        for (const image of images) {
          yield* client.addIdDoc(
            applicantId,
            {
              idDocType: request.parameters.idDocType ?? "ID_CARD",
              idDocSubType: image.kind === "front" ? "FRONT_SIDE" : "BACK_SIDE",
              country
            },
            {
              bytes: image.bytes,
              mediaType: image.mediaType,
              fileName: `${image.kind}.${extensions[image.mediaType] ?? "bin"}`
            }
          )
        }
        yield* client.requestCheck(applicantId)
        return { reference: applicantId, status: "processing" as const, state: { flow: "upload" } }
      })

    const startHosted = (request: IdentityProvider.StartRequest<Parameters>, levelName: string) =>
      Effect.gen(function* () {
        const applicant = yield* applicantFor(request, levelName)
        const link = yield* client.createWebSdkLink({
          levelName,
          userId: request.processId,
          ttlInSecs,
          ...(request.returnUrl === undefined
            ? {}
            : { redirect: { successUrl: request.returnUrl, rejectUrl: request.returnUrl } })
        })
        const token = yield* client.createAccessToken({ userId: request.processId, levelName, ttlInSecs })
        return {
          reference: applicant.id,
          status: "pending" as const,
          redirectUrl: link.body.url,
          clientToken: Redacted.make(token.body.token),
          state: { flow: "hosted" }
        }
      })

    return IdentityProvider.make<Parameters>({
      name,
      capabilities,
      processTypes,
      endUserFlows,
      parameters: Parameters,
      documentTypes: Effect.succeed([
        { documentType: "passport" },
        { documentType: "idCard" },
        { documentType: "driverLicense" },
        { documentType: "residencePermit" }
      ]),

      start: (request) => {
        const levelName = request.parameters.levelName ?? options.levelName
        return request.processType === hostedProcessType
          ? startHosted(request, levelName)
          : startUpload(request, levelName)
      },

      fetchResult: ({ reference, state }) =>
        Effect.gen(function* () {
          const { body, raw, requestId } = yield* client.getApplicant(reference)
          const status = statusOf(body.review, flowOf(state))
          const reason = reasonOf(body.review?.reviewResult)
          const base = {
            status,
            // Sumsub's answer as it came (JSON.parse made it): the process's providerSpecific.
            providerSpecific: { [name]: raw as Schema.Json },
            checks: [],
            files: [],
            ...(reason === undefined ? {} : { reason })
          }
          // Identity data is part of the result only when accepted; otherwise it is not normalised at all.
          return status === "accepted" ? { ...base, finalResult: yield* identityOf(body, requestId) } : base
        }),

      // The event names the applicant; the engine then calls fetchResult for the outcome and the identity data.
      verifyWebhook: (request) =>
        Effect.map(SumsubWebhook.verify({ secrets: options.webhookSecrets, request }), (event) => ({
          id: SumsubWebhook.eventId(event),
          reference: event.applicantId,
          type: event.type
        }))
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
  ProviderRegistry.register(make(options)).pipe(Layer.provide(SumsubClient.layer(options)))

/**
 * The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS=sumsub`, `@assure/sumsub`, or the
 * path of this package), configured under the prefix `SUMSUB`: `SUMSUB_APP_TOKEN`, `SUMSUB_SECRET_KEY`,
 * `SUMSUB_LEVEL_NAME`, `SUMSUB_WEBHOOK_SECRET` (comma-separated while it changes) and, optionally, `SUMSUB_BASE_URL`.
 * Its layer requires only what a host provides (see `AdapterModule.HostServices`).
 *
 * @since 0.1.0
 */
export const adapter = AdapterModule.make({
  name,
  // The provider specification this adapter was written for: a host implementing another refuses to load it. A
  // literal, not `IdentityProvider.specificationVersion`, which is the host's own at run time.
  specificationVersion: "1",
  capabilities,
  prefix: "SUMSUB",
  config: {
    appToken: Config.Redacted("APP_TOKEN"),
    secretKey: Config.Redacted("SECRET_KEY"),
    levelName: Config.String("LEVEL_NAME"),
    webhookSecrets: Webhook.secretsConfig("WEBHOOK_SECRET"),
    baseUrl: Config.String("BASE_URL").pipe(Config.withDefault(SumsubClient.defaultBaseUrl))
  },
  layer: ({ appToken, secretKey, levelName, webhookSecrets, baseUrl }) =>
    layer({ appToken, secretKey, levelName, baseUrl, webhookSecrets })
})

/**
 * {@link layer} configured from the environment, as {@link adapter} reads it.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<
  never,
  ProviderRegistry.RegistrationError | Config.ConfigError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> = Layer.unwrap(Effect.map(AdapterModule.config(adapter), adapter.layer))
