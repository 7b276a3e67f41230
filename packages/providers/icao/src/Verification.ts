/**
 * The result of a local check — of an MRZ alone, or of a chip's passive authentication — as a list of named checks,
 * each passed, failed or inconclusive, and the status they add up to:
 *
 * | checks | status |
 * |---|---|
 * | all passed | `accepted` |
 * | one failed (a check digit, a hash, a signature, an expired document, a revoked signer) | `rejected` |
 * | none failed, one inconclusive (an unknown CSCA, a signer certificate outside its validity, an unsupported algorithm or key) | `inconclusive` |
 *
 * The `reason` of a result that is not accepted is the name of the first check that failed (or, when none failed,
 * that was inconclusive).
 *
 * @since 0.1.0
 */
import type { IdentityData } from "@assure/core"
import type { IdentityProvider } from "@assure/provider"
import { Effect } from "effect"
import * as Mrz from "./Mrz.js"

/** What a local check concluded. @since 0.1.0 */
export type Status = "accepted" | "rejected" | "inconclusive"

/** One named check and how it came out. @since 0.1.0 */
export type Check = IdentityProvider.Check

/** A local check's result. `identity` is present when the MRZ normalised, whatever the status. @since 0.1.0 */
export interface Verification {
  readonly status: Status
  readonly checks: ReadonlyArray<Check>
  readonly identity?: IdentityData.IdentityData | undefined
  readonly reason?: string | undefined
}

/** The status a list of checks adds up to (the table in the module documentation). @since 0.1.0 */
export const statusOf = (checks: ReadonlyArray<Check>): Status =>
  checks.some((check) => check.outcome === "failed")
    ? "rejected"
    : checks.some((check) => check.outcome === "inconclusive")
      ? "inconclusive"
      : "accepted"

/** The reason of a result: the first failed check's name, else the first inconclusive one's. @since 0.1.0 */
export const reasonOf = (checks: ReadonlyArray<Check>): string | undefined =>
  (checks.find((check) => check.outcome === "failed") ?? checks.find((check) => check.outcome === "inconclusive"))?.name

/** Builds a result from its checks. @since 0.1.0 */
export const make = (checks: ReadonlyArray<Check>, identity?: IdentityData.IdentityData): Verification => {
  const status = statusOf(checks)
  const reason = reasonOf(checks)
  return {
    status,
    checks,
    ...(identity === undefined ? {} : { identity }),
    ...(reason === undefined ? {} : { reason })
  }
}

const passedOrFailed = (passed: boolean): Check["outcome"] => (passed ? "passed" : "failed")

/**
 * The checks of a read zone — one per check digit (`documentNumberCheckDigit`, `dateOfBirthCheckDigit`,
 * `dateOfExpiryCheckDigit`, `personalNumberCheckDigit`, `compositeCheckDigit`), `mrzFields` (every field
 * normalises) and `documentNotExpired` (against the `Clock`) — and the identity it normalises to.
 *
 * @since 0.1.0
 */
export const mrzChecks = (
  zone: Mrz.Mrz
): Effect.Effect<{ readonly checks: ReadonlyArray<Check>; readonly identity?: IdentityData.IdentityData }> =>
  Effect.gen(function* () {
    const digits: Array<Check> = zone.checkDigits.map((digit) => ({
      name: `${digit.name}CheckDigit`,
      outcome: passedOrFailed(digit.valid)
    }))
    const normalised = yield* Effect.result(Mrz.normalise(zone))
    if (normalised._tag === "Failure") {
      const fields = (normalised.failure.fields ?? []).map((field) => field.name).join(", ")
      return { checks: [...digits, { name: "mrzFields", outcome: "failed", detail: `not normalisable: ${fields}` }] }
    }
    const identity = normalised.success
    const expiry = identity.dateOfExpiry
    const expiryCheck: Check =
      expiry === undefined
        ? { name: "documentNotExpired", outcome: "inconclusive", detail: "the MRZ has no date of expiry" }
        : { name: "documentNotExpired", outcome: passedOrFailed(!(yield* Mrz.isExpired(expiry))), detail: expiry }
    return { checks: [...digits, { name: "mrzFields", outcome: "passed" }, expiryCheck], identity }
  })

/**
 * Verifies a document from its MRZ text alone, as a paper-document MRZ check does: `accepted` when every check digit
 * holds, every field normalises and the document has not expired; `rejected` otherwise. Fails only when the text is
 * not an MRZ at all.
 *
 * @example
 * ```ts
 * import { Verification } from "@assure/icao"
 *
 * const result = Verification.verifyMrz(text) // Effect<Verification, MrzError>: status, checks, identity
 * ```
 * @since 0.1.0
 */
export const verifyMrz = (text: string): Effect.Effect<Verification, Mrz.MrzError> =>
  Effect.flatMap(Mrz.parse(text), (zone) =>
    Effect.map(mrzChecks(zone), ({ checks, identity }) => make(checks, identity))
  )
