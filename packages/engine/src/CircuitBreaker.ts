/**
 * A circuit breaker per tenant and provider, for provider routing and fallback: it tells
 * whether new processes of a tenant should skip a provider that keeps failing. The `Router` asks `isAvailable` when
 * it routes a process (and the engine when it chooses a fallback); every provider start and poll reports its outcome
 * with `record`. The `assure_circuit_state{tenant,provider}` gauge follows each circuit's state.
 *
 * A circuit is `closed` (calls go through) until, within the sliding `window`, at least `minimumCalls` counted calls
 * were made and the share of them that failed through the provider's fault reaches `failureRate`; it is then `open`
 * (calls are refused) for `openDelay`, then `halfOpen`: up to `halfOpenTrials` trial calls go through, the first
 * successful one closes the circuit, the first failed one opens it again. Only the provider's fault counts (see
 * {@link classify}): a person rejected or an invalid request never opens a circuit. State is kept in memory, per
 * engine process, on Effect's `Clock`.
 *
 * @since 0.2.0
 */

import type { ProviderError } from "@assure/provider"
import { Config, Context, DateTime, Duration, Effect, Layer, Ref, Schema } from "effect"
import * as EngineMetrics from "./EngineMetrics.js"

/** The breaker's settings. @since 0.2.0 */
export interface Settings {
  /** The share of counted calls in the window, in (0, 1], that failed through the provider's fault and opens the circuit. */
  readonly failureRate: number
  /** How far back calls count. */
  readonly window: Duration.Input
  /** A circuit never opens on fewer counted calls in the window than this. */
  readonly minimumCalls: number
  /** How long an open circuit refuses calls before it lets trial calls through. */
  readonly openDelay: Duration.Input
  /** How many trial calls a half-open circuit lets through (per `openDelay`, until one reports back). */
  readonly halfOpenTrials: number
}

/** The default settings: opens at 50 % failures over at least 10 calls in 1 minute, tries again after 30 s with 1 call. @since 0.2.0 */
export const defaults: Settings = {
  failureRate: 0.5,
  window: "1 minute",
  minimumCalls: 10,
  openDelay: "30 seconds",
  halfOpenTrials: 1
}

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const Rate = Schema.Number.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1))

/**
 * The settings from the environment: `ASSURE_CIRCUIT_FAILURE_RATE`, `ASSURE_CIRCUIT_WINDOW`,
 * `ASSURE_CIRCUIT_MINIMUM_CALLS`, `ASSURE_CIRCUIT_OPEN_DELAY`, `ASSURE_CIRCUIT_HALF_OPEN_TRIALS`, each defaulting to
 * {@link defaults}.
 *
 * @since 0.2.0
 */
export const settingsConfig: Config.Config<Settings> = Config.all({
  failureRate: Config.schema(Rate, "ASSURE_CIRCUIT_FAILURE_RATE").pipe(Config.withDefault(defaults.failureRate)),
  window: Config.Duration("ASSURE_CIRCUIT_WINDOW").pipe(Config.withDefault(Duration.fromInputUnsafe(defaults.window))),
  minimumCalls: Config.schema(PositiveInt, "ASSURE_CIRCUIT_MINIMUM_CALLS").pipe(
    Config.withDefault(defaults.minimumCalls)
  ),
  openDelay: Config.Duration("ASSURE_CIRCUIT_OPEN_DELAY").pipe(
    Config.withDefault(Duration.fromInputUnsafe(defaults.openDelay))
  ),
  halfOpenTrials: Config.schema(PositiveInt, "ASSURE_CIRCUIT_HALF_OPEN_TRIALS").pipe(
    Config.withDefault(defaults.halfOpenTrials)
  )
})

/** What a finished provider call tells the breaker. @since 0.2.0 */
export type Outcome = "success" | "providerFailure" | "notCounted"

/**
 * The outcome of a call that failed with `error`: `providerFailure` when the provider is at fault (`Unavailable`,
 * `RateLimited`), `notCounted` otherwise (`InvalidRequest`, `NotFound`, `Unauthorized`, …); a person rejected is a
 * successful call.
 *
 * @since 0.2.0
 */
