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
 * The `address` is compared when both sides have one (providers seldom read an address, so a result without one
 * says nothing about it), part by part over the parts both have:
 *
 * - `country` exactly (both are ISO 3166-1 alpha-3);
 * - `postalCode` without spaces or hyphens, ignoring case (`0155`, `SW1A 1AA` = `sw1a1aa`);
 * - `city` and `region` as text above, ignoring case and diacritics (`Tromsø` = `TROMSO`);
 * - `lines` joined into one text, ignoring case, diacritics and punctuation: equal is a match; more than 90 %
 *   similar, or one containing the other (a flat number the other side left out), is partial.
 *
 * The address result is the worst of its parts; a part the client supplied that the result lacks makes it at best
 * `partial`. Addresses with no part in common are not compared.
 *
 * @since 0.1.0
 */
import type { Address, IdentityData } from "@assure/core"
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

const worst = (results: ReadonlyArray<FieldResult>): Report["result"] =>
  results.includes("mismatch") || results.includes("missing")
    ? "mismatch"
    : results.includes("partial")
      ? "partial"
      : "match"

const postalCodeOf = (code: string): string => code.replace(/[\s-]+/g, "").toUpperCase()

/** Address lines as one text: case, diacritics and punctuation ignored. */
const linesOf = (lines: ReadonlyArray<string>): string => normaliseText(lines.join(" ").replace(/[\p{P}\p{S}]+/gu, " "))

const compareLines = (supplied: ReadonlyArray<string>, found: ReadonlyArray<string>): FieldResult => {
  const a = linesOf(supplied)
  const b = linesOf(found)
  if (a === b) return "match"
  if (similarity(a, b) > 0.9) return "partial"
  // One side has a line (or word) the other left out: `Storgata 1` and `Storgata 1 H0203`.
  if (a.length > 0 && b.length > 0 && (` ${b} `.includes(` ${a} `) || ` ${a} `.includes(` ${b} `))) return "partial"
  return "mismatch"
}

/**
 * Compares two addresses part by part (see the module documentation), or `undefined` when they have no part in
 * common.
 *
 * @since 0.1.0
 */
export const compareAddress = (supplied: Address.Address, found: Address.Address): FieldResult | undefined => {
  const results: Array<FieldResult> = []
  let lacking = false
  const part = <K extends keyof Address.Address>(
    key: K,
    compare: (a: NonNullable<Address.Address[K]>, b: NonNullable<Address.Address[K]>) => FieldResult
  ) => {
    const a = supplied[key]
    const b = found[key]
    if (a === undefined) return
    if (b === undefined) lacking = true
    else results.push(compare(a as NonNullable<Address.Address[K]>, b as NonNullable<Address.Address[K]>))
  }
  part("country", (a, b) => (a === b ? "match" : "mismatch"))
  part("postalCode", (a, b) => (postalCodeOf(a) === postalCodeOf(b) ? "match" : "mismatch"))
  part("city", (a, b) => compareText(a, b, false))
  part("region", (a, b) => compareText(a, b, false))
  part("lines", compareLines)
  if (results.length === 0) return undefined
  const result = worst(results)
  return lacking && result === "match" ? "partial" : result
}
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
  const { address: suppliedAddress, ...text } = supplied
  for (const [key, value] of Object.entries(text) as ReadonlyArray<[keyof IdentityData.IdentityData, string]>) {
    const found = finalResult[key]
    if (typeof found !== "string") {
      fields[key] = "missing"
    } else if (dateFields.has(key)) {
      const a = value.replaceAll("-", "")
      const b = found.replaceAll("-", "")
      fields[key] = a === b ? "match" : similarity(a, b) > 0.9 ? "partial" : "mismatch"
    } else {
      fields[key] = compareText(value, found, nameFields.has(key))
    }
  }
  if (suppliedAddress !== undefined && finalResult.address !== undefined) {
    const address = compareAddress(suppliedAddress, finalResult.address)
    if (address !== undefined) fields.address = address
  }
  const results = Object.values(fields)
  const result = worst(results)
  return { result, fields }
}
