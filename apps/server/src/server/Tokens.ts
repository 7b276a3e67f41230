/**
 * OAuth 2.0 client credentials: checks an API client's id and secret and issues a short-lived access token (a JWT
 * signed with ES256 through `jose`), and verifies the tokens presented on `/assure` paths — signature, issuer,
 * audience and expiry.
 *
 * The signing key is made when the server starts: tokens do not survive a restart, which for ten-minute tokens only
 * means clients ask again.
 *
 * With an external issuer configured, its tokens are accepted too: verified against the JSON Web Key Set it
 * publishes (fetched when needed, cached, fetched again for a key it does not hold), with its exact issuer, this
 * server's audience for it, and an expiry; the client they act for is named by a claim.
 *
 * A token that passed is remembered until it expires (`VerifiedTokens`), so a client presenting the same token again
 * is not verified again.
 *
 * Client secrets are hashed off the event loop, on worker threads of a low CPU priority (Secrets.ts), at most
 * `ASSURE_TOKEN_VERIFICATIONS` at once: the rest wait their turn, so that a flood of guesses cannot take every core. Waiting attempts are served in two lanes by turns: clients proven at their address, and
 * everyone else. The token endpoint's limits (TokenLimiter.ts) are consulted before an attempt gets here.
 */
import { Clock, Context, Duration, Effect, Layer, Option, PartitionedSemaphore, Schema } from "effect"
import { createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from "jose"
import { hashingWorkers, SecretVerifier } from "./Secrets.js"
import { type ExternalIssuer, ServerConfig } from "./ServerConfig.js"
import * as VerifiedTokens from "./VerifiedTokens.js"

/** Why a token or client credentials were refused (never which part of a secret was wrong). */
export class TokenRefused extends Schema.TaggedError<TokenRefused>("@assure/server/TokenRefused")("TokenRefused", {
  reason: Schema.String
}) {}

/** The scope the Assure API uses. */
export const scope = "signicat-api"

/** The scope an administrative client's tokens carry besides (`ASSURE_ADMIN_CLIENTS`): it may manage its routing policy. */
export const adminScope = "assure-admin"

/** The scopes of a client's tokens. */
export const scopesOf = (clientId: string, adminClients: ReadonlyArray<string>): string =>
  adminClients.includes(clientId) ? `${scope} ${adminScope}` : scope

export class Tokens extends Context.Service<
  Tokens,
  {
    /**
     * Checks client credentials and issues a token; the same error for an unknown client and a wrong secret. A
     * `proven` attempt (TokenLimiter.ts) takes turns for the hashing with all the others.
     */
    readonly issue: (
      clientId: string,
      clientSecret: string,
      lane?: "proven" | "unproven"
    ) => Effect.Effect<{ readonly token: string; readonly expiresIn: number; readonly scope: string }, TokenRefused>
    /** Verifies a bearer token — the server's own or the external issuer's — and returns its client id. */
    readonly verify: (token: string) => Effect.Effect<string, TokenRefused>
    /** The public key, for clients that verify tokens themselves. */
    readonly jwk: Record<string, unknown>
  }
>()("@assure/server/Tokens") {}

/** What external tokens may be signed with: public-key algorithms only, so a published key can never sign. */
const externalAlgorithms = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519"
]

/** The `iss` a token claims, before anything is verified: only to choose which issuer's keys to verify it with. */
const claimedIssuer = (token: string): string | undefined => {
  try {
    const { iss } = decodeJwt(token)
    return typeof iss === "string" ? iss : undefined
  } catch {
    return undefined
  }
}

const codeOf = (error: unknown) =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

/** Why jose refused a token, in words for the client: never the token, never a key. */
const refusalOf = (error: unknown): TokenRefused => {
  switch (codeOf(error)) {
    case "ERR_JWT_EXPIRED":
      return new TokenRefused({ reason: "the token has expired" })
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const claim = (error as { claim?: unknown }).claim
      return new TokenRefused({
        reason: typeof claim === "string" ? `the token's ${claim} claim is not accepted` : "the token is not valid"
      })
    }
    case "ERR_JWKS_NO_MATCHING_KEY":
      return new TokenRefused({ reason: "the token is signed with a key its issuer does not publish" })
    default:
      return new TokenRefused({ reason: "the token is not valid" })
  }
}

/** How many verified tokens are remembered: a few per client of a busy server, about a megabyte. */
const rememberedTokens = 4_096

/** Seconds of leeway for another machine's clock, on the external issuer's `exp` and `nbf`. */
const externalClockTolerance = 30

/** When a verified token stops being accepted: its `exp` (jose required one), plus any leeway. */
const expiryOf = (payload: JWTPayload, toleranceSeconds: number) => ((payload.exp ?? 0) + toleranceSeconds) * 1000

/** Errors of fetching the key set rather than of the token. */
const isKeySetUnavailable = (error: unknown) => {
  const code = codeOf(error)
  return code === undefined || code === "ERR_JWKS_TIMEOUT" || code === "ERR_JWKS_INVALID" || code === "ERR_JOSE_GENERIC"
}

