/**
 * The engine's long-running work, as durable workflows on `effect/workflow` over `effect/cluster`: a restart loses
 * nothing, and work resumes where it stopped (on another runner, with several).
 *
 * - **AwaitResult** (one per started process): asks a provider that can be polled for the result — at once for one
 *   without webhooks, after `pollInterval.initial` for one that will tell — backing off to `pollInterval.max`, wakes at once when a webhook or a redirect return ends the process,
 *   and ends it as `failed` (`timeout`) at its deadline.
 * - **DeliverNotification** (one per queued notification and redelivery round): tries, then waits with backoff, until
 *   the client acknowledges or the notification expires.
 *
 * Workflow payloads carry ids only — never personal data — so the cluster's message tables hold nothing to protect.
 * The synchronous API never passes through the cluster: it starts workflows and completes their deferreds, nothing
 * more. On start, the layer makes sure every waiting process and queued notification has its workflow (starting one
 * is idempotent), which also covers a crash between a database commit and a workflow start.
 *
 * @since 0.1.0
 */
import { Timestamp } from "@assure/core"
import { Clock, Duration, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Activity, DurableClock, DurableDeferred, Workflow, WorkflowEngine } from "effect/workflow"
import { EngineConfig } from "./EngineConfig.js"
import * as EngineMetrics from "./EngineMetrics.js"
import { Lifecycle } from "./Lifecycle.js"
import { Notifications } from "./Notifications.js"
import { Processes } from "./Processes.js"

/** Waits for a started process's result. @since 0.1.0 */
export const AwaitResult = Workflow.make("assure/AwaitResult", {
  payload: { processId: Schema.String },
  idempotencyKey: ({ processId }) => processId
})

/** Completed when the process ended some other way (webhook, redirect return, cancellation). @since 0.1.0 */
export const ProcessEnded = DurableDeferred.make("assure/ProcessEnded")

/** Delivers one notification (one redelivery round of it). @since 0.1.0 */
export const DeliverNotification = Workflow.make("assure/DeliverNotification", {
  payload: { notificationId: Schema.String, round: Schema.Number },
  idempotencyKey: ({ notificationId, round }) => `${notificationId}/${round}`
})

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

const CheckResult = Schema.Struct({ final: Schema.Boolean, waitMillis: Schema.Number })

/**
 * The lifecycle hooks, implemented by starting and waking workflows.
 *
 * @since 0.1.0
 */
export const lifecycleLayer = Layer.effect(
  Lifecycle,
  Effect.gen(function* () {
    const engine = yield* WorkflowEngine.WorkflowEngine
    const sql = yield* SqlClient.SqlClient
    const withEngine = Effect.provideService(WorkflowEngine.WorkflowEngine, engine)
    return {
      started: (processId: string) =>
        AwaitResult.execute({ processId }, { discard: true }).pipe(Effect.asVoid, withEngine),
      ended: (processId: string) =>
        Effect.gen(function* () {
          const token = yield* DurableDeferred.tokenFromPayload(ProcessEnded, {
            workflow: AwaitResult,
            payload: { processId }
          })
          yield* DurableDeferred.succeed(ProcessEnded, { token, value: undefined })
          const queued = yield* sql<{ id: string; round: number }>`
            SELECT id, round FROM assure_notifications WHERE process_id = ${processId} AND status = 'pending'`.pipe(
            Effect.orDie
          )
          for (const notification of queued) {
            yield* DeliverNotification.execute(
              { notificationId: notification.id, round: Number(notification.round) },
              { discard: true }
            )
          }
        }).pipe(withEngine)
    }
  })
)

/** The workflows' implementations. Needs the process and notification services. */
const implementations = Layer.mergeAll(
  AwaitResult.toLayer(
    Effect.fnUntraced(function* ({ processId }) {
      const processes = yield* Processes
      const settings = yield* EngineConfig
      for (let round = 0; ; round++) {
        // One activity per round: asks the provider if it can be polled, ends the process at its deadline, and says
        // how long to wait next. Its result is memoised, so a replay after a crash does not ask twice.
        const check = yield* Activity.make({
          name: `check/${round}`,
          success: CheckResult,
          execute: Effect.gen(function* () {
            const before = yield* processes.waitState(processId)
            if (before.final) return { final: true, waitMillis: 0 }
            // A provider with webhooks has just been started in round 0: it will tell, so it is asked only later.
            if (before.pollable && (round > 0 || !before.notifies)) {
              yield* processes.refresh(processId).pipe(
                Effect.catchTag("ProviderError", (error) =>
                  Effect.andThen(
                    EngineMetrics.recordPollRetry(error.provider, error.reason._tag),
                    Effect.logWarning("polling the provider failed; will try again", {
                      processId,
                      reason: error.reason._tag
                    })
                  )
                )
              )
            }
            if (yield* processes.expire(processId)) return { final: true, waitMillis: 0 }
            const after = yield* processes.waitState(processId)
            if (after.final) return { final: true, waitMillis: 0 }
            const backoff = Math.min(
              millis(settings.pollInterval.max),
              millis(settings.pollInterval.initial) * 2 ** round
            )
            const untilDeadline =
              after.deadline === undefined
                ? backoff
                : Timestamp.toEpochMillis(after.deadline) - (yield* Clock.currentTimeMillis)
            // Wake just after the deadline if it comes first; never spin faster than 50 ms.
            return { final: false, waitMillis: Math.max(50, Math.min(backoff, untilDeadline + 50)) }
          }).pipe(Effect.catchTag("NotFound", () => Effect.succeed({ final: true, waitMillis: 0 })))
        })
        if (check.final) return
        yield* DurableDeferred.raceAll({
          name: `wait/${round}`,
          success: Schema.Void,
          error: Schema.Never,
          effects: [
            DurableDeferred.await(ProcessEnded),
            DurableClock.sleep({
              name: `backoff/${round}`,
              duration: Duration.millis(check.waitMillis),
              inMemoryThreshold: Duration.zero
            })
          ]
        })
      }
    })
  ),
  DeliverNotification.toLayer(
    Effect.fnUntraced(function* ({ notificationId }) {
      const notifications = yield* Notifications
      for (let attempt = 1; ; attempt++) {
        const result = yield* Activity.make({
          name: `attempt/${attempt}`,
          success: Schema.Literals(["delivered", "retry", "expired"]),
          // Counted inside the activity: a replayed workflow gets the memoised result without counting again.
          execute: Effect.tap(notifications.attempt(notificationId), EngineMetrics.recordNotificationAttempt)
        })
        if (result !== "retry") return
        yield* DurableClock.sleep({
          name: `retry/${attempt}`,
          duration: notifications.backoff(attempt),
          inMemoryThreshold: Duration.zero
        })
      }
    })
  )
)

/** Starts the workflows that should be running and are not (after a crash, or on first start). */
const sweep = Layer.effectDiscard(
  Effect.gen(function* () {
    const processes = yield* Processes
    const notifications = yield* Notifications
    for (const processId of yield* processes.waiting) yield* AwaitResult.execute({ processId }, { discard: true })
    for (const notification of yield* notifications.pending()) {
      yield* DeliverNotification.execute(
        { notificationId: notification.id, round: notification.round },
        { discard: true }
      )
    }
  })
)

/**
 * The workflows, registered with the workflow engine, and the sweep that starts any that should be running.
 *
 * @since 0.1.0
 */
export const workflowsLayer = Layer.mergeAll(implementations, sweep)
