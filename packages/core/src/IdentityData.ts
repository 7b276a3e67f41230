/**
 * Identity data in the Assure API's normalised form: a process's `finalResult`, and the `userData` a
 * client supplies on a dossier. Every field is optional — providers and documents differ in what they
 * carry, and a field a provider did not send is absent, never invented.
 *
 * This schema is the normalised form only. Adapters build it from a provider's payload with the named
 * codecs of the other modules (`CalendarDate.FromParts`, `Country.FromAlpha2`, `Sex.FromProviderWord`, `Address.FromParts`, …).
 *
 * @example
 * ```ts
 * import { IdentityData } from "@assure/core"
 * import { Schema } from "effect"
import { Address } from "./Address.js"
 *
 * const finalResult = Schema.decodeUnknownSync(IdentityData.IdentityData)({
 *   firstName: "Maria Paula",
 *   lastName: "Santos Mendes",
 *   dateOfBirth: "2002-04-29",
 *   nationality: "PRT",
 *   documentType: "passport"
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Address } from "./Address.js"
import { CalendarDate } from "./CalendarDate.js"
import { Country } from "./Country.js"
import { DocumentType } from "./DocumentType.js"
import { PersonName } from "./PersonName.js"
import { Sex } from "./Sex.js"

/** A document or personal number: trimmed, 1–64 characters, no control characters. @since 0.1.0 */
export const IdentityNumber = /* @__PURE__ */ Schema.String.check(
  Schema.isPattern(/^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u, {
    expected: "a number with no surrounding white space"
  }),
  Schema.isMaxLength(64)
).pipe(Schema.annotate({ identifier: "IdentityNumber" }))

/** Normalised identity data (the Assure `finalResult` and `userData`). @since 0.1.0 */
export const IdentityData = /* @__PURE__ */ Schema.Struct({
  firstName: Schema.optionalKey(PersonName),
  lastName: Schema.optionalKey(PersonName),
  dateOfBirth: Schema.optionalKey(CalendarDate),
  gender: Schema.optionalKey(Sex),
  nationality: Schema.optionalKey(Country),
  documentType: Schema.optionalKey(DocumentType),
  documentNumber: Schema.optionalKey(IdentityNumber),
  issuingCountry: Schema.optionalKey(Country),
  dateOfIssue: Schema.optionalKey(CalendarDate),
  dateOfExpiry: Schema.optionalKey(CalendarDate),
  /** A national identity number (fødselsnummer, personnummer, CPR, BSN, …). */
  personalNumber: Schema.optionalKey(IdentityNumber),
  /** The country that issued `personalNumber` (it can differ from the nationality). */
  personalNumberIssuingCountry: Schema.optionalKey(Country),
  /** The kind of `personalNumber` where the provider says (`birth`, `dnr`, `ssn`, …). */
  personalNumberType: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(32))),
  /** The end-user's postal address, structured (see the `Address` module). */
  address: Schema.optionalKey(Address)
}).pipe(Schema.annotate({ identifier: "IdentityData", description: "Normalised identity data" }))

/** Normalised identity data. @since 0.1.0 */
export type IdentityData = typeof IdentityData.Type

/** The identity data fields, in the order the API writes them. @since 0.1.0 */
export const fields = /* @__PURE__ */ Object.keys(IdentityData.fields) as ReadonlyArray<keyof IdentityData>
