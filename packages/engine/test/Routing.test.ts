import { ProcessType, ProviderName } from "@assure/core"
import { Capabilities } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import * as fc from "fast-check"
import { Routing } from "../src/index.js"

const provider = (
  name: string,
  capabilities: Partial<Capabilities.Capabilities>,
  processTypes: ReadonlyArray<string>
): Routing.Provider => ({
  name: ProviderName.ProviderName.make(name),
  capabilities: { ...Capabilities.none, ...capabilities },
  processTypes: processTypes.map((type) => ProcessType.ProcessType.make(type))
})

const bankid = provider("oidc-bankid", { redirect: true, endUserCancel: true }, ["substantial"])
const mitid = provider("oidc-mitid", { redirect: true, endUserCancel: true }, ["substantial"])
const onfido = provider("onfido", { documentImages: true, selfie: true, webhooks: true, polling: true }, [
  "document",
  "documentSelfie"
])
const veriff = provider("veriff", { hostedFlow: true, selfie: true, webhooks: true, polling: true }, [
  "document",
  "documentSelfie",
  "substantial"
])
const providers = [bankid, mitid, onfido, veriff]

const decodePolicy = (input: unknown) => Effect.runSync(Routing.decode(input))

/** The example: BankID for NOR and SWE, MitID for DNK, Onfido elsewhere, Veriff if Onfido fails. */
const nordic = decodePolicy({
  rules: [
    { when: { issuingCountry: ["NOR", "SWE"] }, provider: "oidc-bankid" },
    { when: { issuingCountry: ["DNK"] }, provider: "oidc-mitid" },
    { provider: "onfido", fallbacks: ["veriff"] }
  ]
})

const request = (fields: Record<string, unknown>) => Schema.decodeUnknownSync(Routing.Request)(fields)
const always = () => true

