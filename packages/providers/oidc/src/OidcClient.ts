/**
 * The relying-party side of OpenID Connect against one broker: discovery, the authorization URL (authorization code
 * flow with PKCE `S256`, `state` and `nonce`), and the callback — the code exchanged at the token endpoint, the ID
 * token validated, and userinfo read.
 *
 * The protocol is `openid-client` 6 (discovery, the authorization request, the authorization response checks
 * including RFC 9207 `iss`, the token request, the ID token's `iss`, `aud`, `azp`, `exp`, `iat` and `nonce`, and
 * userinfo's `sub`). The ID token's **signature** is verified with `jose` against the broker's JWKS:
 * `openid-client` does not check it for tokens fetched over TLS from the token endpoint (OpenID Connect Core
 * 3.1.3.7 allows that), but an eID login is evidence of who someone is, so we check it anyway. `jose`'s remote key
 * set fetches the JWKS again when a token names a key it does not know (a key rotation), at most once per
 * `jwksCooldown`.
 *
 * Every HTTP request of both libraries goes through Effect's `HttpClient` (their `customFetch` hooks), not the
 * global `fetch`: the application chooses the HTTP stack as for every other adapter (proxies, tracing, a test
 * client), and a timeout or a broken connection is classified as `Unavailable` like everywhere else. Plain `http`
 * is allowed only for a loopback issuer (`127.0.0.1`, `localhost`, `[::1]`), for tests.
 *
 * @example
 * ```ts
 * import { OidcClient } from "@assure/oidc"
 * import { Effect, Redacted } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const client = yield* OidcClient.OidcClient
 *   const authorization = yield* client.authorize({
 *     returnUrl: "https://assure.example.com/callbacks/oidc",
 *     scope: "openid profile nin",
 *     acrValues: "idp:nbid"
 *   })
 *   // send the end-user to authorization.url; keep state, nonce and codeVerifier for the callback
 * }).pipe(
 *   Effect.provide(OidcClient.layer({ issuer: "https://example.signicat.com/auth/open", clientId: "…", clientSecret: Redacted.make("…") }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { ProviderName } from "@assure/core"
import { ProviderError, ProviderHttp } from "@assure/provider"
import { Clock, Config, Context, DateTime, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as jose from "jose"
import * as client from "openid-client"

/** The name the provider is registered under, and the `provider` of its errors. @since 0.1.0 */
export const name = ProviderName.ProviderName.make("oidc")

/** How the client authenticates at the token endpoint. @since 0.1.0 */
export const TokenEndpointAuthMethod = Schema.Literals(["client_secret_basic", "client_secret_post"])

/** How the client authenticates at the token endpoint. @since 0.1.0 */
export type TokenEndpointAuthMethod = typeof TokenEndpointAuthMethod.Type

/** How the client is set up. @since 0.1.0 */
export interface Options {
  /** The broker's issuer URL; its discovery document is `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Default `client_secret_basic`, OpenID Connect's default. */
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined
  /** The ID token's signing algorithm the client accepts (default `RS256`, what the brokers use). */
  readonly idTokenSigningAlgorithm?: string | undefined
  /** How long one HTTP request may take (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
  /** The least time between two JWKS fetches triggered by an unknown key id (default 30 seconds). */
  readonly jwksCooldown?: Duration.Input | undefined
  /** Read userinfo after the token exchange when the broker has an endpoint for it (default true). */
  readonly userinfo?: boolean | undefined
}

/** What the authorization request asks for. @since 0.1.0 */
export interface AuthorizationRequest {
  /** The `redirect_uri`: where the broker sends the end-user back (the server's `/callbacks/oidc`). */
  readonly returnUrl: string
  /** Space-separated scopes, `openid` among them. */
  readonly scope: string
  readonly acrValues?: string | undefined
  readonly loginHint?: string | undefined
  readonly uiLocales?: string | undefined
}

