/**
 * One measurement in an OS process of its own: a SingleRunner must have its database to itself, and a fresh
 * process keeps one run's heap, JIT state and background work out of the next run's figures (and its memory
 * readings clean). Started by `jobs.ts` with a job over IPC; answers with progress messages and the result.
 */
import { makeBaselineContender } from "./baseline-contender.ts"
import type { Contender } from "./contender.ts"
import { startEndpoint } from "./endpoint.ts"
import { makeEngineContender } from "./engine-contender.ts"
import type { Job, JobResult, PhaseResult, WorkerMessage } from "./jobs.ts"
import { runLoad } from "./load.ts"
import { startProfiling } from "./profile.ts"
import type { StatementCounts } from "./statement-counter.ts"

const send = (message: WorkerMessage) =>
  new Promise<void>((resolve, reject) =>
    process.send?.(message, (error: Error | null) => (error ? reject(error) : resolve()))
  )

/** What `after` counted beyond `before`. */
const countedSince = (before: StatementCounts, after: StatementCounts): StatementCounts =>
  Object.fromEntries(Object.entries(after).map(([group, n]) => [group, n - (before[group] ?? 0)]))

const run = async (job: Job): Promise<JobResult> => {
  const endpoint = await startEndpoint()
  const counts: StatementCounts | undefined = job.countStatements ? {} : undefined
  const contender: Contender =
    job.contender === "engine"
      ? await makeEngineContender({
          database: job.database,
          filesFolder: job.filesFolder,
          pollInterval: job.pollInterval,
          statementCounts: counts
        })
      : await makeBaselineContender(job.database, counts)
  const phases: Array<PhaseResult> = []
  for (const phase of job.phases) {
    const countsBefore = { ...counts }
    const stopProfiling = phase.profilePath === undefined ? undefined : await startProfiling(phase.profilePath)
    const load = await runLoad(contender, endpoint, {
      verifications: phase.verifications,
      inFlight: phase.inFlight,
      timeoutMillis: 120_000,
      onProgress: (completed) => void send({ type: "progress", phase: phase.name, completed, of: phase.verifications })
    })
    phases.push({
      name: phase.name,
      load,
      profile: await stopProfiling?.(),
      statements: counts === undefined ? undefined : countedSince(countsBefore, counts)
    })
  }
  const tableSizes = await contender.tableSizes()
  const repeatedNotifications = endpoint.repeats()
  await contender.close()
  await endpoint.close()
  return { phases, tableSizes, repeatedNotifications }
}

// If the bench is stopped, do not keep loading the database in the background.
process.once("disconnect", () => process.exit(1))

process.once("message", (job: Job) => {
  run(job).then(
    async (result) => {
      await send({ type: "result", result })
      process.exit(0)
    },
    async (error: unknown) => {
      await send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
      process.exit(1)
    }
  )
})
