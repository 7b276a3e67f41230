/**
 * The Persona provider: the provider specification implemented over the {@link PersonaClient.PersonaClient}, for
 * Persona's inquiries in the **hosted flow**. `start` creates an inquiry from an inquiry template
 * (`inquiry-template-id`) and returns Persona's hosted flow for it as the `redirectUrl`; the end-user goes through
 * whatever the template collects (a government ID, a selfie, …) and Persona sends them back to the return URL
 * (`redirect-uri`). The result comes from the inquiry (`GET /inquiries/{id}?include=verifications`), which a webhook
 * announces or the engine polls: the inquiry's status is mapped to a process status (the table below), and what
 * Persona collected is normalised with `@assure/core`'s codecs. `cancel` expires the inquiry
 * (`POST /inquiries/{id}/expire`). It classifies every failure and never retries: the engine does, guided by
 * `isRetryable`.
 *
 * | Persona inquiry status | process status | with `awaitDecision` |
 * |---|---|---|
 * | `created`, `pending` | `pending`: the end-user has not finished | same |
 * | `completed` | `accepted` | `processing`: a workflow or a reviewer decides next |
 * | `approved` | `accepted` | same |
 * | `failed` | `rejected`: a required verification failed | same |
 * | `declined` | `rejected` | same |
 * | `needs_review` | `inconclusive` | `processing`: a reviewer approves or declines next |
 * | `expired` | `canceled`: the end-user walked away, or the inquiry was expired through the API | same |
 *
 * @example
 * ```ts
 * import { ProviderRegistry } from "@assure/provider"
 * import { PersonaProvider } from "@assure/persona"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Providers = PersonaProvider.layer({
 *   apiKey: Redacted.make("persona_production_…"),
 *   inquiryTemplateId: "itmpl_…",
 *   webhookSecrets: [Redacted.make("wbhsec_…")]
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
  ProcessType
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
import { Config, Effect, Layer, Schema } from "effect"
import type { HttpClient } from "effect/http"
import * as PersonaClient from "./PersonaClient.js"
import * as PersonaWebhook from "./PersonaWebhook.js"

/** The name the provider is registered under. @since 0.1.0 */
export const name = PersonaClient.name

/** The hosted flow: an inquiry from a template; the template decides what is collected. @since 0.1.0 */
export const inquiryProcessType = ProcessType.ProcessType.make("inquiry")

/** The process types it runs: `inquiry`. @since 0.1.0 */
export const processTypes = [inquiryProcessType]

/** What it can do; the engine and the conformance suite read it. @since 0.1.0 */
export const capabilities: Capabilities.Capabilities = {
  ...Capabilities.none,
  // The end-user goes to Persona's hosted flow; the return proves nothing, so `redirect` stays off.
  hostedFlow: true,
  webhooks: true,
  polling: true,
  // An end-user who leaves the flow lets the inquiry expire (24 hours by default), and Persona reports `expired`.
  endUserCancel: true,
  // `POST /inquiries/{id}/expire` ends an inquiry through the API.
  cancel: true
}

/** How the end-user takes part in `inquiry`: a hand-over to Persona's hosted flow. @since 0.2.0 */
export const endUserFlows: EndUserFlow.Declarations = {
  [inquiryProcessType]: { flow: "handOver" }
}

/** Its entry of `processParameters`, decoded strictly: unknown keys are refused before Persona is called. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** `itmpl_…`: the inquiry template to run; default, the provider's configured template. */
  inquiryTemplateId: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^itmpl_[A-Za-z0-9]+$/))),
  /** `reference-id`: Persona groups inquiries with the same reference under one account; default, the process id. */
  referenceId: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(255))),
  /**
   * Wait for a decision after `completed` (and after `needs_review`): for templates whose workflows or reviewers
   * approve or decline inquiries. Default false: `completed` is `accepted`.
   */
  awaitDecision: Schema.optionalKey(Schema.Boolean)
})

/** Its entry of `processParameters`. @since 0.1.0 */
export type Parameters = typeof Parameters.Type

// Typed `processParameters["persona"]` for every application that imports this adapter.
declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly persona: Parameters
  }
}

