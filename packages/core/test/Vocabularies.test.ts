import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import fc from "fast-check"
import { DocumentType, PersonName, ProcessStatus, Sex } from "../src/index.js"
import { decode } from "./helpers.js"

describe("Sex", () => {
  it("maps provider words and refuses 'unknown'", () => {
    const word = decode(Sex.FromProviderWord)
    for (const [input, expected] of [
      ["F", "F"],
      ["female", "F"],
      [" Male ", "M"],
      ["<", "X"],
      ["unspecified", "X"],
      ["X", "X"]
    ] as const) {
      assert.deepStrictEqual(word(input), { ok: true, value: expected }, input)
    }
    for (const bad of ["unknown", "", "[redacted]", "Q"]) assert.isFalse(word(bad).ok, bad)
    assert.isFalse(decode(Sex.Sex)("female").ok)
  })
})

describe("DocumentType", () => {
  it("maps Onfido, Veriff and Stripe words", () => {
    const word = decode(DocumentType.FromProviderWord)
    for (const [input, expected] of [
      ["passport", "passport"],
      ["PASSPORT", "passport"],
      ["driving_licence", "driverLicense"],
      ["DRIVERS_LICENSE", "driverLicense"],
      ["driving_license", "driverLicense"],
      ["national_identity_card", "idCard"],
      ["ID_CARD", "idCard"],
      ["id_card", "idCard"],
      ["residence_permit", "residencePermit"],
      ["voter_id", "other"],
      ["OTHER", "other"]
    ] as const) {
      assert.deepStrictEqual(word(input), { ok: true, value: expected }, input)
    }
    assert.isFalse(word("library_card").ok)
  })

  it("reads ICAO document codes and encodes the ones that exist", () => {
    const mrz = decode(DocumentType.FromMrzCode)
    assert.deepStrictEqual(mrz("P<"), { ok: true, value: "passport" })
    assert.deepStrictEqual(mrz("PN"), { ok: true, value: "passport" })
    assert.deepStrictEqual(mrz("ID"), { ok: true, value: "idCard" })
    assert.deepStrictEqual(mrz("AC"), { ok: true, value: "idCard" })
    assert.deepStrictEqual(mrz("V"), { ok: true, value: "visa" })
    assert.isFalse(mrz("X").ok)
    assert.isFalse(mrz("PPP").ok)
    assert.strictEqual(Schema.encodeSync(DocumentType.FromMrzCode)("passport"), "P")
    assert.strictEqual(Schema.encodeExit(DocumentType.FromMrzCode)("driverLicense")._tag, "Failure")
  })
})

describe("PersonName", () => {
  it("normalises white space and Unicode form but keeps every letter", () => {
    const name = decode(PersonName.FromString)
    assert.deepStrictEqual(name("  Maria \t Paula\n"), { ok: true, value: "Maria Paula" as PersonName.PersonName })
    assert.deepStrictEqual(name("Søren Æbeltoft-Łukasz"), {
      ok: true,
      value: "Søren Æbeltoft-Łukasz" as PersonName.PersonName
    })
    // "é" written as e + combining accent becomes the single NFC character.
    const composed = name("Ame\u0301lie")
    assert.isTrue(composed.ok && composed.value === "Am\u00e9lie")
    assert.isFalse(name("   ").ok)
    assert.isFalse(decode(PersonName.PersonName)(" Maria").ok)
    assert.isFalse(decode(PersonName.PersonName)("Maria  Paula").ok)
    assert.isFalse(decode(PersonName.PersonName)("Ame\u0301lie").ok, "not NFC")
  })

  it("counts at most 200 characters as JSON Schema does, in code points", () => {
    const astral = "\u{20000}" // one character, two UTF-16 units
    assert.isTrue(decode(PersonName.PersonName)(astral.repeat(200)).ok)
    const tooLong = decode(PersonName.PersonName)(astral.repeat(201))
    assert.isTrue(!tooLong.ok && tooLong.message.includes("at most 200 characters"))
    assert.isFalse(decode(PersonName.PersonName)("a".repeat(201)).ok)
  })

  it("reads MRZ name fields", () => {
    const mrz = decode(PersonName.FromMrz)
    assert.deepStrictEqual(mrz("MARIA<PAULA<<<<<<"), { ok: true, value: "MARIA PAULA" as PersonName.PersonName })
    assert.isFalse(mrz("<<<<").ok)
    assert.isFalse(mrz("Maria").ok)
    assert.strictEqual(Schema.encodeSync(PersonName.FromMrz)("MARIA PAULA" as PersonName.PersonName), "MARIA<PAULA")
  })

  it("decoding is idempotent: a normalised name decodes to itself", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (input) => {
        const once = decode(PersonName.FromString)(input)
        if (!once.ok) return
        assert.isTrue(decode(PersonName.PersonName)(once.value).ok, JSON.stringify(once.value))
        assert.deepStrictEqual(decode(PersonName.FromString)(once.value), once)
        // no letter was dropped
        assert.strictEqual(once.value.replace(/\s/g, ""), input.normalize("NFC").replace(/\s/g, ""))
      })
    )
  })
})

describe("ProcessStatus", () => {
  it("moves forward only, and final is final", () => {
    const finals = ["accepted", "rejected", "inconclusive", "failed", "canceled"] as const
    for (const final of finals) {
      assert.isTrue(ProcessStatus.isFinal(final))
      assert.isTrue(ProcessStatus.canTransition("pending", final))
      assert.isTrue(ProcessStatus.canTransition("processing", final))
      for (const to of ProcessStatus.values) assert.isFalse(ProcessStatus.canTransition(final, to), `${final} -> ${to}`)
    }
    assert.isTrue(ProcessStatus.canTransition("pending", "processing"))
    assert.isFalse(ProcessStatus.canTransition("processing", "pending"))
    assert.isFalse(ProcessStatus.canTransition("pending", "pending"))
    assert.isFalse(ProcessStatus.isFinal("processing"))
    assert.isFalse(decode(ProcessStatus.ProcessStatus)("cancelled").ok)
  })
})
