/**
 * The Persona provider: the provider specification implemented over the {@link PersonaClient.PersonaClient}.
 * It uploads the document images, maps the vendor's statuses to process statuses (the table below), normalises what
 * the vendor read with `@assure/core`'s codecs, and verifies webhooks. It classifies every failure and never
 * retries: the engine does, guided by `isRetryable`.
 *
 * | vendor status | process status |
 * |---|---|
 * | `processing` | `processing` |
 * | `approved` | `accepted` |
 * | `declined` | `rejected` |
 * | `review` | `inconclusive` |
 *
 * @example
 * ```ts
 * import { ProviderRegistry } from "@assure/provider"
 * import { PersonaProvider } from "@assure/persona"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Providers = PersonaProvider.layer({
 *   apiKey: Redacted.make("sk_live_…"),
 *   webhookSecrets: [Redacted.make("whsec_…")]
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import {
  CalendarDate,
  Country,
  DocumentType,
  IdentityData,
  PersonName,
  type ProcessStatus,
  ProcessType
} from "@assure/core"
import {
  AdapterModule,
  Capabilities,
  IdentityProvider,
  ProviderError,
  ProviderRegistry,
  type Webhook
} from "@assure/provider"
import { Config, Effect, Layer, Schema } from "effect"
import { Base64 } from "effect/encoding"
import type { HttpClient } from "effect/http"
import * as PersonaClient from "./PersonaClient.js"
import * as PersonaWebhook from "./PersonaWebhook.js"

/** The name the provider is registered under. @since 0.1.0 */
export const name = PersonaClient.name

/** The process types it runs. TODO(vendor): the flows the vendor offers (`documentSelfie`, …). @since 0.1.0 */
export const processTypes = [ProcessType.ProcessType.make("document")]

/** What it can do; the engine and the conformance suite read it. @since 0.1.0 */
export const capabilities: Capabilities.Capabilities = {
  ...Capabilities.none,
  // TODO(vendor): selfie, hostedFlow, endUserCancel, cancel, … as the vendor supports them
  documentImages: true,
  webhooks: true,
  polling: true
}

/** Its entry of `processParameters`, decoded strictly: unknown keys are refused before the vendor is called. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** TODO(vendor): the vendor's options for one verification; here, which of its workflows to run. */
  workflow: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)))
})

/** Its entry of `processParameters`. @since 0.1.0 */
export type Parameters = typeof Parameters.Type

// Typed `processParameters["persona"]` for every application that imports this adapter.
declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly persona: Parameters
  }
}

/** How the provider is set up: the client's options, and the secrets webhooks are signed with. @since 0.1.0 */
export interface Options extends PersonaClient.Options {
  /** Any of them may have signed a webhook (several during a rotation). */
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
}

/** The vendor's statuses as process statuses. TODO(vendor): every status the vendor documents. @since 0.1.0 */
export const statuses: Record<PersonaClient.VerificationStatus, ProcessStatus.ProcessStatus> = {
  processing: "processing",
  approved: "accepted",
  declined: "rejected",
  review: "inconclusive"
}

// Normalisation: each vendor field goes through the @assure/core codec for its format, so a value in an unexpected
// format is a typed error with a path, never a guess. TODO(vendor): the formats the vendor really sends.
const NormalisedPerson = Schema.Struct({
  firstName: Schema.optionalKey(PersonName.FromString),
  lastName: Schema.optionalKey(PersonName.FromString),
  dateOfBirth: Schema.optionalKey(CalendarDate.FromIsoString),
  nationality: Schema.optionalKey(Country.FromAlpha2)
}).pipe(Schema.encodeKeys({ firstName: "first_name", lastName: "last_name", dateOfBirth: "birth_date" }))

const NormalisedDocument = Schema.Struct({
  documentType: Schema.optionalKey(DocumentType.FromProviderWord),
  documentNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  issuingCountry: Schema.optionalKey(Country.FromAlpha2),
  dateOfExpiry: Schema.optionalKey(CalendarDate.FromIsoString)
}).pipe(
  Schema.encodeKeys({
    documentType: "type",
    documentNumber: "number",
    issuingCountry: "country",
    dateOfExpiry: "expiry_date"
  })
)

const normalise = Schema.decodeUnknownEffect(Schema.Struct({ person: NormalisedPerson, document: NormalisedDocument }))

/** The vendor's `null` means "not read": such fields are left out rather than failed on. */
const present = (fields: { readonly [key: string]: string | null | undefined } | null | undefined) =>
  Object.fromEntries(Object.entries(fields ?? {}).filter(([, value]) => value != null))

/** What the vendor read, as normalised identity data. */
const identityOf = (
  verification: PersonaClient.Verification,
  requestId: string | undefined
): Effect.Effect<IdentityData.IdentityData, ProviderError.ProviderError> =>
  normalise(
    { person: present(verification.person), document: present(verification.document) },
    { errors: "all", onExcessProperty: "ignore" }
  ).pipe(
    Effect.map(({ person, document }) => ({ ...person, ...document })),
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(name, new ProviderError.InvalidResponse({ issue: error.message }), {
          requestId,
          description: "the verification's identity data could not be normalised"
        })
      )
    )
  )

