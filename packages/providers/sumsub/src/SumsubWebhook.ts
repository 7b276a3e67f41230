/**
 * The webhooks Sumsub sends when an applicant changes (`applicantCreated`, `applicantPending`, `applicantReviewed`,
 * `applicantOnHold`, …): JSON events signed with an HMAC of the raw body under the webhook's secret key, hex, in
 * `X-Payload-Digest`, with the algorithm in `X-Payload-Digest-Alg`: `HMAC_SHA1_HEX`, `HMAC_SHA256_HEX` (Sumsub's
 * default) or `HMAC_SHA512_HEX`. The digest is checked on the raw bytes, in constant time, against every configured
 * secret (rotation by configuration) before the body is read. A webhook without `X-Payload-Digest-Alg` is checked
 * as `HMAC_SHA256_HEX`, the default; an algorithm Sumsub does not name is refused.
 *
 * @since 0.1.0
 */
import { type IdentityProvider, ProviderError, ProviderHttp, Webhook } from "@assure/provider"
import { Effect, Schema } from "effect"
import * as SumsubClient from "./SumsubClient.js"

/** The header that carries the digest (lower case, as webhook requests are handed over). @since 0.1.0 */
export const signatureHeader = "x-payload-digest"

/** The header that names the digest's algorithm. @since 0.1.0 */
export const algorithmHeader = "x-payload-digest-alg"

/** Sumsub's digest algorithms and the HMAC each one is. @since 0.1.0 */
export const digestAlgorithms = {
  HMAC_SHA1_HEX: "SHA-1",
  HMAC_SHA256_HEX: "SHA-256",
  HMAC_SHA512_HEX: "SHA-512"
} as const satisfies Record<string, Webhook.Algorithm>

/** A digest algorithm in Sumsub's words. @since 0.1.0 */
export type DigestAlgorithm = keyof typeof digestAlgorithms

/** A webhook event, read leniently (unknown fields are ignored). @since 0.1.0 */
export const Event = Schema.Struct({
  /** The applicant the event is about: the session's reference. */
  applicantId: Schema.String,
  /** `applicantReviewed`, `applicantPending`, … */
  type: Schema.String,
  inspectionId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  correlationId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  levelName: Schema.optionalKey(Schema.NullOr(Schema.String)),
  externalUserId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  sandboxMode: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  reviewStatus: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /**
   * When the event happened (`2020-02-21 13:23:19.321` in Sumsub's examples; a number is read too): Sumsub asks
   * receivers to order events by it.
   */
  createdAtMs: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.String, Schema.Number]))),
  reviewResult: Schema.optionalKey(Schema.NullOr(SumsubClient.ReviewResult))
})

/** A webhook event. @since 0.1.0 */
export type Event = typeof Event.Type

const EventFromJson = Schema.fromJsonString(Event)
const decodeEvent = Schema.decodeUnknownEffect(EventFromJson)
const encodeEvent = Schema.encodeSync(EventFromJson)

const isDigestAlgorithm = (value: string): value is DigestAlgorithm => Object.hasOwn(digestAlgorithms, value)

/**
 * An event's id for deduplication: Sumsub sends none, and resends an event unchanged, so the applicant, the type and
 * `createdAtMs` name it.
 *
 * @since 0.1.0
 */
export const eventId = (event: Event): string =>
  [event.applicantId, event.type, String(event.createdAtMs ?? event.correlationId ?? "")].join(":")

/**
 * Verifies a webhook's digest on its raw body, then reads the event.
 *
 * @since 0.1.0
 */
export const verify = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly request: IdentityProvider.WebhookRequest
}): Effect.Effect<Event, ProviderError.ProviderError> =>
  Effect.gen(function* () {
    const named = options.request.headers[algorithmHeader] ?? "HMAC_SHA256_HEX"
    if (!isDigestAlgorithm(named)) {
      return yield* Effect.fail(
        ProviderError.make(SumsubClient.name, new ProviderError.WebhookSignatureInvalid(), {
          description: `the webhook's digest algorithm ${JSON.stringify(named)} is not one Sumsub uses`
        })
      )
    }
    yield* Webhook.verify({
      provider: SumsubClient.name,
      algorithm: digestAlgorithms[named],
      encoding: "hex",
      secrets: options.secrets,
      payload: options.request.rawBody,
      signature: options.request.headers[signatureHeader]
    })
    return yield* decodeEvent(ProviderHttp.decodeUtf8(options.request.rawBody), { onExcessProperty: "ignore" }).pipe(
      // Signed by Sumsub but unreadable: Sumsub sent something we cannot read.
      Effect.catchTag("SchemaError", (error) =>
        Effect.fail(
          ProviderError.make(SumsubClient.name, new ProviderError.InvalidResponse({ issue: error.message }), {
            description: "the webhook event does not match the expected schema"
          })
        )
      )
    )
  })

/**
 * Signs an event as Sumsub does (`algorithm` default `HMAC_SHA256_HEX`): what the simulator sends, and what tests
 * hand to `verifyWebhook`. `body` signs those exact bytes instead of the encoded event.
 *
 * @since 0.1.0
 */
export const sign = (options: {
  readonly secret: Webhook.Secret
  readonly event?: Event | undefined
  readonly body?: string | undefined
  readonly algorithm?: DigestAlgorithm | undefined
}): Effect.Effect<IdentityProvider.WebhookRequest> =>
  Effect.gen(function* () {
    const body = options.body ?? (options.event === undefined ? "{}" : encodeEvent(options.event))
    const algorithm = options.algorithm ?? "HMAC_SHA256_HEX"
    const digest = yield* Webhook.sign({
      algorithm: digestAlgorithms[algorithm],
      encoding: "hex",
      secret: options.secret,
      payload: body
    })
    return {
      headers: { "content-type": "application/json", [signatureHeader]: digest, [algorithmHeader]: algorithm },
      rawBody: new TextEncoder().encode(body)
    }
  })
