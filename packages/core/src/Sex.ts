/**
 * Sex as printed on identity documents: `F`, `M`, or `X` (unspecified), the ICAO 9303 vocabulary that the
 * Assure API's `gender` field uses.
 *
 * | provider word (any case) | decodes to |
 * |---|---|
 * | `F`, `female`, `woman`, `W` | `F` |
 * | `M`, `male`, `man` | `M` |
 * | `X`, `<` (MRZ filler), `unspecified`, `other`, `diverse`, `non-binary`, `nonbinary`, `D` | `X` |
 *
 * Words that say the value is unknown (`unknown`, `[redacted]`, empty) fail: unknown is not a sex, and the
 * caller should leave the field out.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { formatCodec } from "./internal/transformation.js"

/** `F`, `M` or `X` (unspecified). @since 0.1.0 */
export const Sex = /* @__PURE__ */ Schema.Literals(["F", "M", "X"]).pipe(
  Schema.annotate({ identifier: "Sex", description: "Sex as printed on the document: F, M or X (unspecified)" })
)

/** `F`, `M` or `X` (unspecified). @since 0.1.0 */
export type Sex = typeof Sex.Type

const words: ReadonlyMap<string, Sex> = new Map<string, Sex>([
  ["f", "F"],
  ["female", "F"],
  ["woman", "F"],
  ["w", "F"],
  ["m", "M"],
  ["male", "M"],
  ["man", "M"],
  ["x", "X"],
  ["<", "X"],
  ["unspecified", "X"],
  ["other", "X"],
  ["diverse", "X"],
  ["d", "X"],
  ["non-binary", "X"],
  ["nonbinary", "X"]
])

const fromProviderWord = formatCodec<string, Sex>({
  expected: "a sex: F, M, X or a word providers use for them",
  parse: (word) => words.get(word.trim().toLowerCase()),
  format: (sex) => sex,
  unencodable: ""
})

/** Decodes the words providers use (see the module table), ignoring case and white space. Encodes `F`/`M`/`X`. @since 0.1.0 */
export const FromProviderWord = /* @__PURE__ */ Schema.String.check(fromProviderWord.check).pipe(
  Schema.decodeTo(Sex, fromProviderWord.transformation),
  Schema.annotate({ identifier: "SexFromProviderWord" })
)
