// The pieces of the token endpoint's defence, without a server: reading client credentials (never a throw, whatever
// arrives), the limiter's buckets on a clock of the test's own, what an address counts as, and which proxies are
// trusted — the X-Forwarded-For walk itself is Effect's `HttpMiddleware.xForwardedHeaders`, checked here with the
// networks our setting parses.
import { Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Result } from "effect"
import { HttpMiddleware, HttpServerRequest, HttpServerResponse } from "effect/http"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as ClientCredentials from "../src/server/ClientCredentials.js"
import { SecretVerifier, type Verifier } from "../src/server/Secrets.js"
import { ConfigurationError, parseNetwork, ServerConfig } from "../src/server/ServerConfig.js"
import * as TokenLimiter from "../src/server/TokenLimiter.js"
import * as Tokens from "../src/server/Tokens.js"
import { loadWith } from "./support/config.js"

const basic = (text: string | Uint8Array) => `Basic ${Buffer.from(text).toString("base64")}`

describe("reading client credentials", () => {
  it("reads Basic credentials, percent-decoded, and form credentials", () => {
    expect(ClientCredentials.parse({ authorization: basic("alpha:s3cret") })).toEqual(
      Result.succeed({ clientId: "alpha", clientSecret: "s3cret", method: "basic" })
    )
    expect(ClientCredentials.parse({ authorization: basic("a%3Ab:p%25ss%3Aw%C3%B8rd") })).toEqual(
      Result.succeed({ clientId: "a:b", clientSecret: "p%ss:wørd", method: "basic" })
    )
    // The scheme is case-insensitive, and a client may repeat its own id in the form.
    expect(ClientCredentials.parse({ authorization: `basic   ${btoa("alpha:s3cret")}  `, clientId: "alpha" })).toEqual(
      Result.succeed({ clientId: "alpha", clientSecret: "s3cret", method: "basic" })
    )
    expect(ClientCredentials.parse({ clientId: "alpha", clientSecret: "s3cret" })).toEqual(
      Result.succeed({ clientId: "alpha", clientSecret: "s3cret", method: "post" })
    )
  })

  it.each([
    ["not base64", "Basic !!!not-base64!!!", true],
    ["base64 of no colon", basic("alpha-without-a-secret"), true],
    ["malformed percent-encoding in the secret", basic("alpha:%zz"), true],
    ["malformed percent-encoding in the id", basic("%E0%A4%A:secret"), true],
    ["bytes that are not UTF-8", basic(new Uint8Array([0xff, 0xfe, 0x3a, 0x41])), true],
    ["an id that is too long", basic(`${"i".repeat(256)}:secret`), true],
    ["a secret that is too long", basic(`alpha:${"s".repeat(513)}`), true],
    ["a control character", basic("al\u0001pha:secret"), true],
    ["an empty id", basic(":secret"), true],
    ["an empty secret", basic("alpha:"), true],
    ["no token", "Basic", true],
    ["another scheme", "Bearer abc.def.ghi", true]
  ])("refuses %s in the Authorization header", (_, authorization, basicUsed) => {
    const parsed = ClientCredentials.parse({ authorization })
    expect(Result.isFailure(parsed) && parsed.failure.basic).toBe(basicUsed)
  })

  it("refuses credentials in both places, another id in the form, and half of a form", () => {
    const refused = (presented: ClientCredentials.Presented) => Result.isFailure(ClientCredentials.parse(presented))
    expect(refused({ authorization: basic("alpha:s3cret"), clientSecret: "s3cret" })).toBe(true)
    expect(refused({ authorization: basic("alpha:s3cret"), clientId: "beta" })).toBe(true)
    expect(refused({ clientId: "alpha" })).toBe(true)
    expect(refused({ clientSecret: "s3cret" })).toBe(true)
    expect(refused({})).toBe(true)
    expect(refused({ clientId: "alpha", clientSecret: "x".repeat(513) })).toBe(true)
  })

  it("never throws, and accepts only what fits the limits (property)", () => {
    const authorization = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.string({ unit: "binary" }).map((text) => `Basic ${text}`),
      fc.uint8Array({ maxLength: 600 }).map((bytes) => basic(bytes)),
      fc
        .tuple(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }))
        .map(([id, secret]) => basic(`${id}:${secret}`)),
      // Base64 with a character changed, dropped or added.
      fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.nat(), fc.constantFrom("", "=", "!", "%", " ", "é"))
        .map(([bytes, at, insert]) => {
          const token = Buffer.from(bytes).toString("base64")
          const index = at % token.length
          return `Basic ${token.slice(0, index)}${insert}${token.slice(index + 1)}`
        })
    )
    fc.assert(
      fc.property(
        fc.option(authorization, { nil: undefined }),
        fc.option(fc.string({ unit: "binary" }), { nil: undefined }),
        fc.option(fc.string({ unit: "binary" }), { nil: undefined }),
        (header, clientId, clientSecret) => {
          const parsed = ClientCredentials.parse({ authorization: header, clientId, clientSecret })
          if (Result.isSuccess(parsed)) {
            const { clientId: id, clientSecret: secret } = parsed.success
            expect(id.length).toBeGreaterThan(0)
            expect(id.length).toBeLessThanOrEqual(ClientCredentials.maxClientIdLength)
            expect(secret.length).toBeGreaterThan(0)
            expect(secret.length).toBeLessThanOrEqual(ClientCredentials.maxClientSecretLength)
            expect(/\p{Cc}/u.test(id + secret)).toBe(false)
          } else {
            expect(parsed.failure.reason.length).toBeGreaterThan(0)
          }
        }
      ),
      { numRuns: 2_000 }
    )
  })

  it("reads back any id and secret a client percent-encodes (property)", () => {
    const text = (maxLength: number) =>
      fc.string({ unit: "grapheme", minLength: 1, maxLength }).filter((value) => !/\p{Cc}/u.test(value))
    fc.assert(
      fc.property(text(60), text(120), (clientId, clientSecret) => {
        const header = basic(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)
        const parsed = ClientCredentials.parse({ authorization: header })
        const fits =
          clientId.length <= ClientCredentials.maxClientIdLength &&
          clientSecret.length <= ClientCredentials.maxClientSecretLength
        expect(parsed).toEqual(fits ? Result.succeed({ clientId, clientSecret, method: "basic" }) : expect.anything())
      })
    )
  })
})

