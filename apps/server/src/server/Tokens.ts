/**
 * OAuth 2.0 client credentials: checks an API client's id and secret and issues a short-lived access token (a JWT
 * signed with ES256 through `jose`), and verifies the tokens presented on `/assure` paths — signature, issuer,
 * audience and expiry.
 *
 * The signing key is made when the server starts: tokens do not survive a restart, which for ten-minute tokens only
 * means clients ask again.
 */
import { Context, Duration, Effect, Layer, Schema } from "effect"
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose"
import { verifySecret } from "./Secrets.js"
import { ServerConfig } from "./ServerConfig.js"

/** Why a token or client credentials were refused (never which part of a secret was wrong). */
export class TokenRefused extends Schema.TaggedError<TokenRefused>("@assure/server/TokenRefused")("TokenRefused", {
  reason: Schema.String
}) {}

/** The scope the Assure API uses. */
export const scope = "signicat-api"

export class Tokens extends Context.Service<
  Tokens,
  {
    /** Checks client credentials and issues a token; the same error for an unknown client and a wrong secret. */
    readonly issue: (
      clientId: string,
      clientSecret: string
    ) => Effect.Effect<{ readonly token: string; readonly expiresIn: number }, TokenRefused>
    /** Verifies a bearer token and returns its client id. */
    readonly verify: (token: string) => Effect.Effect<string, TokenRefused>
    /** The public key, for clients that verify tokens themselves. */
    readonly jwk: Record<string, unknown>
  }
>()("@assure/server/Tokens") {}

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

    return Tokens.of({
      jwk: { ...jwk, alg: "ES256", use: "sig" },
      issue: (clientId, clientSecret) =>
        Effect.gen(function* () {
          const hash = clients.get(clientId)
          const valid = verifySecret(clientSecret, hash ?? decoy) && hash !== undefined
          if (!valid) return yield* new TokenRefused({ reason: "invalid_client" })
          const token = yield* Effect.promise(() =>
            new SignJWT({ scope })
              .setProtectedHeader({ alg: "ES256" })
              .setSubject(clientId)
              .setIssuer(issuer)
              .setAudience(audience)
              .setIssuedAt()
              .setExpirationTime(`${lifetime}s`)
              .sign(privateKey)
          )
          return { token, expiresIn: lifetime }
        }),
      verify: (token) =>
        Effect.tryPromise({
          try: () => jwtVerify(token, publicKey, { issuer, audience, algorithms: ["ES256"] }),
          catch: (error) =>
            new TokenRefused({
              reason:
                (error as { code?: string }).code === "ERR_JWT_EXPIRED"
                  ? "the token has expired"
                  : "the token is not valid"
            })
        }).pipe(
          Effect.flatMap(({ payload }) =>
            typeof payload.sub === "string" && clients.has(payload.sub)
              ? Effect.succeed(payload.sub)
              : Effect.fail(new TokenRefused({ reason: "the token's client is not configured" }))
          )
        )
    })
  })
)
