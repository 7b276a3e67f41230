/**
 * The load driver: runs verifications with a bounded number in flight, each counted as done when the endpoint has
 * received its notification, and records per verification the latency from the first call to that arrival and the
 * time of each step. While it runs it samples the process's memory and reports progress.
 */
import { performance } from "node:perf_hooks"
import { type Contender, steps } from "./contender.ts"
import { type Endpoint, NoNotification } from "./endpoint.ts"

export interface LoadOptions {
  readonly verifications: number
  readonly inFlight: number
  /** A verification whose notification has not arrived after this long counts as lost. */
  readonly timeoutMillis: number
  readonly onProgress?: ((completed: number) => void) | undefined
}

export interface MemorySample {
  /** Verifications completed when the sample was taken. */
  readonly completed: number
  readonly seconds: number
  readonly rss: number
  readonly heapUsed: number
}

export interface LoadResult {
  readonly verifications: number
  readonly inFlight: number
  readonly seconds: number
  /** Per completed verification, in completion order: ms from the first call to the notification's arrival. */
  readonly latencies: ReadonlyArray<number>
  /** Per step (in `steps` order), the ms each completed verification spent in it. */
  readonly stepTimes: ReadonlyArray<ReadonlyArray<number>>
  /** Seconds since the start at which each verification completed, in completion order. */
  readonly completedAt: ReadonlyArray<number>
  /** CPU time of this process (user + system) during the run, in ms. */
  readonly cpuMillis: number
  readonly memory: ReadonlyArray<MemorySample>
  readonly lost: number
  readonly failed: number
  readonly firstError: string | undefined
}

const memorySampleInterval = 1_000
const progressInterval = 10_000

let sequence = 0

export const runLoad = async (contender: Contender, endpoint: Endpoint, options: LoadOptions): Promise<LoadResult> => {
  const latencies: Array<number> = []
  const completedAt: Array<number> = []
  const stepTimes = steps.map((): Array<number> => [])
  const memory: Array<MemorySample> = []
  let lost = 0
  let failed = 0
  let firstError: string | undefined
  let next = 0

  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage()
    memory.push({ completed: latencies.length, seconds: (performance.now() - started) / 1000, rss, heapUsed })
  }
  sample()
  const sampler = setInterval(sample, memorySampleInterval)
  const reporter = setInterval(() => options.onProgress?.(latencies.length), progressInterval)

  const one = async () => {
    const key = `v${++sequence}`
    const start = performance.now()
    const arrival = endpoint.arrival(key, options.timeoutMillis)
    try {
      const laps = await contender.verify(endpoint.urlFor(key))
      const arrivedAt = await arrival
      const latency = arrivedAt - start
      latencies.push(latency)
      completedAt.push((arrivedAt - started) / 1000)
      for (const [step, lap] of laps.entries()) stepTimes[step]?.push(lap)
      stepTimes[laps.length]?.push(latency - laps.reduce((sum, lap) => sum + lap, 0))
    } catch (error) {
      // The arrival may still be pending when the verification itself failed: stop waiting for it.
      arrival.catch(() => {})
      if (error instanceof NoNotification) lost++
      else failed++
      firstError ??= String(error)
    }
  }
  // `inFlight` loops, each starting its next verification as soon as its previous one is done.
  await Promise.all(
    Array.from({ length: options.inFlight }, async () => {
      while (next < options.verifications) {
        next++
        await one()
      }
    })
  )

  clearInterval(sampler)
  clearInterval(reporter)
  sample()
  const cpu = process.cpuUsage(cpuBefore)
  return {
    verifications: latencies.length,
    inFlight: options.inFlight,
    seconds: (performance.now() - started) / 1000,
    latencies,
    stepTimes,
    completedAt,
    cpuMillis: (cpu.user + cpu.system) / 1000,
    memory,
    lost,
    failed,
    firstError
  }
}
