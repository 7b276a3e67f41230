/**
 * `assure demo`: the whole journey — token, dossier with user data, a generated JPEG, three sandbox verifications
 * (accepted, rejected, the eID redirect flow), matching — then a summary table. By default against a throw-away
 * server that `@assure/server/local` starts (`@assure/server` is an optional peer dependency of the CLI, loaded only
 * here); with `--url`, against a running server that runs the sandbox provider.
 */
import { IdentityData, type Process } from "@assure/core"
import type * as LocalServer from "@assure/server/local"
import { Console, Effect, Option, type Redacted, Schema } from "effect"
import * as Api from "./Api.js"
import { Failure } from "./Failure.js"
import { dataUrl, demoJpeg } from "./Files.js"
import { awaitFinalWithProgress } from "./Progress.js"
import * as Render from "./Render.js"

/** Where the client wants the end-user back after the eID flow. Never fetched: the demo reports the address. */
export const returnUrl = "https://client.example/assure/return"

const step = (text: string) => Console.log(`\n▸ ${text}`)
const say = (text: string) => Console.log(text.replace(/^/gm, "  "))

interface Row {
  readonly verification: string
  readonly processType: string
  readonly expected: string
  readonly status: string
  readonly result: string
}

/** Follows the end-user's redirects while they stay on the server; where they leave it is where they land. */
const followRedirects = (start: string, serverUrl: string) =>
  Effect.tryPromise({
    try: async () => {
      const hops: Array<{ url: string; status: number }> = []
      let current = start
      for (let hop = 0; hop < 10 && new URL(current).origin === new URL(serverUrl).origin; hop++) {
        const response = await fetch(current, { redirect: "manual" })
        await response.body?.cancel()
        hops.push({ url: current, status: response.status })
        const location = response.headers.get("location")
        if (response.status < 300 || response.status >= 400 || location === null) break
        current = new URL(location, current).toString()
      }
      return { hops, landing: current }
    },
    catch: (error) =>
      new Failure({
        title: "Could not follow the redirect",
        detail: error instanceof Error ? error.message : String(error)
      })
  })

const verification = (dossierId: string, processType: string, parameters: Record<string, unknown> | undefined) =>
  Effect.gen(function* () {
    const created = yield* Api.use((client) =>
      client.processes.create({
        params: { dossierId },
        payload: {
          provider: "sandbox",
          processType,
          ...(parameters === undefined ? {} : { processParameters: parameters })
        }
      })
    )
    const started = yield* Api.use((client) =>
      client.processes.verify({
        params: { dossierId, processId: created.processId },
        payload: processType === "eid" ? { redirectUrl: returnUrl } : {}
      })
    )
    yield* say(`process ${started.processId}: verification requested, status ${started.status}`)
    return started
  })

const waitFor = (dossierId: string, processId: string) =>
  awaitFinalWithProgress(dossierId, processId, { timeout: "60 seconds", label: "  waiting for the sandbox" })

/** What the sandbox says about a process it did not accept: `{ sandbox: { reason } }` in `providerSpecific`. */
const SandboxReason = Schema.Struct({ sandbox: Schema.Struct({ reason: Schema.String }) })

const reasonOf = (process: Process.Process): string | undefined =>
  Option.getOrUndefined(
    Option.map(Schema.decodeUnknownOption(SandboxReason)(process.providerSpecific), (found) => found.sandbox.reason)
  )

