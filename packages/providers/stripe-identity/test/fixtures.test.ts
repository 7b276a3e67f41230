// Stripe's own identity fixtures (test/fixtures, from stripe/openapi's fixtures3.json) read with the client's
// schemas and normalised by the provider, so the adapter is checked against Stripe's shapes and not only the
// simulator's.
import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { StripeIdentityClient, StripeIdentityProvider } from "../src/index.js"

const fixtures = JSON.parse(readFileSync(new URL("./fixtures/identity-fixtures.json", import.meta.url), "utf8")) as {
  readonly resources: { readonly [name: string]: unknown }
}
const rawSession = fixtures.resources["identity.verification_session"]
const rawReport = fixtures.resources["identity.verification_report"] as { readonly document: object }

const decodeSession = Schema.decodeUnknownEffect(StripeIdentityClient.VerificationSession)
const decodeReport = Schema.decodeUnknownEffect(StripeIdentityClient.VerificationReport)
const lenient = { onExcessProperty: "ignore" } as const

describe("Stripe's identity fixtures", () => {
  it.effect("decode, map to accepted, and normalise to the Assure model", () =>
    Effect.gen(function* () {
      const session = yield* decodeSession(rawSession, lenient)
      const report = yield* decodeReport(rawReport, lenient)
      assert.strictEqual(session.status, "verified")
      assert.strictEqual(StripeIdentityProvider.statusOf(session.status, session.last_error?.code), "accepted")
      const identity = yield* StripeIdentityProvider.normalise(session, report)
      assert.deepStrictEqual<unknown>(identity, {
        firstName: "Jenny",
        lastName: "Rosen",
        documentType: "driverLicense",
        issuingCountry: "USA",
        dateOfIssue: "2020-12-01",
        dateOfExpiry: "2030-12-01",
        // The report's document.address: line2 and postal_code are null in Stripe's fixture.
        address: { lines: ["1234 Main St."], city: "San Francisco", region: "CA", country: "USA" }
      })
      assert.deepStrictEqual(StripeIdentityProvider.checksOf(report), [
        { name: "document", outcome: "passed", detail: "verified" }
      ])
    })
  )

  it.effect("a fixture altered to an alpha-3 country and an impossible date is InvalidResponse with the paths", () =>
    Effect.gen(function* () {
      const session = yield* decodeSession(rawSession, lenient)
      const report = yield* decodeReport(
        {
          ...rawReport,
          document: {
            ...rawReport.document,
            issuing_country: "USA",
            expiration_date: { day: 31, month: 2, year: 2030 }
          }
        },
        lenient
      )
      const error = yield* Effect.flip(StripeIdentityProvider.normalise(session, report, "req_fixture"))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.strictEqual(error.requestId, "req_fixture")
      const issue = error.reason._tag === "InvalidResponse" ? error.reason.issue : ""
      assert.include(issue, "issuing_country")
      assert.include(issue, "expiration_date")
    })
  )

  it.effect("verified_outputs.address comes first, then the document's; blank addresses are left out", () =>
    Effect.gen(function* () {
      const session = yield* decodeSession(
        {
          ...(rawSession as object),
          verified_outputs: {
            first_name: "Jenny",
            address: {
              line1: " 510 Townsend St ",
              line2: "Floor 2",
              city: "San Francisco",
              state: "CA",
              postal_code: "94103",
              country: "US"
            }
          }
        },
        lenient
      )
      const report = yield* decodeReport(rawReport, lenient)
      const identity = yield* StripeIdentityProvider.normalise(session, report)
      assert.deepStrictEqual(identity.address, {
        lines: ["510 Townsend St", "Floor 2"],
        postalCode: "94103",
        city: "San Francisco",
        region: "CA",
        country: "USA"
      })
      const blank = yield* decodeReport(
        {
          ...rawReport,
          document: {
            ...rawReport.document,
            address: { line1: null, line2: "", city: null, state: null, postal_code: null, country: null }
          }
        },
        lenient
      )
      const withoutAddress = yield* StripeIdentityProvider.normalise({ ...session, verified_outputs: null }, blank)
      assert.isUndefined(withoutAddress.address)
    })
  )

  it("maps last_error codes through the code table, unknown codes to inconclusive", () => {
    assert.strictEqual(StripeIdentityProvider.statusOf("requires_input", "selfie_face_mismatch"), "rejected")
    assert.strictEqual(StripeIdentityProvider.statusOf("requires_input", "consent_declined"), "canceled")
    assert.strictEqual(StripeIdentityProvider.statusOf("requires_input", "a_code_stripe_adds_in_2027"), "inconclusive")
    assert.deepStrictEqual(StripeIdentityProvider.cancelingErrors, ["abandoned", "consent_declined"])
    assert.strictEqual(Schema.decodeUnknownSync(StripeIdentityProvider.documentTypes.schema)("passport_card"), "other")
  })
})
