/**
 * Normalisation with `@assure/core`: the provider record is an Effect `Schema.Struct` composed from the core
 * codecs, and its decoder is compiled once, here, at module load — as a provider adapter would do.
 */
import { CalendarDate, Country, DocumentType, IdentityData, PersonName, Sex, Timestamp } from "@assure/core"
import { Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import type { NormalisedRecord } from "./normalised.ts"

/** Providers send a date either as ISO text or as Stripe's `{ day, month, year }`. */
const ProviderDate = Schema.Union([CalendarDate.FromIsoString, CalendarDate.FromParts])

/** The raw record, field by field, with the codec that normalises it. */
export const ProviderRecord = Schema.Struct({
  firstName: PersonName.FromString,
  lastName: PersonName.FromString,
  dateOfBirth: ProviderDate,
  dateOfExpiry: ProviderDate,
  nationality: Country.FromCode,
  issuingCountry: Country.FromCode,
  sex: Sex.FromProviderWord,
  documentType: DocumentType.FromProviderWord,
  documentNumber: IdentityData.IdentityNumber,
  verifiedAt: Timestamp.FromIsoString
})

export type ProviderRecord = typeof ProviderRecord.Type

/** Raw record → typed value; throws on invalid input. Compiled once. */
export const decodeWithCore: (raw: unknown) => ProviderRecord = Schema.decodeUnknownSync(ProviderRecord)

/** The decoded record in the shape every normaliser returns; typing `identity` as core's `IdentityData` proves it is the normalised form. */
export const toNormalised = (record: ProviderRecord): NormalisedRecord => {
  const identity: Required<
    Pick<
      IdentityData.IdentityData,
      | "firstName"
      | "lastName"
      | "dateOfBirth"
      | "gender"
      | "nationality"
      | "documentType"
      | "documentNumber"
      | "issuingCountry"
      | "dateOfExpiry"
    >
  > = {
    firstName: record.firstName,
    lastName: record.lastName,
    dateOfBirth: record.dateOfBirth,
    gender: record.sex,
    nationality: record.nationality,
    documentType: record.documentType,
    documentNumber: record.documentNumber,
    issuingCountry: record.issuingCountry,
    dateOfExpiry: record.dateOfExpiry
  }
  return { identity, verifiedAt: record.verifiedAt }
}

/** Raw record → the common output (decode, then write the instant in its canonical form). */
export const normaliseWithCore = (raw: unknown): NormalisedRecord => toNormalised(decodeWithCore(raw))

// Effect's opt-in JIT compiler (the counterpart of zod's `z.compile`): measured separately. A copy of the struct
// gets its own AST, so the default decoder above stays interpreted.
const CompiledProviderRecord = Schema.Struct(ProviderRecord.fields)
SchemaJITCompiler.enable(CompiledProviderRecord.ast)
const decodeCompiled: (raw: unknown) => ProviderRecord = Schema.decodeUnknownSync(CompiledProviderRecord)

/** The same normalisation through Effect's `SchemaJITCompiler`. */
export const normaliseWithCompiledCore = (raw: unknown): NormalisedRecord => toNormalised(decodeCompiled(raw))
