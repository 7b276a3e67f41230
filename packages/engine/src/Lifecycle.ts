/**
 * What the process service tells the durable work when a verification starts and when a process ends — so waiting,
 * polling, timeouts and notifications can run in workflows without the process service depending on the cluster.
 * Without a durable runtime (in tests of the synchronous API), both are no-ops.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"

/** Hooks into the durable work. @since 0.1.0 */
export interface Hooks {
  /** The provider accepted the verification: start waiting for its result. */
  readonly started: (processId: string) => Effect.Effect<void>
  /** The process reached its final status: wake the waiting workflow and deliver the notifications. */
  readonly ended: (processId: string) => Effect.Effect<void>
}

/** The hooks, no-ops by default. @since 0.1.0 */
export const Lifecycle = Context.Reference<Hooks>("@assure/engine/Lifecycle", {
  defaultValue: () => ({ started: () => Effect.void, ended: () => Effect.void })
})
