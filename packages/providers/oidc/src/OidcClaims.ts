/**
 * From an eID broker's claims to identity data: which claim carries which field (a {@link ClaimMapping}), and the
 * normalisation through `@assure/core`'s named codecs.
 *
 * Brokers name the same thing differently — the national identity number is `nin` at Signicat, `ssn`,
 * `socialno` or `cprNumberIdentifier` at Idura depending on the eID — so each field lists the claims that may carry
 * it, in order of preference; the first one present wins. A claim the broker did not send leaves its field absent:
 * nothing is guessed or derived (a full `name` is not split into first and last names, a country is not taken
 * for a nationality). Empty strings count as absent. A value in an unexpected format (a `birthdate` of
 * `1990-17-02`) is a schema error with the path of the field, never a silent guess.
 *
 * | field | codec |
 * |---|---|
 * | `firstName`, `lastName` | `PersonName.FromString` (white space and Unicode form normalised) |
 * | `dateOfBirth` | `CalendarDate.FromIsoString` (`YYYY-MM-DD`, as OIDC's `birthdate`) |
 * | `gender` | `Sex.FromProviderWord` |
 * | `nationality`, `personalNumberIssuingCountry` | `Country.FromCode` (alpha-2 as brokers send, or alpha-3) |
 * | `personalNumber` | `IdentityData.IdentityNumber`, as sent |
 * | `personalNumberType` | lower-cased (`BIRTH` → `birth`), as `IdentityData` writes types |
 * | `address` | the standard `address` claim (OpenID Connect Core 5.1.1) through `Address.FromParts`: `street_address` (its line breaks separate lines), `locality` (city), `region`, `postal_code`, and `country` where it is a country code (the claim may hold a country's name, which is left out); `formatted` only when none of these is present |
 *
 * `personalNumberType` and `personalNumberIssuingCountry` describe the personal number, so they are read only when a
 * personal number is present.
 *
 * @example
 * ```ts
 * import { OidcClaims } from "@assure/oidc"
 *
 * // An eID whose broker sends `hetu` and `given_name`/`family_name`, with no preset of its own.
 * const mapping: OidcClaims.ClaimMapping = {
 *   personalNumber: ["hetu"],
 *   firstName: ["given_name"],
 *   lastName: ["family_name"],
 *   dateOfBirth: ["birthdate"],
 *   personalNumberIssuingCountry: ["country"]
 * }
 * ```
 *
 * @since 0.1.0
 */
import { Address, CalendarDate, Country, IdentityData, PersonName, Sex } from "@assure/core"
import { Effect, Schema, SchemaGetter } from "effect"

const ClaimNames = Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isMinLength(1))

/** Which claims carry each identity field, in order of preference (the first present wins). @since 0.1.0 */
export const ClaimMapping = Schema.Struct({
  firstName: Schema.optionalKey(ClaimNames),
  lastName: Schema.optionalKey(ClaimNames),
  dateOfBirth: Schema.optionalKey(ClaimNames),
  gender: Schema.optionalKey(ClaimNames),
  nationality: Schema.optionalKey(ClaimNames),
  personalNumber: Schema.optionalKey(ClaimNames),
  personalNumberType: Schema.optionalKey(ClaimNames),
  personalNumberIssuingCountry: Schema.optionalKey(ClaimNames),
  /** Claims holding an OpenID Connect address object (`formatted`, `street_address`, `locality`, …). */
  address: Schema.optionalKey(ClaimNames)
}).pipe(Schema.annotate({ identifier: "OidcClaimMapping" }))

/** Which claims carry each identity field. @since 0.1.0 */
export type ClaimMapping = typeof ClaimMapping.Type

/** An identity field a claim mapping can fill. @since 0.1.0 */
export type Field = keyof ClaimMapping

/**
 * The standard claims of OpenID Connect Core (5.1): `given_name`, `family_name`, `birthdate`, `gender`, `address`.
 * The mapping without a preset.
 *
 * @since 0.1.0
 */
export const standard: ClaimMapping = {
  firstName: ["given_name"],
  lastName: ["family_name"],
  dateOfBirth: ["birthdate"],
  gender: ["gender"],
  address: ["address"]
}

