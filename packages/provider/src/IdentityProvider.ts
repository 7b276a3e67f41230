/**
 * The provider specification: the interface every identity-provider adapter implements.
 *
 * A verification goes through a provider like this:
 *
 * 1. `start` hands over what the provider needs — the client's identity data, files, the provider's own
 *    parameters, a return URL for redirect flows — and gets back a {@link Session}: the provider's reference, and
 *    for hosted or redirect flows the URL or token to give the end-user.
 * 2. The result arrives either through a webhook (`verifyWebhook` checks the signature on the raw bytes and reads
 *    the event), through the end-user coming back from a redirect (`complete`), or by asking (`fetchResult`).
 * 3. Each gives an {@link Outcome}: the process status, the normalised identity data, and the provider's raw data.
 *
 * Inputs and outputs are `@assure/core` types plus the provider's raw JSON: vendor types never cross this interface.
 * The interface is versioned by {@link specificationVersion}; a breaking change to it is a new version.
 *
 * Adapters write a typed {@link Definition} and turn it into an `IdentityProvider` with {@link make}, which validates
 * the provider parameters with the adapter's schema before `start` ever sees them.
 *
 * @since 0.1.0
 */
import {
  type Country,
  type DocumentType,
  type FileKind,
  type Identifiers,
  type IdentityData,
  Problem,
  type Process,
  type ProcessStatus,
  type ProcessType,
  type ProviderName,
  type Timestamp
} from "@assure/core"
import { Effect, type Redacted, Schema } from "effect"
import type { Capabilities } from "./Capabilities.js"
import {
  derive as deriveEndUserFlow,
  type Declarations as EndUserFlowDeclarations,
  type EndUserFlow as EndUserFlowOfModule
} from "./EndUserFlow.js"
import * as ProviderError from "./ProviderError.js"

/** How the end-user takes part in a process type (see the `EndUserFlow` module). @since 0.2.0 */
export type EndUserFlow = EndUserFlowOfModule

/** The version of this specification an adapter implements. @since 0.1.0 */
export const specificationVersion = "1" as const

/** An image or video handed to a provider. @since 0.1.0 */
export interface InputFile {
  readonly kind: FileKind.UploadableKind
  readonly mediaType: string
  readonly bytes: Uint8Array
}

/** An image or video a provider returns (the `portrait` it cut from the document). @since 0.1.0 */
export interface OutputFile {
  readonly kind: FileKind.FileKind
  readonly mediaType: string
  readonly bytes: Uint8Array
}

/** Data a provider keeps between `start` and `complete` or `fetchResult` (an OIDC nonce, a PKCE verifier). The engine stores it encrypted and hands it back. @since 0.1.0 */
export type ProviderState = { readonly [key: string]: Schema.Json }

/** What `start` receives. @since 0.1.0 */
export interface StartRequest<Parameters = unknown> {
  readonly dossierId: Identifiers.DossierId
  readonly processId: Identifiers.ProcessId
  readonly processType: ProcessType.ProcessType
  /** The provider's own parameters, already validated by its `parameters` schema. */
  readonly parameters: Parameters
  /** Identity data the client supplied (`userData`), for providers that compare against it. */
  readonly userData?: IdentityData.IdentityData | undefined
  readonly files: ReadonlyArray<InputFile>
  /** Where the end-user returns after a redirect or hosted flow. */
  readonly returnUrl?: string | undefined
  /** The same key for a retried start: providers that support idempotency pass it on. */
  readonly idempotencyKey: string
}

/** A started verification at the provider. @since 0.1.0 */
export interface Session {
  /** The provider's id for this verification (an Onfido check, a Veriff session, an OIDC `state`). */
  readonly reference: string
  readonly status: "pending" | "processing"
  /** Where to send the end-user, for redirect and hosted flows. */
  readonly redirectUrl?: string | undefined
  readonly expiresAt?: Timestamp.Timestamp | undefined
  /** A token for the vendor's SDK (Stripe's client secret, an Onfido SDK token). */
  readonly clientToken?: Redacted.Redacted<string> | undefined
  readonly state?: ProviderState | undefined
}

/** One check a provider ran (document authenticity, face match, liveness) and how it came out. @since 0.1.0 */
export interface Check {
  readonly name: string
  readonly outcome: "passed" | "failed" | "inconclusive"
  /** The vendor's own word for the outcome (`clear`, `consider`, `9102`). */
  readonly detail?: string
}