/** How the provider is set up: the client's options, the default template, and the webhook secrets. @since 0.1.0 */
export interface Options extends PersonaClient.Options {
  /** The inquiry template a process runs when its parameters name none. */
  readonly inquiryTemplateId?: string | undefined
  /** Any of them may have signed a webhook (two while Persona rotates a webhook's secret). */
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
}

/**
 * Inquiry statuses as process statuses, without `awaitDecision` — the table in the module documentation.
 *
 * @since 0.1.0
 */
export const statuses: Record<PersonaClient.InquiryStatus, ProcessStatus.ProcessStatus> = {
  created: "pending",
  pending: "pending",
  completed: "accepted",
  approved: "accepted",
  failed: "rejected",
  declined: "rejected",
  needs_review: "inconclusive",
  expired: "canceled"
}

/** An inquiry status as a process status; `awaitDecision` waits past `completed` and `needs_review`. @since 0.1.0 */
export const statusOf = (status: PersonaClient.InquiryStatus, awaitDecision: boolean): ProcessStatus.ProcessStatus =>
  awaitDecision && (status === "completed" || status === "needs_review") ? "processing" : statuses[status]

/**
 * Persona's government ID classes (`id-class`); a class Persona adds later is `other`.
 *
 * @since 0.1.0
 */
export const idClasses = CodeTable.make(
  "Persona government ID class",
  {
    pp: "passport",
    ppc: "passport",
    id: "idCard",
    dl: "driverLicense",
    rp: "residencePermit",
    pr: "residencePermit",
    visa: "visa"
  },
  { to: DocumentType.DocumentType, fallback: CodeTable.fallbackTo("other") }
)

// Normalisation: each Persona field goes through the @assure/core codec for its format, so a value in an unexpected
// format is a typed error whose path names Persona's field, never a guess.
const Normalised = Schema.Struct({
  firstName: Schema.optionalKey(PersonName.FromString),
  lastName: Schema.optionalKey(PersonName.FromString),
  dateOfBirth: Schema.optionalKey(CalendarDate.FromIsoString),
  address: Schema.optionalKey(Address.FromParts),
  documentType: Schema.optionalKey(idClasses.schema),
  documentNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  issuingCountry: Schema.optionalKey(Country.FromAlpha2),
  dateOfIssue: Schema.optionalKey(CalendarDate.FromIsoString),
  dateOfExpiry: Schema.optionalKey(CalendarDate.FromIsoString)
}).pipe(
  Schema.encodeKeys({
    firstName: "name-first",
    lastName: "name-last",
    dateOfBirth: "birthdate",
    address: "address",
    documentType: "government-id.id-class",
    documentNumber: "identification-number",
    issuingCountry: "government-id.country-code",
    dateOfIssue: "government-id.issue-date",
    dateOfExpiry: "government-id.expiration-date"
  })
)

const decodeNormalised = Schema.decodeUnknownEffect(Normalised)

/** The inquiry's verifications, from `included`. @since 0.1.0 */
export const verificationsOf = (document: PersonaClient.InquiryDocument): ReadonlyArray<PersonaClient.Verification> =>
  (document.included ?? []).flatMap((included) => {
    const verification = PersonaClient.verificationOf(included)
    return verification === undefined ? [] : [verification]
  })

/** The government ID verification that passed (the last one, if the end-user retried), if any. @since 0.1.0 */
export const governmentIdOf = (
  verifications: ReadonlyArray<PersonaClient.Verification>
): PersonaClient.Verification | undefined =>
  verifications.filter((v) => v.type === "verification/government-id" && v.attributes.status === "passed").at(-1)

const filled = (value: unknown): value is string => typeof value === "string" && value.trim().length > 0

/** A string attribute, or `null` for anything else (`null`, `{}`). */
const stringOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null)

/**
 * What Persona collected, keyed by Persona's attribute names (`name-first`, `government-id.expiration-date`,
 * `address`): the inquiry's attributes, and the passed government ID's where the inquiry has none. What Persona did
 * not collect (`null`, empty) is left out. Exposed for tests and tools.
 *
 * @since 0.1.0
 */