/** Claims as a broker sends them (the ID token's payload, userinfo's JSON). @since 0.1.0 */
export type Claims = { readonly [claim: string]: unknown }

const lowerCased = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(32)).pipe(
  Schema.decode({
    decode: SchemaGetter.transform((type: string) => type.toLowerCase()),
    encode: SchemaGetter.transform((type: string) => type)
  })
)

const Normalised = Schema.Struct({
  firstName: Schema.optionalKey(PersonName.FromString),
  lastName: Schema.optionalKey(PersonName.FromString),
  dateOfBirth: Schema.optionalKey(CalendarDate.FromIsoString),
  gender: Schema.optionalKey(Sex.FromProviderWord),
  nationality: Schema.optionalKey(Country.FromCode),
  personalNumber: Schema.optionalKey(IdentityData.IdentityNumber),
  personalNumberType: Schema.optionalKey(lowerCased),
  personalNumberIssuingCountry: Schema.optionalKey(Country.FromCode),
  address: Schema.optionalKey(Address.FromParts)
})

const decodeNormalised = Schema.decodeUnknownEffect(Normalised)

/** The first of `names` that the claims carry with a value: a non-empty string (or a number, as text). */
const pick = (claims: Claims, names: ReadonlyArray<string> | undefined): unknown => {
  for (const name of names ?? []) {
    const value = claims[name]
    if (typeof value === "string" && value.trim().length > 0) return value
    if (typeof value === "number" && Number.isFinite(value)) return String(value)
    // Anything else (an object, a boolean) is kept for the schema to refuse with the field's path.
    if (value !== undefined && value !== null && typeof value !== "string") return value
  }
  return undefined
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null)
const isCountryCode = Schema.is(Schema.toEncoded(Country.FromCode))

/**
 * An OpenID Connect address claim (Core 5.1.1) as the parts `Address.FromParts` reads, or `undefined` when it holds
 * nothing. A string is read as `formatted`; anything else that is not an object is returned as it is, for the
 * schema to refuse.
 *
 * @since 0.1.0
 */
export const addressParts = (claim: unknown): unknown => {
  if (typeof claim === "string") return addressParts({ formatted: claim })
  if (typeof claim !== "object" || claim === null || Array.isArray(claim)) return claim
  const address = claim as { readonly [key: string]: unknown }
  const country = text(address.country)
  const parts: Address.Parts = {
    lines: [text(address.street_address)],
    postalCode: text(address.postal_code),
    city: text(address.locality),
    region: text(address.region),
    country: country !== null && isCountryCode(country.trim()) ? country : null
  }
  const structured = Address.hasParts({ ...parts, country: null })
  const withFormatted = structured ? parts : { ...parts, lines: [text(address.formatted)] }
  return Address.hasParts(withFormatted) ? withFormatted : undefined
}

/**
 * The raw values the mapping selects, by identity field, leaving out what the broker did not send. Exposed for
 * tests and tools.
 *
 * @since 0.1.0
 */
export const select = (claims: Claims, mapping: ClaimMapping): { readonly [field: string]: unknown } => {
  const selected: Record<string, unknown> = {}
  const fields: ReadonlyArray<Field> = [
    "firstName",
    "lastName",
    "dateOfBirth",
    "gender",
    "nationality",
    "personalNumber",
    "personalNumberType",
    "personalNumberIssuingCountry"
  ]
  for (const field of fields) {
    const value = pick(claims, mapping[field])
    if (value !== undefined) selected[field] = value
  }
  const address = addressParts(pick(claims, mapping.address))
  if (address !== undefined) selected.address = address
  if (selected.personalNumber === undefined) {
    delete selected.personalNumberType
    delete selected.personalNumberIssuingCountry
  }
  return selected
}

/**
 * Normalises a broker's claims into identity data with a claim mapping; a value in an unexpected format fails with
 * the schema error (its message names the field).
 *
 * @since 0.1.0
 */
export const normalise = (
  claims: Claims,
  mapping: ClaimMapping
): Effect.Effect<IdentityData.IdentityData, Schema.SchemaError> =>
  decodeNormalised(select(claims, mapping), { errors: "all", onExcessProperty: "ignore" }).pipe(
    Effect.map((data) => data as IdentityData.IdentityData)
  )
