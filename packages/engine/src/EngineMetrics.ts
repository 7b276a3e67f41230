/**
 * What the engine records about itself, as Effect `Metric`s: an application exports them however it likes (the server
 * offers OTLP and a Prometheus scrape endpoint). Every metric is named `assure_…` and labelled only with provider
 * names, process statuses, operations, error reasons and delivery results — never ids or personal data.
 *
 * - Counters and histograms are recorded as the work happens: verifications started and finished, every provider
 *   call's latency and its failures by reason, polls that failed and will be retried, notification delivery attempts.
 * - The backlog gauges (pending notifications and their oldest age, how late the oldest due deadline is) describe the
 *   whole database, not this instance: {@link observeBacklog} reads them from the engine's tables when an exporter
 *   asks (at scrape time, or periodically).
 *
 * @example
 * ```ts
 * import { EngineMetrics } from "@assure/engine"
 * import { Effect, Metric } from "effect"
 *
 * // Before a scrape: bring the backlog gauges up to date, then read every metric.
 * const snapshot = Effect.andThen(EngineMetrics.observeBacklog, Metric.snapshot)
 * ```
 *
 * @since 0.2.0
 */
import { Clock, Effect, Metric } from "effect"
import { SqlClient } from "effect/sql"

/** The provider operations the engine calls and times. @since 0.2.0 */
export type ProviderOperation = "start" | "fetchResult" | "complete" | "cancel"

/** Latency buckets, in seconds, for calls to providers and statements to the store. */
const secondsBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** `assure_verifications_started_total{provider}`: verifications handed to a provider. @since 0.2.0 */
export const verificationsStarted = Metric.counter("assure_verifications_started_total", {
  description: "Verifications handed to a provider (a successful provider start)",
  incremental: true
})

/** `assure_verifications_finished_total{provider,status}`: processes that reached a final status. @since 0.2.0 */
export const verificationsFinished = Metric.counter("assure_verifications_finished_total", {
  description: "Processes that reached a final status, by provider and status",
  incremental: true
})

/** `assure_provider_call_duration_seconds{provider,operation}`: every provider call, failed or not. @since 0.2.0 */
export const providerCallDuration = Metric.histogram("assure_provider_call_duration_seconds", {
  description: "How long calls to providers took, in seconds, by provider and operation (failed calls included)",
  boundaries: secondsBoundaries
})

/** `assure_provider_call_failures_total{provider,operation,reason}`: calls that failed with a ProviderError. @since 0.2.0 */
export const providerCallFailures = Metric.counter("assure_provider_call_failures_total", {
  description: "Provider calls that failed, by provider, operation and the ProviderError's reason",
  incremental: true
})

/**
 * `assure_provider_call_retries_total{provider,operation,reason}`: provider calls (a start, a poll for the result)
 * that failed and that the engine will make again.
 *
 * @since 0.2.0
 */
export const providerCallRetries = Metric.counter("assure_provider_call_retries_total", {
  description: "Provider calls (start, fetchResult) that failed and that the engine will make again, by reason",
  incremental: true
})

/** `assure_routing_fallbacks_total{from,to}`: routed processes whose provider failed and that a fallback replaced. @since 0.2.0 */
export const routingFallbacks = Metric.counter("assure_routing_fallbacks_total", {
  description: "Routed processes whose provider failed, replaced by a process of the fallback provider",
  incremental: true
})

/** `assure_circuit_state{tenant,provider}`: 0 closed, 1 half-open, 2 open. @since 0.2.0 */
export const circuitState = Metric.gauge("assure_circuit_state", {
  description: "The circuit breaker's state per tenant and provider: 0 closed, 1 half-open, 2 open"
})

/** `assure_notification_delivery_attempts_total{result}`: delivered, retry (failed, tried again) or expired. @since 0.2.0 */
export const notificationAttempts = Metric.counter("assure_notification_delivery_attempts_total", {
  description: "Notification delivery attempts by result: delivered, retry (failed, will be tried again) or expired",
  incremental: true
})

/** `assure_notifications_pending`: notifications waiting for delivery, in the whole database. @since 0.2.0 */
export const notificationsPending = Metric.gauge("assure_notifications_pending", {
  description: "Notifications waiting to be delivered (whole database)"
})

/** `assure_notifications_oldest_pending_age_seconds`: how long the oldest pending notification has waited. @since 0.2.0 */
export const notificationsOldestAge = Metric.gauge("assure_notifications_oldest_pending_age_seconds", {
  description: "Age in seconds of the oldest notification waiting to be delivered, 0 when none (whole database)"
})

/**
 * `assure_due_work_lag_seconds`: how late the most overdue check of a waiting process is — a poll, a start to retry,
 * or its deadline. The sweeper takes due work within `EngineConfig.sweepInterval`, so this stays near 0 unless the
 * durable work is stuck or behind.
 *
 * @since 0.2.0
 */
