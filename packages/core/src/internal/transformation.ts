import { Effect, type SchemaAST, SchemaIssue, SchemaTransformation } from "effect"

/**
 * A transformation whose decoding is a pure parse that may not match (returning `undefined`).
 *
 * The issue names the expected format but never repeats the input: inputs here are personal data, and
 * error messages end up in logs. Callers who want the input can decode with `{ reportInput: true }`.
 */
export const parseTransformation = <T, E>(options: {
  readonly expected: string
  readonly decode: (encoded: E) => T | undefined
  readonly encode: (value: T) => E
}): SchemaTransformation.Transformation<T, E> => partialTransformation({ ...options, unencodable: options.expected })

/** Like {@link parseTransformation}, for formats that cannot write every value (no alpha-2 code for `XXA`). */
export const partialTransformation = <T, E>(options: {
  readonly expected: string
  readonly unencodable: string
  readonly decode: (encoded: E) => T | undefined
  readonly encode: (value: T) => E | undefined
}): SchemaTransformation.Transformation<T, E> =>
  SchemaTransformation.transformEffect<T, E>({
    decode: (encoded, parseOptions) => {
      const decoded = options.decode(encoded)
      return decoded === undefined
        ? Effect.fail(invalid(options.expected, encoded, parseOptions))
        : Effect.succeed(decoded)
    },
    encode: (value, parseOptions) => {
      const encoded = options.encode(value)
      return encoded === undefined
        ? Effect.fail(invalid(options.unencodable, value, parseOptions))
        : Effect.succeed(encoded)
    }
  })

export const invalid = (expected: string, input: unknown, options: SchemaAST.ParseOptions): SchemaIssue.Issue =>
  new SchemaIssue.InvalidValue({ message: `Expected ${expected}` }, input, options)
