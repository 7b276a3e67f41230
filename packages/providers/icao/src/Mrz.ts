/**
 * Machine-readable zones of ICAO 9303 travel documents: reading the zone, its check digits one by one, and its
 * normalisation into `@assure/core` identity data.
 *
 * | format | lines × characters | documents |
 * |---|---|---|
 * | `TD1` | 3 × 30 | identity cards (`I`, `A`, `C`) |
 * | `TD2` | 2 × 36 | identity cards and other official travel documents |
 * | `TD3` | 2 × 44 | passports (`P`) |
 * | `MRVA` | 2 × 44 | visas (`V`), format A |
 * | `MRVB` | 2 × 36 | visas (`V`), format B |
 *
 * TD1, TD2 and TD3 are read with the `mrz` package, which validates the characters and every check digit, including
 * the composite one and TD1's long document numbers. `mrz` does not read visas (its 44-character parser requires a
 * `P`), so the two visa layouts — which have no composite check digit — are read here with {@link CheckDigit}.
 *
 * Normalisation goes through the named codecs of `@assure/core`: `Country.FromIcao` (`D<<` is `DEU`, `RKS` is `XKX`,
 * the specimen state `UTO` fails), `CalendarDate.FromMrzBirthDate` / `FromMrzExpiryDate` (the century from Effect's
 * `Clock`), `PersonName.FromMrz`, `Sex.FromProviderWord` and `DocumentType.FromMrzCode`. A date with `<` in place of
 * unknown digits is left out, not guessed. The optional data (TD3's "personal number or other optional data") is
 * not a national identity number in every state, so it is kept raw in {@link Fields} and never put in
 * `personalNumber`.
 *
 * @example
 * ```ts
 * import { Mrz } from "@assure/icao"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const zone = yield* Mrz.parse("P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4")
 *   Mrz.checkDigitsHold(zone) // true
 *   return yield* Mrz.normalise(zone) // { lastName: "MUSTERMANN", nationality: "DEU", dateOfBirth: "1964-08-12", … }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { CalendarDate, Country, DocumentType, IdentityData, PersonName, Problem, Sex } from "@assure/core"
import { Clock, Effect, Schema } from "effect"
import { parse as parseWithMrz } from "mrz"
import * as CheckDigit from "./CheckDigit.js"

/** The layouts this module reads. @since 0.1.0 */
export type Format = "TD1" | "TD2" | "TD3" | "MRVA" | "MRVB"

/** The check digits a zone may carry; visas have no `composite` and no `personalNumber` one. @since 0.1.0 */
export type CheckDigitName = "documentNumber" | "dateOfBirth" | "dateOfExpiry" | "personalNumber" | "composite"

/** One check digit and whether it holds. @since 0.1.0 */
export interface CheckDigitResult {
  readonly name: CheckDigitName
  readonly valid: boolean
}

/**
 * The fields of a zone as printed (with `<` fillers), before normalisation.
 *
 * @since 0.1.0
 */
export interface Fields {
  /** `P<`, `I<`, `ID`, `V<`, … */
  readonly documentCode: string
  readonly issuingState: string
  /** The primary identifier (surname), words separated by `<`. */
  readonly primaryIdentifier: string
  /** The secondary identifier (given names), possibly empty. */
  readonly secondaryIdentifier: string
  /** Without fillers; TD1's long numbers are joined from the optional data. */
  readonly documentNumber: string
  readonly nationality: string
  /** `YYMMDD` */
  readonly dateOfBirth: string
  /** `F`, `M` or `<` */
  readonly sex: string
  /** `YYMMDD` */
  readonly dateOfExpiry: string
  /** The optional data elements (TD1 has two, joined with a space), fillers removed. */
  readonly optionalData: string
}

/** A machine-readable zone, read. @since 0.1.0 */
export interface Mrz {
  readonly format: Format
  readonly lines: ReadonlyArray<string>
  readonly fields: Fields
  readonly checkDigits: ReadonlyArray<CheckDigitResult>
}

/** Why a zone could not be read or normalised. @since 0.1.0 */
export const ErrorReason = Schema.Literals(["Malformed", "UnsupportedFormat", "Unnormalisable"])

/**
 * A zone that is not an MRZ (`Malformed`: wrong characters, line count or lengths), a layout this module does not
 * read (`UnsupportedFormat`: the French national ID card and driving licences `mrz` knows), or fields that do not
 * normalise (`Unnormalisable`: an unknown state such as the specimen state `UTO`, a month 13, a name with digits),
 * with the path of each bad field. Messages never repeat the zone: it is personal data.
 *
 * @since 0.1.0
 */
