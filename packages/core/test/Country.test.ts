import { createRequire } from "node:module"
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import fc from "fast-check"
import { Country } from "../src/index.js"
import { isoCountryTable } from "../src/internal/isoCountryTable.js"
import { decode } from "./helpers.js"

const require = createRequire(import.meta.url)
const iso3166 = require("iso-3166-1") as {
  all: () => ReadonlyArray<{ alpha2: string; alpha3: string; numeric: string }>
}
const i18n = require("i18n-iso-countries") as {
  getAlpha2Codes: () => Record<string, string>
  alpha2ToNumeric: (alpha2: string) => string | undefined
}

const allCountries = [
  ...isoCountryTable.map(([alpha3]) => alpha3),
  ...Object.keys(Country.nonIsoCodes)
] as ReadonlyArray<Country.Country>

describe("Country", () => {
  it("holds the same 249 ISO 3166-1 codes as two independent packages", () => {
    assert.strictEqual(isoCountryTable.length, 249)
    const ours = new Set(isoCountryTable.map(([alpha3, alpha2, numeric]) => `${alpha3} ${alpha2} ${numeric}`))
    const theirs = new Set(iso3166.all().map((c) => `${c.alpha3} ${c.alpha2} ${c.numeric}`))
    assert.deepStrictEqual(ours, theirs)
    // i18n-iso-countries adds Kosovo (XK) as "XKK"; everything else must agree.
    const i18nCodes = Object.entries(i18n.getAlpha2Codes()).filter(([alpha2]) => alpha2 !== "XK")
    assert.strictEqual(i18nCodes.length, 249)
    for (const [alpha2, alpha3] of i18nCodes) {
      assert.strictEqual(Schema.decodeUnknownSync(Country.FromAlpha2)(alpha2), alpha3)
      assert.strictEqual(Country.toNumeric(alpha3 as Country.Country), i18n.alpha2ToNumeric(alpha2))
    }
  })

  it("accepts only upper-case alpha-3 codes as the normalised form", () => {
    const check = decode(Country.Country)
    assert.isTrue(check("NOR").ok)
    assert.isTrue(check("XXA").ok)
    for (const bad of ["nor", "NO", "578", "UTO", "D", "RKS", "GBD", " NOR", ""]) assert.isFalse(check(bad).ok, bad)
  })

  it("decodes alpha-2, numeric and ICAO codes with the documented choices", () => {
    assert.deepStrictEqual(decode(Country.FromAlpha2)("NO"), { ok: true, value: "NOR" })
    assert.deepStrictEqual(decode(Country.FromAlpha2)("XK"), { ok: true, value: "XKX" })
    assert.isFalse(decode(Country.FromAlpha2)("no").ok)
    assert.isFalse(decode(Country.FromAlpha2)("NOR").ok)
    assert.deepStrictEqual(decode(Country.FromNumeric)("578"), { ok: true, value: "NOR" })
    assert.deepStrictEqual(decode(Country.FromNumeric)("004"), { ok: true, value: "AFG" })
    assert.isFalse(decode(Country.FromNumeric)("4").ok)
    const icao = decode(Country.FromIcao)
    assert.deepStrictEqual(icao("D"), { ok: true, value: "DEU" })
    assert.deepStrictEqual(icao("D<<"), { ok: true, value: "DEU" })
    for (const british of ["GBD", "GBN", "GBO", "GBP", "GBS", "GBR"])
      assert.deepStrictEqual(icao(british), { ok: true, value: "GBR" })
    for (const kosovo of ["RKS", "XKX", "XKK", "UNK"]) assert.deepStrictEqual(icao(kosovo), { ok: true, value: "XKX" })
    for (const kept of ["XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "EUE", "XOM", "XPO"] as const)
      assert.deepStrictEqual(icao(kept), { ok: true, value: kept })
    // Fictional specimen codes are not countries.
    const utopia = icao("UTO")
    assert.isTrue(!utopia.ok && utopia.message.includes("ICAO 9303"))
    assert.isFalse(icao("d").ok)
  })

  it("FromCode reads any format, ignoring case and white space, and rejects the rest", () => {
    const any = decode(Country.FromCode)
    for (const [input, expected] of [
      ["nor", "NOR"],
      [" no ", "NOR"],
      ["578", "NOR"],
      ["d<<", "DEU"],
      ["Rks", "XKX"],
      ["xk", "XKX"],
      ["gbd", "GBR"]
    ] as const) {
      assert.deepStrictEqual(any(input), { ok: true, value: expected }, input)
    }
    for (const bad of ["UTO", "Norway", "", "N", "0578", "ZZ"]) assert.isFalse(any(bad).ok, bad)
  })

  it("encodes back to each format; decode∘encode is the identity for every country", () => {
    for (const country of allCountries) {
      assert.strictEqual(
        Schema.decodeUnknownSync(Country.FromCode)(Schema.encodeSync(Country.FromCode)(country)),
        country
      )
      assert.strictEqual(
        Schema.decodeUnknownSync(Country.FromIcao)(Schema.encodeSync(Country.FromIcao)(country)),
        country
      )
      const alpha2 = Country.toAlpha2(country)
      if (alpha2 === undefined) {
        assert.isFalse(Country.isIso(country))
        assert.strictEqual(Schema.encodeExit(Country.FromAlpha2)(country)._tag, "Failure")
      } else {
        assert.strictEqual(Schema.encodeSync(Country.FromAlpha2)(country), alpha2)
        assert.strictEqual(Schema.decodeUnknownSync(Country.FromAlpha2)(alpha2), country)
      }
    }
    assert.strictEqual(Schema.encodeSync(Country.FromIcao)("DEU"), "D")
  })

  it("never decodes an arbitrary string to something outside the normalised set", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 5 }), (input) => {
        const result = decode(Country.FromCode)(input)
        if (result.ok) assert.isTrue(Country.isCountry(result.value) && /^[A-Z]{3}$/.test(result.value))
      })
    )
  })
})
