/**
 * Instants such as `createdAt` and `updatedAt`: a `DateTime.Utc` to the whole second.
 *
 * The normalised form is `YYYY-MM-DDThh:mm:ssZ` — UTC, no fraction — as the Assure API promises. Input
 * codecs accept ISO 8601 with any offset or fraction (converted to UTC, the fraction dropped) and unix
 * seconds or milliseconds. A date-time without a zone is an error, never read as local time: the same
 * string would mean different instants on different servers.
 *
 * @example
 * ```ts
 * import { Timestamp } from "@assure/core"
 * import { Schema } from "effect"
 *
 * const instant = Schema.decodeUnknownSync(Timestamp.FromIsoString)("2024-05-01T12:30:00.250+02:00")
 * Timestamp.format(instant) // "2024-05-01T10:30:00Z"
 * ```
 *
 * @since 0.1.0
 */
import { DateTime, Schema } from "effect"
import { isValidDate, utcMillis } from "./internal/calendar.js"
import { parseTransformation } from "./internal/transformation.js"

/** The first and last instants `YYYY` can write. */
const minMillis = utcMillis(1, 1, 1, 0, 0, 0)
const maxMillis = utcMillis(9999, 12, 31, 23, 59, 59)

const isRepresentable = (millis: number): boolean =>
  Number.isFinite(millis) && millis % 1000 === 0 && millis >= minMillis && millis <= maxMillis

/** An instant to the whole second, between years 1 and 9999. @since 0.1.0 */
export const Instant = Schema.DateTimeUtc.check(
  Schema.makeFilter((instant: DateTime.Utc) => isRepresentable(DateTime.toEpochMillis(instant)), {
    expected: "a UTC instant to the whole second, between years 1 and 9999"
  })
)

/** A `DateTime.Utc` to the whole second. @since 0.1.0 */
export type Timestamp = DateTime.Utc

/** Formats an instant as `YYYY-MM-DDThh:mm:ssZ` (any fraction is dropped). @since 0.1.0 */
export const format = (instant: DateTime.Utc): string => formatMillis(DateTime.toEpochMillis(instant))

const formatMillis = (millis: number): string => {
  const iso = new Date(millis - (((millis % 1000) + 1000) % 1000)).toISOString()
  return `${iso.slice(0, 19)}Z`
}

/** The instant of epoch milliseconds, truncated to the second. @since 0.1.0 */
export const fromEpochMillis = (millis: number): DateTime.Utc => DateTime.makeUnsafe(Math.floor(millis / 1000) * 1000)

const canonicalPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/

/** Epoch milliseconds of an ISO 8601 date-time with a zone, truncated to the second; `undefined` if invalid. */
const parseIsoMillis = (input: string): number | undefined => {
  const match = isoPattern.exec(input)
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s, zulu, sign, offsetHours, offsetMinutes] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = s === undefined ? 0 : Number(s)
  if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined
  let offset = 0
  if (zulu === undefined) {
    const oh = Number(offsetHours)
    const om = offsetMinutes === undefined ? 0 : Number(offsetMinutes)
    if (oh > 23 || om > 59) return undefined
    offset = (sign === "-" ? -1 : 1) * (oh * 60 + om) * 60_000
  }
  const millis = utcMillis(year, month, day, hour, minute, second) - offset
  return isRepresentable(millis) ? millis : undefined
}

const instantFromString = (expected: string) =>
  parseTransformation<DateTime.Utc, string>({
    expected,
    decode: (input) => {
      const millis = parseIsoMillis(input)
      return millis === undefined ? undefined : DateTime.makeUnsafe(millis)
    },
    encode: format
  })

/**
 * The normalised form: exactly `YYYY-MM-DDThh:mm:ssZ`. Use it for values that are already normalised,
 * such as the Assure API's `createdAt` and `updatedAt`.
 *
 * @since 0.1.0
 */
export const Timestamp = Schema.String.check(
  Schema.makeFilter((input: string) => canonicalPattern.test(input), {
    expected: "a UTC timestamp as YYYY-MM-DDThh:mm:ssZ",
    toJsonSchema: () => ({ format: "date-time", pattern: canonicalPattern.source })
  })
).pipe(
  // The check above admits only the canonical form; the ISO parser then reads it.
  Schema.decodeTo(Instant, instantFromString("a UTC timestamp as YYYY-MM-DDThh:mm:ssZ")),
  Schema.annotate({
    identifier: "Timestamp",
    description: "An instant in UTC to the second, YYYY-MM-DDThh:mm:ssZ",
    examples: [DateTime.makeUnsafe("2024-05-01T10:30:00Z")]
  })
)

/**
 * Decodes ISO 8601 / RFC 3339 date-times with a zone (`Z` or an offset such as `+02:00`, `+0200`, `+02`)
 * and any fraction of a second; seconds may be omitted. Encodes the normalised form.
 *
 * @since 0.1.0
 */
export const FromIsoString = Schema.String.pipe(
  Schema.decodeTo(Instant, instantFromString("an ISO 8601 date-time with a time zone")),
  Schema.annotate({ identifier: "TimestampFromIsoString" })
)

/** Decodes unix time in seconds (fractions dropped). Encodes whole seconds. @since 0.1.0 */
export const FromUnixSeconds = Schema.Number.pipe(
  Schema.decodeTo(
    Instant,
    parseTransformation<DateTime.Utc, number>({
      expected: "unix time in seconds between years 1 and 9999",
      decode: (seconds) => {
        const millis = Math.floor(seconds) * 1000
        return isRepresentable(millis) ? DateTime.makeUnsafe(millis) : undefined
      },
      encode: (instant) => DateTime.toEpochMillis(instant) / 1000
    })
  ),
  Schema.annotate({ identifier: "TimestampFromUnixSeconds" })
)

/** Decodes unix time in milliseconds (truncated to the second). Encodes milliseconds. @since 0.1.0 */
export const FromUnixMillis = Schema.Number.pipe(
  Schema.decodeTo(
    Instant,
    parseTransformation<DateTime.Utc, number>({
      expected: "unix time in milliseconds between years 1 and 9999",
      decode: (millis) => {
        const truncated = Math.floor(millis / 1000) * 1000
        return isRepresentable(truncated) ? DateTime.makeUnsafe(truncated) : undefined
      },
      encode: (instant) => DateTime.toEpochMillis(instant)
    })
  ),
  Schema.annotate({ identifier: "TimestampFromUnixMillis" })
)
