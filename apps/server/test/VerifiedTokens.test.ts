// The memory of verified tokens must never accept a token a fresh verification would refuse: not past its expiry,
// not a token that differs from the remembered one, and never more entries than its capacity.
import { describe, expect, it } from "vitest"
import * as VerifiedTokens from "../src/server/VerifiedTokens.js"

describe("VerifiedTokens", () => {
  it("answers with the client of a remembered token until the instant it expires", () => {
    const tokens = VerifiedTokens.make(8)
    tokens.remember("token-a", { clientId: "alpha", expiresAt: 10_000 })
    expect(tokens.lookup("token-a", 9_999)).toBe("alpha")
    expect(tokens.lookup("token-a", 10_000)).toBeUndefined()
    // Forgotten once seen expired, so an expired token costs no memory.
    expect(tokens.size()).toBe(0)
  })

  it("knows only the exact token that was verified", () => {
    const tokens = VerifiedTokens.make(8)
    tokens.remember("header.payload.signature", { clientId: "alpha", expiresAt: 10_000 })
    expect(tokens.lookup("header.payload.signaturf", 0)).toBeUndefined()
    expect(tokens.lookup("header.payload.signature ", 0)).toBeUndefined()
  })

  it("drops the oldest tokens beyond its capacity", () => {
    const tokens = VerifiedTokens.make(2)
    tokens.remember("first", { clientId: "alpha", expiresAt: 10_000 })
    tokens.remember("second", { clientId: "beta", expiresAt: 10_000 })
    tokens.remember("third", { clientId: "gamma", expiresAt: 10_000 })
    expect(tokens.size()).toBe(2)
    expect(tokens.lookup("first", 0)).toBeUndefined()
    expect(tokens.lookup("second", 0)).toBe("beta")
    expect(tokens.lookup("third", 0)).toBe("gamma")
  })

  it("remembers nothing with no capacity", () => {
    const tokens = VerifiedTokens.make(0)
    tokens.remember("token", { clientId: "alpha", expiresAt: 10_000 })
    expect(tokens.lookup("token", 0)).toBeUndefined()
  })
})
