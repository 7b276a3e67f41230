// Machine-readable zones: the specimens of ICAO Doc 9303 (state UTO, fictional), documents of real states written by
// an independent helper, tampering, the century rule against the Clock, and property tests.

import { IdentityData } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { CheckDigit, Mrz, Verification } from "../src/index.js"
import { independentCheckDigit, mrvA, type Person, td1, td2, td3 } from "./helpers.js"

// ICAO Doc 9303 specimens: part 4 (TD3 passport), part 5 (TD1), part 6 (TD2), part 7 (MRV-A and MRV-B visas).
const specimens = {
  TD3: "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
  TD1: "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
  TD2: "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
  MRVA: "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<",
  MRVB: "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<"
} as const

// The German passport specimen (a real state's code, D).
const germanSpecimen = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"

const at = (date: string) => TestClock.setTime(Date.parse(date))

const plain = Schema.encodeSync(IdentityData.IdentityData)

const namesOf = (zone: Mrz.Mrz) => zone.checkDigits.map((check) => `${check.name}:${check.valid}`)

describe("CheckDigit", () => {
  it("computes the check digits of Doc 9303's specimen fields", () => {
    assert.strictEqual(CheckDigit.compute("L898902C3"), 6)
    assert.strictEqual(CheckDigit.compute("740812"), 2)
    assert.strictEqual(CheckDigit.compute("120415"), 9)
    assert.strictEqual(CheckDigit.compute("D23145890"), 7)
    assert.strictEqual(CheckDigit.compute("ZE184226B<<<<<"), 1)
    assert.strictEqual(CheckDigit.compute("L898902C3<"), 6) // a filler counts 0
    assert.isUndefined(CheckDigit.compute("l898902c3"))
    assert.isTrue(CheckDigit.holds("740812", "2"))
    assert.isFalse(CheckDigit.holds("740812", "3"))
  })

  const mrzText = fc.string({ unit: fc.constantFrom(...CheckDigit.alphabet), minLength: 1, maxLength: 40 })

  it("agrees with an independent computation on any MRZ text", () => {
    fc.assert(
      fc.property(mrzText, (field) => {
        assert.strictEqual(String(CheckDigit.compute(field)), independentCheckDigit(field))
      })
    )
  })

  it("catches every single-character substitution except between values ten apart", () => {
    fc.assert(
      fc.property(mrzText, fc.nat(), fc.constantFrom(...CheckDigit.alphabet), (field, at, replacement) => {
        const index = at % field.length
        const original = field.charAt(index)
        const altered = field.slice(0, index) + replacement + field.slice(index + 1)
        const difference = (CheckDigit.characterValue(original) ?? 0) - (CheckDigit.characterValue(replacement) ?? 0)
        assert.strictEqual(
          CheckDigit.compute(altered) !== CheckDigit.compute(field),
          difference % 10 !== 0,
          `${field} → ${altered}`
        )
      })
    )
  })
})

