/**
 * Encryption at rest for personal data: AES-256-GCM through WebCrypto, with the key id stored in each ciphertext so
 * keys can rotate — new data is sealed with the active key, old data opens with whichever key sealed it.
 *
 * Each ciphertext is bound to where it is stored (`context`, such as `dossier:<id>:userData`) as additional
 * authenticated data, so a ciphertext copied into another row or column does not open.
 *
 * Layout: `0x01 | key id length | key id (UTF-8) | 12-byte IV | ciphertext and 16-byte tag`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { Base64 } from "effect/encoding"

/** A ciphertext could not be opened: unknown key, altered bytes, or the wrong context. @since 0.1.0 */
export class DecryptionFailed extends Schema.TaggedError<DecryptionFailed>("@assure/engine/DecryptionFailed")(
  "DecryptionFailed",
  { context: Schema.String, problem: Schema.String }
) {}

/** The encryption keys: base64 of 32 random bytes each, by key id, and the id of the one that seals new data. @since 0.1.0 */
export interface Keys {
  readonly activeKeyId: string
  readonly keys: Readonly<Record<string, Redacted.Redacted<string>>>
}

/** Seals and opens personal data. @since 0.1.0 */
export class PersonalDataCipher extends Context.Service<
  PersonalDataCipher,
  {
    readonly seal: (plaintext: Uint8Array, context: string) => Effect.Effect<Uint8Array>
    readonly open: (sealed: Uint8Array, context: string) => Effect.Effect<Uint8Array, DecryptionFailed>
    readonly sealJson: (value: unknown, context: string) => Effect.Effect<Uint8Array>
    readonly openJson: (sealed: Uint8Array, context: string) => Effect.Effect<unknown, DecryptionFailed>
  }
>()("@assure/engine/PersonalDataCipher") {}

const version = 1
const ivLength = 12
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A key configuration is wrong: unknown active key, or a key that is not 32 bytes of base64. @since 0.1.0 */
export class InvalidKeys extends Schema.TaggedError<InvalidKeys>("@assure/engine/InvalidKeys")("InvalidKeys", {
  problem: Schema.String
}) {}

const importKey = (keyId: string, secret: Redacted.Redacted<string>) =>
  Effect.gen(function* () {
    const decoded = Base64.decode(Redacted.value(secret))
    if (decoded._tag === "Failure" || decoded.success.length !== 32) {
      return yield* new InvalidKeys({ problem: `key "${keyId}" must be 32 bytes, base64-encoded` })
    }
    const bytes = new Uint8Array(decoded.success)
    return yield* Effect.promise(() =>
      globalThis.crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"])
    )
  })

/**
 * The cipher for a set of keys.
 *
 * @since 0.1.0
 */
export const make = (keys: Keys): Effect.Effect<PersonalDataCipher["Service"], InvalidKeys> =>
  Effect.gen(function* () {
    if (keys.keys[keys.activeKeyId] === undefined) {
      return yield* new InvalidKeys({ problem: `the active key "${keys.activeKeyId}" is not among the keys` })
    }
    const imported = new Map<string, CryptoKey>()
    for (const [keyId, secret] of Object.entries(keys.keys)) {
      if (keyId.length === 0 || encoder.encode(keyId).length > 255) {
        return yield* new InvalidKeys({ problem: "key ids must be 1 to 255 bytes" })
      }
      imported.set(keyId, yield* importKey(keyId, secret))
    }
    const activeId = encoder.encode(keys.activeKeyId)
    const activeKey = imported.get(keys.activeKeyId) as CryptoKey

    const seal = (plaintext: Uint8Array, context: string) =>
      Effect.promise(async () => {
        const iv = globalThis.crypto.getRandomValues(new Uint8Array(ivLength))
        const ciphertext = new Uint8Array(
          await globalThis.crypto.subtle.encrypt(
            { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
            activeKey,
            new Uint8Array(plaintext)
          )
        )
        const sealed = new Uint8Array(2 + activeId.length + ivLength + ciphertext.length)
        sealed[0] = version
        sealed[1] = activeId.length
        sealed.set(activeId, 2)
        sealed.set(iv, 2 + activeId.length)
        sealed.set(ciphertext, 2 + activeId.length + ivLength)
        return sealed
      })

    const open = (sealed: Uint8Array, context: string) =>
      Effect.gen(function* () {
        const fail = (problem: string) => Effect.fail(new DecryptionFailed({ context, problem }))
        if (sealed.length < 2 || sealed[0] !== version) return yield* fail("unknown ciphertext format")
        const idLength = sealed[1] ?? 0
        const keyId = decoder.decode(sealed.subarray(2, 2 + idLength))
        const key = imported.get(keyId)
        if (key === undefined) return yield* fail(`no key "${keyId}" is configured`)
        const iv = sealed.slice(2 + idLength, 2 + idLength + ivLength)
        const ciphertext = sealed.slice(2 + idLength + ivLength)
        return yield* Effect.tryPromise({
          try: async () =>
            new Uint8Array(
              await globalThis.crypto.subtle.decrypt(
                { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
                key,
                ciphertext
              )
            ),
          catch: () => new DecryptionFailed({ context, problem: "the ciphertext does not authenticate" })
        })
      })

    return PersonalDataCipher.of({
      seal,
      open,
      sealJson: (value, context) => seal(encoder.encode(JSON.stringify(value)), context),
      openJson: (sealed, context) => Effect.map(open(sealed, context), (bytes) => JSON.parse(decoder.decode(bytes)))
    })
  })

/** The cipher as a layer. @since 0.1.0 */
export const layer = (keys: Keys): Layer.Layer<PersonalDataCipher, InvalidKeys> =>
  Layer.effect(PersonalDataCipher, make(keys))

/** A new random key, base64-encoded, for configuration. @since 0.1.0 */
export const generateKey = (): string => Base64.encode(globalThis.crypto.getRandomValues(new Uint8Array(32)))