export class MrzError extends Schema.TaggedError<MrzError>("@assure/icao/MrzError")("MrzError", {
  reason: ErrorReason,
  detail: Schema.String,
  fields: Schema.optionalKey(Schema.Array(Problem.InvalidParam))
}) {
  override get message(): string {
    const fields = (this.fields ?? []).map((field) => `${field.name}: ${field.reason}`)
    return [`${this.reason}: ${this.detail}`, ...fields].join("; ")
  }
}

/**
 * Splits MRZ text into lines: line breaks (`\n`, `\r\n`) separate them, and surrounding white space is ignored.
 *
 * @since 0.1.0
 */
export const linesOf = (text: string): ReadonlyArray<string> =>
  text
    .trim()
    .split(/\r?\n/)
    .map((line) => line.trim())

const strip = (field: string): string => field.replace(/<+$/, "").replace(/^<+/, "")

/** Splits a name field at its first `<<` into the primary and secondary identifiers. */
const namesOf = (field: string): readonly [string, string] => {
  const at = field.indexOf("<<")
  return at < 0 ? [strip(field), ""] : [strip(field.slice(0, at)), strip(field.slice(at + 2))]
}

const malformed = (detail: string) => new MrzError({ reason: "Malformed", detail })

/** The two-line layouts: TD2/MRV-B (36) and TD3/MRV-A (44) share the positions of their second line. */
const twoLineFields = (lines: ReadonlyArray<string>, width: number): Omit<Fields, "documentNumber"> => {
  const [first = "", second = ""] = lines
  const [primaryIdentifier, secondaryIdentifier] = namesOf(first.slice(5, width))
  return {
    documentCode: first.slice(0, 2),
    issuingState: first.slice(2, 5),
    primaryIdentifier,
    secondaryIdentifier,
    nationality: second.slice(10, 13),
    dateOfBirth: second.slice(13, 19),
    sex: second.slice(20, 21),
    dateOfExpiry: second.slice(21, 27),
    optionalData: strip(second.slice(28, width === 44 ? 42 : 35))
  }
}

const td1Fields = (lines: ReadonlyArray<string>, documentNumber: string): Omit<Fields, "documentNumber"> => {
  const [first = "", second = "", third = ""] = lines
  // A number longer than nine characters runs on into the optional data, followed by its check digit.
  const overflow = documentNumber.length > 9 ? documentNumber.length - 9 + 1 : 0
  const [primaryIdentifier, secondaryIdentifier] = namesOf(third)
  return {
    documentCode: first.slice(0, 2),
    issuingState: first.slice(2, 5),
    primaryIdentifier,
    secondaryIdentifier,
    nationality: second.slice(15, 18),
    dateOfBirth: second.slice(0, 6),
    sex: second.slice(7, 8),
    dateOfExpiry: second.slice(8, 14),
    optionalData: [strip(first.slice(15 + overflow, 30)), strip(second.slice(18, 29))]
      .filter((part) => part !== "")
      .join(" ")
  }
}

const checkDigitNames: Readonly<Record<string, CheckDigitName>> = {
  documentNumberCheckDigit: "documentNumber",
  birthDateCheckDigit: "dateOfBirth",
  expirationDateCheckDigit: "dateOfExpiry",
  personalNumberCheckDigit: "personalNumber",
  compositeCheckDigit: "composite"
}

const readVisa = (lines: ReadonlyArray<string>, format: "MRVA" | "MRVB"): Mrz => {
  const second = lines[1] ?? ""
  const digit = (start: number, end: number, at: number): CheckDigitResult["valid"] =>
    CheckDigit.holds(second.slice(start, end), second.charAt(at))
  return {
    format,
    lines,
    fields: {
      ...twoLineFields(lines, format === "MRVA" ? 44 : 36),
      documentNumber: strip(second.slice(0, 9)),
      // A visa's optional data runs to the end of the line: it has no composite check digit.
      optionalData: strip(second.slice(28))
    },
    checkDigits: [
      { name: "documentNumber", valid: digit(0, 9, 9) },
      { name: "dateOfBirth", valid: digit(13, 19, 19) },
      { name: "dateOfExpiry", valid: digit(21, 27, 27) }
    ]
  }
}

/**
 * Reads a zone: its format, its fields as printed and each of its check digits. Fails with `MrzError` when the
 * text is not a zone this module reads; check digits that do not hold are reported, not failed on.
 *
 * @since 0.1.0
 */