describe("Mrz.parse on the ICAO Doc 9303 specimens", () => {
  it.effect("reads every layout and every check digit holds", () =>
    Effect.gen(function* () {
      const td3Zone = yield* Mrz.parse(specimens.TD3)
      assert.strictEqual(td3Zone.format, "TD3")
      assert.deepStrictEqual(namesOf(td3Zone), [
        "documentNumber:true",
        "dateOfBirth:true",
        "dateOfExpiry:true",
        "personalNumber:true",
        "composite:true"
      ])
      assert.deepStrictEqual(td3Zone.fields, {
        documentCode: "P<",
        issuingState: "UTO",
        primaryIdentifier: "ERIKSSON",
        secondaryIdentifier: "ANNA<MARIA",
        documentNumber: "L898902C3",
        nationality: "UTO",
        dateOfBirth: "740812",
        sex: "F",
        dateOfExpiry: "120415",
        optionalData: "ZE184226B"
      })
      const td1Zone = yield* Mrz.parse(specimens.TD1)
      assert.strictEqual(td1Zone.format, "TD1")
      assert.strictEqual(td1Zone.fields.documentNumber, "D23145890")
      assert.strictEqual(td1Zone.fields.primaryIdentifier, "ERIKSSON")
      assert.deepStrictEqual(namesOf(td1Zone), [
        "documentNumber:true",
        "dateOfBirth:true",
        "dateOfExpiry:true",
        "composite:true"
      ])
      const td2Zone = yield* Mrz.parse(specimens.TD2)
      assert.strictEqual(td2Zone.format, "TD2")
      assert.isTrue(Mrz.checkDigitsHold(td2Zone))
      for (const [format, text] of [
        ["MRVA", specimens.MRVA],
        ["MRVB", specimens.MRVB]
      ] as const) {
        const visa = yield* Mrz.parse(text)
        assert.strictEqual(visa.format, format)
        // Visas have no composite check digit.
        assert.deepStrictEqual(namesOf(visa), ["documentNumber:true", "dateOfBirth:true", "dateOfExpiry:true"])
        assert.strictEqual(visa.fields.nationality, "XXX")
        assert.strictEqual(visa.fields.documentNumber, "L8988901C")
      }
    })
  )

  it.effect("fails to normalise them on the fictional state UTO, with a typed error naming the fields", () =>
    Effect.gen(function* () {
      yield* at("2026-06-01")
      for (const text of [specimens.TD3, specimens.TD1, specimens.TD2]) {
        const error = yield* Effect.flip(Effect.flatMap(Mrz.parse(text), Mrz.normalise))
        assert.strictEqual(error._tag, "MrzError")
        assert.strictEqual(error.reason, "Unnormalisable")
        assert.deepStrictEqual(
          (error.fields ?? []).map((field) => field.name),
          ["nationality", "issuingCountry"]
        )
        assert.notInclude(error.message, "ERIKSSON", "the zone is personal data and stays out of the message")
      }
      const visa = yield* Effect.flip(Effect.flatMap(Mrz.parse(specimens.MRVA), Mrz.normalise))
      assert.deepStrictEqual(
        (visa.fields ?? []).map((field) => field.name),
        ["issuingCountry"]
      )
    })
  )

  it.effect("a specimen is rejected as an MRZ check: its digits hold, its state does not exist", () =>
    Effect.gen(function* () {
      yield* at("2026-06-01")
      const result = yield* Verification.verifyMrz(specimens.TD3)
      assert.strictEqual(result.status, "rejected")
      assert.strictEqual(result.reason, "mrzFields")
      assert.isUndefined(result.identity)
      assert.deepStrictEqual(
        result.checks.map((check) => `${check.name}:${check.outcome}`),
        [
          "documentNumberCheckDigit:passed",
          "dateOfBirthCheckDigit:passed",
          "dateOfExpiryCheckDigit:passed",
          "personalNumberCheckDigit:passed",
          "compositeCheckDigit:passed",
          "mrzFields:failed"
        ]
      )
    })
  )
})

const kosovo: Person = {
  code: "ID",
  state: "RKS",
  surname: "BERISHA",
  givenNames: "ARBEN",
  number: "P12345678",
  nationality: "RKS",
  birth: "900315",
  sex: "M",
  expiry: "310101"
}

