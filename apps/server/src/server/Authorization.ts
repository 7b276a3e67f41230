/**
 * The bearer middleware: verifies the access token, applies the client's rate limit, and provides the client (tenant)
 * to the handlers.
 */
import { TooManyRequests } from "@assure/api/Problems"
import { Authorization, CurrentClient } from "@assure/api/Security"
import { Effect, Layer, Redacted } from "effect"
import { HttpServerRespondable, HttpServerResponse } from "effect/http"
import { Idempotency } from "./Idempotency.js"
import { requestMembers, unauthorized } from "./ProblemMapping.js"
import { RateLimiter } from "./RateLimiter.js"
import { Tokens } from "./Tokens.js"

export const layer = Layer.effect(
  Authorization,
  Effect.gen(function* () {
    const tokens = yield* Tokens
    const limiter = yield* RateLimiter
    const idempotency = yield* Idempotency
    /** 429 with `Retry-After`, for a client past its rate limit. */
    const tooManyRequests = (retryAfter: number) =>
      Effect.flatMap(requestMembers, (members) =>
        HttpServerRespondable.toResponse(
          new TooManyRequests({ ...members, detail: `Too many requests; retry after ${retryAfter} s` })
        ).pipe(Effect.map(HttpServerResponse.setHeader("retry-after", String(retryAfter))))
      )
    return Authorization.of({
      // Runs on every request: plain functions and flatMap rather than a generator, which costs more per request.
      bearer: (httpEffect, { credential, endpoint, group }) =>
        tokens.verify(Redacted.value(credential)).pipe(
          Effect.catchTag("TokenRefused", (refused) =>
            unauthorized(`A valid bearer token is required: ${refused.reason}`, "invalid_token")
          ),
          Effect.flatMap((clientId) => {
            const retryAfter = limiter.take(clientId)
            if (retryAfter !== undefined) return tooManyRequests(retryAfter)
            return idempotency.once(
              clientId,
              { endpoint, group },
              Effect.provideService(httpEffect, CurrentClient, { clientId })
            )
          })
        )
    })
  })
)
