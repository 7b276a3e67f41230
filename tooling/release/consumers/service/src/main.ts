/**
 * A service that receives a provider's report and stores it in the normalised Assure form: the codecs of
 * @assure/core describe the vendor's payload, and decoding converts it or fails with a path for each bad field.
 */
import { CalendarDate, type IdentityData, PersonName, Problem, Timestamp } from "@assure/core"
// Subpath exports resolve under node16 too.
import * as Country from "@assure/core/Country"
import * as DocumentType from "@assure/core/DocumentType"
import { Exit, Schema } from "effect"

const VendorReport = Schema.Struct({
  created: Timestamp.FromUnixSeconds,
  document: Schema.Struct({
    first_name: PersonName.FromString,
    last_name: PersonName.FromString,
    dob: CalendarDate.FromParts,
    expiration_date: CalendarDate.FromParts,
    issuing_country: Country.FromAlpha2,
    type: DocumentType.FromProviderWord
  })
})

const normalise = (payload: unknown): { verifiedAt: string; finalResult: IdentityData.IdentityData } => {
  const { created, document } = Schema.decodeUnknownSync(VendorReport)(payload)
  return {
    verifiedAt: created,
    finalResult: {
      firstName: document.first_name,
      lastName: document.last_name,
      dateOfBirth: document.dob,
      dateOfExpiry: document.expiration_date,
      issuingCountry: document.issuing_country,
      documentType: document.type
    }
  }
}

const report = {
  created: 1_767_225_600,
  document: {
    first_name: "  Jenny ",
    last_name: "Rosen",
    dob: { day: 1, month: 1, year: 1901 },
    expiration_date: { day: 1, month: 12, year: 2030 },
    issuing_country: "US",
    type: "driving_license",
    status: "verified"
  }
}

const expected = {
  verifiedAt: "2026-01-01T00:00:00Z",
  finalResult: {
    firstName: "Jenny",
    lastName: "Rosen",
    dateOfBirth: "1901-01-01",
    dateOfExpiry: "2030-12-01",
    issuingCountry: "USA",
    documentType: "driverLicense"
  }
}

const normalised = normalise(report)
if (JSON.stringify(normalised) !== JSON.stringify(expected)) {
  console.error(`unexpected normalisation: ${JSON.stringify(normalised)}`)
  process.exit(1)
}

const invalid = Schema.decodeUnknownExit(VendorReport)(
  { ...report, document: { ...report.document, expiration_date: { day: 31, month: 2, year: 2030 } } },
  { errors: "all" }
)
const failure = Exit.isFailure(invalid) ? invalid.cause.reasons.find((reason) => reason._tag === "Fail") : undefined
const fields = failure?._tag === "Fail" ? Problem.invalidParams(failure.error.issue).map((field) => field.name) : []
if (JSON.stringify(fields) !== JSON.stringify(["document.expiration_date"])) {
  console.error(`an impossible date was not reported with its path: ${JSON.stringify(fields)}`)
  process.exit(1)
}

console.log(`service: normalised ${JSON.stringify(normalised.finalResult)}`)