export const classify = (error: ProviderError.ProviderError): Outcome =>
  error.reason._tag === "Unavailable" || error.reason._tag === "RateLimited" ? "providerFailure" : "notCounted"

/** The state of a circuit. @since 0.2.0 */
export type State = "closed" | "open" | "halfOpen"

/** A circuit as the API and metrics show it. @since 0.2.0 */
export interface Status {
  readonly tenant: string
  readonly provider: string
  readonly state: State
  /** Counted calls in the current window (always 0 while not closed). */
  readonly calls: number
  /** Of them, those that failed through the provider's fault. */
  readonly failures: number
  /** `failures / calls`, 0 without calls. */
  readonly failureRate: number
  /** When the circuit entered its state; undefined for a circuit that never recorded anything. */
  readonly since: DateTime.Utc | undefined
  /** When an open circuit half-opens; undefined unless open. */
  readonly nextHalfOpenAt: DateTime.Utc | undefined
}

/** The breaker. @since 0.2.0 */
export interface Service {
  /**
   * Whether a new call to `provider` for `tenant` may go ahead. In `halfOpen` a `true` admits one of the limited
   * trial calls, so ask only when the call will then be made, and `record` its outcome.
   */
  readonly isAvailable: (tenant: string, provider: string) => Effect.Effect<boolean>
  /** Reports how a call to `provider` for `tenant` ended. */
  readonly record: (tenant: string, provider: string, outcome: Outcome) => Effect.Effect<void>
  /** The circuit of `provider` for `tenant`. */
  readonly state: (tenant: string, provider: string) => Effect.Effect<Status>
  /** Every circuit of `tenant` that recorded something, by provider name. */
  readonly states: (tenant: string) => Effect.Effect<ReadonlyArray<Status>>
}

/** The breaker as an Effect service. @since 0.2.0 */
export class CircuitBreaker extends Context.Service<CircuitBreaker, Service>()("@assure/engine/CircuitBreaker") {}

interface Circuit {
  readonly state: State
  /** Milliseconds since the epoch when the circuit entered its state (for `open`: when it opened). */
  readonly since: number
  /** Counted calls of the window while closed: when each ended and whether the provider was at fault. */
  readonly window: ReadonlyArray<{ readonly at: number; readonly failed: boolean }>
  /** Trial calls admitted in the current half-open period and when that period began. */
  readonly trials: number
  readonly trialsSince: number
}

const closed = (now: number): Circuit => ({ state: "closed", since: now, window: [], trials: 0, trialsSince: now })

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * The breaker with `settings`, in memory.
 *
 * @since 0.2.0
 */
