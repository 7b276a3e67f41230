/**
 * ICAO 9303 check digits (Doc 9303 part 3, section 4.9): each character of a field is given a value (`0`–`9` their
 * own, `A`–`Z` 10–35, the filler `<` 0), multiplied by the repeating weights 7, 3, 1, and the sum taken modulo 10.
 *
 * The `mrz` parser computes these internally without exporting them; this module is the one place the package
 * computes a check digit itself (for visas, which `mrz` does not read, and for building test documents).
 *
 * @example
 * ```ts
 * import { CheckDigit } from "@assure/icao"
 *
 * CheckDigit.compute("L898902C3") // 6
 * CheckDigit.compute("740812") // 2
 * ```
 *
 * @since 0.1.0
 */

/** The weights, repeated over the field. @since 0.1.0 */
export const weights: ReadonlyArray<number> = [7, 3, 1]

/** The characters a machine-readable zone may contain. @since 0.1.0 */
export const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"

/** The value of one MRZ character, or `undefined` for a character an MRZ cannot contain. @since 0.1.0 */
export const characterValue = (character: string): number | undefined => {
  if (character === "<") return 0
  const index = alphabet.indexOf(character)
  return index < 0 || character.length !== 1 ? undefined : index
}

/**
 * The check digit of a field, or `undefined` when the field holds a character an MRZ cannot contain.
 *
 * @since 0.1.0
 */
export const compute = (field: string): number | undefined => {
  let sum = 0
  for (let index = 0; index < field.length; index++) {
    const value = characterValue(field.charAt(index))
    if (value === undefined) return undefined
    sum += value * (weights[index % 3] as number)
  }
  return sum % 10
}

/** Whether `digit` is the check digit of `field`. @since 0.1.0 */
export const holds = (field: string, digit: string): boolean => {
  const expected = compute(field)
  return expected !== undefined && digit === String(expected)
}
