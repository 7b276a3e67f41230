/**
 * How much the engine section runs. The long memory run is the slow part (about 170 verifications/s on SQLite on a
 * 2-core machine), so its length is an option: `pnpm bench -- --engine-verifications=100000`, or the environment
 * variable `ASSURE_BENCH_ENGINE_VERIFICATIONS`; 0 skips it.
 */
import type { Duration } from "effect"

export interface EngineOptions {
  /** Verifications run together, at most. */
  readonly inFlight: number
  /** Run first in each worker and not counted: JIT, connection pools, the cluster's first shard acquisitions. */
  readonly warmup: number
  /** One at a time: the latency of a verification with nothing queued before it. */
  readonly unloaded: number
  /** `inFlight` at a time: throughput and latency under load. */
  readonly loaded: number
  /** With the CPU profiler and the statement counter on. */
  readonly diagnostic: number
  /**
   * Run before the long run, unsampled: the engine's resident memory climbs while V8's heap grows to its working size,
   * and that climb is not a leak.
   */
  readonly longWarmup: number
  /** The long run on SQLite whose memory is sampled. */
  readonly long: number
  /** The cluster's `entityMessagePollInterval` / `entityReplyPollInterval` (the engine's default). */
  readonly pollInterval: `${number} ${Duration.Unit}`
}

// Issue 14's 100,000 take about 10 minutes here: too long for every run.
const defaultLong = 4_000

const parseCount = (value: string, source: string): number => {
  const count = Number(value.replaceAll("_", ""))
  if (!Number.isInteger(count) || count < 0) throw new Error(`${source} must be a whole number, not "${value}"`)
  return count
}

/** The options from the command line and the environment. */
export const engineOptions = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv): EngineOptions => {
  const flag = argv.find((arg) => arg.startsWith("--engine-verifications="))
  const long =
    flag !== undefined
      ? parseCount(flag.slice("--engine-verifications=".length), "--engine-verifications")
      : env.ASSURE_BENCH_ENGINE_VERIFICATIONS !== undefined
        ? parseCount(env.ASSURE_BENCH_ENGINE_VERIFICATIONS, "ASSURE_BENCH_ENGINE_VERIFICATIONS")
        : defaultLong
  return {
    inFlight: 32,
    warmup: 200,
    unloaded: 200,
    loaded: 2_000,
    diagnostic: 500,
    longWarmup: 3_000,
    long,
    pollInterval: "1 second"
  }
}
