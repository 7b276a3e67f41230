// Onfido's vocabularies against its own specification, and the normalisation of a document report's data through
// @assure/core's codecs, with property tests.
import { readFileSync } from "node:fs"
import { Country } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import fc from "fast-check"
import { OnfidoClient, OnfidoProvider } from "../src/index.js"
import { specPath } from "./support/prism.js"

const spec = JSON.parse(readFileSync(specPath, "utf8")) as {
  readonly components: { readonly schemas: Record<string, { readonly enum?: ReadonlyArray<string> }> }
}
const enumOf = (name: string) => spec.components.schemas[name]?.enum ?? []

const report = (properties: Record<string, unknown>): OnfidoClient.Report => ({
  id: "r",
  name: "document",
  status: "complete",
  result: "clear",
  properties
})

/** The normalised data, or the error's reason and issue. */
const normalise = (properties: Record<string, unknown>) =>
  Effect.runPromise(
    OnfidoProvider.normalise([report(properties)]).pipe(
      Effect.match({
        onSuccess: (success) => ({ _tag: "Success", success }) as const,
        onFailure: (failure) => ({ _tag: "Failure", failure }) as const
      })
    )
  )

describe("Onfido's vocabularies, as its specification has them", () => {
  it("document types: the adapter's table is exactly the specification's enum", () => {
    assert.sameMembers([...OnfidoClient.DocumentKind.literals], [...enumOf("document_types")])
  })

  it("report names, statuses, results and sub-results match the specification", () => {
    assert.sameMembers([...OnfidoClient.ReportName.literals], [...enumOf("report_name")])
    assert.sameMembers([...OnfidoClient.CheckStatus.literals], [...enumOf("check_status")])
    assert.sameMembers([...OnfidoClient.ReportStatus.literals], [...enumOf("report_status")])
    assert.sameMembers([...OnfidoClient.ReportResult.literals], [...enumOf("report_result")])
    assert.sameMembers([...OnfidoClient.SubResult.literals], [...enumOf("report_sub_result")])
    assert.sameMembers([...OnfidoClient.WorkflowRunStatus.literals], [...enumOf("workflow_run_status")])
  })

  it("country codes: exactly the specification's list (ISO alpha-3 and RKS)", () => {
    const codes = new Set(enumOf("country_codes"))
    assert.isTrue(codes.has("RKS"))
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...codes), fc.stringMatching(/^[A-Z]{3}$/), fc.string()), (code) => {
        assert.strictEqual(Schema.is(OnfidoClient.CountryCode)(code), codes.has(code), code)
      })
    )
  })

  it("every Onfido country code normalises to a Country, RKS to XKX", () => {
    const decode = Schema.decodeUnknownSync(Country.FromIcao)
    for (const code of enumOf("country_codes")) {
      assert.strictEqual(decode(code), code === "RKS" ? "XKX" : code)
    }
  })

  it("every Onfido document type normalises, and travel and identity documents keep their kind", () => {
    const decode = Schema.decodeUnknownSync(OnfidoProvider.DocumentTypeFromOnfido)
    const kinds = new Map(enumOf("document_types").map((word) => [word, decode(word)]))
    assert.strictEqual(kinds.get("passport"), "passport")
    assert.strictEqual(kinds.get("driving_licence"), "driverLicense")
    assert.strictEqual(kinds.get("national_identity_card"), "idCard")
    assert.strictEqual(kinds.get("residence_permit"), "residencePermit")
    assert.strictEqual(kinds.get("visa"), "visa")
    assert.strictEqual(kinds.get("utility_bill"), "other")
    assert.strictEqual(kinds.get("unknown"), "other")
    // A word Onfido adds later is `other` (the table's documented fallback), and `other` encodes as `unknown`.
    assert.strictEqual(decode("not_a_document_yet"), "other")
    assert.strictEqual(Schema.encodeSync(OnfidoProvider.DocumentTypeFromOnfido)("other"), "unknown")
    assert.strictEqual(Schema.encodeSync(OnfidoProvider.DocumentTypeFromOnfido)("idCard"), "national_identity_card")
  })
})

