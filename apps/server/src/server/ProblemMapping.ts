/**
 * Turns what the engine and the providers fail with into the API's problems, adding the members every problem carries:
 * the path (`instance`), the `method` and the request's `traceId`, which the logs carry too.
 */
import {
  Conflict,
  InvalidRequest,
  NotFound,
  ProviderFailed,
  ProviderUnavailable,
  Unauthorized
} from "@assure/api/Problems"
import { EngineError } from "@assure/engine"
import type { ProviderError } from "@assure/provider"
import { Context, Effect } from "effect"
import { HttpServerRequest } from "effect/http"

/**
 * The trace id of the request being served: its server span's when traces are exported, else one made for the
 * request (ProblemFallback.ts sets it). Problems and log lines carry it, so that one finds the other.
 */
export const RequestTraceId = Context.Reference<string | undefined>("@assure/server/RequestTraceId", {
  defaultValue: () => undefined
})

/** The request-level members of a problem. */
export const requestMembers = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const traceId = yield* RequestTraceId
  return {
    instance: new URL(request.url, "http://localhost").pathname,
    method: request.method,
    ...(traceId === undefined ? {} : { traceId })
  }
})

type EngineFailure =
  | EngineError.NotFound
  | EngineError.InvalidInput
  | EngineError.Conflict
  | EngineError.ProviderNotConfigured

/** The problem for an engine error. */
export const fromEngine = (
  error: EngineFailure
): Effect.Effect<never, NotFound | InvalidRequest | Conflict, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(requestMembers, (members): Effect.Effect<never, NotFound | InvalidRequest | Conflict> => {
    switch (error._tag) {
      case "NotFound":
        return Effect.fail(new NotFound({ ...members, detail: error.message }))
      case "InvalidInput":
        return Effect.fail(new InvalidRequest({ ...members, detail: error.detail, invalidParams: error.invalidParams }))
      case "Conflict":
        return Effect.fail(new Conflict({ ...members, detail: error.message }))
      // Whatever asked for it — a new process, a process whose provider the operator removed, a webhook or a
      // redirect return — the request names a provider this deployment does not run.
      case "ProviderNotConfigured":
        return Effect.fail(
          new InvalidRequest({
            ...members,
            detail: error.message,
            invalidParams: [
              { name: "provider", reason: `no provider "${error.provider}" is configured on this server` }
            ]
          })
        )
    }
  })

/**
 * The problem for a routed process that no provider can take now: every provider of the matching rule was skipped
 * (their circuits are open) — a passing outage, 503 `no_provider_available`.
 */
export const fromNoProvider = (
  error: EngineError.NoProviderAvailable
): Effect.Effect<never, ProviderUnavailable, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(requestMembers, (members) =>
    Effect.fail(new ProviderUnavailable({ ...members, detail: error.message, code: "no_provider_available" }))
  )

/**
 * The problem for a provider's failure: the client's fault (400 `invalid_request_parameter`, the provider's own reason
 * in `detail`), a passing outage (503), or the provider's (502); those two carry the reason as their `code`.
 */
export const fromProvider = (
  error: ProviderError.ProviderError
): Effect.Effect<never, InvalidRequest | ProviderUnavailable | ProviderFailed, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(
    requestMembers,
    (members): Effect.Effect<never, InvalidRequest | ProviderUnavailable | ProviderFailed> => {
      const detail = error.message
      const code = error.reason._tag
      if (error.reason._tag === "InvalidRequest") {
        return Effect.fail(new InvalidRequest({ ...members, detail, invalidParams: error.reason.fields }))
      }
      if (error.isRetryable) return Effect.fail(new ProviderUnavailable({ ...members, detail, code }))
      return Effect.fail(new ProviderFailed({ ...members, detail, code }))
    }
  )

/** A 400 `invalid_request_parameter` problem, naming the bad values when there are any. */
export const badRequest = (
  detail: string,
  invalidParams?: ReadonlyArray<{ name: string; reason: string }>
): Effect.Effect<never, InvalidRequest, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(requestMembers, (members) =>
    Effect.fail(new InvalidRequest({ ...members, detail, ...(invalidParams === undefined ? {} : { invalidParams }) }))
  )

/** A 401 problem; `code` says which credential failed (`invalid_token`, `invalid_client`). */
export const unauthorized = (
  detail: string,
  code?: string
): Effect.Effect<never, Unauthorized, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(requestMembers, (members) =>
    Effect.fail(new Unauthorized({ ...members, detail, ...(code === undefined ? {} : { code }) }))
  )

export { EngineError }
