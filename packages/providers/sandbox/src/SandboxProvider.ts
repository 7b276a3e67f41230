/**
 * The sandbox provider: a deterministic identity provider that needs no network, like a payment provider's test
 * mode. It supports every capability — document and selfie checks, an eID-style redirect flow, polling, signed
 * webhooks and cancellation — and the {@link Scenario} magic values decide how each verification ends.
 *
 * The sandbox keeps what it needs in the session's provider state (which the engine stores), so results survive a
 * restart; only cancellations are remembered in memory.
 *
 * @example
 * ```ts
 * import { SandboxProvider } from "@assure/sandbox"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Layer, Redacted } from "effect"
 *
 * const Providers = SandboxProvider.layer({ webhookSecrets: [Redacted.make("whsec_sandbox")] }).pipe(
 *   Layer.provideMerge(ProviderRegistry.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { IdentityData, ProcessType, ProviderName } from "@assure/core"
import {
  AdapterModule,
  Capabilities,
  type EndUserFlow,
  HostPublicUrl,
  IdentityProvider,
  ProviderError,
  ProviderRegistry,
  Webhook
} from "@assure/provider"
import { Clock, Duration, Effect, Config as EffectConfig, Layer, Option, Redacted, Schema, Scope } from "effect"
import { Base64 } from "effect/encoding"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as SandboxWebhook from "./SandboxWebhook.js"
import * as Scenario from "./Scenario.js"

/** The sandbox's registered name. @since 0.1.0 */
export const name = ProviderName.ProviderName.make("sandbox")

/** The process types: document images, document images with a selfie, and an eID-style redirect. @since 0.1.0 */
export const processTypes = ["document", "documentSelfie", "eid"].map((type) => ProcessType.ProcessType.make(type))

/** Everything the specification knows: the sandbox can stand in for any provider. @since 0.1.0 */
export const capabilities: Capabilities.Capabilities = {
  ...Capabilities.none,
  documentImages: true,
  selfie: true,
  // The `eid` process type is a redirect flow; the sandbox hosts no capture page, so no `hostedFlow`.
  redirect: true,
  webhooks: true,
  polling: true,
  // An `eid` end-user who cancels comes back with `access_denied`.
  endUserCancel: true,
  cancel: true
}

/**
 * How the end-user takes part in each process type: photos of the document (and a selfie) for `document` and
 * `documentSelfie` — `start` refuses them without a front (and a selfie) and takes a `back` when given — and a
 * hand-over to the sandbox's eID "login" for `eid`. @since 0.2.0
 */
export const endUserFlows: EndUserFlow.Declarations = {
  document: { flow: "images", kinds: ["front"] },
  documentSelfie: { flow: "images", kinds: ["front", "selfie"] },
  eid: { flow: "handOver" }
}

/** The sandbox's entry of `processParameters`. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** Forces how the verification ends (see `Scenario`); without it, the magic last names apply. */
  scenario: Schema.optionalKey(Scenario.Scenario),
  /** How long the result takes, overriding the configured latency. */
  latencyMillis: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 600_000 })))
})

/** The sandbox's entry of `processParameters`. @since 0.1.0 */
export type Parameters = typeof Parameters.Type

declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly sandbox: Parameters
  }
}

/** How the sandbox is set up. @since 0.1.0 */
export interface Config {
  /** Signs webhooks with the first secret; accepts any of them (rotation). */
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
  /** How long results take to be ready (default: at once). */
  readonly latency?: Duration.Input | undefined
  /**
   * Where the sandbox sends its webhooks once a result is ready: an HTTP POST to your endpoint, or straight into
   * your handler. Without it, results are only polled or completed.
   */
  readonly deliver?: ((webhook: IdentityProvider.WebhookRequest) => Effect.Effect<void>) | undefined
}