/** A prepared authorization request: the URL for the end-user, and the secrets the callback is checked with. @since 0.1.0 */
export interface Authorization {
  readonly url: string
  readonly state: string
  readonly nonce: string
  readonly codeVerifier: string
}

/** The end-user back from the broker, and what the callback must match. @since 0.1.0 */
export interface Callback {
  readonly returnUrl: string
  /** The callback's query parameters (`code`, `state`, `iss`). */
  readonly params: Readonly<Record<string, string>>
  readonly state: string
  readonly nonce: string
  readonly codeVerifier: string
}

/** Claims as a broker sends them. @since 0.1.0 */
export type Claims = { readonly [claim: string]: Schema.Json }

/** A validated login: the ID token's claims (signature and claims checked) and userinfo's. @since 0.1.0 */
export interface Authentication {
  readonly idToken: Claims
  /** The key that signed the ID token. */
  readonly keyId?: string | undefined
  readonly userinfo?: Claims | undefined
}

/**
 * The callback cannot be trusted: the broker refused the code (`invalid_grant`: replayed or expired), the ID token
 * failed a check (`id_token_signature_invalid`, `id_token_expired`, `id_token_invalid`), or an answer broke the
 * protocol (`invalid_response`). A final failure of the login, not of the broker: the provider ends the process as
 * `failed` with the code as its reason.
 *
 * @since 0.1.0
 */
export class CallbackFailure extends Schema.TaggedError<CallbackFailure>("@assure/oidc/CallbackFailure")(
  "CallbackFailure",
  {
    /** A short code, OAuth's where there is one. */
    code: Schema.String,
    /** What went wrong, for an operator: no token, secret or personal data. */
    description: Schema.String
  }
) {}

/** The OpenID Connect client for one broker. @since 0.1.0 */
export class OidcClient extends Context.Service<
  OidcClient,
  {
    readonly issuer: string
    readonly clientId: string
    /** Builds the authorization URL with fresh `state`, `nonce` and PKCE verifier (discovering the broker once). */
    readonly authorize: (request: AuthorizationRequest) => Effect.Effect<Authorization, ProviderError.ProviderError>
    /** Exchanges the callback's code and validates what comes back. */
    readonly authenticate: (
      callback: Callback
    ) => Effect.Effect<Authentication, ProviderError.ProviderError | CallbackFailure>
  }
>()("@assure/oidc/OidcClient") {}

/** A request through the `HttpClient` that did not get an answer: a broken connection, or the timeout. */
class TransportFailure extends Error {
  constructor(readonly timedOut: boolean) {
    super(timedOut ? "the request timed out" : "the request failed")
    this.name = "TransportFailure"
  }
}

const methods = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const)
type Method = typeof methods extends Set<infer M> ? M : never
const isMethod = (method: string): method is Method => methods.has(method as Method)

/** What both libraries hand their `customFetch`. */
interface FetchOptions {
  readonly method: string
  readonly headers?: HeadersInit | undefined
  readonly body?: unknown
}

