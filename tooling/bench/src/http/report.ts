/**
 * The HTTP section of `BENCHMARKS.md`, and its verdicts against the server issue's targets, computed from the
 * figures of the run that produced them.
 */
import type { HttpReport, LoadFigures, Pair, Readiness } from "./measure.ts"
import { renderTokenFloodSection } from "./tokens-report.ts"

/** The targets, as the issue states them. */
export const httpTargets = {
  /** GET of a stored process: at least this share of the bare server's rate… */
  getShareOfBare: 0.4,
  /** …with a 99th percentile latency no higher than this, ms. */
  getP99Millis: 25,
  /** POST of a dossier on the embedded SQLite store, requests per second. */
  postPerSecond: 2_000,
  /** The server's resident set, at its highest. */
  rssLimitBytes: 400 * 2 ** 20,
  /** From spawning the process to `/ready` answering 204, ms. */
  readyMillis: 1_500
} as const

/**
 * "Flat" memory: the median resident set of the last quarter of a measured run's readings is at most this much
 * above that of its first quarter.
 */
export const flatTolerance = 0.1

export interface HttpVerdict {
  readonly target: string
  readonly result: string
  readonly verdict: "met" | "missed"
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`
const rate = (perSecond: number) => Math.round(perSecond).toLocaleString("en-GB")
const ms = (millis: number) => `${Number.isInteger(millis) ? millis : millis.toFixed(1)} ms`
const percent = (share: number) => `${(share * 100).toFixed(0)} %`

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = (sorted.length - 1) / 2
  return ((sorted[Math.floor(middle)] ?? Number.NaN) + (sorted[Math.ceil(middle)] ?? Number.NaN)) / 2
}

/** Growth of the resident set over a measured run: last quarter's median over the first quarter's. */
export const rssGrowth = (
  figures: LoadFigures
): { readonly first: number; readonly last: number; readonly share: number } => {
  const quarter = Math.max(1, Math.floor(figures.memory.length / 4))
  const first = median(figures.memory.slice(0, quarter).map((sample) => sample.rss))
  const last = median(figures.memory.slice(-quarter).map((sample) => sample.rss))
  return { first, last, share: last / first - 1 }
}

const share = (pair: Pair) => pair.server.requestsPerSecond / pair.bare.requestsPerSecond

const serverPeakRss = (report: HttpReport) =>
  Math.max(report.maxRss.server, report.get.server.rssPeak, report.post.server.rssPeak)

export const httpVerdicts = (report: HttpReport): Array<HttpVerdict> => {
  const verdict = (met: boolean) => (met ? "met" : "missed") as HttpVerdict["verdict"]
  const getShare = share(report.get)
  const getGrowth = rssGrowth(report.get.server)
  const postGrowth = rssGrowth(report.post.server)
  const peak = serverPeakRss(report)
  const slowestStart = Math.max(report.readiness.newData.fromSpawnMillis, report.readiness.restart.fromSpawnMillis)
  return [
    {
      target: `GET of a stored process ≥ ${percent(httpTargets.getShareOfBare)} of the bare server's rate`,
      result: `${rate(report.get.server.requestsPerSecond)} req/s, ${percent(getShare)} of ${rate(report.get.bare.requestsPerSecond)}`,
      verdict: verdict(getShare >= httpTargets.getShareOfBare)
    },
    {
      target: `GET p99 latency ≤ ${httpTargets.getP99Millis} ms`,
      result: ms(report.get.server.latency.p99),
      verdict: verdict(report.get.server.latency.p99 <= httpTargets.getP99Millis)
    },
    {
      target: `POST of a dossier ≥ ${rate(httpTargets.postPerSecond)}/s on SQLite`,
      result: `${rate(report.post.server.requestsPerSecond)} req/s`,
      verdict: verdict(report.post.server.requestsPerSecond >= httpTargets.postPerSecond)
    },
    {
      target: `memory under ${mb(httpTargets.rssLimitBytes)}`,
      result: `peak resident set ${mb(peak)}`,
      verdict: verdict(peak < httpTargets.rssLimitBytes)
    },
    {
      target: `memory flat under load (last quarter of a run ≤ ${percent(flatTolerance)} above its first)`,
      result: `GET ${mb(getGrowth.first)} → ${mb(getGrowth.last)}, POST ${mb(postGrowth.first)} → ${mb(postGrowth.last)}`,
      verdict: verdict(getGrowth.share <= flatTolerance && postGrowth.share <= flatTolerance)
    },
    {
      target: `ready in under ${rate(httpTargets.readyMillis)} ms from start`,
      result: `${ms(Math.round(report.readiness.newData.fromSpawnMillis))} on a new data folder, ${ms(Math.round(report.readiness.restart.fromSpawnMillis))} on a restart`,
      verdict: verdict(slowestStart < httpTargets.readyMillis)
    }
  ]
}

