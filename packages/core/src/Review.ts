/**
 * A reviewer's decision on a process (an assure extension): `approved`, `rejected` with a reason code, or
 * `retakeRequested` with what to capture again and the new capture link — with who decided, when, and an optional
 * note. A review is a record **beside** the provider's result, never a change of it: the process keeps the status its
 * provider gave (final is final). Any process can be reviewed, once.
 *
 * @example
 * ```ts
 * import { Review } from "@assure/core"
 * import { Schema } from "effect"
 *
 * const review = Schema.decodeUnknownSync(Review.Review)({
 *   reviewId: "5b0a3f4e-7d1c-4d7e-9c55-2f1f0c8e9a01",
 *   decision: "rejected",
 *   reason: "document_expired",
 *   reviewer: { id: "ana", name: "Ana Lima" },
 *   decidedAt: "2026-12-07T15:00:00Z"
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { Timestamp } from "./Timestamp.js"

/** What a reviewer decided. @since 0.2.0 */
export const Decision = /* @__PURE__ */ Schema.Literals(["approved", "rejected", "retakeRequested"]).pipe(
  Schema.annotate({ identifier: "ReviewDecision", description: "What a reviewer decided" })
)

/** What a reviewer decided. @since 0.2.0 */
export type Decision = typeof Decision.Type

/** The images a retake asks the end-user to capture again. @since 0.2.0 */
export const RetakeKind = /* @__PURE__ */ Schema.Literals(["front", "back", "selfie"]).pipe(
  Schema.annotate({ identifier: "RetakeKind", description: "An image a retake asks for" })
)

/** An image a retake asks for. @since 0.2.0 */
export type RetakeKind = typeof RetakeKind.Type

/** A requested retake: what to capture again, and the hosted capture link for it, until it expires. @since 0.2.0 */
export const Retake = /* @__PURE__ */ Schema.Struct({
  kinds: Schema.Array(RetakeKind),
  captureUrl: Schema.String,
  expiresAt: Timestamp
}).pipe(
  Schema.annotate({
    identifier: "Retake",
    description: "What to capture again, and the capture link for the end-user"
  })
)

/** A requested retake. @since 0.2.0 */
export type Retake = typeof Retake.Type

/** Who decided: the reviewer's id and name. @since 0.2.0 */
export const Reviewer = /* @__PURE__ */ Schema.Struct({ id: Schema.String, name: Schema.String }).pipe(
  Schema.annotate({ identifier: "Reviewer", description: "Who decided" })
)

/** Who decided. @since 0.2.0 */
export type Reviewer = typeof Reviewer.Type

/** A reviewer's decision on a process, beside the provider's result. @since 0.2.0 */
export const Review = /* @__PURE__ */ Schema.Struct({
  reviewId: Schema.String,
  decision: Decision,
  /** `rejected`: a reason code from the server's list; `retakeRequested`: why, in the reviewer's words. */
  reason: Schema.optionalKey(Schema.String),
  /** The reviewer's note. */
  note: Schema.optionalKey(Schema.String),
  /** `retakeRequested`: what to capture again, and the link for the end-user. */
  retake: Schema.optionalKey(Retake),
  reviewer: Reviewer,
  decidedAt: Timestamp
}).pipe(
  Schema.annotate({
    identifier: "Review",
    description: "An assure extension: a reviewer's decision on the process, beside the provider's status"
  })
)

/** A reviewer's decision on a process. @since 0.2.0 */
export type Review = typeof Review.Type