describe("the token limiter", () => {
  const limits = {
    clientFailures: 3,
    addressFailures: 5,
    addressRequests: 8,
    window: Duration.seconds(60),
    concurrentVerifications: 1,
    refusalDelay: Duration.zero
  }
  const clock = () => {
    let now = 0
    return {
      now: () => now,
      advance: (millis: number) => {
        now += millis
      }
    }
  }
  const fail = (limiter: TokenLimiter.TokenLimiter["Service"], clientId: string, address: string) => {
    const attempt = limiter.admit(clientId, address)
    expect(attempt._tag).toBe("Admitted")
  }

  it("refuses a client id after its failures, whatever the address, and says when to retry", () => {
    const time = clock()
    const limiter = TokenLimiter.make(limits, time.now)
    for (const address of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) fail(limiter, "alpha", address)
    expect(limiter.admit("alpha", "192.0.2.4")).toEqual({ _tag: "Refused", retryAfter: 20, limit: "client" })
    // Another client, from another address, is not held back.
    expect(limiter.admit("beta", "192.0.2.5")._tag).toBe("Admitted")
    // One failure refills every 20 seconds.
    time.advance(19_000)
    expect(limiter.admit("alpha", "192.0.2.4")).toEqual({ _tag: "Refused", retryAfter: 1, limit: "client" })
    time.advance(1_000)
    expect(limiter.admit("alpha", "192.0.2.4")._tag).toBe("Admitted")
  })

  it("refuses an address after its failures, whatever the client ids", () => {
    const limiter = TokenLimiter.make(limits, clock().now)
    for (let guess = 0; guess < 5; guess++) fail(limiter, `guess-${guess}`, "198.51.100.7")
    expect(limiter.admit("beta", "198.51.100.7")).toEqual({ _tag: "Refused", retryAfter: 12, limit: "address" })
    expect(limiter.admit("beta", "198.51.100.8")._tag).toBe("Admitted")
  })

  it("lets successes through up to the address's own limit, and gives their failures back", () => {
    const limiter = TokenLimiter.make(limits, clock().now)
    for (let attempt = 0; attempt < 8; attempt++) {
      const admitted = limiter.admit("alpha", "203.0.113.1")
      expect(admitted._tag).toBe("Admitted")
      if (admitted._tag === "Admitted") admitted.succeeded()
    }
    expect(limiter.admit("alpha", "203.0.113.1")).toMatchObject({ _tag: "Refused", limit: "address" })
    // The client's failures were all given back: from elsewhere it still has its three.
    for (const address of ["203.0.113.2", "203.0.113.3", "203.0.113.4"]) fail(limiter, "alpha", address)
    expect(limiter.admit("alpha", "203.0.113.5")).toMatchObject({ _tag: "Refused", limit: "client" })
  })

  it("reserves before hashing, so that attempts in flight together cannot overrun a limit", () => {
    const limiter = TokenLimiter.make(limits, clock().now)
    const outcomes = Array.from({ length: 10 }, () => limiter.admit("alpha", "192.0.2.9")._tag)
    expect(outcomes.filter((tag) => tag === "Admitted")).toHaveLength(3)
  })

  it("proves a client id at an address where it succeeded, for a day", () => {
    const time = clock()
    const limiter = TokenLimiter.make(limits, time.now)
    const first = limiter.admit("alpha", "203.0.113.1")
    expect(first).toMatchObject({ _tag: "Admitted", proven: false })
    if (first._tag === "Admitted") first.succeeded()
    expect(limiter.admit("alpha", "203.0.113.1")).toMatchObject({ _tag: "Admitted", proven: true })
    // Not elsewhere, not another id, and not after a day.
    expect(limiter.admit("alpha", "203.0.113.2")).toMatchObject({ proven: false })
    expect(limiter.admit("beta", "203.0.113.1")).toMatchObject({ proven: false })
    time.advance(Duration.toMillis(TokenLimiter.provenFor))
    expect(limiter.admit("alpha", "203.0.113.1")).toMatchObject({ proven: false })
  })

  it("remembers a bounded number of ids, however many are tried", () => {
    const time = clock()
    const wide = { ...limits, clientFailures: 1, addressFailures: 1_000_000, addressRequests: 1_000_000 }
    const limiter = TokenLimiter.make(wide, time.now)
    for (let guess = 0; guess < TokenLimiter.maxKeys * 2; guess++) fail(limiter, `guess-${guess}`, "192.0.2.10")
    // No time has passed, yet the oldest were forgotten to make room, while the newest are still limited.
    expect(limiter.admit("guess-0", "192.0.2.11")._tag).toBe("Admitted")
    expect(limiter.admit(`guess-${TokenLimiter.maxKeys * 2 - 1}`, "192.0.2.11")._tag).toBe("Refused")
  })
})