/** The files sent to the vendor: the document's sides. Strict on what we send: nothing else goes out. */
const documentFiles = (files: ReadonlyArray<IdentityProvider.InputFile>) =>
  files.flatMap((file) =>
    file.kind === "front" || file.kind === "back"
      ? [{ side: file.kind, media_type: file.mediaType, data: Base64.encode(file.bytes) }]
      : []
  )

/** What the client already knows about the person, in the vendor's words. */
const personOf = (userData: IdentityData.IdentityData | undefined) =>
  userData === undefined
    ? {}
    : {
        person: {
          ...(userData.firstName === undefined ? {} : { first_name: userData.firstName }),
          ...(userData.lastName === undefined ? {} : { last_name: userData.lastName }),
          ...(userData.dateOfBirth === undefined ? {} : { birth_date: userData.dateOfBirth })
        }
      }

const refuse = (fields: ProviderError.InvalidRequest["fields"]) =>
  Effect.fail(
    ProviderError.make(name, new ProviderError.InvalidRequest({ fields }), { description: "the request is incomplete" })
  )

/**
 * Builds the provider over the client.
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
}): Effect.Effect<IdentityProvider.IdentityProvider, never, PersonaClient.PersonaClient> =>
  Effect.gen(function* () {
    const client = yield* PersonaClient.PersonaClient
    return IdentityProvider.make<Parameters>({
      name,
      capabilities,
      processTypes,
      parameters: Parameters,
      // TODO(vendor): the documents (and issuing countries) the vendor accepts
      documentTypes: Effect.succeed([
        { documentType: "passport" },
        { documentType: "idCard" },
        { documentType: "driverLicense" }
      ]),

      start: (request) =>
        Effect.gen(function* () {
          const files = documentFiles(request.files)
          if (!files.some((file) => file.side === "front")) {
            return yield* refuse([{ name: "files.front", reason: "a front image of the document is required" }])
          }
          const created = yield* client.createVerification(
            {
              reference: request.processId,
              ...(request.parameters.workflow === undefined ? {} : { workflow: request.parameters.workflow }),
              ...personOf(request.userData),
              files
            },
            { idempotencyKey: request.idempotencyKey }
          )
          return { reference: created.body.id, status: "processing" as const }
        }),

      fetchResult: ({ reference }) =>
        Effect.gen(function* () {
          const { body, raw, requestId } = yield* client.getVerification(reference)
          const status = statuses[body.status]
          const base = {
            status,
            // The vendor's answer as it came (JSON.parse made it): the process's providerSpecific.
            providerSpecific: { [name]: raw as Schema.Json },
            // TODO(vendor): the vendor's individual checks (document authenticity, face match, …)
            checks: [],
            // TODO(vendor): the portrait, where the vendor offers it (ProviderHttp's `bytes`)
            files: [],
            ...(body.reason == null ? {} : { reason: body.reason })
          }
          // Identity data is part of the result only when accepted; otherwise it is not normalised at all.
          return status === "accepted" ? { ...base, finalResult: yield* identityOf(body, requestId) } : base
        }),

      // The event only says which verification changed; the engine then calls fetchResult for the outcome.
      verifyWebhook: (request) =>
        Effect.map(PersonaWebhook.verify({ secrets: options.webhookSecrets, request }), (event) => ({
          id: event.id,
          reference: event.verification_id,
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
  ProviderRegistry.register(make(options)).pipe(Layer.provide(PersonaClient.layer(options)))

/**
 * The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS=@assure/persona`, or the path of
 * this package), configured under the prefix `PERSONA`: `PERSONA_API_KEY`, `PERSONA_WEBHOOK_SECRET` and,
 * optionally, `PERSONA_BASE_URL`. Its layer requires only what a host provides (see `AdapterModule.HostServices`).
 *
 * @since 0.1.0
 */
export const adapter = AdapterModule.make({
  name,
  // The provider specification this adapter was written for: a host implementing another refuses to load it. A
  // literal, not `IdentityProvider.specificationVersion`, which is the host's own at run time.
  specificationVersion: "1",
  capabilities,
  prefix: "PERSONA",
  config: {
    apiKey: Config.Redacted("API_KEY"),
    webhookSecret: Config.Redacted("WEBHOOK_SECRET"),
    baseUrl: Config.String("BASE_URL").pipe(Config.withDefault(PersonaClient.defaultBaseUrl))
  },
  layer: ({ apiKey, webhookSecret, baseUrl }) => layer({ apiKey, baseUrl, webhookSecrets: [webhookSecret] })
})

/**
 * {@link layer} configured from the environment: `PERSONA_API_KEY`, `PERSONA_WEBHOOK_SECRET` and, optionally,
 * `PERSONA_BASE_URL`.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<
  never,
  ProviderRegistry.RegistrationError | Config.ConfigError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> = Layer.unwrap(Effect.map(AdapterModule.config(adapter), adapter.layer))
