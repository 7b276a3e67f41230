/**
 * A process: one verification of a dossier's end-user by one provider, and its result in three parts —
 * the process information, the normalised `finalResult`, and the provider's own `providerSpecific` data.
 *
 * `finalResult` is present only when the status is `accepted`, as in the Assure API.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { FileInfo } from "./FileInfo.js"
import { DossierId, ProcessId } from "./Identifiers.js"
import { IdentityData } from "./IdentityData.js"
import { updatedNotBeforeCreated } from "./internal/checks.js"
import { ProcessRouting } from "./ProcessRouting.js"
import { ProcessStatus } from "./ProcessStatus.js"
import { ProcessType } from "./ProcessType.js"
import { ProviderName } from "./ProviderName.js"
import { Review } from "./Review.js"
import { Timestamp } from "./Timestamp.js"

/** The provider's own data about a process, lightly processed: any JSON object. @since 0.1.0 */
export const ProviderSpecific = /* @__PURE__ */ Schema.Record(Schema.String, Schema.Json).pipe(
  Schema.annotate({ identifier: "ProviderSpecific", description: "The provider's own data, lightly processed" })
)

/** The provider's own data about a process. @since 0.1.0 */
export type ProviderSpecific = typeof ProviderSpecific.Type

const summaryFields = {
  processId: ProcessId,
  provider: ProviderName,
  processType: ProcessType,
  status: ProcessStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** An assure extension: a reviewer's decision on the process; its `status` stays the provider's. */
  review: Schema.optionalKey(Review)
}

/** A process as a dossier lists it: who verifies, how, and how far it got. @since 0.1.0 */
export const Summary = /* @__PURE__ */ Schema.Struct(summaryFields).pipe(
  Schema.check(updatedNotBeforeCreated),
  Schema.annotate({ identifier: "ProcessSummary", description: "A process as a dossier lists it" })
)

/** A process as a dossier lists it. @since 0.1.0 */
export type Summary = typeof Summary.Type

/**
 * The engine is retrying a provider call for this process (a start or a poll for the result) that failed: how many
 * failed in a row, the last error, and when the next try is due. Absent when the last call succeeded.
 *
 * @since 0.2.0
 */
export const ProviderRetry = /* @__PURE__ */ Schema.Struct({
  attempts: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  lastError: Schema.String,
  nextAttemptAt: Schema.optionalKey(Timestamp)
}).pipe(
  Schema.annotate({
    identifier: "ProviderRetry",
    description: "A provider call the engine is retrying: failed attempts in a row, the last error, the next try"
  })
)

/** A provider call the engine is retrying. @since 0.2.0 */
export type ProviderRetry = typeof ProviderRetry.Type

/** A process with its files and result. @since 0.1.0 */
export const Process = /* @__PURE__ */ Schema.Struct({
  ...summaryFields,
  dossierId: DossierId,
  finalResult: Schema.optionalKey(IdentityData),
  providerSpecific: Schema.optionalKey(ProviderSpecific),
  files: Schema.Array(FileInfo),
  /** Where to send the end-user, for providers with a hosted or redirect flow. */
  redirectUrl: Schema.optionalKey(Schema.String),
  notificationUrl: Schema.optionalKey(Schema.String),
  /** An assure extension: a failed provider call the engine is retrying. */
  providerRetry: Schema.optionalKey(ProviderRetry),
  /** An assure extension: how routing chose the provider (`provider: "auto"`), and what followed a failure. */
  routing: Schema.optionalKey(ProcessRouting),
  /** An assure extension: the failed process this one replaced, on the same dossier. */
  fallbackOf: Schema.optionalKey(ProcessId),
  /** An assure extension: the process that replaced this one after its provider failed. */
  fallbackTo: Schema.optionalKey(ProcessId)
}).pipe(
  Schema.check(
    updatedNotBeforeCreated,
    Schema.makeFilter(
      (process: { readonly status: ProcessStatus; readonly finalResult?: IdentityData }) =>
        process.finalResult === undefined ||
        process.status === "accepted" || {
          path: ["finalResult"],
          issue: "finalResult is only present when the status is accepted"
        }
    )
  ),
  Schema.annotate({ identifier: "Process", description: "A verification of a dossier's end-user by one provider" })
)

/** A process with its files and result. @since 0.1.0 */
export type Process = typeof Process.Type