/** The identity the sandbox "reads" from every document: ICAO's German specimen, overridden by the client's userData. @since 0.1.0 */
export const specimen: IdentityData.IdentityData = Schema.decodeUnknownSync(IdentityData.IdentityData)({
  firstName: "Erika",
  lastName: "Mustermann",
  dateOfBirth: "1964-08-12",
  gender: "F",
  nationality: "DEU",
  documentType: "idCard",
  documentNumber: "C01X00T47",
  issuingCountry: "DEU",
  dateOfIssue: "2021-01-15",
  dateOfExpiry: "2031-01-14"
})

/** What the sandbox keeps in the session's provider state. */
const SessionState = Schema.Struct({
  scenario: Scenario.Scenario,
  processType: Schema.String,
  readyAt: Schema.Number,
  identity: IdentityData.IdentityData
})
type SessionState = typeof SessionState.Type
const encodeState = Schema.encodeSync(SessionState)
const decodeState = Schema.decodeUnknownOption(SessionState)

// A 1×1 PNG: the "portrait" the sandbox cuts from every document.
const portrait = Base64.decode(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

const reasons: Record<Scenario.Ending, string | undefined> = {
  accepted: undefined,
  rejected: "document_tampered",
  inconclusive: "image_quality_poor",
  failed: "camera_unavailable",
  canceled: "user_canceled"
}

const checkNames = (processType: string): ReadonlyArray<string> =>
  processType === "eid"
    ? ["eid_authentication"]
    : processType === "documentSelfie"
      ? ["document_authenticity", "face_match"]
      : ["document_authenticity"]

/** The outcome of an ended verification, as the sandbox reports it. */
const outcomeOf = (ending: Scenario.Ending, state: SessionState, reference: string): IdentityProvider.Outcome => {
  const eid = state.processType === "eid"
  const reason = eid && ending === "rejected" ? "identity_mismatch" : reasons[ending]
  const checkOutcome = ending === "accepted" ? "passed" : ending === "rejected" ? "failed" : "inconclusive"
  return {
    status: ending,
    ...(ending === "accepted" ? { finalResult: state.identity } : {}),
    providerSpecific: { sandbox: { reference, scenario: state.scenario, ...(reason ? { reason } : {}) } },
    checks:
      ending === "canceled" || ending === "failed"
        ? []
        : checkNames(state.processType).map((check) => ({ name: check, outcome: checkOutcome })),
    files:
      ending === "accepted" && !eid && portrait._tag === "Success"
        ? [{ kind: "portrait", mediaType: "image/png", bytes: portrait.success }]
        : [],
    ...(reason ? { reason } : {})
  }
}

const fail = (reason: ProviderError.Reason, description: string) =>
  Effect.fail(ProviderError.make(name, reason, { description: `sandbox: ${description}` }))

const simulatedFailure = (failure: Scenario.Failure) => {
  switch (failure) {
    case "unauthorized":
      return fail(new ProviderError.Unauthorized(), "simulated invalid credentials")
    case "rateLimited":
      return fail(new ProviderError.RateLimited({ retryAfter: Duration.seconds(2) }), "simulated rate limit")
    case "unavailable":
      return fail(new ProviderError.Unavailable({ status: 503 }), "simulated outage")
    case "timeout":
      return fail(new ProviderError.Unavailable({ timedOut: true }), "simulated timeout")
  }
}

const missingFiles = (request: IdentityProvider.StartRequest<Parameters>) => {
  const kinds = new Set(request.files.map((file) => file.kind))
  const fields: Array<{ name: string; reason: string }> = []
  if (request.processType !== "eid" && !kinds.has("front"))
    fields.push({ name: "files.front", reason: "a front image is required" })
  if (request.processType === "documentSelfie" && !kinds.has("selfie"))
    fields.push({ name: "files.selfie", reason: "a selfie is required" })
  if (request.processType === "eid" && request.returnUrl === undefined)
    fields.push({ name: "returnUrl", reason: "an eID flow needs a return URL" })
  return fields
}

/** The code an end-user brings back from the sandbox's eID "login". */
const codeFor = (reference: string) => `code_${reference}`

/**
 * Builds the sandbox provider. Webhook deliveries run in the given scope (the layer's, with {@link layer}).
 *
 * @since 0.1.0
 */
export const make = (config: Config): Effect.Effect<IdentityProvider.IdentityProvider, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Scope.Scope
    const latency = Duration.toMillis(Duration.fromInputUnsafe(config.latency ?? 0))
    const canceled = new Set<string>()

    const stateOf = (reference: string, state: IdentityProvider.ProviderState | undefined) => {
      const decoded = decodeState(state)
      return decoded._tag === "Some"
        ? Effect.succeed(decoded.value)
        : fail(new ProviderError.NotFound(), `no sandbox session ${reference} (its provider state is missing)`)
    }

    const deliverWhenReady = (reference: string, state: SessionState, ending: Scenario.Ending) =>
      config.deliver === undefined
        ? Effect.void
        : Effect.gen(function* () {
            yield* Effect.sleep(Duration.millis(Math.max(0, state.readyAt - (yield* Clock.currentTimeMillis))))
            const { finalResult, reason, checks, status } = outcomeOf(ending, state, reference)
            const webhook = yield* SandboxWebhook.sign({
              secrets: config.webhookSecrets,
              reference,
              outcome: {
                status: status as Scenario.Ending,
                checks,
                ...(finalResult ? { finalResult } : {}),
                ...(reason ? { reason } : {})
              }
            })
            yield* (config.deliver as NonNullable<Config["deliver"]>)(webhook)
          }).pipe(Effect.forkIn(scope), Effect.asVoid)

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

      start: (request) =>
        Effect.gen(function* () {
          const scenario = Scenario.of(request.parameters.scenario, request.userData)
          if (Scenario.isFailure(scenario)) return yield* simulatedFailure(scenario)
          const fields = missingFiles(request)
          if (fields.length > 0)
            return yield* fail(new ProviderError.InvalidRequest({ fields }), "the request is incomplete")

          const reference = `sbx_${globalThis.crypto.randomUUID().replaceAll("-", "")}`
          const now = yield* Clock.currentTimeMillis
          const state: SessionState = {
            scenario,
            processType: request.processType,
            readyAt: now + (request.parameters.latencyMillis ?? latency),
            identity: { ...specimen, ...(scenario === "accepted" ? request.userData : {}) }
          }
          if (request.processType === "eid") {
            const returnUrl = new URL(request.returnUrl as string)
            returnUrl.searchParams.set("state", reference)
            if (scenario === "canceled") returnUrl.searchParams.set("error", "access_denied")
            else returnUrl.searchParams.set("code", codeFor(reference))
            return {
              reference,
              status: "pending" as const,
              redirectUrl: returnUrl.toString(),
              state: encodeState(state)
            }
          }
          if (scenario !== "pending") yield* deliverWhenReady(reference, state, scenario)
          return { reference, status: "processing" as const, state: encodeState(state) }
        }),

      fetchResult: ({ reference, state }) =>
        Effect.gen(function* () {
          const session = yield* stateOf(reference, state)
          if (canceled.has(reference)) return outcomeOf("canceled", session, reference)
          const now = yield* Clock.currentTimeMillis
          const waiting = session.scenario === "pending" || session.processType === "eid" || now < session.readyAt
          if (waiting) {
            return {
              status: session.processType === "eid" ? "pending" : "processing",
              providerSpecific: { sandbox: { reference, scenario: session.scenario } },
              checks: [],
              files: []
            }
          }
          return outcomeOf(session.scenario as Scenario.Ending, session, reference)
        }),

      complete: ({ reference, state, params }) =>
        Effect.gen(function* () {
          const session = yield* stateOf(reference, state)
          if (params.state !== reference) {
            return yield* fail(
              new ProviderError.InvalidRequest({ fields: [{ name: "state", reason: "does not match the session" }] }),
              "wrong state"
            )
          }
          if (params.error === "access_denied") return outcomeOf("canceled", session, reference)
          if (params.error !== undefined) return { ...outcomeOf("failed", session, reference), reason: params.error }
          if (params.code !== codeFor(reference)) {
            return yield* fail(
              new ProviderError.InvalidRequest({ fields: [{ name: "code", reason: "is not valid for this session" }] }),
              "wrong code"
            )
          }
          return outcomeOf(
            session.scenario === "pending" ? "accepted" : (session.scenario as Scenario.Ending),
            session,
            reference
          )
        }),

      cancel: ({ reference, state }) =>
        Effect.flatMap(stateOf(reference, state), () =>
          Effect.sync(() => {
            canceled.add(reference)
          })
        ),

      verifyWebhook: (request) =>
        Effect.gen(function* () {
          const event = yield* SandboxWebhook.verify({ secrets: config.webhookSecrets, request })
          return {
            id: event.id,
            reference: event.reference,
            type: event.type,
            outcome: {
              status: event.outcome.status,
              ...(event.outcome.finalResult ? { finalResult: event.outcome.finalResult } : {}),
              providerSpecific: { sandbox: { reference: event.reference, event: event.id } },
              checks: event.outcome.checks,
              files: [],
              ...(event.outcome.reason ? { reason: event.outcome.reason } : {})
            }
          }
        })
    })
  })

