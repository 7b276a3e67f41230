/**
 * What the load driver runs: one verification at a time, by the engine or by bare SQL. Both go through the same
 * steps, timed the same way, so the report can say which step the engine's extra time goes to.
 */
import { performance } from "node:perf_hooks"
import { Effect } from "effect"

/** The steps of a verification, in order; the driver adds the last one (until the endpoint is notified). */
export const steps = [
  "create dossier",
  "add front image",
  "create process",
  "request verification",
  "provider webhook",
  "until notified"
] as const

export interface Contender {
  /**
   * Runs one verification whose notification goes to `notificationUrl`, and returns how long each step up to the
   * webhook took (ms, in {@link steps} order). What follows the webhook — delivering the notification — is the
   * engine's background work, or for the baseline the rest of the same call.
   */
  readonly verify: (notificationUrl: string) => Promise<ReadonlyArray<number>>
  /** Rows in the tables the contender writes, counted after a run. */
  readonly tableSizes: () => Promise<Readonly<Record<string, number>>>
  readonly close: () => Promise<void>
}

/** Records the time since the previous lap; laps are the durations of consecutive steps. */
export const makeLaps = () => {
  const laps: Array<number> = []
  let last = performance.now()
  const lap = Effect.sync(() => {
    const now = performance.now()
    laps.push(now - last)
    last = now
  })
  return { laps, lap }
}
