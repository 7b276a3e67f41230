/**
 * The problems (RFC 9457, `application/problem+json`) the API answers with, one class per status, with the members
 * the Assure API adds: `method`, `traceId`, `code`, and `invalidParams` naming each bad input by its path.
 */
import { Problem } from "@assure/core"
import { Schema } from "effect"
import { HttpApiError } from "effect/http-api"

const members = {
  method: Schema.optionalKey(Schema.String),
  traceId: Schema.optionalKey(Schema.String),
  code: Schema.optionalKey(Schema.String),
  invalidParams: Schema.optionalKey(Schema.Array(Problem.InvalidParam))
}

/** 400: the request could not be read (malformed JSON, a wrong field). */
export class BadRequest extends HttpApiError.Problem<BadRequest>()(
  "BadRequest",
  { type: "https://assure.dev/problems/bad-request", status: 400, title: "Bad request" },
  members
) {}

/** 401: no valid bearer token, or wrong client credentials. */
export class Unauthorized extends HttpApiError.Problem<Unauthorized>()(
  "Unauthorized",
  { type: "https://assure.dev/problems/unauthorized", status: 401, title: "Unauthorized" },
  members
) {}

/** 404: no such resource for this client. */
export class NotFound extends HttpApiError.Problem<NotFound>()(
  "NotFound",
  { type: "https://assure.dev/problems/not-found", status: 404, title: "Not found" },
  members
) {}

/** 409: the resource's state does not allow the operation. */
export class Conflict extends HttpApiError.Problem<Conflict>()(
  "Conflict",
  { type: "https://assure.dev/problems/conflict", status: 409, title: "Conflict" },
  members
) {}

/** 413: the request body, or a file in it, is larger than its limit; `invalidParams` names the file. */
export class PayloadTooLarge extends HttpApiError.Problem<PayloadTooLarge>()(
  "PayloadTooLarge",
  { type: "https://assure.dev/problems/payload-too-large", status: 413, title: "Payload too large" },
  members
) {}

/** 422: the request was read but its content is not valid. */
export class InvalidRequest extends HttpApiError.Problem<InvalidRequest>()(
  "InvalidRequest",
  { type: "https://assure.dev/problems/invalid-request", status: 422, title: "Invalid request" },
  members
) {}

/** 429: too many requests; `Retry-After` says when to try again. */
export class TooManyRequests extends HttpApiError.Problem<TooManyRequests>()(
  "TooManyRequests",
  { type: "https://assure.dev/problems/too-many-requests", status: 429, title: "Too many requests" },
  members
) {}

/** 502: the identity provider failed or refused the request. */
export class ProviderFailed extends HttpApiError.Problem<ProviderFailed>()(
  "ProviderFailed",
  { type: "https://assure.dev/problems/provider-failed", status: 502, title: "The identity provider failed" },
  members
) {}

/** 503: the identity provider is unavailable for now; try again. */
export class ProviderUnavailable extends HttpApiError.Problem<ProviderUnavailable>()(
  "ProviderUnavailable",
  {
    type: "https://assure.dev/problems/provider-unavailable",
    status: 503,
    title: "The identity provider is unavailable"
  },
  members
) {}
