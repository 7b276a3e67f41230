/**
 * The engine's long-running work, kept in its own tables and done by one sweeper per cluster — not by one workflow
 * per verification, which cost a cluster message, its replies and their reads for every step (issue 14; the figures
 * are in BENCHMARKS.md).
 *
 * - **Due work is rows.** A waiting process carries when it is next due (`next_check_at`: a poll, a start to retry, its
 *   deadline); a queued notification carries when its next attempt is due (`next_attempt_at`). Both are written in the
 *   same transaction as what made them due, so a crash loses nothing.
 * - **One sweeper** (a cluster singleton: one runner runs it, another takes over when that runner dies) claims due
 *   rows with a lease — one statement moves their due time past what the work may take — does the work, and records
 *   when each is due next. Work whose sweeper died is due again when its lease runs out.
 * - **At once, from the instance that queued it.** A verification started or a notification queued on this instance
 *   wakes the local sweeper or is delivered from here straight away (`Lifecycle`), so the common path waits for no
 *   poll; the sweeper is the safety net and the timer, not the hot path.
 * - **Retention** runs in the same singleton on its cron schedule (and once when it starts): the dossiers' and the
 *   audit trail's.
 *
 * Finished work leaves nothing behind in the cluster's tables: the engine uses the cluster for the singleton's
 * placement and failover only.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Cron, Duration, Effect, FiberSet, Layer, Queue, Ref, Semaphore } from "effect"
import { Singleton } from "effect/cluster"
import { EngineConfig } from "./EngineConfig.js"
import { hasRoomForAttempt } from "./internal/leases.js"
import type { ClaimedNotification } from "./internal/rows.js"
import { Signals } from "./internal/signals.js"
import { Notifications } from "./Notifications.js"
import * as Retention from "./Retention.js"
import { Verifications } from "./Verifications.js"

/**
 * How many rows one sweep claims of each kind, and how many process checks it makes at once. Its notifications are
 * all attempted at once: each is held under a lease from the claim, and one that waited for a turn behind others
 * would have less of it left.
 */
const batchSize = 64
const checkConcurrency = 16

/** Notifications delivered at once from this instance, at most, beside the sweeper's. */
const dispatchConcurrency = 32

const millisUntil = (timestamp: string | undefined, nowMillis: number): number =>
  timestamp === undefined ? Number.POSITIVE_INFINITY : Date.parse(timestamp) - nowMillis

/** Logs a defect of one item's work and goes on: one broken row must not stop the sweeper. */
const isolated = <A, E, R>(what: string, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.asVoid,
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Effect.logError(`${what} failed`, cause)
    )
  )

/**
 * Attempts a held notification if a whole attempt fits in what is left of its lease; else leaves it to be due again
 * when the lease runs out, so that two attempts never overlap (the client would get it twice).
 */
const deliverWithinLease = (claimed: ClaimedNotification) =>
  Effect.gen(function* () {
    const notifications = yield* Notifications
    const settings = yield* EngineConfig
    const nowMillis = yield* Clock.currentTimeMillis
    if (!hasRoomForAttempt(settings, claimed.row.next_attempt_at, nowMillis)) {
      return yield* Effect.logDebug(
        "a notification's lease has no room left for an attempt; it waits for the sweeper"
      ).pipe(Effect.annotateLogs({ notificationId: claimed.row.id }))
    }
    yield* notifications.deliver(claimed)
  })

/**
 * One sweep: claims what is due and does it. Returns whether a batch was full (more may be due at once).
 */
const sweepOnce = Effect.gen(function* () {
  const processes = yield* Verifications
  const notifications = yield* Notifications
  const dueProcesses = yield* processes.claimDue(batchSize)
  const dueNotifications = yield* notifications.claimDue(batchSize)
  yield* Effect.all(
    [
      Effect.forEach(dueProcesses, (row) => isolated("checking a process", processes.check(row)), {
        concurrency: checkConcurrency,
        discard: true
      }),
      Effect.forEach(
        dueNotifications,
        (claimed) => isolated("delivering a notification", deliverWithinLease(claimed)),
        {
          concurrency: "unbounded",
          discard: true
        }
      )
    ],
    { concurrency: 2, discard: true }
  )
  return dueProcesses.length === batchSize || dueNotifications.length === batchSize
})

