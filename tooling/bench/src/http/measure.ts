/**
 * The HTTP API under load: the real server (its own process) on the embedded SQLite store and on PostgreSQL, each on
 * a store seeded with many dossiers, next to a bare `HttpApi` server and a bare `node:http` server answering the same
 * JSON from memory (each its own process too), all loaded by autocannon from this process at the same number of
 * connections, one after the other, in the same run.
 *
 * Per store and stored size: the server starts on the new, empty store (its migrations run: the new-data start), is
 * stopped, the store is seeded by SQL (seed.ts), and the server is started again on it (the restart). The bench's
 * stored process is then made through the API. For each endpoint and contender: a warm-up run, then a measured run;
 * the contender's memory and CPU time are read over IPC every 250 ms during the measured run. After the first size's
 * loads the server is left idle for a while and its memory read again: memory that the load leaves behind shows
 * there. Any response other than 2xx, any connection error or timeout fails the bench: a rate of errors is not a rate.
 * Last, the built server is started as users run it (dist-ready.ts).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { PersonalDataCipher } from "@assure/engine"
import autocannon from "autocannon"
import { hashSecret } from "../../../../apps/server/dist/server/Secrets.js"
import { createPostgresDatabase, postgresServerUrl } from "../engine/databases.ts"
import {
  type Contender,
  call,
  createSandboxProcess,
  freePort,
  type Readiness,
  startBare,
  startHttpApi,
  startServer,
  versionOf
} from "./contenders.ts"
import { type DistReadiness, measureDistReadiness } from "./dist-ready.ts"
import { type Measured, measureFloors } from "./floors.ts"
import type { BareJob, ServerJob } from "./protocol.ts"
import { seedPostgres, seedSqlite } from "./seed.ts"
import { defaultTokenFloodOptions, measureTokenFlood, type TokenFloodOptions, type TokenFloodReport } from "./tokens.ts"

export type Store = "sqlite" | "postgres"

export const storeLabel = (store: Store): string => (store === "sqlite" ? "SQLite" : "PostgreSQL")

export interface HttpOptions {
  readonly connections: number
  readonly warmupSeconds: number
  readonly durationSeconds: number
  /** How often the loaded process's memory is read. */
  readonly sampleMillis: number
  /** How long the server stays idle after the loads before its memory is read again; 0: not measured. */
  readonly settleSeconds: number
  /** The stores the server runs on, in this order. */
  readonly stores: ReadonlyArray<Store>
  /** Dossiers (each with a process and a file) seeded into the store before the GET is measured, one run per size. */
  readonly storedSizes: ReadonlyArray<number>
  /** The PostgreSQL server on which a database is created for the run, and dropped after it. */
  readonly postgresAdminUrl: string
  /** Starts of the built server per kind (new data folder, restart); the median is reported. 0: not measured. */
  readonly distStarts: number
  /** Where to write CPU profiles of the server's measured runs (`get.cpuprofile`, `post.cpuprofile`), if anywhere. */
  readonly profileDirectory?: string | undefined
  /** The token flood, after the load runs (tokens.ts); none: not measured. */
  readonly tokenFlood?: TokenFloodOptions | undefined
  /** Whether to run the isolated experiments of floors.ts after the load. */
  readonly floors: boolean
}

export const defaultHttpOptions: HttpOptions = {
  connections: 64,
  warmupSeconds: 2,
  durationSeconds: 10,
  sampleMillis: 250,
  settleSeconds: 60,
  stores: ["sqlite", "postgres"],
  storedSizes: [10_000],
  postgresAdminUrl: postgresServerUrl,
  distStarts: 5,
  tokenFlood: defaultTokenFloodOptions,
  floors: true
}

/** `--stored=10000,1000000` (underscores allowed) as store sizes; a size that is not a whole number fails the bench. */
export const parseStoredSizes = (text: string): ReadonlyArray<number> =>
  text.split(",").map((size) => {
    const count = Number(size.replaceAll("_", ""))
    if (!Number.isSafeInteger(count) || count < 0)
      throw new Error(`--stored=${text}: ${size} is not a number of dossiers`)
    return count
  })

export interface MemorySample {
  /** Since the measured run started. */
  readonly seconds: number
  readonly rss: number
  readonly heapUsed: number
  /** The process's CPU time so far, µs. */
  readonly cpuMicros: number
}

