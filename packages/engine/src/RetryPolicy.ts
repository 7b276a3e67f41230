/**
 * How long the engine waits before it calls a provider again after a call failed: exponential backoff with jitter,
 * never sooner than the provider asked (`retryAfter`, capped so that a provider cannot park a process for days).
 * Adapters classify their failures (`isRetryable`, `retryAfter`) and never retry; the engine does, durably, from its
 * sweeper (see `DurableWork`).
 *
 * @since 0.2.0
 */
import { Duration } from "effect"

/** The engine's retry settings for provider calls. @since 0.2.0 */
export interface Settings {
  /** The wait after the first failure; it doubles with each further one. */
  readonly initial: Duration.Input
  /** The longest wait the backoff reaches. */
  readonly max: Duration.Input
  /** The longest wait a provider's `retryAfter` can impose. */
  readonly retryAfterCap: Duration.Input
  /** A start that failed this many times in a row ends the process as `failed` (reason `provider_unavailable`). */
  readonly maxStartAttempts: number
}

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * The wait, in ms, before the next call after `failures` failed calls in a row (1 for the first). Half of the
 * exponential step is fixed and half is jitter (`random` in [0, 1)), so that processes that failed together do not
 * call again together; a `retryAfter` the provider sent is honoured up to its cap.
 *
 * @since 0.2.0
 */
export const delayMillis = (
  settings: Settings,
  failures: number,
  retryAfter: Duration.Duration | undefined,
  random: number
): number => {
  const step = Math.min(millis(settings.max), millis(settings.initial) * 2 ** Math.max(0, failures - 1))
  const backoff = step / 2 + (step / 2) * Math.min(Math.max(random, 0), 1)
  const asked = retryAfter === undefined ? 0 : Math.min(Duration.toMillis(retryAfter), millis(settings.retryAfterCap))
  return Math.round(Math.max(backoff, asked))
}
