/**
 * The server seals personal data with node:crypto's AES-GCM, the engine's default is WebCrypto's: both must write the
 * same bytes, so that data stored by either opens with the other (a server upgraded from a release that sealed through
 * WebCrypto keeps reading what it stored), and both must refuse what does not authenticate.
 */
import { PersonalDataCipher } from "@assure/engine"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as fc from "fast-check"
import { aesGcm } from "../src/server/NodeAesGcm.js"

const keys: PersonalDataCipher.Keys = {
  activeKeyId: "2026-12",
  keys: { "2026-12": Redacted.make(PersonalDataCipher.generateKey()) }
}

const ciphers = Effect.all({
  node: PersonalDataCipher.make(keys, aesGcm),
  webCrypto: PersonalDataCipher.make(keys)
})

describe("NodeAesGcm", () => {
  it.effect("writes what WebCrypto writes: each opens what the other sealed, for any bytes and context", () =>
    Effect.gen(function* () {
      const { node, webCrypto } = yield* ciphers
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.string({ maxLength: 80 }), (plaintext, context) =>
            Effect.runPromise(
              Effect.gen(function* () {
                const byNode = yield* node.seal(plaintext, context)
                const byWebCrypto = yield* webCrypto.seal(plaintext, context)
                // Layout: version, key id, 12-byte IV, ciphertext as long as the plaintext, 16-byte tag.
                assert.strictEqual(byNode.length, byWebCrypto.length)
                assert.strictEqual(byNode.length, 2 + "2026-12".length + 12 + plaintext.length + 16)
                assert.deepStrictEqual(yield* webCrypto.open(byNode, context), plaintext)
                assert.deepStrictEqual(yield* node.open(byWebCrypto, context), plaintext)
              })
            )
          ),
          { numRuns: 200 }
        )
      )
    })
  )

  it.effect("refuses altered bytes, another context and a ciphertext too short to hold its tag", () =>
    Effect.gen(function* () {
      const { node } = yield* ciphers
      const sealed = yield* node.sealJson({ lastName: "Nordmann" }, "dossier:1:userData")
      assert.deepStrictEqual(yield* node.openJson(sealed, "dossier:1:userData"), { lastName: "Nordmann" })
      const refusal = (bytes: Uint8Array, context: string) =>
        Effect.map(Effect.flip(node.open(bytes, context)), (failure) => failure.problem)
      assert.strictEqual(yield* refusal(sealed, "dossier:2:userData"), "the ciphertext does not authenticate")
      for (const index of [2 + 7, 2 + 7 + 12, sealed.length - 1]) {
        const altered = new Uint8Array(sealed)
        altered[index] = (altered[index] ?? 0) ^ 1
        assert.strictEqual(yield* refusal(altered, "dossier:1:userData"), "the ciphertext does not authenticate")
      }
      assert.strictEqual(
        yield* refusal(sealed.subarray(0, 2 + 7 + 12 + 15), "dossier:1:userData"),
        "the ciphertext does not authenticate"
      )
    })
  )
})