describe("normalising a document report", () => {
  it("reads the extracted data through the core codecs", async () => {
    const result = await normalise({
      first_name: "Maria",
      middle_name: "Paula",
      last_name: "Santos Mendes",
      date_of_birth: "2002-04-29",
      date_of_expiry: "2031-05-28",
      issuing_date: "2021-05-28",
      gender: "Female",
      nationality: "RKS",
      issuing_country: "PRT",
      document_type: "national_identity_card",
      document_numbers: [
        { type: "personal_number", value: "123" },
        { type: "document_number", value: "C01X00T47" }
      ],
      personal_number: "12345678",
      mrz_line1: "I<PRTC01X00T47<<<<<<<<<<<<<<<",
      barcode: []
    })
    assert.deepStrictEqual<unknown>(result, {
      _tag: "Success",
      success: {
        firstName: "Maria Paula",
        lastName: "Santos Mendes",
        dateOfBirth: "2002-04-29",
        gender: "F",
        nationality: "XKX",
        documentType: "idCard",
        documentNumber: "C01X00T47",
        issuingCountry: "PRT",
        dateOfIssue: "2021-05-28",
        dateOfExpiry: "2031-05-28",
        personalNumber: "12345678"
      }
    })
  })

  it("leaves out what Onfido did not read, and an unknown sex", async () => {
    const result = await normalise({ last_name: "Doe", gender: "Unknown", date_of_birth: null, first_name: " " })
    assert.deepStrictEqual<unknown>(result, { _tag: "Success", success: { lastName: "Doe" } })
  })

  it("a value in an unexpected format is InvalidResponse with the field, never a guess", async () => {
    for (const [properties, field] of [
      [{ date_of_birth: "29/04/2002" }, "date_of_birth"],
      [{ date_of_birth: "2002-02-30" }, "date_of_birth"],
      [{ nationality: "Portugal" }, "nationality"],
      [{ gender: "Q" }, "gender"],
      [{ address_lines: { city: "Lisboa", country_code: "Portugal" } }, "address_lines"]
    ] as const) {
      const result = await normalise(properties)
      assert.strictEqual(result._tag, "Failure", field)
      if (result._tag === "Failure") {
        assert.strictEqual(result.failure.reason._tag, "InvalidResponse")
        assert.include(result.failure.reason._tag === "InvalidResponse" ? result.failure.reason.issue : "", field)
      }
    }
  })

  it("maps the extracted address: address_lines parsed, else the free-text address as one line", async () => {
    // document_properties.address_lines in Onfido's specification: street_address, state, postal_code, country,
    // city, country_code.
    const parsed = await normalise({
      last_name: "Santos Mendes",
      address: "Rua Augusta 12, 3 Esq., 1100-053 Lisboa",
      address_lines: {
        street_address: "Rua Augusta 12, 3 Esq.",
        state: "Lisboa",
        postal_code: "1100-053",
        country: "Portugal",
        city: "Lisboa",
        country_code: "PRT"
      }
    })
    assert.deepStrictEqual<unknown>(parsed, {
      _tag: "Success",
      success: {
        lastName: "Santos Mendes",
        address: {
          lines: ["Rua Augusta 12, 3 Esq."],
          postalCode: "1100-053",
          city: "Lisboa",
          region: "Lisboa",
          country: "PRT"
        }
      }
    })
    const withoutCode = await normalise({ address_lines: { city: "Pristina", country: "RKS" } })
    assert.deepStrictEqual<unknown>(withoutCode, {
      _tag: "Success",
      success: { address: { city: "Pristina", country: "XKX" } }
    })
    const countryName = await normalise({ address_lines: { city: "Lisboa", country: "Portugal" } })
    assert.deepStrictEqual<unknown>(countryName, { _tag: "Success", success: { address: { city: "Lisboa" } } })
    const freeText = await normalise({ address: " 12 Baker Street\nLondon NW1 6XE ", address_lines: null })
    assert.deepStrictEqual<unknown>(freeText, {
      _tag: "Success",
      success: { address: { lines: ["12 Baker Street", "London NW1 6XE"] } }
    })
    const none = await normalise({ last_name: "Doe", address: "", address_lines: { city: " ", postal_code: null } })
    assert.deepStrictEqual<unknown>(none, { _tag: "Success", success: { lastName: "Doe" } })
  })

  it("any valid calendar date and any Onfido country come through unchanged (XKX for RKS)", async () => {
    const countries = enumOf("country_codes")
    await fc.assert(
      fc.asyncProperty(
        fc.date({ min: new Date("1900-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }),
        fc.constantFrom(...countries),
        async (date, country) => {
          const iso = date.toISOString().slice(0, 10)
          const result = await normalise({ date_of_birth: iso, date_of_expiry: iso, issuing_country: country })
          assert.deepStrictEqual<unknown>(result, {
            _tag: "Success",
            success: { dateOfBirth: iso, dateOfExpiry: iso, issuingCountry: country === "RKS" ? "XKX" : country }
          })
        }
      )
    )
  })

  it("Onfido's nested 422 fields become dotted names", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/), fc.array(fc.string({ minLength: 1 }), { minLength: 1 })),
        (fields) => {
          const flattened = OnfidoClient.invalidFields({
            error: { type: "validation_error", fields: { address: fields } }
          })
          assert.deepStrictEqual(
            flattened,
            Object.entries(fields).map(([name, reasons]) => ({ name: `address.${name}`, reason: reasons.join("; ") }))
          )
        }
      )
    )
  })
})
