/**
 * The problems (RFC 9457, `application/problem+json`) the API answers with, one class per status, with the members
 * the Assure API adds: `method`, `traceId`, `code`, and `invalidParams` naming each bad input by its path.
 *
 * Every problem carries a `code`, as Signicat's errors do: each class has its default (a client-input failure is
 * `invalid_request_parameter`), and a few refusals say more (`invalid_token`, `invalid_client`, a provider's reason).
 */
import { Problem } from "@assure/core"
import { Effect, Schema } from "effect"
import { HttpApiError } from "effect/http-api"

/** The members every problem of this API has beyond RFC 9457's, with `code` defaulting to the class's own. */
const members = (code: string) => ({
  method: Schema.optionalKey(Schema.String),
  traceId: Schema.optionalKey(Schema.String),
  code: Schema.String.pipe(Schema.withConstructorDefault(Effect.succeed(code))),
  invalidParams: Schema.optionalKey(Schema.Array(Problem.InvalidParam))
})

/** The `code` of every client-input failure, as Signicat names it. */
export const invalidRequestParameter = "invalid_request_parameter"

/**
 * 400: the request is not valid — a body that is not JSON, a field that is unknown, missing or malformed, a value the
 * engine or the provider refuses. `invalidParams` names each by its path (`userData.dateOfBirth`,
 * `query.limit`, `headers.idempotency-key`) and says why.
 */
export class InvalidRequest extends HttpApiError.Problem<InvalidRequest>()(
  "InvalidRequest",
  { type: "https://assure.dev/problems/invalid-request-parameter", status: 400, title: "Invalid request parameter" },
  members(invalidRequestParameter)
) {}

/**
 * 401: no valid bearer token, or wrong client credentials. The token endpoint adds `error: "invalid_client"`, as
 * RFC 6749 §5.2 has it.
 */
export class Unauthorized extends HttpApiError.Problem<Unauthorized>()(
  "Unauthorized",
  { type: "https://assure.dev/problems/unauthorized", status: 401, title: "Unauthorized" },
  { ...members("invalid_token"), error: Schema.optionalKey(Schema.String) }
) {}

/** 403: the client is authenticated but may not do this (an administrative operation, say). */
export class Forbidden extends HttpApiError.Problem<Forbidden>()(
  "Forbidden",
  { type: "https://assure.dev/problems/forbidden", status: 403, title: "Forbidden" },
  members("insufficient_scope")
) {}

/** 404: no such resource for this client. */
export class NotFound extends HttpApiError.Problem<NotFound>()(
  "NotFound",
  { type: "https://assure.dev/problems/not-found", status: 404, title: "Not found" },
  members("not_found")
) {}

/** 405: the path exists, but not with this method; `Allow` lists the methods it has. */
export class MethodNotAllowed extends HttpApiError.Problem<MethodNotAllowed>()(
  "MethodNotAllowed",
  { type: "https://assure.dev/problems/method-not-allowed", status: 405, title: "Method not allowed" },
  members("method_not_allowed")
) {}

/** 408: the request's headers or body did not arrive in time. */
export class RequestTimeout extends HttpApiError.Problem<RequestTimeout>()(
  "RequestTimeout",
  { type: "https://assure.dev/problems/request-timeout", status: 408, title: "Request timeout" },
  members("request_timeout")
) {}

/** 409: the resource's state does not allow the operation, or a request with the same Idempotency-Key is in flight. */
export class Conflict extends HttpApiError.Problem<Conflict>()(
  "Conflict",
  { type: "https://assure.dev/problems/conflict", status: 409, title: "Conflict" },
  members("conflict")
) {}

/** 413: the request body, or a file in it, is larger than its limit; `invalidParams` names the file. */
export class PayloadTooLarge extends HttpApiError.Problem<PayloadTooLarge>()(
  "PayloadTooLarge",
  { type: "https://assure.dev/problems/payload-too-large", status: 413, title: "Payload too large" },
  members("payload_too_large")
) {}

/** 415: the body's `Content-Type` is not one the operation reads. */
export class UnsupportedMediaType extends HttpApiError.Problem<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { type: "https://assure.dev/problems/unsupported-media-type", status: 415, title: "Unsupported media type" },
  members("unsupported_media_type")
) {}

/**
 * 422: an `Idempotency-Key` already used for a different request (another body, path or method), as the IETF
 * `Idempotency-Key` header draft answers.
 */
export class IdempotencyKeyReused extends HttpApiError.Problem<IdempotencyKeyReused>()(
  "IdempotencyKeyReused",
  { type: "https://assure.dev/problems/idempotency-key-reused", status: 422, title: "Idempotency key reused" },
  members("idempotency_key_reused")
) {}

/** 429: too many requests; `Retry-After` says when to try again. */
export class TooManyRequests extends HttpApiError.Problem<TooManyRequests>()(
  "TooManyRequests",
  { type: "https://assure.dev/problems/too-many-requests", status: 429, title: "Too many requests" },
  members("too_many_requests")
) {}

/** 500: something failed on our side; the trace id finds it in the server's logs. */
export class InternalError extends HttpApiError.Problem<InternalError>()(
  "InternalError",
  { type: "https://assure.dev/problems/internal-error", status: 500, title: "Internal server error" },
  members("internal_error")
) {}

/** 502: the identity provider failed or refused the request. */
export class ProviderFailed extends HttpApiError.Problem<ProviderFailed>()(
  "ProviderFailed",
  { type: "https://assure.dev/problems/provider-failed", status: 502, title: "The identity provider failed" },
  members("provider_failed")
) {}

/** 503: the identity provider (or the database) is unavailable for now; try again. */
export class ProviderUnavailable extends HttpApiError.Problem<ProviderUnavailable>()(
  "ProviderUnavailable",
  {
    type: "https://assure.dev/problems/provider-unavailable",
    status: 503,
    title: "The identity provider is unavailable"
  },
  members("provider_unavailable")
) {}

/** Any problem the API answers with, as the typed client decodes it (tell them apart by `_tag`). */
export type AnyProblem =
  | InvalidRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | MethodNotAllowed
  | RequestTimeout
  | Conflict
  | PayloadTooLarge
  | UnsupportedMediaType
  | IdempotencyKeyReused
  | TooManyRequests
  | InternalError
  | ProviderFailed
  | ProviderUnavailable
