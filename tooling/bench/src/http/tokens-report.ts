/**
 * The token-flood subsection of `BENCHMARKS.md` (in section 4), with its verdict against the issue's target, computed
 * from the figures of the run that produced it. It sits between markers, so that `bench:tokens -- --write` can
 * replace it alone in the file a full `pnpm bench` wrote.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { FloodScenario, TokenFloodReport } from "./tokens.ts"

export const markers = { start: "<!-- token-flood:start -->", end: "<!-- token-flood:end -->" } as const

/** Other tenants' GET p99 under a flood, at most this many times the quiet run's. */
export const floodP99Ratio = 2

/**
 * The same bench run against the server before the token endpoint was defended (commit 9bc279f: `scryptSync` on the
 * event loop, no limits), kept for comparison: `tooling/bench/baselines/token-flood-before.json`, written by
 * `bench:tokens -- --server-dist=<that build's dist> --json=…`.
 */
export const readBefore = (): TokenFloodReport | undefined => {
  const path = join(import.meta.dirname, "..", "..", "baselines", "token-flood-before.json")
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as TokenFloodReport) : undefined
}

const ms = (millis: number) => `${Number.isInteger(millis) ? millis : millis.toFixed(0)} ms`
const count = (n: number) => Math.round(n).toLocaleString("en-GB")
const times = (ratio: number) => `${ratio.toFixed(1)}×`

const scenarios = [
  ["quiet", "no flood"],
  ["single", "flood: one client id from one address"],
  ["spread", "flood: a new client id from a new address every time"]
] as const

const statusCount = (statuses: Readonly<Record<string, number>> | undefined, status: number) =>
  statuses?.[String(status)] ?? 0

const row = (report: TokenFloodReport, key: (typeof scenarios)[number][0], label: string) => {
  const scenario: FloodScenario = report[key]
  const quietP99 = report.quiet.get.latency.p99
  const { attack, legitimate } = scenario
  const asked = legitimate.attempts
  const issued = statusCount(legitimate.statuses, 200)
  // No GET answered at all: there is no latency to show, only the failures.
  const answered = scenario.get.requests > 0
  const latency = (millis: number) => (answered ? ms(millis) : "none answered")
  return [
    label,
    latency(scenario.get.latency.p50),
    answered && scenario.get.roundsP99 !== undefined && scenario.get.roundsP99.length > 1
      ? `${ms(scenario.get.latency.p99)} (${scenario.get.roundsP99.map((p99) => (p99 === null ? "none" : ms(p99))).join(", ")})`
      : latency(scenario.get.latency.p99),
    latency(scenario.get.latency.max),
    `${count(scenario.get.requests)}${(scenario.get.failed ?? 0) > 0 ? ` (${count(scenario.get.failed ?? 0)} failed)` : ""}`,
    key === "quiet" || !answered ? "—" : times(scenario.get.latency.p99 / quietP99),
    attack === undefined ? "—" : count(attack.requestsPerSecond),
    attack === undefined ? "—" : count(statusCount(attack.statuses, 429)),
    attack === undefined ? "—" : count(statusCount(attack.statuses, 401)),
    `${issued} of ${asked} (${ms(legitimate.p50)}, at most ${ms(legitimate.max)})`
  ]
}

const table = (report: TokenFloodReport) =>
  [
    "| | GET p50 | GET p99 (each round) | GET max | GETs answered | p99 ÷ no flood | attempts/s | refused 429, unhashed | hashed, 401 | legitimate tokens issued (p50, max) |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...scenarios.map(([key, label]) => `| ${row(report, key, label).join(" | ")} |`)
  ].join("\n")

