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
import { parseTransformation } from "./internal/transformation.js"

// No leading, trailing or doubled white space, no control characters.
const normalisedPattern = /^[^\s\p{Cc}](?:[^\s\p{Cc}]| (?! ))*$/u
const normalisedPatternSource = "^[^\\s\\p{Cc}](?:[^\\s\\p{Cc}]| (?! ))*$"

const maxLength = 200

/** A normalised name: NFC, trimmed, single inner spaces, 1–200 characters. @since 0.1.0 */
export const PersonName = Schema.String.check(
  Schema.makeFilter(
    (name: string) =>
      name.length <= maxLength && name.length > 0 && normalisedPattern.test(name) && name === name.normalize("NFC"),
    {
      expected: "a name with no surrounding or repeated white space, at most 200 characters",
      toJsonSchema: () => ({ minLength: 1, maxLength, pattern: normalisedPatternSource })
    }
  )
).pipe(
  Schema.brand("PersonName"),
  Schema.annotate({
    identifier: "PersonName",
    description: "A name as printed on the document, white space normalised"
  })
)

/** A normalised name. @since 0.1.0 */
export type PersonName = typeof PersonName.Type

const collapse = (name: string): string => name.normalize("NFC").trim().replace(/\s+/g, " ")

/** Decodes any string, normalising white space and Unicode form; empty names fail. @since 0.1.0 */
export const FromString = Schema.String.pipe(
  Schema.decodeTo(
    PersonName,
    parseTransformation<string, string>({
      expected: "a non-empty name",
      decode: (name) => collapse(name) || undefined,
      encode: (name) => name
    })
  ),
  Schema.annotate({ identifier: "PersonNameFromString" })
)

/**
 * Decodes one name field of a machine-readable zone, where `<` separates words and pads the field
 * (`MARIA<PAULA<<<<`). Splitting the primary and secondary identifiers at `<<` is the MRZ parser's job.
 * Encodes with `<` between words, unpadded.
 *
 * @since 0.1.0
 */
export const FromMrz = Schema.String.pipe(
  Schema.decodeTo(
    PersonName,
    parseTransformation<string, string>({
      expected: "an MRZ name of letters A-Z separated by <",
      decode: (field) => (/^[A-Z<]+$/.test(field) ? collapse(field.replace(/</g, " ")) || undefined : undefined),
      encode: (name) => name.replace(/ /g, "<")
    })
  ),
  Schema.annotate({ identifier: "PersonNameFromMrz" })
)