const steps = Effect.gen(function* () {
  const rows: Array<Row> = []

  yield* step("Creating a dossier with user data")
  const userData = yield* Schema.decodeUnknownEffect(IdentityData.IdentityData)({
    firstName: "Ola",
    lastName: "Nordmann",
    dateOfBirth: "1990-01-31",
    nationality: "NOR"
  }).pipe(Effect.orDie)
  const dossier = yield* Api.use((client) =>
    client.dossiers.create({ payload: { externalReference: `demo-${Date.now()}`, userData } })
  )
  const dossierId = dossier.dossierId
  yield* say(`dossier ${dossierId} (external reference ${dossier.externalReference})`)
  yield* say(`user data: ${Render.person(dossier.userData)}`)

  yield* step("Uploading a generated JPEG as the front image")
  const stored = yield* Api.use((client) =>
    client.dossiers.uploadFiles({ params: { dossierId }, payload: { front: dataUrl(demoJpeg(), "image/jpeg") } })
  )
  yield* say(Render.files(stored, ""))

  // 1. The default scenario: the last name decides, and "Nordmann" is accepted.
  yield* step("Verification 1: sandbox document check, default scenario")
  const first = yield* verification(dossierId, "document", undefined)
  const accepted = yield* waitFor(dossierId, first.processId)
  yield* say(`status ${accepted.status}; final result (normalised):`)
  yield* say(Render.identity(accepted.finalResult))
  yield* step("Matching the dossier's user data against the final result")
  const matching = yield* Api.use((client) =>
    client.processes.match({ params: { dossierId, processId: first.processId } })
  )
  yield* say(`matching ${matching.result}`)
  yield* say(Render.fields(Object.entries(matching.fields)))
  rows.push({
    verification: "document, default scenario",
    processType: "document",
    expected: "accepted",
    status: accepted.status,
    result: `${Render.person(accepted.finalResult)}; matching ${matching.result}`
  })

  // 2. A scenario chosen in the process parameters.
  const parameters = { sandbox: { scenario: "rejected" } }
  yield* step(`Verification 2: sandbox document check with processParameters ${JSON.stringify(parameters)}`)
  const second = yield* verification(dossierId, "document", parameters)
  const rejected = yield* waitFor(dossierId, second.processId)
  const reason = reasonOf(rejected)
  yield* say(`status ${rejected.status}${reason === undefined ? "" : `, reason ${reason}`}; no final result`)
  rows.push({
    verification: "document, scenario rejected",
    processType: "document",
    expected: "rejected",
    status: rejected.status,
    result: reason === undefined ? "-" : `reason ${reason}`
  })

  // 3. The eID redirect flow: the end-user goes to the provider and comes back to the client.
  yield* step(`Verification 3: sandbox eID redirect flow, returning to ${returnUrl}`)
  const third = yield* verification(dossierId, "eid", undefined)
  if (third.redirectUrl === undefined) {
    return yield* new Failure({ title: "The eID process has no redirectUrl", detail: `process ${third.processId}` })
  }
  yield* say(`the end-user is sent to ${third.redirectUrl}`)
  const { url } = yield* Api.Api
  const { hops, landing } = yield* followRedirects(third.redirectUrl, url)
  for (const hop of hops) yield* say(`GET ${hop.url} → ${hop.status}`)
  yield* say(`the end-user lands on ${landing}`)
  const eid = yield* waitFor(dossierId, third.processId)
  yield* say(`status ${eid.status}; final result: ${Render.person(eid.finalResult) || "none"}`)
  const back = new URL(landing)
  rows.push({
    verification: "eID redirect flow",
    processType: "eid",
    expected: "accepted",
    status: eid.status,
    result: `end-user back at ${back.origin}${back.pathname} with status=${back.searchParams.get("status") ?? "?"}`
  })

  return { dossierId, rows }
})

/** The journey with a client that sends `token`. */
const journey = (url: string, token: Redacted.Redacted<string>) =>
  Effect.gen(function* () {
    const client = yield* Api.makeClient(url, Option.some(token))
    return yield* Effect.provideService(steps, Api.Api, { url, client, token })
  })

/** A token for the client credentials, saying what was issued. */
const issueToken = (url: string, clientId: string, clientSecret: Redacted.Redacted<string>) =>
  Effect.gen(function* () {
    yield* step(`Getting a token for ${clientId} (client credentials)`)
    const issued = yield* Api.requestToken(url, clientId, clientSecret)
    yield* say(`token issued: ${issued.tokenType}, expires in ${issued.expiresIn} s, scope ${issued.scope}`)
    return issued.token
  })

