/**
 * Countries as ISO 3166-1 alpha-3 codes (`NOR`, `PRT`), the form the Assure API normalises to.
 *
 * `Country` holds the 249 officially assigned ISO 3166-1 codes plus the few codes identity documents carry
 * that ISO does not assign, each kept as it is (see {@link nonIsoCodes}). The input codecs read alpha-2,
 * numeric and ICAO 9303 codes; where ICAO and ISO differ we chose as follows:
 *
 * | input | decodes to | why |
 * |---|---|---|
 * | `D` (ICAO, Germany) | `DEU` | the same state |
 * | `GBD`, `GBN`, `GBO`, `GBP`, `GBS` (ICAO British nationality classes) | `GBR` | the issuing state and nationality are British; the class stays in the provider's raw data |
 * | `RKS` (ICAO, Onfido), `XKK` (i18n-iso-countries), `UNK` (UNMIK), alpha-2 `XK` | `XKX` | Kosovo has no ISO code; `XKX` is the user-assigned code the EU and most providers use |
 * | `XXA`, `XXB`, `XXC`, `XXX` | themselves | stateless, refugee and unspecified nationalities are facts to keep, not countries to guess |
 * | `EUE`, `UNO`, `UNA`, `XBA`, `XCC`, … | themselves | organisations that issue travel documents |
 *
 * Fictional specimen codes such as `UTO` (Utopia) fail to decode.
 *
 * @example
 * ```ts
 * import { Country } from "@assure/core"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(Country.FromAlpha2)("NO") // "NOR"
 * Schema.decodeUnknownSync(Country.FromIcao)("D<<") // "DEU"
 * Schema.decodeUnknownSync(Country.FromCode)(" rks ") // "XKX"
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { isoCountryTable } from "./internal/isoCountryTable.js"
import { formatCodec } from "./internal/transformation.js"

/** An officially assigned ISO 3166-1 alpha-3 code. @since 0.1.0 */
export type IsoAlpha3 = (typeof isoCountryTable)[number][0]

/**
 * Codes that identity documents carry and ISO 3166-1 does not assign, with what each stands for. They
 * are valid `Country` values and are never mapped to a country.
 *
 * @since 0.1.0
 */
export const nonIsoCodes = {
  XKX: "Kosovo",
  XXA: "Stateless person (1954 Convention)",
  XXB: "Refugee (1951 Convention)",
  XXC: "Refugee (other)",
  XXX: "Unspecified nationality",
  EUE: "European Union",
  UNO: "United Nations Organization",
  UNA: "United Nations specialized agency",
  XBA: "African Development Bank",
  XIM: "African Export-Import Bank",
  XCC: "Caribbean Community",
  XCE: "Council of Europe",
  XCO: "Common Market for Eastern and Southern Africa",
  XEC: "Economic Community of West African States",
  XES: "Organisation of Eastern Caribbean States",
  XOM: "Sovereign Military Order of Malta",
  XPO: "International Criminal Police Organization",
  XDC: "Southern African Development Community"
} as const

/** A code identity documents carry that ISO 3166-1 does not assign. @since 0.1.0 */
export type NonIsoCode = keyof typeof nonIsoCodes

/** A normalised country code: ISO 3166-1 alpha-3, or one of {@link nonIsoCodes}. @since 0.1.0 */
export type Country = IsoAlpha3 | NonIsoCode

const alpha3ToAlpha2 = new Map<string, string>()
const alpha3ToNumeric = new Map<string, string>()
const fromAlpha2 = new Map<string, Country>([["XK", "XKX"]])
const fromNumeric = new Map<string, Country>()
for (const [alpha3, alpha2, numeric] of isoCountryTable) {
  alpha3ToAlpha2.set(alpha3, alpha2)
  alpha3ToNumeric.set(alpha3, numeric)
  fromAlpha2.set(alpha2, alpha3)
  fromNumeric.set(numeric, alpha3)
}
alpha3ToAlpha2.set("XKX", "XK")

const countries = new Set<string>([...alpha3ToNumeric.keys(), ...Object.keys(nonIsoCodes)])

