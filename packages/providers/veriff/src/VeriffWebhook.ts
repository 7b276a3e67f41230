/**
 * The webhooks Veriff sends: the **decision webhook** (`{ status, verification: { id, status, code, person,
 * document, … }, technicalData }`, devdocs.veriff.com "Decision webhook") when a session gets a decision, and the
 * **event webhook** (`{ id, attemptId, feature, code, action, vendorData, endUserId }`, devdocs.veriff.com "Event
 * webhook") when the end-user starts (7001) or submits (7002) a session.
 *
 * Both carry the integration's API key in `X-AUTH-CLIENT` and, in `X-HMAC-SIGNATURE`, the hex HMAC-SHA256 of the
 * raw body with the integration's shared secret (devdocs.veriff.com "HMAC Authentication and Endpoint Security";
 * Veriff's own js-integration-demo checks the same header). The signature is checked on the raw bytes, in constant
 * time, against every configured secret (Veriff lets an integration rotate its shared secret), then the API key
 * in constant time too, and only then is the body read. Veriff's signature has no timestamp, so there is no
 * staleness check; the engine deduplicates events by id. The `vrf-hmac-signature` / `vrf-auth-client` spellings,
 * which a third-party transcription of Veriff's API reports, are accepted as well.
 *
 * @example
 * ```ts
 * import { VeriffWebhook } from "@assure/veriff"
 * import { Redacted } from "effect"
 *
 * const payload = VeriffWebhook.verify({
 *   apiKey: Redacted.make("…"),
 *   secrets: [Redacted.make("…")],
 *   request: { headers: { "x-auth-client": "…", "x-hmac-signature": "…" }, rawBody }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type IdentityProvider, ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Effect, Redacted, Schema } from "effect"
import { Mac } from "effect/crypto"
import * as VeriffClient from "./VeriffClient.js"

/** The header that carries the signature (lower case, as webhook requests are handed over). @since 0.1.0 */
export const signatureHeader = VeriffClient.signatureHeader

/** The header that carries the integration's API key. @since 0.1.0 */
export const authClientHeader = VeriffClient.authClientHeader

/** The same headers as a third-party transcription of Veriff's API spells them; accepted when the others are absent. @since 0.1.0 */
export const alternativeHeaders = { signature: "vrf-hmac-signature", authClient: "vrf-auth-client" } as const

/** The decision webhook: a session got a decision. @since 0.1.0 */
export const DecisionPayload = Schema.Struct({
  status: Schema.String,
  verification: VeriffClient.Decision
})

/** The decision webhook. @since 0.1.0 */
export type DecisionPayload = typeof DecisionPayload.Type

/** The event webhook: the end-user started (7001) or submitted (7002) a session. @since 0.1.0 */
export const EventPayload = Schema.Struct({
  /** The session. */
  id: Schema.String,
  attemptId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  feature: Schema.optionalKey(Schema.NullOr(Schema.String)),
  code: Schema.Number,
  /** `started`, `submitted`. */
  action: Schema.String,
  vendorData: Schema.optionalKey(Schema.NullOr(Schema.String)),
  endUserId: Schema.optionalKey(Schema.NullOr(Schema.String))
})

/** The event webhook. @since 0.1.0 */
export type EventPayload = typeof EventPayload.Type

/** Either webhook, read leniently (unknown fields are ignored). @since 0.1.0 */
export const Payload = Schema.Union([DecisionPayload, EventPayload])

/** Either webhook. @since 0.1.0 */
export type Payload = typeof Payload.Type

const decodePayload = Schema.decodeUnknownEffect(Schema.fromJsonString(Payload))

/** Whether a payload is the decision webhook. @since 0.1.0 */
export const isDecision = (payload: Payload): payload is DecisionPayload => "verification" in payload

/**
 * The event a payload stands for: the session it is about, a type (`decision.approved`, `event.submitted`) and an
 * id that is the same when Veriff re-sends the same webhook (Veriff's payloads carry no event id of their own).
 *
 * @since 0.1.0
 */
export const eventOf = (
  payload: Payload
): { readonly id: string; readonly reference: string; readonly type: string } =>
  isDecision(payload)
    ? {
        id: [
          "decision",
          payload.verification.id,
          payload.verification.attemptId ?? "",
          payload.verification.status
        ].join(":"),
        reference: payload.verification.id,
        type: `decision.${payload.verification.status}`
      }
    : {
        id: ["event", payload.id, payload.attemptId ?? "", payload.action].join(":"),
        reference: payload.id,
        type: `event.${payload.action}`
      }

const textEncoder = new TextEncoder()

const invalid = (description: string) =>
  ProviderError.make(VeriffClient.name, new ProviderError.WebhookSignatureInvalid(), { description })

/**
 * Verifies a webhook's `X-HMAC-SIGNATURE` on its raw body (under any of the secrets) and its `X-AUTH-CLIENT`, then
 * reads the payload. A missing or wrong header is `WebhookSignatureInvalid`; a signed body that is neither webhook
 * is `InvalidResponse`.
 *
 * @since 0.1.0
 */
export const verify = (options: {
  readonly apiKey: Redacted.Redacted<string>
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly request: IdentityProvider.WebhookRequest
}): Effect.Effect<Payload, ProviderError.ProviderError> => {
  const { headers, rawBody } = options.request
  const authClient = headers[authClientHeader] ?? headers[alternativeHeaders.authClient]
  return Webhook.verify({
    provider: VeriffClient.name,
    algorithm: "SHA-256",
    encoding: "hex",
    secrets: options.secrets,
    payload: rawBody,
    signature: headers[signatureHeader] ?? headers[alternativeHeaders.signature]
  }).pipe(
    Effect.andThen(
      authClient !== undefined &&
        Mac.timingSafeEqual(textEncoder.encode(authClient.trim()), textEncoder.encode(Redacted.value(options.apiKey)))
        ? Effect.void
        : Effect.fail(invalid("the X-AUTH-CLIENT header does not name this integration"))
    ),
    Effect.andThen(decodePayload(ProviderHttp.decodeUtf8(rawBody), { onExcessProperty: "ignore" })),
    // Signed by Veriff but unreadable: Veriff sent something we cannot read.
    Effect.catchTag("SchemaError", (error) =>
      Effect.fail(
        ProviderError.make(VeriffClient.name, new ProviderError.InvalidResponse({ issue: error.message }), {
          description: "the webhook is neither a Veriff decision nor a Veriff event"
        })
      )
    )
  )
}

/**
 * Signs a payload as Veriff does: what the simulator sends, and what tests hand to `verifyWebhook`.
 *
 * @since 0.1.0
 */
export const sign = (options: {
  readonly apiKey: Redacted.Redacted<string>
  readonly secret: Webhook.Secret
  /** The body: a payload (written as JSON) or the exact text to sign. */
  readonly payload: Payload | string
}): Effect.Effect<IdentityProvider.WebhookRequest> =>
  Effect.gen(function* () {
    const body = typeof options.payload === "string" ? options.payload : JSON.stringify(options.payload)
    const signature = yield* Webhook.sign({
      algorithm: "SHA-256",
      encoding: "hex",
      secret: options.secret,
      payload: body
    })
    return {
      headers: {
        "content-type": "application/json",
        [authClientHeader]: Redacted.value(options.apiKey),
        [signatureHeader]: signature
      },
      rawBody: textEncoder.encode(body)
    }
  })
