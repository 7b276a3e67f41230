import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { PersonalDataCipher } from "../src/index.js"

const key = () => Redacted.make(PersonalDataCipher.generateKey())

describe("PersonalDataCipher", () => {
  it.effect("opens what it sealed, only in the same context, and never shows the plaintext", () =>
    Effect.gen(function* () {
      const cipher = yield* PersonalDataCipher.make({ activeKeyId: "a", keys: { a: key() } })
      const sealed = yield* cipher.sealJson({ lastName: "Nordmann" }, "dossier:1:userData")
      assert.notInclude(new TextDecoder("latin1").decode(sealed), "Nordmann")
      assert.deepStrictEqual(yield* cipher.openJson(sealed, "dossier:1:userData"), { lastName: "Nordmann" })
      // Copied into another row, it does not open.
      const moved = yield* Effect.flip(cipher.openJson(sealed, "dossier:2:userData"))
      assert.strictEqual(moved.problem, "the ciphertext does not authenticate")
      const tampered = new Uint8Array(sealed)
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1
      assert.strictEqual((yield* Effect.flip(cipher.open(tampered, "dossier:1:userData")))._tag, "DecryptionFailed")
      // Same plaintext, different ciphertext: a fresh IV each time.
      const again = yield* cipher.sealJson({ lastName: "Nordmann" }, "dossier:1:userData")
      assert.notDeepEqual(again, sealed)
    })
  )

  it.effect("rotates keys: new data is sealed with the active key, old data still opens with its own", () =>
    Effect.gen(function* () {
      const old = key()
      const before = yield* PersonalDataCipher.make({ activeKeyId: "2026-01", keys: { "2026-01": old } })
      const sealedBefore = yield* before.seal(new Uint8Array([1, 2, 3]), "file:1")
      const after = yield* PersonalDataCipher.make({
        activeKeyId: "2026-11",
        keys: { "2026-01": old, "2026-11": key() }
      })
      assert.deepStrictEqual(yield* after.open(sealedBefore, "file:1"), new Uint8Array([1, 2, 3]))
      const sealedAfter = yield* after.seal(new Uint8Array([4]), "file:2")
      assert.include(new TextDecoder().decode(sealedAfter.subarray(2, 9)), "2026-11")
      // Once the old key is removed, its data no longer opens — and says why.
      const retired = yield* PersonalDataCipher.make({ activeKeyId: "2026-11", keys: { "2026-11": key() } })
      assert.strictEqual(
        (yield* Effect.flip(retired.open(sealedBefore, "file:1"))).problem,
        'no key "2026-01" is configured'
      )
    })
  )

  it.effect("refuses keys that are not 32 bytes and an active key that is missing", () =>
    Effect.gen(function* () {
      const short = yield* Effect.flip(
        PersonalDataCipher.make({ activeKeyId: "a", keys: { a: Redacted.make("c2hvcnQ=") } })
      )
      assert.include(short.problem, "32 bytes")
      const missing = yield* Effect.flip(PersonalDataCipher.make({ activeKeyId: "b", keys: { a: key() } }))
      assert.include(missing.problem, "active key")
    })
  )
})
