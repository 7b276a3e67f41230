import { Schema, type SchemaAST, SchemaIssue, SchemaTransformation } from "effect"

/**
 * A codec from one written format (`YYYYMMDD`, alpha-2, …) to a canonical one, with no Effect allocated per value.
 *
 * The format is checked on the encoded side — so a bad input fails with a message naming the format it was expected
 * in, and the encoded side's JSON Schema says so — and the conversion itself is then a pure transformation. `parse`
 * runs once per value: the check keeps its result for the transformation that follows it.
 *
 * Messages name the expected format but never repeat the input: inputs here are personal data, and error messages
 * end up in logs. Callers who want the input can decode with `{ reportInput: true }`.
 *
 * `format` writes a canonical value back, or returns `undefined` when the format cannot express it (there is no
 * alpha-2 code for `XXA`); encoding then fails the encoded side's check.
 */
export const formatCodec = <E, C>(options: {
  readonly expected: string
  readonly parse: (encoded: E) => C | undefined
  readonly format: (canonical: C) => E | undefined
  readonly unencodable: E
  readonly jsonSchema?: Record<string, unknown>
}) => {
  // One-entry memo between the check and the transformation, which run back to back on the same value; a miss
  // only costs a second parse.
  let lastInput: E | undefined
  let lastOutput: C | undefined
  const parse = (encoded: E): C | undefined => {
    if (encoded !== lastInput || lastOutput === undefined) {
      lastOutput = options.parse(encoded)
      lastInput = encoded
    }
    return lastOutput
  }
  const jsonSchema = options.jsonSchema
  return {
    check: Schema.makeFilter<E>(
      (encoded) => parse(encoded) !== undefined,
      jsonSchema === undefined
        ? { expected: options.expected }
        : { expected: options.expected, toJsonSchema: () => jsonSchema }
    ),
    transformation: SchemaTransformation.transform<C, E>({
      // The check above has accepted the value, so it parses.
      decode: (encoded) => parse(encoded) as C,
      encode: (canonical) => options.format(canonical) ?? options.unencodable
    })
  }
}

export const invalid = (expected: string, input: unknown, options: SchemaAST.ParseOptions): SchemaIssue.Issue =>
  new SchemaIssue.InvalidValue({ message: `Expected ${expected}` }, input, options)
