/**
 * A service that calls a running assure server through `@assure/api` alone: a token with its client credentials, a
 * dossier created and read back through the typed client, and a bad request answered with a typed problem. The proof
 * starts the released server and passes its address and a client's credentials in ASSURE_URL, ASSURE_CLIENT_ID and
 * ASSURE_CLIENT_SECRET.
 */
import { type Api, AssureClient, type Problems } from "@assure/api"
import type { Dossier } from "@assure/core"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

const setting = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value.length === 0) throw new Error(`${name} is not set`)
  return value
}

const fail = (message: string): never => {
  console.error(`client: ${message}`)
  process.exit(1)
}

const program = Effect.gen(function* () {
  const client = yield* AssureClient.makeWithClientCredentials({
    baseUrl: setting("ASSURE_URL"),
    clientId: setting("ASSURE_CLIENT_ID"),
    clientSecret: Redacted.make(setting("ASSURE_CLIENT_SECRET"))
  })

  const created: Dossier.Dossier = yield* client.dossiers.create({ payload: { externalReference: "release-proof-7" } })
  const read = yield* client.dossiers.get({ params: { dossierId: created.dossierId } })
  if (read.dossierId !== created.dossierId || read.externalReference !== "release-proof-7") {
    fail(`read back ${JSON.stringify(read)} for ${JSON.stringify(created)}`)
  }
  // A response shape the core domain does not describe, typed by @assure/api.
  const page: Api.DossierPage = yield* client.dossiers.list({ query: { limit: 100 } })
  if (!page.dossiers.some((dossier) => dossier.dossierId === created.dossierId)) fail("the dossier is not listed")

  // A provider the server does not run: a 400 the client decodes as the API's InvalidRequest problem.
  const problem: Problems.AnyProblem | undefined = yield* client.processes
    .create({
      params: { dossierId: created.dossierId },
      payload: { provider: "no-such-provider", processType: "document" }
    })
    .pipe(
      Effect.map(() => undefined),
      Effect.catchTags({
        InvalidRequest: (invalid) => Effect.succeed(invalid),
        NotFound: (notFound) => Effect.succeed(notFound)
      })
    )
  if (problem?._tag !== "InvalidRequest") return fail(`expected InvalidRequest, got ${JSON.stringify(problem)}`)
  const named = (problem.invalidParams ?? []).map((param) => param.name)
  if (problem.status !== 400 || problem.code !== "invalid_request_parameter" || !named.includes("provider")) {
    fail(`unexpected problem ${JSON.stringify(problem)}`)
  }
  return {
    dossierId: created.dossierId,
    listed: page.dossiers.length,
    problem: `${problem._tag} ${problem.status} naming ${named.join(", ")}`
  }
})

const result = await Effect.runPromise(program.pipe(Effect.provide(FetchHttpClient.layer))).catch((error: unknown) =>
  fail(`the call failed: ${error instanceof Error ? error.message : String(error)}`)
)
console.log(
  `client: created and read back dossier ${result.dossierId} (${result.listed} listed); a bad request answered ${result.problem}`
)
