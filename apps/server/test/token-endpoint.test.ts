// The token endpoint under attack, over HTTP against the running server: failed attempts are limited per client id and
// per source address with 429 and Retry-After, a refused attempt is never hashed (the server's hashes are counted
// through the `SecretVerifier` it reads), a legitimate client gets its token during a flood on another id, the
// address behind a trusted proxy is the one that counts, and malformed credentials are 401 invalid_client, never 500.
import { Duration, Effect, Layer } from "effect"
import { IpNetwork } from "effect/net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hashSecret, SecretVerifier, type Verifier } from "../src/server/Secrets.js"
import { type Running, startServer } from "./support/server.js"

/** Every hash the server computes, counted. */
let hashes = 0
const counting = Layer.succeed(
  SecretVerifier,
  (verify: Verifier) => (secret: string, stored: string) =>
    Effect.suspend(() => {
      hashes++
      return verify(secret, stored)
    })
)

const clientNames = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"] as const
const secretOf = (id: string) => `${id}-secret-value`
const limits = {
  clientFailures: 3,
  addressFailures: 5,
  addressRequests: 40,
  // Long, so that nothing refills while a test runs, however slow the machine.
  window: Duration.hours(1),
  concurrentVerifications: 1,
  // Refusals are answered at once here; the delay is the bench's to show (attempts per second under a flood).
  refusalDelay: Duration.zero
}

type Credentials =
  | { readonly basic: string; readonly form?: string }
  | { readonly form: string; readonly basic?: undefined }

