/**
 * Client secrets are stored hashed (scrypt, with a random salt) and compared in constant time: the configuration
 * never holds a secret that would let someone call the API.
 */
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto"

const cost = { N: 16384, r: 8, p: 1 }

/** `scrypt$<salt hex>$<hash hex>` for a secret. */
export const hashSecret = (secret: string): string => {
  const salt = randomBytes(16)
  const hash = scryptSync(secret, salt, 32, cost)
  return `scrypt$${salt.toString("hex")}$${hash.toString("hex")}`
}

/** Whether a secret matches a hash made by {@link hashSecret}. */
export const verifySecret = (secret: string, stored: string): boolean => {
  const [scheme, saltHex, hashHex] = stored.split("$")
  if (scheme !== "scrypt" || saltHex === undefined || hashHex === undefined) return false
  const expected = Buffer.from(hashHex, "hex")
  const actual = scryptSync(secret, Buffer.from(saltHex, "hex"), expected.length, cost)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** A new random secret, URL-safe. */
export const newSecret = (): string => randomBytes(24).toString("base64url")
