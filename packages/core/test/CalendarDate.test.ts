import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { CalendarDate } from "../src/index.js"
import { dateParts, decode, isoOf } from "./helpers.js"

const canonical = /^\d{4}-\d{2}-\d{2}$/

describe("CalendarDate", () => {
  it("accepts real dates and rejects impossible ones", () => {
    const check = decode(CalendarDate.CalendarDate)
    for (const good of ["1974-08-12", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"]) {
      assert.deepStrictEqual(check(good), { ok: true, value: good as CalendarDate.CalendarDate })
    }
    for (const bad of [
      "1990-17-02",
      "2023-02-29",
      "1900-02-29",
      "2024-04-31",
      "0000-01-01",
      "1990-1-2",
      "19900102",
      " 1990-01-02",
      19900102
    ]) {
      assert.isFalse(check(bad).ok, `${bad} should fail`)
    }
  })

  it("reads the date part of ISO dates and date-times as written, without applying the offset", () => {
    const check = decode(CalendarDate.FromIsoString)
    assert.deepStrictEqual(check("1974-08-12"), { ok: true, value: "1974-08-12" as CalendarDate.CalendarDate })
    // A birth date is a day: 00:30 at +02:00 is still the 12th, not the 11th in UTC.
    assert.deepStrictEqual(check("1974-08-12T00:30:00+02:00"), {
      ok: true,
      value: "1974-08-12" as CalendarDate.CalendarDate
    })
    assert.deepStrictEqual(check("1974-08-12 23:59"), { ok: true, value: "1974-08-12" as CalendarDate.CalendarDate })
    for (const bad of [
      "1974-08-32T00:00:00Z",
      "1974-08-12X",
      "12.08.1974",
      "1974-08-12T",
      "1974-08-12Tgarbage",
      "1974-08-12T99:99:99",
      "1974-08-12T10:00:00+2"
    ]) {
      assert.isFalse(check(bad).ok, `${bad} should fail`)
    }
  })

  it("decodes YYYYMMDD, DD.MM.YYYY and {day, month, year}", () => {
    assert.deepStrictEqual(decode(CalendarDate.FromCompact)("19740812"), {
      ok: true,
      value: "1974-08-12" as CalendarDate.CalendarDate
    })
    assert.isFalse(decode(CalendarDate.FromCompact)("19741312").ok)
    assert.isFalse(decode(CalendarDate.FromCompact)("1974812").ok)
    assert.deepStrictEqual(decode(CalendarDate.FromDotted)("12.08.1974"), {
      ok: true,
      value: "1974-08-12" as CalendarDate.CalendarDate
    })
    assert.isFalse(decode(CalendarDate.FromDotted)("08/12/1974").ok)
    assert.isFalse(decode(CalendarDate.FromDotted)("31.04.1974").ok)
    const parts = decode(CalendarDate.FromParts)
    assert.deepStrictEqual(parts({ day: 1, month: 12, year: 2030 }), {
      ok: true,
      value: "2030-12-01" as CalendarDate.CalendarDate
    })
    assert.isFalse(parts({ day: 29, month: 2, year: 2023 }).ok)
    // Stripe sends null for a part it could not read: a partial date is not a date.
    assert.isFalse(parts({ day: null, month: 12, year: 2030 }).ok)
    assert.isFalse(parts({ day: 1.5, month: 12, year: 2030 }).ok)
    assert.isFalse(parts("2030-12-01").ok)
  })

  it("reports the path of a bad date inside a struct, as a typed SchemaError", () => {
    const result = Schema.decodeUnknownExit(Schema.Struct({ dob: CalendarDate.FromCompact }))({ dob: "19741332" })
    assert.strictEqual(result._tag, "Failure")
    const message = String(result)
    assert.include(message, "Expected a date as YYYYMMDD")
    assert.include(message, '["dob"]')
    // The input is personal data: it is not repeated in the message by default.
    assert.notInclude(message, "19741332")
  })

  it("encodes back to each format, and decode∘encode is the identity on every real date", () => {
    const codecs = [
      CalendarDate.FromIsoString,
      CalendarDate.FromCompact,
      CalendarDate.FromDotted,
      CalendarDate.FromParts
    ] as const
    fc.assert(
      fc.property(dateParts, (parts) => {
        const date = isoOf(parts) as CalendarDate.CalendarDate
        assert.strictEqual(CalendarDate.make(parts), date)
        assert.deepStrictEqual(CalendarDate.toParts(date), parts)
        for (const codec of codecs) {
          const encoded = Schema.encodeSync(codec as Schema.Codec<CalendarDate.CalendarDate, unknown>)(date)
          assert.strictEqual(Schema.decodeUnknownSync(codec)(encoded), date)
        }
        assert.match(Schema.encodeSync(CalendarDate.FromCompact)(date), /^\d{8}$/)
        assert.match(Schema.encodeSync(CalendarDate.FromDotted)(date), /^\d{2}\.\d{2}\.\d{4}$/)
      })
    )
  })

  it("never decodes a string that is not a real date into the canonical form", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (input) => {
        const result = decode(CalendarDate.CalendarDate)(input)
        if (result.ok) {
          assert.match(result.value, canonical)
          assert.strictEqual(new Date(`${result.value}T00:00:00Z`).toISOString().slice(0, 10), result.value)
        }
      })
    )
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        (year, month, day) => {
          const input = isoOf({ year, month, day })
          const real = new Date(0)
          real.setUTCFullYear(year, month - 1, day)
          const isReal = real.getUTCFullYear() === year && real.getUTCMonth() === month - 1 && real.getUTCDate() === day
          assert.strictEqual(decode(CalendarDate.CalendarDate)(input).ok, isReal, input)
        }
      )
    )
  })

  describe("MRZ dates (century from the Clock)", () => {
    const today = Date.UTC(2026, 10, 28) // 2026-11-28

    it.effect("a birth date is never in the future", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(today)
        const birth = Schema.decodeUnknownEffect(CalendarDate.FromMrzBirthDate)
        assert.strictEqual(yield* birth("740812"), "1974-08-12")
        assert.strictEqual(yield* birth("261128"), "2026-11-28")
        assert.strictEqual(yield* birth("261129"), "1926-11-29")
        assert.strictEqual(yield* birth("000229"), "2000-02-29")
        const failure = yield* Effect.flip(birth("74<812"))
        assert.include(failure.message, "MRZ date of birth")
        assert.isTrue((yield* Effect.exit(birth("741332")))._tag === "Failure")
      })
    )

    it.effect("an expiry date falls within 49 years before and 50 after today", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(today)
        const expiry = Schema.decodeUnknownEffect(CalendarDate.FromMrzExpiryDate)
        assert.strictEqual(yield* expiry("270228"), "2027-02-28")
        assert.strictEqual(yield* expiry("760101"), "2076-01-01")
        assert.strictEqual(yield* expiry("770101"), "1977-01-01")
        assert.strictEqual(yield* expiry("991231"), "1999-12-31")
        assert.strictEqual(yield* expiry("000101"), "2000-01-01")
      })
    )

    it.effect("the century rules follow the clock", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.UTC(2080, 0, 1))
        assert.strictEqual(yield* Schema.decodeUnknownEffect(CalendarDate.FromMrzBirthDate)("740812"), "2074-08-12")
        assert.strictEqual(yield* Schema.decodeUnknownEffect(CalendarDate.FromMrzExpiryDate)("300101"), "2130-01-01")
      })
    )

    it.effect("decode∘encode is the identity for dates inside each window", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(today)
        const samples = fc.sample(dateParts, 500)
        for (const parts of samples) {
          const date = isoOf(parts) as CalendarDate.CalendarDate
          const encoded = yield* Schema.encodeEffect(CalendarDate.FromMrzBirthDate)(date)
          assert.match(encoded, /^\d{6}$/)
          const birthWindow = parts.year > 1926 || (parts.year === 1926 && date > "1926-11-28")
          if (birthWindow && date <= "2026-11-28") {
            assert.strictEqual(yield* Schema.decodeUnknownEffect(CalendarDate.FromMrzBirthDate)(encoded), date)
          }
          if (parts.year >= 1977 && parts.year <= 2076) {
            assert.strictEqual(yield* Schema.decodeUnknownEffect(CalendarDate.FromMrzExpiryDate)(encoded), date)
          }
        }
      })
    )
  })
})
