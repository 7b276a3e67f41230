/**
 * The HTTP section of `BENCHMARKS.md`, and its verdicts against the read-path issue's targets (issue 15), computed
 * from the figures of the run that produced them.
 */
import { renderFloors } from "./floors.ts"
import type { HttpReport, LoadFigures, Readiness, StoreRun } from "./measure.ts"
import { storeLabel } from "./measure.ts"
import { renderTokenFloodSection } from "./tokens-report.ts"

/** The targets, as issue 15 states them. */
export const httpTargets = {
  /** The server's CPU time per authenticated GET of a stored process, µs. */
  getCpuMicros: 110,
  /** GET of a stored process: at least this share of the bare `HttpApi` server's rate… */
  getShareOfHttpApi: 0.4,
  /** …with a 99th percentile latency no higher than this, ms. */
  getP99Millis: 25,
  /** The server's resident set under the load, at its highest. */
  rssLimitBytes: 250 * 2 ** 20,
  /** A while after the load ends, the resident set is back within this share of its idle figure. */
  settledTolerance: 0.1,
  /**
   * Read latency independent of what is stored: the largest store's GET CPU per request and p99 within this share of
   * the smallest store's. Wider than the settling tolerance: p99 moves by more than that between two runs here.
   */
  storedTolerance: 0.25,
  /** The built server, from spawning it to `/ready` answering 204 (median of the starts), ms. */
  readyMillis: 500,
  /** POST of a dossier on the embedded SQLite store, requests per second. */
  postPerSecond: 5_000
} as const