/** ICAO 9303 codes (and other spellings) that stand for a `Country` under another code. */
const aliases = new Map<string, Country>([
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

/** Whether a string is a normalised `Country` code. @since 0.1.0 */
export const isCountry = (code: string): code is Country => countries.has(code)

/** Whether a country code is officially assigned by ISO 3166-1. @since 0.1.0 */
export const isIso = (country: Country): country is IsoAlpha3 => alpha3ToNumeric.has(country)

/** The ISO 3166-1 alpha-2 code (`XK` for Kosovo), or `undefined` for codes that have none. @since 0.1.0 */
export const toAlpha2 = (country: Country): string | undefined => alpha3ToAlpha2.get(country)

/** The ISO 3166-1 numeric code as three digits, or `undefined` for codes that have none. @since 0.1.0 */
export const toNumeric = (country: Country): string | undefined => alpha3ToNumeric.get(country)

/** The normalised country code: ISO 3166-1 alpha-3 or one of {@link nonIsoCodes}, upper case. @since 0.1.0 */
export const Country = /* @__PURE__ */ Schema.String.pipe(
  Schema.refine(isCountry, {
    expected: "an ISO 3166-1 alpha-3 country code",
    toJsonSchema: () => ({ enum: [...countries].sort() })
  }),
  Schema.annotate({
    identifier: "Country",
    description: "ISO 3166-1 alpha-3 country code, or an ICAO 9303 code for which ISO has none (XXA, EUE, ...)",
    examples: ["NOR", "PRT"]
  })
)

/** A codec from one way of writing a country to the normalised code. */
const countryCodec = (options: {
  readonly identifier: string
  readonly expected: string
  readonly parse: (code: string) => Country | undefined
  readonly format: (country: string) => string | undefined
}) => {
  const codec = formatCodec<string, string>({ ...options, unencodable: "" })
  return Schema.String.check(codec.check).pipe(
    Schema.decodeTo(Country, codec.transformation),
    Schema.annotate({ identifier: options.identifier })
  )
}

/** Decodes an ISO 3166-1 alpha-2 code (`NO`; `XK` for Kosovo), as Stripe and Veriff send. Encodes alpha-2. @since 0.1.0 */
export const FromAlpha2 = /* @__PURE__ */ countryCodec({
  identifier: "CountryFromAlpha2",
  expected: "an ISO 3166-1 alpha-2 country code",
  parse: (code) => fromAlpha2.get(code),
  format: (country) => alpha3ToAlpha2.get(country)
})

/** Decodes an ISO 3166-1 numeric code written with three digits (`578`). Encodes the same. @since 0.1.0 */
export const FromNumeric = /* @__PURE__ */ countryCodec({
  identifier: "CountryFromNumeric",
  expected: "an ISO 3166-1 numeric country code of three digits",
  parse: (code) => fromNumeric.get(code),
  format: (country) => alpha3ToNumeric.get(country)
})

const icaoCodeOf = (country: string): string => {
  if (country === "DEU") return "D"
  if (country === "XKX") return "RKS"
  return country
}

/**
 * Decodes an ICAO 9303 state or organisation code as printed in a machine-readable zone: upper case,
 * possibly padded with `<` (`D<<`), including the ICAO-only codes in the module's table. Encodes the
 * ICAO code without padding (`D` for Germany, `RKS` for Kosovo).
 *
 * @since 0.1.0
 */
export const FromIcao = /* @__PURE__ */ countryCodec({
  identifier: "CountryFromIcao",
  expected: "an ICAO 9303 state or organisation code",
  parse: (code) => {
    const unpadded = code.replace(/<+$/, "")
    return isCountry(unpadded) ? unpadded : aliases.get(unpadded)
  },
  format: icaoCodeOf
})

/**
 * Decodes any code a provider may send — alpha-3, alpha-2, numeric, or ICAO 9303 — ignoring case and
 * surrounding white space. The formats cannot be confused (they differ in length or alphabet), so this is
 * not a guess. Encodes alpha-3.
 *
 * @since 0.1.0
 */
export const FromCode = /* @__PURE__ */ countryCodec({
  identifier: "CountryFromCode",
  expected: "a country code (ISO 3166-1 alpha-2, alpha-3 or numeric, or ICAO 9303)",
  parse: (input) => {
    const code = input.trim().toUpperCase()
    if (isCountry(code)) return code
    return fromAlpha2.get(code) ?? fromNumeric.get(code) ?? aliases.get(code.replace(/<+$/, ""))
  },
  format: (country) => country
})