const token = async (server: Running, from: string, credentials: Credentials, headers: Record<string, string> = {}) => {
  const response = await fetch(`${server.url}/auth/open/connect/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-for": from,
      ...(credentials.basic === undefined ? {} : { authorization: credentials.basic }),
      ...headers
    },
    body: `grant_type=client_credentials${credentials.form ?? ""}`
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, json: JSON.parse(text) as Record<string, unknown> }
}

const post = (id: string, secret: string) => ({
  form: `&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`
})
const basic = (text: string | Uint8Array) => ({ basic: `Basic ${Buffer.from(text).toString("base64")}` })

describe("the token endpoint under attack", () => {
  let server: Running
  beforeAll(async () => {
    server = await startServer(
      {
        clients: clientNames.map((id) => ({ id, secretHash: hashSecret(secretOf(id)) })),
        tokenLimits: limits,
        // The tests stand in for a load balancer on loopback, naming each request's address in X-Forwarded-For.
        trustedProxies: [IpNetwork.fromStringUnsafe("127.0.0.1/32")]
      },
      {},
      counting
    )
  }, 60_000)
  afterAll(() => server?.stop())

  it("limits failed attempts per client id, from any address, with 429 and Retry-After and no hashing", async () => {
    for (const from of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
      expect((await token(server, from, post("alpha", "wrong"))).status).toBe(401)
    }
    const before = hashes
    const refused = await token(server, "192.0.2.4", post("alpha", "wrong"))
    expect(refused.status).toBe(429)
    expect(refused.headers.get("content-type")).toContain("application/problem+json")
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    expect(refused.json).toMatchObject({ status: 429, code: "too_many_requests", instance: "/auth/open/connect/token" })
    // Even the right secret is refused unhashed: the limiter answers before the secret is looked at.
    expect((await token(server, "192.0.2.5", post("alpha", secretOf("alpha")))).status).toBe(429)
    expect((await token(server, "192.0.2.6", basic(`alpha:${secretOf("alpha")}`))).status).toBe(429)
    expect(hashes).toBe(before)
    // Another client is not held back.
    expect((await token(server, "192.0.2.7", post("beta", secretOf("beta")))).status).toBe(200)
  })

  it("limits failed attempts per source address, whatever the client ids, and no other address", async () => {
    const from = "198.51.100.20"
    for (let guess = 0; guess < limits.addressFailures; guess++) {
      expect((await token(server, from, post(`nobody-${guess}`, "wrong"))).status).toBe(401)
    }
    const before = hashes
    const refused = await token(server, from, post("gamma", secretOf("gamma")))
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    expect(hashes).toBe(before)
    expect((await token(server, "198.51.100.21", post("gamma", secretOf("gamma")))).status).toBe(200)
  })

  it("never drains the failure limits with successes", async () => {
    for (let attempt = 0; attempt < limits.clientFailures + limits.addressFailures; attempt++) {
      expect((await token(server, "198.51.100.30", basic(`zeta:${secretOf("zeta")}`))).status).toBe(200)
    }
  })

  it("still issues a legitimate client its token during a flood of wrong secrets for another id", async () => {
    const before = hashes
    const flood = Promise.all(
      Array.from({ length: 40 }, (_, attempt) => token(server, "203.0.113.66", post("delta", `guess-${attempt}`)))
    )
    const legitimate = await token(server, "203.0.113.10", basic(`epsilon:${secretOf("epsilon")}`))
    expect(legitimate.status).toBe(200)
    expect(legitimate.json).toMatchObject({ token_type: "Bearer", expires_in: expect.any(Number) })
    const statuses = (await flood).map((response) => response.status)
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true)
    // Attempts in flight together cannot overrun the limit: three hashed for delta, one for epsilon.
    expect(statuses.filter((status) => status === 401)).toHaveLength(limits.clientFailures)
    expect(hashes - before).toBe(limits.clientFailures + 1)
  })

  it("counts the address the trusted proxy appended, not what the client wrote before it", async () => {
    // Each attempt claims another address on the left; the proxy's entry on the right is the same.
    for (let guess = 0; guess < limits.addressFailures; guess++) {
      const from = `6.6.6.${guess}, 198.51.100.40`
      expect((await token(server, from, post(`spoofer-${guess}`, "wrong"))).status).toBe(401)
    }
    expect((await token(server, "6.6.6.99, 198.51.100.40", post("eta", secretOf("eta")))).status).toBe(429)
    expect((await token(server, "198.51.100.41", post("eta", secretOf("eta")))).status).toBe(200)
  })

  it.each([
    ["not base64", { basic: "Basic !!!not-base64!!!" }, true],
    ["no colon", basic("theta-without-a-secret"), true],
    ["malformed percent-encoding in the secret", basic("theta:%zz"), true],
    ["malformed percent-encoding in the id", basic("%E0%A4%A:secret"), true],
    ["bytes that are not UTF-8", basic(new Uint8Array([0xff, 0xfe, 0x3a, 0x41])), true],
    ["an over-long client id", basic(`${"i".repeat(256)}:secret`), true],
    ["an over-long secret", post("theta", "s".repeat(513)), false],
    ["a control character", basic("the\u0001ta:secret"), true],
    ["an empty secret", basic("theta:"), true],
    ["another scheme", { basic: "Bearer abc.def.ghi" }, true],
    ["Basic and form credentials both", { ...basic(`theta:${secretOf("theta")}`), ...post("theta", "x") }, true],
    ["another client id in the form than in Basic", { ...basic("theta:x"), form: "&client_id=alpha" }, true],
    ["no credentials", { form: "" }, false],
    ["a client id without a secret", { form: "&client_id=theta" }, false]
  ] as const)("answers %s with 401 invalid_client, unhashed", async (_, credentials, basicUsed) => {
    const before = hashes
    const response = await token(server, "192.0.2.200", credentials)
    expect(response.status).toBe(401)
    expect(response.headers.get("content-type")).toContain("application/problem+json")
    expect(response.json).toMatchObject({ status: 401, code: "invalid_client", error: "invalid_client" })
    expect(response.headers.get("www-authenticate")?.startsWith("Basic ") ?? false).toBe(basicUsed)
    expect(hashes).toBe(before)
  })

  it("never answers 500 to a form with malformed percent-encoding", async () => {
    const response = await token(server, "192.0.2.203", { form: "&client_id=theta&client_secret=%zz%" })
    expect([400, 401]).toContain(response.status)
    expect(response.headers.get("content-type")).toContain("application/problem+json")
  })

  it("answers a wrong secret sent with Basic with the Basic challenge", async () => {
    const response = await token(server, "192.0.2.201", basic("theta:wrong"))
    expect(response.status).toBe(401)
    expect(response.json).toMatchObject({ code: "invalid_client", error: "invalid_client" })
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic realm=/)
    const form = await token(server, "192.0.2.202", post("theta", "wrong"))
    expect(form.status).toBe(401)
    expect(form.headers.get("www-authenticate")).toBeNull()
  })
})

describe("the token endpoint without trusted proxies", () => {
  let server: Running
  beforeAll(async () => {
    server = await startServer({ tokenLimits: { ...limits, addressFailures: 2 } })
  }, 60_000)
  afterAll(() => server?.stop())

  it("ignores X-Forwarded-For: every attempt counts against the connection's own address", async () => {
    expect((await token(server, "192.0.2.1", post("nobody-1", "wrong"))).status).toBe(401)
    expect((await token(server, "192.0.2.2", post("nobody-2", "wrong"))).status).toBe(401)
    const refused = await token(server, "192.0.2.3", post("alpha", "alpha-secret-value"))
    expect(refused.status).toBe(429)
    expect(refused.json).toMatchObject({ detail: expect.stringContaining("from this address") })
  })
})
