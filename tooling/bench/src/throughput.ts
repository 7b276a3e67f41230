/**
 * Records per second of each normaliser over the same records.
 *
 * This machine is a shared 2-core VM whose speed drifts by tens of per cent within seconds. So the records
 * are timed in slices of a few thousand, and the contenders take turns slice by slice (starting with a
 * different one each time): every contender sees the same slowdowns. Each rate is the median over all
 * slices; each ratio between two contenders is the median of their ratios slice by slice, which cancels the
 * drift that the rates themselves still show.
 */
import { performance } from "node:perf_hooks"

export interface Timed {
  readonly name: string
  readonly run: (raw: unknown) => unknown
}

export interface Throughput {
  readonly name: string
  /** Median of the per-slice rates. */
  readonly recordsPerSecond: number
  /** Interquartile range of the per-slice rates. */
  readonly lowerQuartile: number
  readonly upperQuartile: number
  /** Records per second of each slice, in the order they ran (the same order for every contender). */
  readonly sliceRates: ReadonlyArray<number>
}

export interface ThroughputOptions {
  /** Passes over all records that are run and thrown away, so that every function is optimised first. */
  readonly warmupPasses: number
  readonly passes: number
  readonly sliceSize: number
}

// Keeps the last output reachable, so the optimiser cannot decide the work is unused.
let sink: unknown

/** Records per second for one slice. */
const timeSlice = (
  run: (raw: unknown) => unknown,
  records: ReadonlyArray<unknown>,
  from: number,
  to: number
): number => {
  const start = performance.now()
  for (let i = from; i < to; i++) sink = run(records[i])
  return ((to - from) * 1000) / (performance.now() - start)
}

/** The value at quantile `q` (0–1) of sorted values, interpolated. */
const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  const position = (sorted.length - 1) * q
  const below = sorted[Math.floor(position)] ?? Number.NaN
  const above = sorted[Math.ceil(position)] ?? Number.NaN
  return below + (above - below) * (position - Math.floor(position))
}

/** How many times faster `a` is than `b`: the median of their rates on the same slices, which ran back to back. */
export const pairedRatio = (a: Throughput, b: Throughput): number =>
  quantile(
    a.sliceRates.map((rate, i) => rate / (b.sliceRates[i] ?? Number.NaN)).sort((x, y) => x - y),
    0.5
  )

export const measureThroughput = (
  records: ReadonlyArray<unknown>,
  contenders: ReadonlyArray<Timed>,
  options: ThroughputOptions,
  onPass: (pass: number, of: number) => void = () => {}
): ReadonlyArray<Throughput> => {
  const rates = contenders.map((): Array<number> => [])
  const totalPasses = options.warmupPasses + options.passes
  let turn = 0
  for (let pass = 0; pass < totalPasses; pass++) {
    for (let from = 0; from < records.length; from += options.sliceSize) {
      const to = Math.min(from + options.sliceSize, records.length)
      for (let k = 0; k < contenders.length; k++) {
        const index = (turn + k) % contenders.length
        const rate = timeSlice((contenders[index] as Timed).run, records, from, to)
        if (pass >= options.warmupPasses) rates[index]?.push(rate)
      }
      turn++
    }
    onPass(pass + 1, totalPasses)
  }
  if (sink === undefined) throw new Error("No output was produced")

  return contenders.map((contender, index) => {
    const sliceRates = rates[index] ?? []
    const sorted = [...sliceRates].sort((a, b) => a - b)
    return {
      name: contender.name,
      recordsPerSecond: quantile(sorted, 0.5),
      lowerQuartile: quantile(sorted, 0.25),
      upperQuartile: quantile(sorted, 0.75),
      sliceRates
    }
  })
}
