/**
 * Bearer authentication: every `/assure` path needs an access token from the token endpoint; the token's client is
 * the tenant whose dossiers the request sees.
 */
import { Context } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { Conflict, IdempotencyKeyReused, InvalidRequest, Unauthorized } from "./Problems.js"

/** The API client (tenant) a request acts for. */
export class CurrentClient extends Context.Service<CurrentClient, { readonly clientId: string }>()(
  "@assure/api/CurrentClient"
) {}

/** Checks the bearer token and provides the `CurrentClient`. */
export class Authorization extends HttpApiMiddleware.Service<
  Authorization,
  { provides: CurrentClient; requires: never }
>()("@assure/api/Authorization", {
  requiredForClient: true,
  security: { bearer: HttpApiSecurity.bearer },
  // Conflict, IdempotencyKeyReused and InvalidRequest come from Idempotency-Key handling.
  error: [Unauthorized, Conflict, IdempotencyKeyReused, InvalidRequest]
}) {}

/**
 * Refuses what no schema sees — query parameters and bodies an operation does not take, JSON nested too deep,
 * control characters in client text, malformed percent-encoding — and turns request values that break the API's
 * schemas into problems naming each bad value.
 */
export class RequestProblems extends HttpApiMiddleware.Service<RequestProblems>()("@assure/api/RequestProblems", {
  error: InvalidRequest
}) {}