export const readFields = (document: PersonaClient.InquiryDocument): { readonly [path: string]: unknown } => {
  const inquiry = document.data.attributes
  const governmentId = governmentIdOf(verificationsOf(document))?.attributes
  const fields: Record<string, unknown> = {}
  for (const key of ["name-first", "name-last", "birthdate", "identification-number"] as const) {
    const value = filled(inquiry[key]) ? inquiry[key] : governmentId?.[key]
    if (filled(value)) fields[key] = value
  }
  for (const key of ["id-class", "country-code", "issue-date", "expiration-date"] as const) {
    const value = governmentId?.[key]
    if (filled(value)) fields[`government-id.${key}`] = value
  }
  const address: Address.Parts = {
    lines: [stringOrNull(inquiry["address-street-1"]), stringOrNull(inquiry["address-street-2"])],
    postalCode: stringOrNull(inquiry["address-postal-code"]),
    city: stringOrNull(inquiry["address-city"]),
    region: stringOrNull(inquiry["address-subdivision"]),
    country: stringOrNull(inquiry["address-country-code"])
  }
  if (Address.hasParts(address)) fields.address = address
  return fields
}

/**
 * Normalises what Persona collected into identity data; a value in an unexpected format is `InvalidResponse` with
 * Persona's field in the path.
 *
 * @since 0.1.0
 */
export const normalise = (
  document: PersonaClient.InquiryDocument,
  requestId?: string | undefined
): Effect.Effect<IdentityData.IdentityData, ProviderError.ProviderError> =>
  decodeNormalised(readFields(document), { errors: "all", onExcessProperty: "ignore" }).pipe(
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(name, new ProviderError.InvalidResponse({ issue: error.message }), {
          requestId,
          description: "the inquiry's identity data could not be normalised"
        })
      )
    )
  )

const outcomeOf = (status: string): IdentityProvider.Check["outcome"] =>
  status === "passed" ? "passed" : status === "failed" ? "failed" : "inconclusive"

/**
 * Each verification as one check, named by its type, with Persona's status as the detail; then each check Persona
 * ran within it (`verification/government-id/id_expired_detection`), with its reasons, leaving out the checks that
 * did not apply (`not_applicable`).
 *
 * @since 0.1.0
 */
export const checksOf = (
  verifications: ReadonlyArray<PersonaClient.Verification>
): ReadonlyArray<IdentityProvider.Check> =>
  verifications.flatMap((verification) => [
    {
      name: verification.type,
      outcome: outcomeOf(verification.attributes.status),
      detail: verification.attributes.status
    },
    ...(verification.attributes.checks ?? [])
      .filter((check) => check.status !== "not_applicable")
      .map((check) => {
        const reasons = (check.reasons ?? []).filter((reason): reason is string => typeof reason === "string")
        return {
          name: `${verification.type}/${check.name}`,
          outcome: outcomeOf(check.status),
          detail: reasons.length > 0 ? `${check.status}: ${reasons.join(", ")}` : check.status
        }
      })
  ])

/** What the client already knows, as Persona's prefilled inquiry fields. @since 0.1.0 */
export const fieldsOf = (
  userData: IdentityData.IdentityData | undefined
): { readonly [field: string]: string } | undefined => {
  if (userData === undefined) return undefined
  const fields = {
    ...(userData.firstName === undefined ? {} : { "name-first": userData.firstName }),
    ...(userData.lastName === undefined ? {} : { "name-last": userData.lastName }),
    ...(userData.dateOfBirth === undefined ? {} : { birthdate: userData.dateOfBirth })
  }
  return Object.keys(fields).length === 0 ? undefined : fields
}

const refuse = (fields: ProviderError.InvalidRequest["fields"], description: string) =>
  Effect.fail(ProviderError.make(name, new ProviderError.InvalidRequest({ fields }), { description }))

/** Whether the process waits for a decision after `completed`, as kept in its provider state. @since 0.1.0 */
export const awaitsDecision = (state: IdentityProvider.ProviderState | undefined): boolean =>
  state?.awaitDecision === true

/**
 * Builds the provider over the client.
 *
 * @since 0.1.0
 */
