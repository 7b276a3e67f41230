/**
 * `POST /auth/open/connect/token`: OAuth 2.0 client credentials, safe to leave open to the internet.
 *
 * In order, each step cheaper than the next: the grant type; the credentials' form (ClientCredentials.ts: anything
 * malformed is `invalid_client`, never a 500); the limits per client id and per source address (TokenLimiter.ts), so
 * that a refused attempt is answered 429 with `Retry-After` before any hashing — after a delay, so that a client
 * retrying in a loop slows down instead of spinning the event loop; then the secret, hashed off the event loop
 * (Tokens.ts). A refusal is problem details with `code` and, as RFC 6749 §5.2 has it, `error`
 * (`invalid_client`), and `WWW-Authenticate: Basic` when the client used the Authorization header.
 */
import { AssureApi } from "@assure/api/Api"
import { TooManyRequests, Unauthorized } from "@assure/api/Problems"
import { Duration, Effect, Layer, Result } from "effect"
import { type HttpServerRequest, HttpServerRespondable, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import * as ClientCredentials from "./ClientCredentials.js"
import { badRequest, requestMembers } from "./ProblemMapping.js"
import { ServerConfig } from "./ServerConfig.js"
import * as TokenLimiter from "./TokenLimiter.js"
import { Tokens } from "./Tokens.js"

/** How many refused attempts wait out the refusal delay at once; past that, they are answered at once. */
const maxDelayedRefusals = 1_024

/** The challenge that names the scheme a client should authenticate with. */
const basicChallenge = { "www-authenticate": 'Basic realm="assure", charset="UTF-8"' }

/** 401 `invalid_client`, with the OAuth `error` member next to the problem's `code`. */
const invalidClient = (detail: string, basic: boolean) =>
  Effect.flatMap(requestMembers, (members) =>
    HttpServerRespondable.toResponse(
      new Unauthorized({ ...members, detail, code: "invalid_client", error: "invalid_client" })
    ).pipe(Effect.map(HttpServerResponse.setHeaders(basic ? basicChallenge : {})))
  )

/** 429 with `Retry-After`. */
const tooManyAttempts = (retryAfter: number, limit: "client" | "address") =>
  Effect.flatMap(requestMembers, (members) => {
    const detail = `Too many failed attempts ${limit === "client" ? "for this client" : "from this address"}; retry after ${retryAfter} s`
    return HttpServerRespondable.toResponse(new TooManyRequests({ ...members, detail })).pipe(
      Effect.map(HttpServerResponse.setHeader("retry-after", String(retryAfter)))
    )
  })

const issue = (
  tokens: Tokens["Service"],
  limiter: TokenLimiter.TokenLimiter["Service"],
  slowDown: Effect.Effect<void>,
  payload: { readonly grant_type: string; readonly client_id?: string; readonly client_secret?: string },
  request: HttpServerRequest.HttpServerRequest
) =>
  Effect.gen(function* () {
    if (payload.grant_type !== "client_credentials") {
      return yield* badRequest("Only the client_credentials grant is supported", [
        { name: "grant_type", reason: "must be client_credentials" }
      ])
    }
    const credentials = ClientCredentials.parse({
      authorization: request.headers.authorization,
      clientId: payload.client_id,
      clientSecret: payload.client_secret
    })
    if (Result.isFailure(credentials)) {
      return yield* invalidClient(
        `The client credentials are malformed: ${credentials.failure.reason}`,
        credentials.failure.basic
      )
    }
    const { clientId, clientSecret, method } = credentials.success
    const attempt = limiter.admit(clientId, TokenLimiter.addressKey(request.remoteAddress))
    if (attempt._tag === "Refused") {
      yield* slowDown
      return yield* tooManyAttempts(attempt.retryAfter, attempt.limit)
    }
    const issued = yield* Effect.result(tokens.issue(clientId, clientSecret, attempt.proven ? "proven" : "unproven"))
    if (Result.isFailure(issued))
      return yield* invalidClient("The client credentials are not valid", method === "basic")
    attempt.succeeded()
    return {
      access_token: issued.success.token,
      token_type: "Bearer" as const,
      expires_in: issued.success.expiresIn,
      scope: issued.success.scope
    }
  })

/** The `auth` group's handlers, with the limiter they consult. */
export const AuthHandlers = HttpApiBuilder.group(AssureApi, "auth", (handlers) =>
  Effect.gen(function* () {
    const tokens = yield* Tokens
    const limiter = yield* TokenLimiter.TokenLimiter
    const delay = (yield* ServerConfig).tokenLimits.refusalDelay
    let delayed = 0
    const slowDown = Effect.suspend(() => {
      if (delayed >= maxDelayedRefusals || Duration.isZero(delay)) return Effect.void
      delayed++
      return Effect.ensuring(
        Effect.sleep(delay),
        Effect.sync(() => {
          delayed--
        })
      )
    })
    return handlers.handle("token", ({ payload, request }) => issue(tokens, limiter, slowDown, payload, request))
  })
).pipe(Layer.provide(TokenLimiter.layer))
