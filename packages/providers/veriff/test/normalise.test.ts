// Normalising Veriff's decision data with the core codecs: properties over generated decisions, and the errors a
// value in an unexpected format gives.
import { Country } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import fc from "fast-check"
import { VeriffClient, VeriffProvider } from "../src/index.js"

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
        [{ country: "EST" }, "document.country"]
      ] as const) {
        const error = yield* Effect.flip(VeriffProvider.normalise(decisionOf({ person: null, document })))
        assert.strictEqual(error.reason._tag, "InvalidResponse")
        assert.include(error.reason._tag === "InvalidResponse" ? error.reason.issue : "", field)
      }
    })
  )

  it.effect("a document type Veriff adds later is other, not an error", () =>
    Effect.gen(function* () {
      const data = yield* VeriffProvider.normalise(decisionOf({ person: null, document: { type: "LIBRARY_CARD" } }))
      assert.deepStrictEqual<unknown>(data, { documentType: "other" })
    })
  )

  // A decision as Veriff sends it (GET /v1/sessions/{id}/decision), with the person's addresses.
  const rawDecision = (addresses: unknown) => ({
    status: "success",
    verification: {
      id: "12df6045-3846-3e45-946a-14fa6136d78b",
      code: 9001,
      status: "approved",
      reason: null,
      reasonCode: null,
      person: {
        firstName: "SARAH",
        lastName: "MORGAN",
        dateOfBirth: "1967-03-30",
        gender: null,
        nationality: "GB",
        idNumber: null,
        yearOfBirth: "1967",
        placeOfBirth: "MADRID",
        pepSanctionMatch: null,
        addresses
      },
      document: {
        number: "MORGA753116SM9IJ",
        type: "DRIVERS_LICENSE",
        country: "GB",
        validFrom: null,
        validUntil: "2022-04-20"
      }
    }
  })
  const decodeAnswer = Schema.decodeUnknownEffect(VeriffClient.DecisionResponse)
  const decisionIn = (answer: VeriffClient.DecisionResponse): VeriffClient.Decision => {
    if (answer.verification === null) throw new Error("the answer has no decision")
    return answer.verification
  }

  it.effect("maps person.addresses[0]: parsed parts, or the full address as one line", () =>
    Effect.gen(function* () {
      const parsed = yield* decodeAnswer(
        rawDecision([
          {
            fullAddress: "Flat 4, 12 Baker Street, London NW1 6XE, United Kingdom",
            parsedAddress: {
              city: "London",
              unit: "Flat 4",
              state: null,
              street: "Baker Street",
              country: "GB",
              postcode: "nw1 6xe",
              houseNumber: "12"
            }
          },
          { fullAddress: "an older address", parsedAddress: null }
        ]),
        { onExcessProperty: "ignore" }
      )
      const data = yield* VeriffProvider.normalise(decisionIn(parsed))
      assert.deepStrictEqual(data.address, {
        lines: ["Baker Street 12", "Flat 4"],
        postalCode: "NW1 6XE",
        city: "London",
        country: "GBR"
      })
      const unparsed = yield* decodeAnswer(
        rawDecision([{ fullAddress: " Kolmas 1, 10115 Tallinn ", parsedAddress: null }]),
        { onExcessProperty: "ignore" }
      )
      assert.deepStrictEqual((yield* VeriffProvider.normalise(decisionIn(unparsed))).address, {
        lines: ["Kolmas 1, 10115 Tallinn"]
      })
      for (const addresses of [[], null, [{ fullAddress: null, parsedAddress: { city: " ", street: null } }]]) {
        const none = yield* decodeAnswer(rawDecision(addresses), { onExcessProperty: "ignore" })
        assert.isUndefined((yield* VeriffProvider.normalise(decisionIn(none))).address, JSON.stringify(addresses))
      }
      const badCountry = yield* decodeAnswer(
        rawDecision([{ fullAddress: null, parsedAddress: { city: "Utopia", country: "UTO" } }]),
        { onExcessProperty: "ignore" }
      )
      const error = yield* Effect.flip(VeriffProvider.normalise(decisionIn(badCountry)))
      assert.include(error.reason._tag === "InvalidResponse" ? error.reason.issue : "", "person.addresses[0]")
    })
  )

  it("maps decision statuses through the code table, and a new status by its code", () => {
    assert.strictEqual(VeriffProvider.statusOf({ status: "declined" }, "hosted"), "rejected")
    assert.strictEqual(VeriffProvider.statusOf({ status: "abandoned" }, "upload"), "canceled")
    assert.strictEqual(VeriffProvider.statusOf({ status: "resubmission_requested" }, "hosted"), "pending")
    assert.strictEqual(VeriffProvider.statusOf({ status: "approved_v2", code: 9001 }, "hosted"), "accepted")
    assert.strictEqual(VeriffProvider.statusOf({ status: "something_new", code: 9999 }, "hosted"), "inconclusive")
  })
})
