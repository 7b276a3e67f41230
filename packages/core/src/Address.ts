/**
 * Postal addresses, structured: street `lines`, `postalCode`, `city`, `region` and `country` (ISO 3166-1
 * alpha-3, as everywhere in the Assure API). Every part is optional, since providers read different parts
 * of an address, but an address has at least one.
 *
 * The normalised form, which {@link Address} accepts and {@link FromParts} produces from what providers send:
 *
 * | part | normalised form |
 * |---|---|
 * | `lines` | one entry per street line (street and number, flat, building, …): Unicode NFC, trimmed, inner white space collapsed; empty lines dropped; 1–8 lines |
 * | `postalCode` | trimmed, inner white space collapsed, upper case (`sw1a 1aa` → `SW1A 1AA`) |
 * | `city`, `region` | Unicode NFC, trimmed, inner white space collapsed; case and diacritics kept |
 * | `country` | ISO 3166-1 alpha-3, decoded from alpha-2, alpha-3, numeric or ICAO codes by `Country.FromCode` |
 *
 * Letters and diacritics are never dropped or transliterated (`Tromsø` stays `Tromsø`): matching folds them
 * for comparison only.
 *
 * @example
 * ```ts
 * import { Address } from "@assure/core"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(Address.FromParts)({
 *   lines: ["  Storgata 1 ", "", "Leilighet  H0203"],
 *   postalCode: "0155",
 *   city: "Oslo",
 *   country: "no"
 * })
 * // { lines: ["Storgata 1", "Leilighet H0203"], postalCode: "0155", city: "Oslo", country: "NOR" }
 * ```
 *
 * @since 0.1.0
 */
import { Option, Schema, SchemaTransformation } from "effect"
import * as Country from "./Country.js"

// No leading, trailing or doubled white space, no control characters (as PersonName).
const normalisedPattern = /^[^\s\p{Cc}](?:[^\s\p{Cc}]| (?! ))*$/u
const normalisedPatternSource = "^[^\\s\\p{Cc}](?:[^\\s\\p{Cc}]| (?! ))*$"
const nonAscii = /[\u0080-\uffff]/

/** The most characters (Unicode code points) a line, city or region may have. @since 0.1.0 */
export const maxLength = 200

/** The most characters a postal code may have. @since 0.1.0 */
export const maxPostalCodeLength = 20

/** The most street lines an address may have. @since 0.1.0 */
export const maxLines = 8

const codePointLength = (text: string): number => {
  let length = 0
  for (const _ of text) length++
  return length
}

const isNfc = (text: string): boolean => !nonAscii.test(text) || text === text.normalize("NFC")

const normalisedText = (identifier: string, description: string, max: number) =>
  Schema.String.check(
    Schema.makeFilter((text: string) => normalisedPattern.test(text) && isNfc(text), {
      expected: "text in Unicode NFC with no surrounding, repeated or control white space",
      toJsonSchema: () => ({ minLength: 1, pattern: normalisedPatternSource })
    }),
    Schema.makeFilter((text: string) => text.length <= max || codePointLength(text) <= max, {
      expected: `text of at most ${max} characters`,
      toJsonSchema: () => ({ maxLength: max })
    })
  ).pipe(Schema.annotate({ identifier, description }))

/** One street line: NFC, trimmed, single inner spaces, 1–200 characters. @since 0.1.0 */
export const AddressLine = /* @__PURE__ */ normalisedText(
  "AddressLine",
  "One street line of an address (street and number, flat, building, …), white space normalised",
  maxLength
)

/** A city, town or region name: NFC, trimmed, single inner spaces, 1–200 characters. @since 0.1.0 */
export const Place = /* @__PURE__ */ normalisedText(
  "AddressPlace",
  "A city, locality or region as written, white space normalised",
  maxLength
)

/** A postal code: trimmed, single inner spaces, upper case, 1–20 characters. @since 0.1.0 */
export const PostalCode = /* @__PURE__ */ normalisedText(
  "PostalCode",
  "A postal code, upper case, white space normalised",
  maxPostalCodeLength
).check(
  Schema.makeFilter((code: string) => code === code.toUpperCase(), {
    expected: "a postal code in upper case"
  })
)

/** A structured postal address in normalised form, with at least one part. @since 0.1.0 */
export const Address = /* @__PURE__ */ Schema.Struct({
  /** Street lines, first to last. */
  lines: Schema.optionalKey(Schema.Array(AddressLine).check(Schema.isMinLength(1), Schema.isMaxLength(maxLines))),
  postalCode: Schema.optionalKey(PostalCode),
  /** The city, town or locality. */
  city: Schema.optionalKey(Place),
  /** The state, province, county or region, as written. */
  region: Schema.optionalKey(Place),
  country: Schema.optionalKey(Country.Country)
}).pipe(
  Schema.check(
    Schema.makeFilter((address) => Object.keys(address).length > 0, {
      expected: "an address with at least one part",
      toJsonSchema: () => ({ minProperties: 1 })
    })
  ),
  Schema.annotate({
    identifier: "Address",
    description: "A postal address: street lines, postal code, city, region and ISO 3166-1 alpha-3 country"
  })
)

