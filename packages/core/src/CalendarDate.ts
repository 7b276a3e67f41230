/**
 * Calendar dates (a date of birth, of expiry, of issue): a day, not an instant.
 *
 * The normalised form is `YYYY-MM-DD`, and only real Gregorian dates decode (no `1990-17-02`, no
 * `2023-02-29`). Each way a provider writes a date has its own named codec; none of them guesses between
 * `DD/MM` and `MM/DD`, so there is deliberately no codec for slashed dates.
 *
 * @example
 * ```ts
 * import { CalendarDate } from "@assure/core"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(CalendarDate.FromParts)({ day: 1, month: 12, year: 2030 }) // "2030-12-01"
 * Schema.decodeUnknownSync(CalendarDate.FromCompact)("19740812") // "1974-08-12"
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Effect, Schema, SchemaTransformation } from "effect"
import { formatDate, isValidDate, parseIsoDate, readDigits, utcDateParts } from "./internal/calendar.js"
import { formatCodec, invalid } from "./internal/transformation.js"

const isoDatePattern = "^\\d{4}-\\d{2}-\\d{2}$"

/** A real calendar date written `YYYY-MM-DD`. @since 0.1.0 */
export const CalendarDate = /* @__PURE__ */ Schema.String.check(
  Schema.makeFilter((input: string) => parseIsoDate(input) !== undefined, {
    expected: "a calendar date as YYYY-MM-DD",
    toJsonSchema: () => ({ format: "date", pattern: isoDatePattern })
  })
).pipe(
  Schema.brand("CalendarDate"),
  Schema.annotate({
    identifier: "CalendarDate",
    description: "A real calendar date, YYYY-MM-DD"
  })
)

/** A real calendar date written `YYYY-MM-DD`. @since 0.1.0 */
export type CalendarDate = typeof CalendarDate.Type

/** The parts of a calendar date, month and day counted from 1. @since 0.1.0 */
export interface Parts {
  readonly year: number
  readonly month: number
  readonly day: number
}

/**
 * Builds a date from its parts, or `undefined` when they do not name a real date.
 *
 * @example
 * ```ts
 * CalendarDate.make({ year: 2024, month: 2, day: 29 }) // "2024-02-29"
 * CalendarDate.make({ year: 2023, month: 2, day: 29 }) // undefined
 * ```
 * @since 0.1.0
 */
export const make = (parts: Parts): CalendarDate | undefined =>
  isValidDate(parts.year, parts.month, parts.day)
    ? (formatDate(parts.year, parts.month, parts.day) as CalendarDate)
    : undefined

/** The year, month and day of a date. @since 0.1.0 */
export const toParts = (date: CalendarDate): Parts => partsOf(date)

const partsOf = (date: string): Parts => ({
  year: readDigits(date, 0, 4),
  month: readDigits(date, 5, 2),
  day: readDigits(date, 8, 2)
})

/** Whether `a` is before `b` (the normalised form sorts as text). @since 0.1.0 */
export const isBefore = (a: CalendarDate, b: CalendarDate): boolean => a < b

/** The UTC calendar date of an instant given in epoch milliseconds. @since 0.1.0 */
export const fromEpochMillis = (millis: number): CalendarDate => {
  const [year, month, day] = utcDateParts(millis)
  return formatDate(year, month, day) as CalendarDate
}

const encodedFromParts = (year: number, month: number, day: number): string | undefined =>
  isValidDate(year, month, day) ? formatDate(year, month, day) : undefined