describe("Mrz on documents of real states", () => {
  it.effect("normalises the German passport specimen through @assure/core's codecs", () =>
    Effect.gen(function* () {
      yield* at("2026-11-28")
      const zone = yield* Mrz.parse(germanSpecimen)
      assert.isTrue(Mrz.checkDigitsHold(zone))
      // personalNumber's digit is "<" over an empty field: it holds.
      assert.deepStrictEqual(plain(yield* Mrz.normalise(zone)), {
        firstName: "ERIKA",
        lastName: "MUSTERMANN",
        dateOfBirth: "1964-08-12",
        gender: "F",
        nationality: "DEU",
        documentType: "passport",
        documentNumber: "C01X00T47",
        issuingCountry: "DEU",
        dateOfExpiry: "2027-02-28"
      })
      const result = yield* Verification.verifyMrz(germanSpecimen)
      assert.strictEqual(result.status, "accepted")
      assert.isUndefined(result.reason)
    })
  )

  it.effect("reads a Kosovar TD1 identity card (RKS), a Norwegian TD2 card and a US visa", () =>
    Effect.gen(function* () {
      yield* at("2026-11-28")
      const card = yield* Effect.flatMap(Mrz.parse(td1(kosovo)), Mrz.normalise)
      assert.deepStrictEqual(plain(card), {
        firstName: "ARBEN",
        lastName: "BERISHA",
        dateOfBirth: "1990-03-15",
        gender: "M",
        nationality: "XKX",
        documentType: "idCard",
        documentNumber: "P12345678",
        issuingCountry: "XKX",
        dateOfExpiry: "2031-01-01"
      })
      const norwegian = yield* Effect.flatMap(
        Mrz.parse(
          td2({
            ...kosovo,
            code: "I",
            state: "NOR",
            nationality: "NOR",
            surname: "NORDMANN",
            givenNames: "KARI ANNE",
            sex: "F"
          })
        ),
        Mrz.normalise
      )
      assert.strictEqual(norwegian.issuingCountry, "NOR")
      assert.strictEqual(norwegian.firstName, "KARI ANNE")
      const visa = yield* Mrz.parse(mrvA({ ...kosovo, code: "V", state: "USA", nationality: "D", optional: "12345" }))
      assert.strictEqual(visa.format, "MRVA")
      assert.isTrue(Mrz.checkDigitsHold(visa))
      const visaIdentity = yield* Mrz.normalise(visa)
      assert.strictEqual(visaIdentity.documentType, "visa")
      assert.strictEqual(visaIdentity.nationality, "DEU")
      assert.strictEqual(visaIdentity.issuingCountry, "USA")
    })
  )

  it.effect("reads a TD1 document number longer than nine characters from the optional data", () =>
    Effect.gen(function* () {
      yield* at("2026-11-28")
      const number = "D23145890123"
      const first = `I<NOR${number.slice(0, 9)}<${number.slice(9)}${independentCheckDigit(number)}<AB12`.padEnd(30, "<")
      const second = `7408122F310415${independentCheckDigit("310415")}NOR`.padEnd(29, "<")
      const composite = independentCheckDigit(
        `${first.slice(5, 30)}${second.slice(0, 7)}${second.slice(8, 15)}${second.slice(18, 29)}`
      )
      const zone = yield* Mrz.parse(`${first}\n${second}${composite}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<`)
      assert.isTrue(Mrz.checkDigitsHold(zone))
      assert.strictEqual(zone.fields.documentNumber, number)
      assert.strictEqual(zone.fields.optionalData, "AB12")
      assert.strictEqual((yield* Mrz.normalise(zone)).documentNumber, number)
    })
  )

  it.effect("reports each check digit that does not hold", () =>
    Effect.gen(function* () {
      yield* at("2026-11-28")
      const [upper, lower] = germanSpecimen.split("\n") as [string, string]
      // The date of birth altered (640812 → 640813) without its check digit: that digit and the composite fail.
      const altered = `${upper}\n${lower.slice(0, 18)}3${lower.slice(19)}`
      const zone = yield* Mrz.parse(altered)
      assert.deepStrictEqual(namesOf(zone), [
        "documentNumber:true",
        "dateOfBirth:false",
        "dateOfExpiry:true",
        "personalNumber:true",
        "composite:false"
      ])
      const result = yield* Verification.verifyMrz(altered)
      assert.strictEqual(result.status, "rejected")
      assert.strictEqual(result.reason, "dateOfBirthCheckDigit")
      // Only the composite digit altered.
      const composite = yield* Verification.verifyMrz(`${upper}\n${lower.slice(0, 43)}5`)
      assert.strictEqual(composite.reason, "compositeCheckDigit")
      // A TD1 card's document number check digit altered.
      const [l1, l2, l3] = td1(kosovo).split("\n") as [string, string, string]
      const card = yield* Verification.verifyMrz(`${l1.slice(0, 14)}0${l1.slice(15)}\n${l2}\n${l3}`)
      assert.strictEqual(card.status, "rejected")
      assert.strictEqual(card.checks[0]?.name, "documentNumberCheckDigit")
      assert.strictEqual(card.checks[0]?.outcome, "failed")
    })
  )

  it.effect("chooses the century of dates with the Clock: births in the past, expiries around now", () =>
    Effect.gen(function* () {
      const person = { ...kosovo, birth: "250101", expiry: "450101" }
      yield* at("2026-11-28")
      const now = yield* Effect.flatMap(Mrz.parse(td3({ ...person, code: "P" })), Mrz.normalise)
      assert.strictEqual(now.dateOfBirth, "2025-01-01")
      assert.strictEqual(now.dateOfExpiry, "2045-01-01")
      yield* at("2024-06-01")
      const earlier = yield* Effect.flatMap(Mrz.parse(td3({ ...person, code: "P" })), Mrz.normalise)
      assert.strictEqual(earlier.dateOfBirth, "1925-01-01")
    })
  )

  it.effect("rejects an expired document, the day after its date of expiry", () =>
    Effect.gen(function* () {
      const text = td3({ ...kosovo, code: "P", expiry: "261128" })
      yield* at("2026-11-28T23:00:00Z")
      assert.strictEqual((yield* Verification.verifyMrz(text)).status, "accepted")
      yield* at("2026-11-29T00:00:01Z")
      const expired = yield* Verification.verifyMrz(text)
      assert.strictEqual(expired.status, "rejected")
      assert.strictEqual(expired.reason, "documentNotExpired")
      assert.isDefined(expired.identity, "the identity is still read")
    })
  )

  it.effect("fails with a typed error on text that is not an MRZ", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [string, Mrz.MrzError["reason"]]> = [
        ["", "Malformed"],
        ["hello world", "Malformed"],
        [germanSpecimen.toLowerCase(), "Malformed"],
        [germanSpecimen.slice(0, 80), "Malformed"],
        [`${germanSpecimen}\n${germanSpecimen}`, "Malformed"],
        ["P<D<<MUSTERMANN<<ERIKA\nC01X00T478D<<6408125F", "Malformed"],
        // The French national identity card of 1988 has a layout of its own, which `mrz` knows and ICAO does not.
        ["IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<<<\n8806923102858CORINNE<<<<<<<6512068F6".slice(0, 36), "Malformed"],
        ["IDFRABERTHIER<<<<<<<<<<<<<<<<<920025\n8806923102858CORINNE<<<<<<<6512068F6", "UnsupportedFormat"]
      ]
      for (const [text, reason] of cases) {
        const error = yield* Effect.flip(Mrz.parse(text))
        assert.strictEqual(error.reason, reason, text)
      }
      // Surrounding white space and Windows line breaks are fine.
      const zone = yield* Mrz.parse(`  ${germanSpecimen.replace("\n", "\r\n")}\n`)
      assert.strictEqual(zone.format, "TD3")
    })
  )
})