export interface HttpVerdict {
  readonly target: string
  readonly result: string
  readonly verdict: "met" | "missed" | "not measured"
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`
const rate = (perSecond: number) => Math.round(perSecond).toLocaleString("en-GB")
const ms = (millis: number) => `${Number.isInteger(millis) ? millis : millis.toFixed(1)} ms`
const micros = (value: number) => `${value.toFixed(0)} µs`
const percent = (share: number) => `${(share * 100).toFixed(0)} %`

export const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = (sorted.length - 1) / 2
  return ((sorted[Math.floor(middle)] ?? Number.NaN) + (sorted[Math.ceil(middle)] ?? Number.NaN)) / 2
}

/** Each store's first run: the one with the POST, the settling and the smallest store. */
const firstRuns = (report: HttpReport): ReadonlyArray<StoreRun> =>
  report.runs.filter((run, index) => report.runs.findIndex((other) => other.store === run.store) === index)

const runsOf = (report: HttpReport, run: StoreRun) => report.runs.filter((other) => other.store === run.store)

const label = (run: StoreRun) => storeLabel(run.store)

const verdict = (met: boolean): HttpVerdict["verdict"] => (met ? "met" : "missed")

/** The figures of a run whose store is largest, against its first (smallest) one; none with one size measured. */
const storedComparison = (report: HttpReport, first: StoreRun) => {
  const runs = runsOf(report, first)
  const largest = runs.reduce((big, run) => (run.storedDossiers > big.storedDossiers ? run : big), first)
  if (largest === first) return undefined
  const cpuShare = largest.get.cpuMicrosPerRequest / first.get.cpuMicrosPerRequest - 1
  const p99Share = largest.get.latency.p99 / first.get.latency.p99 - 1
  return { largest, cpuShare, p99Share }
}

export const httpVerdicts = (report: HttpReport): Array<HttpVerdict> => {
  const httpApi = report.baselines.httpApi
  const rows: Array<HttpVerdict> = []
  for (const run of firstRuns(report)) {
    const store = `(${label(run)}, ${rate(run.storedDossiers)} dossiers stored)`
    const share = run.get.requestsPerSecond / httpApi.get.requestsPerSecond
    rows.push(
      {
        target: `server CPU per authenticated GET ≤ ${micros(httpTargets.getCpuMicros)} ${store}`,
        result: micros(run.get.cpuMicrosPerRequest),
        verdict: verdict(run.get.cpuMicrosPerRequest <= httpTargets.getCpuMicros)
      },
      {
        target: `GET ≥ ${percent(httpTargets.getShareOfHttpApi)} of the bare HttpApi server's rate ${store}`,
        result: `${rate(run.get.requestsPerSecond)} req/s, ${percent(share)} of ${rate(httpApi.get.requestsPerSecond)}`,
        verdict: verdict(share >= httpTargets.getShareOfHttpApi)
      },
      {
        target: `GET p99 ≤ ${ms(httpTargets.getP99Millis)} ${store}`,
        result: ms(run.get.latency.p99),
        verdict: verdict(run.get.latency.p99 <= httpTargets.getP99Millis)
      }
    )
    const loadPeak = Math.max(run.get.rssPeak, run.post?.rssPeak ?? 0)
    rows.push({
      target: `resident set under the load ≤ ${mb(httpTargets.rssLimitBytes)} (${label(run)})`,
      result: `${mb(loadPeak)} at its highest`,
      verdict: verdict(loadPeak <= httpTargets.rssLimitBytes)
    })
    const settling = run.settling
    rows.push(
      settling === undefined
        ? {
            target: `resident set back within ${percent(httpTargets.settledTolerance)} of idle after the load (${label(run)})`,
            result: "not measured (--settle=0)",
            verdict: "not measured"
          }
        : {
            target: `resident set back within ${percent(httpTargets.settledTolerance)} of idle ${settling.seconds} s after the load (${label(run)})`,
            result: `${mb(settling.idleRss)} idle → ${mb(settling.loadPeakRss)} under load → ${mb(settling.settledRss)} (${percent(settling.settledRss / settling.idleRss - 1)})`,
            verdict: verdict(settling.settledRss <= settling.idleRss * (1 + httpTargets.settledTolerance))
          }
    )
    const compared = storedComparison(report, run)
    const failed = report.failedRuns.filter((failure) => failure.store === run.store)
    rows.push(
      failed.length > 0
        ? {
            target: `GET figures independent of what is stored (${label(run)})`,
            result: `the GET failed with ${failed.map((failure) => rate(failure.storedDossiers)).join(", ")} dossiers stored (see above)`,
            verdict: "missed"
          }
        : compared === undefined
          ? {
              target: `GET figures independent of what is stored (${label(run)})`,
              result: `not measured (one size: ${rate(run.storedDossiers)} dossiers; --stored=10000,1000000)`,
              verdict: "not measured"
            }
          : {
              target: `GET figures independent of what is stored: CPU per request and p99 with ${rate(compared.largest.storedDossiers)} dossiers within ${percent(httpTargets.storedTolerance)} of ${rate(run.storedDossiers)}'s (${label(run)})`,
              result: `${micros(run.get.cpuMicrosPerRequest)} → ${micros(compared.largest.get.cpuMicrosPerRequest)}, p99 ${ms(run.get.latency.p99)} → ${ms(compared.largest.get.latency.p99)}`,
              verdict: verdict(
                compared.cpuShare <= httpTargets.storedTolerance && compared.p99Share <= httpTargets.storedTolerance
              )
            }
    )
    if (run.post !== undefined) {
      rows.push({
        target: `POST of a dossier ≥ ${rate(httpTargets.postPerSecond)}/s (${label(run)}${run.store === "sqlite" ? "" : ", next to SQLite's"})`,
        result: `${rate(run.post.requestsPerSecond)} req/s, ${micros(run.post.cpuMicrosPerRequest)} CPU each`,
        verdict: verdict(run.post.requestsPerSecond >= httpTargets.postPerSecond)
      })
    }
  }
  const dist = report.distReadiness
  rows.push(
    dist === undefined
      ? {
          target: `built server ready ≤ ${ms(httpTargets.readyMillis)}`,
          result: "not measured",
          verdict: "not measured"
        }
      : {
          target: `built server (dist) ready ≤ ${ms(httpTargets.readyMillis)} from process start (median of ${dist.newData.length})`,
          result: `${ms(Math.round(median(dist.newData)))} on a new data folder, ${ms(Math.round(median(dist.restart)))} on a restart`,
          verdict: verdict(Math.max(median(dist.newData), median(dist.restart)) <= httpTargets.readyMillis)
        }
  )
  return rows
}

interface Column {
  readonly name: string
  readonly figures: LoadFigures
}

/**
 * One row per figure, one column per server run, then the bare servers' columns when given, and the server's rate and
 * CPU against the bare `HttpApi` server's (one figure per server column, in their order).
 */