export const make = (
  options: Pick<Options, "inquiryTemplateId" | "webhookSecrets">
): Effect.Effect<IdentityProvider.IdentityProvider, never, PersonaClient.PersonaClient> =>
  Effect.gen(function* () {
    const client = yield* PersonaClient.PersonaClient
    return IdentityProvider.make<Parameters>({
      name,
      capabilities,
      processTypes,
      endUserFlows,
      parameters: Parameters,
      // Persona's government ID verification reads passports, identity cards, residence permits and driving
      // licences; which ones a template accepts is configured in Persona's dashboard.
      documentTypes: Effect.succeed([
        { documentType: "passport" },
        { documentType: "idCard" },
        { documentType: "residencePermit" },
        { documentType: "driverLicense" }
      ]),

      start: (request) =>
        Effect.gen(function* () {
          const template = request.parameters.inquiryTemplateId ?? options.inquiryTemplateId
          if (template === undefined) {
            return yield* refuse(
              [{ name: "processParameters.persona.inquiryTemplateId", reason: "no inquiry template is configured" }],
              "an inquiry needs an inquiry template"
            )
          }
          const fields = fieldsOf(request.userData)
          const created = yield* client.createInquiry(
            {
              data: {
                attributes: {
                  "inquiry-template-id": template,
                  "reference-id": request.parameters.referenceId ?? request.processId,
                  ...(fields === undefined ? {} : { fields })
                }
              }
            },
            { idempotencyKey: request.idempotencyKey }
          )
          const inquiry = created.body.data
          return {
            reference: inquiry.id,
            status: "pending" as const,
            redirectUrl: client.hostedFlowUrl(inquiry.id, request.returnUrl),
            state: { awaitDecision: request.parameters.awaitDecision ?? false }
          }
        }),

      fetchResult: ({ reference, state }) =>
        Effect.gen(function* () {
          const { body, raw, requestId } = yield* client.getInquiry(reference)
          const inquiryStatus = body.data.attributes.status
          const status = statusOf(inquiryStatus, awaitsDecision(state))
          const base = {
            status,
            // Persona's answer as it came (JSON.parse made it): the process's providerSpecific.
            providerSpecific: { [name]: raw as Schema.Json },
            checks: checksOf(verificationsOf(body)),
            files: [],
            ...(ProcessStatus.isFinal(status) && status !== "accepted" ? { reason: inquiryStatus } : {})
          }
          // Identity data is part of the result only when accepted; otherwise it is not normalised at all.
          return status === "accepted" ? { ...base, finalResult: yield* normalise(body, requestId) } : base
        }),

      // The event says which inquiry changed; the engine then calls fetchResult for the outcome.
      verifyWebhook: (request) =>
        Effect.flatMap(PersonaWebhook.verify({ secrets: options.webhookSecrets, request }), PersonaWebhook.eventOf),

      cancel: ({ reference }) => Effect.asVoid(client.expireInquiry(reference))
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
 * The adapter module the assure server loads (`ASSURE_PROVIDERS=persona`), configured under the prefix `PERSONA`:
 * `PERSONA_API_KEY`, `PERSONA_WEBHOOK_SECRET` (two, separated by a comma, while Persona rotates the webhook's secret;
 * either may sign) and, optionally, `PERSONA_INQUIRY_TEMPLATE_ID` (the template of processes that name none),
 * `PERSONA_BASE_URL`, `PERSONA_HOSTED_FLOW_URL` and `PERSONA_API_VERSION`.
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
    webhookSecrets: Webhook.secretsConfig("WEBHOOK_SECRET"),
    inquiryTemplateId: Config.option(Config.String("INQUIRY_TEMPLATE_ID")),
    baseUrl: Config.String("BASE_URL").pipe(Config.withDefault(PersonaClient.defaultBaseUrl)),
    hostedFlowUrl: Config.String("HOSTED_FLOW_URL").pipe(Config.withDefault(PersonaClient.defaultHostedFlowUrl)),
    apiVersion: Config.String("API_VERSION").pipe(Config.withDefault(PersonaClient.defaultApiVersion))
  },
  layer: ({ apiKey, webhookSecrets, inquiryTemplateId, baseUrl, hostedFlowUrl, apiVersion }) =>
    layer({
      apiKey,
      webhookSecrets,
      inquiryTemplateId: inquiryTemplateId._tag === "Some" ? inquiryTemplateId.value : undefined,
      baseUrl,
      hostedFlowUrl,
      apiVersion
    })
})

/**
 * {@link layer} configured from the environment: the variables of {@link adapter}.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<
  never,
  ProviderRegistry.RegistrationError | Config.ConfigError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> = Layer.unwrap(Effect.map(AdapterModule.config(adapter), adapter.layer))
