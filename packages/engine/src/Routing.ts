/**
 * Provider routing: a tenant's routing policy, its validation against the loaded providers, and the
 * routing decision with its audit. Pure code: no I/O, no database; the `Router` service applies it to processes.
 *
 * A policy is an ordered list of rules. A rule's `when` holds its conditions — `processType`, `issuingCountry`,
 * `nationality`, `documentType`, each a non-empty list of accepted values — and all present conditions must hold
 * (a request without the field does not match a condition on it). A rule without conditions matches every request:
 * a default. The first matching rule wins; its `provider` is tried, then its `fallbacks` in order. A rule's
 * `requires` names provider capabilities (`selfie`, `webhooks`, ...) every chosen provider must have.
 *
 * A decision never falls through to a later rule: when every provider of the matching rule is skipped, the decision
 * is {@link NoProvider}, with the audit saying why each was skipped.
 *
 * @since 0.2.0
 */
import { ProcessRouting, ProviderName, RoutingPolicy } from "@assure/core"
import type { Capabilities, IdentityProvider } from "@assure/provider"
import { type Effect, Schema } from "effect"

// Fails to compile when `@assure/provider`'s `Capabilities` and the capabilities a policy may name part ways.
const _sameCapabilities: [Capabilities.Capability] extends [RoutingPolicy.Capability]
  ? [RoutingPolicy.Capability] extends [Capabilities.Capability]
    ? true
    : false
  : false = true
void _sameCapabilities

/** A provider capability's name, as `@assure/provider`'s `Capabilities` spells it. @since 0.2.0 */
export const Capability = RoutingPolicy.Capability

/** A provider capability's name. @since 0.2.0 */
export type Capability = RoutingPolicy.Capability

/** A rule's conditions; every present condition must hold, and an absent one accepts anything. @since 0.2.0 */
export const Conditions = RoutingPolicy.Conditions

/** A rule's conditions. @since 0.2.0 */
export type Conditions = RoutingPolicy.Conditions

/** One rule: its conditions, the provider it routes to, the fallbacks in order and the capabilities required. @since 0.2.0 */
export const Rule = RoutingPolicy.Rule

/** One rule. @since 0.2.0 */
export type Rule = RoutingPolicy.Rule

/** A tenant's routing policy (`@assure/core`'s `RoutingPolicy.Policy`): the first rule that matches wins. @since 0.2.0 */
export const Policy = RoutingPolicy.Policy

/** A tenant's routing policy. @since 0.2.0 */
export type Policy = RoutingPolicy.Policy

const decodePolicy = Schema.decodeUnknownEffect(Policy)

/** Decodes a policy strictly: unknown or misspelled fields are errors, and every error is reported. @since 0.2.0 */
export const decode = (input: unknown): Effect.Effect<Policy, Schema.SchemaError> =>
  decodePolicy(input, { errors: "all", onExcessProperty: "error" })

/** What routing needs to know of a provider; an `IdentityProvider` is one. @since 0.2.0 */
export type Provider = Pick<IdentityProvider.IdentityProvider, "name" | "capabilities" | "processTypes">

const Path = Schema.Array(Schema.Union([Schema.String, Schema.Number]))

/** A rule or fallback names a provider that is not loaded. @since 0.2.0 */
export const UnknownProviderProblem = /* @__PURE__ */ Schema.TaggedStruct("UnknownProvider", {
  path: Path,
  provider: Schema.String,
  message: Schema.String
})

/** A rule can never match: an earlier rule matches every request it does. @since 0.2.0 */
export const UnreachableRuleProblem = /* @__PURE__ */ Schema.TaggedStruct("UnreachableRule", {
  path: Path,
  shadowedBy: Schema.Number,
  message: Schema.String
})

/** A rule requires capabilities its provider or a fallback lacks. @since 0.2.0 */
export const MissingCapabilityProblem = /* @__PURE__ */ Schema.TaggedStruct("MissingCapability", {
  path: Path,
  provider: Schema.String,
  missing: Schema.Array(Capability),
  message: Schema.String
})

/** A rule's process type condition names a process type its provider or a fallback does not run. @since 0.2.0 */
export const UnsupportedProcessTypeProblem = /* @__PURE__ */ Schema.TaggedStruct("UnsupportedProcessType", {
  path: Path,
  provider: Schema.String,
  processTypes: Schema.Array(Schema.String),
  message: Schema.String
})

/** A provider is named twice in one rule (as provider and fallback, or twice as fallback). @since 0.2.0 */
export const DuplicateProviderProblem = /* @__PURE__ */ Schema.TaggedStruct("DuplicateProvider", {
  path: Path,
  provider: Schema.String,
  message: Schema.String
})

/** What is wrong with a policy, with the path of the offending field. @since 0.2.0 */
export const Problem = /* @__PURE__ */ Schema.Union([
  UnknownProviderProblem,
  UnreachableRuleProblem,
  MissingCapabilityProblem,
  UnsupportedProcessTypeProblem,
  DuplicateProviderProblem
]).pipe(Schema.annotate({ identifier: "RoutingPolicyProblem" }))