/** The target, for each flood: its GET p99 against the quiet run's. */
export const tokenFloodVerdicts = (report: TokenFloodReport) => {
  const quiet = report.quiet.get.latency.p99
  // A flood under which GETs went unanswered or failed misses the target whatever its percentiles.
  const servedAll = (scenario: FloodScenario) =>
    scenario.get.requests >= 0.95 * report.quiet.get.requests && (scenario.get.failed ?? 0) === 0
  const ratios = [report.single, report.spread].map((scenario) =>
    servedAll(scenario) ? scenario.get.latency.p99 / quiet : Number.NaN
  )
  return [
    {
      target: `other tenants' GET p99 under a token flood ≤ ${floodP99Ratio}× without`,
      result: `${ms(quiet)} without; ${ms(report.single.get.latency.p99)} (${times(ratios[0] ?? Number.NaN)}) from one address, ${ms(report.spread.get.latency.p99)} (${times(ratios[1] ?? Number.NaN)}) from everywhere`,
      // NaN (GETs failed) is never ≤ the target.
      verdict: ratios.every((ratio) => ratio <= floodP99Ratio) ? ("met" as const) : ("missed" as const)
    }
  ]
}

export const renderTokenFloodSection = (report: TokenFloodReport, before = readBefore()): string => {
  const { ratePerSecond, getConnections, attackConnections, durationSeconds, warmupSeconds, rounds } = report.options
  const beforeText =
    before === undefined
      ? ""
      : `
Before the endpoint was defended — the server of commit 9bc279f: \`scryptSync\` on the event loop, no limits — the
same bench measured on ${before.date} (load average ${before.loadAverage.start.toFixed(1)} → ${before.loadAverage.end.toFixed(1)}):

${table(before)}
`
  return `${markers.start}
### The token endpoint under attack

What a flood of wrong client secrets costs the server's other tenants: a tenant's authenticated \`GET\` of a stored
process at a fixed ${ratePerSecond} requests per second (autocannon ${report.autocannon}, ${getConnections} connections,
after a ${warmupSeconds} s warm-up), first with no flood, then while an attacker — an OS process of its own — sends
wrong secrets to \`POST /auth/open/connect/token\` on ${attackConnections} connections, each sending its next attempt
as soon as the last is answered. The server runs as it ships, with the token endpoint's default limits, behind a
trusted proxy on loopback (\`ASSURE_TRUSTED_PROXIES\`), so that \`X-Forwarded-For\` names each attempt's address.
The attacker either names one client id from one address, which the limits refuse after its first failures (each
refusal after a 1 s delay, \`ASSURE_TOKEN_REFUSAL_DELAY\`), or a new client id from a new address every time, which
no limit refuses, so that every attempt is hashed (on a worker thread of a low CPU priority, nice 10, one at a time,
\`ASSURE_TOKEN_VERIFICATIONS\`). In every scenario a legitimate client asks for its own token once a second from an
address of its own.

Percentiles of the GET's latency as autocannon measures them at a fixed rate (corrected for coordinated omission);
any GET answered other than 2xx fails the bench, and at the fixed rate a scenario sends about
${count(ratePerSecond * durationSeconds * (rounds ?? 1))} GETs. The scenarios take turns, ${rounds ?? 1} rounds of
${durationSeconds} s each with 3 s of rest after each flood, and each percentile is the median of its rounds (each
round's p99 in brackets): on a machine shared with other work, a burst of that work then moves one round, not a whole
scenario.

Measured ${report.date} on ${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.node}; the machine's
1-minute load average went from ${report.loadAverage.start.toFixed(1)} to ${report.loadAverage.end.toFixed(1)} (the
bench accounts for about 2 of it: the server, the attacker and the load generator share the cores). On its own:
\`pnpm --filter @assure/bench bench:tokens\` (about two minutes; \`-- --write\` puts this subsection into
\`BENCHMARKS.md\`).

${table(report)}
${beforeText}
| target | result | verdict |
|---|---|---|
${tokenFloodVerdicts(report)
  .map(({ target, result, verdict }) => `| ${target} | ${result} | ${verdict} |`)
  .join("\n")}
${markers.end}
`
}
