import { ProviderError } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Duration, Effect, Exit, Schema } from "effect"
import { TestClock } from "effect/testing"
import { CircuitBreaker } from "../src/index.js"

const settings: CircuitBreaker.Settings = {
  failureRate: 0.5,
  window: "1 minute",
  minimumCalls: 4,
  openDelay: "30 seconds",
  halfOpenTrials: 1
}

const breaker = CircuitBreaker.make(settings)

const recordAll = (
  cb: CircuitBreaker.Service,
  tenant: string,
  provider: string,
  outcomes: ReadonlyArray<CircuitBreaker.Outcome>
) => Effect.forEach(outcomes, (outcome) => cb.record(tenant, provider, outcome), { discard: true })

const fail = (n: number): ReadonlyArray<CircuitBreaker.Outcome> => Array.from({ length: n }, () => "providerFailure")

/** Opens the circuit of (t1, onfido) and returns the time it opened, in ms. */
const open = (cb: CircuitBreaker.Service) =>
  Effect.gen(function* () {
    yield* recordAll(cb, "t1", "onfido", fail(4))
    const status = yield* cb.state("t1", "onfido")
    assert.strictEqual(status.state, "open")
    return yield* Effect.clockWith((clock) => clock.currentTimeMillis)
  })

describe("CircuitBreaker", () => {
  it.effect("does not open before the minimum number of calls, however many of them failed", () =>
    Effect.gen(function* () {
      const cb = yield* breaker
      yield* recordAll(cb, "t1", "onfido", fail(3))
      const status = yield* cb.state("t1", "onfido")
      assert.strictEqual(status.state, "closed")
      assert.strictEqual(status.calls, 3)
      assert.strictEqual(status.failureRate, 1)
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))

      yield* cb.record("t1", "onfido", "providerFailure")
      assert.isFalse(yield* cb.isAvailable("t1", "onfido"))
    })
  )

  it.effect("opens when the failure rate reaches the threshold, not below it", () =>
    Effect.gen(function* () {
      const cb = yield* breaker
      yield* recordAll(cb, "t1", "onfido", ["success", "success", "success", "providerFailure", "providerFailure"])
      const below = yield* cb.state("t1", "onfido")
      assert.strictEqual(below.state, "closed")
      assert.strictEqual(below.failureRate, 0.4)
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))

      yield* TestClock.adjust("1 second")
      yield* cb.record("t1", "onfido", "providerFailure")
      const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      const opened = yield* cb.state("t1", "onfido")
      assert.strictEqual(opened.state, "open")
      assert.isFalse(yield* cb.isAvailable("t1", "onfido"))
      assert.deepStrictEqual(opened.since, DateTime.makeUnsafe(now))
      assert.deepStrictEqual(opened.nextHalfOpenAt, DateTime.makeUnsafe(now + 30_000))
    })
  )

  it.effect("counts only calls within the sliding window", () =>
    Effect.gen(function* () {
      const cb = yield* breaker
      yield* recordAll(cb, "t1", "onfido", fail(3))
      yield* TestClock.adjust("61 seconds")
      yield* cb.record("t1", "onfido", "providerFailure")
      const status = yield* cb.state("t1", "onfido")
      assert.strictEqual(status.state, "closed")
      assert.strictEqual(status.calls, 1)
    })
  )

  it.effect("never counts a rejection or an invalid request", () =>
    Effect.gen(function* () {
      const cb = yield* breaker
      yield* recordAll(cb, "t1", "onfido", fail(3))
      yield* recordAll(
        cb,
        "t1",
        "onfido",
        Array.from({ length: 20 }, () => "notCounted")
      )
      const status = yield* cb.state("t1", "onfido")
      assert.strictEqual(status.state, "closed")
      assert.strictEqual(status.calls, 3)

      const invalid = ProviderError.make("onfido", new ProviderError.InvalidRequest({ fields: [] }))
      const notFound = ProviderError.make("onfido", new ProviderError.NotFound())
      const down = ProviderError.make("onfido", new ProviderError.Unavailable({ status: 503 }))
      const limited = ProviderError.make("onfido", new ProviderError.RateLimited({}))
      assert.strictEqual(CircuitBreaker.classify(invalid), "notCounted")
      assert.strictEqual(CircuitBreaker.classify(notFound), "notCounted")
      assert.strictEqual(CircuitBreaker.classify(down), "providerFailure")
      assert.strictEqual(CircuitBreaker.classify(limited), "providerFailure")
    })
  )

  it.effect("half-opens after the delay, lets one trial through and closes when it succeeds", () =>
    Effect.gen(function* () {
      const cb = yield* breaker
      const openedAt = yield* open(cb)
      yield* TestClock.adjust("29 seconds")
      assert.isFalse(yield* cb.isAvailable("t1", "onfido"))
      yield* TestClock.adjust("1 second")
      const half = yield* cb.state("t1", "onfido")
      assert.strictEqual(half.state, "halfOpen")
      assert.deepStrictEqual(half.since, DateTime.makeUnsafe(openedAt + 30_000))
      assert.strictEqual(half.nextHalfOpenAt, undefined)

      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))
      assert.isFalse(yield* cb.isAvailable("t1", "onfido"), "only halfOpenTrials calls go through")
      yield* cb.record("t1", "onfido", "success")
      const closed = yield* cb.state("t1", "onfido")
      assert.strictEqual(closed.state, "closed")
      assert.strictEqual(closed.calls, 0)
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))
    })
  )

  it.effect("opens again when the trial fails, for another delay", () =>
    Effect.gen(function* () {
      const cb = yield* breaker
      yield* open(cb)
      yield* TestClock.adjust("30 seconds")
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))
      yield* TestClock.adjust("2 seconds")
      yield* cb.record("t1", "onfido", "providerFailure")
      const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      const reopened = yield* cb.state("t1", "onfido")
      assert.strictEqual(reopened.state, "open")
      assert.deepStrictEqual(reopened.nextHalfOpenAt, DateTime.makeUnsafe(now + 30_000))
      assert.isFalse(yield* cb.isAvailable("t1", "onfido"))
      yield* TestClock.adjust("30 seconds")
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))
    })
  )

  it.effect("frees the trial slot of a trial that did not count, and of one that never reports back", () =>
    Effect.gen(function* () {
      const cb = yield* breaker
      yield* open(cb)
      yield* TestClock.adjust("30 seconds")
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))
      yield* cb.record("t1", "onfido", "notCounted")
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))
      assert.isFalse(yield* cb.isAvailable("t1", "onfido"))
      yield* TestClock.adjust("30 seconds")
      assert.isTrue(yield* cb.isAvailable("t1", "onfido"))
    })
  )

  it.effect("keeps tenants and providers apart", () =>
    Effect.gen(function* () {
      const cb = yield* breaker
      yield* open(cb)
      assert.isFalse(yield* cb.isAvailable("t1", "onfido"))
      assert.isTrue(yield* cb.isAvailable("t2", "onfido"))
      assert.isTrue(yield* cb.isAvailable("t1", "veriff"))
      assert.strictEqual((yield* cb.state("t2", "onfido")).state, "closed")
      assert.strictEqual((yield* cb.state("t2", "onfido")).since, undefined)

      yield* cb.record("t1", "veriff", "success")
      const t1 = yield* cb.states("t1")
      assert.deepStrictEqual(
        t1.map((s) => [s.tenant, s.provider, s.state]),
        [
          ["t1", "onfido", "open"],
          ["t1", "veriff", "closed"]
        ]
      )
      assert.deepStrictEqual(yield* cb.states("t2"), [], "asking alone leaves no circuit behind")
      yield* cb.record("t2", "onfido", "success")
      const t2 = yield* cb.states("t2")
      assert.deepStrictEqual(
        t2.map((s) => [s.tenant, s.provider, s.state, s.calls]),
        [["t2", "onfido", "closed", 1]]
      )
    })
  )

  it.effect.prop(
    "never opens on successes and uncounted outcomes alone",
    {
      steps: Schema.Array(
        Schema.Tuple([
          Schema.Literals(["success", "notCounted"]),
          Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 90_000 }))
        ])
      ).check(Schema.isMaxLength(200))
    },
    ({ steps }) =>
      Effect.gen(function* () {
        const cb = yield* CircuitBreaker.make({ ...settings, minimumCalls: 1, failureRate: 0.01 })
        for (const [outcome, wait] of steps) {
          yield* TestClock.adjust(Duration.millis(wait))
          yield* cb.record("t1", "onfido", outcome)
          if (!(yield* cb.isAvailable("t1", "onfido"))) return false
        }
        return (yield* cb.state("t1", "onfido")).failures === 0
      })
  )

  it.effect("reads its settings from ASSURE_CIRCUIT_* and refuses invalid ones", () =>
    Effect.gen(function* () {
      const env = (values: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(values))
      const usesSettings = Effect.gen(function* () {
        const cb = yield* CircuitBreaker.CircuitBreaker
        yield* recordAll(cb, "t1", "onfido", fail(2))
        return (yield* cb.state("t1", "onfido")).state
      })
      const configured = yield* usesSettings.pipe(
        Effect.provide(CircuitBreaker.layerConfig),
        Effect.provide(env({ ASSURE_CIRCUIT_MINIMUM_CALLS: "2", ASSURE_CIRCUIT_FAILURE_RATE: "0.9" }))
      )
      assert.strictEqual(configured, "open")
      const defaulted = yield* usesSettings.pipe(Effect.provide(CircuitBreaker.layerConfig), Effect.provide(env({})))
      assert.strictEqual(defaulted, "closed")

      const settingsOf = (values: Record<string, string>) =>
        Effect.exit(
          Effect.gen(function* () {
            return yield* CircuitBreaker.settingsConfig
          }).pipe(Effect.provide(env(values)))
        )
      const read = yield* settingsOf({ ASSURE_CIRCUIT_WINDOW: "5 minutes", ASSURE_CIRCUIT_HALF_OPEN_TRIALS: "3" })
      assert.isTrue(Exit.isSuccess(read))
      if (Exit.isSuccess(read)) {
        assert.deepStrictEqual(read.value, {
          ...CircuitBreaker.defaults,
          window: Duration.minutes(5),
          openDelay: Duration.seconds(30),
          halfOpenTrials: 3
        })
      }
      assert.isTrue(Exit.isFailure(yield* settingsOf({ ASSURE_CIRCUIT_FAILURE_RATE: "1.5" })))
      assert.isTrue(Exit.isFailure(yield* settingsOf({ ASSURE_CIRCUIT_FAILURE_RATE: "0" })))
      assert.isTrue(Exit.isFailure(yield* settingsOf({ ASSURE_CIRCUIT_MINIMUM_CALLS: "0" })))
      assert.isTrue(Exit.isFailure(yield* settingsOf({ ASSURE_CIRCUIT_OPEN_DELAY: "soon" })))
    })
  )
})