const isModuleNotFound = (error: unknown) =>
  typeof error === "object" &&
  error !== null &&
  "code" in error &&
  (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "MODULE_NOT_FOUND")

/** `@assure/server/local`, which starts the throw-away server: only there when `@assure/server` is installed. */
export const loadLocalServer = (
  load: () => Promise<typeof LocalServer> = () => import("@assure/server/local")
): Effect.Effect<typeof LocalServer, Failure> =>
  Effect.tryPromise({
    try: load,
    catch: (error) =>
      isModuleNotFound(error)
        ? new Failure({
            title: "assure demo needs @assure/server to start a throw-away server",
            detail:
              "Install it next to the CLI (npm install --global @assure/server, or add it to your project), or run the journey against a running server with the sandbox provider: assure demo --url <address> --client-id <id> --client-secret <secret>"
          })
        : new Failure({
            title: "Could not load @assure/server/local",
            detail: error instanceof Error ? error.message : String(error)
          })
  })

/** The journey against a throw-away server, stopped (and its data removed) at the end. */
const onLocalServer = (sandboxLatency: string) =>
  Effect.gen(function* () {
    const local = yield* loadLocalServer()
    yield* step("Starting a server (development mode, embedded SQLite in a temporary folder)")
    const result = yield* Effect.scoped(
      Effect.gen(function* () {
        const server = yield* local
          .start({ sandboxLatency })
          .pipe(Effect.mapError((error) => new Failure({ title: error.title, detail: error.detail })))
        yield* say(`listening on ${server.url} (pid ${server.pid}), data in ${server.dataDirectory}`)
        yield* say(`development client ${server.clientId} (its secret is read from the server's output, never shown)`)
        const token = yield* issueToken(server.url, server.clientId, server.clientSecret)
        return yield* journey(server.url, token)
      })
    )
    yield* step("Stopped the server and removed its data folder")
    return result
  })

/** The journey against a running server, with the connection's token or one requested with its client credentials. */
const onRunningServer = (connection: Api.Connection) =>
  Effect.gen(function* () {
    yield* step(`Using the server at ${connection.url}`)
    const { url, token } = yield* Api.tokenOf(connection)
    return yield* journey(url, token)
  })

/** What the demo runs against: a throw-away server, or the running server at `connection.url`. */
export interface Options {
  readonly sandboxLatency: string
  readonly connection: Option.Option<Api.Connection>
}

/** Runs the demo: the journey, then the summary; fails when a verification did not end as expected. */
export const run = (options: Options) =>
  Effect.gen(function* () {
    const started = Date.now()
    yield* Console.log(
      Option.isNone(options.connection)
        ? "assure demo: the whole journey against a throwaway server, with the sandbox provider"
        : "assure demo: the whole journey against a running server, with the sandbox provider"
    )
    const result = yield* Option.match(options.connection, {
      onNone: () => onLocalServer(options.sandboxLatency),
      onSome: onRunningServer
    })
    yield* step(`Summary (dossier ${result.dossierId})`)
    yield* Console.log(
      Render.table(
        [
          ["#", "VERIFICATION", "TYPE", "STATUS", "RESULT"],
          ...result.rows.map((row, index) => [
            String(index + 1),
            row.verification,
            row.processType,
            row.status === row.expected ? row.status : `${row.status} (expected ${row.expected})`,
            row.result
          ])
        ],
        "  "
      )
    )
    const unexpected = result.rows.filter((row) => row.status !== row.expected)
    if (unexpected.length > 0) {
      return yield* new Failure({
        title: "The demo did not end as expected",
        detail: unexpected.map((row) => `${row.verification}: ${row.status}, expected ${row.expected}`).join("; ")
      })
    }
    yield* Console.log(`\nDemo complete: 3 verifications in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
  })
