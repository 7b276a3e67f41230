/** Gregorian calendar arithmetic shared by the date and timestamp codecs. */

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

export const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Years 1 to 9999: what `YYYY` can write. */
export const isValidDate = (year: number, month: number, day: number): boolean =>
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
const pad4 = (n: number): string => `${n}`.padStart(4, "0")

export const formatDate = (year: number, month: number, day: number): string =>
  `${pad4(year)}-${pad2(month)}-${pad2(day)}`

/** Reads `length` ASCII digits at `offset`, or -1 when any of them is not a digit. */
export const readDigits = (input: string, offset: number, length: number): number => {
  let value = 0
  for (let i = offset; i < offset + length; i++) {
    const code = input.charCodeAt(i) - 48
    if (code < 0 || code > 9) return -1
    value = value * 10 + code
  }
  return value
}

/** Parses exactly `YYYY-MM-DD` into its parts when it is a real calendar date. */
export const parseIsoDate = (input: string): readonly [number, number, number] | undefined => {
  if (input.length !== 10 || input.charCodeAt(4) !== 45 || input.charCodeAt(7) !== 45) return undefined
  const year = readDigits(input, 0, 4)
  const month = readDigits(input, 5, 2)
  const day = readDigits(input, 8, 2)
  return isValidDate(year, month, day) ? [year, month, day] : undefined
}

/** Milliseconds since the epoch of a UTC wall-clock time. */
export const utcMillis = (
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number
): number => daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000

/** The UTC calendar date of an instant, as `[year, month, day]`. */
export const utcDateParts = (millis: number): readonly [number, number, number] =>
  civilFromDays(Math.floor(millis / 86_400_000))

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil), without a Date object. */
export const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

/** The date of a day counted from 1970-01-01 (civil_from_days), as `[year, month, day]`. */
export const civilFromDays = (days: number): readonly [number, number, number] => {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const dayOfEra = z - era * 146097
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day]
}
