/**
 * Vendor code tables: a vendor's codes (document classes, reject labels, statuses) and the value each one means in
 * assure's vocabulary, as data instead of hand-written `switch`es, with one rule for codes the table does not hold.
 *
 * - Without a fallback, an unknown code is an error: `get` returns an {@link UnknownCode}, and the table's schema
 *   fails to decode it (in a response schema, the adapter reports an invalid response). A code the vendor adds
 *   later is then noticed and mapped on purpose.
 * - With a fallback, an unknown code decodes to what the fallback makes of it: a fixed value
 *   ({@link fallbackTo}, e.g. an unknown document class is `other`), or the code itself ({@link keepCode}, e.g. an
 *   unknown reject label is kept as the vendor wrote it). The table documents its choice in `fallback`.
 *
 * @example
 * ```ts
 * import { CodeTable } from "@assure/provider"
 * import { DocumentType } from "@assure/core"
 * import { Schema } from "effect"
 *
 * const documentClasses = CodeTable.make(
 *   "Veriff document type",
 *   { PASSPORT: "passport", ID_CARD: "idCard", DRIVERS_LICENSE: "driverLicense" },
 *   { to: DocumentType.DocumentType, fallback: CodeTable.fallbackTo("other") }
 * )
 * documentClasses.get("PASSPORT") // Result.succeed("passport")
 * Schema.decodeUnknownSync(documentClasses.schema)("HEALTH_CARD") // "other"
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Option, Result, Schema, SchemaIssue, SchemaTransformation } from "effect"

/** A code the table does not hold, and no fallback for it. @since 0.1.0 */
export class UnknownCode extends Schema.TaggedError<UnknownCode>("@assure/provider/UnknownCode")("UnknownCode", {
  /** The table's name, e.g. `Onfido document type`. */
  table: Schema.String,
  /** The vendor's code as received. */
  code: Schema.String
}) {
  override get message(): string {
    return `Unknown ${this.table} code "${this.code}"`
  }
}

/** What a table makes of a code it does not hold: a fixed value, or the code itself. @since 0.1.0 */
export type Fallback<A> =
  | { readonly _tag: "Value"; readonly value: A }
  | { readonly _tag: "KeepCode"; readonly keep: (code: string) => A }

/** Unknown codes decode to `value` (e.g. an unknown document class is `other`). @since 0.1.0 */
export const fallbackTo = <A>(value: A): Fallback<A> => ({ _tag: "Value", value })

/** Unknown codes are kept as the vendor wrote them (e.g. a reject label nobody mapped yet). @since 0.1.0 */
export const keepCode: Fallback<string> = { _tag: "KeepCode", keep: (code) => code }

/** A vendor code table. @since 0.1.0 */
export interface CodeTable<Code extends string, A> {
  /** What the codes are, for messages: `Onfido document type`. */
  readonly name: string
  /** The table: each vendor code and its value. */
  readonly entries: Readonly<Record<Code, A>>
  /** The vendor codes, in the table's order. */
  readonly codes: ReadonlyArray<Code>
  /** What unknown codes become, or `undefined` when they are an error. */
  readonly fallback: Fallback<A> | undefined
  /** Whether codes are looked up ignoring case. */
  readonly caseInsensitive: boolean
  /** The value of a code; an unknown code gives the fallback's value, or an {@link UnknownCode}. */
  readonly get: (code: string) => Result.Result<A, UnknownCode>
  /** The same as an Effect. */
  readonly decode: (code: string) => Effect.Effect<A, UnknownCode>
  /** The vendor code of a value: the first code the table maps to it, or a kept code as it is. */
  readonly codeOf: (value: A) => Option.Option<string>
  /** A schema from the vendor's code to the value; encoding writes {@link CodeTable.codeOf}. */
  readonly schema: Schema.Codec<A, string>
}

/**
 * Builds a code table.
 *
 * `to` is the schema of the values (e.g. `DocumentType.DocumentType`, `ProcessStatus.ProcessStatus`); without it,
 * the values the table holds (and, with {@link keepCode}, any string) are the decoded side.
 *
 * @since 0.1.0
 */
export const make = <const Entries extends Record<string, unknown>, A = Entries[keyof Entries]>(
  name: string,
  entries: Entries & Readonly<Record<string, A>>,
  options?: {
    readonly to?: Schema.Codec<A, A>
    readonly fallback?: Fallback<A>
    readonly caseInsensitive?: boolean
  }
): CodeTable<Extract<keyof Entries, string>, A> => {
  type Code = Extract<keyof Entries, string>
  const caseInsensitive = options?.caseInsensitive === true
  const fallback = options?.fallback
  const keyOf = (code: string): string => (caseInsensitive ? code.toLowerCase() : code)
  const codes = Object.keys(entries) as Array<Code>
  const byCode = new Map<string, A>()
  const byValue = new Map<A, string>()
  for (const code of codes) {
    const value = entries[code] as A
    byCode.set(keyOf(code), value)
    if (!byValue.has(value)) byValue.set(value, code)
  }
  const get = (code: string): Result.Result<A, UnknownCode> => {
    const key = keyOf(code)
    if (byCode.has(key)) return Result.succeed(byCode.get(key) as A)
    if (fallback === undefined) return Result.fail(new UnknownCode({ table: name, code }))
    return Result.succeed(fallback._tag === "Value" ? fallback.value : fallback.keep(code))
  }
  const codeOf = (value: A): Option.Option<string> => {
    const code = byValue.get(value)
    if (code !== undefined) return Option.some(code)
    if (fallback?._tag === "KeepCode" && typeof value === "string") return Option.some(value)
    return Option.none()
  }
  const to: Schema.Codec<A, A> =
    options?.to ??
    Schema.declare<A>(
      (input): input is A => byValue.has(input as A) || (fallback?._tag === "KeepCode" && typeof input === "string"),
      { expected: `a value of the ${name} table` }
    )
  const schema = Schema.String.pipe(
    Schema.decodeTo(
      to,
      SchemaTransformation.transformEffect<A, string>({
        decode: (code, parseOptions) =>
          Result.match(get(code), {
            onSuccess: Effect.succeed,
            onFailure: (error) =>
              Effect.fail(new SchemaIssue.InvalidValue({ message: error.message }, code, parseOptions))
          }),
        encode: (value, parseOptions) =>
          Option.match(codeOf(value), {
            onSome: Effect.succeed,
            onNone: () =>
              Effect.fail(
                new SchemaIssue.InvalidValue({ message: `No ${name} code stands for this value` }, value, parseOptions)
              )
          })
      })
    ),
    Schema.annotate({ identifier: name.replace(/(?:^|\s+)(\w)/g, (_, letter: string) => letter.toUpperCase()) })
  )
  return {
    name,
    entries,
    codes,
    fallback,
    caseInsensitive,
    get,
    decode: (code) => Effect.fromResult(get(code)),
    codeOf,
    schema
  }
}
