/**
 * An external token issuer: tokens signed by an OAuth server the operator trusts — verified against the key set it
 * publishes (here a loopback HTTP server), with its issuer, this server's audience and an expiry — open the `/assure`
 * paths for the client they name, next to the server's own tokens; anything else is a 401 problem.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Exit, Option } from "effect"
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadWith } from "./support/config.js"
import { apiClient, clients, freePort, type Running, startServer } from "./support/server.js"

/** The audience defaults to the server's public URL: give it one to expect. */
const loadWithPublicUrl = (variables: Record<string, string>) =>
  loadWith({ ASSURE_PUBLIC_URL: "https://assure.example", ...variables })

describe("the external issuer's settings", () => {
  it("are off by default; with an issuer and a key set, the audience defaults to the server's and the claim to client_id", async () => {
    const off = await loadWithPublicUrl({})
    expect(Exit.isSuccess(off) && Option.isNone(off.value.externalIssuer)).toBe(true)
    const on = await loadWithPublicUrl({
      ASSURE_EXTERNAL_ISSUER: "https://idp.example/realms/assure",
      ASSURE_EXTERNAL_JWKS_URL: "https://idp.example/realms/assure/certs"
    })
    expect(Exit.isSuccess(on) ? on.value.externalIssuer : undefined).toEqual(
      Option.some({
        issuer: "https://idp.example/realms/assure",
        jwksUrl: "https://idp.example/realms/assure/certs",
        audience: "https://assure.example/assure",
        clientClaim: "client_id"
      })
    )
    const custom = await loadWithPublicUrl({
      ASSURE_EXTERNAL_ISSUER: "https://idp.example",
      ASSURE_EXTERNAL_JWKS_URL: "http://127.0.0.1:9000/jwks.json",
      ASSURE_EXTERNAL_AUDIENCE: "assure-api",
      ASSURE_EXTERNAL_CLIENT_CLAIM: "azp"
    })
    expect(Exit.isSuccess(custom) ? custom.value.externalIssuer : undefined).toMatchObject(
      Option.some({ audience: "assure-api", clientClaim: "azp" })
    )
  })

  it("refuse at start a key set without issuer, an issuer without key set, and keys over plain http elsewhere", async () => {
    const settingRefused = async (variables: Record<string, string>) => {
      const exit = await loadWithPublicUrl(variables)
      if (Exit.isSuccess(exit)) return undefined
      const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
      return (error as { setting?: string } | undefined)?.setting
    }
    const jwks = "https://idp.example/certs"
    expect(await settingRefused({ ASSURE_EXTERNAL_JWKS_URL: jwks })).toBe("ASSURE_EXTERNAL_ISSUER")
    expect(await settingRefused({ ASSURE_EXTERNAL_AUDIENCE: "assure-api" })).toBe("ASSURE_EXTERNAL_ISSUER")
    expect(await settingRefused({ ASSURE_EXTERNAL_ISSUER: "https://idp.example" })).toBe("ASSURE_EXTERNAL_JWKS_URL")
    expect(
      await settingRefused({
        ASSURE_EXTERNAL_ISSUER: "https://idp.example",
        ASSURE_EXTERNAL_JWKS_URL: "http://idp.example/certs"
      })
    ).toBe("ASSURE_EXTERNAL_JWKS_URL")
    expect(
      await settingRefused({ ASSURE_EXTERNAL_ISSUER: "https://idp.example", ASSURE_EXTERNAL_JWKS_URL: "not a url" })
    ).toBe("ASSURE_EXTERNAL_JWKS_URL")
    expect(
      await settingRefused({ ASSURE_EXTERNAL_ISSUER: "https://assure.example", ASSURE_EXTERNAL_JWKS_URL: jwks })
    ).toBe("ASSURE_EXTERNAL_ISSUER")
    expect(
      await settingRefused({
        ASSURE_EXTERNAL_ISSUER: "https://idp.example",
        ASSURE_EXTERNAL_JWKS_URL: jwks,
        ASSURE_EXTERNAL_CLIENT_CLAIM: "client id"
      })
    ).toBe("ASSURE_EXTERNAL_CLIENT_CLAIM")
  })
})

const issuer = "https://idp.example/realms/assure"
const audience = "https://assure.example/api"

interface SigningKey {
  readonly kid: string
  readonly alg: string
  readonly privateKey: CryptoKey
}