describe("what an address counts as", () => {
  it("is the IPv4 address, mapped or not, and the /64 network of an IPv6 address", () => {
    expect(TokenLimiter.addressKey(Option.some("192.0.2.1"))).toBe("192.0.2.1")
    expect(TokenLimiter.addressKey(Option.some("::ffff:192.0.2.1"))).toBe("192.0.2.1")
    expect(TokenLimiter.addressKey(Option.some("2001:db8:1:2:aaaa::1"))).toBe("2001:db8:1:2::/64")
    expect(TokenLimiter.addressKey(Option.some("2001:db8:1:2:bbbb::9"))).toBe("2001:db8:1:2::/64")
    expect(TokenLimiter.addressKey(Option.some("fe80::1%eth0"))).toBe("fe80::/64")
    expect(TokenLimiter.addressKey(Option.none())).toBe("unknown")
    expect(TokenLimiter.addressKey(Option.some("not an address"))).toBe("unknown")
  })
})

describe("trusted proxies", () => {
  it("reads networks and single addresses from ASSURE_TRUSTED_PROXIES, and refuses anything else", async () => {
    const loaded = await loadWith({ ASSURE_TRUSTED_PROXIES: " 10.0.0.0/8, 192.0.2.7 ,fd00::/8,::1 " })
    expect(Exit.isSuccess(loaded)).toBe(true)
    if (Exit.isSuccess(loaded)) expect(loaded.value.trustedProxies).toHaveLength(4)
    expect(Exit.isSuccess(await loadWith({}))).toBe(true)
    for (const wrong of ["10.0.0.0/33", "10.0.0.1/8", "example.com", "10.0.0.0/8;"]) {
      const refused = await loadWith({ ASSURE_TRUSTED_PROXIES: wrong })
      expect(refused).toMatchObject({
        _tag: "Failure",
        cause: { reasons: [{ error: expect.any(ConfigurationError) }] }
      })
    }
  })

  const forwardedFor = (peer: string, header: string | undefined, trusted: ReadonlyArray<string>) => {
    const networks = trusted.map((entry) => parseNetwork(entry)).filter((network) => network !== undefined)
    const app = HttpServerRequest.HttpServerRequest.use((request) =>
      Effect.succeed(HttpServerResponse.text(TokenLimiter.addressKey(request.remoteAddress)))
    ).pipe(HttpMiddleware.xForwardedHeaders({ trustedProxies: networks }))
    const request = HttpServerRequest.fromWeb(
      new Request("http://assure.test/auth/open/connect/token", {
        headers: header === undefined ? {} : { "x-forwarded-for": header }
      })
    ).modify({ remoteAddress: Option.some(peer) })
    return Effect.runPromise(
      Effect.flatMap(Effect.provideService(app, HttpServerRequest.HttpServerRequest, request), (response) =>
        Effect.promise(() => HttpServerResponse.toWeb(response).text())
      )
    )
  }

  it("counts the address a trusted proxy forwards for, walking X-Forwarded-For from the right", async () => {
    // The client claims to be 6.6.6.6; the load balancer appended the address it really came from.
    expect(await forwardedFor("10.0.0.5", "6.6.6.6, 198.51.100.7", ["10.0.0.0/8"])).toBe("198.51.100.7")
    // Through two trusted hops.
    expect(await forwardedFor("10.0.0.5", "198.51.100.7, 10.0.0.9", ["10.0.0.0/8"])).toBe("198.51.100.7")
    // An IPv4 peer on a dual-stack socket is still the trusted proxy.
    expect(await forwardedFor("::ffff:10.0.0.5", "198.51.100.7", ["10.0.0.0/8"])).toBe("198.51.100.7")
  })

  it("ignores X-Forwarded-For from anyone else, and without trusted proxies", async () => {
    expect(await forwardedFor("198.51.100.99", "203.0.113.1", ["10.0.0.0/8"])).toBe("198.51.100.99")
    expect(await forwardedFor("10.0.0.5", "203.0.113.1", [])).toBe("10.0.0.5")
    // An entry that is not an address stops the walk: the proxy's own address counts.
    expect(await forwardedFor("10.0.0.5", "203.0.113.1, garbage", ["10.0.0.0/8"])).toBe("10.0.0.5")
  })
})

