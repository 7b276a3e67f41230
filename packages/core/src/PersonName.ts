/**
 * Names of people (first name, last name) as printed on documents.
 *
 * The normalised form is Unicode NFC, trimmed, with inner white space collapsed to single spaces. Letters
 * and diacritics are never dropped or transliterated here: `Ø`, `ß` and `Ł` stay as they are (matching
 * folds them separately, for comparison only). Case is kept as the provider sent it.
 *
 * @example
 * ```ts
 * import { PersonName } from "@assure/core"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(PersonName.FromString)("  Maria   Paula ") // "Maria Paula"
 * Schema.decodeUnknownSync(PersonName.FromMrz)("MARIA<PAULA<<<<<") // "MARIA PAULA"
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { formatCodec } from "./internal/transformation.js"

// No leading, trailing or doubled white space, no control characters.
const normalisedPattern = /^[^\s\p{Cc}](?:[^\s\p{Cc}]| (?! ))*$/u
const normalisedPatternSource = "^[^\\s\\p{Cc}](?:[^\\s\\p{Cc}]| (?! ))*$"
const nonAscii = /[\u0080-\uffff]/

/** The most characters (Unicode code points, as JSON Schema counts them) a name may have. @since 0.1.0 */
export const maxLength = 200

const codePointLength = (text: string): number => {
  let length = 0
  for (const _ of text) length++
  return length
}

// ASCII text is always in NFC; only other text needs the (comparatively slow) normalisation check.
const isNfc = (text: string): boolean => !nonAscii.test(text) || text === text.normalize("NFC")

/** A normalised name: NFC, trimmed, single inner spaces, 1–200 characters. @since 0.1.0 */
export const PersonName = /* @__PURE__ */ Schema.String.check(
  Schema.makeFilter((name: string) => normalisedPattern.test(name) && isNfc(name), {
    expected: "a name in Unicode NFC with no surrounding, repeated or control white space",
    toJsonSchema: () => ({ minLength: 1, pattern: normalisedPatternSource })
  }),
  Schema.makeFilter((name: string) => name.length <= maxLength || codePointLength(name) <= maxLength, {
    expected: `a name of at most ${maxLength} characters`,
    toJsonSchema: () => ({ maxLength })
  })
).pipe(
  Schema.brand("PersonName"),
  Schema.annotate({
    identifier: "PersonName",
    description: "A name as printed on the document, white space normalised"
  })
)

/** A normalised name. @since 0.1.0 */
export type PersonName = typeof PersonName.Type

const collapse = (name: string): string =>
  (nonAscii.test(name) ? name.normalize("NFC") : name).trim().replace(/\s+/g, " ")

const fromString = formatCodec<string, string>({
  expected: "a non-empty name",
  parse: (name) => collapse(name) || undefined,
  format: (name) => name,
  unencodable: ""
})

/** Decodes any string, normalising white space and Unicode form; empty names fail. @since 0.1.0 */
export const FromString = /* @__PURE__ */ Schema.String.check(fromString.check).pipe(
  Schema.decodeTo(PersonName, fromString.transformation),
  Schema.annotate({ identifier: "PersonNameFromString" })
)

const fromMrz = formatCodec<string, string>({
  expected: "an MRZ name of letters A-Z separated by <",
  parse: (field) => (/^[A-Z<]+$/.test(field) ? collapse(field.replace(/</g, " ")) || undefined : undefined),
  format: (name) => name.replace(/ /g, "<"),
  unencodable: ""
})

/**
 * Decodes one name field of a machine-readable zone, where `<` separates words and pads the field
 * (`MARIA<PAULA<<<<`). Splitting the primary and secondary identifiers at `<<` is the MRZ parser's job.
 * Encodes with `<` between words, unpadded.
 *
 * @since 0.1.0
 */
export const FromMrz = /* @__PURE__ */ Schema.String.check(fromMrz.check).pipe(
  Schema.decodeTo(PersonName, fromMrz.transformation),
  Schema.annotate({ identifier: "PersonNameFromMrz" })
)