const bodyBytes = (body: unknown): Uint8Array | undefined => {
  if (body === undefined || body === null) return undefined
  if (typeof body === "string") return new TextEncoder().encode(body)
  if (body instanceof URLSearchParams) return new TextEncoder().encode(body.toString())
  if (body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  throw new TypeError("unsupported request body")
}

/**
 * A `fetch` for `openid-client` and `jose` that sends through Effect's `HttpClient`: the status, headers and body
 * of the answer are handed back as a web `Response`; no answer at all rejects with a {@link TransportFailure}.
 */
const fetchThrough =
  (http: HttpClient.HttpClient, timeout: Duration.Duration) =>
  (url: string, options: FetchOptions): Promise<Response> =>
    Effect.runPromise(
      Effect.gen(function* () {
        const method = options.method.toUpperCase()
        if (!isMethod(method)) return yield* Effect.die(new TypeError(`unsupported method ${method}`))
        const headers: Record<string, string> = {}
        new Headers(options.headers).forEach((value, key) => {
          headers[key] = value
        })
        const bytes = bodyBytes(options.body)
        const base = HttpClientRequest.make(method)(url, { headers })
        const request =
          bytes === undefined ? base : HttpClientRequest.bodyUint8Array(base, bytes, headers["content-type"])
        const response = yield* http.execute(request).pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new TransportFailure(true)) }),
          Effect.catchTag("HttpClientError", () => Effect.fail(new TransportFailure(false)))
        )
        const body = yield* response.arrayBuffer.pipe(
          Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new TransportFailure(true)) }),
          Effect.catchTag("HttpClientError", () => Effect.fail(new TransportFailure(false)))
        )
        const empty = response.status === 204 || response.status === 205 || response.status === 304
        const answered = Object.entries(response.headers).flatMap(([key, value]) =>
          typeof value === "string" ? [[key, value] as [string, string]] : []
        )
        // A 429's delay, in whichever spelling the broker sends it, is handed on as Retry-After in seconds.
        const delay =
          response.status === 429
            ? ProviderHttp.rateLimitDelay(response.headers, DateTime.makeUnsafe(yield* Clock.currentTimeMillis))
            : undefined
        return new Response(empty ? null : body, {
          status: response.status,
          headers:
            delay === undefined
              ? answered
              : [
                  ...answered.filter(([key]) => key !== "retry-after"),
                  ["retry-after", String(Math.ceil(Duration.toSeconds(delay)))]
                ]
        })
      })
    )

/** The first error in an error's chain of causes (itself, its `cause`, …) that passes `test`. */
const findInChain = <A>(error: unknown, test: (candidate: unknown) => candidate is A): A | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (test(current)) return current
    current = typeof current === "object" && "cause" in current ? current.cause : undefined
  }
  return undefined
}

const isTransportFailure = (candidate: unknown): candidate is TransportFailure => candidate instanceof TransportFailure
const isResponse = (candidate: unknown): candidate is Response => candidate instanceof Response
const isChallenge = (candidate: unknown): candidate is client.WWWAuthenticateChallengeError =>
  candidate instanceof client.WWWAuthenticateChallengeError
const isOAuthError = (candidate: unknown): candidate is client.ResponseBodyError =>
  candidate instanceof client.ResponseBodyError

/** `Retry-After` in seconds, as `fetchThrough` hands on a 429's delay from any rate-limit header. */
const retryAfterOf = (response: Response | undefined): Duration.Duration | undefined => {
  const value = response?.headers.get("retry-after")?.trim()
  return value !== undefined && /^\d+$/.test(value) ? Duration.seconds(Number(value)) : undefined
}

/** An HTTP status as a broker failure the engine may retry, or undefined when it is not one. */
const retryableStatus = (
  status: number,
  what: string,
  response?: Response | undefined
): ProviderError.ProviderError | undefined => {
  if (status === 429) {
    const retryAfter = retryAfterOf(response)
    return ProviderError.make(name, new ProviderError.RateLimited(retryAfter === undefined ? {} : { retryAfter }), {
      description: `${what} answered 429`
    })
  }
  if (status >= 500) {
    return ProviderError.make(name, new ProviderError.Unavailable({ status }), {
      description: `${what} answered ${status}`
    })
  }
  return undefined
}

/** A failure that is the broker's (or the network's), not the login's: the engine may retry these. */
const brokerFailure = (error: unknown, what: string): ProviderError.ProviderError | undefined => {
  const transport = findInChain(error, isTransportFailure)
  if (transport !== undefined) {
    return ProviderError.make(name, new ProviderError.Unavailable(transport.timedOut ? { timedOut: true } : {}), {
      description: `${what} ${transport.timedOut ? "timed out" : "failed"}`
    })
  }
  const oauth = findInChain(error, isOAuthError)
  if (oauth !== undefined) return retryableStatus(oauth.status, what, oauth.response)
  const response = findInChain(error, isResponse)
  return response === undefined ? undefined : retryableStatus(response.status, what, response)
}

