import { Exit, Schema } from "effect"
import fc from "fast-check"

/** Decodes or returns the failure message, so tests can assert both outcomes plainly. */
export const decode =
  <S extends Schema.Codec<unknown, unknown>>(schema: S) =>
  (
    input: unknown
  ): { readonly ok: true; readonly value: S["Type"] } | { readonly ok: false; readonly message: string } => {
    const exit = Schema.decodeUnknownExit(schema as Schema.Codec<S["Type"], unknown>)(input)
    if (Exit.isSuccess(exit)) return { ok: true, value: exit.value }
    const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")
    return { ok: false, message: error && error._tag === "Fail" ? String((error.error as Error).message) : "defect" }
  }

export const pad = (n: number, width: number): string => String(n).padStart(width, "0")

/** Any real calendar date in years 1..9999, as parts. */
export const dateParts = fc
  .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true })
  .map((date) => ({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() }))

export const isoOf = (parts: { year: number; month: number; day: number }): string =>
  `${pad(parts.year, 4)}-${pad(parts.month, 2)}-${pad(parts.day, 2)}`
