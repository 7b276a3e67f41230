/**
 * The normalisation rules of `@assure/core`, rewritten as plain functions for the zod and hand-written
 * normalisers. Each returns the normalised value, or `undefined` when the input is invalid, and accepts
 * exactly what the corresponding core codec accepts (the bench checks this on every record and on a list
 * of edge cases before it times anything).
 *
 * The tables core keeps private (sex and document-type words, ICAO aliases) are copied; the country table
 * is read from core's public helpers, so there is one source for ISO 3166-1.
 */
import { Country } from "@assure/core"

// --- Names (PersonName.FromString) ---

/** No leading, trailing or doubled white space, no control characters (the PersonName pattern). */
export const namePattern = /^[^\s\p{Cc}](?:[^\s\p{Cc}]| (?! ))*$/u
export const maxNameLength = 200

export const collapseName = (name: string): string => name.normalize("NFC").trim().replace(/\s+/g, " ")

export const isNfc = (name: string): boolean => name === name.normalize("NFC")

export const personName = (input: string): string | undefined => {
  const name = collapseName(input)
  return name.length > 0 && name.length <= maxNameLength && namePattern.test(name) && isNfc(name) ? name : undefined
}

// --- Document numbers (IdentityData.IdentityNumber) ---

export const identityNumberPattern = /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u
export const maxIdentityNumberLength = 64

export const identityNumber = (input: string): string | undefined =>
  input.length <= maxIdentityNumberLength && identityNumberPattern.test(input) ? input : undefined

// --- Calendar dates (CalendarDate.FromIsoString, CalendarDate.FromParts) ---

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** A real Gregorian date in years 1–9999 (what `YYYY` can write). */
const isValidDate = (year: number, month: number, day: number): boolean =>
  Number.isInteger(year) &&
  Number.isInteger(month) &&
  Number.isInteger(day) &&
  year >= 1 &&
  year <= 9999 &&
  month >= 1 &&
  month <= 12 &&
  day >= 1 &&
  day <= daysInMonth(year, month)

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

const formatDate = (year: number, month: number, day: number): string =>
  `${`${year}`.padStart(4, "0")}-${pad2(month)}-${pad2(day)}`

/** `length` ASCII digits at `offset` as a number, or -1 when any is not a digit. */
const readDigits = (input: string, offset: number, length: number): number => {
  let value = 0
  for (let i = offset; i < offset + length; i++) {
    const digit = input.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

const isIsoDate = (input: string): boolean =>
  input.length === 10 &&
  input.charCodeAt(4) === 45 &&
  input.charCodeAt(7) === 45 &&
  isValidDate(readDigits(input, 0, 4), readDigits(input, 5, 2), readDigits(input, 8, 2))

/** `YYYY-MM-DD`, or the date part of a date-time (`T`, `t` or a space, then at least `hh:mm`), as written. */
export const isoDatePart = (input: string): string | undefined => {
  if (input.length === 10) return isIsoDate(input) ? input : undefined
  const separator = input.charCodeAt(10)
  if (input.length < 16 || (separator !== 84 && separator !== 116 && separator !== 32)) return undefined
  const date = input.slice(0, 10)
  return isIsoDate(date) ? date : undefined
}

/** Stripe's `{ day, month, year }`; a `null` part (not read from the document) makes it invalid. */
export interface DateParts {
  readonly day: number | null
  readonly month: number | null
  readonly year: number | null
}

export const dateFromParts = ({ day, month, year }: DateParts): string | undefined =>
  day !== null && month !== null && year !== null && isValidDate(year, month, day)
    ? formatDate(year, month, day)
    : undefined

// --- Timestamps (Timestamp.FromIsoString) ---

const isoDateTimePattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/

/** Epoch milliseconds of a UTC wall-clock time; `Date.UTC` alone would read years 0–99 as 19xx. */
const utcMillis = (year: number, month: number, day: number, hour: number, minute: number, second: number): number => {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second)
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, 0)
  return date.getTime()
}

const minMillis = utcMillis(1, 1, 1, 0, 0, 0)
const maxMillis = utcMillis(9999, 12, 31, 23, 59, 59)

