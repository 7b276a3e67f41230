/** Runs a measurement in a worker process (`worker.ts`) and hands back its result, printing its progress. */
import { fork } from "node:child_process"
import { join } from "node:path"
import type { DatabaseSpec } from "./databases.ts"
import type { LoadResult } from "./load.ts"
import type { EngineOptions } from "./options.ts"
import type { ProfileSummary } from "./profile.ts"
import type { StatementCounts } from "./statement-counter.ts"

export interface Phase {
  readonly name: string
  readonly verifications: number
  readonly inFlight: number
  /** Profile the phase's CPU and write the profile here. */
  readonly profilePath?: string | undefined
}

export interface Job {
  readonly contender: "engine" | "baseline"
  readonly database: DatabaseSpec
  /** Where the engine's file store keeps the uploaded images. */
  readonly filesFolder: string
  /** The cluster's poll intervals (`Engine.layerSingleRunner({ pollInterval })`). */
  readonly pollInterval: EngineOptions["pollInterval"]
  readonly phases: ReadonlyArray<Phase>
  /** Count the SQL statements of each phase (costs a little: for diagnostic runs). */
  readonly countStatements?: boolean | undefined
}

export interface PhaseResult {
  readonly name: string
  readonly load: LoadResult
  readonly profile: ProfileSummary | undefined
  readonly statements: StatementCounts | undefined
}

export interface JobResult {
  readonly phases: ReadonlyArray<PhaseResult>
  readonly tableSizes: Readonly<Record<string, number>>
  readonly repeatedNotifications: number
}

export type WorkerMessage =
  | { readonly type: "progress"; readonly phase: string; readonly completed: number; readonly of: number }
  | { readonly type: "result"; readonly result: JobResult }
  | { readonly type: "error"; readonly message: string }

const workerPath = join(import.meta.dirname, "worker.ts")

export const runJob = (job: Job, log: (message: string) => void): Promise<JobResult> =>
  new Promise((resolve, reject) => {
    // The same Node binary and flags as this process; "advanced" serialisation carries the large result arrays.
    const child = fork(workerPath, [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] })
    let settled = false
    child.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") log(`    ${message.phase}: ${message.completed}/${message.of}`)
      else if (message.type === "result") {
        settled = true
        resolve(message.result)
      } else {
        settled = true
        reject(new Error(`the ${job.contender} worker failed: ${message.message}`))
      }
    })
    child.on("exit", (code) => {
      if (!settled) reject(new Error(`the ${job.contender} worker exited with code ${code} before answering`))
    })
    child.send(job)
  })