/**
 * How a verification came out so far. `finalResult` is present only when `status` is `accepted`; `providerSpecific`
 * keeps the vendor's data (without images) for the process's `providerSpecific`.
 *
 * @since 0.1.0
 */
export interface Outcome {
  readonly status: ProcessStatus.ProcessStatus
  readonly finalResult?: IdentityData.IdentityData | undefined
  readonly providerSpecific: Process.ProviderSpecific
  readonly checks: ReadonlyArray<Check>
  readonly files: ReadonlyArray<OutputFile>
  /** Why the verification was rejected, failed or cancelled, in the vendor's words (`selfie_face_mismatch`). */
  readonly reason?: string | undefined
}

/** A webhook exactly as it arrived: headers (names in lower case) and the raw body bytes. @since 0.1.0 */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string>>
  readonly rawBody: Uint8Array
}

/** A verified event from a provider. @since 0.1.0 */
export interface ProviderEvent {
  /** Unique per event, for deduplication. */
  readonly id: string
  /** The session the event is about. */
  readonly reference: string
  /** The vendor's event name (`check.completed`). */
  readonly type: string
  /** The outcome, when the event carries it; otherwise call `fetchResult`. */
  readonly outcome?: Outcome | undefined
}

/** The end-user coming back from a redirect flow. @since 0.1.0 */
export interface CallbackRequest {
  readonly reference: string
  readonly state?: ProviderState | undefined
  /** The query parameters of the return URL (`code`, `state`, `error`). */
  readonly params: Readonly<Record<string, string>>
}

/** Which session `fetchResult` and `cancel` are about. @since 0.1.0 */
export interface SessionRequest {
  readonly reference: string
  readonly state?: ProviderState | undefined
}

/** A document a provider accepts, for `GET /assure/{provider}/document-types`. @since 0.1.0 */
export interface SupportedDocument {
  readonly documentType: DocumentType.DocumentType
  /** The issuing countries accepted; absent means any. */
  readonly countries?: ReadonlyArray<Country.Country> | undefined
}

/** What an adapter writes: the provider, typed by its own parameters. @since 0.1.0 */
export interface Definition<Parameters> {
  readonly name: ProviderName.ProviderName
  readonly capabilities: Capabilities
  /** The process types this provider runs (`document`, `documentSelfie`). */
  readonly processTypes: ReadonlyArray<ProcessType.ProcessType>
  /** Decodes the provider's entry of `processParameters`; strict: unknown keys are errors. */
  readonly parameters: Schema.Codec<Parameters, unknown>
  readonly documentTypes: Effect.Effect<ReadonlyArray<SupportedDocument>, ProviderError.ProviderError>
  readonly start: (request: StartRequest<Parameters>) => Effect.Effect<Session, ProviderError.ProviderError>
  readonly fetchResult: (request: SessionRequest) => Effect.Effect<Outcome, ProviderError.ProviderError>
  readonly verifyWebhook: (request: WebhookRequest) => Effect.Effect<ProviderEvent, ProviderError.ProviderError>
  /** Required when `capabilities.redirect` is set. */
  readonly complete?: ((request: CallbackRequest) => Effect.Effect<Outcome, ProviderError.ProviderError>) | undefined
  /** Required when `capabilities.cancel` is set. */
  readonly cancel?: ((request: SessionRequest) => Effect.Effect<void, ProviderError.ProviderError>) | undefined
  /**
   * How the end-user takes part in each process type, for the hosted capture page: photos to upload (`images`, with
   * the kinds `start` needs) or a hand-over to the provider (`handOver`). Only process types in `processTypes`; a
   * process type left out is derived from the capabilities where they leave no doubt (`EndUserFlow.derive`).
   * @since 0.2.0
   */
  readonly endUserFlows?: EndUserFlowDeclarations | undefined
}

/**
 * A provider as the engine and the registry see it: the specification version, and `start` taking the raw provider
 * parameters (validated here, with the adapter's schema).
 *
 * @since 0.1.0
 */