/** The value as plain JSON data, to compare with literals. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

const routed = (decision: Routing.Decision): Routing.Routed => {
  if (decision._tag !== "Routed") throw new Error(`expected a provider, got ${decision.message}`)
  return decision
}

describe("Routing.decode", () => {
  it("reads the issue's example", () => {
    assert.strictEqual(nordic.rules.length, 3)
    assert.deepStrictEqual(plain(nordic.rules[2]?.fallbacks), ["veriff"])
  })

  it("rejects unknown fields, at any depth", () => {
    for (const input of [
      { rules: [], extra: 1 },
      { rules: [{ provider: "onfido", fallback: ["veriff"] }] },
      { rules: [{ provider: "onfido", when: { country: ["NOR"] } }] }
    ]) {
      assert.isTrue(Exit.isFailure(Effect.runSyncExit(Routing.decode(input))), JSON.stringify(input))
    }
  })

  it("rejects unknown countries, document types, capabilities, empty condition lists and bad provider names", () => {
    for (const rule of [
      { provider: "onfido", when: { issuingCountry: ["NO"] } },
      { provider: "onfido", when: { nationality: ["ZZZ"] } },
      { provider: "onfido", when: { documentType: ["library card"] } },
      { provider: "onfido", requires: ["teleport"] },
      { provider: "onfido", when: { processType: [] } },
      { provider: "Onfido" }
    ]) {
      assert.isTrue(Exit.isFailure(Effect.runSyncExit(Routing.decode({ rules: [rule] }))), JSON.stringify(rule))
    }
  })
})

describe("Routing.validate", () => {
  it("accepts the issue's example", () => {
    assert.deepStrictEqual(Routing.validate(nordic, providers), [])
  })

  it("reports an unknown provider in a rule and in its fallbacks, with the path", () => {
    const policy = decodePolicy({ rules: [{ provider: "idnow", fallbacks: ["onfido", "sumsub"] }] })
    const problems = Routing.validate(policy, providers)
    assert.deepStrictEqual(
      problems.map((problem) => [problem._tag, problem.path]),
      [
        ["UnknownProvider", ["rules", 0, "provider"]],
        ["UnknownProvider", ["rules", 0, "fallbacks", 1]]
      ]
    )
    assert.include(problems[0]?.message, "idnow")
  })

  it("reports a rule after a catch-all as unreachable", () => {
    const policy = decodePolicy({
      rules: [{ provider: "onfido" }, { when: { issuingCountry: ["DNK"] }, provider: "oidc-mitid" }]
    })
    assert.deepStrictEqual(Routing.validate(policy, providers), [
      {
        _tag: "UnreachableRule",
        path: ["rules", 1],
        shadowedBy: 0,
        message: "rule 1 can never match: rule 0 has no conditions and matches every request"
      }
    ])
  })

  it("reports a rule whose conditions are narrower than an earlier rule's as unreachable", () => {
    const policy = decodePolicy({
      rules: [
        { when: { issuingCountry: ["NOR", "SWE"] }, provider: "oidc-bankid" },
        { when: { issuingCountry: ["NOR"], documentType: ["passport"] }, provider: "onfido" }
      ]
    })
    const problems = Routing.validate(policy, providers)
    assert.deepStrictEqual(
      problems.map((problem) => [problem._tag, problem.path]),
      [["UnreachableRule", ["rules", 1]]]
    )
  })

  it("does not report a rule that an earlier rule only partly covers", () => {
    const policy = decodePolicy({
      rules: [
        { when: { issuingCountry: ["NOR"], documentType: ["passport"] }, provider: "onfido" },
        { when: { issuingCountry: ["NOR", "SWE"] }, provider: "oidc-bankid" },
        { when: { nationality: ["NOR"] }, provider: "oidc-bankid" },
        { provider: "onfido" }
      ]
    })
    assert.deepStrictEqual(Routing.validate(policy, providers), [])
  })

  it("reports a required capability the provider or a fallback lacks", () => {
    const policy = decodePolicy({ rules: [{ requires: ["selfie"], provider: "oidc-bankid", fallbacks: ["veriff"] }] })
    assert.deepStrictEqual(
      Routing.validate(policy, providers).map((problem) => [
        problem._tag,
        problem.path,
        problem._tag === "MissingCapability" ? problem.missing : []
      ]),
      [["MissingCapability", ["rules", 0, "provider"], ["selfie"]]]
    )
    const fallback = decodePolicy({
      rules: [{ requires: ["documentImages"], provider: "onfido", fallbacks: ["veriff"] }]
    })
    assert.deepStrictEqual(
      Routing.validate(fallback, providers).map((problem) => [problem._tag, problem.path]),
      [["MissingCapability", ["rules", 0, "fallbacks", 0]]]
    )
  })

  it("reports a process type the provider does not run", () => {
    const policy = decodePolicy({ rules: [{ when: { processType: ["substantial"] }, provider: "onfido" }] })
    const problems = Routing.validate(policy, providers)
    assert.deepStrictEqual(
      problems.map((problem) => [problem._tag, problem.path]),
      [["UnsupportedProcessType", ["rules", 0, "provider"]]]
    )
    assert.include(problems[0]?.message, "substantial")
  })

  it("reports a provider named twice in a rule", () => {
    const policy = decodePolicy({ rules: [{ provider: "onfido", fallbacks: ["veriff", "onfido"] }] })
    assert.deepStrictEqual(
      Routing.validate(policy, providers).map((problem) => [problem._tag, problem.path]),
      [["DuplicateProvider", ["rules", 0, "fallbacks", 1]]]
    )
  })

  it("gives problems that encode as JSON through the Problem schema", () => {
    const policy = decodePolicy({ rules: [{ provider: "onfido" }, { provider: "idnow" }] })
    const problems = Routing.validate(policy, providers)
    const json = Schema.encodeSync(Schema.Array(Routing.Problem))(problems)
    assert.deepStrictEqual(
      Schema.decodeUnknownSync(Schema.Array(Routing.Problem))(JSON.parse(JSON.stringify(json))),
      problems
    )
  })
})

describe("Routing.decide", () => {
  it("routes the issue's example: BankID for NOR and SWE, MitID for DNK, Onfido elsewhere", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["NOR", "oidc-bankid"],
      ["SWE", "oidc-bankid"],
      ["DNK", "oidc-mitid"],
      ["DEU", "onfido"]
    ]
    for (const [country, expected] of cases) {
      const processType = expected.startsWith("oidc") ? "substantial" : "document"
      const decision = routed(
        Routing.decide(nordic, request({ processType, issuingCountry: country }), providers, always)
      )
      assert.strictEqual(decision.provider, expected, country)
    }
    const elsewhere = routed(Routing.decide(nordic, request({ processType: "document" }), providers, always))
    assert.strictEqual(elsewhere.provider, "onfido")
    assert.deepStrictEqual(plain(elsewhere.fallbacks), ["veriff"])
    assert.deepStrictEqual(plain(elsewhere.audit), {
      request: { processType: "document" },
      rule: { index: 2, description: "any request: onfido, then veriff" },
      considered: [
        { provider: "onfido", outcome: "chosen" },
        { provider: "veriff", outcome: "fallback" }
      ]
    })
  })

  it("goes to Veriff when Onfido's circuit is open, and says so in the audit", () => {
    const decision = routed(
      Routing.decide(
        nordic,
        request({ processType: "document", issuingCountry: "PRT" }),
        providers,
        (p) => p.name !== "onfido"
      )
    )
    assert.strictEqual(decision.provider, "veriff")
    assert.deepStrictEqual(decision.fallbacks, [])
    // The README shows this decision.
    assert.deepStrictEqual(plain(Schema.encodeSync(Routing.Decision)(decision)), {
      _tag: "Routed",
      provider: "veriff",
      fallbacks: [],
      audit: {
        request: { processType: "document", issuingCountry: "PRT" },
        rule: { index: 2, description: "any request: onfido, then veriff" },
        considered: [
          { provider: "onfido", outcome: "skipped", reason: "circuitOpen" },
          { provider: "veriff", outcome: "chosen" }
        ]
      }
    })
  })

  it("fails with NoProvider when every provider of the matching rule is skipped, without trying later rules", () => {
    const decision = Routing.decide(
      nordic,
      request({ processType: "substantial", issuingCountry: "NOR" }),
      providers,
      (p) => p.name !== "oidc-bankid"
    )
    assert.strictEqual(decision._tag, "NoProvider")
    if (decision._tag !== "NoProvider") return
    assert.strictEqual(decision.reason, "allSkipped")
    assert.deepStrictEqual(decision.audit.rule?.index, 0)
    assert.deepStrictEqual(decision.audit.considered, [
      { provider: "oidc-bankid", outcome: "skipped", reason: "circuitOpen" }
    ])
    assert.include(decision.message, "oidc-bankid: circuitOpen")
  })

  it("skips a provider that does not run the process type or lacks a required capability", () => {
    const policy = decodePolicy({
      rules: [{ requires: ["selfie"], provider: "oidc-bankid", fallbacks: ["onfido", "veriff"] }]
    })
    const decision = routed(Routing.decide(policy, request({ processType: "substantial" }), providers, always))
    assert.strictEqual(decision.provider, "veriff")
    assert.deepStrictEqual(decision.audit.considered, [
      { provider: "oidc-bankid", outcome: "skipped", reason: "capability", missing: ["selfie"] },
      { provider: "onfido", outcome: "skipped", reason: "processType" },
      { provider: "veriff", outcome: "chosen" }
    ])
  })

  it("skips a provider that is not loaded", () => {
    const policy = decodePolicy({ rules: [{ provider: "idnow", fallbacks: ["onfido"] }] })
    const decision = routed(Routing.decide(policy, request({ processType: "document" }), providers, always))
    assert.strictEqual(decision.provider, "onfido")
    assert.deepStrictEqual(decision.audit.considered[0], {
      provider: "idnow",
      outcome: "skipped",
      reason: "unknownProvider"
    })
  })

  it("fails with noRuleMatched when no rule matches, and a condition on a field the request lacks does not match", () => {
    const policy = decodePolicy({ rules: [{ when: { nationality: ["NOR"] }, provider: "oidc-bankid" }] })
    const decision = Routing.decide(policy, request({ processType: "substantial" }), providers, always)
    assert.strictEqual(decision._tag, "NoProvider")
    if (decision._tag === "NoProvider") {
      assert.strictEqual(decision.reason, "noRuleMatched")
      assert.isUndefined(decision.audit.rule)
    }
  })

  it.effect("gives a NoProvider that fails an Effect as a typed error", () =>
    Effect.gen(function* () {
      const decision = Routing.decide({ rules: [] }, request({ processType: "document" }), providers, always)
      const error = yield* Effect.flip(decision._tag === "Routed" ? Effect.succeed(decision) : Effect.fail(decision))
      assert.instanceOf(error, Routing.NoProvider)
    })
  )

  it("gives decisions that survive a JSON round trip through the Decision schema", () => {
    for (const isAvailable of [always, () => false]) {
      const decision = Routing.decide(nordic, request({ processType: "document" }), providers, isAvailable)
      const json = JSON.parse(JSON.stringify(Schema.encodeSync(Routing.Decision)(decision)))
      const back = Schema.decodeUnknownSync(Routing.Decision)(json)
      assert.strictEqual(back._tag, decision._tag)
      assert.deepStrictEqual(back.audit, decision.audit)
    }
  })
})

describe("Routing.decide, properties", () => {
  const names = ["oidc-bankid", "oidc-mitid", "onfido", "veriff", "idnow"] as const
  const capabilityNames = Routing.Capability.literals
  const processTypes = ["document", "documentSelfie", "substantial"] as const
  const countries = ["NOR", "SWE", "DNK", "DEU"] as const

  const arbProvider = fc.record({
    capabilities: fc.subarray([...capabilityNames]),
    processTypes: fc.subarray([...processTypes])
  })
  const arbProviders = fc
    .tuple(...names.slice(0, 4).map(() => arbProvider))
    .map((specs) =>
      specs.map((spec, i) =>
        provider(names[i] ?? "x", Object.fromEntries(spec.capabilities.map((c) => [c, true])), spec.processTypes)
      )
    )
  const arbRule = fc.record(
    {
      when: fc.record(
        {
          processType: fc.subarray([...processTypes], { minLength: 1 }),
          issuingCountry: fc.subarray([...countries], { minLength: 1 }),
          nationality: fc.subarray([...countries], { minLength: 1 })
        },
        { requiredKeys: [] }
      ),
      requires: fc.subarray([...capabilityNames], { maxLength: 2 }),
      provider: fc.constantFrom(...names),
      fallbacks: fc.uniqueArray(fc.constantFrom(...names), { maxLength: 3 })
    },
    { requiredKeys: ["provider"] }
  )
  const arbPolicy = fc.array(arbRule, { maxLength: 5 }).map((rules) => decodePolicy({ rules }))
  const arbRequest = fc
    .record(
      {
        processType: fc.constantFrom(...processTypes),
        issuingCountry: fc.constantFrom(...countries),
        nationality: fc.constantFrom(...countries)
      },
      { requiredKeys: ["processType"] }
    )
    .map(request)
  const arbOpen = fc.subarray<string>([...names])

  it("never picks a provider whose circuit is open, that lacks a required capability or the process type", () => {
    fc.assert(
      fc.property(arbPolicy, arbRequest, arbProviders, arbOpen, (policy, req, loaded, open) => {
        const decision = Routing.decide(policy, req, loaded, (p) => !open.includes(p.name))
        if (decision._tag !== "Routed") return true
        const chosen = loaded.find((p) => p.name === decision.provider)
        const rule = policy.rules[decision.audit.rule?.index ?? -1]
        return (
          chosen !== undefined &&
          rule !== undefined &&
          !open.includes(chosen.name) &&
          chosen.processTypes.includes(req.processType) &&
          (rule.requires ?? []).every((capability) => chosen.capabilities[capability])
        )
      })
    )
  })

  it("uses the first matching rule, and only its providers", () => {
    fc.assert(
      fc.property(arbPolicy, arbRequest, arbProviders, arbOpen, (policy, req, loaded, open) => {
        const decision = Routing.decide(policy, req, loaded, (p) => !open.includes(p.name))
        const first = policy.rules.findIndex((rule) => Routing.matches(rule.when, req))
        if (first < 0) return decision._tag === "NoProvider" && decision.reason === "noRuleMatched"
        const rule = policy.rules[first]
        const named: ReadonlyArray<string | undefined> = [rule?.provider, ...(rule?.fallbacks ?? [])]
        return (
          decision.audit.rule?.index === first &&
          decision.audit.considered.every((entry) => named.includes(entry.provider)) &&
          (decision._tag === "NoProvider" || [decision.provider, ...decision.fallbacks].every((n) => named.includes(n)))
        )
      })
    )
  })

  it("picks the first suitable provider of the rule, in order, and accounts for every provider it names", () => {
    fc.assert(
      fc.property(arbPolicy, arbRequest, arbProviders, arbOpen, (policy, req, loaded, open) => {
        const decision = Routing.decide(policy, req, loaded, (p) => !open.includes(p.name))
        const rule = policy.rules[decision.audit.rule?.index ?? -1]
        if (rule === undefined) return true
        const named = [...new Set([rule.provider, ...(rule.fallbacks ?? [])])]
        const considered = decision.audit.considered.map((entry) => entry.provider)
        const firstNotSkipped = decision.audit.considered.find((entry) => entry.outcome !== "skipped")
        return (
          JSON.stringify(considered) === JSON.stringify(named) &&
          (decision._tag === "Routed"
            ? firstNotSkipped?.provider === decision.provider && firstNotSkipped.outcome === "chosen"
            : firstNotSkipped === undefined)
        )
      })
    )
  })

  it("reports no unreachable rule for a policy whose rules each match a request that no earlier rule does", () => {
    fc.assert(
      fc.property(arbPolicy, arbRequest, (policy, req) => {
        const first = policy.rules.findIndex((rule) => Routing.matches(rule.when, req))
        const unreachable = Routing.validate(policy, []).filter((problem) => problem._tag === "UnreachableRule")
        return first < 0 || unreachable.every((problem) => problem.path[1] !== first)
      })
    )
  })
})
