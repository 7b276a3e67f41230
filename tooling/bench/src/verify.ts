/**
 * Before anything is timed, the normalisers must agree: identical output for every generated record, and
 * the same verdict (same output, or all reject) on hand-picked edge cases. A faster normaliser that does
 * less work would make the comparison meaningless, so any disagreement stops the bench.
 */
import { isDeepStrictEqual } from "node:util"
import type { Normaliser } from "./normalisers/normalised.ts"
import type { RawRecord } from "./records.ts"

export interface Contender {
  readonly name: string
  readonly normalise: Normaliser
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false }

const outcome = (normalise: Normaliser, raw: unknown): Outcome => {
  try {
    return { ok: true, value: normalise(raw) }
  } catch {
    return { ok: false }
  }
}

const sameOutcome = (a: Outcome, b: Outcome): boolean =>
  a.ok && b.ok ? isDeepStrictEqual(a.value, b.value) : a.ok === b.ok

/** Field overrides on a valid record; `undefined` removes the field. Valid and invalid inputs alike. */
const edgeCasePatches: ReadonlyArray<Readonly<Record<string, unknown>>> = [
  // dates: the rules around leap years, ranges and shapes
  { dateOfBirth: "2024-02-29" },
  { dateOfBirth: "2023-02-29" },
  { dateOfBirth: "1900-02-29" },
  { dateOfBirth: "2000-02-29" },
  { dateOfBirth: "1990-13-01" },
  { dateOfBirth: "0000-01-01" },
  { dateOfBirth: "0001-01-01" },
  { dateOfBirth: "1990-1-1" },
  { dateOfBirth: "1974-08-12T00:00:00+02:00" },
  { dateOfBirth: "1974-08-12 10:00" },
  { dateOfBirth: "1974-08-12T1" },
  { dateOfBirth: 19900101 },
  { dateOfBirth: { day: 29, month: 2, year: 2000 } },
  { dateOfBirth: { day: 29, month: 2, year: 2100 } },
  { dateOfBirth: { day: null, month: 1, year: 1990 } },
  { dateOfBirth: { day: 1.5, month: 1, year: 1990 } },
  { dateOfBirth: { day: "1", month: 1, year: 1990 } },
  { dateOfBirth: { month: 1, year: 1990 } },
  { dateOfExpiry: { day: 31, month: 4, year: 2030 } },
  // countries: every input form FromCode reads, and codes it must refuse
  { nationality: " rks " },
  { nationality: "D<<" },
  { nationality: "578" },
  { nationality: "xxa" },
  { nationality: "xk" },
  { nationality: "UTO" },
  { nationality: "NOR<" },
  { nationality: "" },
  { issuingCountry: 578 },
  // words
  { sex: "<" },
  { sex: " W " },
  { sex: "non-binary" },
  { sex: "unknown" },
  { sex: "" },
  { documentType: "Driving Licence" },
  { documentType: "national-id-card" },
  { documentType: "library_card" },
  // names and numbers
  { firstName: "Jose\u0301" },
  { firstName: "A".repeat(200) },
  { firstName: "A".repeat(201) },
  { firstName: " \t " },
  { firstName: "\u0000Ann" },
  { firstName: 42 },
  { documentNumber: " X123" },
  { documentNumber: "" },
  { documentNumber: "X\u0000Y" },
  { documentNumber: "AB 123" },
  { documentNumber: "X".repeat(65) },
  // instants: offsets, fractions, zones, ranges
  { verifiedAt: "2024-05-01T12:30+0200" },
  { verifiedAt: "2024-05-01 12:30:00Z" },
  { verifiedAt: "2024-12-31T23:30:00-01:00" },
  { verifiedAt: "2024-05-01t12:30:00.1234567+02" },
  { verifiedAt: "2024-05-01T12:30:00" },
  { verifiedAt: "2024-05-01T24:00:00Z" },
  { verifiedAt: "2024-05-01T12:30:60Z" },
  { verifiedAt: "2024-02-30T12:00:00Z" },
  { verifiedAt: "2024-05-01T12:30:00+24:00" },
  { verifiedAt: "0001-01-01T00:30:00+01:00" },
  { verifiedAt: "9999-12-31T23:30:00-01:00" },
  // shape
  { verifiedAt: undefined },
  { unexpected: "ignored" }
]

const patched = (base: RawRecord, patch: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const record: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete record[key]
    else record[key] = value
  }
  return record
}

export interface Verification {
  readonly records: number
  readonly edgeCases: number
  readonly edgeCasesRejected: number
}

/** Throws, naming the input and both outcomes, on the first disagreement with the first contender. */
export const verifyEquivalence = (
  records: ReadonlyArray<RawRecord>,
  contenders: ReadonlyArray<Contender>
): Verification => {
  const [reference, ...others] = contenders
  const base = records[0]
  if (reference === undefined || base === undefined) throw new Error("Nothing to verify")

  const check = (input: unknown, mustSucceed: boolean): Outcome => {
    const expected = outcome(reference.normalise, input)
    if (mustSucceed && !expected.ok) throw new Error(`${reference.name} rejected ${JSON.stringify(input)}`)
    for (const other of others) {
      const actual = outcome(other.normalise, input)
      if (!sameOutcome(expected, actual))
        throw new Error(
          `${other.name} disagrees with ${reference.name} on ${JSON.stringify(input)}:\n` +
            `  ${reference.name}: ${JSON.stringify(expected)}\n  ${other.name}: ${JSON.stringify(actual)}`
        )
    }
    return expected
  }

  for (const record of records) check(record, true)
  let edgeCasesRejected = 0
  for (const input of [null, "not a record", ...edgeCasePatches.map((patch) => patched(base, patch))])
    if (!check(input, false).ok) edgeCasesRejected++

  return { records: records.length, edgeCases: edgeCasePatches.length + 2, edgeCasesRejected }
}
