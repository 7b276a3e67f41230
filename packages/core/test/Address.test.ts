import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import fc from "fast-check"
import { Address, Country, IdentityData } from "../src/index.js"
import { isoCountryTable } from "../src/internal/isoCountryTable.js"
import { decode } from "./helpers.js"

const fromParts = decode(Address.FromParts)
const normalised = decode(Address.Address)

/** Text as vendors send it: words with stray spaces, tabs and line breaks, sometimes blank. */
const messyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc
    .array(fc.stringMatching(/^[\p{L}\p{N}.,'/-]{1,12}$/u), { minLength: 1, maxLength: 5 })
    .chain((words) => fc.constantFrom(" ", "  ", "\t", " \u00a0").map((gap) => ` ${words.join(gap)}  `)),
  fc.constantFrom("", "   ", "\n")
)

const countryInput = fc
  .constantFrom(...isoCountryTable)
  .chain(([alpha3, alpha2, numeric]) =>
    fc.constantFrom(alpha3, alpha2, numeric, alpha2.toLowerCase(), ` ${alpha3.toLowerCase()} `)
  )

const parts = fc.record(
  {
    lines: fc.option(fc.array(fc.option(messyText), { maxLength: 4 })),
    postalCode: fc.option(messyText),
    city: fc.option(messyText),
    region: fc.option(messyText),
    country: fc.option(countryInput)
  },
  { requiredKeys: [] }
)

describe("Address", () => {
  it("normalises what providers send: trims, drops blank lines, upper-cases postal codes, reads any country code", () => {
    assert.deepStrictEqual(
      fromParts({
        lines: ["  Storgata   1 ", "", null, "  ", "Leilighet H0203"],
        postalCode: " sw1a  1aa ",
        city: " Tromsø ",
        region: null,
        country: "no"
      }),
      {
        ok: true,
        value: { lines: ["Storgata 1", "Leilighet H0203"], postalCode: "SW1A 1AA", city: "Tromsø", country: "NOR" }
      }
    )
    // OIDC's street_address separates lines with line breaks.
    assert.deepStrictEqual(fromParts({ lines: ["Rua Augusta 12\r\n3º Esq."], country: "PRT" }), {
      ok: true,
      value: { lines: ["Rua Augusta 12", "3º Esq."], country: "PRT" }
    })
    for (const [code, expected] of [
      ["DE", "DEU"],
      ["DEU", "DEU"],
      ["276", "DEU"],
      ["D", "DEU"],
      ["xk", "XKX"]
    ] as const) {
      assert.deepStrictEqual(fromParts({ country: code }), { ok: true, value: { country: expected } }, code)
    }
  })

  it("refuses an unknown country at its path, an empty address and parts too long", () => {
    const unknown = fromParts({ city: "Utopia", country: "UTO" })
    assert.isTrue(!unknown.ok && unknown.message.includes("country code") && unknown.message.includes('["country"]'))
    assert.isFalse(unknown.ok && unknown.value.city === "Utopia")
    const long = fromParts({ city: "Oslo", postalCode: "1".repeat(21) })
    assert.isTrue(!long.ok && long.message.includes('["postalCode"]'), JSON.stringify(long))
    assert.isFalse(fromParts({}).ok)
    assert.isFalse(fromParts({ lines: ["", " "], city: null, postalCode: "  " }).ok)
    assert.isFalse(fromParts({ postalCode: "1".repeat(21) }).ok)
    assert.isFalse(fromParts({ city: "a".repeat(201) }).ok)
    assert.isFalse(fromParts({ lines: Array.from({ length: 9 }, (_, i) => `line ${i}`) }).ok)
    assert.isFalse(Address.hasParts({ lines: [" ", null], city: "", country: null }))
    assert.isTrue(Address.hasParts({ postalCode: " 0155" }))
  })

  it("accepts only the normalised form as an Address (and so in IdentityData)", () => {
    assert.isTrue(normalised({ lines: ["Storgata 1"], postalCode: "0155", city: "Oslo", country: "NOR" }).ok)
    for (const bad of [
      {},
      { lines: [] },
      { lines: [" Storgata 1"] },
      { lines: ["Storgata  1"] },
      { postalCode: "sw1a 1aa" },
      { city: "Ame\u0301lie" },
      { country: "NO" }
    ]) {
      assert.isFalse(normalised(bad).ok, JSON.stringify(bad))
    }
    const identity = decode(IdentityData.IdentityData)
    assert.isTrue(identity({ lastName: "Nordmann", address: { city: "Oslo", country: "NOR" } }).ok)
    assert.isFalse(identity({ address: { city: "Oslo", country: "no" } }).ok)
  })

  it("decoding is idempotent, keeps every letter, and encodes back to parts that decode the same", () => {
    fc.assert(
      fc.property(parts, (input) => {
        const once = fromParts(input)
        if (!Address.hasParts(input)) {
          assert.isFalse(once.ok)
          return
        }
        if (!once.ok) {
          // Only an over-long part is refused: countries here are all valid.
          assert.match(once.message, /at most/)
          return
        }
        const address = once.value
        assert.isTrue(normalised(address).ok, JSON.stringify(address))
        assert.deepStrictEqual(fromParts(address), once)
        assert.deepStrictEqual(fromParts(Schema.encodeSync(Address.FromParts)(address)), once)
        // No letter dropped: the lines hold the non-blank input lines' characters, in order.
        const letters = (text: string) => text.normalize("NFC").replace(/\s/g, "")
        assert.strictEqual(
          (address.lines ?? []).map(letters).join(""),
          (input.lines ?? []).map((line) => letters(line ?? "")).join("")
        )
        if (input.country != null) {
          assert.strictEqual(address.country, Schema.decodeUnknownSync(Country.FromCode)(input.country))
        }
      }),
      { numRuns: 500 }
    )
  })
})
