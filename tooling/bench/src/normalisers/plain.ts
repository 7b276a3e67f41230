/**
 * The same normalisation as a hand-written function: no library, one pass, the shared rules called
 * directly. This is the practical limit the libraries are measured against.
 */
import type { NormalisedRecord } from "./normalised.ts"
import {
  countryFromCode,
  type DateParts,
  dateFromParts,
  documentTypeFromWord,
  identityNumber,
  isoDatePart,
  personName,
  sexFromWord,
  utcTimestamp
} from "./rules.ts"

/** Thrown for an invalid record; names the field, never its value (inputs are personal data). */
export class InvalidRecord extends Error {
  constructor(field: string) {
    super(`Invalid record: ${field}`)
    this.name = "InvalidRecord"
  }
}

const isNumberOrNull = (value: unknown): value is number | null => value === null || typeof value === "number"

const isDateParts = (value: unknown): value is DateParts => {
  if (typeof value !== "object" || value === null) return false
  const { day, month, year } = value as Record<string, unknown>
  return isNumberOrNull(day) && isNumberOrNull(month) && isNumberOrNull(year)
}

const calendarDate = (value: unknown): string | undefined => {
  if (typeof value === "string") return isoDatePart(value)
  return isDateParts(value) ? dateFromParts(value) : undefined
}

/** Applies a string rule to a field, or throws naming the field. */
const text = <T>(record: Record<string, unknown>, field: string, rule: (input: string) => T | undefined): T => {
  const value = record[field]
  const output = typeof value === "string" ? rule(value) : undefined
  if (output === undefined) throw new InvalidRecord(field)
  return output
}

const date = (record: Record<string, unknown>, field: string): string => {
  const output = calendarDate(record[field])
  if (output === undefined) throw new InvalidRecord(field)
  return output
}

/** Raw record → normalised record; throws `InvalidRecord` on invalid input. */
export const normaliseByHand = (raw: unknown): NormalisedRecord => {
  if (typeof raw !== "object" || raw === null) throw new InvalidRecord("(record)")
  const record = raw as Record<string, unknown>
  return {
    identity: {
      firstName: text(record, "firstName", personName),
      lastName: text(record, "lastName", personName),
      dateOfBirth: date(record, "dateOfBirth"),
      gender: text(record, "sex", sexFromWord),
      nationality: text(record, "nationality", countryFromCode),
      documentType: text(record, "documentType", documentTypeFromWord),
      documentNumber: text(record, "documentNumber", identityNumber),
      issuingCountry: text(record, "issuingCountry", countryFromCode),
      dateOfExpiry: date(record, "dateOfExpiry")
    },
    verifiedAt: text(record, "verifiedAt", utcTimestamp)
  }
}
