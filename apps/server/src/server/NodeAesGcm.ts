/**
 * AES-256-GCM on `node:crypto`'s synchronous cipher, for the engine's `PersonalDataCipher`. The engine defaults to
 * WebCrypto, which Node runs as a job on its thread pool for every value: for the small values a request seals and
 * opens (a dossier's identity data, a result), that costs several times the CPU of ciphering in place (BENCHMARKS.md,
 * "What one request costs"). The bytes are the same either way: the ciphertext, then the 16-byte tag.
 */
import { createCipheriv, createDecipheriv, createSecretKey } from "node:crypto"
import type { PersonalDataCipher } from "@assure/engine"
import { Effect } from "effect"

const tagLength = 16

/** The implementation to pass to `PersonalDataCipher.layer`. */
export const aesGcm: PersonalDataCipher.AesGcm = (raw) =>
  Effect.sync(() => {
    const key = createSecretKey(raw)
    return {
      encrypt: (iv, additionalData, plaintext) =>
        Effect.sync(() => {
          const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: tagLength })
          cipher.setAAD(additionalData)
          const parts = [cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]
          const sealed = new Uint8Array(parts.reduce((length, part) => length + part.length, 0))
          let offset = 0
          for (const part of parts) {
            sealed.set(part, offset)
            offset += part.length
          }
          return sealed
        }),
      decrypt: (iv, additionalData, sealed) =>
        Effect.sync(() => {
          if (sealed.length < tagLength) return undefined
          try {
            const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: tagLength })
            decipher.setAAD(additionalData)
            decipher.setAuthTag(sealed.subarray(sealed.length - tagLength))
            const head = decipher.update(sealed.subarray(0, sealed.length - tagLength))
            const tail = decipher.final()
            const plaintext = new Uint8Array(head.length + tail.length)
            plaintext.set(head)
            plaintext.set(tail, head.length)
            return plaintext
          } catch {
            // The tag does not match: altered bytes, another key, or another context.
            return undefined
          }
        })
    }
  })
