/**
 * What a process asks its provider to do, as the Assure API's `processType` names it (`document`,
 * `documentSelfie`, `substantial`). Each provider defines its own process types; this is only their shape.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** A process type: a letter followed by letters and digits, at most 64 characters. @since 0.1.0 */
export const ProcessType = /* @__PURE__ */ Schema.String.check(
  Schema.isPattern(/^[A-Za-z][A-Za-z0-9]*$/u, { expected: "a process type such as document or documentSelfie" }),
  Schema.isMaxLength(64)
).pipe(
  Schema.brand("ProcessType"),
  Schema.annotate({ identifier: "ProcessType", description: "What a process asks its provider to do" })
)

/** A process type. @since 0.1.0 */
export type ProcessType = typeof ProcessType.Type