/** What is wrong with a policy. @since 0.2.0 */
export type Problem = typeof Problem.Type

const conditionKeys = ["processType", "issuingCountry", "nationality", "documentType"] as const

/** Whether every request matching `later` also matches `earlier`. */
const covers = (earlier: Conditions | undefined, later: Conditions | undefined): boolean =>
  conditionKeys.every((key) => {
    const accepted: ReadonlyArray<string> | undefined = earlier?.[key]
    if (accepted === undefined) return true
    const required: ReadonlyArray<string> | undefined = later?.[key]
    return required?.every((value) => accepted.includes(value)) === true
  })

/** The rule's provider and fallbacks, with their paths, in the order they are tried. */
const candidatesOf = (rule: Rule, index: number) => [
  { name: rule.provider, path: ["rules", index, "provider"] as ReadonlyArray<string | number> },
  ...(rule.fallbacks ?? []).map((name, k) => ({
    name,
    path: ["rules", index, "fallbacks", k] as ReadonlyArray<string | number>
  }))
]

const missingCapabilities = (provider: Provider, requires: ReadonlyArray<Capability> | undefined) =>
  (requires ?? []).filter((capability) => !provider.capabilities[capability])

/**
 * Checks a policy against the loaded providers: unknown providers, unreachable rules, required capabilities a
 * provider lacks, process types a provider does not run, providers named twice in a rule. Empty when valid.
 *
 * @since 0.2.0
 */
export const validate = (policy: Policy, providers: ReadonlyArray<Provider>): ReadonlyArray<Problem> => {
  const byName = new Map(providers.map((provider) => [provider.name as string, provider]))
  const problems: Array<Problem> = []
  policy.rules.forEach((rule, index) => {
    const shadowedBy = policy.rules.slice(0, index).findIndex((earlier) => covers(earlier.when, rule.when))
    if (shadowedBy >= 0) {
      problems.push({
        _tag: "UnreachableRule",
        path: ["rules", index],
        shadowedBy,
        message:
          policy.rules[shadowedBy]?.when === undefined
            ? `rule ${index} can never match: rule ${shadowedBy} has no conditions and matches every request`
            : `rule ${index} can never match: rule ${shadowedBy} matches every request it does`
      })
    }
    const seen = new Set<string>()
    for (const candidate of candidatesOf(rule, index)) {
      if (seen.has(candidate.name)) {
        problems.push({
          _tag: "DuplicateProvider",
          path: candidate.path,
          provider: candidate.name,
          message: `${candidate.name} is named more than once in rule ${index}`
        })
        continue
      }
      seen.add(candidate.name)
      const provider = byName.get(candidate.name)
      if (provider === undefined) {
        problems.push({
          _tag: "UnknownProvider",
          path: candidate.path,
          provider: candidate.name,
          message: `no provider named "${candidate.name}" is configured (configured: ${
            [...byName.keys()].join(", ") || "none"
          })`
        })
        continue
      }
      const missing = missingCapabilities(provider, rule.requires)
      if (missing.length > 0) {
        problems.push({
          _tag: "MissingCapability",
          path: candidate.path,
          provider: candidate.name,
          missing,
          message: `rule ${index} requires ${missing.join(", ")}, which ${candidate.name} lacks`
        })
      }
      const unsupported = (rule.when?.processType ?? []).filter((type) => !provider.processTypes.includes(type))
      if (unsupported.length > 0) {
        problems.push({
          _tag: "UnsupportedProcessType",
          path: candidate.path,
          provider: candidate.name,
          processTypes: unsupported,
          message: `${candidate.name} does not run ${unsupported.join(", ")} (it runs ${
            provider.processTypes.join(", ") || "nothing"
          })`
        })
      }
    }
  })
  return problems
}

/** What a routing decision is asked about: the process to create (`@assure/core`'s `ProcessRouting.Request`). @since 0.2.0 */
export const Request = ProcessRouting.Request

/** What a routing decision is asked about. @since 0.2.0 */
export type Request = ProcessRouting.Request

/** Why a provider was skipped. @since 0.2.0 */
export const SkipReason = ProcessRouting.SkipReason

/** Why a provider was skipped. @since 0.2.0 */
export type SkipReason = ProcessRouting.SkipReason

/** One provider of the matching rule, in the order tried. @since 0.2.0 */
export const Consideration = ProcessRouting.Consideration

/** One provider considered. @since 0.2.0 */
export type Consideration = ProcessRouting.Consideration

/** The rule that matched: its index in the policy and a description. @since 0.2.0 */
export const MatchedRule = ProcessRouting.MatchedRule

/** The audit of one decision, as JSON-friendly data to store on the process and show over the API. @since 0.2.0 */
export const Audit = ProcessRouting.Audit

/** The audit of one decision. @since 0.2.0 */
export type Audit = ProcessRouting.Audit