describe("hashing by turns", () => {
  it("serves a proven client between the guesses queued before it, not after them all", async () => {
    const loaded = await loadWith({})
    if (!Exit.isSuccess(loaded)) throw new Error("the test settings did not load")
    const settings = loaded.value
    const order: Array<string> = []
    const gate = Deferred.makeUnsafe<void>()
    // The first hash waits for the gate, so that everything after it queues.
    const verifier = (verify: Verifier) => (secret: string, stored: string) =>
      Effect.andThen(
        Effect.sync(() => order.push(secret)),
        Effect.andThen(order.length === 1 ? Deferred.await(gate) : Effect.void, verify(secret, stored))
      )
    const program = Effect.gen(function* () {
      const tokens = yield* Tokens.Tokens
      const guesses = yield* Effect.forEach(["guess-1", "guess-2", "guess-3", "guess-4", "guess-5"], (guess) =>
        Effect.forkChild(Effect.result(tokens.issue(`nobody-${guess}`, guess, "unproven")))
      )
      yield* Effect.yieldNow
      const proven = yield* Effect.forkChild(tokens.issue("alpha", "alpha-secret-value", "proven"))
      yield* Effect.yieldNow
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.joinAll(guesses)
      return yield* Fiber.join(proven)
    })
    const issued = await Effect.runPromise(
      program.pipe(
        Effect.provide(Tokens.layer.pipe(Layer.provide(Layer.succeed(ServerConfig, settings)))),
        Effect.provideService(SecretVerifier, verifier)
      )
    )
    expect(issued.token.length).toBeGreaterThan(0)
    expect(order).toHaveLength(6)
    expect(order.indexOf("alpha-secret-value")).toBeLessThanOrEqual(2)
  })
})