// hh:mm, optionally :ss and a fraction, optionally a zone: what may follow the date in an ISO 8601 date-time.
const isoTimePattern =
  /^[Tt ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?(?:[Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?$/

const fromIsoString = formatCodec<string, string>({
  expected: "an ISO 8601 date (YYYY-MM-DD) or date-time",
  parse: (input) => {
    const datePart = input.length === 10 ? input : input.slice(0, 10)
    if (parseIsoDate(datePart) === undefined) return undefined
    return input.length === 10 || isoTimePattern.test(input.slice(10)) ? datePart : undefined
  },
  format: (date) => date,
  unencodable: ""
})

/**
 * Decodes the date part of an ISO 8601 date or date-time (`1974-08-12`, `1974-08-12T00:00:00+02:00`) as
 * written — a date of birth is a day, so the offset is not applied. Encodes `YYYY-MM-DD`.
 *
 * @since 0.1.0
 */
export const FromIsoString = /* @__PURE__ */ Schema.String.check(fromIsoString.check).pipe(
  Schema.decodeTo(CalendarDate, fromIsoString.transformation),
  Schema.annotate({ identifier: "CalendarDateFromIsoString" })
)

const fromCompact = formatCodec<string, string>({
  expected: "a date as YYYYMMDD",
  parse: (input) =>
    input.length === 8
      ? encodedFromParts(readDigits(input, 0, 4), readDigits(input, 4, 2), readDigits(input, 6, 2))
      : undefined,
  format: (date) => date.replaceAll("-", ""),
  unencodable: "",
  jsonSchema: { pattern: "^\\d{8}$" }
})

/** Decodes `YYYYMMDD` (the Assure matching format and many registries). Encodes `YYYYMMDD`. @since 0.1.0 */
export const FromCompact = /* @__PURE__ */ Schema.String.check(fromCompact.check).pipe(
  Schema.decodeTo(CalendarDate, fromCompact.transformation),
  Schema.annotate({ identifier: "CalendarDateFromCompact" })
)

const fromDotted = formatCodec<string, string>({
  expected: "a date as DD.MM.YYYY",
  parse: (input) =>
    input.length === 10 && input.charCodeAt(2) === 46 && input.charCodeAt(5) === 46
      ? encodedFromParts(readDigits(input, 6, 4), readDigits(input, 3, 2), readDigits(input, 0, 2))
      : undefined,
  format: (date) => `${date.slice(8, 10)}.${date.slice(5, 7)}.${date.slice(0, 4)}`,
  unencodable: "",
  jsonSchema: { pattern: "^\\d{2}\\.\\d{2}\\.\\d{4}$" }
})

/** Decodes `DD.MM.YYYY` (German, Nordic and Swiss documents and registries). Encodes `DD.MM.YYYY`. @since 0.1.0 */
export const FromDotted = /* @__PURE__ */ Schema.String.check(fromDotted.check).pipe(
  Schema.decodeTo(CalendarDate, fromDotted.transformation),
  Schema.annotate({ identifier: "CalendarDateFromDotted" })
)

interface NullableParts {
  readonly day: number | null
  readonly month: number | null
  readonly year: number | null
}

const fromParts = formatCodec<NullableParts, string>({
  expected: "a real date as { day, month, year } with no part missing",
  parse: ({ day, month, year }) =>
    day === null || month === null || year === null ? undefined : encodedFromParts(year, month, day),
  format: partsOf,
  unencodable: { day: null, month: null, year: null }
})

/**
 * Decodes `{ day, month, year }` integers, as Stripe Identity sends `dob` and `expiration_date`. A part
 * that is `null` (Stripe's "not read from the document") fails: a partial date is not a date.
 *
 * @since 0.1.0
 */
export const FromParts = /* @__PURE__ */ Schema.Struct({
  day: Schema.NullOr(Schema.Number),
  month: Schema.NullOr(Schema.Number),
  year: Schema.NullOr(Schema.Number)
})
  .check(fromParts.check)
  .pipe(
    Schema.decodeTo(CalendarDate, fromParts.transformation),
    Schema.annotate({ identifier: "CalendarDateFromParts" })
  )

/**
 * The century of an MRZ date of birth: the latest year ending in `yy` whose date is not after `today`.
 * A person born on or before the same day 100 years ago cannot be told from a newborn; MRZ birth dates
 * simply do not carry that information.
 *
 * @since 0.1.0
 */
export const mrzBirthYear = (yy: number, month: number, day: number, today: CalendarDate): number => {
  const candidate = 2000 + yy
  const encoded = formatDate(candidate, month, day)
  return encoded <= today ? candidate : candidate - 100
}

/**
 * The century of an MRZ date of expiry: the year ending in `yy` within 49 years before and 50 years after
 * `today`. Travel documents are valid for at most ten years (a few ID cards for longer), so the window
 * leaves ample room on both sides and fails only for documents that expired half a century ago.
 *
 * @since 0.1.0
 */
export const mrzExpiryYear = (yy: number, today: CalendarDate): number => {
  const thisYear = readDigits(today, 0, 4)
  const candidate = thisYear - (thisYear % 100) + yy
  if (candidate > thisYear + 50) return candidate - 100
  if (candidate < thisYear - 49) return candidate + 100
  return candidate
}

const mrzDate = (
  identifier: string,
  expected: string,
  resolveYear: (yy: number, month: number, day: number, today: CalendarDate) => number
) =>
  Schema.String.pipe(
    Schema.decodeTo(
      CalendarDate,
      SchemaTransformation.transformEffect({
        decode: (input: string, options) => {
          const yy = input.length === 6 ? readDigits(input, 0, 2) : -1
          const month = readDigits(input, 2, 2)
          const day = readDigits(input, 4, 2)
          if (yy < 0 || month < 0 || day < 0) return Effect.fail(invalid(expected, input, options))
          return Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const year = resolveYear(yy, month, day, fromEpochMillis(now))
            return isValidDate(year, month, day)
              ? Effect.succeed(formatDate(year, month, day))
              : Effect.fail(invalid(expected, input, options))
          })
        },
        encode: (date: string) => Effect.succeed(date.slice(2).replaceAll("-", ""))
      })
    ),
    Schema.annotate({ identifier })
  )

/**
 * Decodes an MRZ date of birth `YYMMDD`, choosing the century with {@link mrzBirthYear} against the
 * current date from Effect's `Clock` (so `TestClock` controls it). Encodes `YYMMDD`.
 *
 * @since 0.1.0
 */
export const FromMrzBirthDate = /* @__PURE__ */ mrzDate(
  "CalendarDateFromMrzBirthDate",
  "an MRZ date of birth as YYMMDD",
  mrzBirthYear
)

/**
 * Decodes an MRZ date of expiry `YYMMDD`, choosing the century with {@link mrzExpiryYear} against the
 * current date from Effect's `Clock`. Encodes `YYMMDD`.
 *
 * @since 0.1.0
 */
export const FromMrzExpiryDate = /* @__PURE__ */ mrzDate(
  "CalendarDateFromMrzExpiryDate",
  "an MRZ date of expiry as YYMMDD",
  (yy, _month, _day, today) => mrzExpiryYear(yy, today)
)