/** A provider was chosen; `fallbacks` are the ones left, in order, should it fail. @since 0.2.0 */
export const Routed = /* @__PURE__ */ Schema.TaggedStruct("Routed", {
  provider: ProviderName.ProviderName,
  fallbacks: Schema.Array(ProviderName.ProviderName),
  audit: Audit
})

/** A provider was chosen. @since 0.2.0 */
export type Routed = typeof Routed.Type

/**
 * No provider can take the request: no rule matched (`noRuleMatched`), or every provider of the matching rule was
 * skipped (`allSkipped`); the audit says why.
 *
 * @since 0.2.0
 */
export class NoProvider extends Schema.TaggedError<NoProvider>("@assure/engine/Routing/NoProvider")("NoProvider", {
  reason: Schema.Literals(["noRuleMatched", "allSkipped"]),
  audit: Audit
}) {
  override get message(): string {
    if (this.reason === "noRuleMatched") return "no routing rule matches the request"
    const rule = this.audit.rule
    const skipped = this.audit.considered.map((entry) => `${entry.provider}: ${entry.reason ?? entry.outcome}`)
    return `every provider of rule ${rule?.index ?? "?"} was skipped (${skipped.join("; ")})`
  }
}

/** A routing decision: a provider was chosen, or none can be. @since 0.2.0 */
export const Decision = /* @__PURE__ */ Schema.Union([Routed, NoProvider])

/** A routing decision. @since 0.2.0 */
export type Decision = Routed | NoProvider

/** Whether a rule's conditions hold for a request. @since 0.2.0 */
export const matches = (conditions: Conditions | undefined, request: Request): boolean =>
  conditionKeys.every((key) => {
    const accepted: ReadonlyArray<string> | undefined = conditions?.[key]
    if (accepted === undefined) return true
    const value: string | undefined = request[key]
    return value !== undefined && accepted.includes(value)
  })

/** A rule's description: its own, or one written from its conditions. @since 0.2.0 */
export const describe = (rule: Rule): string => {
  if (rule.description !== undefined) return rule.description
  const conditions = conditionKeys.flatMap((key) => {
    const accepted: ReadonlyArray<string> | undefined = rule.when?.[key]
    return accepted === undefined ? [] : [`${key} in ${accepted.join(", ")}`]
  })
  const route = [rule.provider, ...(rule.fallbacks ?? [])].join(", then ")
  const requires =
    rule.requires !== undefined && rule.requires.length > 0 ? ` requiring ${rule.requires.join(", ")}` : ""
  return `${conditions.length === 0 ? "any request" : conditions.join(" and ")}: ${route}${requires}`
}

/**
 * Decides which provider a request goes to: the first matching rule's provider, else its first fallback that runs
 * the process type, has the required capabilities and whose circuit is closed (`isAvailable`). The fallbacks left
 * are the later ones that run the process type and have the capabilities; their circuits are asked again when they
 * are needed, so `isAvailable` is only called until a provider is chosen.
 *
 * @since 0.2.0
 */
export const decide = (
  policy: Policy,
  request: Request,
  providers: ReadonlyArray<Provider>,
  isAvailable: (provider: Provider) => boolean
): Decision => {
  const index = policy.rules.findIndex((rule) => matches(rule.when, request))
  const rule = policy.rules[index]
  if (rule === undefined) {
    return new NoProvider({ reason: "noRuleMatched", audit: { request, considered: [] } })
  }
  const byName = new Map(providers.map((provider) => [provider.name as string, provider]))
  const considered: Array<Consideration> = []
  const fallbacks: Array<ProviderName.ProviderName> = []
  let chosen: ProviderName.ProviderName | undefined
  const seen = new Set<string>()
  for (const name of [rule.provider, ...(rule.fallbacks ?? [])]) {
    if (seen.has(name)) continue
    seen.add(name)
    const provider = byName.get(name)
    if (provider === undefined) {
      considered.push({ provider: name, outcome: "skipped", reason: "unknownProvider" })
      continue
    }
    if (!provider.processTypes.includes(request.processType)) {
      considered.push({ provider: name, outcome: "skipped", reason: "processType" })
      continue
    }
    const missing = missingCapabilities(provider, rule.requires)
    if (missing.length > 0) {
      considered.push({ provider: name, outcome: "skipped", reason: "capability", missing })
      continue
    }
    if (chosen !== undefined) {
      considered.push({ provider: name, outcome: "fallback" })
      fallbacks.push(name)
      continue
    }
    if (!isAvailable(provider)) {
      considered.push({ provider: name, outcome: "skipped", reason: "circuitOpen" })
      continue
    }
    considered.push({ provider: name, outcome: "chosen" })
    chosen = name
  }
  const audit: Audit = { request, rule: { index, description: describe(rule) }, considered }
  return chosen === undefined
    ? new NoProvider({ reason: "allSkipped", audit })
    : { _tag: "Routed", provider: chosen, fallbacks, audit }
}