export const make = (settings: Settings): Effect.Effect<Service> =>
  Effect.gen(function* () {
    const windowMs = millis(settings.window)
    const openDelayMs = millis(settings.openDelay)
    const circuits = yield* Ref.make(new Map<string, Map<string, Circuit>>())

    /** The circuit as of `now`: an open one past its delay is half-open; old calls leave the window. */
    const current = (circuit: Circuit, now: number): Circuit => {
      if (circuit.state === "open" && now >= circuit.since + openDelayMs) {
        const since = circuit.since + openDelayMs
        return { state: "halfOpen", since, window: [], trials: 0, trialsSince: since }
      }
      if (circuit.state === "halfOpen" && now >= circuit.trialsSince + openDelayMs) {
        // trials that never reported back do not keep the circuit half-open forever
        return { ...circuit, trials: 0, trialsSince: now }
      }
      if (circuit.state === "closed" && circuit.window.some((call) => call.at <= now - windowMs)) {
        return { ...circuit, window: circuit.window.filter((call) => call.at > now - windowMs) }
      }
      return circuit
    }

    const update = <A>(
      tenant: string,
      provider: string,
      f: (circuit: Circuit, now: number) => readonly [A, Circuit]
    ): Effect.Effect<A> =>
      Effect.flatMap(
        Effect.clockWith((clock) => clock.currentTimeMillis),
        (now) =>
          Ref.modify(circuits, (all) => {
            const byProvider = all.get(tenant) ?? new Map<string, Circuit>()
            const existing = byProvider.get(provider)
            const fresh = existing === undefined ? closed(now) : undefined
            const before = fresh ?? current(existing ?? closed(now), now)
            const [result, next] = f(before, now)
            // a closed circuit that was only asked about is not kept: `states` lists circuits that recorded something
            if (next !== fresh) {
              byProvider.set(provider, next)
              all.set(tenant, byProvider)
            }
            const changed = existing === undefined ? next.state !== "closed" : existing.state !== next.state
            return [[result, changed ? next.state : undefined] as const, all] as const
          }).pipe(
            Effect.flatMap(([result, changedTo]) =>
              changedTo === undefined
                ? Effect.succeed(result)
                : Effect.as(EngineMetrics.recordCircuitState(tenant, provider, changedTo), result)
            )
          )
      )

    const status = (tenant: string, provider: string, circuit: Circuit | undefined, now: number): Status => {
      const c = circuit === undefined ? closed(now) : current(circuit, now)
      const calls = c.window.length
      const failures = c.window.filter((call) => call.failed).length
      return {
        tenant,
        provider,
        state: c.state,
        calls,
        failures,
        failureRate: calls === 0 ? 0 : failures / calls,
        since: circuit === undefined ? undefined : DateTime.makeUnsafe(c.since),
        nextHalfOpenAt: c.state === "open" ? DateTime.makeUnsafe(c.since + openDelayMs) : undefined
      }
    }

    const read = <A>(f: (all: Map<string, Map<string, Circuit>>, now: number) => A): Effect.Effect<A> =>
      Effect.flatMap(
        Effect.clockWith((clock) => clock.currentTimeMillis),
        (now) => Effect.map(Ref.get(circuits), (all) => f(all, now))
      )

    return {
      isAvailable: (tenant, provider) =>
        update(tenant, provider, (circuit) => {
          if (circuit.state === "closed") return [true, circuit]
          if (circuit.state === "open") return [false, circuit]
          return circuit.trials < settings.halfOpenTrials
            ? [true, { ...circuit, trials: circuit.trials + 1 }]
            : [false, circuit]
        }),
      record: (tenant, provider, outcome) =>
        update(tenant, provider, (circuit, now) => {
          if (outcome === "notCounted") {
            const freed =
              circuit.state === "halfOpen" ? { ...circuit, trials: Math.max(0, circuit.trials - 1) } : circuit
            return [undefined, freed]
          }
          if (circuit.state === "open") return [undefined, circuit]
          if (circuit.state === "halfOpen") {
            return [undefined, outcome === "success" ? closed(now) : { ...closed(now), state: "open" }]
          }
          const window = [...circuit.window, { at: now, failed: outcome === "providerFailure" }]
          const failures = window.filter((call) => call.failed).length
          const opens = window.length >= settings.minimumCalls && failures / window.length >= settings.failureRate
          return [undefined, opens ? { ...closed(now), state: "open" } : { ...circuit, window }]
        }),
      state: (tenant, provider) => read((all, now) => status(tenant, provider, all.get(tenant)?.get(provider), now)),
      states: (tenant) =>
        read((all, now) =>
          Array.from(all.get(tenant) ?? [], ([provider, circuit]) => status(tenant, provider, circuit, now))
        )
    }
  })

/** The breaker with the given settings (defaults for those left out). @since 0.2.0 */
export const layer = (settings: Partial<Settings> = {}): Layer.Layer<CircuitBreaker> =>
  Layer.effect(CircuitBreaker, make({ ...defaults, ...settings }))

/** The breaker with the settings from the environment ({@link settingsConfig}). @since 0.2.0 */
export const layerConfig: Layer.Layer<CircuitBreaker, Config.ConfigError> = Layer.effect(
  CircuitBreaker,
  Effect.gen(function* () {
    return yield* make(yield* settingsConfig)
  })
)
