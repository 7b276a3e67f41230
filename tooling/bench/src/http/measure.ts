/**
 * The HTTP API under load: the real server (its own process, the embedded SQLite store, a fresh data folder) next to
 * a bare `node:http` server answering the same JSON from memory (its own process too), both loaded by autocannon from
 * this process at the same number of connections, one after the other, in the same run.
 *
 * For each endpoint and contender: a warm-up run, then a measured run; the contender's memory is read over IPC every
 * 250 ms during the measured run. Any response other than 2xx, any connection error or timeout fails the bench: a
 * rate of errors is not a rate. Readiness is timed from spawning the server's process to `/ready` answering 204, on
 * a new data folder (the migrations run) and again on the data the load left behind.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { PersonalDataCipher } from "@assure/engine"
import autocannon from "autocannon"
import { hashSecret } from "../../../../apps/server/dist/server/Secrets.js"
import {
  type Contender,
  call,
  createSandboxProcess,
  freePort,
  type Readiness,
  startBare,
  startServer,
  versionOf
} from "./contenders.ts"
import type { ServerJob } from "./protocol.ts"
import { defaultTokenFloodOptions, measureTokenFlood, type TokenFloodOptions, type TokenFloodReport } from "./tokens.ts"

export interface HttpOptions {
  readonly connections: number
  readonly warmupSeconds: number
  readonly durationSeconds: number
  /** How often the loaded process's memory is read. */
  readonly sampleMillis: number
  /** Where to write CPU profiles of the server's measured runs (`get.cpuprofile`, `post.cpuprofile`), if anywhere. */
  readonly profileDirectory?: string | undefined
  /** The token flood, after the load runs (tokens.ts); none: not measured. */
  readonly tokenFlood?: TokenFloodOptions | undefined
}

export const defaultHttpOptions: HttpOptions = {
  connections: 64,
  warmupSeconds: 2,
  durationSeconds: 10,
  sampleMillis: 250,
  tokenFlood: defaultTokenFloodOptions
}

export interface MemorySample {
  /** Since the measured run started. */
  readonly seconds: number
  readonly rss: number
  readonly heapUsed: number
}

export interface LoadFigures {
  /** Completed in the warm-up run before the measured one. */
  readonly warmupRequests: number
  readonly requests: number
  readonly seconds: number
  readonly requestsPerSecond: number
  /** Milliseconds, as autocannon's histogram reports them. */
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number }
  /** Responses other than 2xx (the bench fails before reporting any). */
  readonly non2xx: number
  readonly memory: ReadonlyArray<MemorySample>
  readonly rssStart: number
  readonly rssEnd: number
  readonly rssPeak: number
  /** The highest V8 heap in use: with the resident set, tells a heap V8 let grow from live data that keeps growing. */
  readonly heapUsedPeak: number
}

export interface Pair {
  readonly server: LoadFigures
  readonly bare: LoadFigures
}

export type { Readiness } from "./contenders.ts"

export interface HttpReport {
  readonly options: HttpOptions
  readonly autocannon: string
  readonly node: string
  readonly cores: number
  /** Size of the stored process's JSON, the GET response body. */
  readonly processBytes: number
  readonly dossierRequestBytes: number
  readonly get: Pair
  readonly post: Pair
  readonly readiness: { readonly newData: Readiness; readonly restart: Readiness; readonly bare: Readiness }
  /** Each process's resident set once ready, before any request. */
  readonly idleRss: { readonly server: number; readonly bare: number }
  /** The kernel's high-water mark of each process's resident set over its whole life (start, set-up, every run). */
  readonly maxRss: { readonly server: number; readonly bare: number }
  /** Dossiers in the store when the server was restarted. */
  readonly dossiersStored: number
  readonly profiles: ReadonlyArray<string>
  /** Other tenants' GETs under a flood of wrong client secrets, on a server of its own. */
  readonly tokenFlood?: TokenFloodReport | undefined
}

const client = { id: "bench", secret: "bench-client-secret-value" }
/** Far above what the load can reach: the rate limiter still runs on every request, but never refuses one. */
const rateLimit = 1_000_000_000
const dossierRequest = JSON.stringify({
  externalReference: "customer-7",
  userData: { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12" }
})

interface Target {
  readonly method: "GET" | "POST"
  readonly url: string
  readonly headers: Record<string, string>
  readonly body?: string
}

const fire = async (target: Target, connections: number, seconds: number, what: string) => {
  const result = await autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    ...(target.body === undefined ? {} : { body: target.body }),
    connections,
    duration: seconds
  })
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    const statuses = JSON.stringify(result.statusCodeStats ?? {})
    throw new Error(
      `${what}: ${result.non2xx} responses other than 2xx (by status: ${statuses}), ${result.errors} errors, ${result.timeouts} timeouts`
    )
  }
  return result
}

