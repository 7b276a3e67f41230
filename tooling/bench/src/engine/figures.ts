/** Turns a worker's raw samples into the figures the report shows. */
import { steps } from "./contender.ts"
import type { LoadResult } from "./load.ts"
import { type LatencySummary, median, slope, summariseLatencies } from "./stats.ts"

export interface RunFigures {
  readonly verifications: number
  readonly inFlight: number
  readonly seconds: number
  readonly perSecond: number
  /** From the first call to the notification's arrival, ms. */
  readonly latency: LatencySummary
  readonly steps: ReadonlyArray<{ readonly name: string; readonly p50: number; readonly p99: number }>
  /** CPU time of the Node process (user + system) per verification, ms, and as a share of one core. */
  readonly cpuMillisPerVerification: number
  readonly cpuShare: number
  readonly lost: number
  readonly failed: number
  readonly firstError: string | undefined
}

export const runFigures = (load: LoadResult): RunFigures => ({
  verifications: load.verifications,
  inFlight: load.inFlight,
  seconds: load.seconds,
  perSecond: load.verifications / load.seconds,
  latency: summariseLatencies(load.latencies),
  steps: steps.map((name, i) => {
    const summary = summariseLatencies(load.stepTimes[i] ?? [])
    return { name, p50: summary.p50, p99: summary.p99 }
  }),
  cpuMillisPerVerification: load.cpuMillis / Math.max(1, load.verifications),
  cpuShare: load.cpuMillis / 1000 / load.seconds,
  lost: load.lost,
  failed: load.failed,
  firstError: load.firstError
})

export interface Part {
  readonly perSecond: number
  readonly rssMedian: number
  readonly heapUsedMedian: number
  readonly latencyP50: number
}

export interface MemoryFigures {
  readonly run: RunFigures
  /** The run in ten parts by verifications completed. */
  readonly tenths: ReadonlyArray<Part>
  readonly rssPeak: number
  /** Growth of the resident memory over the second half, bytes per 1,000 verifications (least squares). */
  readonly rssGrowthPerThousand: number
  /** The last tenth's median RSS over the first's. */
  readonly lastOverFirst: number
  /** The last tenth's rate over the first's. */
  readonly rateLastOverFirst: number
}

/** Within 10 % from the first tenth to the last counts as flat. */
export const flatTolerance = 0.1

export const memoryFigures = (load: LoadResult): MemoryFigures => {
  const total = load.verifications
  const tenths = Array.from({ length: 10 }, (_, q): Part => {
    const from = Math.floor((total * q) / 10)
    const to = Math.floor((total * (q + 1)) / 10)
    const samples = load.memory.filter(
      (sample) => sample.completed >= from && sample.completed < Math.max(to, from + 1)
    )
    const startedAt = q === 0 ? 0 : (load.completedAt[from - 1] ?? 0)
    const endedAt = load.completedAt[to - 1] ?? load.seconds
    return {
      perSecond: (to - from) / Math.max(1e-9, endedAt - startedAt),
      rssMedian: median(samples.map((sample) => sample.rss)),
      heapUsedMedian: median(samples.map((sample) => sample.heapUsed)),
      latencyP50: median(load.latencies.slice(from, to))
    }
  })
  const secondHalf = load.memory.filter((sample) => sample.completed >= total / 2)
  const first = tenths[0]?.rssMedian ?? Number.NaN
  const last = tenths[9]?.rssMedian ?? Number.NaN
  return {
    run: runFigures(load),
    tenths,
    rssPeak: Math.max(...load.memory.map((sample) => sample.rss)),
    rssGrowthPerThousand: slope(secondHalf.map((sample) => [sample.completed, sample.rss] as const)) * 1000,
    lastOverFirst: last / first,
    rateLastOverFirst: (tenths[9]?.perSecond ?? Number.NaN) / (tenths[0]?.perSecond ?? Number.NaN)
  }
}
