/** Small statistics over samples: quantiles and the summaries the engine section reports. */

/** The value at quantile `q` (0–1) of ascending values, interpolated; NaN when there are none. */
export const quantile = (ascending: ReadonlyArray<number>, q: number): number => {
  if (ascending.length === 0) return Number.NaN
  const position = (ascending.length - 1) * q
  const below = ascending[Math.floor(position)] ?? Number.NaN
  const above = ascending[Math.ceil(position)] ?? Number.NaN
  return below + (above - below) * (position - Math.floor(position))
}

export const ascending = (values: Iterable<number>): Array<number> => [...values].sort((a, b) => a - b)

/** Latencies in milliseconds. */
export interface LatencySummary {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

export const summariseLatencies = (millis: ReadonlyArray<number>): LatencySummary => {
  const sorted = ascending(millis)
  return {
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN
  }
}

export const median = (values: ReadonlyArray<number>): number => quantile(ascending(values), 0.5)

/** Least-squares slope of `y` over `x`; NaN with fewer than two distinct x. */
export const slope = (points: ReadonlyArray<readonly [x: number, y: number]>): number => {
  const n = points.length
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n
  let covariance = 0
  let variance = 0
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY)
    variance += (x - meanX) ** 2
  }
  return variance === 0 ? Number.NaN : covariance / variance
}
