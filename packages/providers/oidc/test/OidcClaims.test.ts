// Claim mappings: what a broker sends becomes identity data through the core codecs, what it does not send stays
// absent, and what it sends in a wrong format fails with the field's path.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import fc from "fast-check"
import { OidcClaims, OidcPreset } from "../src/index.js"
import { identity } from "./fixtures.js"

const run = (claims: OidcClaims.Claims, mapping: OidcClaims.ClaimMapping) =>
  Effect.runSyncExit(OidcClaims.normalise(claims, mapping))

const digits = (length: number) => fc.stringMatching(new RegExp(`^[0-9]{${length}}$`))

const calendarDate = fc
  .date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2025-12-31T00:00:00Z"), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10))

// The Nordic and Dutch countries the presets cover, alpha-2 as the brokers send and alpha-3 as assure writes.
const countries = [
  ["NO", "NOR"],
  ["SE", "SWE"],
  ["DK", "DNK"],
  ["NL", "NLD"],
  ["FI", "FIN"]
] as const

describe("OidcClaims.normalise", () => {
  it("normalises Signicat's claims: nin as sent, its type lower-cased, its country alpha-3", () => {
    fc.assert(
      fc.property(
        fc.oneof(digits(10), digits(11), digits(12)),
        fc.constantFrom("BIRTH", "PERSON", "DNR"),
        fc.constantFrom(...countries),
        calendarDate,
        (nin, type, [alpha2, alpha3], birthdate) => {
          const exit = run(
            {
              nin,
              nin_type: type,
              nin_issuing_country: alpha2,
              birthdate,
              given_name: "Kari",
              family_name: "Nordmann"
            },
            OidcPreset.signicat.claims
          )
          assert.isTrue(Exit.isSuccess(exit))
          if (Exit.isSuccess(exit)) {
            assert.deepStrictEqual(
              exit.value,
              identity({
                firstName: "Kari",
                lastName: "Nordmann",
                dateOfBirth: birthdate,
                personalNumber: nin,
                personalNumberType: type.toLowerCase(),
                personalNumberIssuingCountry: alpha3
              })
            )
          }
        }
      )
    )
  })

  it("reads Idura's eID-specific number claims, whichever the eID sends", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("socialno", "ssn", "cprNumberIdentifier"),
        digits(11),
        fc.constantFrom(...countries),
        (claim, number, [alpha2, alpha3]) => {
          const exit = run({ [claim]: number, country: alpha2 }, OidcPreset.idura.claims)
          assert.isTrue(Exit.isSuccess(exit))
          if (Exit.isSuccess(exit)) {
            assert.deepStrictEqual(
              exit.value,
              identity({
                personalNumber: number,
                personalNumberIssuingCountry: alpha3
              })
            )
          }
        }
      )
    )
  })

  it("invents nothing: claims outside the mapping, empty strings and nulls leave every field absent", () => {
    const mapped = new Set(Object.values(OidcPreset.signicat.claims).flat())
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 12 }).filter((name) => !mapped.has(name)),
          fc.oneof(fc.string(), fc.integer(), fc.boolean())
        ),
        fc.constantFrom(...mapped),
        fc.constantFrom("", "   ", null),
        (unmapped, name, empty) => {
          const exit = run({ ...unmapped, [name]: empty }, OidcPreset.signicat.claims)
          assert.isTrue(Exit.isSuccess(exit))
          if (Exit.isSuccess(exit)) assert.deepStrictEqual(exit.value, {})
        }
      )
    )
  })

  it("reads a number's type and country only with the number: a country alone is not a nationality", () => {
    const exit = run({ nin_type: "BIRTH", nin_issuing_country: "NO", country: "NO" }, OidcPreset.signicat.claims)
    assert.deepStrictEqual(exit, Exit.succeed({}))
  })

  it("prefers the first claim the mapping lists", () => {
    const exit = run({ ssn: "198001011234", socialno: "30068512345" }, OidcPreset.idura.claims)
    assert.isTrue(Exit.isSuccess(exit) && exit.value.personalNumber === "30068512345")
  })

  it("refuses a birthdate that is not a calendar date, naming the field", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2025 }),
        fc.integer({ min: 13, max: 99 }),
        fc.integer({ min: 1, max: 28 }),
        (year, month, day) => {
          const birthdate = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`
          const exit = run({ birthdate }, OidcClaims.standard)
          assert.isTrue(Exit.isFailure(exit))
          if (Exit.isFailure(exit)) assert.include(String(exit.cause), "dateOfBirth")
        }
      )
    )
  })

  it("refuses a country code that is no country, and a claim that is not text", () => {
    assert.isTrue(Exit.isFailure(run({ nin: "30068512345", nin_issuing_country: "QQ" }, OidcPreset.signicat.claims)))
    assert.isTrue(Exit.isFailure(run({ given_name: { first: "Kari" } }, OidcClaims.standard)))
  })

  it("reads OpenID Connect's standard gender words with the standard mapping", () => {
    assert.deepStrictEqual(
      run({ gender: "female", given_name: "  Kari  Anne ", family_name: "Nordmann" }, OidcClaims.standard),
      Exit.succeed(identity({ firstName: "Kari Anne", lastName: "Nordmann", gender: "F" }))
    )
  })
})

describe("OidcPreset", () => {
  it("asks for openid in every eID's scopes, and selects every eID by a distinct acr value", () => {
    for (const preset of Object.values(OidcPreset.presets)) {
      const acrValues = Object.values(preset.eids).map((eid) => eid.acrValues)
      assert.strictEqual(new Set(acrValues).size, acrValues.length, preset.name)
      for (const eid of Object.values(preset.eids)) assert.include(eid.scope.split(" "), "openid")
    }
  })

  it("uses Signicat's idp: acr values and Idura's urn:grn:authn: ones", () => {
    for (const eid of Object.values(OidcPreset.signicat.eids)) assert.match(eid.acrValues, /^idp:[a-z]+$/)
    for (const eid of Object.values(OidcPreset.idura.eids)) assert.match(eid.acrValues, /^urn:grn:authn:[a-z]{2}:/)
  })

  describe("the address claim (OpenID Connect Core 5.1.1)", () => {
    it("maps street_address, locality, region, postal_code and a country code", () => {
      const exit = run(
        {
          given_name: "Kari",
          address: {
            formatted: "Storgata 1\nLeilighet H0203\n0155 Oslo\nNorway",
            street_address: "Storgata 1\nLeilighet H0203",
            locality: "Oslo",
            region: "Oslo",
            postal_code: "0155",
            country: "NO"
          }
        },
        OidcClaims.standard
      )
      assert.deepStrictEqual<unknown>(Exit.isSuccess(exit) ? exit.value : exit, {
        firstName: "Kari",
        address: {
          lines: ["Storgata 1", "Leilighet H0203"],
          postalCode: "0155",
          city: "Oslo",
          region: "Oslo",
          country: "NOR"
        }
      })
    })

    it("leaves out a country's name, uses formatted only alone, and skips an empty address", () => {
      const named = run({ address: { locality: "Tromsø", country: "Norway" } }, OidcClaims.standard)
      assert.deepStrictEqual<unknown>(Exit.isSuccess(named) ? named.value : named, {
        address: { city: "Tromsø" }
      })
      const formatted = run({ address: { formatted: "Storgata 1\r\n0155 Oslo", country: "NOR" } }, OidcClaims.standard)
      assert.deepStrictEqual<unknown>(Exit.isSuccess(formatted) ? formatted.value : formatted, {
        address: { lines: ["Storgata 1", "0155 Oslo"], country: "NOR" }
      })
      const empty = run({ family_name: "Nordmann", address: { street_address: " ", country: "" } }, OidcClaims.standard)
      assert.deepStrictEqual<unknown>(Exit.isSuccess(empty) ? empty.value : empty, { lastName: "Nordmann" })
    })

    it("is read by both presets, and an address claim that is not an object fails with the field", () => {
      for (const preset of Object.values(OidcPreset.presets)) {
        const exit = run({ address: { postal_code: "0155", country: "NO" } }, preset.claims)
        assert.deepStrictEqual<unknown>(Exit.isSuccess(exit) ? exit.value : exit, {
          address: { postalCode: "0155", country: "NOR" }
        })
      }
      const exit = run({ address: true }, OidcClaims.standard)
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(exit), "address")
    })
  })
})
