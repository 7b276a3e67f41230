/**
 * The webhooks Stripe sends when a VerificationSession changes (`identity.verification_session.verified`,
 * `.requires_input`, `.processing`, `.canceled`, `.created`, `.redacted`): JSON events signed in the
 * `Stripe-Signature` header as `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, with one `v1` per signing secret
 * during a rotation. The signature is checked on the raw bytes, in constant time, against every configured secret,
 * and the timestamp must be within 300 seconds of the `Clock` (Stripe's default tolerance) — all before the body is
 * read.
 *
 * @example
 * ```ts
 * import { StripeIdentityWebhook } from "@assure/stripe-identity"
 * import { Redacted } from "effect"
 *
 * const event = StripeIdentityWebhook.verify({
 *   secrets: [Redacted.make("whsec_…")],
 *   request: { headers: { "stripe-signature": "t=…,v1=…" }, rawBody }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type IdentityProvider, ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Duration, Effect, Schema } from "effect"
import * as StripeIdentityClient from "./StripeIdentityClient.js"

/** The header that carries the signature (lower case, as webhook requests are handed over). @since 0.1.0 */
export const signatureHeader = "stripe-signature"

/** How old a signed event may be: Stripe's default tolerance. @since 0.1.0 */
export const tolerance = Duration.seconds(300)

/** The VerificationSession an event is about, as the event carries it. @since 0.1.0 */
export const EventSession = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("identity.verification_session"),
  status: Schema.optionalKey(StripeIdentityClient.SessionStatus),
  last_error: Schema.optionalKey(Schema.NullOr(StripeIdentityClient.LastError))
})

/** A Stripe event about a VerificationSession, read leniently (unknown fields are ignored). @since 0.1.0 */
export const Event = Schema.Struct({
  /** `evt_…`, unique per event: the engine deduplicates by it. */
  id: Schema.String,
  object: Schema.Literal("event"),
  /** `identity.verification_session.verified`, … */
  type: Schema.String,
  created: Schema.optionalKey(Schema.Number),
  livemode: Schema.optionalKey(Schema.Boolean),
  data: Schema.Struct({ object: EventSession })
})

/** A Stripe event about a VerificationSession. @since 0.1.0 */
export type Event = typeof Event.Type

const EventFromJson = Schema.fromJsonString(Event)
const decodeEvent = Schema.decodeUnknownEffect(EventFromJson)
const encodeEvent = Schema.encodeSync(EventFromJson)

/**
 * Verifies a webhook's `Stripe-Signature` on its raw body (any `v1` under any secret, within the tolerance), then
 * reads the event.
 *
 * @since 0.1.0
 */
export const verify = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly request: IdentityProvider.WebhookRequest
}): Effect.Effect<Event, ProviderError.ProviderError> =>
  Webhook.verifyTimestamped({
    provider: StripeIdentityClient.name,
    secrets: options.secrets,
    payload: options.request.rawBody,
    header: options.request.headers[signatureHeader],
    tolerance
  }).pipe(
    Effect.andThen(decodeEvent(ProviderHttp.decodeUtf8(options.request.rawBody), { onExcessProperty: "ignore" })),
    // Signed by Stripe but unreadable, or about another kind of object: not an event this adapter handles.
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(StripeIdentityClient.name, new ProviderError.InvalidResponse({ issue: error.message }), {
          description: "the webhook is not a Stripe event about a verification session"
        })
      )
    )
  )

/**
 * Signs a payload as Stripe does: what the simulator sends, and what tests hand to `verifyWebhook`. `timestamp`
 * (unix seconds) defaults to now; several secrets give several `v1`, as during a rotation.
 *
 * @since 0.1.0
 */
export const sign = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly event: Event | string
  readonly timestamp?: number | undefined
}): Effect.Effect<IdentityProvider.WebhookRequest> =>
  Effect.gen(function* () {
    const body = typeof options.event === "string" ? options.event : encodeEvent(options.event)
    const header = yield* Webhook.signTimestamped({
      secrets: options.secrets,
      payload: body,
      timestamp: options.timestamp
    })
    return {
      headers: { "content-type": "application/json; charset=utf-8", [signatureHeader]: header },
      rawBody: new TextEncoder().encode(body)
    }
  })
