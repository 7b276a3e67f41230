/**
 * A bounded memory of bearer tokens already verified, so a client that sends the same token on every request pays
 * for one signature check per token rather than one per request (an ES256 verification is most of an authenticated
 * GET's cost).
 *
 * Only the exact token string that passed verification is remembered, with the client it names and the instant it
 * expires: a token that differs in any byte is verified in full, and a remembered token stops being accepted at its
 * `exp`, exactly as a fresh verification would refuse it. The oldest entries are dropped once `capacity` is reached.
 */

/** A token that passed verification: the client it acts for, and when it stops being valid (epoch milliseconds). */
export interface Verified {
  readonly clientId: string
  readonly expiresAt: number
}

/** Remembered tokens, oldest first. */
export interface VerifiedTokens {
  /** The client of a remembered token that is still valid at `now`; forgets it once expired. */
  readonly lookup: (token: string, now: number) => string | undefined
  readonly remember: (token: string, verified: Verified) => void
  readonly size: () => number
}

/** A memory of at most `capacity` tokens. */
export const make = (capacity: number): VerifiedTokens => {
  // A Map iterates in insertion order, so its first key is the oldest entry.
  const entries = new Map<string, Verified>()
  return {
    lookup: (token, now) => {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      if (now >= entry.expiresAt) {
        entries.delete(token)
        return undefined
      }
      return entry.clientId
    },
    remember: (token, verified) => {
      if (capacity <= 0) return
      entries.delete(token)
      if (entries.size >= capacity) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
      entries.set(token, verified)
    },
    size: () => entries.size
  }
}
