// Normalising Veriff's decision data with the core codecs: properties over generated decisions, and the errors a
// value in an unexpected format gives.
import { Country } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import fc from "fast-check"
import { type VeriffClient, VeriffProvider } from "../src/index.js"

const pad = (n: number, width: number) => String(n).padStart(width, "0")

const isoDate = fc
  .date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .map((date) => `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`)

// Countries that have an alpha-2 code, with it.
const countries = ["EST", "NOR", "PRT", "DEU", "GBR", "USA", "BRA", "SGP", "UKR", "XKX"].flatMap((code) => {
  const alpha2 = Country.isCountry(code) ? Country.toAlpha2(code) : undefined
  return alpha2 === undefined ? [] : [{ alpha3: code, alpha2 }]
})
const country = fc.constantFrom(...countries)
const name = fc.stringMatching(/^[A-Z][a-z]{1,12}(?: [A-Z][a-z]{1,12})?$/)
const number = fc.stringMatching(/^[A-Z0-9]{5,12}$/)
const documentType = fc.constantFrom(
  ["PASSPORT", "passport"],
  ["ID_CARD", "idCard"],
  ["RESIDENCE_PERMIT", "residencePermit"],
  ["DRIVERS_LICENSE", "driverLicense"],
  ["VISA", "visa"],
  ["OTHER", "other"]
)
const sex = fc.constantFrom(["M", "M"], ["F", "F"], [null, undefined])
const nationality = fc.oneof(
  country.map((value) => [value.alpha2, value.alpha3] as const),
  // The nationality's format is documented loosely: alpha-3 is read too.
  country.map((value) => [value.alpha3, value.alpha3] as const)
)

const decisionOf = (fields: {
  readonly person: NonNullable<VeriffClient.Decision["person"]> | null
  readonly document: NonNullable<VeriffClient.Decision["document"]> | null
}): VeriffClient.Decision => ({
  id: "s",
  status: "approved",
  code: 9001,
  person: fields.person,
  document: fields.document
})

describe("VeriffProvider.normalise", () => {
  it.effect("turns any well-formed decision into normalised identity data", () =>
    Effect.sync(() =>
      fc.assert(
        fc.property(
          fc.record({
            firstName: name,
            lastName: name,
            dateOfBirth: isoDate,
            sex,
            nationality,
            idNumber: number,
            type: documentType,
            number,
            country,
            validFrom: isoDate,
            validUntil: isoDate
          }),
          (generated) => {
            const decision = decisionOf({
              person: {
                firstName: generated.firstName,
                lastName: generated.lastName,
                dateOfBirth: generated.dateOfBirth,
                gender: generated.sex[0],
                nationality: generated.nationality[0],
                idNumber: generated.idNumber,
                placeOfBirth: null
              },
              document: {
                number: generated.number,
                type: generated.type[0],
                country: generated.country.alpha2,
                validFrom: generated.validFrom,
                validUntil: generated.validUntil,
                state: null
              }
            })
            const exit = Effect.runSyncExit(VeriffProvider.normalise(decision))
            assert.isTrue(Exit.isSuccess(exit))
            if (!Exit.isSuccess(exit)) return
            assert.deepStrictEqual<unknown>(exit.value, {
              firstName: generated.firstName,
              lastName: generated.lastName,
              dateOfBirth: generated.dateOfBirth,
              ...(generated.sex[1] === undefined ? {} : { gender: generated.sex[1] }),
              nationality: generated.nationality[1],
              personalNumber: generated.idNumber,
              documentType: generated.type[1],
              documentNumber: generated.number,
              issuingCountry: generated.country.alpha3,
              dateOfIssue: generated.validFrom,
              dateOfExpiry: generated.validUntil
            })
          }
        )
      )
    )
  )

  it.effect("leaves out what Veriff did not read (null, empty, absent)", () =>
    Effect.gen(function* () {
      const data = yield* VeriffProvider.normalise(
        decisionOf({
          person: { firstName: "MARI", lastName: "", dateOfBirth: null, gender: null, nationality: "  " },
          document: null
        })
      )
      assert.deepStrictEqual<unknown>(data, { firstName: "MARI" })
    })
  )

  it.effect("a value in an unexpected format is InvalidResponse naming Veriff's field", () =>
    Effect.gen(function* () {
      for (const [document, field] of [
        [{ validUntil: "09.01.2030" }, "document.validUntil"],
        [{ validUntil: "2023-02-29" }, "document.validUntil"],
        [{ country: "EST" }, "document.country"],
        [{ type: "LIBRARY_CARD" }, "document.type"]
      ] as const) {
        const error = yield* Effect.flip(VeriffProvider.normalise(decisionOf({ person: null, document })))
        assert.strictEqual(error.reason._tag, "InvalidResponse")
        assert.include(error.reason._tag === "InvalidResponse" ? error.reason.issue : "", field)
      }
    })
  )
})
