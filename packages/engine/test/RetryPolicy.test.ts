import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import * as fc from "fast-check"
import { RetryPolicy } from "../src/index.js"

const settings: RetryPolicy.Settings = {
  initial: "1 second",
  max: "5 minutes",
  retryAfterCap: "15 minutes",
  maxStartAttempts: 10
}

const failures = fc.integer({ min: 1, max: 40 })
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })

describe("RetryPolicy.delayMillis", () => {
  it("backs off exponentially from the initial wait to the maximum, with up to half of each step as jitter", () => {
    fc.assert(
      fc.property(failures, random, (n, r) => {
        const step = Math.min(300_000, 1_000 * 2 ** (n - 1))
        const delay = RetryPolicy.delayMillis(settings, n, undefined, r)
        return delay >= Math.floor(step / 2) && delay <= step
      })
    )
  })

  it("never waits less than the provider asked, up to the cap", () => {
    fc.assert(
      fc.property(failures, random, fc.integer({ min: 0, max: 86_400_000 }), (n, r, asked) => {
        const delay = RetryPolicy.delayMillis(settings, n, Duration.millis(asked), r)
        return delay >= Math.min(asked, 900_000) && delay <= Math.max(300_000, Math.min(asked, 900_000))
      })
    )
  })

  it("spreads processes that failed together", () => {
    const delays = new Set([0, 0.25, 0.5, 0.75].map((r) => RetryPolicy.delayMillis(settings, 3, undefined, r)))
    assert.strictEqual(delays.size, 4)
  })
})
