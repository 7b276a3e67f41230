/**
 * The kind of identity document, in one vocabulary across providers.
 *
 * | value | provider words that decode to it (any case; `_`, `-` and spaces ignored) |
 * |---|---|
 * | `passport` | `passport`, `passport_card` (Onfido), `PASSPORT` (Veriff) |
 * | `idCard` | `id_card` (Stripe), `ID_CARD` (Veriff), `national_identity_card` (Onfido), `identity_card` |
 * | `driverLicense` | `driving_license` (Stripe), `driving_licence` (Onfido), `DRIVERS_LICENSE` (Veriff) |
 * | `residencePermit` | `residence_permit` (Onfido, Veriff), `residence_card` |
 * | `visa` | `visa` |
 * | `other` | `other` (Veriff), and Onfido's other documents: `voter_id`, `tax_id`, `work_permit`, `unknown`… |
 *
 * Words not in the table fail to decode rather than silently becoming `other`, so a new vendor type is
 * noticed and mapped on purpose.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { formatCodec } from "./internal/transformation.js"

/** The kind of identity document. @since 0.1.0 */
export const DocumentType = /* @__PURE__ */ Schema.Literals([
  "passport",
  "idCard",
  "driverLicense",
  "residencePermit",
  "visa",
  "other"
]).pipe(Schema.annotate({ identifier: "DocumentType", description: "The kind of identity document" }))

/** The kind of identity document. @since 0.1.0 */
export type DocumentType = typeof DocumentType.Type

const words: ReadonlyMap<string, DocumentType> = new Map<string, DocumentType>([
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

const fromProviderWord = formatCodec<string, DocumentType>({
  expected: "a document type: passport, id card, driver license, residence permit, visa or other",
  parse: (word) => words.get(word.toLowerCase().replace(/[\s_-]+/g, "")),
  format: (type) => type,
  unencodable: ""
})

/** Decodes the words providers use (see the module table). Encodes the normalised value. @since 0.1.0 */
export const FromProviderWord = /* @__PURE__ */ Schema.String.check(fromProviderWord.check).pipe(
  Schema.decodeTo(DocumentType, fromProviderWord.transformation),
  Schema.annotate({ identifier: "DocumentTypeFromProviderWord" })
)

const mrzLetters: ReadonlyMap<string, DocumentType> = new Map<string, DocumentType>([
  ["P", "passport"],
  ["I", "idCard"],
  ["A", "idCard"],
  ["C", "idCard"],
  ["V", "visa"]
])

const fromMrzCode = formatCodec<string, DocumentType>({
  expected: "an ICAO 9303 document code starting with P, I, A, C or V",
  parse: (code) => (code.length === 1 || code.length === 2 ? mrzLetters.get(code.charAt(0)) : undefined),
  format: (type) => (type === "passport" ? "P" : type === "idCard" ? "I" : type === "visa" ? "V" : undefined),
  unencodable: ""
})

/**
 * Decodes the first letter of an ICAO 9303 document code (`P`, `PN`, `I<`, `ID`, `AC`, `V`). ICAO lets
 * states use `A`, `C` and `I` for identity documents of their choice; they are read as `idCard`.
 * Encodes `P`, `I` or `V`; other types have no MRZ code and fail to encode.
 *
 * @since 0.1.0
 */
export const FromMrzCode = /* @__PURE__ */ Schema.String.check(fromMrzCode.check).pipe(
  Schema.decodeTo(DocumentType, fromMrzCode.transformation),
  Schema.annotate({ identifier: "DocumentTypeFromMrzCode" })
)
