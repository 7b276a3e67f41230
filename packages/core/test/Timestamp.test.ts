import { assert, describe, it } from "@effect/vitest"
import { DateTime, Schema } from "effect"
import fc from "fast-check"
import { Timestamp } from "../src/index.js"
import { decode, pad } from "./helpers.js"

const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const fromIso = (input: unknown) => {
  const result = decode(Timestamp.FromIsoString)(input)
  return result.ok ? result.value : result.message
}

/** Whole-second instants between years 1 and 9999. */
const instants = fc
  .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
  .map((date) => Math.floor(date.getTime() / 1000) * 1000)

/** What `Date` writes for an instant, in our form (the reference the properties compare against). */
const byDate = (millis: number) => `${new Date(millis).toISOString().slice(0, 19)}Z`

describe("Timestamp", () => {
  it("converts offsets to UTC and drops fractions of a second", () => {
    assert.strictEqual(fromIso("2024-05-01T12:30:00.250+02:00"), "2024-05-01T10:30:00Z")
    assert.strictEqual(fromIso("2024-05-01T12:30:00.999999-0530"), "2024-05-01T18:00:00Z")
    assert.strictEqual(fromIso("2024-05-01T00:30:00+01"), "2024-04-30T23:30:00Z")
    assert.strictEqual(fromIso("2024-12-31T23:30Z"), "2024-12-31T23:30:00Z")
    assert.strictEqual(fromIso("2024-02-29 08:00:00,5z"), "2024-02-29T08:00:00Z")
    assert.strictEqual(fromIso("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z")
  })

  it("refuses a date-time without a zone instead of reading it as local time", () => {
    assert.include(fromIso("2024-05-01T12:30:00"), "with a time zone")
    assert.include(fromIso("2024-05-01"), "with a time zone")
    for (const bad of [
      "2024-02-30T00:00:00Z",
      "2024-05-01T24:00:00Z",
      "2024-05-01T12:60:00Z",
      "2024-05-01T12:00:60Z",
      "2024-05-01T12:00:00+25:00",
      "2024-05-01T12:00:00+01:0",
      "2024-05-01T12:00:00.Z",
      "2024-05-01T12:00:00Zjunk",
      "0000-12-31T23:00:00Z",
      "0001-01-01T00:30:00+01:00",
      1714559400
    ]) {
      assert.isFalse(decode(Timestamp.FromIsoString)(bad).ok, String(bad))
    }
  })

  it("accepts only the normalised form as Timestamp and encodes it unchanged", () => {
    const check = decode(Timestamp.Timestamp)
    assert.deepStrictEqual(check("2024-05-01T10:30:00Z"), {
      ok: true,
      value: "2024-05-01T10:30:00Z" as Timestamp.Timestamp
    })
    for (const bad of [
      "2024-05-01T10:30:00.000Z",
      "2024-05-01T10:30:00+00:00",
      "2024-05-01T10:30Z",
      "2024-05-01 10:30:00Z",
      "2024-02-30T10:30:00Z"
    ]) {
      assert.isFalse(check(bad).ok, bad)
    }
  })

  it("decodes unix seconds and milliseconds", () => {
    assert.deepStrictEqual(decode(Timestamp.FromUnixSeconds)(1714559400.9), {
      ok: true,
      value: "2024-05-01T10:30:00Z" as Timestamp.Timestamp
    })
    assert.deepStrictEqual(decode(Timestamp.FromUnixMillis)(1714559400999), {
      ok: true,
      value: "2024-05-01T10:30:00Z" as Timestamp.Timestamp
    })
    assert.isFalse(decode(Timestamp.FromUnixSeconds)(Number.NaN).ok)
    assert.isFalse(decode(Timestamp.FromUnixMillis)(1e20).ok)
    assert.isFalse(decode(Timestamp.FromUnixSeconds)("1714559400").ok)
  })

  it("agrees with Date on every ISO date-time with an offset and a fraction", () => {
    fc.assert(
      fc.property(
        instants,
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        fc.integer({ min: 0, max: 999 }),
        (millis, offsetMinutes, fraction) => {
          // Write the instant as wall-clock time at the offset, with a fraction.
          const wall = new Date(millis + offsetMinutes * 60_000)
          const year = wall.getUTCFullYear()
          fc.pre(year >= 1 && year <= 9999)
          const abs = Math.abs(offsetMinutes)
          const zone = `${offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`
          const input = `${wall.toISOString().slice(0, 19)}.${pad(fraction, 3)}${zone}`
          assert.strictEqual(fromIso(input), byDate(millis), input)
        }
      )
    )
  })

  it("decode∘encode is the identity, and every value is written YYYY-MM-DDThh:mm:ssZ", () => {
    const codecs = [
      Timestamp.Timestamp,
      Timestamp.FromIsoString,
      Timestamp.FromUnixSeconds,
      Timestamp.FromUnixMillis
    ] as const
    fc.assert(
      fc.property(instants, (millis) => {
        const timestamp = Timestamp.fromEpochMillis(millis)
        assert.strictEqual(timestamp, byDate(millis))
        assert.match(timestamp, canonical)
        assert.strictEqual(Timestamp.toEpochMillis(timestamp), millis)
        assert.strictEqual(DateTime.toEpochMillis(Timestamp.toDateTime(timestamp)), millis)
        assert.strictEqual(Timestamp.fromDateTime(Timestamp.toDateTime(timestamp)), timestamp)
        assert.strictEqual(Schema.encodeSync(Timestamp.Timestamp)(timestamp), timestamp)
        for (const codec of codecs) {
          const encoded = Schema.encodeSync(codec as Schema.Codec<Timestamp.Timestamp, unknown>)(timestamp)
          assert.strictEqual(Schema.decodeUnknownSync(codec)(encoded), timestamp)
        }
      })
    )
  })

  it("sorts as text in time order", () => {
    fc.assert(
      fc.property(instants, instants, (a, b) => {
        const [ta, tb] = [Timestamp.fromEpochMillis(a), Timestamp.fromEpochMillis(b)]
        assert.strictEqual(ta < tb, a < b)
      })
    )
  })

  it("truncates to the second and refuses what YYYY cannot write", () => {
    assert.strictEqual(Timestamp.fromEpochMillis(1_500), "1970-01-01T00:00:01Z")
    assert.strictEqual(Timestamp.fromEpochMillis(-1), "1969-12-31T23:59:59Z")
    assert.throws(() => Timestamp.fromEpochMillis(Date.UTC(10000, 0, 1)), RangeError)
    fc.assert(
      fc.property(fc.double({ min: -7e10, max: 2.6e11, noNaN: true }), (seconds) => {
        const result = decode(Timestamp.FromUnixSeconds)(seconds)
        if (result.ok) assert.strictEqual(Timestamp.toEpochMillis(result.value), Math.floor(seconds) * 1000)
        // otherwise it lies outside 0001-01-01T00:00:00Z … 9999-12-31T23:59:59Z
        else assert.isTrue(seconds < -62_135_596_800 || seconds >= 253_402_300_800, String(seconds))
      })
    )
  })
})
