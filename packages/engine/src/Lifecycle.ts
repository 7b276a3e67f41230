/**
 * What the tenant-facing services tell the engine's durable work, so that what they queue starts at once on this
 * instance instead of at the sweeper's next look (`EngineConfig.sweepInterval`): a verification started or a start
 * to retry (`wake`), notifications just queued with a process's final status (`queued`).
 *
 * The durable work does not depend on these signals to be correct — everything due is in the engine's tables, and
 * the sweeper finds it — only to be prompt. The service has no default, and its implementation is internal: the
 * engine's layers (`Engine`) provide it together with the sweeper that listens, so an embedder cannot get the
 * process service without the work that follows up on it (short of providing hooks of their own, on purpose).
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
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