export interface LoadFigures {
  /** Completed in the warm-up run before the measured one. */
  readonly warmupRequests: number
  readonly requests: number
  readonly seconds: number
  readonly requestsPerSecond: number
  /** The loaded process's CPU time (user + system) over the measured run, per request completed, µs. */
  readonly cpuMicrosPerRequest: number
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

/** The bare servers, which answer from memory: measured once per run, whatever the stores. */
export interface Baselines {
  readonly httpApi: { readonly get: LoadFigures; readonly post: LoadFigures }
  readonly bare: { readonly get: LoadFigures; readonly post: LoadFigures }
  readonly readiness: { readonly httpApi: Readiness; readonly bare: Readiness }
  /** Each process's resident set once ready, before any request. */
  readonly idleRss: { readonly httpApi: number; readonly bare: number }
}

/** The server's memory before, under and after the loads of one store's first run. */
export interface Settling {
  /** Once ready on the seeded store, before any request. */
  readonly idleRss: number
  /** The highest reading during the measured runs. */
  readonly loadPeakRss: number
  readonly seconds: number
  /** After `seconds` idle, once the loads ended. */
  readonly settledRss: number
}

/** The server on one store with one number of seeded dossiers. */
export interface StoreRun {
  readonly store: Store
  /** Dossiers seeded by SQL; the load's own come on top. */
  readonly storedDossiers: number
  readonly get: LoadFigures
  /** Measured on each store's first size only: a POST's cost does not depend on what is stored. */
  readonly post?: LoadFigures | undefined
  readonly settling?: Settling | undefined
  readonly readiness: { readonly newData: Readiness; readonly restart: Readiness }
  /** The kernel's high-water mark of the resident set over the process's life. */
  readonly maxRss: number
}

/** A store size whose GET failed (errors or timeouts), with autocannon's account of why. */
export interface FailedRun {
  readonly store: Store
  readonly storedDossiers: number
  readonly reason: string
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
  /** In the order they ran: per store, per stored size. */
  readonly runs: ReadonlyArray<StoreRun>
  /** Bigger stores whose GET failed: the first (smallest) store's failure fails the bench instead. */
  readonly failedRuns: ReadonlyArray<FailedRun>
  readonly baselines: Baselines
  /** Why PostgreSQL was not measured, when it was asked for and could not be. */
  readonly postgresUnavailable?: string | undefined
  readonly postgresVersion?: string | undefined
  readonly distReadiness?: DistReadiness | undefined
  /** The parts of a request on their own (floors.ts). */
  readonly floors?: ReadonlyArray<Measured> | undefined
  readonly profiles: ReadonlyArray<string>
  /** Other tenants' GETs under a flood of wrong client secrets, on a server of its own. */
  readonly tokenFlood?: TokenFloodReport | undefined
}

export const client = { id: "bench", secret: "bench-client-secret-value" }
/** Far above what the load can reach: the rate limiter still runs on every request, but never refuses one. */
const rateLimit = 1_000_000_000
export const dossierRequest = JSON.stringify({
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
  // No request answered within the run is a failure too: no error is counted for requests still waiting at its end.
  if (result.requests.total === 0) throw new Error(`${what}: no response within ${seconds} s`)
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
    contender.memory().then(({ rss, heapUsed, cpuMicros }) => {
      memory.push({ seconds: (performance.now() - started) / 1000, rss, heapUsed, cpuMicros })
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
  // The first reading is taken before the run starts and the last after it ends: their difference is the run's CPU.
  const cpuMicros = (memory[memory.length - 1]?.cpuMicros ?? Number.NaN) - (memory[0]?.cpuMicros ?? Number.NaN)
  const figures: LoadFigures = {
    warmupRequests: warmup.requests.total,
    requests: result.requests.total,
    seconds,
    requestsPerSecond: result.requests.total / seconds,
    cpuMicrosPerRequest: cpuMicros / result.requests.total,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    memory,
    rssStart: memory[0]?.rss ?? Number.NaN,
    rssEnd: memory[memory.length - 1]?.rss ?? Number.NaN,
    rssPeak: Math.max(...memory.map((reading) => reading.rss)),
    heapUsedPeak: Math.max(...memory.map((reading) => reading.heapUsed))
  }
  log(
    `    ${Math.round(figures.requestsPerSecond).toLocaleString("en-GB")} req/s, ${figures.cpuMicrosPerRequest.toFixed(0)} µs CPU/request, p50 ${figures.latency.p50} ms, p99 ${figures.latency.p99} ms, peak RSS ${(figures.rssPeak / 2 ** 20).toFixed(0)} MB`
  )
  return figures
}

/** A store for one run: a data folder, and on PostgreSQL a database of its own; both removed by `remove`. */
interface PreparedStore {
  readonly dataDirectory: string
  /** PostgreSQL's `server_version`. */
  readonly serverVersion?: string
  readonly variables: Readonly<Record<string, string>>
  readonly seed: (count: number, log: (m: string) => void) => Promise<void>
  readonly remove: () => Promise<void>
}

const prepareStore = async (store: Store, options: HttpOptions): Promise<PreparedStore | { unavailable: string }> => {
  const dataDirectory = mkdtempSync(join(tmpdir(), "assure-http-bench-"))
  const removeFolder = () => rmSync(dataDirectory, { recursive: true, force: true })
  if (store === "sqlite") {
    return {
      dataDirectory,
      variables: {},
      seed: async (count, log) => seedSqlite(join(dataDirectory, "assure.db"), count, client.id, log),
      remove: async () => removeFolder()
    }
  }
  const database = await createPostgresDatabase(options.postgresAdminUrl)
  if ("unavailable" in database) {
    removeFolder()
    return database
  }
  return {
    dataDirectory,
    serverVersion: database.serverVersion,
    // The file store stays in the data folder; the database moves to PostgreSQL.
    variables: { DATABASE_URL: database.url },
    seed: (count, log) => seedPostgres(database.url, count, client.id, log),
    remove: async () => {
      removeFolder()
      await database.drop()
    }
  }
}

/** The bench's API client on a running server: a token, and a stored process to GET. */
export const prepareClient = async (base: string) => {
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
  return { authorization, jsonHeaders, dossier, processPath, processBody }
}

type MadeClient = Awaited<ReturnType<typeof prepareClient>>

/** The requests of the load: the stored process's GET and a dossier's POST, as the bench's client sends them. */
const targetsOf = (made: MadeClient) => ({
  getOf: (url: string): Target => ({ method: "GET", url, headers: { authorization: made.authorization } }),
  postOf: (url: string): Target => ({ method: "POST", url, headers: made.jsonHeaders, body: dossierRequest })
})

/**
 * The bare `HttpApi` and bare `node:http` servers, answering what the real server answered `made`'s client: started,
 * loaded with the GET then the POST, and stopped. `contenders` holds them while they run, for the caller's clean-up.
 */
const measureBaselines = async (
  made: MadeClient,
  options: HttpOptions,
  log: (m: string) => void,
  contenders: Array<Contender>
): Promise<Baselines> => {
  const { getOf, postOf } = targetsOf(made)
  const bareJob = async (): Promise<BareJob> => ({
    port: await freePort(),
    authorization: made.authorization,
    processPath: made.processPath,
    processBody: made.processBody,
    dossiersPath: "/assure/dossiers",
    dossierTemplate: made.dossier
  })
  log("  starting the bare HttpApi server and the bare node:http server")
  const httpApi = await startHttpApi(await bareJob(), log)
  contenders.push(httpApi)
  const bare = await startBare(await bareJob(), log)
  contenders.push(bare)
  const idleRss = { httpApi: (await httpApi.memory()).rss, bare: (await bare.memory()).rss }
  const httpApiBase = `http://127.0.0.1:${httpApi.port}`
  const bareBase = `http://127.0.0.1:${bare.port}`
  const httpApiGet = await load(httpApi, getOf(`${httpApiBase}${made.processPath}`), options, "bare HttpApi", log)
  const bareGet = await load(bare, getOf(`${bareBase}${made.processPath}`), options, "bare node:http", log)
  log(`  POST /assure/dossiers at ${options.connections} connections (bare servers)`)
  const httpApiPost = await load(httpApi, postOf(`${httpApiBase}/assure/dossiers`), options, "bare HttpApi", log)
  const barePost = await load(bare, postOf(`${bareBase}/assure/dossiers`), options, "bare node:http", log)
  for (const contender of [httpApi, bare]) {
    await contender.stop()
    contenders.splice(contenders.indexOf(contender), 1)
  }
  return {
    httpApi: { get: httpApiGet, post: httpApiPost },
    bare: { get: bareGet, post: barePost },
    readiness: { httpApi: httpApi.readiness, bare: bare.readiness },
    idleRss
  }
}

const rate = (count: number) => count.toLocaleString("en-GB")

export const measureHttp = async (
  log: (message: string) => void,
  options: HttpOptions = defaultHttpOptions
): Promise<HttpReport> => {
  const profiles: Array<string> = []
  const profilePath = (name: string) => {
    if (options.profileDirectory === undefined) return undefined
    const path = join(options.profileDirectory, `${name}.cpuprofile`)
    profiles.push(path)
    return path
  }
  const contenders: Array<Contender> = []
  const cleanups: Array<() => Promise<void>> = []
  const stopAll = async () => {
    await Promise.all(contenders.map((contender) => contender.stop()))
    contenders.length = 0
  }
  const operator = {
    clientId: client.id,
    secretHash: hashSecret(client.secret),
    encryptionKey: PersonalDataCipher.generateKey()
  }
  try {
    const runs: Array<StoreRun> = []
    const failedRuns: Array<FailedRun> = []
    let baselines: Baselines | undefined
    let postgresUnavailable: string | undefined
    let postgresVersion: string | undefined
    let processBytes = 0
    for (const store of options.stores) {
      for (const [sizeIndex, storedDossiers] of options.storedSizes.entries()) {
        const prepared = await prepareStore(store, options)
        if ("unavailable" in prepared) {
          postgresUnavailable = prepared.unavailable
          log(`PostgreSQL not measured: ${prepared.unavailable}`)
          break
        }
        cleanups.push(prepared.remove)
        postgresVersion = prepared.serverVersion ?? postgresVersion
        const job: ServerJob = {
          port: await freePort(),
          dataDirectory: prepared.dataDirectory,
          ...operator,
          rateLimit,
          variables: prepared.variables
        }
        const name = `${storeLabel(store)}, ${rate(storedDossiers)} dossiers stored`
        log(`${name}: starting the server on a new store (the migrations run)`)
        const migrated = await startServer(job, log)
        await migrated.stop()
        log(`  seeding ${rate(storedDossiers)} dossiers, each with a process and a file, by SQL`)
        await prepared.seed(storedDossiers, log)
        log("  restarting the server on the seeded store")
        const server = await startServer({ ...job, port: await freePort() }, log)
        contenders.push(server)
        const idleRss = (await server.memory()).rss
        const base = `http://127.0.0.1:${server.port}`
        const made = await prepareClient(base)
        processBytes = Buffer.byteLength(made.processBody)
        const { getOf, postOf } = targetsOf(made)
        const profileName = `${store}-${storedDossiers}`

        log(`  GET ${made.processPath.replace(/[0-9a-f-]{36}/g, "…")} at ${options.connections} connections`)
        const getTarget = getOf(`${base}${made.processPath}`)
        const getProfile = profilePath(`get-${profileName}`)
        let get: LoadFigures
        try {
          get = await load(server, getTarget, options, "server", log, getProfile)
        } catch (error) {
          // On a bigger store a read path that scans tables times out; the run goes on to report the smaller stores.
          if (sizeIndex === 0) throw error
          const reason = error instanceof Error ? error.message : String(error)
          log(`    failed: ${reason}`)
          failedRuns.push({ store, storedDossiers, reason })
          await stopAll()
          await prepared.remove()
          cleanups.splice(cleanups.indexOf(prepared.remove), 1)
          continue
        }

        // The bare servers answer this server's bodies, with this server's token in the header they compare.
        baselines ??= await measureBaselines(made, options, log, contenders)

        let post: LoadFigures | undefined
        let settling: Settling | undefined
        if (sizeIndex === 0) {
          log(`  POST /assure/dossiers at ${options.connections} connections`)
          post = await load(
            server,
            postOf(`${base}/assure/dossiers`),
            options,
            "server",
            log,
            profilePath(`post-${profileName}`)
          )
          if (options.settleSeconds > 0) {
            log(`  leaving the server idle for ${options.settleSeconds} s`)
            await new Promise((resolve) => setTimeout(resolve, options.settleSeconds * 1000))
            const settledRss = (await server.memory()).rss
            const loadPeakRss = Math.max(get.rssPeak, post.rssPeak)
            settling = { idleRss, loadPeakRss, seconds: options.settleSeconds, settledRss }
            log(
              `    resident set: ${(idleRss / 2 ** 20).toFixed(0)} MB idle, ${(loadPeakRss / 2 ** 20).toFixed(0)} MB at its highest under load, ${(settledRss / 2 ** 20).toFixed(0)} MB after settling`
            )
          }
        }
        const maxRss = (await server.memory()).maxRss
        await stopAll()
        runs.push({
          store,
          storedDossiers,
          get,
          post,
          settling,
          readiness: { newData: migrated.readiness, restart: server.readiness },
          maxRss
        })
        await prepared.remove()
        cleanups.splice(cleanups.indexOf(prepared.remove), 1)
      }
    }
    if (baselines === undefined) {
      throw new Error(
        `no store could be measured${postgresUnavailable === undefined ? "" : `: ${postgresUnavailable}`}`
      )
    }

    let distReadiness: DistReadiness | undefined
    if (options.distStarts > 0) {
      log(
        `starting the built server ${options.distStarts} times on new data folders, then ${options.distStarts} times on one`
      )
      distReadiness = await measureDistReadiness(operator, options.distStarts, log)
    }

    const floors = options.floors ? await measureFloors(log) : undefined
    const tokenFlood = options.tokenFlood === undefined ? undefined : await measureTokenFlood(log, options.tokenFlood)

    return {
      options,
      autocannon: versionOf("autocannon"),
      node: process.version,
      cores: cpus().length,
      processBytes,
      dossierRequestBytes: Buffer.byteLength(dossierRequest),
      runs,
      failedRuns,
      baselines,
      postgresUnavailable,
      postgresVersion,
      distReadiness,
      floors,
      profiles,
      tokenFlood
    }
  } finally {
    await stopAll()
    for (const cleanup of cleanups) await cleanup()
  }
}
