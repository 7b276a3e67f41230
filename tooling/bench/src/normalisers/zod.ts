/**
 * The same normalisation in zod 4: zod's own checks where it has them (lengths, patterns, objects, unions),
 * and the shared rules in `transform`s where it has none (calendar dates, countries, word tables, offsets).
 */
import * as z from "zod"
import type { NormalisedRecord } from "./normalised.ts"
import {
  collapseName,
  countryFromCode,
  dateFromParts,
  documentTypeFromWord,
  identityNumberPattern,
  isNfc,
  isoDatePart,
  maxIdentityNumberLength,
  maxNameLength,
  namePattern,
  sexFromWord,
  utcTimestamp
} from "./rules.ts"

/** A transform that fails with `expected` where the rule returns `undefined`, the zod way (an issue, then `z.NEVER`). */
const parsedWith =
  <A, B>(rule: (input: A) => B | undefined, expected: string) =>
  (input: A, ctx: z.core.$RefinementCtx<A>): B => {
    const output = rule(input)
    if (output !== undefined) return output
    ctx.issues.push({ code: "custom", message: `Expected ${expected}`, input })
    return z.NEVER
  }

const personName = z
  .string()
  .transform(collapseName)
  .pipe(z.string().min(1).max(maxNameLength).regex(namePattern).refine(isNfc))

const providerDate = z.union([
  z.string().transform(parsedWith(isoDatePart, "an ISO 8601 date or date-time")),
  z
    .object({ day: z.number().nullable(), month: z.number().nullable(), year: z.number().nullable() })
    .transform(parsedWith(dateFromParts, "a real date as { day, month, year }"))
])

const country = z.string().transform(parsedWith(countryFromCode, "a country code"))

const ProviderRecord = z
  .object({
    firstName: personName,
    lastName: personName,
    dateOfBirth: providerDate,
    dateOfExpiry: providerDate,
    nationality: country,
    issuingCountry: country,
    sex: z.string().transform(parsedWith(sexFromWord, "a sex")),
    documentType: z.string().transform(parsedWith(documentTypeFromWord, "a document type")),
    documentNumber: z.string().regex(identityNumberPattern).max(maxIdentityNumberLength),
    verifiedAt: z.string().transform(parsedWith(utcTimestamp, "an ISO 8601 date-time with a time zone"))
  })
  .transform(
    (record): NormalisedRecord => ({
      identity: {
        firstName: record.firstName,
        lastName: record.lastName,
        dateOfBirth: record.dateOfBirth,
        gender: record.sex,
        nationality: record.nationality,
        documentType: record.documentType,
        documentNumber: record.documentNumber,
        issuingCountry: record.issuingCountry,
        dateOfExpiry: record.dateOfExpiry
      },
      verifiedAt: record.verifiedAt
    })
  )

/** Raw record → normalised record with zod's default (interpreted) parser; throws on invalid input. */
export const normaliseWithZod = (raw: unknown): NormalisedRecord => ProviderRecord.parse(raw)

// zod 4.6's opt-in ahead-of-time compiler (`z.compile`): not the default, measured for reference only. `strict`
// makes it throw rather than quietly fall back to the interpreter, which would make the row a duplicate.
const CompiledProviderRecord = z.compile(ProviderRecord, { strict: true })

/** The same schema through `z.compile`, which generates the parser with `new Function`. */
export const normaliseWithCompiledZod = (raw: unknown): NormalisedRecord => CompiledProviderRecord.parse(raw)
