import { assert, describe, it } from "@effect/vitest"
import { DateTime, Schema } from "effect"
import fc from "fast-check"
import { Timestamp } from "../src/index.js"
import { decode, pad } from "./helpers.js"

const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const formatted = (input: unknown) => {
  const result = decode(Timestamp.FromIsoString)(input)
  return result.ok ? Timestamp.format(result.value) : result.message
}

/** Whole-second instants between years 1 and 9999. */
const instants = fc
  .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
  .map((date) => Math.floor(date.getTime() / 1000) * 1000)

describe("Timestamp", () => {
  it("converts offsets to UTC and drops fractions of a second", () => {
    assert.strictEqual(formatted("2024-05-01T12:30:00.250+02:00"), "2024-05-01T10:30:00Z")
    assert.strictEqual(formatted("2024-05-01T12:30:00.999999-0530"), "2024-05-01T18:00:00Z")
    assert.strictEqual(formatted("2024-05-01T00:30:00+01"), "2024-04-30T23:30:00Z")
    assert.strictEqual(formatted("2024-12-31T23:30Z"), "2024-12-31T23:30:00Z")
    assert.strictEqual(formatted("2024-02-29 08:00:00,5z"), "2024-02-29T08:00:00Z")
  })

  it("refuses a date-time without a zone instead of reading it as local time", () => {
    assert.include(formatted("2024-05-01T12:30:00"), "with a time zone")
    assert.include(formatted("2024-05-01"), "with a time zone")
    for (const bad of [
      "2024-02-30T00:00:00Z",
      "2024-05-01T24:00:00Z",
      "2024-05-01T12:60:00Z",
      "2024-05-01T12:00:60Z",
      "2024-05-01T12:00:00+25:00",
      "0000-12-31T23:00:00Z",
      "0001-01-01T00:30:00+01:00",
      1714559400
    ]) {
      assert.isFalse(decode(Timestamp.FromIsoString)(bad).ok, String(bad))
    }
  })

  it("accepts only the normalised form as Timestamp and encodes it unchanged", () => {
    const check = decode(Timestamp.Timestamp)
    assert.isTrue(check("2024-05-01T10:30:00Z").ok)
    for (const bad of [
      "2024-05-01T10:30:00.000Z",
      "2024-05-01T10:30:00+00:00",
      "2024-05-01T10:30Z",
      "2024-05-01 10:30:00Z"
    ]) {
      assert.isFalse(check(bad).ok, bad)
    }
  })

  it("decodes unix seconds and milliseconds", () => {
    const fromSeconds = decode(Timestamp.FromUnixSeconds)(1714559400.9)
    assert.isTrue(fromSeconds.ok && Timestamp.format(fromSeconds.value) === "2024-05-01T10:30:00Z")
    const fromMillis = decode(Timestamp.FromUnixMillis)(1714559400999)
    assert.isTrue(fromMillis.ok && Timestamp.format(fromMillis.value) === "2024-05-01T10:30:00Z")
    assert.isFalse(decode(Timestamp.FromUnixSeconds)(Number.NaN).ok)
    assert.isFalse(decode(Timestamp.FromUnixMillis)(1e20).ok)
    assert.isFalse(decode(Timestamp.FromUnixSeconds)("1714559400").ok)
  })

  it("agrees with Date.parse on every ISO date-time with an offset", () => {
    fc.assert(
      fc.property(
        instants,
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.integer({ min: 0, max: 999 }),
        (millis, offsetMinutes, fraction) => {
          // Write the instant as wall-clock time at the offset, with a fraction.
          const wall = new Date(millis + offsetMinutes * 60_000)
          const sign = offsetMinutes < 0 ? "-" : "+"
          const abs = Math.abs(offsetMinutes)
          const year = wall.getUTCFullYear()
          fc.pre(year >= 1 && year <= 9999)
          const input = `${wall
            .toISOString()
            .slice(year > 9999 ? 3 : 0, 19)
            .replace(/^[+-]\d{2}/, "")}.${pad(fraction, 3)}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`
          const result = decode(Timestamp.FromIsoString)(input)
          assert.isTrue(result.ok, input)
          if (result.ok) assert.strictEqual(DateTime.toEpochMillis(result.value), millis, input)
        }
      )
    )
  })

  it("decode∘encode is the identity, and encoded values are always YYYY-MM-DDThh:mm:ssZ", () => {
    const codecs = [
      Timestamp.Timestamp,
      Timestamp.FromIsoString,
      Timestamp.FromUnixSeconds,
      Timestamp.FromUnixMillis
    ] as const
    fc.assert(
      fc.property(instants, (millis) => {
        const instant = DateTime.makeUnsafe(millis)
        const text = Timestamp.format(instant)
        assert.match(text, canonical)
        assert.strictEqual(Schema.encodeSync(Timestamp.Timestamp)(instant), text)
        for (const codec of codecs) {
          const encoded = Schema.encodeSync(codec as Schema.Codec<DateTime.Utc, unknown>)(instant)
          const decoded = Schema.decodeUnknownSync(codec)(encoded)
          assert.strictEqual(DateTime.toEpochMillis(decoded), millis)
        }
      })
    )
  })

  it("a decoded value is always a whole second", () => {
    fc.assert(
      fc.property(fc.double({ min: -6e10, max: 2.5e11, noNaN: true }), (seconds) => {
        const result = decode(Timestamp.FromUnixSeconds)(seconds)
        if (result.ok) assert.strictEqual(DateTime.toEpochMillis(result.value) % 1000, 0)
      })
    )
    assert.isFalse(decode(Timestamp.Instant)(DateTime.makeUnsafe(1_500)).ok)
  })
})
