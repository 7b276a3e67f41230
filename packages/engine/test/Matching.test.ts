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
})
