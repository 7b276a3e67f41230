/**
 * The token endpoint under attack: what a flood of wrong client secrets costs the server's other tenants. The real
 * server (its own process, the embedded SQLite store, production settings, behind a trusted proxy on loopback so that
 * `X-Forwarded-For` names each request's address) answers a tenant's authenticated `GET` of a stored process at a
 * fixed rate, first alone, then while an attacker (a process of its own) sends wrong secrets on 32 connections as
 * fast as the server answers them:
 *
 * - `single`: one client id from one address, the limits' case: after a few failures every attempt is refused
 *   unhashed;
 * - `spread`: a new client id from a new address every time, which no limit refuses: every attempt is hashed.
 *
 * In every scenario a legitimate client asks for a token from an address of its own every second. The GET's latency
 * percentiles with and without the flood, in the same run, are the figures; any GET other than 2xx fails the bench.
 * The scenarios take turns, several rounds of each, and each figure is the median of its rounds: on a machine shared
 * with other work, a burst of that work then moves one round, not one scenario.
 */
import { type ChildProcess, fork } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { PersonalDataCipher } from "@assure/engine"
import autocannon from "autocannon"
import { hashSecret } from "../../../../apps/server/dist/server/Secrets.js"
import { type Contender, call, createSandboxProcess, freePort, startServer, versionOf } from "./contenders.ts"
import type { AttackJob, AttackResult, ServerJob } from "./protocol.ts"

export interface TokenFloodOptions {
  /** The tenant's GET requests per second, fixed. */
  readonly ratePerSecond: number
  /** The connections the GETs are spread over: enough that the rate never waits for a free one. */
  readonly getConnections: number
  readonly attackConnections: number
  readonly warmupSeconds: number
  /** Each round's measured run, per scenario. */
  readonly durationSeconds: number
  /** How many times each scenario runs, in turns. */
  readonly rounds: number
  /** Another build of `@assure/server` to run (its `dist` folder), to compare revisions. */
  readonly serverDist?: string | undefined
  /** Settings for the server beyond the bench's own, as environment variables. */
  readonly variables?: Readonly<Record<string, string>> | undefined
}

export const defaultTokenFloodOptions: TokenFloodOptions = {
  ratePerSecond: 200,
  getConnections: 16,
  attackConnections: 32,
  warmupSeconds: 3,
  durationSeconds: 5,
  rounds: 5
}

/** Milliseconds, as autocannon's histogram reports them. */
export interface Latency {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

export interface FloodScenario {
  readonly get: {
    readonly requests: number
    readonly requestsPerSecond: number
    /** The median of the percentiles of the rounds that answered any GET; the highest of their maxima. */
    readonly latency: Latency
    /** Each round's p99, in the order they ran; `null` for a round that answered no GET at all. */
    readonly roundsP99: ReadonlyArray<number | null>
    /** GETs answered other than 2xx, failed or timed out (10 s): none, or the bench fails, but for another build's run. */
    readonly failed?: number
  }
  /** The attacker's run; none in the quiet scenario. */
  readonly attack?: {
    readonly requests: number
    readonly requestsPerSecond: number
    readonly statuses: Readonly<Record<string, number>>
    readonly errors: number
  }
  /** The legitimate client's token requests during the measured run. */
  readonly legitimate: {
    readonly attempts: number
    readonly statuses: Readonly<Record<string, number>>
    /** Milliseconds from sending to the full answer. */
    readonly p50: number
    readonly max: number
  }
}

export interface TokenFloodReport {
  readonly options: TokenFloodOptions
  /** When the run started, ISO 8601. */
  readonly date: string
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number }
  /** The machine's 1-minute load average when the run started and ended: the bench accounts for 1 to 2 of it. */
  readonly loadAverage: { readonly start: number; readonly end: number }
  readonly autocannon: string
  readonly node: string
  readonly quiet: FloodScenario
  readonly single: FloodScenario
  readonly spread: FloodScenario
}

/** The pause after each flood, before the next round. */
const settleMillis = 3_000

const tenant = { id: "bench", secret: "bench-client-secret-value" }
/** The client the single-address flood guesses secrets for: configured, so its attempts are real ones. */
const victim = { id: "victim", secret: "victim-client-secret-value" }
/** Addresses from the documentation ranges: the attacker's, and the legitimate client's. */
const attackerAddress = "198.51.100.66"
const legitimateAddress = "203.0.113.10"

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN
}

const countBy = (values: ReadonlyArray<number>) => {
  const counts: Record<string, number> = {}
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1
  return counts
}

interface LegitimateRun {
  readonly statuses: ReadonlyArray<number>
  readonly latencies: ReadonlyArray<number>
}

