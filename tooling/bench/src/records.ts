/**
 * Raw identity records as providers send them, generated deterministically so every run (and every
 * machine) normalises exactly the same input.
 */

/** A date as Stripe Identity sends `dob` and `expiration_date`. */
export interface StripeDate {
  readonly day: number
  readonly month: number
  readonly year: number
}

/** One provider-style record: untrimmed names, dates in two shapes, codes in mixed case and length. */
export interface RawRecord {
  readonly firstName: string
  readonly lastName: string
  readonly dateOfBirth: string | StripeDate
  readonly dateOfExpiry: string | StripeDate
  readonly nationality: string
  readonly issuingCountry: string
  readonly sex: string
  readonly documentType: string
  readonly documentNumber: string
  readonly verifiedAt: string
}

/** A random source: returns a float in [0, 1). */
export type Random = () => number

/** mulberry32: tiny, fast, and good enough to vary test data; the point is that the seed fixes the output. */
export const seededRandom = (seed: number): Random => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(random: Random, items: ReadonlyArray<T>): T => items[Math.floor(random() * items.length)] as T
const between = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1))
const pad = (n: number, width: number): string => `${n}`.padStart(width, "0")

// Some names are written decomposed (NFD), as scanned MRZ/OCR text sometimes is: normalisation must compose them.
const firstNames = [
  "Maria Paula",
  "Jo\u0303ao",
  "Zoë",
  "Øyvind",
  "Łukasz",
  "Anne-Marie",
  "José",
  "Rene\u0301e",
  "Siobhán",
  "Mohammed",
  "Mei Ling",
  "Ola",
  "Åsa",
  "Dmitrij"
]
const lastNames = [
  "Santos Mendes",
  "Nordmann",
  "Müller",
  "van der Berg",
  "O'Connor",
  "Kowalski",
  "Garci\u0301a Márquez",
  "Ødegård",
  "Nguyễn",
  "Smith",
  "Dupont-Laurent",
  "Al Farsi"
]

// Spaces, tabs, new lines and no-break spaces: everything `\s` matches and providers actually send.
const blanks = ["", "", " ", "  ", "\t", " \n", "\u00a0"]

const messy = (random: Random, name: string): string =>
  pick(random, blanks) + name.replaceAll(" ", () => pick(random, [" ", "  ", " \t", "\u00a0 "])) + pick(random, blanks)

// alpha-2 and alpha-3 of the same country, so both input forms occur for each.
const countries: ReadonlyArray<readonly [string, string]> = [
  ["NO", "NOR"],
  ["PT", "PRT"],
  ["DE", "DEU"],
  ["FR", "FRA"],
  ["GB", "GBR"],
  ["US", "USA"],
  ["PL", "POL"],
  ["SE", "SWE"],
  ["DK", "DNK"],
  ["NL", "NLD"],
  ["ES", "ESP"],
  ["IT", "ITA"],
  ["BR", "BRA"],
  ["IN", "IND"],
  ["CN", "CHN"],
  ["VN", "VNM"],
  ["AE", "ARE"],
  ["UA", "UKR"],
  ["CH", "CHE"],
  ["XK", "XKX"]
]

const countryCode = (random: Random): string => {
  const code = pick(random, pick(random, countries))
  const roll = random()
  if (roll < 0.6) return code
  if (roll < 0.9) return code.toLowerCase()
  return ` ${code} `
}

const sexWords = ["female", "F", "f", "Female", "woman", "M", "male", "Male", "man", "X", "unspecified", "other"]
const documentTypeWords = [
  "passport",
  "PASSPORT",
  "passport_card",
  "driving_licence",
  "driving_license",
  "DRIVERS_LICENSE",
  "id_card",
  "ID_CARD",
  "national_identity_card",
  "residence_permit",
  "visa"
]

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** A real date in the year range, as ISO `YYYY-MM-DD` or Stripe parts (half each). */
const calendarDate = (random: Random, fromYear: number, toYear: number): string | StripeDate => {
  const year = between(random, fromYear, toYear)
  const month = between(random, 1, 12)
  const day = between(random, 1, daysIn(year, month))
  return random() < 0.5 ? `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` : { day, month, year }
}

const documentNumber = (random: Random): string => {
  const letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
  return `${letters[between(random, 0, letters.length - 1)]}${letters[between(random, 0, letters.length - 1)]}${pad(between(random, 0, 9_999_999), 7)}`
}

// Never "+00:00": the codecs must really convert to UTC, across midnight too.
const offsets = ["+02:00", "+01:00", "-05:00", "+05:30", "-03:30", "+09:00", "+14:00", "-11:00", "+0200", "-0845"]
const fractions = [".250", ".5", ".999", ".000001", ",125"]

/** An instant in 2024–2025 with a fraction and a non-zero offset, e.g. `2024-05-01T12:30:00.250+02:00`. */
const verifiedAt = (random: Random): string => {
  const year = between(random, 2024, 2025)
  const month = between(random, 1, 12)
  const day = between(random, 1, daysIn(year, month))
  const time = `${pad(between(random, 0, 23), 2)}:${pad(between(random, 0, 59), 2)}:${pad(between(random, 0, 59), 2)}`
  return `${year}-${pad(month, 2)}-${pad(day, 2)}T${time}${pick(random, fractions)}${pick(random, offsets)}`
}

/** One record. */
export const rawRecord = (random: Random): RawRecord => ({
  firstName: messy(random, pick(random, firstNames)),
  lastName: messy(random, pick(random, lastNames)),
  dateOfBirth: calendarDate(random, 1930, 2007),
  dateOfExpiry: calendarDate(random, 2024, 2036),
  nationality: countryCode(random),
  issuingCountry: countryCode(random),
  sex: pick(random, sexWords),
  documentType: pick(random, documentTypeWords),
  documentNumber: documentNumber(random),
  verifiedAt: verifiedAt(random)
})

/** `count` records from `seed`: the same seed always gives the same records. */
export const rawRecords = (count: number, seed: number): ReadonlyArray<RawRecord> => {
  const random = seededRandom(seed)
  return Array.from({ length: count }, () => rawRecord(random))
}