/** Whether an error, or one of its causes, carries this openid-client error code. */
const hasCode = (error: unknown, code: string): boolean =>
  findInChain(
    error,
    (candidate): candidate is object =>
      typeof candidate === "object" &&
      candidate !== null &&
      "code" in candidate &&
      (candidate as { readonly code: unknown }).code === code
  ) !== undefined

/** Which claim an openid-client check failed on, when it says. */
const claimOf = (error: unknown): string | undefined => {
  const found = findInChain(
    error,
    (candidate): candidate is { readonly claim: string } =>
      typeof candidate === "object" &&
      candidate !== null &&
      "claim" in candidate &&
      typeof (candidate as { readonly claim: unknown }).claim === "string"
  )
  return found?.claim
}

/** Classifies a failed code exchange: the broker's failures as `ProviderError`, the login's as `CallbackFailure`. */
const classifyExchange = (error: unknown): ProviderError.ProviderError | CallbackFailure => {
  const broker = brokerFailure(error, "the token endpoint")
  if (broker !== undefined) return broker
  const challenge = findInChain(error, isChallenge)
  const oauth = findInChain(error, isOAuthError)
  if (
    challenge?.status === 401 ||
    (oauth !== undefined && (oauth.status === 401 || oauth.error === "invalid_client"))
  ) {
    // Our credentials, not the login, are wrong: an operator's problem, which no end-user can fix by retrying.
    return ProviderError.make(name, new ProviderError.Unauthorized(), {
      description: "the token endpoint refused the client's credentials"
    })
  }
  if (oauth !== undefined) {
    return new CallbackFailure({
      code: oauth.error,
      description: `the token endpoint refused the code (${oauth.error}, HTTP ${oauth.status})`
    })
  }
  if (error instanceof client.AuthorizationResponseError) {
    return new CallbackFailure({
      code: error.error,
      description: "the broker answered the authorization with an error"
    })
  }
  if (hasCode(error, "OAUTH_JWT_TIMESTAMP_CHECK_FAILED")) {
    const claim = claimOf(error)
    return new CallbackFailure({
      code: claim === "exp" ? "id_token_expired" : "id_token_invalid",
      description: `the ID token's ${claim ?? "time"} claim failed validation`
    })
  }
  if (hasCode(error, "OAUTH_JWT_CLAIM_COMPARISON_FAILED")) {
    return new CallbackFailure({
      code: "id_token_invalid",
      description: `the ID token's ${claimOf(error) ?? "claims"} did not match`
    })
  }
  return new CallbackFailure({
    code: "invalid_response",
    description: `the code exchange failed: ${error instanceof Error ? error.message : "unknown error"}`
  })
}

/** openid-client's codes for an answer that is not what the protocol says (malformed JSON, wrong fields). */
const unreadable = [
  "OAUTH_PARSE_ERROR",
  "OAUTH_RESPONSE_IS_NOT_JSON",
  "OAUTH_INVALID_RESPONSE",
  "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED",
  "OAUTH_INVALID_SERVER_METADATA"
]

/**
 * Classifies a failed discovery: the broker's failures as retryable, an unreadable document as `InvalidResponse`,
 * anything else (a 404: the wrong issuer) as `Misconfigured`.
 */
