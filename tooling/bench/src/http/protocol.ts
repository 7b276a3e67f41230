/**
 * What the bench (the parent) and the processes it loads say to each other over IPC. Each contender runs in an OS
 * process of its own, so that its memory readings and its CPU time are its own and not the load generator's.
 */

/** Parent → child: report memory now (answered with a {@link MemoryReading} carrying the same `id`), or stop. */
export type ParentMessage =
  | { readonly type: "memory"; readonly id: number }
  | { readonly type: "stop" }
  /** Server only: start V8's sampling profiler, or stop it and write the `.cpuprofile` to `path`. */
  | { readonly type: "profile"; readonly id: number; readonly path?: string }

/**
 * Sizes in bytes, from `process.memoryUsage()` and `process.resourceUsage()` in the child, and the CPU time it has
 * used so far: the difference between two readings, over the requests answered between them, is its CPU per request,
 * which holds steadier than a rate on a machine whose cores the load generator shares.
 */
export interface MemoryReading {
  readonly type: "memory"
  readonly id: number
  readonly rss: number
  readonly heapUsed: number
  /** The kernel's high-water mark of the resident set since the process started. */
  readonly maxRss: number
  /** User and system CPU time since the process started (`process.cpuUsage()`), µs. */
  readonly cpuMicros: number
}

/** The child's answer to a memory request, read in the child. */
export const readMemory = (id: number): MemoryReading => {
  const { rss, heapUsed } = process.memoryUsage()
  const { user, system } = process.cpuUsage()
  return { type: "memory", id, rss, heapUsed, maxRss: process.resourceUsage().maxRSS * 1024, cpuMicros: user + system }
}

/**
 * The child's own view of its start, in milliseconds since its process started (`performance.now()`, whose origin
 * is the process's start): when its code was loaded, when it started building the server, when `/ready` first
 * answered 204 to the child itself.
 */
export interface ReadyMessage {
  readonly type: "ready"
  readonly loadedMs: number
  readonly launchedMs: number
  readonly readyMs: number
}

/** The profiler started (no path) or its profile was written. */
export interface ProfileDone {
  readonly type: "profile"
  readonly id: number
}

export type ChildMessage = MemoryReading | ReadyMessage | ProfileDone

/** How the server under test is configured; passed as JSON in `BENCH_HTTP_SERVER`. */
export interface ServerJob {
  readonly port: number
  readonly dataDirectory: string
  readonly clientId: string
  /** The scrypt hash of the client's secret, as `ASSURE_CLIENTS` carries it: hashing is not part of the start. */
  readonly secretHash: string
  readonly encryptionKey: string
  readonly rateLimit: number
  /** Further settings, as an operator's environment carries them; they win over the ones above. */
  readonly variables?: Readonly<Record<string, string>>
  /** The `dist` folder of another build of `@assure/server` to run instead of this checkout's (absolute path). */
  readonly serverDist?: string
}

/** What the token-flood attacker sends; passed as JSON in `BENCH_TOKEN_ATTACK`. */
export interface AttackJob {
  /** The server's base URL. */
  readonly url: string
  readonly connections: number
  readonly durationSeconds: number
  /**
   * `single`: every request names `clientId` from one address (`X-Forwarded-For: address`); `spread`: every request
   * names a new client id from a new address, so that no limit ever refuses one.
   */
  readonly mode: "single" | "spread"
  readonly clientId: string
  readonly address: string
  /** Where `spread` starts counting addresses and ids, so that rounds do not repeat them. */
  readonly offset: number
}

/** The attacker's account of its run, sent once when it ends. */
export interface AttackResult {
  readonly type: "attack"
  readonly requests: number
  readonly seconds: number
  /** Responses by status code. */
  readonly statuses: Readonly<Record<string, number>>
  readonly errors: number
}

/**
 * What the bare `node:http` baseline and the bare `HttpApi` server answer; passed as JSON in `BENCH_HTTP_BARE` and
 * `BENCH_HTTP_API`.
 */
export interface BareJob {
  readonly port: number
  /** The whole `Authorization` header the requests must carry. */
  readonly authorization: string
  /** The path of the stored process, and the server's exact response body for it. */
  readonly processPath: string
  readonly processBody: string
  readonly dossiersPath: string
  /** The server's response to a dossier POST: the baseline answers the same shape, with a new id and times. */
  readonly dossierTemplate: Record<string, unknown>
}

/**
 * A dossier of the server's shape, as the bare servers answer a POST: the fields of the server's own answer
 * (`template`), with a new id, the times of now and the request's fields where it gave them.
 */
export const dossierLike = (
  template: Readonly<Record<string, unknown>>,
  input: Readonly<Record<string, unknown>>
): Record<string, unknown> => {
  const now = new Date().toISOString()
  const dossier: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(template)) {
    if (key === "dossierId") dossier[key] = globalThis.crypto.randomUUID()
    else if (key.endsWith("At") && typeof value === "string") dossier[key] = now
    else dossier[key] = Object.hasOwn(input, key) ? input[key] : value
  }
  return dossier
}