/** ISO 8601 with a zone (`Z`, `+02:00`, `+0200`, `+02`), any fraction, seconds optional → `YYYY-MM-DDThh:mm:ssZ`. */
export const utcTimestamp = (input: string): string | undefined => {
  const match = isoDateTimePattern.exec(input)
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s, zulu, sign, offsetHours, offsetMinutes] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = s === undefined ? 0 : Number(s)
  if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined
  let offsetMinutesTotal = 0
  if (zulu === undefined) {
    const oh = Number(offsetHours)
    const om = offsetMinutes === undefined ? 0 : Number(offsetMinutes)
    if (oh > 23 || om > 59) return undefined
    offsetMinutesTotal = (sign === "-" ? -1 : 1) * (oh * 60 + om)
  }
  // The fraction was never captured, so the instant is already whole seconds.
  const millis = utcMillis(year, month, day, hour, minute, second) - offsetMinutesTotal * 60_000
  if (millis < minMillis || millis > maxMillis) return undefined
  return formatUtc(new Date(millis))
}

// Written field by field: `toISOString()` costs about a microsecond in Node 24, several times all the rest.
const formatUtc = (date: Date): string =>
  `${formatDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())}T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}Z`

// --- Countries (Country.FromCode) ---

/** Every alpha-3, alpha-2 and numeric code core accepts, mapped to its normalised code; built from core's helpers. */
const countryByCode: ReadonlyMap<string, string> = (() => {
  const table = new Map<string, string>()
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
  for (const a of letters)
    for (const b of letters)
      for (const c of letters) {
        const code = a + b + c
        if (!Country.isCountry(code)) continue
        table.set(code, code)
        const alpha2 = Country.toAlpha2(code)
        if (alpha2 !== undefined) table.set(alpha2, code)
        const numeric = Country.toNumeric(code)
        if (numeric !== undefined) table.set(numeric, code)
      }
  return table
})()

/** ICAO 9303 spellings of countries ISO writes otherwise (copied from core's Country.ts, which keeps them private). */
const icaoAliases: ReadonlyMap<string, string> = new Map([
  ["D", "DEU"],
  ["GBD", "GBR"],
  ["GBN", "GBR"],
  ["GBO", "GBR"],
  ["GBP", "GBR"],
  ["GBS", "GBR"],
  ["RKS", "XKX"],
  ["XKK", "XKX"],
  ["UNK", "XKX"]
])

/** Any alpha-2, alpha-3, numeric or ICAO code, ignoring case and surrounding white space → alpha-3. */
export const countryFromCode = (input: string): string | undefined => {
  const code = input.trim().toUpperCase()
  return countryByCode.get(code) ?? icaoAliases.get(code.replace(/<+$/, ""))
}

// --- Words (Sex.FromProviderWord, DocumentType.FromProviderWord); tables copied from core ---

type Sex = "F" | "M" | "X"

const sexWords: ReadonlyMap<string, Sex> = new Map<string, Sex>([
  ["f", "F"],
  ["female", "F"],
  ["woman", "F"],
  ["w", "F"],
  ["m", "M"],
  ["male", "M"],
  ["man", "M"],
  ["x", "X"],
  ["<", "X"],
  ["unspecified", "X"],
  ["other", "X"],
  ["diverse", "X"],
  ["d", "X"],
  ["non-binary", "X"],
  ["nonbinary", "X"]
])

export const sexFromWord = (word: string): Sex | undefined => sexWords.get(word.trim().toLowerCase())

type DocumentType = "passport" | "idCard" | "driverLicense" | "residencePermit" | "visa" | "other"

const documentTypeWords: ReadonlyMap<string, DocumentType> = new Map<string, DocumentType>([
  ["passport", "passport"],
  ["passportcard", "passport"],
  ["idcard", "idCard"],
  ["identitycard", "idCard"],
  ["nationalidentitycard", "idCard"],
  ["nationalidcard", "idCard"],
  ["driverlicense", "driverLicense"],
  ["driverslicense", "driverLicense"],
  ["drivinglicense", "driverLicense"],
  ["drivinglicence", "driverLicense"],
  ["driverslicence", "driverLicense"],
  ["residencepermit", "residencePermit"],
  ["residencecard", "residencePermit"],
  ["visa", "visa"],
  ["other", "other"],
  ["voterid", "other"],
  ["taxid", "other"],
  ["workpermit", "other"],
  ["unknown", "other"]
])

export const documentTypeFromWord = (word: string): DocumentType | undefined =>
  documentTypeWords.get(word.toLowerCase().replace(/[\s_-]+/g, ""))
