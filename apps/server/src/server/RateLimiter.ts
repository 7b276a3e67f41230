/**
 * Per-client rate limits: a token bucket per API client, refilled at `ASSURE_RATE_LIMIT` requests per second with
 * bursts of twice that. In memory: with several instances, each limits on its own.
 */
import { Context, Effect, Layer } from "effect"
import { ServerConfig } from "./ServerConfig.js"

export class RateLimiter extends Context.Service<
  RateLimiter,
  {
    /** Takes one request from the client's bucket: `undefined` if allowed, else the seconds to wait. */
    readonly take: (clientId: string) => number | undefined
  }
>()("@assure/server/RateLimiter") {}

export const layer = Layer.effect(
  RateLimiter,
  Effect.gen(function* () {
    const { rateLimit } = yield* ServerConfig
    const capacity = rateLimit * 2
    const buckets = new Map<string, { tokens: number; updated: number }>()
    return RateLimiter.of({
      take: (clientId) => {
        const now = performance.now()
        const bucket = buckets.get(clientId) ?? { tokens: capacity, updated: now }
        bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updated) / 1000) * rateLimit)
        bucket.updated = now
        buckets.set(clientId, bucket)
        if (bucket.tokens >= 1) {
          bucket.tokens -= 1
          return undefined
        }
        return Math.max(1, Math.ceil((1 - bucket.tokens) / rateLimit))
      }
    })
  })
)
