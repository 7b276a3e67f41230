/**
 * The two sides of `Lifecycle` over in-memory queues of this instance: the services' signals, and what the durable
 * work listens to. Internal, so that only the `Engine` layers, which also run the sweeper, can provide `Lifecycle`.
 */
import { Context, Effect, Layer, Queue, Ref } from "effect"
import { Lifecycle, type QueuedNotification } from "../Lifecycle.js"

/**
 * The listening side, for the durable work: wake-ups (coalesced: one pending wake-up is enough) and the
 * notifications to try now.
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

/** Both sides over in-memory queues of this instance. */
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