/**
 * Registers the sandbox in the `ProviderRegistry`.
 *
 * @since 0.1.0
 */
export const layer = (config: Config) => ProviderRegistry.register(make(config))

/** A webhook secret for one run, when none is configured: the sandbox signs and verifies its own webhooks. */
const randomSecret = (): Webhook.Secret => {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(24))
  return Redacted.make(`whsec_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`)
}

/**
 * The sandbox's layer as a host runs it: it delivers each webhook, signed, to the host's own webhook endpoint
 * (`<public URL>/webhooks/sandbox`) with the host's `HttpClient`, as a real provider would; a delivery that fails is
 * logged and left to polling.
 *
 * @since 0.1.0
 */
export const layerDelivering = (options: {
  readonly webhookSecrets: ReadonlyArray<Webhook.Secret>
  readonly latency?: Duration.Input | undefined
}): Layer.Layer<
  never,
  ProviderRegistry.RegistrationError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient | HostPublicUrl.HostPublicUrl
> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const target = HostPublicUrl.webhookUrl(yield* HostPublicUrl.HostPublicUrl, name)
      return layer({
        ...options,
        deliver: (webhook) =>
          client
            .execute(
              HttpClientRequest.post(target).pipe(
                HttpClientRequest.setHeaders(webhook.headers),
                HttpClientRequest.bodyUint8Array(webhook.rawBody, "application/json")
              )
            )
            .pipe(
              Effect.asVoid,
              Effect.catch((error) =>
                Effect.logWarning("the sandbox could not deliver a webhook", { reason: error._tag })
              )
            )
      })
    })
  )