describe("bearer tokens from the external issuer", () => {
  let keySet: Server
  let keySetFetches = 0
  let server: Running
  let published: SigningKey
  let published2: SigningKey
  let unpublished: SigningKey
  let impostor: SigningKey

  const key = async (kid: string, alg: string): Promise<SigningKey & { jwk: Record<string, unknown> }> => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } }
  }

  /** A token as the issuer would sign it, with these claims changed. */
  const token = (claims: JWTPayload = {}, signer: SigningKey = published) => {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ client_id: "gamma", scope: "assure", ...claims })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: "at+jwt" })
      .setIssuer(typeof claims.iss === "string" ? claims.iss : issuer)
      .setAudience(claims.aud ?? audience)
      .setSubject(typeof claims.sub === "string" ? claims.sub : "service-account-gamma")
      .setIssuedAt(now)
      .setExpirationTime(typeof claims.exp === "number" ? claims.exp : now + 300)
      .sign(signer.privateKey)
  }

  const call = async (bearer: string, method = "GET", path = "/assure/dossiers", body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      json: (text.length > 0 ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined
    }
  }

  beforeAll(async () => {
    const rsa = await key("rsa-2026", "RS256")
    const ec = await key("ec-2026", "ES256")
    const other = await key("never-published", "RS256")
    // The same key id as a published key, another key behind it.
    const forged = await key("rsa-2026", "RS256")
    published = rsa
    published2 = ec
    unpublished = other
    impostor = forged
    keySet = createServer((request, response) => {
      if (request.url !== "/protocol/openid-connect/certs") {
        response.writeHead(404)
        response.end()
        return
      }
      keySetFetches++
      response.writeHead(200, { "content-type": "application/json" })
      response.end(JSON.stringify({ keys: [rsa.jwk, ec.jwk] }))
    })
    await new Promise<void>((resolve) => keySet.listen(0, "127.0.0.1", resolve))
    server = await startServer({
      externalIssuer: Option.some({
        issuer,
        jwksUrl: `http://127.0.0.1:${(keySet.address() as AddressInfo).port}/protocol/openid-connect/certs`,
        audience,
        clientClaim: "client_id"
      })
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    keySet?.closeAllConnections()
    keySet?.close()
  })

  it("open the /assure paths for the client they name, a tenant of its own, beside the server's own tokens", async () => {
    const gamma = await token()
    const created = await call(gamma, "POST", "/assure/dossiers", { externalReference: "external-client" })
    expect(created.status).toBe(201)
    const dossierId = created.json?.dossierId as string

    // Any key in the set, and the same client in another token: the same tenant.
    const again = await call(await token({}, published2), "GET", `/assure/dossiers/${dossierId}`)
    expect(again.status).toBe(200)
    expect(again.json?.externalReference).toBe("external-client")

    // Another client of the issuer, and a client of the server's own, see nothing of gamma's.
    expect((await call(await token({ client_id: "delta" }), "GET", `/assure/dossiers/${dossierId}`)).status).toBe(404)
    const alpha = await apiClient(server, clients.alpha)
    expect((await alpha.call("GET", `/assure/dossiers/${dossierId}`)).status).toBe(404)
    const alphaList = (await alpha.call("GET", "/assure/dossiers?limit=100")).json as { dossiers: Array<unknown> }
    expect(alphaList.dossiers).not.toContainEqual(expect.objectContaining({ dossierId }))

    // Without client_id, the subject names the client.
    const bySubject = await token({ client_id: undefined, sub: "gamma" })
    expect((await call(bySubject, "GET", `/assure/dossiers/${dossierId}`)).status).toBe(200)
    // The key set was fetched once and kept.
    expect(keySetFetches).toBe(1)
  })

  const refusedWith = async (bearer: string, detail: string | RegExp) => {
    const refused = await call(bearer)
    expect(refused.status).toBe(401)
    expect(refused.contentType).toContain("application/problem+json")
    expect(refused.json).toMatchObject({ status: 401, code: "invalid_token", instance: "/assure/dossiers" })
    expect(refused.json?.detail).toMatch(detail)
  }

  it("are refused for another audience", async () => {
    await refusedWith(await token({ aud: "https://other-service.example" }), /aud claim is not accepted/)
  })

  it("are refused from another issuer, even signed with the issuer's key", async () => {
    await refusedWith(await token({ iss: "https://idp.example/realms/other" }), /not valid/)
  })

  it("are refused once expired, beyond a little clock leeway", async () => {
    const now = Math.floor(Date.now() / 1000)
    await refusedWith(await token({ exp: now - 120, iat: now - 420 }), /expired/)
  })

  it("are refused without an expiry", async () => {
    const now = Math.floor(Date.now() / 1000)
    const noExpiry = await new SignJWT({ client_id: "gamma" })
      .setProtectedHeader({ alg: "RS256", kid: published.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .sign(published.privateKey)
    await refusedWith(noExpiry, /exp claim is not accepted/)
  })

  it("are refused when signed with a key the issuer does not publish, or another key under a published id", async () => {
    await refusedWith(await token({}, unpublished), /key its issuer does not publish/)
    await refusedWith(await token({}, impostor), /not valid/)
  })

  it("are refused when signed with a shared secret (HS256), or not signed at all", async () => {
    const now = Math.floor(Date.now() / 1000)
    const secret = new TextEncoder().encode("a shared secret a forger might guess, 32+ bytes")
    const hs256 = await new SignJWT({ client_id: "gamma" })
      .setProtectedHeader({ alg: "HS256", kid: published.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(now + 300)
      .sign(secret)
    await refusedWith(hs256, /not valid/)
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
    const unsigned = `${encode({ alg: "none" })}.${encode({ iss: issuer, aud: audience, exp: now + 300, client_id: "gamma" })}.`
    await refusedWith(unsigned, /not valid/)
  })

  it("are refused when they name no client", async () => {
    await refusedWith(await token({ client_id: undefined, sub: "" }), /names no client/)
  })

  it("are refused, saying so, while the issuer's key set cannot be fetched", async () => {
    const closedPort = await freePort()
    const unreachable = await startServer({
      externalIssuer: Option.some({
        issuer,
        jwksUrl: `http://127.0.0.1:${closedPort}/certs`,
        audience,
        clientClaim: "client_id"
      })
    })
    try {
      const refused = await fetch(`${unreachable.url}/assure/dossiers`, {
        headers: { authorization: `Bearer ${await token()}` }
      })
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/issuer could not be reached/)
      // The server's own tokens do not depend on the issuer.
      const alpha = await apiClient(unreachable, clients.alpha)
      expect((await alpha.call("GET", "/assure/dossiers")).status).toBe(200)
    } finally {
      await unreachable.stop()
    }
  }, 60_000)
})
