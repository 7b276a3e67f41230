/**
 * What the API accepts as text from clients, checked before any schema sees the request: JSON nested no deeper than
 * {@link maxJsonDepth}, strings and keys without control characters or broken Unicode, and percent-encoding that
 * decodes. Pure functions; the `RequestProblems` middleware applies them.
 *
 * Written here rather than taken from a library: each is a few lines over the platform's own `JSON.parse` and
 * `decodeURIComponent`, and what they refuse is this API's policy.
 */

/** How deep a JSON body may nest objects and arrays: far more than any request of the API needs (about 5). */
export const maxJsonDepth = 32

/**
 * Control characters a client's text may not hold: C0 (NUL and the rest) except tab, line feed and carriage return
 * (an MRZ's lines, an address), DEL, and C1. They have no place in identity data, PostgreSQL refuses NUL, and they
 * hide text from whoever reads it later.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose.
const forbiddenCharacter = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/

/** A UTF-16 surrogate without its pair: no character at all, and written to storage as U+FFFD, silently. */
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why a client's string is refused, or `undefined` when it is acceptable text. */
export const textProblem = (text: string): string | undefined => {
  if (forbiddenCharacter.test(text)) return "must not contain control characters"
  if (unpairedSurrogate.test(text)) return "must be valid Unicode text (it holds an unpaired surrogate)"
  return undefined
}

/**
 * Whether a JSON text nests objects and arrays deeper than `max`. Strings are skipped whole (to their closing quote,
 * found natively), so brackets in them do not count and a 20 MB data URL costs a few milliseconds, not a walk.
 */
export const jsonDepthExceeds = (text: string, max: number): boolean => {
  let depth = 0
  let index = 0
  while (index < text.length) {
    const code = text.charCodeAt(index)
    if (code === 0x22 /* " */) {
      index = endOfString(text, index)
      if (index < 0) return false
      continue
    }
    if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (++depth > max) return true
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      depth--
    }
    index++
  }
  return false
}

/** The index just past the string that opens at `start`, or -1 when it never closes. */
const endOfString = (text: string, start: number): number => {
  let from = start + 1
  for (;;) {
    const quote = text.indexOf('"', from)
    if (quote < 0) return -1
    let backslashes = 0
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c /* \ */) backslashes++
    // An even number of backslashes escape each other, not the quote.
    if (backslashes % 2 === 0) return quote + 1
    from = quote + 1
  }
}

/**
 * Whether a JSON text may hold a refused string: a raw DEL or C1 character, or an escape of a control character or a
 * surrogate. A cheap test on the raw text, so that only the rare body that may be refused is walked value by value
 * ({@link textProblemsOfJson}); an escaped backslash before `u0000` is a false alarm the walk clears.
 */
export const mayHoldRefusedText = (text: string): boolean =>
  // Most bodies have no backslash and no DEL or C1 at all: one native scan answers for them.
  /[\u007F-\u009F\\]/.test(text) && /[\u007F-\u009F]|\\u00[0-17-9][0-9a-fA-F]|\\[bf]|\\u[dD][89a-fA-F]/.test(text)

/** One refused value: where it is (dotted path) and why. */
export interface InvalidParam {
  readonly name: string
  readonly reason: string
}

/** Every string and key of a JSON value that is not acceptable text, by its dotted path. */
export const textProblemsOf = (value: unknown, path = ""): ReadonlyArray<InvalidParam> => {
  if (typeof value === "string") {
    const reason = textProblem(value)
    return reason === undefined ? [] : [{ name: path, reason }]
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => textProblemsOf(item, join(path, String(index))))
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => {
      const reason = textProblem(key)
      // A refused key is reported at its object's path, so the problem never echoes the key's characters back.
      return reason === undefined
        ? textProblemsOf(item, join(path, key))
        : [{ name: path === "" ? "body" : path, reason: `a key ${reason}` }]
    })
  }
  return []
}

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`)

/** The text problems of a JSON body, or none when it is not JSON (the schema's decoding reports that). */
export const textProblemsOfJson = (text: string): ReadonlyArray<InvalidParam> => {
  if (!mayHoldRefusedText(text)) return []
  try {
    return textProblemsOf(JSON.parse(text))
  } catch {
    return []
  }
}

/** `decodeURIComponent` that answers `undefined` for malformed percent-encoding instead of throwing. */
export const percentDecoded = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/**
 * A request target's path, without its query: the path as sent, which is what the router matches. (Not through
 * `new URL`, which costs a parse on every request and reads a target starting `//` as a host.)
 */
export const pathOf = (target: string): string => {
  const queryStart = target.indexOf("?")
  return queryStart < 0 ? target : target.slice(0, queryStart)
}

/** Printable ASCII without `%`: a target that decodes to itself, so there is nothing in it to refuse. */
const plainTarget = /^[\x20-\x24\x26-\x7e]*$/

/**
 * The problems of a request target's path and query: segments and query names and values whose percent-encoding is
 * malformed, or whose decoded text is refused. `+` in a query is a space, as forms encode it.
 */
export const targetProblems = (target: string): ReadonlyArray<InvalidParam> => {
  if (plainTarget.test(target)) return []
  const queryStart = target.indexOf("?")
  const path = queryStart < 0 ? target : target.slice(0, queryStart)
  const query = queryStart < 0 ? "" : target.slice(queryStart + 1)
  const problems: Array<InvalidParam> = []
  for (const segment of path.split("/")) {
    const decoded = percentDecoded(segment)
    const reason = decoded === undefined ? "has malformed percent-encoding" : textProblem(decoded)
    if (reason !== undefined) problems.push({ name: "path", reason: `a segment ${reason}` })
  }
  for (const pair of query.split("&")) {
    if (pair.length === 0) continue
    const separator = pair.indexOf("=")
    const rawName = separator < 0 ? pair : pair.slice(0, separator)
    const name = percentDecoded(rawName.replaceAll("+", " "))
    const value = separator < 0 ? "" : percentDecoded(pair.slice(separator + 1).replaceAll("+", " "))
    // Named only when the name itself is printable text, so a problem never echoes control characters back.
    const label = name !== undefined && textProblem(name) === undefined ? `query.${name}` : "query"
    if (name === undefined || value === undefined) {
      problems.push({ name: label, reason: "has malformed percent-encoding" })
      continue
    }
    const reason = textProblem(name) ?? textProblem(value)
    if (reason !== undefined) problems.push({ name: label, reason })
  }
  return problems
}