/**
 * The adapter module the assure server loads (`ASSURE_PROVIDERS=sandbox`, its default), configured under the prefix
 * `ASSURE_SANDBOX`: `ASSURE_SANDBOX_WEBHOOK_SECRET` (optional, several separated by commas during a rotation; without
 * it each start signs with a fresh random secret, which is enough for one server process) and
 * `ASSURE_SANDBOX_LATENCY` (how long results take, default `2 seconds`). Webhooks go to the host's public URL.
 *
 * @since 0.1.0
 */
export const adapter = AdapterModule.make({
  name,
  specificationVersion: IdentityProvider.specificationVersion,
  capabilities,
  prefix: "ASSURE_SANDBOX",
  config: {
    webhookSecrets: EffectConfig.option(Webhook.secretsConfig("WEBHOOK_SECRET")),
    latency: EffectConfig.Duration("LATENCY").pipe(EffectConfig.withDefault(Duration.seconds(2)))
  },
  layer: ({ webhookSecrets, latency }) =>
    layerDelivering({ webhookSecrets: Option.getOrElse(webhookSecrets, () => [randomSecret()]), latency })
})

/**
 * The sandbox configured from the environment as the server configures it ({@link adapter}): `ASSURE_SANDBOX_WEBHOOK_SECRET`
 * and `ASSURE_SANDBOX_LATENCY`; it needs the host's `HttpClient` and `HostPublicUrl` to deliver its webhooks.
 *
 * @since 0.1.0
 */
export const layerConfig = AdapterModule.layerConfig(adapter)
