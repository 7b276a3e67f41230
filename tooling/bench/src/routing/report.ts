/**
 * The routing section of `BENCHMARKS.md`, between its own markers: `pnpm bench` writes it after the numbered
 * sections, and `bench:routing --write` replaces it in place. The verdict against issue 18's target is computed
 * here from the figures, so the section never claims more than the run that produced it.
 */

import { median } from "../engine/stats.ts"
import type { Machine } from "../report.ts"
import { writeSection } from "../sections.ts"
import type { ContenderName, PartName, RoutingReport, Timing } from "./measure.ts"

export const markers = { start: "<!-- routing:start -->", end: "<!-- routing:end -->" } as const

/** Issue 18: what `provider: "auto"` may add to a process creation, side by side with a named provider. */
export const targetMillis = 0.2

const ms = (millis: number): string => (Number.isNaN(millis) ? "—" : millis.toFixed(3))
const signed = (millis: number): string => `${millis >= 0 ? "+" : "−"}${ms(Math.abs(millis))}`
const integer = (n: number): string => Math.round(n).toLocaleString("en-GB")
/** A share to two significant digits: 0.14 %, 3.2 %, 41 %. */
const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(2))} %`

/** The figures the section and the verdict use. */
export const routingVerdict = (report: RoutingReport) => {
  const ratio = (name: ContenderName): number =>
    median(report.contenders.find((contender) => contender.name === name)?.roundRatios ?? [])
  const timing = (name: ContenderName): Timing => {
    const found = report.contenders.find((contender) => contender.name === name)
    if (found === undefined) throw new Error(`${name} was not measured`)
    return found.timing
  }
  const overhead = timing("autoDefault").median - timing("named").median
  const ownOverhead = timing("autoOwn").median - timing("named").median
  return { timing, ratio, overhead, ownOverhead, met: overhead <= targetMillis, ownMet: ownOverhead <= targetMillis }
}

export const renderRoutingSection = (report: RoutingReport, machine: Machine): string => {
  const { timing, ratio, overhead, ownOverhead, met, ownMet } = routingVerdict(report)
  const part = (name: PartName): Timing => {
    const found = report.parts.find((candidate) => candidate.name === name)
    if (found === undefined) throw new Error(`${name} was not measured`)
    return found.timing
  }
  const named = timing("named")
  const contender = (name: ContenderName) => report.contenders.find((candidate) => candidate.name === name)
  const creationRow = (label: string, name: ContenderName) => {
    const t = timing(name)
    const differences = contender(name)?.roundDifferences ?? []
    return name === "named"
      ? `| ${label} | ${ms(t.median)} | ${ms(t.p95)} | ${ms(t.mean)} | — | — | — | — |`
      : `| ${label} | ${ms(t.median)} | ${ms(t.p95)} | ${ms(t.mean)} | ${signed(t.median - named.median)} | ${signed(
          t.p95 - named.p95
        )} | ${signed(median(differences))} (${ms(Math.min(...differences))} to ${ms(Math.max(...differences))}) | ${ratio(
          name
        ).toFixed(2)}× |`
  }
  const steps: ReadonlyArray<{
    readonly label: string
    readonly name: ContenderName
    readonly below: ContenderName
    readonly alone: string
  }> = [
    {
      label: "+ the dossier's userData read, opened and decoded",
      name: "ladderUserData",
      below: "named",
      alone: `${ms(part("userDataSelect").median + part("userDataOpen").median + part("userDataDecode").median)}: the \`SELECT\` ${ms(
        part("userDataSelect").median
      )}, \`openJson\` ${ms(part("userDataOpen").median)}, the \`IdentityData\` decode ${ms(part("userDataDecode").median)}`
    },
    {
      label: "+ `Router.route`, default policy",
      name: "ladderRoute",
      below: "ladderUserData",
      alone: `${ms(part("routeDefault").median)}, of which the policy's \`SELECT\` (no row) ${ms(
        part("policyNone").median
      )} and \`Routing.decide\` ${report.decide.micros.toFixed(2)} µs`
    },
    {
      label: "+ the routing record encoded and sealed, before",
      name: "ladderSeal",
      below: "ladderRoute",
      alone: ms(part("recordSeal").median)
    }
  ]
  const stepRow = (row: (typeof steps)[number]) =>
    `| ${row.label} | ${ms(timing(row.name).median)} | ${signed(timing(row.name).median - timing(row.below).median)} | ${signed(
      timing(row.name).mean - timing(row.below).mean
    )} | ${row.alone} |`
  const ladderTop = timing("ladderSeal")
  const step = (name: ContenderName, below: ContenderName) => timing(name).median - timing(below).median
  const auto = timing("autoDefault")
  const ownExtra = timing("autoOwn").median - auto.median
  const routed = Object.entries(report.routedTo)
    .sort((a, b) => b[1] - a[1])
    .map(([provider, count]) => `${provider} ${integer(count)}`)
    .join(", ")
  const o = report.options
  const inFlow = ladderTop.median - named.median
  const alone =
    part("userDataSelect").median +
    part("userDataOpen").median +
    part("userDataDecode").median +
    part("routeDefault").median +
    part("recordSeal").median
  const decisionShare = report.decide.micros / 1000 / overhead

  return `${markers.start}
## Provider routing: what \`provider: "auto"\` adds to a process creation

Written by \`pnpm bench\`, or on its own by \`pnpm --filter @assure/bench bench:routing --write\`
(\`tooling/bench/src/routing/\`), which replaces this section in place. \`Processes.create\` through the engine's
services as the server wires them (no HTTP): the server's embedded store (\`EmbeddedStore.layer\`, a new file,
\`synchronous = NORMAL\`), its \`node:crypto\` AES-GCM, the sandbox and a second provider (the sandbox under another
name), and a default policy of 3 rules in \`EngineConfig\`: the sandbox for NOR and SWE; the second provider for DNK, the
sandbox as fallback; the sandbox elsewhere, the second provider as fallback. ${integer(o.dossiers)} dossiers per tenant
whose userData (nationality, issuing country, document type) cycles through NOR, SWE, DNK, DEU, PRT and POL, so that
every rule is used (the timed \`auto\` creations went to: ${routed}). Three contenders: the provider named, and
\`auto\` for a tenant without a policy of its own (the default applies, after the \`assure_routing_policies\` read
finds no row), both over the very same dossiers; and \`auto\` for a tenant whose own policy (the same rules) is
stored, over its own copies of them.

${report.date.toISOString().replace(/\.\d+Z$/, "Z")}; ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.platform}; Node ${machine.node}. ${integer(o.warmup)} creations per contender to warm up, then ${integer(
    report.rounds
  )} rounds of ${o.perRound} per contender, taking turns (the order rotating each round): ${integer(
    named.count
  )} timed creations each, one at a time, each timed on its own. 1-minute load average ${report.load[0].toFixed(
    1
  )} at the start, ${report.load[1].toFixed(1)} at the end (other work on the machine shows there); the section took ${Math.round(
    report.seconds
  )} s.

| creation, ms | median | p95 | mean | over the named provider: median | p95 | median of the ${integer(report.rounds)} rounds' differences (range) | ÷ named, median of the rounds' ratios |
|---|--:|--:|--:|--:|--:|--:|--:|
${creationRow('`provider: "sandbox"` (named)', "named")}
${creationRow('`provider: "auto"`, the default policy', "autoDefault")}
${creationRow('`provider: "auto"`, the tenant\'s own policy', "autoOwn")}

Issue 18's target, \`auto\` adds ≤ ${targetMillis} ms per creation (the default policy, medians): ${signed(overhead)} ms,
${met ? "**met**" : "**missed**"}; with the tenant's own stored policy ${signed(ownOverhead)} ms, ${
    ownMet ? "**met**" : "**missed**"
  }. At p95 the differences are ${signed(timing("autoDefault").p95 - named.p95)} ms and ${signed(
    timing("autoOwn").p95 - named.p95
  )} ms. The difference is work of the same kind as the creation's own (statements, AES-GCM, schemas, Effect), so it
moves with the machine's speed at the time of the run much as the creation does, while the ratio moves much less
(runs of this bench whose named creation took about twice as long showed about twice the difference). Compare the
ratio between runs, and the difference only between runs whose named creation took about as long.

### Where the difference goes

A ladder from the named creation up to what \`auto\` does with the default policy, one step at a time, timed in the
same rounds as the contenders above: each step runs the work \`Processes.create\` and \`Router.route\` add for \`auto\` (the same
statement, cipher, contexts and schemas, through the engine's public services) and then the named creation. Each
step's median minus the step below is what that work costs in the flow of a creation; the last column is the same
work alone, called ${integer(o.partCalls)} times in a loop (medians, ms), what it costs when it is all the machine runs.

| step | creation median, ms | adds (medians) | adds (means) | the same work alone, ms |
|---|--:|--:|--:|---|
| the named creation | ${ms(named.median)} | — | — | — |
${steps.map(stepRow).join("\n")}
| \`provider: "auto"\` itself, against the last step | ${ms(auto.median)} | ${signed(auto.median - ladderTop.median)} | ${signed(
    auto.mean - ladderTop.mean
  )} | what the ladder leaves out: the providers' names listed again, the larger row, the \`routing\` field in the answer |

The tenant's own policy adds ${signed(ownExtra)} ms over the default (medians of the creations); alone, its read
(one row, its JSON decoded with \`Routing.Policy\`'s schema) takes ${ms(part("policyOwn").median)} ms against
${ms(part("policyNone").median)} ms for the read that finds no row (\`Router.route\` alone: ${ms(part("routeOwn").median)} ms
against ${ms(part("routeDefault").median)} ms). \`Routing.decide\` alone, the pure decision over the 3 rules and 2 providers:
${report.decide.micros.toFixed(2)} µs per decision (quartiles ${report.decide.low.toFixed(2)} – ${report.decide.high.toFixed(
    2
  )} µs over ${integer(o.decide.batches)} batches of ${integer(o.decide.perBatch)}), ${percent(decisionShare)} of the difference.

${decisionShare < 0.05 ? "The decision itself costs nothing that matters" : "The decision is a visible part of it"}: what \`auto\` adds is the work around it — two more statements
(the dossier's userData and the tenant's policy), two more AES-GCM operations (the userData opened, the routing
record sealed) with their schemas, and the Effect steps that carry them. ${
    inFlow > alone * 1.5
      ? `In the flow of a creation that work took ${ms(inFlow)} ms (the ladder's top step over the named creation), ${(
          inFlow / alone
        ).toFixed(
          1
        )}× the ${ms(alone)} ms it takes alone in a loop (likely because alone, a loop of one piece of work keeps its code and data in
the caches, which in a creation it shares with everything else; the figures do not show why): the target is about the
former.`
      : `In the flow of a creation that work took ${ms(inFlow)} ms (the ladder's top step over the named creation), about the ${ms(
          alone
        )} ms it takes alone in a loop.`
  } Taken away already, after this bench's first run: the answer is built from the routing record in hand (it opened
the record just sealed again: +0.033 ms in the ladder), and a tenant's stored policy is decoded again only when its
text changed (its decode was +0.037 ms over the default); \`Router.route\` carries a span without a stack trace. What
would take more: the userData read by the statement that already locks the dossier, \`UPDATE … RETURNING\` (the
ladder's step for the read, open and decode: ${signed(step("ladderUserData", "named"))} ms; alone, the statement is ${ms(
    part("userDataSelect").median
  )} ms of their ${ms(
    part("userDataSelect").median + part("userDataOpen").median + part("userDataDecode").median
  )} ms), at the price of routing and validating inside the transaction.
${markers.end}
`
}

/** Puts the section into `BENCHMARKS.md`: in place of the one there, or before the sections kept at the end. */
export const writeRoutingSection = (path: string, section: string): void =>
  writeSection(path, markers, section, [
    "<!-- archive:start -->",
    "<!-- review-queue:start -->",
    "<!-- scale-out:start -->"
  ])
