/**
 * The typed client of an assure server: every operation of `AssureApi` as a method (`client.dossiers.create`,
 * `client.processes.get`, …) that encodes its request with the API's schemas, sends the bearer token, and decodes the
 * answer — a dossier, a process, a page — or the problem the server answered with (`NotFound`, `InvalidRequest`, …,
 * from `Problems`, told apart by `_tag`).
 *
 * The client runs on any `HttpClient`: provide `FetchHttpClient.layer` (Node, Deno, Bun, browsers) or a platform's own.
 *
 * @example
 * ```ts
 * import { AssureClient } from "@assure/api"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const program = Effect.gen(function* () {
 *   const baseUrl = "https://assure.example.com"
 *   const client = yield* AssureClient.makeWithClientCredentials({
 *     baseUrl,
 *     clientId: "my-service",
 *     clientSecret: Redacted.make(process.env.ASSURE_CLIENT_SECRET ?? "")
 *   })
 *   const dossier = yield* client.dossiers.create({ payload: { externalReference: "customer-7" } })
 *   const created = yield* client.processes.create({
 *     params: { dossierId: dossier.dossierId },
 *     payload: { provider: "sandbox", processType: "document" }
 *   })
 *   return created.status // "pending"
 * }).pipe(
 *   Effect.catchTag("NotFound", (problem) => Effect.die(problem.detail)),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient, HttpApiMiddleware } from "effect/http-api"
import { AssureApi } from "./Api.js"
import { Authorization } from "./Security.js"

/** A typed client of every operation of the Assure-compatible API, grouped as the API is (`auth`, `dossiers`, …). */
export type Client = HttpApiClient.ForApi<typeof AssureApi>

/** The client as a service, for programs that take it from their context (`AssureClient.layer`). */
export class AssureClient extends Context.Service<AssureClient, Client>()("@assure/api/AssureClient") {}

/** Where the server is, and the access token to send. */
export interface Options {
  /** The server's address, `https://assure.example.com`; the API's paths (`/assure/dossiers`, …) are appended. */
  readonly baseUrl: string | URL
  /**
   * The access token sent as `Authorization: Bearer <token>` with every operation that needs one. Without it, only
   * the token endpoint and `/health` and `/ready` answer; the others answer `Unauthorized`.
   */
  readonly token?: Redacted.Redacted<string> | undefined
  /** Changes the `HttpClient` the client sends with: retries, timeouts, tracing headers. */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/** An API client's id and secret, to request access tokens with (OAuth 2.0 client credentials). */
export interface ClientCredentials {
  /** The server's address, as in `Options`. */
  readonly baseUrl: string | URL
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** The scope to ask for; the server's only one, `signicat-api`, when left out. */
  readonly scope?: string | undefined
}

/** An access token, as the token endpoint issued it. */
export interface AccessToken {
  /** The token itself, to pass as `Options.token`. */
  readonly token: Redacted.Redacted<string>
  readonly tokenType: "Bearer"
  /** How many seconds the token is valid from when it was issued; request a new one when it expires. */
  readonly expiresIn: number
  readonly scope: string
}

/** How a token request fails: `Unauthorized` for wrong credentials, `TooManyRequests` past the limit, … */
export type TokenError = Effect.Error<ReturnType<Client["auth"]["token"]>>

/** The Authorization middleware of the client: adds the bearer token when there is one. */
const authorization = (token: Redacted.Redacted<string> | undefined) =>
  HttpApiMiddleware.layerClient(Authorization, ({ next, request }) =>
    next(token === undefined ? request : HttpClientRequest.bearerToken(request, Redacted.value(token)))
  )

/**
 * A client of the server at `baseUrl` that sends `token` with every call.
 *
 * @example
 * ```ts
 * import { AssureClient } from "@assure/api"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const dossier = Effect.gen(function* () {
 *   const client = yield* AssureClient.make({
 *     baseUrl: "http://localhost:8080",
 *     token: Redacted.make(process.env.ASSURE_TOKEN ?? "")
 *   })
 *   return yield* client.dossiers.get({ params: { dossierId: "a9aef9ce-44b3-4739-99f0-7fb65299471b" } })
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (options: Options): Effect.Effect<Client, never, HttpClient.HttpClient> =>
  HttpApiClient.make(AssureApi, {
    baseUrl: options.baseUrl,
    transformClient: options.transformClient
  }).pipe(Effect.provide(authorization(options.token)))

/**
 * Requests an access token with the client credentials, sent as form fields (`client_secret_post`).
 *
 * @example
 * ```ts
 * import { AssureClient } from "@assure/api"
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const issued = AssureClient.requestToken({
 *   baseUrl: "http://localhost:8080",
 *   clientId: "my-service",
 *   clientSecret: Redacted.make("…")
 * }).pipe(
 *   Effect.catchTag("Unauthorized", () => Effect.die("wrong client credentials")),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 */
export const requestToken = (
  credentials: ClientCredentials
): Effect.Effect<AccessToken, TokenError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* make({ baseUrl: credentials.baseUrl })
    const issued = yield* client.auth.token({
      payload: {
        grant_type: "client_credentials",
        client_id: credentials.clientId,
        client_secret: Redacted.value(credentials.clientSecret),
        ...(credentials.scope === undefined ? {} : { scope: credentials.scope })
      }
    })
    return {
      token: Redacted.make(issued.access_token),
      tokenType: issued.token_type,
      expiresIn: issued.expires_in,
      scope: issued.scope
    }
  })

/**
 * Requests an access token with the client credentials, then makes a client that sends it. The token is not renewed:
 * make a new client when it expires (`expires_in`, 10 minutes by default), or call `requestToken` and `make` yourself.
 */
export const makeWithClientCredentials = (
  credentials: ClientCredentials & Pick<Options, "transformClient">
): Effect.Effect<Client, TokenError, HttpClient.HttpClient> =>
  Effect.flatMap(requestToken(credentials), (issued) =>
    make({ baseUrl: credentials.baseUrl, token: issued.token, transformClient: credentials.transformClient })
  )

/** The `AssureClient` service for `options`. */
export const layer = (options: Options): Layer.Layer<AssureClient, never, HttpClient.HttpClient> =>
  Layer.effect(AssureClient, make(options))

/** The `AssureClient` service with a token requested with the client credentials when the layer is built. */
export const layerClientCredentials = (
  credentials: ClientCredentials & Pick<Options, "transformClient">
): Layer.Layer<AssureClient, TokenError, HttpClient.HttpClient> =>
  Layer.effect(AssureClient, makeWithClientCredentials(credentials))
