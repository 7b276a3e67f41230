/**
 * A routing policy, as tenants write it and the server's default is configured: ordered rules, each matching on the
 * process type, the document's issuing country, the person's nationality and the document type, naming a provider,
 * its fallbacks in order and the capabilities they must have. The first rule that matches a new process with
 * `provider: "auto"` chooses its provider. `@assure/engine`'s `Routing` validates a policy against the loaded
 * providers and makes the decision.
 *
 * @example
 * ```ts
 * import { RoutingPolicy } from "@assure/core"
 * import { Schema } from "effect"
 *
 * // BankID for NOR and SWE, MitID for DNK, Onfido elsewhere, Veriff if Onfido fails.
 * const policy = Schema.decodeUnknownSync(RoutingPolicy.Policy)({
 *   rules: [
 *     { when: { nationality: ["NOR", "SWE"] }, provider: "bankid" },
 *     { when: { nationality: ["DNK"] }, provider: "mitid" },
 *     { provider: "onfido", fallbacks: ["veriff"] }
 *   ]
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { Country } from "./Country.js"
import { DocumentType } from "./DocumentType.js"
import { ProcessType } from "./ProcessType.js"
import { ProviderName } from "./ProviderName.js"

const capabilityNames = [
  "documentImages",
  "selfie",
  "video",
  "chipData",
  "redirect",
  "hostedFlow",
  "webhooks",
  "polling",
  "endUserCancel",
  "cancel"
] as const

/** A provider capability's name, as `@assure/provider`'s `Capabilities` spells it. @since 0.2.0 */
export const Capability = /* @__PURE__ */ Schema.Literals(capabilityNames).pipe(
  Schema.annotate({ identifier: "RoutingCapability", description: "A provider capability" })
)

/** A provider capability's name. @since 0.2.0 */
export type Capability = typeof Capability.Type

const nonEmpty = <S extends Schema.Top>(item: S) => Schema.Array(item).check(Schema.isMinLength(1))

/** A rule's conditions; every present condition must hold, and an absent one accepts anything. @since 0.2.0 */
export const Conditions = /* @__PURE__ */ Schema.Struct({
  processType: Schema.optionalKey(nonEmpty(ProcessType)),
  issuingCountry: Schema.optionalKey(nonEmpty(Country)),
  nationality: Schema.optionalKey(nonEmpty(Country)),
  documentType: Schema.optionalKey(nonEmpty(DocumentType))
}).pipe(Schema.annotate({ identifier: "RoutingConditions", description: "What a request must match" }))

/** A rule's conditions. @since 0.2.0 */
export type Conditions = typeof Conditions.Type

/** One rule: its conditions, the provider it routes to, the fallbacks in order and the capabilities required. @since 0.2.0 */
export const Rule = /* @__PURE__ */ Schema.Struct({
  description: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(200))),
  when: Schema.optionalKey(Conditions),
  requires: Schema.optionalKey(Schema.Array(Capability)),
  provider: ProviderName,
  fallbacks: Schema.optionalKey(Schema.Array(ProviderName))
}).pipe(Schema.annotate({ identifier: "RoutingRule", description: "A routing rule" }))

/** One rule. @since 0.2.0 */
export type Rule = typeof Rule.Type

/** A tenant's routing policy: rules tried in order, the first that matches wins. @since 0.2.0 */
export const Policy = /* @__PURE__ */ Schema.Struct({
  rules: Schema.Array(Rule)
}).pipe(Schema.annotate({ identifier: "RoutingPolicy", description: "Ordered routing rules" }))

/** A tenant's routing policy. @since 0.2.0 */
export type Policy = typeof Policy.Type
