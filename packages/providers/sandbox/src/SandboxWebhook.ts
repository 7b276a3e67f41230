/**
 * The webhooks the sandbox sends: `verification.completed` events, JSON, signed like Stripe's and Persona's with a
 * timestamp — header `Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, tolerance 5 minutes.
 *
 * @since 0.1.0
 */
import { IdentityData, ProcessStatus, ProviderName } from "@assure/core"
import { type IdentityProvider, ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Clock, Effect, Schema } from "effect"

// The provider's name, as its errors carry it (SandboxProvider imports this module, so it cannot be read from there).
const provider = ProviderName.ProviderName.make("sandbox")

/** The header that carries the signature (lower case, as webhook requests are handed over). @since 0.1.0 */
export const signatureHeader = "sandbox-signature"

/** A check in an event. @since 0.1.0 */
export const Check = Schema.Struct({
  name: Schema.String,
  outcome: Schema.Literals(["passed", "failed", "inconclusive"]),
  detail: Schema.optionalKey(Schema.String)
})

/** How the verification ended, as the event tells it. @since 0.1.0 */
export const EventOutcome = Schema.Struct({
  status: ProcessStatus.FinalStatus,
  finalResult: Schema.optionalKey(IdentityData.IdentityData),
  reason: Schema.optionalKey(Schema.String),
  checks: Schema.Array(Check)
})

/** A `verification.completed` event. @since 0.1.0 */
export const Event = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("verification.completed"),
  reference: Schema.String,
  createdAt: Schema.Int,
  outcome: EventOutcome
})

/** A `verification.completed` event. @since 0.1.0 */
export type Event = typeof Event.Type

const encodeEvent = Schema.encodeSync(Schema.fromJsonString(Event))

/**
 * A signed webhook for a verification that ended with `outcome`. The timestamp defaults to now.
 *
 * @since 0.1.0
 */
export const sign = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly reference: string
  readonly outcome: typeof EventOutcome.Type
  readonly timestamp?: number | undefined
}): Effect.Effect<IdentityProvider.WebhookRequest> =>
  Effect.gen(function* () {
    const timestamp = options.timestamp ?? Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const body = encodeEvent({
      id: `evt_${globalThis.crypto.randomUUID().replaceAll("-", "")}`,
      type: "verification.completed",
      reference: options.reference,
      createdAt: timestamp,
      outcome: options.outcome
    })
    const header = yield* Webhook.signTimestamped({ secrets: options.secrets.slice(0, 1), payload: body, timestamp })
    return {
      headers: { "content-type": "application/json", [signatureHeader]: header },
      rawBody: new TextEncoder().encode(body)
    }
  })

const decodeEvent = Schema.decodeUnknownEffect(Schema.fromJsonString(Event))

/**
 * Verifies a webhook the sandbox sent — the signature on the raw bytes, with any of `secrets`, within the tolerance —
 * then reads its event. A wrong or stale signature fails with `WebhookSignatureInvalid`; a signed body that is not an event is
 * `InvalidRequest`.
 *
 * @since 0.1.0
 */
export const verify = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly request: IdentityProvider.WebhookRequest
}): Effect.Effect<Event, ProviderError.ProviderError> =>
  Webhook.verifyTimestamped({
    provider,
    secrets: options.secrets,
    payload: options.request.rawBody,
    header: options.request.headers[signatureHeader]
  }).pipe(
    Effect.andThen(decodeEvent(ProviderHttp.decodeUtf8(options.request.rawBody))),
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(
          provider,
          new ProviderError.InvalidRequest({ fields: [{ name: "body", reason: error.message }] }),
          { description: "sandbox: unreadable event" }
        )
      )
    )
  )