describe("Mrz round trip (property)", () => {
  const letters = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"), minLength: min, maxLength: max })
  const yymmdd = (fromYear: number, toYear: number) =>
    fc
      .date({ min: new Date(Date.UTC(fromYear, 0, 1)), max: new Date(Date.UTC(toYear, 11, 31)), noInvalidDate: true })
      .map((date) => date.toISOString().slice(2, 10).replaceAll("-", ""))
  const person = fc.record({
    code: fc.constantFrom("P", "I", "ID", "AC"),
    state: fc.constantFrom("D", "NOR", "RKS", "PRT", "GBR", "FRA", "SWE"),
    surname: letters(1, 10),
    givenNames: letters(1, 8),
    number: fc.string({ unit: fc.constantFrom(..."0123456789ABCDEFGHJKLMNPRSTUVWXYZ"), minLength: 9, maxLength: 9 }),
    nationality: fc.constantFrom("D", "NOR", "XKX", "PRT", "XXA"),
    // Births in 1930–1999 and expiries in the 2030s: one century for either, whatever day the test runs.
    birth: yymmdd(1930, 1999),
    sex: fc.constantFrom("F", "M", "<"),
    expiry: yymmdd(2030, 2039)
  })
  const layouts = { TD1: td1, TD2: td2, TD3: td3 } as const
  // A 36-character zone starting IDFRA is France's pre-2021 identity card, a layout of its own (see the README).
  const icaoLayout = fc
    .tuple(person, fc.constantFrom("TD1", "TD2", "TD3" as const))
    .filter(([p, format]) => !(format === "TD2" && p.code === "ID" && p.state === "FRA"))

  it("reads back what an independent writer wrote, every check digit holding, through core's codecs", () => {
    fc.assert(
      fc.property(icaoLayout, ([p, format]) => {
        const zone = Effect.runSync(Mrz.parse(layouts[format](p)))
        assert.strictEqual(zone.format, format)
        assert.isTrue(Mrz.checkDigitsHold(zone))
        const identity = Effect.runSync(Mrz.normalise(zone))
        assert.strictEqual(identity.lastName, p.surname)
        assert.strictEqual(identity.firstName, p.givenNames)
        assert.strictEqual(identity.documentNumber, p.number)
        assert.strictEqual(identity.dateOfBirth, `19${p.birth.slice(0, 2)}-${p.birth.slice(2, 4)}-${p.birth.slice(4)}`)
        assert.strictEqual(
          identity.dateOfExpiry,
          `20${p.expiry.slice(0, 2)}-${p.expiry.slice(2, 4)}-${p.expiry.slice(4)}`
        )
        assert.strictEqual(identity.gender, p.sex === "<" ? "X" : p.sex)
        assert.strictEqual(identity.documentType, p.code === "P" ? "passport" : "idCard")
      })
    )
  })

  it("notices a changed date of birth in any layout", () => {
    fc.assert(
      fc.property(icaoLayout, fc.integer({ min: 1, max: 9 }), ([p, format], shift) => {
        const day = Number(p.birth.slice(5))
        const changed = `${p.birth.slice(0, 5)}${(day + shift) % 10}`
        // Written with the check digits of the original date, then the date changed: as a forger would.
        const genuine = layouts[format](p)
        const forged = genuine.replace(
          `${p.birth}${independentCheckDigit(p.birth)}`,
          `${changed}${independentCheckDigit(p.birth)}`
        )
        const zone = Effect.runSync(Mrz.parse(forged))
        const birth = zone.checkDigits.find((check) => check.name === "dateOfBirth")
        assert.isFalse(birth?.valid)
        assert.isFalse(Mrz.checkDigitsHold(zone))
      })
    )
  })
})
