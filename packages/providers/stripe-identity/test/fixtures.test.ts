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
        dateOfExpiry: "2030-12-01"
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
})