/** A warm-up run, then the measured run with the contender's memory read every `sampleMillis`. */
const load = async (
  contender: Contender,
  target: Target,
  options: HttpOptions,
  what: string,
  log: (m: string) => void,
  profilePath?: string
): Promise<LoadFigures> => {
  log(`  ${what}: ${options.warmupSeconds} s warm-up, ${options.durationSeconds} s measured`)
  const warmup = await fire(target, options.connections, options.warmupSeconds, `${what} (warm-up)`)
  if (profilePath !== undefined) await contender.profile()
  const memory: Array<MemorySample> = []
  const started = performance.now()
  const sample = () =>
    contender.memory().then(({ rss, heapUsed }) => {
      memory.push({ seconds: (performance.now() - started) / 1000, rss, heapUsed })
    })
  await sample()
  // A reading lost because the process died shows as the run's failure below.
  const sampler = setInterval(() => void sample().catch(() => undefined), options.sampleMillis)
  const result = await fire(target, options.connections, options.durationSeconds, what).finally(() =>
    clearInterval(sampler)
  )
  await sample()
  if (profilePath !== undefined) await contender.profile(profilePath)
  const seconds = result.duration
  const figures: LoadFigures = {
    warmupRequests: warmup.requests.total,
    requests: result.requests.total,
    seconds,
    requestsPerSecond: result.requests.total / seconds,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    memory,
    rssStart: memory[0]?.rss ?? Number.NaN,
    rssEnd: memory[memory.length - 1]?.rss ?? Number.NaN,
    rssPeak: Math.max(...memory.map((reading) => reading.rss)),
    heapUsedPeak: Math.max(...memory.map((reading) => reading.heapUsed))
  }
  log(
    `    ${Math.round(figures.requestsPerSecond).toLocaleString("en-GB")} req/s, p50 ${figures.latency.p50} ms, p99 ${figures.latency.p99} ms, peak RSS ${(figures.rssPeak / 2 ** 20).toFixed(0)} MB`
  )
  return figures
}

export const measureHttp = async (
  log: (message: string) => void,
  options: HttpOptions = defaultHttpOptions
): Promise<HttpReport> => {
  const dataDirectory = mkdtempSync(join(tmpdir(), "assure-http-bench-"))
  const profiles: Array<string> = []
  const profilePath = (name: string) => {
    if (options.profileDirectory === undefined) return undefined
    const path = join(options.profileDirectory, `${name}.cpuprofile`)
    profiles.push(path)
    return path
  }
  const contenders: Array<Contender> = []
  try {
    const job: ServerJob = {
      port: await freePort(),
      dataDirectory,
      clientId: client.id,
      secretHash: hashSecret(client.secret),
      encryptionKey: PersonalDataCipher.generateKey(),
      rateLimit
    }
    log(`starting the server on a new embedded SQLite store in ${dataDirectory}`)
    const server = await startServer(job, log)
    contenders.push(server)
    const serverIdleRss = (await server.memory()).rss
    const base = `http://127.0.0.1:${job.port}`

    const { access_token: token } = JSON.parse(
      await call(
        base,
        "POST",
        "/auth/open/connect/token",
        {
          authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded"
        },
        "grant_type=client_credentials&scope=signicat-api"
      )
    ) as { access_token: string }
    const authorization = `Bearer ${token}`
    const jsonHeaders = { authorization, "content-type": "application/json" }
    const dossier = JSON.parse(await call(base, "POST", "/assure/dossiers", jsonHeaders, dossierRequest)) as Record<
      string,
      unknown
    >
    const dossierId = String(dossier.dossierId)
    const processId = await createSandboxProcess(base, jsonHeaders, dossierId)
    const processPath = `/assure/dossiers/${dossierId}/processes/${processId}`
    const processBody = await call(base, "GET", processPath, { authorization })

    log("starting the bare node:http baseline")
    const bare = await startBare(
      {
        port: await freePort(),
        authorization,
        processPath,
        processBody,
        dossiersPath: "/assure/dossiers",
        dossierTemplate: dossier
      },
      log
    )
    contenders.push(bare)
    const bareIdleRss = (await bare.memory()).rss
    const bareBase = `http://127.0.0.1:${bare.port}`

    const getOf = (url: string): Target => ({ method: "GET", url, headers: { authorization } })
    const postOf = (url: string): Target => ({ method: "POST", url, headers: jsonHeaders, body: dossierRequest })

    log(`GET ${processPath.replace(/[0-9a-f-]{36}/g, "…")} at ${options.connections} connections`)
    const get: Pair = {
      server: await load(server, getOf(`${base}${processPath}`), options, "server", log, profilePath("get")),
      bare: await load(bare, getOf(`${bareBase}${processPath}`), options, "bare node:http", log)
    }
    log(`POST /assure/dossiers at ${options.connections} connections`)
    const post: Pair = {
      server: await load(server, postOf(`${base}/assure/dossiers`), options, "server", log, profilePath("post")),
      bare: await load(bare, postOf(`${bareBase}/assure/dossiers`), options, "bare node:http", log)
    }

    const maxRss = { server: (await server.memory()).maxRss, bare: (await bare.memory()).maxRss }
    const dossiersStored = 1 + post.server.warmupRequests + post.server.requests
    await bare.stop()
    await server.stop()
    contenders.length = 0

    log("restarting the server on the data the load left")
    const restarted = await startServer({ ...job, port: await freePort() }, log)
    contenders.push(restarted)
    await restarted.stop()
    contenders.length = 0

    const tokenFlood = options.tokenFlood === undefined ? undefined : await measureTokenFlood(log, options.tokenFlood)

    return {
      options,
      autocannon: versionOf("autocannon"),
      node: process.version,
      cores: cpus().length,
      processBytes: Buffer.byteLength(processBody),
      dossierRequestBytes: Buffer.byteLength(dossierRequest),
      get,
      post,
      readiness: { newData: server.readiness, restart: restarted.readiness, bare: bare.readiness },
      idleRss: { server: serverIdleRss, bare: bareIdleRss },
      maxRss,
      dossiersStored,
      profiles,
      tokenFlood
    }
  } finally {
    await Promise.all(contenders.map((contender) => contender.stop()))
    rmSync(dataDirectory, { recursive: true, force: true })
  }
}