/** The legitimate client asks for a token every `everyMillis` until stopped. */
const legitimateClient = (base: string, everyMillis: number) => {
  const statuses: Array<number> = []
  const latencies: Array<number> = []
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      const status = await fetch(`${base}/auth/open/connect/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${tenant.id}:${tenant.secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
          "x-forwarded-for": legitimateAddress
        },
        body: "grant_type=client_credentials"
      }).then(
        async (response) => {
          await response.arrayBuffer()
          return response.status
        },
        () => 0
      )
      statuses.push(status)
      latencies.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, everyMillis))
    }
  })()
  return async (): Promise<LegitimateRun> => {
    running = false
    await loop
    return { statuses, latencies }
  }
}

const attack = (job: AttackJob) =>
  new Promise<AttackResult>((resolve, reject) => {
    const child: ChildProcess = fork(join(import.meta.dirname, "attack-process.ts"), [], {
      env: { ...process.env, BENCH_TOKEN_ATTACK: JSON.stringify(job) },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    let result: AttackResult | undefined
    child.on("message", (message: AttackResult) => {
      result = message
    })
    child.once("exit", (code) =>
      result === undefined ? reject(new Error(`the attacker exited (${code}) without a result`)) : resolve(result)
    )
  })

const getLoad = async (url: string, authorization: string, options: TokenFloodOptions, seconds: number) => {
  const result = await autocannon({
    url,
    headers: { authorization },
    connections: options.getConnections,
    overallRate: options.ratePerSecond,
    duration: seconds
  })
  const failed = result.non2xx + result.errors
  // Another build (the server before a change) may fail; it is measured for comparison, and its failures recorded.
  if (failed > 0 && options.serverDist === undefined) {
    throw new Error(
      `GET under the token flood: ${result.non2xx} responses other than 2xx (${JSON.stringify(result.statusCodeStats ?? {})}), ${result.errors} errors (${result.timeouts} timeouts)`
    )
  }
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    failed
  }
}

type GetRun = Awaited<ReturnType<typeof getLoad>>

interface Round {
  readonly get: GetRun
  readonly legitimate: LegitimateRun
  readonly attack?: AttackResult | undefined
}

const sum = (values: ReadonlyArray<number>) => values.reduce((total, value) => total + value, 0)

const sumCounts = (counts: ReadonlyArray<Readonly<Record<string, number>>>) => {
  const total: Record<string, number> = {}
  for (const entry of counts) for (const [key, value] of Object.entries(entry)) total[key] = (total[key] ?? 0) + value
  return total
}

/** A scenario's rounds as one: medians of the percentiles, totals of the counts. */
const combine = (rounds: ReadonlyArray<Round>): FloodScenario => {
  const all = rounds.map((round) => round.get)
  // A round that answered no GET has no percentiles (autocannon reports 0): it counts in `failed` only.
  const answered = all.filter((get) => get.requests > 0)
  const gets = answered.length > 0 ? answered : all
  const attacks = rounds.flatMap((round) => (round.attack === undefined ? [] : [round.attack]))
  const latencies = rounds.flatMap((round) => round.legitimate.latencies)
  return {
    get: {
      requests: sum(all.map((get) => get.requests)),
      requestsPerSecond: sum(all.map((get) => get.requestsPerSecond)) / all.length,
      latency: {
        p50: median(gets.map((get) => get.latency.p50)),
        p90: median(gets.map((get) => get.latency.p90)),
        p99: median(gets.map((get) => get.latency.p99)),
        max: Math.max(...gets.map((get) => get.latency.max))
      },
      roundsP99: all.map((get) => (get.requests > 0 ? get.latency.p99 : null)),
      failed: sum(all.map((get) => get.failed))
    },
    legitimate: {
      attempts: latencies.length,
      statuses: countBy(rounds.flatMap((round) => round.legitimate.statuses)),
      p50: median(latencies),
      max: Math.max(...latencies)
    },
    ...(attacks.length === 0
      ? {}
      : {
          attack: {
            requests: sum(attacks.map((attack) => attack.requests)),
            requestsPerSecond: sum(attacks.map((attack) => attack.requests / attack.seconds)) / attacks.length,
            statuses: sumCounts(attacks.map((attack) => attack.statuses)),
            errors: sum(attacks.map((attack) => attack.errors))
          }
        })
  }
}

export const measureTokenFlood = async (
  log: (message: string) => void,
  options: TokenFloodOptions = defaultTokenFloodOptions
): Promise<TokenFloodReport> => {
  const dataDirectory = mkdtempSync(join(tmpdir(), "assure-token-bench-"))
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z")
  const loadAtStart = loadavg()[0] ?? Number.NaN
  let server: Contender | undefined
  try {
    const job: ServerJob = {
      port: await freePort(),
      dataDirectory,
      clientId: tenant.id,
      secretHash: hashSecret(tenant.secret),
      encryptionKey: PersonalDataCipher.generateKey(),
      rateLimit: 1_000_000_000,
      variables: {
        ASSURE_CLIENTS: `${tenant.id}:${hashSecret(tenant.secret)},${victim.id}:${hashSecret(victim.secret)}`,
        // The bench stands in for a load balancer on loopback: X-Forwarded-For names each request's address.
        ASSURE_TRUSTED_PROXIES: "127.0.0.1/32,::1/128",
        ...options.variables
      },
      ...(options.serverDist === undefined ? {} : { serverDist: options.serverDist })
    }
    log(`token flood: starting the server${options.serverDist === undefined ? "" : ` from ${options.serverDist}`}`)
    server = await startServer(job, log)
    const base = `http://127.0.0.1:${job.port}`
    const { access_token: token } = JSON.parse(
      await call(
        base,
        "POST",
        "/auth/open/connect/token",
        { "content-type": "application/x-www-form-urlencoded" },
        `grant_type=client_credentials&client_id=${tenant.id}&client_secret=${tenant.secret}`
      )
    ) as { access_token: string }
    const authorization = `Bearer ${token}`
    const jsonHeaders = { authorization, "content-type": "application/json" }
    const { dossierId } = JSON.parse(await call(base, "POST", "/assure/dossiers", jsonHeaders, "{}")) as {
      dossierId: string
    }
    const processId = await createSandboxProcess(base, jsonHeaders, dossierId)
    const getUrl = `${base}/assure/dossiers/${dossierId}/processes/${processId}`

    const round = async (mode: "quiet" | AttackJob["mode"], index: number): Promise<Round> => {
      const attacking =
        mode === "quiet"
          ? undefined
          : attack({
              url: base,
              connections: options.attackConnections,
              // A second to reach full speed before the measured run, and a second after it.
              durationSeconds: options.durationSeconds + 2,
              mode,
              clientId: victim.id,
              address: attackerAddress,
              // Each round's spread attempts come from addresses and name ids no earlier round used.
              offset: index * 100_000
            })
      if (attacking !== undefined) await new Promise((resolve) => setTimeout(resolve, 1_000))
      const stopLegitimate = legitimateClient(base, 1_000)
      const get = await getLoad(getUrl, authorization, options, options.durationSeconds)
      const legitimate = await stopLegitimate()
      const attacked = await attacking
      log(
        `    ${mode}: GET p50 ${get.latency.p50} ms, p99 ${get.latency.p99} ms, max ${get.latency.max} ms at ${Math.round(get.requestsPerSecond)} req/s` +
          (attacked === undefined
            ? ""
            : `; attacker ${Math.round(attacked.requests / attacked.seconds)} req/s ${JSON.stringify(attacked.statuses)}`) +
          `; legitimate tokens ${JSON.stringify(countBy(legitimate.statuses))}`
      )
      return { get, legitimate, attack: attacked }
    }

    log(`  warm-up: GET at ${options.ratePerSecond} req/s for ${options.warmupSeconds} s`)
    await getLoad(getUrl, authorization, options, options.warmupSeconds)
    const modes = ["quiet", "single", "spread"] as const
    const rounds: Record<(typeof modes)[number], Array<Round>> = { quiet: [], single: [], spread: [] }
    for (let index = 0; index < options.rounds; index++) {
      log(
        `  round ${index + 1} of ${options.rounds}: GET at ${options.ratePerSecond} req/s for ${options.durationSeconds} s alone, then with ${options.attackConnections} connections flooding from one address, then from everywhere`
      )
      for (const mode of modes) {
        rounds[mode].push(await round(mode, index))
        // What a flood left queued is worked off before the next round, so that it counts in its own round only.
        if (mode !== "quiet") await new Promise((resolve) => setTimeout(resolve, settleMillis))
      }
    }
    const quiet = combine(rounds.quiet)
    const single = combine(rounds.single)
    const spread = combine(rounds.spread)
    return {
      options,
      date,
      machine: { cpu: cpus()[0]?.model.trim() ?? "unknown", cores: cpus().length, memoryGiB: totalmem() / 2 ** 30 },
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? Number.NaN },
      autocannon: versionOf("autocannon"),
      node: process.version,
      quiet,
      single,
      spread
    }
  } finally {
    await server?.stop()
    rmSync(dataDirectory, { recursive: true, force: true })
  }
}
