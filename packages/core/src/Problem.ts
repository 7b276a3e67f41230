/**
 * Problem details (RFC 9457): the body of every error response, with the members the Assure API adds
 * (`method`, `traceId`, `code`, `invalidParams`).
 *
 * @example
 * ```ts
 * import { Problem } from "@assure/core"
 * import { Schema } from "effect"
 *
 * const result = Schema.decodeUnknownExit(MyRequest)(body)
 * // on failure:
 * Problem.make({ status: 400, title: "Invalid request body", invalidParams: Problem.invalidParams(error.issue) })
 * ```
 *
 * @since 0.1.0
 */
import { Schema, SchemaIssue } from "effect"

/** One invalid input: where (`firstName`, `files.0.kind`) and why. @since 0.1.0 */
export const InvalidParam = /* @__PURE__ */ Schema.Struct({
  name: Schema.String,
  reason: Schema.String
}).pipe(Schema.annotate({ identifier: "InvalidParam" }))

/** One invalid input. @since 0.1.0 */
export type InvalidParam = typeof InvalidParam.Type

/** The problem details body. Members beyond these are allowed, as RFC 9457 intends. @since 0.1.0 */
export const Problem = /* @__PURE__ */ Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int.check(Schema.isBetween({ minimum: 400, maximum: 599 })),
  detail: Schema.optionalKey(Schema.String),
  instance: Schema.optionalKey(Schema.String),
  method: Schema.optionalKey(Schema.String),
  traceId: Schema.optionalKey(Schema.String),
  code: Schema.optionalKey(Schema.String),
  invalidParams: Schema.optionalKey(Schema.Array(InvalidParam))
}).pipe(Schema.annotate({ identifier: "Problem", description: "RFC 9457 problem details" }))

/** The problem details body. @since 0.1.0 */
export type Problem = typeof Problem.Type

/** The media type of problem details. @since 0.1.0 */
export const mediaType = "application/problem+json"

/**
 * A problem; `type` defaults to `about:blank`, which RFC 9457 reserves for "the status says it all".
 *
 * @since 0.1.0
 */
export const make = (problem: Omit<Problem, "type"> & { readonly type?: string }): Problem => ({
  ...problem,
  type: problem.type ?? "about:blank"
})

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * The invalid inputs a schema issue describes, one per failing path (`dossier.userData.dateOfBirth`),
 * for a problem's `invalidParams`. The input values are not repeated.
 *
 * @since 0.1.0
 */
export const invalidParams = (issue: SchemaIssue.Issue): ReadonlyArray<InvalidParam> =>
  formatter(issue).issues.map((leaf) => ({
    name: (leaf.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join("."),
    reason: leaf.message
  }))