const loadTable = (
  servers: ReadonlyArray<Column>,
  bare?: { readonly httpApi: Column; readonly nodeHttp: Column }
): string => {
  const columns = bare === undefined ? servers : [...servers, bare.httpApi, bare.nodeHttp]
  const ratioHeader = `server / HttpApi (${servers.map((column) => column.name.replace("server, ", "")).join(" · ")})`
  const header = [...columns.map((column) => column.name), ...(bare === undefined ? [] : [ratioHeader])]
  const against = (pick: (figures: LoadFigures) => number, format: (share: number) => string) =>
    bare === undefined
      ? []
      : [servers.map((column) => format(pick(column.figures) / pick(bare.httpApi.figures))).join(" · ")]
  const row = (name: string, cell: (figures: LoadFigures) => string, ratio: Array<string> = bare ? [""] : []) =>
    `| ${[name, ...columns.map((column) => cell(column.figures)), ...ratio].join(" | ")} |`
  return [
    `| | ${header.join(" | ")} |`,
    `|---|${header.map(() => "--:").join("|")}|`,
    row(
      "requests/second",
      (figures) => rate(figures.requestsPerSecond),
      against((figures) => figures.requestsPerSecond, percent)
    ),
    row(
      "CPU per request (user + system)",
      (figures) => micros(figures.cpuMicrosPerRequest),
      against(
        (figures) => figures.cpuMicrosPerRequest,
        (share) => `${share.toFixed(1)}×`
      )
    ),
    row("latency p50", (figures) => ms(figures.latency.p50)),
    row("latency p90", (figures) => ms(figures.latency.p90)),
    row("latency p99", (figures) => ms(figures.latency.p99)),
    row("latency max", (figures) => ms(figures.latency.max)),
    row(
      "resident set at start → end of the run (peak)",
      (figures) => `${mb(figures.rssStart)} → ${mb(figures.rssEnd)} (${mb(figures.rssPeak)})`
    ),
    row("V8 heap in use, at its highest", (figures) => mb(figures.heapUsedPeak)),
    row(
      "requests in the measured run (responses other than 2xx)",
      (figures) => `${rate(figures.requests)} (${figures.non2xx})`
    )
  ].join("\n")
}

const readinessRow = (name: string, readiness: Readiness) =>
  `| ${name} | ${ms(Math.round(readiness.fromSpawnMillis))} | ${ms(Math.round(readiness.child.loadedMs))} | ${ms(Math.round(readiness.child.readyMs - readiness.child.launchedMs))} | ${ms(Math.round(readiness.child.readyMs))} |`

const distRow = (name: string, starts: ReadonlyArray<number>) =>
  `| ${name} | ${ms(Math.round(median(starts)))} (${starts.map((millis) => millis.toFixed(0)).join(", ")}) | | | |`

