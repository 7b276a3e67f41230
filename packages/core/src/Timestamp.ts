/**
 * Instants such as `createdAt` and `updatedAt`, in the one form the Assure API writes them: `YYYY-MM-DDThh:mm:ssZ`
 * — UTC, to the second, no fraction. A `Timestamp` is that string (branded), so it is JSON as it stands, and it
 * sorts as text in time order; `toEpochMillis` and `toDateTime` convert it when arithmetic is needed.
 *
 * Input codecs accept ISO 8601 with any offset or fraction (converted to UTC, the fraction dropped) and unix seconds
 * or milliseconds. A date-time without a zone is an error, never read as local time: the same string would mean
 * different instants on different servers.
 *
 * @example
 * ```ts
 * import { Timestamp } from "@assure/core"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(Timestamp.FromIsoString)("2024-05-01T12:30:00.250+02:00") // "2024-05-01T10:30:00Z"
 * Schema.decodeUnknownSync(Timestamp.FromUnixSeconds)(1714559400) // "2024-05-01T10:30:00Z"
 * ```
 *
 * @since 0.1.0
 */
import { DateTime, Schema } from "effect"
import { civilFromDays, isValidDate, readDigits, utcMillis } from "./internal/calendar.js"
import { formatCodec } from "./internal/transformation.js"

/** The first and last instants `YYYY` can write. */
const minMillis = utcMillis(1, 1, 1, 0, 0, 0)
const maxMillis = utcMillis(9999, 12, 31, 23, 59, 59)