const pairTable = (pair: Pair): string => {
  const rows: Array<[string, string, string, string]> = [
    ["requests/second", rate(pair.server.requestsPerSecond), rate(pair.bare.requestsPerSecond), percent(share(pair))],
    ["latency p50", ms(pair.server.latency.p50), ms(pair.bare.latency.p50), ""],
    ["latency p90", ms(pair.server.latency.p90), ms(pair.bare.latency.p90), ""],
    ["latency p99", ms(pair.server.latency.p99), ms(pair.bare.latency.p99), ""],
    ["latency max", ms(pair.server.latency.max), ms(pair.bare.latency.max), ""],
    [
      "resident set at start → end of the run (peak)",
      `${mb(pair.server.rssStart)} → ${mb(pair.server.rssEnd)} (${mb(pair.server.rssPeak)})`,
      `${mb(pair.bare.rssStart)} → ${mb(pair.bare.rssEnd)} (${mb(pair.bare.rssPeak)})`,
      ""
    ],
    ["V8 heap in use, at its highest", mb(pair.server.heapUsedPeak), mb(pair.bare.heapUsedPeak), ""],
    [
      "requests in the measured run (responses other than 2xx)",
      `${rate(pair.server.requests)} (${pair.server.non2xx})`,
      `${rate(pair.bare.requests)} (${pair.bare.non2xx})`,
      ""
    ]
  ]
  return [
    "| | server | bare `node:http` | server / bare |",
    "|---|--:|--:|--:|",
    ...rows.map((cells) => `| ${cells.join(" | ")} |`)
  ].join("\n")
}

const readinessRow = (name: string, readiness: Readiness) =>
  `| ${name} | ${ms(Math.round(readiness.fromSpawnMillis))} | ${ms(Math.round(readiness.child.loadedMs))} | ${ms(Math.round(readiness.child.readyMs - readiness.child.launchedMs))} | ${ms(Math.round(readiness.child.readyMs))} |`

export const renderHttpSection = (report: HttpReport): string => {
  const { connections, warmupSeconds, durationSeconds, sampleMillis } = report.options
  return `## 4. HTTP API under load

The real server — \`@assure/server\` built by \`makeApp\` as \`assure-server\` builds it, on the embedded SQLite store in
a new data folder, at the default log level (no line per request) — next to a bare \`node:http\` server answering the
same JSON from memory: the practical limit of an HTTP server in Node on the same machine. Each runs in an OS process
of its own, so that its memory and CPU time are its own; autocannon ${report.autocannon} loads them from the bench's
process at ${connections} connections, one contender after the other in the same run: per endpoint and contender a
${warmupSeconds} s warm-up, then ${durationSeconds} s measured. Every request carries a bearer token the server issued
to the bench's API client; the server verifies it (an ES256 JWT), applies the client's rate limit (set far above the
load, so that it never refuses a request), and reads or writes the database on every request, personal data
encrypted; the bare server only compares the header with the token. The GET returns the stored process
(${report.processBytes} bytes of JSON, the bare server's body byte for byte); the POST creates a dossier from a
${report.dossierRequestBytes}-byte JSON body, which the bare server parses and answers with a dossier of the same shape.
Any response other than 2xx, connection error or timeout fails the bench. Memory is the loaded process's resident
set, read over IPC every ${sampleMillis} ms during the measured run, with the V8 heap in use beside it: a heap in use
that falls back after each collection while the resident set levels off is V8 sizing its heap, not a leak. Both
processes start from TypeScript sources through Node's type stripping, which adds about 16 MB to each resident set. The load generator shares the machine's
${report.cores} cores with the process it loads, so the rates are this machine's: the share of the bare server's rate
is the figure that carries over to other machines.

### GET of a stored process

${pairTable(report.get)}

### POST of a dossier

${pairTable(report.post)}

### Ready from start

From spawning the server's process to the first \`204\` from \`/ready\` (polled every 5 ms by the bench), and the
process's own account of it: its code loaded (Node's start, the server's modules), then the layers built (database
opened and migrated, signing key made, port listening) until \`/ready\` answers.

| start | spawn → \`/ready\` 204 | code loaded | layers built → ready | ready, in the process's time |
|---|--:|--:|--:|--:|
${readinessRow("new data folder (migrations run)", report.readiness.newData)}
${readinessRow(`restart on the run's data (${rate(report.dossiersStored)} dossiers)`, report.readiness.restart)}
${readinessRow("bare `node:http`, for comparison", report.readiness.bare)}

Resident set once ready, before any request: server ${mb(report.idleRss.server)}, bare server
${mb(report.idleRss.bare)}. At its highest over each process's whole life (the kernel's high-water mark): server
${mb(report.maxRss.server)}, bare server ${mb(report.maxRss.bare)}.
${report.tokenFlood === undefined ? "" : `\n${renderTokenFloodSection(report.tokenFlood)}`}
### Targets

| target | result | verdict |
|---|---|---|
${httpVerdicts(report)
  .map(({ target, result, verdict }) => `| ${target} | ${result} | ${verdict} |`)
  .join("\n")}
`
}