/**
 * The sweeper: sweeps until nothing is due, then sleeps until the earliest due row, a wake-up from this instance, or
 * `sweepInterval` (work queued by another instance) — whichever comes first.
 */
const sweeper = Effect.gen(function* () {
  const processes = yield* Verifications
  const notifications = yield* Notifications
  const { wakeups, nextLook } = yield* Signals
  const settings = yield* EngineConfig
  const interval = Duration.toMillis(Duration.fromInputUnsafe(settings.sweepInterval))
  yield* Effect.logDebug("the sweeper started")
  while (true) {
    // Wake-ups that arrived before this sweep are covered by it; work queued during it wakes the next one.
    yield* Ref.set(nextLook, 0)
    yield* Queue.clear(wakeups)
    const more = yield* sweepOnce.pipe(
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.failCause(cause)
          : Effect.as(Effect.logError("a sweep failed; the sweeper goes on", cause), false)
      )
    )
    if (more) continue
    const nowMillis = yield* Clock.currentTimeMillis
    const due = Math.min(
      millisUntil(yield* Effect.orElseSucceed(processes.nextDue, () => undefined), nowMillis),
      millisUntil(yield* Effect.orElseSucceed(notifications.nextDue, () => undefined), nowMillis)
    )
    const wait = Math.max(0, Math.min(interval, due))
    yield* Ref.set(nextLook, nowMillis + wait)
    if (wait > 0) yield* Effect.raceFirst(Queue.take(wakeups), Effect.sleep(Duration.millis(wait)))
  }
})

/** Runs the retention purge when the singleton starts, then on its cron schedule. */
const retention = (schedule: string) =>
  Effect.gen(function* () {
    const cron = Cron.parseUnsafe(schedule)
    while (true) {
      yield* isolated("the retention purge", Retention.purgeExpired)
      yield* isolated("the audit retention purge", Retention.purgeAudit)
      const nowMillis = yield* Clock.currentTimeMillis
      yield* Effect.sleep(Duration.millis(Math.max(1_000, Cron.next(cron, new Date(nowMillis)).getTime() - nowMillis)))
    }
  })

/**
 * Delivers the notifications queued on this instance at once, a bounded number at a time, under the lease they were
 * queued with (one left waiting too long for a turn is left to the sweeper).
 */
const dispatcher = Effect.gen(function* () {
  const { queued } = yield* Signals
  const permits = yield* Semaphore.make(dispatchConcurrency)
  const running = yield* FiberSet.make()
  while (true) {
    const notification = yield* Queue.take(queued)
    yield* Semaphore.take(permits, 1)
    yield* FiberSet.run(
      running,
      isolated("delivering a notification", deliverWithinLease(notification)).pipe(
        Effect.ensuring(Semaphore.release(permits, 1))
      )
    )
  }
})

/** When the retention purge runs, as a cron expression (default: hourly). @since 0.2.0 */
export interface Options {
  readonly retentionSchedule?: string | undefined
}

/**
 * The durable work: the sweeper and the retention purge as one cluster singleton, and this instance's dispatcher of
 * the notifications it queues. Needs the process and notification services, the signals they send (`Lifecycle`),
 * and the cluster's `Sharding`.
 *
 * @since 0.2.0
 */
export const layer = (options: Options = {}) =>
  Layer.mergeAll(
    Singleton.make(
      "assure/Sweeper",
      Effect.all([sweeper, retention(options.retentionSchedule ?? "0 * * * *")], { concurrency: 2, discard: true })
    ),
    Layer.effectDiscard(Effect.forkScoped(dispatcher))
  )
