/** The checks on client text, against references: JSON's own parser for depth, every code point for characters. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  jsonDepthExceeds,
  mayHoldRefusedText,
  targetProblems,
  textProblem,
  textProblemsOf,
  textProblemsOfJson
} from "../src/server/RequestText.js"

/** The nesting depth of a parsed JSON value: the reference the raw-text scan must agree with. */
const depthOf = (value: unknown): number =>
  Array.isArray(value)
    ? 1 + Math.max(0, ...value.map(depthOf))
    : typeof value === "object" && value !== null
      ? 1 + Math.max(0, ...Object.values(value).map(depthOf))
      : 0

describe("jsonDepthExceeds", () => {
  it("agrees with the depth of the parsed value, whatever strings hold", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, max) => {
        const text = JSON.stringify(value)
        expect(jsonDepthExceeds(text, max)).toBe(depthOf(JSON.parse(text)) > max)
      }),
      { numRuns: 2_000 }
    )
  })

  it("does not count brackets inside strings, escaped quotes included", () => {
    expect(jsonDepthExceeds(JSON.stringify({ a: '[[[["{{{' }), 1)).toBe(false)
    expect(jsonDepthExceeds(JSON.stringify({ a: 'x\\"[[[', b: "\\" }), 1)).toBe(false)
  })
})

describe("client text", () => {
  const refused = (code: number) =>
    (code <= 0x1f && ![0x09, 0x0a, 0x0d].includes(code)) || (code >= 0x7f && code <= 0x9f)

  it("refuses exactly the control characters other than tab, line feed and carriage return", () => {
    for (let code = 0; code <= 0xff; code++) {
      expect(textProblem(`a${String.fromCharCode(code)}b`) !== undefined, `U+${code.toString(16)}`).toBe(refused(code))
    }
  })

  it("refuses unpaired surrogates and accepts pairs", () => {
    expect(textProblem("a\ud800b")).toBeDefined()
    expect(textProblem("a\udc00")).toBeDefined()
    expect(textProblem("😀 Å")).toBeUndefined()
  })

  it("finds every refused string in a JSON body, by path, and the raw-text pre-check never misses one", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value)
        const problems = textProblemsOf(value)
        expect(textProblemsOfJson(text)).toEqual(problems)
        if (problems.length > 0) expect(mayHoldRefusedText(text)).toBe(true)
      }),
      { numRuns: 2_000 }
    )
    expect(textProblemsOfJson(JSON.stringify({ user: { names: ["ok", "bad\u0000"] } }))).toEqual([
      { name: "user.names.1", reason: "must not contain control characters" }
    ])
  })

  it("answers malformed percent-encoding in a path or query as a problem, never by throwing", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (target) => {
        expect(() => targetProblems(`/${target}`)).not.toThrow()
      })
    )
    expect(targetProblems("/assure/%E0%A4%A")).toEqual([
      { name: "path", reason: "a segment has malformed percent-encoding" }
    ])
    expect(targetProblems("/assure?limit=%FF")).toEqual([
      { name: "query.limit", reason: "has malformed percent-encoding" }
    ])
    expect(targetProblems("/assure/dossiers?status=accepted&limit=5")).toEqual([])
  })
})