export const renderHttpSection = (report: HttpReport): string => {
  const { connections, warmupSeconds, durationSeconds, sampleMillis, settleSeconds } = report.options
  const { baselines } = report
  const first = firstRuns(report)
  const bareColumns = (pick: "get" | "post") => ({
    httpApi: { name: "bare `HttpApi`", figures: baselines.httpApi[pick] },
    nodeHttp: { name: "bare `node:http`", figures: baselines.bare[pick] }
  })
  const storeColumns = (runs: ReadonlyArray<StoreRun>, pick: "get" | "post"): Array<Column> =>
    runs.flatMap((run) => {
      const figures = run[pick]
      return figures === undefined ? [] : [{ name: `server, ${label(run)}`, figures }]
    })
  const getColumns = storeColumns(first, "get")
  const postColumns = storeColumns(first, "post")
  const sizes = [...new Set([...report.runs, ...report.failedRuns].map((run) => run.storedDossiers))].sort(
    (a, b) => a - b
  )
  const bySize = report.runs.map(
    (run): Column => ({ name: `${label(run)}, ${rate(run.storedDossiers)} stored`, figures: run.get })
  )
  const postgresNote =
    report.postgresUnavailable !== undefined
      ? ` PostgreSQL was not measured: ${report.postgresUnavailable}.`
      : report.postgresVersion === undefined
        ? ""
        : ` PostgreSQL ${report.postgresVersion} runs on the same machine, on a database created for the run and dropped after it.`
  return `## 4. HTTP API under load

The real server — \`@assure/server\` built by \`makeApp\` as \`assure-server\` builds it, at the default log level (no
line per request) — on the embedded SQLite store and on PostgreSQL, next to two servers answering the same JSON from
memory: a bare \`HttpApi\` server (Effect's \`HttpApi\` served as the real server serves it, with no token
verification, rate limit or database: what the framework itself costs) and a bare \`node:http\` server (the practical
limit of an HTTP server in Node on the same machine).${postgresNote} Before the server is loaded, its store is
seeded by SQL with ${sizes.map(rate).join(" and then ")} dossiers, each with a process and a file row (random bytes
where the server keeps ciphertext), so that reads run against a store of that size; the bench's own dossier and
process are then made through the API. Each contender runs in an OS process of its own, so that its memory and CPU
time are its own; autocannon ${report.autocannon} loads them from the bench's process at ${connections}
connections, one contender after the other in the same run: per endpoint and contender a ${warmupSeconds} s warm-up,
then ${durationSeconds} s measured. Every request carries a bearer token the server issued to the bench's API client;
the server verifies it (an ES256 JWT), applies the client's rate limit (set far above the load, so that it never
refuses a request), and reads or writes the database on every request, personal data encrypted; the bare servers
only compare the header with the token. The GET returns the stored process (${report.processBytes} bytes of JSON,
the bare servers' body byte for byte); the POST creates a dossier from a ${report.dossierRequestBytes}-byte JSON body,
which the bare servers parse and answer with a dossier of the same shape. Any response other than 2xx, connection
error or timeout fails the bench.

**CPU per request** is the loaded process's own CPU time (\`process.cpuUsage()\`, user + system) over the measured
run, divided by the requests it answered: on a machine whose ${report.cores} cores the load generator shares, it holds
steadier than the rate, which moves with what else runs. On PostgreSQL it leaves out the database server's own CPU
time, which the SQLite figures include. Memory is the loaded process's resident set, read over IPC
every ${sampleMillis} ms during the measured run, with the V8 heap in use beside it.${settleSeconds > 0 ? ` After its loads the server is left idle for ${settleSeconds} s and its resident set read again.` : ""} The server and the bare
\`HttpApi\` server run with the Node options of \`assure-server\`'s shebang. The processes start from TypeScript
sources through Node's type stripping, which adds about 16 MB to each resident set; the built server's start is timed
on its own below.

### GET of a stored process

${loadTable(getColumns, bareColumns("get"))}

### GET by the size of the store

The same GET on stores seeded with ${sizes.map(rate).join(" and ")} dossiers: reads should not slow down as the store
grows.

${loadTable(bySize)}
${report.failedRuns.map((failure) => `\nWith ${rate(failure.storedDossiers)} dossiers stored on ${storeLabel(failure.store)} the GET failed: ${failure.reason}.\n`).join("")}
### POST of a dossier

${loadTable(postColumns, bareColumns("post"))}

### Memory before, under and after the load

| store | idle, before any request | under the load, at its highest | ${settleSeconds} s after the load | highest over the process's life |
|---|--:|--:|--:|--:|
${first
  .map((run) =>
    run.settling === undefined
      ? `| ${label(run)} | | ${mb(Math.max(run.get.rssPeak, run.post?.rssPeak ?? 0))} | not measured | ${mb(run.maxRss)} |`
      : `| ${label(run)} | ${mb(run.settling.idleRss)} | ${mb(run.settling.loadPeakRss)} | ${mb(run.settling.settledRss)} | ${mb(run.maxRss)} |`
  )
  .join("\n")}

Bare servers once ready, before any request: \`HttpApi\` ${mb(baselines.idleRss.httpApi)}, \`node:http\`
${mb(baselines.idleRss.bare)}.

### Ready from start

From spawning the process to the first \`204\` from \`/ready\` (polled every 5 ms by the bench), and the process's own
account of it: its code loaded (Node's start, the server's modules), then the layers built (database opened and
migrated, signing key made, port listening) until \`/ready\` answers. The built server's rows are \`node
apps/server/dist/server/main.js\` with its shebang's options, configured by environment variables as an operator
configures it: the median of its starts (each start in brackets), on new data folders and then restarted on one.

| start | spawn → \`/ready\` 204 | code loaded | layers built → ready | ready, in the process's time |
|---|--:|--:|--:|--:|
${report.runs
  .flatMap((run) => [
    readinessRow(`${label(run)}: new store (migrations run)`, run.readiness.newData),
    readinessRow(`${label(run)}: restart on ${rate(run.storedDossiers)} seeded dossiers`, run.readiness.restart)
  ])
  .join("\n")}
${
  report.distReadiness === undefined
    ? ""
    : `${distRow("built server (dist), new data folder", report.distReadiness.newData)}
${distRow("built server (dist), restart", report.distReadiness.restart)}
`
}${readinessRow("bare `HttpApi`, for comparison", baselines.readiness.httpApi)}
${readinessRow("bare `node:http`, for comparison", baselines.readiness.bare)}
${report.floors === undefined ? "" : `\n### What the parts of a request cost on their own\n\nIsolated experiments, each in the bench's own process: the contenders of an experiment take turns in slices\n(15 slices each after a warm-up slice), and CPU time per operation comes from the process's own counters\n(\`process.cpuUsage\`, which counts the thread pool's work too). They give the floor of the components a request\ngoes through; \`pnpm --filter @assure/bench bench:floors\` runs them alone.\n\n${renderFloors(report.floors)}\n`}${report.tokenFlood === undefined ? "" : `\n${renderTokenFloodSection(report.tokenFlood)}`}
### Targets

| target | result | verdict |
|---|---|---|
${httpVerdicts(report)
  .map(({ target, result, verdict }) => `| ${target} | ${result} | ${verdict} |`)
  .join("\n")}
`
}