export const dueWorkLag = Metric.gauge("assure_due_work_lag_seconds", {
  description: "Seconds the most overdue check of a waiting process (poll, start retry, deadline) is late, 0 when none"
})

/** `assure_store_statement_duration_seconds`: the latency of SQL statements, where the application measures it. @since 0.2.0 */
export const storeStatementDuration = Metric.histogram("assure_store_statement_duration_seconds", {
  description: "How long SQL statements took, in seconds, including waiting for a connection",
  boundaries: secondsBoundaries
})

/** Counts a verification handed to a provider. @since 0.2.0 */
export const recordStarted = (provider: string): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(verificationsStarted, { provider }), 1)

/** Counts a process that reached its final status. @since 0.2.0 */
export const recordFinished = (provider: string, status: string): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(verificationsFinished, { provider, status }), 1)

/** Counts a fallback: a routed process of `from` failed and a process of `to` replaced it. @since 0.2.0 */
export const recordFallback = (from: string, to: string): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(routingFallbacks, { from, to }), 1)

/** Shows a circuit's state: 0 closed, 1 half-open, 2 open. @since 0.2.0 */
export const recordCircuitState = (
  tenant: string,
  provider: string,
  state: "closed" | "halfOpen" | "open"
): Effect.Effect<void> =>
  Metric.update(
    Metric.withAttributes(circuitState, { tenant, provider }),
    state === "closed" ? 0 : state === "halfOpen" ? 1 : 2
  )

/** Counts a failed provider call that the engine will make again. @since 0.2.0 */
export const recordRetry = (
  provider: string,
  operation: "start" | "fetchResult",
  reason: string
): Effect.Effect<void> => Metric.update(Metric.withAttributes(providerCallRetries, { provider, operation, reason }), 1)

/** Counts one notification delivery attempt by its result. @since 0.2.0 */
export const recordNotificationAttempt = (result: "delivered" | "retry" | "expired"): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(notificationAttempts, { result }), 1)

const failureReason = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined
  const reason = (error as { readonly _tag?: unknown; readonly reason?: { readonly _tag?: unknown } }).reason
  return (error as { readonly _tag?: unknown })._tag === "ProviderError" && typeof reason?._tag === "string"
    ? reason._tag
    : undefined
}

/**
 * Times a call to a provider into {@link providerCallDuration} and counts its `ProviderError` by reason into
 * {@link providerCallFailures}. The call itself is unchanged.
 *
 * @since 0.2.0
 */
export const trackProviderCall =
  (provider: string, operation: ProviderOperation) =>
  <A, E, R>(call: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Clock.currentTimeNanos, (start) =>
      call.pipe(
        Effect.onExit((exit) =>
          Effect.flatMap(Clock.currentTimeNanos, (end) => {
            const seconds = Number(end - start) / 1e9
            const duration = Metric.update(
              Metric.withAttributes(providerCallDuration, { provider, operation }),
              seconds
            )
            if (exit._tag === "Success") return duration
            const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")
            const reason = failure === undefined ? undefined : failureReason(failure.error)
            return reason === undefined
              ? duration
              : Effect.andThen(
                  duration,
                  Metric.update(Metric.withAttributes(providerCallFailures, { provider, operation, reason }), 1)
                )
          })
        )
      )
    )

const ageSeconds = (timestamp: string | null | undefined, nowMillis: number): number => {
  if (timestamp === null || timestamp === undefined) return 0
  const at = Date.parse(timestamp)
  return Number.isNaN(at) ? 0 : Math.max(0, (nowMillis - at) / 1000)
}

/**
 * Reads the backlog from the engine's tables into the gauges {@link notificationsPending},
 * {@link notificationsOldestAge} and {@link dueWorkLag}: two aggregate queries. Run it before each scrape or on a
 * timer; with several instances on one database, each reports the same figures (aggregate them with `max`).
 *
 * @since 0.2.0
 */
export const observeBacklog: Effect.Effect<void, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const nowMillis = yield* Clock.currentTimeMillis
  const now = new Date(nowMillis).toISOString().replace(/\.\d{3}Z$/, "Z")
  const [notifications] = yield* sql<{ pending: number | bigint | string; oldest: string | null }>`
    SELECT count(*) AS pending, min(created_at) AS oldest FROM assure_notifications WHERE status = 'pending'`
  const [overdue] = yield* sql<{ oldest: string | null }>`
    SELECT min(next_check_at) AS oldest FROM assure_processes WHERE next_check_at <= ${now}`
  yield* Metric.update(notificationsPending, Number(notifications?.pending ?? 0))
  yield* Metric.update(notificationsOldestAge, ageSeconds(notifications?.oldest, nowMillis))
  yield* Metric.update(dueWorkLag, ageSeconds(overdue?.oldest, nowMillis))
}).pipe(
  Effect.catchTag("SqlError", (error) => Effect.logWarning("reading the engine's backlog for metrics failed", error))
)
