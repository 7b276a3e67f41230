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

/** Milliseconds since the epoch of a UTC wall-clock time; unlike `Date.UTC`, years 0–99 are not shifted to 19xx. */
export const utcMillis = (
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number
): number => {
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, 0)
  return date.getTime()
}

/** The UTC calendar date of an instant, as `[year, month, day]`. */
export const utcDateParts = (millis: number): readonly [number, number, number] => {
  const date = new Date(millis)
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]
}
