/**
 * The typed client of the Assure-compatible API (`HttpApiClient` over `AssureApi`), the token request with client
 * credentials, and the translation of every error into a `Failure` that names what went wrong.
 */
import { AssureClient } from "@assure/api"
import { Context, Effect, Layer, Option, type Redacted } from "effect"
import { FetchHttpClient, HttpClientError } from "effect/http"
import { Failure, fromProblem } from "./Failure.js"

/** A typed client of every endpoint, from `@assure/api`. */
export type Client = AssureClient.Client

/** How to reach the API and who calls it. */
export interface Connection {
  readonly url: string
  readonly clientId: Option.Option<string>
  readonly clientSecret: Option.Option<Redacted.Redacted<string>>
  readonly token: Option.Option<Redacted.Redacted<string>>
}

/** The client of a command, with the address it calls. */
export class Api extends Context.Service<
  Api,
  {
    readonly url: string
    readonly client: Client
    /** The bearer token, for the few calls the typed client does not make (a download streamed to a file). */
    readonly token: Redacted.Redacted<string>
  }
>()("@assure/cli/Api") {}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

/** Any error of a call — a problem the API answered with, an unreachable server, an unexpected answer — as a `Failure`. */
export const toFailure = (url: string) => (error: unknown) =>
  Effect.gen(function* () {
    if (error instanceof Failure) return error
    if (HttpClientError.isHttpClientError(error)) {
      const reason = error.reason
      if (reason._tag === "TransportError" || reason._tag === "InvalidUrlError") {
        return new Failure({
          title: `Could not reach the API at ${url}`,
          detail: "Is the server running? Set the address with --url or ASSURE_URL."
        })
      }
      if (reason._tag === "EncodeError")
        return new Failure({ title: "Could not encode the request", detail: reason.message })
      // An answer the client did not expect: problem details all the same, or something else.
      const response = reason.response
      const text = yield* response.text.pipe(Effect.orElseSucceed(() => ""))
      const body = yield* Effect.try(() => JSON.parse(text) as unknown).pipe(Effect.orElseSucceed(() => undefined))
      return (
        fromProblem(body, response.status) ??
        new Failure({
          title: `Unexpected answer from the API`,
          status: response.status,
          detail: text.slice(0, 500) || reason.message
        })
      )
    }
    // A problem class the endpoint declares (NotFound, InvalidRequest, …), decoded by the client.
    const problem = fromProblem(error)
    if (problem !== undefined) return problem
    if (isRecord(error) && error._tag === "SchemaError") {
      return new Failure({ title: "Unexpected answer from the API", detail: String(error.message) })
    }
    return new Failure({ title: "Unexpected error", detail: error instanceof Error ? error.message : String(error) })
  }).pipe(Effect.flatMap(Effect.fail))

/** Runs one call, turning its errors into a `Failure`. */
export const call = <A, E, R>(url: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, Failure, R> =>
  Effect.catch(effect, toFailure(url))

const checkUrl = (url: string) =>
  Effect.try({
    try: () => {
      const parsed = new URL(url)
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http")
      return url.replace(/\/+$/, "")
    },
    catch: () => new Failure({ title: "Invalid API address", detail: `${url} is not an http or https URL (--url)` })
  })

/** A client that sends `token` (when there is one) as the bearer token. */
export const makeClient = (url: string, token: Option.Option<Redacted.Redacted<string>>): Effect.Effect<Client> =>
  AssureClient.make({ baseUrl: url, token: Option.getOrUndefined(token) }).pipe(Effect.provide(FetchHttpClient.layer))

/** An access token for the client credentials (`client_secret_post`). */
export const requestToken = (
  url: string,
  clientId: string,
  clientSecret: Redacted.Redacted<string>
): Effect.Effect<AssureClient.AccessToken, Failure> =>
  call(
    url,
    AssureClient.requestToken({ baseUrl: url, clientId, clientSecret }).pipe(Effect.provide(FetchHttpClient.layer))
  )

const missingCredentials = new Failure({
  title: "No client credentials",
  detail:
    "Pass --client-id and --client-secret (or set ASSURE_CLIENT_ID and ASSURE_CLIENT_SECRET), or a token with --token (ASSURE_TOKEN)."
})

/** The access token of a connection: the one given, or one requested with the client credentials. */
export const tokenOf = (connection: Connection) =>
  Effect.gen(function* () {
    const url = yield* checkUrl(connection.url)
    if (Option.isSome(connection.token)) return { url, token: connection.token.value }
    if (Option.isNone(connection.clientId) || Option.isNone(connection.clientSecret)) return yield* missingCredentials
    const issued = yield* requestToken(url, connection.clientId.value, connection.clientSecret.value)
    return { url, token: issued.token, expiresIn: issued.expiresIn }
  })

/** The `Api` service of a connection: checks the address and gets a token first. */
export const layer = (connection: Connection) =>
  Layer.effect(
    Api,
    Effect.gen(function* () {
      const { url, token } = yield* tokenOf(connection)
      const client = yield* makeClient(url, Option.some(token))
      return { url, client, token }
    })
  )

/** Calls the API with the command's client; errors become a `Failure`. */
export const use = <A, E, R>(f: (client: Client) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const { url, client } = yield* Api
    return yield* call(url, f(client))
  })
