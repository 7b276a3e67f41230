import { IdentityData } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Matching } from "../src/index.js"

const identity = Schema.decodeUnknownSync(IdentityData.IdentityData)

describe("Matching (the Assure rules)", () => {
  it("compares upper-cased without diacritics", () => {
    assert.strictEqual(Matching.normaliseText("  Søren  Ærøskøbing-Müller "), "SOREN AEROSKOBING-MULLER")
    const report = Matching.compare(
      identity({ firstName: "Søren", lastName: "Großmann" }),
      identity({ firstName: "SOREN", lastName: "GROSSMANN" })
    )
    assert.deepStrictEqual(report, { result: "match", fields: { firstName: "match", lastName: "match" } })
  })

  it("is partial above 90% similarity, or when one word of a name matches exactly", () => {
    const close = Matching.compare(identity({ lastName: "Kristoffersen" }), identity({ lastName: "Kristofersen" }))
    assert.strictEqual(close.fields.lastName, "partial")
    const oneWord = Matching.compare(identity({ lastName: "Santos Mendes" }), identity({ lastName: "SANTOS" }))
    assert.strictEqual(oneWord.fields.lastName, "partial")
    assert.strictEqual(oneWord.result, "partial")
    const different = Matching.compare(identity({ lastName: "Nordmann" }), identity({ lastName: "Hansen" }))
    assert.strictEqual(different.result, "mismatch")
  })

  it("compares dates as YYYYMMDD and reports what the result lacks", () => {
    const report = Matching.compare(
      identity({ dateOfBirth: "1990-01-31", nationality: "NOR", documentNumber: "X1" }),
      identity({ dateOfBirth: "1990-01-31", nationality: "NOR" })
    )
    assert.deepStrictEqual(report.fields, { dateOfBirth: "match", nationality: "match", documentNumber: "missing" })
    assert.strictEqual(report.result, "mismatch")
    // One digit in eight is 87.5% similar: below the 90% threshold.
    assert.strictEqual(
      Matching.compare(identity({ dateOfBirth: "1990-01-31" }), identity({ dateOfBirth: "1990-01-30" })).fields
        .dateOfBirth,
      "mismatch"
    )
  })

  describe("address", () => {
    const oslo = { lines: ["Storgata 1"], postalCode: "0155", city: "Oslo", country: "NOR" }

    it("matches normalised: postal code without spaces or case, city without case or diacritics", () => {
      const report = Matching.compare(
        identity({
          lastName: "Nordmann",
          address: { lines: ["Flat 2, 10 Downing St."], postalCode: "SW1A 2AA", city: "Tromsø", country: "GBR" }
        }),
        identity({
          lastName: "NORDMANN",
          address: { lines: ["FLAT 2", "10 DOWNING ST"], postalCode: "SW1A2AA", city: "TROMSO", country: "GBR" }
        })
      )
      assert.deepStrictEqual(report, { result: "match", fields: { lastName: "match", address: "match" } })
    })

    it("is a mismatch when the country, postal code, city or street differ", () => {
      for (const other of [
        { ...oslo, country: "SWE" },
        { ...oslo, postalCode: "0156" },
        { ...oslo, city: "Bergen" },
        { ...oslo, lines: ["Kirkegata 7"] }
      ]) {
        const report = Matching.compare(identity({ address: oslo }), identity({ address: other }))
        assert.strictEqual(report.fields.address, "mismatch", JSON.stringify(other))
        assert.strictEqual(report.result, "mismatch")
      }
    })

    it("is partial for a line the other side left out, a near spelling, or a part the result lacks", () => {
      const flat = Matching.compare(
        identity({ address: oslo }),
        identity({ address: { ...oslo, lines: ["Storgata 1", "Leilighet H0203"] } })
      )
      assert.strictEqual(flat.fields.address, "partial")
      const spelling = Matching.compare(
        identity({ address: { lines: ["Kristoffersens gate 12"] } }),
        identity({ address: { lines: ["Kristofersens gate 12"] } })
      )
      assert.strictEqual(spelling.fields.address, "partial")
      const lacking = Matching.compare(identity({ address: oslo }), identity({ address: { city: "OSLO" } }))
      assert.strictEqual(lacking.fields.address, "partial")
    })

    it("is compared only when both sides have an address with a part in common", () => {
      const noResultAddress = Matching.compare(
        identity({ lastName: "Hansen", address: oslo }),
        identity({ lastName: "Hansen" })
      )
      assert.deepStrictEqual(noResultAddress, { result: "match", fields: { lastName: "match" } })
      const nothingInCommon = Matching.compare(
        identity({ address: { city: "Oslo" } }),
        identity({ address: { country: "NOR" } })
      )
      assert.deepStrictEqual(nothingInCommon.fields, {})
    })
  })
})
