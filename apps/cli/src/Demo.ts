/**
 * `assure demo`: the whole journey against a throwaway server — token, dossier with user data, a generated JPEG,
 * three sandbox verifications (accepted, rejected, the eID redirect flow), matching — then a summary table.
 */
import { IdentityData, type Process } from "@assure/core"
import { Console, Effect, Option, Redacted, Schema } from "effect"
import * as Api from "./Api.js"
import { Failure } from "./Failure.js"
import { dataUrl, demoJpeg } from "./Files.js"
import * as LocalServer from "./LocalServer.js"
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

const reasonOf = (process: Process.Process): string | undefined => {
  const sandbox = process.providerSpecific?.sandbox
  if (typeof sandbox !== "object" || sandbox === null || Array.isArray(sandbox)) return undefined
  const reason = (sandbox as { readonly reason?: unknown }).reason
  return typeof reason === "string" ? reason : undefined
}

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

const journey = (server: LocalServer.LocalServer) =>
  Effect.gen(function* () {
    yield* step(`Getting a token for ${server.clientId} (client credentials)`)
    const issued = yield* Api.requestToken(server.url, server.clientId, server.clientSecret)
    yield* say(`token issued: ${issued.token_type}, expires in ${issued.expires_in} s, scope ${issued.scope}`)
    const client = yield* Api.makeClient(server.url, Option.some(Redacted.make(issued.access_token)))
    return yield* Effect.provideService(steps, Api.Api, { url: server.url, client })
  })

export const run = (options: { readonly sandboxLatency: string }) =>
  Effect.gen(function* () {
    const started = Date.now()
    yield* Console.log("assure demo: the whole journey against a throwaway server, with the sandbox provider")
    yield* step("Starting a server (development mode, embedded SQLite in a temporary folder)")
    const result = yield* Effect.scoped(
      Effect.gen(function* () {
        const server = yield* LocalServer.start({ sandboxLatency: options.sandboxLatency })
        yield* say(`listening on ${server.url} (pid ${server.pid}), data in ${server.dataDirectory}`)
        yield* say(`development client ${server.clientId} (its secret is read from the server's output, never shown)`)
        return yield* journey(server)
      })
    )
    yield* step("Stopped the server and removed its data folder")
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
