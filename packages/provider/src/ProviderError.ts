/**
 * The one error every provider operation fails with: a `ProviderError` whose `reason` says what went wrong, in
 * words the engine can act on. Adapters classify; they never retry. Retrying is the engine's job, guided by
 * `isRetryable` (and `retryAfter` for rate limits).
 *
 * Errors never carry secrets, request bodies or personal data: only the provider, the reason, the vendor's request
 * id and a short description an operator can read.
 *
 * @example
 * ```ts
 * import { ProviderError } from "@assure/provider"
 * import { Effect } from "effect"
 *
 * program.pipe(
 *   Effect.catchReason("ProviderError", "RateLimited", (reason) => Effect.sleep(reason.retryAfter ?? "1 second"))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Schema } from "effect"

/** The credentials were refused (HTTP 401/403). @since 0.1.0 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>("@assure/provider/Unauthorized")(
  "Unauthorized",
  {}
) {
  get isRetryable(): boolean {
    return false
  }
}

/** The vendor asks us to slow down (HTTP 429), possibly saying for how long. @since 0.1.0 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@assure/provider/RateLimited")("RateLimited", {
  retryAfter: Schema.optionalKey(Schema.Duration)
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** The vendor could not be reached or failed (HTTP 5xx, a timeout, a broken connection). @since 0.1.0 */
export class Unavailable extends Schema.TaggedError<Unavailable>("@assure/provider/Unavailable")("Unavailable", {
  status: Schema.optionalKey(Schema.Int),
  timedOut: Schema.optionalKey(Schema.Boolean)
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** One invalid input, as the vendor or the adapter reports it. @since 0.1.0 */
export const InvalidField = Schema.Struct({ name: Schema.String, reason: Schema.String })

/** The request was refused as invalid (HTTP 400/422, or refused by the adapter before sending). @since 0.1.0 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>("@assure/provider/InvalidRequest")(
  "InvalidRequest",
  { fields: Schema.Array(InvalidField) }
) {
  get isRetryable(): boolean {
    return false
  }
}

/** The vendor does not know the resource (HTTP 404). @since 0.1.0 */
export class NotFound extends Schema.TaggedError<NotFound>("@assure/provider/NotFound")("NotFound", {}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The vendor answered with something we cannot read: malformed JSON, or JSON that breaks its own schema. @since 0.1.0 */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>("@assure/provider/InvalidResponse")(
  "InvalidResponse",
  { issue: Schema.String }
) {
  get isRetryable(): boolean {
    return false
  }
}

/** The adapter is set up wrongly (missing credentials, an unknown region, an unsupported flow). @since 0.1.0 */
export class Misconfigured extends Schema.TaggedError<Misconfigured>("@assure/provider/Misconfigured")(
  "Misconfigured",
  {}
) {
  get isRetryable(): boolean {
    return false
  }
}

/** A webhook's signature is missing, wrong, stale or replayed. @since 0.1.0 */
export class WebhookSignatureInvalid extends Schema.TaggedError<WebhookSignatureInvalid>(
  "@assure/provider/WebhookSignatureInvalid"
)("WebhookSignatureInvalid", {}) {
  get isRetryable(): boolean {
    return false
  }
}

/** Why a provider operation failed. @since 0.1.0 */
export const Reason = Schema.Union([
  Unauthorized,
  RateLimited,
  Unavailable,
  InvalidRequest,
  NotFound,
  InvalidResponse,
  Misconfigured,
  WebhookSignatureInvalid
])

/** Why a provider operation failed. @since 0.1.0 */
export type Reason = typeof Reason.Type

/** The tag of a reason (`"RateLimited"`, …). @since 0.1.0 */
export type ReasonTag = Reason["_tag"]

/** A failed provider operation. @since 0.1.0 */
export class ProviderError extends Schema.TaggedError<ProviderError>("@assure/provider/ProviderError")(
  "ProviderError",
  {
    provider: Schema.String,
    reason: Reason,
    /** The vendor's id for the failed request, for their support. */
    requestId: Schema.optionalKey(Schema.String),
    /** What happened, for an operator: never a secret, a body or personal data. */
    description: Schema.optionalKey(Schema.String)
  }
) {
  /** Whether trying again later may succeed. */
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }

  override get message(): string {
    const parts = [`${this.provider}: ${this.reason._tag}`]
    if (this.reason._tag === "RateLimited" && this.reason.retryAfter !== undefined) {
      parts.push(`retry after ${Duration.format(this.reason.retryAfter)}`)
    }
    if (this.description !== undefined) parts.push(this.description)
    if (this.requestId !== undefined) parts.push(`request id ${this.requestId}`)
    return parts.join(" — ")
  }
}

/**
 * Builds a `ProviderError` for a provider.
 *
 * @example
 * ```ts
 * ProviderError.make("onfido", new ProviderError.NotFound(), { requestId: "req_123" })
 * ```
 * @since 0.1.0
 */
export const make = (
  provider: string,
  reason: Reason,
  options?: { readonly requestId?: string | undefined; readonly description?: string | undefined }
): ProviderError =>
  new ProviderError({
    provider,
    reason,
    ...(options?.requestId === undefined ? {} : { requestId: options.requestId }),
    ...(options?.description === undefined ? {} : { description: options.description })
  })
