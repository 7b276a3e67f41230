/**
 * The webhooks Onfido sends (`check.completed`, `report.completed`, `workflow_run.completed`, …): JSON events whose
 * `X-SHA2-Signature` header is the hex HMAC-SHA256 of the raw request body under the webhook's token. The signature
 * is checked on the raw bytes, in constant time, against every configured token (several during a rotation) —
 * before the body is read. Onfido's scheme has no timestamp, so staleness cannot be checked here; the engine
 * deduplicates events by {@link eventId}.
 *
 * @example
 * ```ts
 * import { OnfidoWebhook } from "@assure/onfido"
 * import { Redacted } from "effect"
 *
 * const event = OnfidoWebhook.verify({
 *   secrets: [Redacted.make("<the webhook's token>")],
 *   request: { headers: { "x-sha2-signature": "a0082d…" }, rawBody }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type IdentityProvider, ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Effect, Schema } from "effect"
import * as OnfidoClient from "./OnfidoClient.js"

/** The header that carries the signature (lower case, as webhook requests are handed over). @since 0.1.0 */
export const signatureHeader = "x-sha2-signature"

const text = Schema.optionalKey(Schema.NullOr(Schema.String))

/** The object an event is about (`webhook_event_payload_object`). @since 0.1.0 */
export const EventObject = Schema.Struct({
  /** The check, report, workflow run or task id. */
  id: Schema.String,
  status: text,
  /** The workflow run a `workflow_task` belongs to. */
  workflow_run_id: text,
  started_at_iso8601: text,
  completed_at_iso8601: text,
  href: text
})

/** The Studio resource of an event (`webhook_event_payload_resource`), read for the workflow run it names. @since 0.1.0 */
export const EventResource = Schema.Struct({
  id: text,
  applicant_id: text,
  workflow_run_id: text,
  status: text
})

/** An Onfido webhook event, read leniently (unknown fields are ignored). @since 0.1.0 */
export const Event = Schema.Struct({
  payload: Schema.Struct({
    /** `check`, `report`, `workflow_run`, `workflow_task`, … */
    resource_type: Schema.String,
    /** `check.completed`, `workflow_run.completed`, … */
    action: Schema.String,
    object: EventObject,
    resource: Schema.optionalKey(Schema.NullOr(EventResource))
  })
})

/** An Onfido webhook event. @since 0.1.0 */
export type Event = typeof Event.Type

const EventFromJson = Schema.fromJsonString(Event)
const decodeEvent = Schema.decodeUnknownEffect(EventFromJson)
const encodeEvent = Schema.encodeSync(EventFromJson)

/**
 * An id for an event, for deduplication: Onfido's events carry none, so it is made of the action, the object and
 * when it happened — the same for a redelivery of the same event, different for the next change.
 *
 * @since 0.1.0
 */
export const eventId = (event: Event): string => {
  const { action, object } = event.payload
  return [action, object.id, object.completed_at_iso8601 ?? object.started_at_iso8601 ?? object.status ?? ""].join(":")
}

/**
 * Verifies a webhook's `X-SHA2-Signature` on its raw body against any of the tokens, then reads the event.
 *
 * @since 0.1.0
 */
export const verify = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly request: IdentityProvider.WebhookRequest
}): Effect.Effect<Event, ProviderError.ProviderError> =>
  Webhook.verify({
    provider: OnfidoClient.name,
    algorithm: "SHA-256",
    encoding: "hex",
    secrets: options.secrets,
    payload: options.request.rawBody,
    signature: options.request.headers[signatureHeader]
  }).pipe(
    Effect.andThen(decodeEvent(ProviderHttp.decodeUtf8(options.request.rawBody), { onExcessProperty: "ignore" })),
    // Signed by Onfido but unreadable: Onfido sent something we cannot read.
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(OnfidoClient.name, new ProviderError.InvalidResponse({ issue: error.message }), {
          description: "the webhook is not an Onfido event"
        })
      )
    )
  )

/**
 * Signs a payload as Onfido does: what the simulator sends, and what tests hand to `verifyWebhook`.
 *
 * @since 0.1.0
 */
export const sign = (options: {
  readonly secret: Webhook.Secret
  readonly event: Event | string
}): Effect.Effect<IdentityProvider.WebhookRequest> =>
  Effect.gen(function* () {
    const body = typeof options.event === "string" ? options.event : encodeEvent(options.event)
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