/** A structured postal address in normalised form. @since 0.1.0 */
export type Address = typeof Address.Type

/** The parts of an address as a provider may send them: any strings, `null` or absent. @since 0.1.0 */
export const Parts = /* @__PURE__ */ Schema.Struct({
  lines: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.NullOr(Schema.String)))),
  postalCode: Schema.optionalKey(Schema.NullOr(Schema.String)),
  city: Schema.optionalKey(Schema.NullOr(Schema.String)),
  region: Schema.optionalKey(Schema.NullOr(Schema.String)),
  country: Schema.optionalKey(Schema.NullOr(Schema.String))
}).pipe(Schema.annotate({ identifier: "AddressParts" }))

/** The parts of an address as a provider may send them. @since 0.1.0 */
export type Parts = typeof Parts.Type

const collapse = (text: string): string =>
  (nonAscii.test(text) ? text.normalize("NFC") : text).trim().replace(/\s+/g, " ")

const present = (text: string | null | undefined): string | undefined => {
  if (text == null) return undefined
  return collapse(text) || undefined
}

const decodeCountry = Schema.decodeUnknownOption(Country.FromCode)

/**
 * Whether parts carry anything once normalised: at least one non-blank line, postal code, city, region or
 * country. Adapters use it to leave `address` out when a vendor sent an empty one.
 *
 * @since 0.1.0
 */
export const hasParts = (parts: Parts): boolean =>
  (parts.lines ?? []).some((line) => present(line) !== undefined) ||
  present(parts.postalCode) !== undefined ||
  present(parts.city) !== undefined ||
  present(parts.region) !== undefined ||
  present(parts.country) !== undefined

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

type Built =
  | { readonly address: typeof Address.Encoded }
  | { readonly path: ReadonlyArray<PropertyKey>; readonly issue: string }

const tooLong = (text: string, max: number): boolean => text.length > max && codePointLength(text) > max

/** Normalises parts into an address, or says which part is wrong and why (never repeating the value). */
const build = (parts: Parts): Built => {
  const address: Mutable<typeof Address.Encoded> = {}
  const lines = (parts.lines ?? [])
    .flatMap((line) => (line == null ? [] : line.split(/[\r\n]+/)))
    .flatMap((line) => {
      const text = present(line)
      return text === undefined ? [] : [text]
    })
  if (lines.length > maxLines) return { path: ["lines"], issue: `Expected at most ${maxLines} address lines` }
  const longLine = lines.findIndex((line) => tooLong(line, maxLength))
  if (longLine >= 0)
    return { path: ["lines", longLine], issue: `Expected address lines of at most ${maxLength} characters` }
  if (lines.length > 0) address.lines = lines
  const postalCode = present(parts.postalCode?.toUpperCase())
  if (postalCode !== undefined) {
    if (tooLong(postalCode, maxPostalCodeLength))
      return { path: ["postalCode"], issue: `Expected a postal code of at most ${maxPostalCodeLength} characters` }
    address.postalCode = postalCode
  }
  for (const key of ["city", "region"] as const) {
    const text = present(parts[key])
    if (text === undefined) continue
    if (tooLong(text, maxLength)) return { path: [key], issue: `Expected text of at most ${maxLength} characters` }
    address[key] = text
  }
  const countryCode = present(parts.country)
  if (countryCode !== undefined) {
    const country = decodeCountry(countryCode)
    if (Option.isNone(country))
      return {
        path: ["country"],
        issue: "Expected a country code (ISO 3166-1 alpha-2, alpha-3 or numeric, or ICAO 9303)"
      }
    address.country = country.value
  }
  if (Object.keys(address).length === 0) return { path: [], issue: "Expected an address with at least one part" }
  return { address }
}

// One-entry memo between the check and the transformation, which run back to back on the same value.
let lastParts: Parts | undefined
let lastBuilt: Built | undefined
const buildOnce = (parts: Parts): Built => {
  if (parts !== lastParts || lastBuilt === undefined) {
    lastBuilt = build(parts)
    lastParts = parts
  }
  return lastBuilt
}

/**
 * Decodes the parts of an address as providers send them: text is trimmed and white space collapsed, blank
 * parts and lines are dropped, a line holding line breaks becomes several lines, the postal code is upper-cased,
 * and the country is read by `Country.FromCode` (alpha-2, alpha-3, numeric or ICAO). Fails, at the part's path, on
 * an unknown country code or a part too long, and when nothing is left (see {@link hasParts}). Encodes the
 * normalised address as parts.
 *
 * @since 0.1.0
 */
export const FromParts = /* @__PURE__ */ Parts.check(
  Schema.makeFilter((parts: Parts) => {
    const built = buildOnce(parts)
    return "address" in built || (built.path.length === 0 ? built.issue : { path: built.path, issue: built.issue })
  })
).pipe(
  Schema.decodeTo(
    Address,
    SchemaTransformation.transform<typeof Address.Encoded, Parts>({
      // The check above has accepted the parts, so they build.
      decode: (parts) => (buildOnce(parts) as { readonly address: typeof Address.Encoded }).address,
      encode: (address) => address
    })
  ),
  Schema.annotate({ identifier: "AddressFromParts" })
)
