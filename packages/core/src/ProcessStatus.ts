/**
 * The status of a process and the moves between statuses that are allowed.
 *
 * ```
 * pending ──► processing ──► accepted | rejected | inconclusive | failed | canceled
 *    └──────────────────────►┘
 * ```
 *
 * `pending` and `processing` are not final; the other five are, and final is final: a late or duplicated
 * provider event never moves a process out of a final status.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const all = ["pending", "processing", "accepted", "rejected", "inconclusive", "failed", "canceled"] as const
const finals = ["accepted", "rejected", "inconclusive", "failed", "canceled"] as const

/** The status of a process. @since 0.1.0 */
export const ProcessStatus = /* @__PURE__ */ Schema.Literals(all).pipe(
  Schema.annotate({ identifier: "ProcessStatus", description: "The status of a process" })
)

/** The status of a process. @since 0.1.0 */
export type ProcessStatus = typeof ProcessStatus.Type

/** The five statuses a process ends in. @since 0.1.0 */
export const FinalStatus = /* @__PURE__ */ Schema.Literals(finals).pipe(
  Schema.annotate({ identifier: "FinalProcessStatus", description: "A status a process ends in" })
)

/** A status a process ends in. @since 0.1.0 */
export type FinalStatus = typeof FinalStatus.Type

/** Every status, in lifecycle order. @since 0.1.0 */
export const values: ReadonlyArray<ProcessStatus> = all

/** Whether a status is final. @since 0.1.0 */
export const isFinal = (status: ProcessStatus): status is FinalStatus => status !== "pending" && status !== "processing"

/**
 * Whether a process may move from one status to another. Staying in the same status is not a move.
 *
 * @example
 * ```ts
 * ProcessStatus.canTransition("pending", "processing") // true
 * ProcessStatus.canTransition("accepted", "rejected") // false: final is final
 * ```
 * @since 0.1.0
 */
export const canTransition = (from: ProcessStatus, to: ProcessStatus): boolean => {
  if (from === to || isFinal(from)) return false
  if (from === "processing") return to !== "pending"
  return true
}
