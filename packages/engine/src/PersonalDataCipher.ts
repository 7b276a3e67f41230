/**
 * Encryption at rest for personal data: AES-256-GCM, with the key id stored in each ciphertext so keys can rotate —
 * new data is sealed with the active key, old data opens with whichever key sealed it.
 *
 * The AES-GCM itself is WebCrypto's by default, which every runtime has. A runtime with a faster one passes it as an
 * {@link AesGcm}: in Node, WebCrypto runs each operation as a job on the thread pool, which costs several times the
 * CPU of `node:crypto`'s synchronous cipher for values as small as a dossier's (the server passes that one; see its
 * `NodeAesGcm.ts` and BENCHMARKS.md). Any implementation writes the same bytes, so data sealed by one opens with all.
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

/**
 * AES-256-GCM under one key, as the cipher uses it: `encrypt` answers the ciphertext followed by the 16-byte tag, and
 * `decrypt` takes that back, answering `undefined` when it does not authenticate.
 *
 * @since 0.2.0
 */
export interface AesGcmKey {
  readonly encrypt: (iv: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array) => Effect.Effect<Uint8Array>
  readonly decrypt: (
    iv: Uint8Array,
    additionalData: Uint8Array,
    sealed: Uint8Array
  ) => Effect.Effect<Uint8Array | undefined>
}

/** An AES-256-GCM implementation: a key from its 32 raw bytes. @since 0.2.0 */
export type AesGcm = (raw: Uint8Array) => Effect.Effect<AesGcmKey>

/** AES-256-GCM through WebCrypto, which every runtime has: the default. @since 0.2.0 */
export const webCryptoAesGcm: AesGcm = (raw) =>
  Effect.map(
    Effect.promise(() =>
      globalThis.crypto.subtle.importKey("raw", new Uint8Array(raw), { name: "AES-GCM" }, false, ["encrypt", "decrypt"])
    ),
    (key): AesGcmKey => ({
      encrypt: (iv, additionalData, plaintext) =>
        Effect.promise(
          async () =>
            new Uint8Array(
              await globalThis.crypto.subtle.encrypt(
                { name: "AES-GCM", iv: new Uint8Array(iv), additionalData: new Uint8Array(additionalData) },
                key,
                new Uint8Array(plaintext)
              )
            )
        ),
      decrypt: (iv, additionalData, sealed) =>
        Effect.promise(() =>
          globalThis.crypto.subtle
            .decrypt(
              { name: "AES-GCM", iv: new Uint8Array(iv), additionalData: new Uint8Array(additionalData) },
              key,
              new Uint8Array(sealed)
            )
            .then(
              (plaintext) => new Uint8Array(plaintext),
              () => undefined
            )
        )
    })
  )

const importKey = (keyId: string, secret: Redacted.Redacted<string>, aesGcm: AesGcm) =>
  Effect.gen(function* () {
    const decoded = Base64.decode(Redacted.value(secret))
    if (decoded._tag === "Failure" || decoded.success.length !== 32) {
      return yield* new InvalidKeys({ problem: `key "${keyId}" must be 32 bytes, base64-encoded` })
    }
    return yield* aesGcm(new Uint8Array(decoded.success))
  })

/**
 * The cipher for a set of keys, on WebCrypto's AES-GCM unless another implementation is given.
 *
 * @since 0.1.0
 */
export const make = (
  keys: Keys,
  aesGcm: AesGcm = webCryptoAesGcm
): Effect.Effect<PersonalDataCipher["Service"], InvalidKeys> =>
  Effect.gen(function* () {
    if (keys.keys[keys.activeKeyId] === undefined) {
      return yield* new InvalidKeys({ problem: `the active key "${keys.activeKeyId}" is not among the keys` })
    }
    const imported = new Map<string, AesGcmKey>()
    for (const [keyId, secret] of Object.entries(keys.keys)) {
      if (keyId.length === 0 || encoder.encode(keyId).length > 255) {
        return yield* new InvalidKeys({ problem: "key ids must be 1 to 255 bytes" })
      }
      imported.set(keyId, yield* importKey(keyId, secret, aesGcm))
    }
    const activeId = encoder.encode(keys.activeKeyId)
    const activeKey = imported.get(keys.activeKeyId) as AesGcmKey
    const seal = (plaintext: Uint8Array, context: string) => {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(ivLength))
      return Effect.map(activeKey.encrypt(iv, encoder.encode(context), plaintext), (ciphertext) => {
        const sealed = new Uint8Array(2 + activeId.length + ivLength + ciphertext.length)
        sealed[0] = version
        sealed[1] = activeId.length
        sealed.set(activeId, 2)
        sealed.set(iv, 2 + activeId.length)
        sealed.set(ciphertext, 2 + activeId.length + ivLength)
        return sealed
      })
    }
    const open = (sealed: Uint8Array, context: string) =>
      Effect.suspend(() => {
        const fail = (problem: string) => Effect.fail(new DecryptionFailed({ context, problem }))
        if (sealed.length < 2 || sealed[0] !== version) return fail("unknown ciphertext format")
        const idLength = sealed[1] ?? 0
        const keyId = decoder.decode(sealed.subarray(2, 2 + idLength))
        const key = imported.get(keyId)
        if (key === undefined) return fail(`no key "${keyId}" is configured`)
        const iv = sealed.subarray(2 + idLength, 2 + idLength + ivLength)
        const ciphertext = sealed.subarray(2 + idLength + ivLength)
        return Effect.flatMap(key.decrypt(iv, encoder.encode(context), ciphertext), (plaintext) =>
          plaintext === undefined ? fail("the ciphertext does not authenticate") : Effect.succeed(plaintext)
        )
      })
    return PersonalDataCipher.of({
      seal,
      open,
      sealJson: (value, context) => seal(encoder.encode(JSON.stringify(value)), context),
      openJson: (sealed, context) => Effect.map(open(sealed, context), (bytes) => JSON.parse(decoder.decode(bytes)))
    })
  })

/** The cipher as a layer. @since 0.1.0 */
export const layer = (keys: Keys, aesGcm?: AesGcm): Layer.Layer<PersonalDataCipher, InvalidKeys> =>
  Layer.effect(PersonalDataCipher, make(keys, aesGcm))

/** A new random key, base64-encoded, for configuration. @since 0.1.0 */
export const generateKey = (): string => Base64.encode(globalThis.crypto.getRandomValues(new Uint8Array(32)))
