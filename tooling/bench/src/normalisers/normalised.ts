/**
 * What every normaliser must produce from a raw record: the identity in the Assure normalised form and the
 * verification instant as the canonical UTC string. Plain strings here, so the zod and hand-written
 * normalisers need no brands; `@assure/core`'s branded `IdentityData` is assignable to it.
 */
export interface NormalisedIdentity {
  readonly firstName: string
  readonly lastName: string
  readonly dateOfBirth: string
  readonly gender: "F" | "M" | "X"
  readonly nationality: string
  readonly documentType: "passport" | "idCard" | "driverLicense" | "residencePermit" | "visa" | "other"
  readonly documentNumber: string
  readonly issuingCountry: string
  readonly dateOfExpiry: string
}

export interface NormalisedRecord {
  readonly identity: NormalisedIdentity
  /** `YYYY-MM-DDThh:mm:ssZ` */
  readonly verifiedAt: string
}

/** A normaliser takes anything (as a decoder of untrusted input must) and throws when it is invalid. */
export type Normaliser = (raw: unknown) => NormalisedRecord
