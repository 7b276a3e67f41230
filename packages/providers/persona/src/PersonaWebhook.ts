/**
 * The webhooks Persona sends when an inquiry changes (`inquiry.completed`, `inquiry.approved`, `inquiry.expired`, …):
 * JSON:API events (`{ data: { type: "event", id: "evt_…", attributes: { name, payload: { data } } } }`) signed in the
 * `Persona-Signature` header as `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. While a webhook secret
 * rotates, the header holds two such sets separated by a space, one per secret. The signature is checked on the raw
 * bytes, in constant time, against every configured secret, and the timestamp must be within 300 seconds of the
 * `Clock` — all before the body is read.
 *
 * @example
 * ```ts
 * import { PersonaWebhook } from "@assure/persona"
 * import { Redacted } from "effect"
 *
 * const event = PersonaWebhook.verify({
 *   secrets: [Redacted.make("wbhsec_…")],
 *   request: { headers: { "persona-signature": "t=…,v1=…" }, rawBody }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type IdentityProvider, ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Duration, Effect, Schema } from "effect"
import * as PersonaClient from "./PersonaClient.js"

/** The header that carries the signature (lower case, as webhook requests are handed over). @since 0.1.0 */
export const signatureHeader = "persona-signature"

/**
 * How old a signed event may be. Persona documents no tolerance; five minutes, as for Stripe's scheme, which
 * Persona's follows.
 *
 * @since 0.1.0
 */
export const tolerance = Duration.seconds(300)

/** The object an event is about: an inquiry, or a resource related to one (a verification). @since 0.1.0 */
export const EventObject = Schema.Struct({
  type: Schema.String,
  id: Schema.String,
  attributes: Schema.optionalKey(
    Schema.NullOr(Schema.Struct({ status: Schema.optionalKey(Schema.NullOr(Schema.String)) }))
  ),
  relationships: Schema.optionalKey(
    Schema.NullOr(
      Schema.Struct({
        inquiry: Schema.optionalKey(
          Schema.NullOr(Schema.Struct({ data: Schema.optionalKey(Schema.NullOr(PersonaClient.ResourceIdentifier)) }))
        )
      })
    )
  )
})

/** A Persona event, read leniently (unknown fields are ignored). @since 0.1.0 */
export const Event = Schema.Struct({
  data: Schema.Struct({
    type: Schema.Literal("event"),
    /** `evt_…`, unique per event: the engine deduplicates by it. */
    id: Schema.String,
    attributes: Schema.Struct({
      /** `inquiry.completed`, `inquiry.approved`, … */
      name: Schema.String,
      "created-at": Schema.optionalKey(Schema.NullOr(Schema.String)),
      payload: Schema.Struct({ data: EventObject })
    })
  })
})

/** A Persona event. @since 0.1.0 */
export type Event = typeof Event.Type

const EventFromJson = Schema.fromJsonString(Event)
const decodeEvent = Schema.decodeUnknownEffect(EventFromJson)
const encodeEvent = Schema.encodeSync(EventFromJson)

const unreadable = (description: string, issue: string) =>
  ProviderError.make(PersonaClient.name, new ProviderError.InvalidResponse({ issue }), { description })

/**
 * Verifies a webhook's `Persona-Signature` on its raw body (any set under any secret, within the tolerance), then
 * reads the event.
 *
 * @since 0.1.0
 */
export const verify = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly request: IdentityProvider.WebhookRequest
}): Effect.Effect<Event, ProviderError.ProviderError> =>
  Webhook.verifyTimestamped({
    provider: PersonaClient.name,
    secrets: options.secrets,
    payload: options.request.rawBody,
    header: options.request.headers[signatureHeader],
    tolerance
  }).pipe(
    Effect.andThen(decodeEvent(ProviderHttp.decodeUtf8(options.request.rawBody), { onExcessProperty: "ignore" })),
    // Signed by Persona but unreadable: not an event this adapter handles.
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(unreadable("the webhook is not a Persona event", error.message))
    )
  )

/**
 * The inquiry an event is about: the payload itself, or the inquiry a verification belongs to.
 *
 * @since 0.1.0
 */
export const inquiryIdOf = (event: Event): Effect.Effect<string, ProviderError.ProviderError> => {
  const object = event.data.attributes.payload.data
  if (object.type === "inquiry") return Effect.succeed(object.id)
  const related = object.relationships?.inquiry?.data
  return related == null
    ? Effect.fail(unreadable("the webhook's event is not about an inquiry", `payload type ${object.type}`))
    : Effect.succeed(related.id)
}

/**
 * The event as the engine takes it: its id, the inquiry, and its name; the engine asks `fetchResult` for the
 * outcome (an event carries no verification details).
 *
 * @since 0.1.0
 */
export const eventOf = (event: Event): Effect.Effect<IdentityProvider.ProviderEvent, ProviderError.ProviderError> =>
  Effect.map(inquiryIdOf(event), (reference) => ({
    id: event.data.id,
    reference,
    type: event.data.attributes.name
  }))

/**
 * Signs a payload as Persona does: what the simulator sends, and what tests hand to `verifyWebhook`. `timestamp`
 * (unix seconds) defaults to now; several secrets give one `t=…,v1=…` set each, separated by a space, as during a
 * rotation.
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
      timestamp: options.timestamp,
      layout: "setPerSecret"
    })
    return {
      headers: { "content-type": "application/json", [signatureHeader]: header },
      rawBody: new TextEncoder().encode(body)
    }
  })
