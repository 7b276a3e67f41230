/**
 * The Assure matching service: compares the identity data a client supplied (`userData`) with a process's
 * `finalResult`, field by field, following the Assure rules:
 *
 * - text is compared upper-cased with diacritics removed (`Søren` and `SOREN` are the same; `ß` and `Ø`, which
 *   Unicode does not decompose, are folded to `SS` and `O` as Assure's "remove diacritics" implies);
 * - a field matches exactly, or partially when the similarity is above 90 % (normalised Levenshtein distance) or —
 *   for names of several words — when one word matches exactly;
 * - dates are compared as `YYYYMMDD`, exactly or above 90 % similarity.
 *
 * Only fields the client supplied are compared; a field the result lacks is reported `missing`.
 *
 * @since 0.1.0
 */
import type { IdentityData } from "@assure/core"
import { distance } from "fastest-levenshtein"

/** How one field compared. @since 0.1.0 */
export type FieldResult = "match" | "partial" | "mismatch" | "missing"

/** The report: each compared field's result, and the overall one (the worst of them). @since 0.1.0 */
export interface Report {
  readonly result: "match" | "partial" | "mismatch"
  readonly fields: Readonly<Partial<Record<keyof IdentityData.IdentityData, FieldResult>>>
}

const folds: Record<string, string> = {
  ß: "SS",
  ẞ: "SS",
  Ø: "O",
  ø: "O",
  Æ: "AE",
  æ: "AE",
  Œ: "OE",
  œ: "OE",
  Đ: "D",
  đ: "D",
  Ł: "L",
  ł: "L",
  Þ: "TH",
  þ: "TH"
}

/** Upper case, diacritics removed, white space collapsed: the form Assure compares text in. @since 0.1.0 */
export const normaliseText = (text: string): string =>
  text
    .replace(/[ßẞØøÆæŒœĐđŁłÞþ]/g, (char) => folds[char] ?? char)
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .trim()
    .replace(/\s+/g, " ")

/** Similarity from 0 to 1: one minus the Levenshtein distance over the longer length. @since 0.1.0 */
export const similarity = (a: string, b: string): number => {
  const longest = Math.max(a.length, b.length)
  return longest === 0 ? 1 : 1 - distance(a, b) / longest
}

const compareText = (supplied: string, found: string, byWord: boolean): FieldResult => {
  const a = normaliseText(supplied)
  const b = normaliseText(found)
  if (a === b) return "match"
  if (similarity(a, b) > 0.9) return "partial"
  if (byWord) {
    const words = new Set(b.split(" "))
    if (a.split(" ").some((word) => words.has(word))) return "partial"
  }
  return "mismatch"
}

const nameFields = new Set(["firstName", "lastName"])
const dateFields = new Set(["dateOfBirth", "dateOfExpiry", "dateOfIssue"])

/**
 * Compares supplied identity data with a result.
 *
 * @example
 * ```ts
 * Matching.compare({ lastName: "Santos Mendes" }, { lastName: "SANTOS" }).fields.lastName // "partial"
 * ```
 * @since 0.1.0
 */
export const compare = (supplied: IdentityData.IdentityData, finalResult: IdentityData.IdentityData): Report => {
  const fields: Partial<Record<keyof IdentityData.IdentityData, FieldResult>> = {}
  for (const [key, value] of Object.entries(supplied) as ReadonlyArray<[keyof IdentityData.IdentityData, string]>) {
    const found = finalResult[key]
    if (found === undefined) {
      fields[key] = "missing"
    } else if (dateFields.has(key)) {
      const a = value.replaceAll("-", "")
      const b = found.replaceAll("-", "")
      fields[key] = a === b ? "match" : similarity(a, b) > 0.9 ? "partial" : "mismatch"
    } else {
      fields[key] = compareText(value, found, nameFields.has(key))
    }
  }
  const results = Object.values(fields)
  const result = results.some((r) => r === "mismatch" || r === "missing")
    ? "mismatch"
    : results.some((r) => r === "partial")
      ? "partial"
      : "match"
  return { result, fields }
}