export interface IdentityProvider {
  readonly specificationVersion: typeof specificationVersion
  readonly name: ProviderName.ProviderName
  readonly capabilities: Capabilities
  readonly processTypes: ReadonlyArray<ProcessType.ProcessType>
  readonly documentTypes: Effect.Effect<ReadonlyArray<SupportedDocument>, ProviderError.ProviderError>
  /** Checks provider parameters without starting anything (for validating a process before storing it). */
  readonly validateParameters: (parameters: unknown) => Effect.Effect<void, ProviderError.ProviderError>
  readonly start: (request: StartRequest<unknown>) => Effect.Effect<Session, ProviderError.ProviderError>
  readonly fetchResult: (request: SessionRequest) => Effect.Effect<Outcome, ProviderError.ProviderError>
  readonly verifyWebhook: (request: WebhookRequest) => Effect.Effect<ProviderEvent, ProviderError.ProviderError>
  readonly complete: (request: CallbackRequest) => Effect.Effect<Outcome, ProviderError.ProviderError>
  readonly cancel: (request: SessionRequest) => Effect.Effect<void, ProviderError.ProviderError>
  /**
   * How the end-user takes part in a process type, for a page that meets them; undefined when no page can capture
   * for it (the provider does not run it, or the client supplies everything, as ICAO's `mrz` and `chip`).
   * @since 0.2.0
   */
  readonly endUserFlow: (processType: string) => EndUserFlow | undefined
}

const unsupported = (provider: string, operation: string) =>
  Effect.fail(
    ProviderError.make(provider, new ProviderError.Misconfigured(), {
      description: `${provider} does not support ${operation}`
    })
  )

/**
 * Turns an adapter's typed definition into an `IdentityProvider`: provider parameters are decoded with the
 * definition's schema (errors become `InvalidRequest` with the path of each bad field), process types are checked,
 * and missing optional operations fail with `Misconfigured`. `endUserFlow` answers the definition's `endUserFlows`,
 * or what `EndUserFlow.derive` makes of the capabilities for a process type left out.
 *
 * Throws when `endUserFlows` declares a process type the definition does not run: that is a mistake in the adapter,
 * and adapters are made when the host starts, so it stops the start rather than a capture later.
 *
 * @since 0.1.0
 */
export const make = <Parameters>(definition: Definition<Parameters>): IdentityProvider => {
  const declared = definition.endUserFlows ?? {}
  const strays = Object.keys(declared).filter(
    (processType) => !definition.processTypes.some((runs) => runs === processType)
  )
  if (strays.length > 0) {
    throw new Error(
      `${definition.name} declares endUserFlows for ${strays.join(", ")}, which it does not run (it runs ${definition.processTypes.join(", ")})`
    )
  }
  const decodeParameters = Schema.decodeUnknownEffect(definition.parameters)
  const parse = (parameters: unknown) =>
    decodeParameters(parameters, { errors: "all", onExcessProperty: "error" }).pipe(
      Effect.mapError((error) =>
        ProviderError.make(
          definition.name,
          new ProviderError.InvalidRequest({
            fields: Problem.invalidParams(error.issue).map((field) => ({ ...field, name: `parameters.${field.name}` }))
          }),
          { description: "invalid provider parameters" }
        )
      )
    )
  return {
    specificationVersion,
    name: definition.name,
    capabilities: definition.capabilities,
    processTypes: definition.processTypes,
    documentTypes: definition.documentTypes,
    validateParameters: (parameters) => Effect.asVoid(parse(parameters)),
    start: (request) =>
      definition.processTypes.includes(request.processType)
        ? Effect.flatMap(parse(request.parameters), (parameters) => definition.start({ ...request, parameters }))
        : Effect.fail(
            ProviderError.make(
              definition.name,
              new ProviderError.InvalidRequest({
                fields: [
                  {
                    name: "processType",
                    reason: `${definition.name} runs ${definition.processTypes.join(", ")}`
                  }
                ]
              })
            )
          ),
    fetchResult: definition.fetchResult,
    verifyWebhook: definition.verifyWebhook,
    complete: definition.complete ?? (() => unsupported(definition.name, "redirect flows")),
    cancel: definition.cancel ?? (() => unsupported(definition.name, "cancellation")),
    endUserFlow: (processType) =>
      // `hasOwn`, not `in`: a process type called `toString` must not find Object's prototype.
      Object.hasOwn(declared, processType)
        ? declared[processType]
        : deriveEndUserFlow(definition.capabilities, definition.processTypes, processType)
  }
}