const isRepresentable = (millis: number): boolean =>
  Number.isFinite(millis) && millis >= minMillis && millis <= maxMillis

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/** Writes whole-second epoch milliseconds as `YYYY-MM-DDThh:mm:ssZ`, without a `Date` (which is slow to format). */
const formatMillis = (millis: number): string => {
  const days = Math.floor(millis / 86_400_000)
  const [year, month, day] = civilFromDays(days)
  const secondOfDay = Math.floor((millis - days * 86_400_000) / 1000)
  const hour = Math.floor(secondOfDay / 3600)
  const minute = Math.floor((secondOfDay % 3600) / 60)
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(secondOfDay % 60)}Z`
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57

/**
 * Epoch milliseconds of an ISO 8601 date-time with a zone — `YYYY-MM-DD[T ]hh:mm[:ss[.fraction]]` then `Z`, `±hh`,
 * `±hhmm` or `±hh:mm` — truncated to the second; `undefined` when the text is not one or names no real instant.
 */
const parseIsoMillis = (input: string): number | undefined => {
  const separator = input.charCodeAt(10)
  if (
    input.length < 17 ||
    input.charCodeAt(4) !== 45 ||
    input.charCodeAt(7) !== 45 ||
    (separator !== 84 && separator !== 116 && separator !== 32) ||
    input.charCodeAt(13) !== 58
  ) {
    return undefined
  }
  const year = readDigits(input, 0, 4)
  const month = readDigits(input, 5, 2)
  const day = readDigits(input, 8, 2)
  const hour = readDigits(input, 11, 2)
  const minute = readDigits(input, 14, 2)
  let second = 0
  let index = 16
  if (input.charCodeAt(index) === 58) {
    second = readDigits(input, 17, 2)
    index = 19
    const mark = input.charCodeAt(index)
    if (mark === 46 || mark === 44) {
      const start = ++index
      while (isDigit(input.charCodeAt(index))) index++
      if (index === start) return undefined
    }
  }
  if (
    !isValidDate(year, month, day) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return undefined
  }
  const zone = input.charCodeAt(index)
  let offsetMinutes = 0
  if (zone === 90 || zone === 122) {
    if (index + 1 !== input.length) return undefined
  } else if (zone === 43 || zone === 45) {
    const rest = input.length - index - 1
    const offsetHours = readDigits(input, index + 1, 2)
    const minutesAt = rest === 5 && input.charCodeAt(index + 3) === 58 ? index + 4 : rest === 4 ? index + 3 : -1
    const minutes = rest === 2 ? 0 : minutesAt < 0 ? -1 : readDigits(input, minutesAt, 2)
    if (offsetHours < 0 || offsetHours > 23 || minutes < 0 || minutes > 59) return undefined
    offsetMinutes = (zone === 45 ? -1 : 1) * (offsetHours * 60 + minutes)
  } else {
    return undefined
  }
  const millis = utcMillis(year, month, day, hour, minute, second) - offsetMinutes * 60_000
  return isRepresentable(millis) ? millis : undefined
}

const canonicalPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

/**
 * The normalised form: exactly `YYYY-MM-DDThh:mm:ssZ`, a real instant between years 1 and 9999.
 *
 * @since 0.1.0
 */
export const Timestamp = /* @__PURE__ */ Schema.String.check(
  Schema.makeFilter((input: string) => canonicalPattern.test(input) && parseIsoMillis(input) !== undefined, {
    expected: "a UTC timestamp as YYYY-MM-DDThh:mm:ssZ",
    toJsonSchema: () => ({ format: "date-time", pattern: canonicalPattern.source })
  })
).pipe(
  Schema.brand("Timestamp"),
  Schema.annotate({ identifier: "Timestamp", description: "An instant in UTC to the second, YYYY-MM-DDThh:mm:ssZ" })
)

/** An instant in UTC to the second, `YYYY-MM-DDThh:mm:ssZ`. @since 0.1.0 */
export type Timestamp = typeof Timestamp.Type

/** The instant of epoch milliseconds, truncated to the second. Throws a `RangeError` outside years 1–9999. @since 0.1.0 */
export const fromEpochMillis = (millis: number): Timestamp => {
  const truncated = Math.floor(millis / 1000) * 1000
  if (!isRepresentable(truncated)) throw new RangeError("The instant is outside years 1 to 9999")
  return formatMillis(truncated) as Timestamp
}

/** Milliseconds since the epoch. @since 0.1.0 */
export const toEpochMillis = (timestamp: Timestamp): number => parseIsoMillis(timestamp) as number

/** The instant as an Effect `DateTime.Utc`. @since 0.1.0 */
export const toDateTime = (timestamp: Timestamp): DateTime.Utc => DateTime.makeUnsafe(toEpochMillis(timestamp))

/** The timestamp of an Effect `DateTime` (any zone), truncated to the second. @since 0.1.0 */
export const fromDateTime = (dateTime: DateTime.DateTime): Timestamp =>
  fromEpochMillis(DateTime.toEpochMillis(dateTime))

const fromIsoString = formatCodec<string, string>({
  expected: "an ISO 8601 date-time with a time zone",
  parse: (input) => {
    const millis = parseIsoMillis(input)
    return millis === undefined ? undefined : formatMillis(Math.floor(millis / 1000) * 1000)
  },
  format: (timestamp) => timestamp,
  unencodable: ""
})

/**
 * Decodes ISO 8601 / RFC 3339 date-times with a zone (`Z` or an offset such as `+02:00`, `+0200`, `+02`) and any
 * fraction of a second; seconds may be omitted. Encodes the normalised form.
 *
 * @since 0.1.0
 */
export const FromIsoString = /* @__PURE__ */ Schema.String.check(fromIsoString.check).pipe(
  Schema.decodeTo(Timestamp, fromIsoString.transformation),
  Schema.annotate({ identifier: "TimestampFromIsoString" })
)

const fromUnix = (unit: number, expected: string) =>
  formatCodec<number, string>({
    expected,
    parse: (value) => {
      const millis = Math.floor((value * unit) / 1000) * 1000
      return isRepresentable(millis) ? formatMillis(millis) : undefined
    },
    format: (timestamp) => (parseIsoMillis(timestamp) as number) / unit,
    unencodable: Number.NaN
  })

const fromUnixSeconds = fromUnix(1000, "unix time in seconds between years 1 and 9999")

/** Decodes unix time in seconds (fractions dropped). Encodes whole seconds. @since 0.1.0 */
export const FromUnixSeconds = /* @__PURE__ */ Schema.Number.check(fromUnixSeconds.check).pipe(
  Schema.decodeTo(Timestamp, fromUnixSeconds.transformation),
  Schema.annotate({ identifier: "TimestampFromUnixSeconds" })
)

const fromUnixMillis = fromUnix(1, "unix time in milliseconds between years 1 and 9999")

/** Decodes unix time in milliseconds (truncated to the second). Encodes milliseconds. @since 0.1.0 */
export const FromUnixMillis = /* @__PURE__ */ Schema.Number.check(fromUnixMillis.check).pipe(
  Schema.decodeTo(Timestamp, fromUnixMillis.transformation),
  Schema.annotate({ identifier: "TimestampFromUnixMillis" })
)
