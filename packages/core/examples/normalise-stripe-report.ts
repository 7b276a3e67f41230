/**
 * Normalises a Stripe Identity verification report into the Assure `finalResult` shape with @assure/core.
 *
 * Run it with `pnpm --filter @assure/core example` (it prints the normalised identity data), or read it as
 * the pattern every provider adapter follows: describe the vendor's payload with the named codecs, and let
 * the schema do the converting and the error reporting.
 */
import { CalendarDate, Country, DocumentType, IdentityData, PersonName, Problem, Timestamp } from "@assure/core"
import { Exit, Schema } from "effect"

/** The part of a Stripe `identity.verification_report` that carries identity data. */
const StripeReport = Schema.Struct({
  created: Timestamp.FromUnixSeconds,
  document: Schema.Struct({
    first_name: PersonName.FromString,
    last_name: PersonName.FromString,
    expiration_date: CalendarDate.FromParts,
    issued_date: CalendarDate.FromParts,
    issuing_country: Country.FromAlpha2,
    type: DocumentType.FromProviderWord
  })
})

// The report from Stripe's published OpenAPI fixtures (github.com/stripe/openapi, fixtures3.json).
const report = {
  created: 1234567890,
  document: {
    first_name: "Jenny",
    last_name: "Rosen",
    expiration_date: { day: 1, month: 12, year: 2030 },
    issued_date: { day: 1, month: 12, year: 2020 },
    issuing_country: "US",
    type: "driving_license",
    status: "verified"
  }
}

const decoded = Schema.decodeUnknownExit(StripeReport)(report)
if (Exit.isFailure(decoded)) {
  console.error(String(decoded.cause))
  process.exit(1)
}
const { document, created } = decoded.value

const finalResult: IdentityData.IdentityData = {
  firstName: document.first_name,
  lastName: document.last_name,
  documentType: document.type,
  issuingCountry: document.issuing_country,
  dateOfIssue: document.issued_date,
  dateOfExpiry: document.expiration_date
}

// Encoding gives the normalised JSON the Assure API returns.
console.log(
  JSON.stringify(
    { verifiedAt: created, finalResult: Schema.encodeSync(IdentityData.IdentityData)(finalResult) },
    null,
    2
  )
)

// Bad input is a typed error with a path, ready for a problem-details response.
const bad = Schema.decodeUnknownExit(StripeReport)(
  {
    ...report,
    document: { ...report.document, issuing_country: "USA", expiration_date: { day: 31, month: 2, year: 2030 } }
  },
  { errors: "all" }
)
if (Exit.isFailure(bad)) {
  const reason = bad.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag === "Fail") console.log(JSON.stringify(Problem.invalidParams(reason.error.issue)))
}