const classifyDiscovery = (error: unknown): ProviderError.ProviderError => {
  const broker = brokerFailure(error, "the discovery document")
  if (broker !== undefined) return broker
  const description = `discovery of the issuer failed: ${error instanceof Error ? error.message : "unknown error"}`
  const code = unreadable.find((candidate) => hasCode(error, candidate))
  return code === undefined
    ? ProviderError.make(name, new ProviderError.Misconfigured(), { description })
    : ProviderError.make(name, new ProviderError.InvalidResponse({ issue: code }), { description })
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

/**
 * Builds the client. Discovery happens on first use and is kept once it succeeded (a broker that is down at start-up
 * does not keep the application from starting).
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<OidcClient["Service"], never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const timeout = Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(30))
    const fetch = fetchThrough(http, timeout)
    const issuerUrl = new URL(options.issuer)
    const insecure = issuerUrl.protocol === "http:" && loopbackHosts.has(issuerUrl.hostname)
    const algorithm = options.idTokenSigningAlgorithm ?? "RS256"
    const clientAuth =
      options.tokenEndpointAuthMethod === "client_secret_post"
        ? client.ClientSecretPost(Redacted.value(options.clientSecret))
        : client.ClientSecretBasic(Redacted.value(options.clientSecret))

    let configuration: client.Configuration | undefined
    let keySet: ReturnType<typeof jose.createRemoteJWKSet> | undefined

    const discover = Effect.suspend(() =>
      configuration !== undefined
        ? Effect.succeed(configuration)
        : Effect.tryPromise({
            try: () =>
              client.discovery(issuerUrl, options.clientId, { id_token_signed_response_alg: algorithm }, clientAuth, {
                [client.customFetch]: fetch,
                execute: insecure ? [client.allowInsecureRequests] : [],
                timeout: Math.ceil(Duration.toSeconds(timeout))
              }),
            catch: classifyDiscovery
          }).pipe(
            Effect.tap((discovered) =>
              Effect.sync(() => {
                configuration = discovered
              })
            )
          )
    )

    const keys = (config: client.Configuration) => {
      if (keySet !== undefined) return Effect.succeed(keySet)
      const jwksUri = config.serverMetadata().jwks_uri
      if (jwksUri === undefined) {
        return Effect.fail(
          ProviderError.make(name, new ProviderError.Misconfigured(), {
            description: "the broker's discovery document has no jwks_uri"
          })
        )
      }
      keySet = jose.createRemoteJWKSet(new URL(jwksUri), {
        // jose accepts only a 200; anything else is rejected here with the response, to be classified by status.
        [jose.customFetch]: (url: string, init: FetchOptions) =>
          fetch(url, init).then((response) =>
            response.status === 200 ? response : Promise.reject(new Error("the JWKS answered", { cause: response }))
          ),
        timeoutDuration: Duration.toMillis(timeout),
        cooldownDuration: Duration.toMillis(Duration.fromInputUnsafe(options.jwksCooldown ?? Duration.seconds(30)))
      })
      return Effect.succeed(keySet)
    }

    /** Verifies the ID token's signature (and, again, its issuer and audience) with the broker's JWKS. */
    const verifySignature = (config: client.Configuration, idToken: string) =>
      Effect.gen(function* () {
        const jwks = yield* keys(config)
        return yield* Effect.tryPromise({
          try: () =>
            jose.jwtVerify(idToken, jwks, {
              issuer: config.serverMetadata().issuer,
              audience: options.clientId,
              algorithms: [algorithm],
              // openid-client has checked the times with its own tolerance; this check is about the signature.
              clockTolerance: 60
            }),
          catch: (error): ProviderError.ProviderError | CallbackFailure => {
            const broker = brokerFailure(error, "the JWKS")
            if (broker !== undefined) return broker
            if (error instanceof jose.errors.JWKSNoMatchingKey) {
              return new CallbackFailure({
                code: "id_token_signature_invalid",
                description: "the ID token is signed with a key the broker does not publish"
              })
            }
            if (error instanceof jose.errors.JWSSignatureVerificationFailed) {
              return new CallbackFailure({
                code: "id_token_signature_invalid",
                description: "the ID token's signature does not verify with the broker's key"
              })
            }
            if (error instanceof jose.errors.JWTExpired) {
              return new CallbackFailure({ code: "id_token_expired", description: "the ID token has expired" })
            }
            return new CallbackFailure({
              code: "id_token_invalid",
              description: `the ID token failed verification: ${error instanceof Error ? error.message : "unknown error"}`
            })
          }
        })
      })

    return OidcClient.of({
      issuer: options.issuer,
      clientId: options.clientId,

      authorize: (request) =>
        Effect.gen(function* () {
          const config = yield* discover
          const codeVerifier = client.randomPKCECodeVerifier()
          const codeChallenge = yield* Effect.promise(() => client.calculatePKCECodeChallenge(codeVerifier))
          const state = client.randomState()
          const nonce = client.randomNonce()
          const parameters: Record<string, string> = {
            response_type: "code",
            redirect_uri: request.returnUrl,
            scope: request.scope,
            state,
            nonce,
            code_challenge: codeChallenge,
            code_challenge_method: "S256"
          }
          if (request.acrValues !== undefined) parameters.acr_values = request.acrValues
          if (request.loginHint !== undefined) parameters.login_hint = request.loginHint
          if (request.uiLocales !== undefined) parameters.ui_locales = request.uiLocales
          const url = client.buildAuthorizationUrl(config, parameters)
          return { url: url.toString(), state, nonce, codeVerifier }
        }),

      authenticate: (callback) =>
        Effect.gen(function* () {
          const config = yield* discover
          const currentUrl = new URL(callback.returnUrl)
          currentUrl.search = new URLSearchParams(callback.params).toString()
          const tokens = yield* Effect.tryPromise({
            try: () =>
              client.authorizationCodeGrant(config, currentUrl, {
                pkceCodeVerifier: callback.codeVerifier,
                expectedState: callback.state,
                expectedNonce: callback.nonce,
                idTokenExpected: true
              }),
            catch: classifyExchange
          })
          const idToken = tokens.id_token
          if (idToken === undefined) {
            return yield* new CallbackFailure({ code: "invalid_response", description: "no ID token was issued" })
          }
          const verified = yield* verifySignature(config, idToken)
          const claims = verified.payload as Claims
          const userinfoEndpoint = config.serverMetadata().userinfo_endpoint
          if (options.userinfo === false || userinfoEndpoint === undefined) {
            return { idToken: claims, keyId: verified.protectedHeader.kid }
          }
          const userinfo = yield* Effect.tryPromise({
            try: () => client.fetchUserInfo(config, tokens.access_token, String(claims.sub)),
            catch: (error): ProviderError.ProviderError | CallbackFailure =>
              brokerFailure(error, "the userinfo endpoint") ??
              new CallbackFailure({
                code: "userinfo_invalid",
                description: `userinfo failed: ${error instanceof Error ? error.message : "unknown error"}`
              })
          })
          return { idToken: claims, keyId: verified.protectedHeader.kid, userinfo: userinfo as Claims }
        })
    })
  })

