/**
 * The webhooks Persona sends when a verification changes: JSON events signed with a hex HMAC-SHA256 of the raw
 * body in the `X-Persona-Signature` header. The signature is checked on the raw bytes, in constant time, against
 * every configured secret (rotation) before the body is read.
 *
 * TODO(vendor): the vendor's signature scheme and event body. A scheme with a timestamp (Stripe's `t=,v1=`) uses
 * `Webhook.verifyTimestamped` instead, and the conformance harness then also gets a `staleWebhook` hook.
 *
 * @since 0.1.0
 */
import { type IdentityProvider, ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Effect, Schema } from "effect"
import * as PersonaClient from "./PersonaClient.js"

/** The header that carries the signature (lower case, as webhook requests are handed over). @since 0.1.0 */
export const signatureHeader = "x-persona-signature"

/** A webhook event, read leniently (unknown fields are ignored). @since 0.1.0 */
export const Event = Schema.Struct({
  /** Unique per event: the engine deduplicates by it. */
  id: Schema.String,
  /** `verification.completed`, and whatever other events the vendor adds. */
  type: Schema.String,
  verification_id: Schema.String,
  status: PersonaClient.VerificationStatus
})

/** A webhook event. @since 0.1.0 */
export type Event = typeof Event.Type

const EventFromJson = Schema.fromJsonString(Event)
const decodeEvent = Schema.decodeUnknownEffect(EventFromJson)
const encodeEvent = Schema.encodeSync(EventFromJson)

/**
 * Verifies a webhook's signature on its raw body, then reads the event.
 *
 * @since 0.1.0
 */
export const verify = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly request: IdentityProvider.WebhookRequest
}): Effect.Effect<Event, ProviderError.ProviderError> =>
  Webhook.verify({
    provider: PersonaClient.name,
    algorithm: "SHA-256",
    encoding: "hex",
    secrets: options.secrets,
    payload: options.request.rawBody,
    signature: options.request.headers[signatureHeader]
  }).pipe(
    Effect.andThen(decodeEvent(ProviderHttp.decodeUtf8(options.request.rawBody), { onExcessProperty: "ignore" })),
    // Signed by the vendor but unreadable: the vendor sent something we cannot read.
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(PersonaClient.name, new ProviderError.InvalidResponse({ issue: error.message }), {
          description: "the webhook event does not match the expected schema"
        })
      )
    )
  )

/**
 * Signs an event as the vendor does: what the simulator sends, and what tests hand to `verifyWebhook`.
 *
 * @since 0.1.0
 */
export const sign = (options: {
  readonly secret: Webhook.Secret
  readonly event: Event
}): Effect.Effect<IdentityProvider.WebhookRequest> =>
  Effect.gen(function* () {
    const body = encodeEvent(options.event)
    const signature = yield* Webhook.sign({
      algorithm: "SHA-256",
      encoding: "hex",
      secret: options.secret,
      payload: body
    })
    return {
      headers: { "content-type": "application/json", [signatureHeader]: signature },
      rawBody: new TextEncoder().encode(body)
    }
  })