export const parse = (text: string): Effect.Effect<Mrz, MrzError> =>
  Effect.suspend(() => {
    const lines = linesOf(text)
    if (lines.some((line) => !/^[0-9A-Z<]+$/.test(line))) {
      return Effect.fail(malformed("an MRZ holds only the characters 0-9, A-Z and <, on two or three lines"))
    }
    const width = lines[0]?.length ?? 0
    if (lines.some((line) => line.length !== width)) {
      return Effect.fail(malformed("the lines of an MRZ have the same length"))
    }
    const shape = `${lines.length}x${width}`
    if (lines[0]?.startsWith("V") && (shape === "2x44" || shape === "2x36")) {
      return Effect.succeed(readVisa(lines, shape === "2x44" ? "MRVA" : "MRVB"))
    }
    if (shape !== "3x30" && shape !== "2x36" && shape !== "2x44") {
      return Effect.fail(
        malformed("an MRZ has 3 lines of 30 (TD1), 2 of 36 (TD2, MRV-B) or 2 of 44 (TD3, MRV-A) characters")
      )
    }
    let result: ReturnType<typeof parseWithMrz>
    try {
      result = parseWithMrz([...lines])
    } catch {
      return Effect.fail(malformed("the MRZ could not be read"))
    }
    if (result.format !== "TD1" && result.format !== "TD2" && result.format !== "TD3") {
      return Effect.fail(
        new MrzError({ reason: "UnsupportedFormat", detail: `the ${result.format} layout is not an ICAO 9303 MRZ` })
      )
    }
    const format = result.format
    const checkDigits: Array<CheckDigitResult> = []
    for (const detail of result.details) {
      const name = detail.field === null ? undefined : checkDigitNames[detail.field]
      if (name !== undefined) checkDigits.push({ name, valid: detail.valid })
    }
    const documentNumber =
      result.documentNumber ?? strip(format === "TD1" ? (lines[0] ?? "").slice(5, 14) : (lines[1] ?? "").slice(0, 9))
    const fields = format === "TD1" ? td1Fields(lines, documentNumber) : twoLineFields(lines, width)
    return Effect.succeed({ format, lines, fields: { ...fields, documentNumber }, checkDigits })
  })

/** Whether every check digit of the zone holds. @since 0.1.0 */
export const checkDigitsHold = (mrz: Mrz): boolean => mrz.checkDigits.every((check) => check.valid)

// Each printed field through the @assure/core codec for its format.
const Normalised = Schema.Struct({
  firstName: Schema.optionalKey(PersonName.FromMrz),
  lastName: PersonName.FromMrz,
  dateOfBirth: Schema.optionalKey(CalendarDate.FromMrzBirthDate),
  gender: Sex.FromProviderWord,
  nationality: Country.FromIcao,
  documentType: DocumentType.FromMrzCode,
  documentNumber: IdentityData.IdentityNumber,
  issuingCountry: Country.FromIcao,
  dateOfExpiry: Schema.optionalKey(CalendarDate.FromMrzExpiryDate)
})

const decodeNormalised = Schema.decodeUnknownEffect(Normalised)

/** A date whose digits are (partly) unknown is printed with `<`: left out rather than guessed. */
const knownDate = (date: string): string | undefined => (date.includes("<") ? undefined : date)

/**
 * The zone's identity data, normalised with `@assure/core`'s codecs (dates against the `Clock`). Fails with an
 * `Unnormalisable` `MrzError` naming each field that does not normalise; check digits are not looked at here.
 *
 * @since 0.1.0
 */
export const normalise = (mrz: Mrz): Effect.Effect<IdentityData.IdentityData, MrzError> => {
  const { fields } = mrz
  const dateOfBirth = knownDate(fields.dateOfBirth)
  const dateOfExpiry = knownDate(fields.dateOfExpiry)
  return decodeNormalised(
    {
      ...(fields.secondaryIdentifier === "" ? {} : { firstName: fields.secondaryIdentifier }),
      lastName: fields.primaryIdentifier,
      ...(dateOfBirth === undefined ? {} : { dateOfBirth }),
      gender: fields.sex,
      nationality: fields.nationality,
      documentType: fields.documentCode,
      documentNumber: fields.documentNumber,
      issuingCountry: fields.issuingState,
      ...(dateOfExpiry === undefined ? {} : { dateOfExpiry })
    },
    { errors: "all" }
  ).pipe(
    Effect.mapError(
      (error) =>
        new MrzError({
          reason: "Unnormalisable",
          detail: "fields of the MRZ do not normalise",
          fields: Problem.invalidParams(error.issue)
        })
    )
  )
}

/** Whether a document expiring on `dateOfExpiry` has expired by the `Clock`'s current UTC date. @since 0.1.0 */
export const isExpired = (dateOfExpiry: CalendarDate.CalendarDate): Effect.Effect<boolean> =>
  Effect.map(Clock.currentTimeMillis, (now) => CalendarDate.isBefore(dateOfExpiry, CalendarDate.fromEpochMillis(now)))