/**
 * The client as a layer; the application provides the `HttpClient`.
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<OidcClient, never, HttpClient.HttpClient> =>
  Layer.effect(OidcClient, make(options))

/**
 * {@link layer} configured from the environment, with the adapter's variable names: `OIDC_ISSUER`, `OIDC_CLIENT_ID`,
 * `OIDC_CLIENT_SECRET` and, optionally, `OIDC_TOKEN_ENDPOINT_AUTH_METHOD` (`client_secret_basic`, the default, or
 * `client_secret_post`) and `OIDC_USERINFO` (default true). For using the broker's client directly; the provider's
 * own `layerConfig` reads these and its eID settings.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<OidcClient, Config.ConfigError, HttpClient.HttpClient> = Layer.unwrap(
  Effect.gen(function* () {
    const issuer = yield* Config.String("OIDC_ISSUER")
    const clientId = yield* Config.String("OIDC_CLIENT_ID")
    const clientSecret = yield* Config.Redacted("OIDC_CLIENT_SECRET")
    const tokenEndpointAuthMethod = yield* Config.schema(
      TokenEndpointAuthMethod,
      "OIDC_TOKEN_ENDPOINT_AUTH_METHOD"
    ).pipe(Config.withDefault<TokenEndpointAuthMethod>("client_secret_basic"))
    const userinfo = yield* Config.Boolean("OIDC_USERINFO").pipe(Config.withDefault(true))
    return layer({ issuer, clientId, clientSecret, tokenEndpointAuthMethod, userinfo })
  })
)