/** Verifies the external issuer's tokens and returns the client they name. */
const externalVerifier = (external: ExternalIssuer) => {
  const keys = createRemoteJWKSet(new URL(external.jwksUrl), {
    timeoutDuration: 5_000,
    // At most one fetch every 30 seconds for a key not in the set, so forged key ids cannot flood the issuer.
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000
  })
  const clientOf = (payload: JWTPayload): string | undefined => {
    const named = payload[external.clientClaim] ?? payload.sub
    return typeof named === "string" && named.length > 0 && named.length <= 255 ? named : undefined
  }
  return (token: string): Effect.Effect<VerifiedTokens.Verified, TokenRefused> =>
    Effect.tryPromise({
      try: () =>
        jwtVerify(token, keys, {
          issuer: external.issuer,
          audience: external.audience,
          algorithms: externalAlgorithms,
          requiredClaims: ["exp"],
          clockTolerance: externalClockTolerance
        }),
      catch: (error) => error
    }).pipe(
      Effect.catch((error) =>
        isKeySetUnavailable(error)
          ? Effect.andThen(
              Effect.logWarning("the external issuer's keys could not be fetched", {
                reason: codeOf(error) ?? (error instanceof Error ? error.name : "unknown")
              }),
              Effect.fail(new TokenRefused({ reason: "the token's issuer could not be reached to check it" }))
            )
          : Effect.fail(refusalOf(error))
      ),
      Effect.flatMap(({ payload }) => {
        const clientId = clientOf(payload)
        return clientId === undefined
          ? Effect.fail(new TokenRefused({ reason: `the token names no client (${external.clientClaim} or sub)` }))
          : Effect.succeed({ clientId, expiresAt: expiryOf(payload, externalClockTolerance) })
      })
    )
}

export const layer = Layer.effect(
  Tokens,
  Effect.gen(function* () {
    const settings = yield* ServerConfig
    const { privateKey, publicKey } = yield* Effect.promise(() => generateKeyPair("ES256"))
    const jwk = yield* Effect.promise(() => exportJWK(publicKey))
    const issuer = settings.publicUrl
    const audience = `${settings.publicUrl}/assure`
    const lifetime = Math.max(1, Math.floor(Duration.toSeconds(settings.tokenLifetime)))
    const clients = new Map(settings.clients.map((client) => [client.id, client.secretHash]))
    // A hash to compare against for unknown clients, so a miss costs as much as a wrong secret.
    const decoy = settings.clients[0]?.secretHash ?? ""
    const verifySecret = (yield* SecretVerifier)(yield* hashingWorkers(settings.tokenLimits.concurrentVerifications))
    const hashing = yield* PartitionedSemaphore.make<"proven" | "unproven">({
      permits: settings.tokenLimits.concurrentVerifications
    })
    const external = Option.map(settings.externalIssuer, (issuer) => ({
      issuer: issuer.issuer,
      verify: externalVerifier(issuer)
    }))

    const verified = VerifiedTokens.make(rememberedTokens)

    const verifyOwn = (token: string): Effect.Effect<VerifiedTokens.Verified, TokenRefused> =>
      Effect.tryPromise({
        try: () => jwtVerify(token, publicKey, { issuer, audience, algorithms: ["ES256"], requiredClaims: ["exp"] }),
        catch: (error) =>
          new TokenRefused({
            reason: codeOf(error) === "ERR_JWT_EXPIRED" ? "the token has expired" : "the token is not valid"
          })
      }).pipe(
        Effect.flatMap(({ payload }) =>
          typeof payload.sub === "string" && clients.has(payload.sub)
            ? Effect.succeed({ clientId: payload.sub, expiresAt: expiryOf(payload, 0) })
            : Effect.fail(new TokenRefused({ reason: "the token's client is not configured" }))
        )
      )

    return Tokens.of({
      jwk: { ...jwk, alg: "ES256", use: "sig" },
      issue: (clientId, clientSecret, lane = "unproven") =>
        Effect.gen(function* () {
          const hash = clients.get(clientId)
          const valid =
            (yield* hashing.withPermit(lane)(verifySecret(clientSecret, hash ?? decoy))) && hash !== undefined
          if (!valid) return yield* new TokenRefused({ reason: "invalid_client" })
          const scopes = scopesOf(clientId, settings.adminClients)
          const token = yield* Effect.promise(() =>
            new SignJWT({ scope: scopes })
              .setProtectedHeader({ alg: "ES256" })
              .setSubject(clientId)
              .setIssuer(issuer)
              .setAudience(audience)
              .setIssuedAt()
              .setExpirationTime(`${lifetime}s`)
              .sign(privateKey)
          )
          return { token, expiresIn: lifetime, scope: scopes }
        }),
      verify: (token) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const remembered = verified.lookup(token, now)
          if (remembered !== undefined) return Effect.succeed(remembered)
          const check =
            Option.isSome(external) && claimedIssuer(token) === external.value.issuer
              ? external.value.verify(token)
              : verifyOwn(token)
          return Effect.map(check, (result) => {
            verified.remember(token, result)
            return result.clientId
          })
        })
    })
  })
)
