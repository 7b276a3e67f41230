/**
 * How a routed process got its provider, as the API shows it (an assure extension): the routing decision — which
 * rule of which policy matched, which providers were considered and why each was skipped — the fallbacks left, and,
 * when a provider failed, which fallback followed which failure.
 *
 * A process still has exactly one provider: a fallback is a new process on the same dossier, linked both ways by
 * `fallbackOf` and `fallbackTo`.
 *
 * @example
 * ```ts
 * import { ProcessRouting } from "@assure/core"
 * import { Schema } from "effect"
 *
 * const routing = Schema.decodeUnknownSync(ProcessRouting.ProcessRouting)({
 *   decision: {
 *     policy: "tenant",
 *     request: { processType: "document", nationality: "PRT" },
 *     rule: { index: 2, description: "Onfido elsewhere, Veriff if Onfido fails" },
 *     considered: [{ provider: "onfido", outcome: "chosen" }, { provider: "veriff", outcome: "fallback" }]
 *   },
 *   fallbacks: ["veriff"]
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { Country } from "./Country.js"
import { DocumentType } from "./DocumentType.js"
import { ProcessId } from "./Identifiers.js"
import { ProcessType } from "./ProcessType.js"
import { ProviderName } from "./ProviderName.js"

/** What routing was asked about: the process type and what the dossier says of the person and the document. @since 0.2.0 */
export const Request = /* @__PURE__ */ Schema.Struct({
  processType: ProcessType,
  issuingCountry: Schema.optionalKey(Country),
  nationality: Schema.optionalKey(Country),
  documentType: Schema.optionalKey(DocumentType)
}).pipe(Schema.annotate({ identifier: "RoutingRequest", description: "What a routing decision was asked about" }))

/** What routing was asked about. @since 0.2.0 */
export type Request = typeof Request.Type

/**
 * Why a provider was skipped: it lacks a capability the rule requires, its circuit is open (it kept failing), it does
 * not run the process type, it is not loaded, or (for a fallback) the client's parameters for it are not valid.
 *
 * @since 0.2.0
 */
export const SkipReason = /* @__PURE__ */ Schema.Literals([
  "capability",
  "circuitOpen",
  "processType",
  "unknownProvider",
  "parameters"
]).pipe(Schema.annotate({ identifier: "RoutingSkipReason" }))

/** Why a provider was skipped. @since 0.2.0 */
export type SkipReason = typeof SkipReason.Type

/**
 * One provider of the matching rule, in the order tried: `chosen`, `fallback` (kept for later), or `skipped` with its
 * reason (and, for `capability`, the capabilities it lacks).
 *
 * @since 0.2.0
 */
export const Consideration = /* @__PURE__ */ Schema.Struct({
  provider: Schema.String,
  outcome: Schema.Literals(["chosen", "fallback", "skipped"]),
  reason: Schema.optionalKey(SkipReason),
  missing: Schema.optionalKey(Schema.Array(Schema.String))
}).pipe(Schema.annotate({ identifier: "RoutingConsideration", description: "One provider considered" }))

/** One provider considered. @since 0.2.0 */
export type Consideration = typeof Consideration.Type

/** The rule that matched: its index in the policy and its description. @since 0.2.0 */
export const MatchedRule = /* @__PURE__ */ Schema.Struct({
  index: Schema.Int,
  description: Schema.String
}).pipe(Schema.annotate({ identifier: "RoutingMatchedRule" }))

/** The rule that matched. @since 0.2.0 */
export type MatchedRule = typeof MatchedRule.Type

/** The audit of one routing decision: what was asked, the rule that matched and every provider considered. @since 0.2.0 */
export const Audit = /* @__PURE__ */ Schema.Struct({
  request: Request,
  rule: Schema.optionalKey(MatchedRule),
  considered: Schema.Array(Consideration)
}).pipe(Schema.annotate({ identifier: "RoutingAudit", description: "The audit of one routing decision" }))

/** The audit of one routing decision. @since 0.2.0 */
export type Audit = typeof Audit.Type

/** The decision that chose a process's provider, and whose policy made it: the tenant's own or the server's default. @since 0.2.0 */
export const Decision = /* @__PURE__ */ Schema.Struct({
  ...Audit.fields,
  policy: Schema.Literals(["tenant", "default"])
}).pipe(Schema.annotate({ identifier: "RoutingDecision", description: "How the process's provider was chosen" }))

/** The decision that chose a process's provider. @since 0.2.0 */
export type Decision = typeof Decision.Type

/** Why a process fell back: its provider stayed unavailable until the engine gave up retrying. @since 0.2.0 */
export const FailureReason = /* @__PURE__ */ Schema.Literals(["provider_unavailable"])

/** Why a process fell back. @since 0.2.0 */
export type FailureReason = typeof FailureReason.Type

/**
 * What followed the process's failure: `created`, a fallback process (`processId`, `provider`); `available`, a
 * fallback the client may start, because the end-user had been sent to the provider and cannot be brought back by the
 * server; `none`, every fallback was skipped (see `considered`) or none was left.
 *
 * @since 0.2.0
 */
export const Fallback = /* @__PURE__ */ Schema.Struct({
  after: FailureReason,
  outcome: Schema.Literals(["created", "available", "none"]),
  provider: Schema.optionalKey(ProviderName),
  processId: Schema.optionalKey(ProcessId),
  considered: Schema.Array(Consideration)
}).pipe(Schema.annotate({ identifier: "RoutingFallback", description: "What followed the process's failure" }))

/** What followed the process's failure. @since 0.2.0 */
export type Fallback = typeof Fallback.Type

/** The process this one replaced, and why. @since 0.2.0 */
export const Replaced = /* @__PURE__ */ Schema.Struct({
  processId: ProcessId,
  provider: ProviderName,
  after: FailureReason
}).pipe(Schema.annotate({ identifier: "RoutingReplaced", description: "The failed process this one replaced" }))

/** The process this one replaced. @since 0.2.0 */
export type Replaced = typeof Replaced.Type

/**
 * A routed process's routing record: the decision, the fallbacks still left in order, the process it replaced (for a
 * fallback) and what followed its own failure.
 *
 * @since 0.2.0
 */
export const ProcessRouting = /* @__PURE__ */ Schema.Struct({
  decision: Decision,
  fallbacks: Schema.Array(ProviderName),
  replaced: Schema.optionalKey(Replaced),
  fallback: Schema.optionalKey(Fallback)
}).pipe(
  Schema.annotate({
    identifier: "ProcessRouting",
    description: "How the process's provider was chosen, and which fallback followed which failure"
  })
)

/** A routed process's routing record. @since 0.2.0 */
export type ProcessRouting = typeof ProcessRouting.Type
