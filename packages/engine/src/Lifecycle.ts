/**
 * What the tenant-facing services tell the engine's durable work, so that what they queue starts at once on this
 * instance instead of at the sweeper's next look (`EngineConfig.sweepInterval`): a verification started or a start
 * to retry (`wake`), notifications just queued with a process's final status (`queued`).
 *
 * The durable work does not depend on these signals to be correct — everything due is in the engine's tables, and
 * the sweeper finds it — only to be prompt. The service has no default: the engine's layers (`Engine`) provide it
 * together with the sweeper that listens, so an embedder cannot get the process service without the work that
 * follows up on it.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Queue, Ref } from "effect"
import type { ClaimedNotification } from "./internal/rows.js"

/**
 * A notification just queued, as stored, held by the instance that queued it until its first lease runs out
 * (`row.next_attempt_at`): that instance tries it at once, and the sweeper only after the lease.
 *
 * @since 0.2.0
 */
export type QueuedNotification = ClaimedNotification

/** The signals. @since 0.2.0 */
export interface Hooks {
  /**
   * Something is due at `dueAt` (a started verification to poll, a start to retry, a notification to redeliver):
   * wakes the sweeper unless it looks again before then anyway.
   */
  readonly wake: (dueAt: string) => Effect.Effect<void>
  /** These notifications were just queued: try to deliver them now. */
  readonly queued: (notifications: ReadonlyArray<QueuedNotification>) => Effect.Effect<void>
}

/** The signals, required by the process and notification services. @since 0.1.0 */
export class Lifecycle extends Context.Service<Lifecycle, Hooks>()("@assure/engine/Lifecycle") {}

/**
 * The listening side, for the durable work: wake-ups (coalesced: one pending wake-up is enough) and the ids of
 * notifications to try now.
 *
 * @since 0.2.0
 */
export class Signals extends Context.Service<
  Signals,
  {
    readonly wakeups: Queue.Dequeue<void>
    readonly queued: Queue.Dequeue<QueuedNotification>
    /** When the sweeper looks next, in ms since the epoch (it sets this before it sleeps). */
    readonly nextLook: Ref.Ref<number>
  }
>()("@assure/engine/Lifecycle/Signals") {}

/**
 * Both sides over in-memory queues of this instance.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<Lifecycle | Signals> = Layer.effectContext(
  Effect.gen(function* () {
    const wakeups = yield* Queue.dropping<void>(1)
    const queued = yield* Queue.unbounded<QueuedNotification>()
    const nextLook = yield* Ref.make(0)
    return Context.make(Signals, { wakeups, queued, nextLook }).pipe(
      Context.add(
        Lifecycle,
        Lifecycle.of({
          // Most new work is due later than the sweeper's next look (a poll 5 s out, a deadline): no wake-up then.
          wake: (dueAt) =>
            Effect.flatMap(Ref.get(nextLook), (next) =>
              Date.parse(dueAt) < next ? Effect.asVoid(Queue.offer(wakeups, undefined)) : Effect.void
            ),
          queued: (notifications) => Effect.asVoid(Queue.offerAll(queued, notifications))
        })
      )
    )
  })
)
