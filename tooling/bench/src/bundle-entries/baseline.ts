/**
 * Bundle-size baseline: the same shapes as core's `Dossier` and `Process`, written with bare `effect/Schema`
 * — strings, literals, structs, arrays, no custom codecs or checks. What a consumer pays for Effect Schema
 * alone; the difference to the core entry is the cost of `@assure/core` itself.
 */
import { Schema } from "effect"
import { sampleDossier, sampleProcess } from "./samples.ts"

const IdentityData = Schema.Struct({
  firstName: Schema.optionalKey(Schema.String),
  lastName: Schema.optionalKey(Schema.String),
  dateOfBirth: Schema.optionalKey(Schema.String),
  gender: Schema.optionalKey(Schema.Literals(["F", "M", "X"])),
  nationality: Schema.optionalKey(Schema.String),
  documentType: Schema.optionalKey(
    Schema.Literals(["passport", "idCard", "driverLicense", "residencePermit", "visa", "other"])
  ),
  documentNumber: Schema.optionalKey(Schema.String),
  issuingCountry: Schema.optionalKey(Schema.String),
  dateOfIssue: Schema.optionalKey(Schema.String),
  dateOfExpiry: Schema.optionalKey(Schema.String),
  personalNumber: Schema.optionalKey(Schema.String),
  personalNumberIssuingCountry: Schema.optionalKey(Schema.String),
  personalNumberType: Schema.optionalKey(Schema.String)
})

const FileInfo = Schema.Struct({
  fileId: Schema.String,
  kind: Schema.Literals(["front", "back", "selfie", "portrait", "video"]),
  mediaType: Schema.String,
  size: Schema.Number,
  createdAt: Schema.String
})

const summaryFields = {
  processId: Schema.String,
  provider: Schema.String,
  processType: Schema.String,
  status: Schema.Literals(["pending", "processing", "accepted", "rejected", "inconclusive", "failed", "canceled"]),
  createdAt: Schema.String,
  updatedAt: Schema.String
}

const Dossier = Schema.Struct({
  dossierId: Schema.String,
  externalReference: Schema.optionalKey(Schema.String),
  createdAt: Schema.String,
  updatedAt: Schema.String,
  userData: Schema.optionalKey(IdentityData),
  files: Schema.Array(FileInfo),
  processes: Schema.Array(Schema.Struct(summaryFields))
})

const Process = Schema.Struct({
  ...summaryFields,
  dossierId: Schema.String,
  finalResult: Schema.optionalKey(IdentityData),
  providerSpecific: Schema.optionalKey(Schema.Record(Schema.String, Schema.Json)),
  files: Schema.Array(FileInfo),
  redirectUrl: Schema.optionalKey(Schema.String),
  notificationUrl: Schema.optionalKey(Schema.String)
})

export const decodedDossier = Schema.decodeUnknownSync(Dossier)(sampleDossier)
export const decodedProcess = Schema.decodeUnknownSync(Process)(sampleProcess)
