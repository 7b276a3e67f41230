/**
 * The token endpoint's limits: consulted before a secret is hashed, so that a refused attempt costs no hashing.
 *
 * Three token buckets, each holding its limit and refilling evenly over the window (ServerConfig.ts, `TokenLimits`):
 * failed attempts per client id, failed attempts per source address, and every attempt per source address. An attempt
 * goes ahead only if all three have room, and takes one from each; if it succeeds it gives its two failures back. So
 * a client that knows its secret is never held back by its own attempts (only by the generous limit of its address),
 * while someone guessing runs out quickly, by id and by address, and an attacker flooding one client id from one
 * address leaves every other client and address untouched.
 *
 * A client id that succeeded from an address is remembered with it for a day ({@link provenFor}): its next attempts
 * from there are `proven`, and Tokens.ts hashes them in turn with everyone else's, so that a flood of guesses from
 * many addresses delays a known client by one hash, not by the whole queue.
 *
 * IPv6 addresses count by their /64 network, which one subscriber usually holds whole. In memory, per instance; a
 * bucket that has refilled is forgotten, and at most {@link maxKeys} ids, addresses and proven pairs each are
 * remembered (past that the full buckets go first, then the oldest).
 */
import { Context, Duration, Effect, Layer, Option, Result } from "effect"
import { IpNetwork, NetAddress } from "effect/net"
import { ServerConfig, type TokenLimits } from "./ServerConfig.js"

/** How many client ids, and how many addresses, the limiter remembers at most. */
export const maxKeys = 10_000

/** How long a client id that succeeded from an address stays proven there. */
export const provenFor = Duration.days(1)

/** An attempt may go ahead: report how it ended. */
export interface Admitted {
  readonly _tag: "Admitted"
  /** This client id succeeded from this address within {@link provenFor}. */
  readonly proven: boolean
  /** The secret was right: the attempt gives its failures back. */
  readonly succeeded: () => void
}

/** An attempt is refused unhashed; `retryAfter` is in whole seconds. */
export interface Refused {
  readonly _tag: "Refused"
  readonly retryAfter: number
  /** Which limit refused it: for the problem's detail. */
  readonly limit: "client" | "address"
}

export class TokenLimiter extends Context.Service<
  TokenLimiter,
  {
    /** Asks to check a secret for `clientId` from `address` (a key from {@link addressKey}). */
    readonly admit: (clientId: string, address: string) => Admitted | Refused
  }
>()("@assure/server/TokenLimiter") {}

/**
 * What a request's address counts as: the IPv4 address (an IPv4-mapped IPv6 one too), the /64 network of an IPv6
 * address, or `unknown` when there is none (a Unix socket).
 */
export const addressKey = (remoteAddress: Option.Option<string>): string => {
  if (Option.isNone(remoteAddress)) return "unknown"
  const parsed = NetAddress.ipFromString(remoteAddress.value.replace(/%.*$/, ""))
  if (Result.isFailure(parsed)) return "unknown"
  const address = NetAddress.toCanonical(parsed.success)
  if (NetAddress.isIpv4Address(address)) return NetAddress.formatIp(address)
  const network = IpNetwork.fromAddress(address, 64)
  return Result.isSuccess(network) ? IpNetwork.format(network.success) : "unknown"
}

interface Bucket {
  tokens: number
  updated: number
}

/** Token buckets by key, all with the same capacity and refill rate, remembered only while not full. */
class Buckets {
  private readonly buckets = new Map<string, Bucket>()
  constructor(
    private readonly capacity: number,
    /** Tokens per millisecond. */
    private readonly rate: number
  ) {}

  /** The tokens `key` holds now. */
  level(key: string, now: number): number {
    const bucket = this.buckets.get(key)
    return bucket === undefined
      ? this.capacity
      : Math.min(this.capacity, bucket.tokens + (now - bucket.updated) * this.rate)
  }

  /** Seconds until `key` holds a whole token. */
  wait(key: string, now: number): number {
    return Math.max(1, Math.ceil((1 - this.level(key, now)) / this.rate / 1000))
  }

  take(key: string, now: number): void {
    const tokens = this.level(key, now) - 1
    const bucket = this.buckets.get(key)
    if (bucket === undefined) {
      this.buckets.set(key, { tokens, updated: now })
      if (this.buckets.size > maxKeys) this.prune(now)
    } else {
      bucket.tokens = tokens
      bucket.updated = now
    }
  }

  give(key: string, now: number): void {
    const bucket = this.buckets.get(key)
    if (bucket === undefined) return
    bucket.tokens = this.level(key, now) + 1
    bucket.updated = now
    if (bucket.tokens >= this.capacity) this.buckets.delete(key)
  }

  /** Forgets full buckets; if still too many, the oldest, down to nine tenths of the limit. */
  private prune(now: number): void {
    for (const key of this.buckets.keys()) {
      if (this.level(key, now) >= this.capacity) this.buckets.delete(key)
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= maxKeys * 0.9) break
      this.buckets.delete(key)
    }
  }
}

/** A limiter with the given limits, on a clock in milliseconds (`performance.now` by default). */
export const make = (limits: TokenLimits, now: () => number = () => performance.now()): TokenLimiter["Service"] => {
  const perMillisecond = (limit: number) => limit / Math.max(1, Duration.toMillis(limits.window))
  const clientFailures = new Buckets(limits.clientFailures, perMillisecond(limits.clientFailures))
  const addressFailures = new Buckets(limits.addressFailures, perMillisecond(limits.addressFailures))
  const addressRequests = new Buckets(limits.addressRequests, perMillisecond(limits.addressRequests))
  // "<client id> <address>" → until when the pair is proven; oldest first.
  const proven = new Map<string, number>()
  const provenMillis = Duration.toMillis(provenFor)
  const isProven = (pair: string, time: number) => {
    const until = proven.get(pair)
    if (until === undefined) return false
    if (until > time) return true
    proven.delete(pair)
    return false
  }
  const prove = (pair: string, time: number) => {
    proven.delete(pair)
    proven.set(pair, time + provenMillis)
    for (const oldest of proven.keys()) {
      if (proven.size <= maxKeys) break
      proven.delete(oldest)
    }
  }
  return TokenLimiter.of({
    admit: (clientId, address) => {
      const time = now()
      const clientFull = clientFailures.level(clientId, time) < 1
      const addressFull = addressFailures.level(address, time) < 1 || addressRequests.level(address, time) < 1
      if (clientFull || addressFull) {
        const waits = [
          clientFull ? clientFailures.wait(clientId, time) : 0,
          addressFailures.level(address, time) < 1 ? addressFailures.wait(address, time) : 0,
          addressRequests.level(address, time) < 1 ? addressRequests.wait(address, time) : 0
        ]
        return { _tag: "Refused", retryAfter: Math.max(...waits), limit: addressFull ? "address" : "client" }
      }
      clientFailures.take(clientId, time)
      addressFailures.take(address, time)
      addressRequests.take(address, time)
      // A space cannot occur in an address key.
      const pair = `${clientId} ${address}`
      return {
        _tag: "Admitted",
        proven: isProven(pair, time),
        succeeded: () => {
          const later = now()
          clientFailures.give(clientId, later)
          addressFailures.give(address, later)
          prove(pair, later)
        }
      }
    }
  })
}

export const layer = Layer.effect(
  TokenLimiter,
  Effect.gen(function* () {
    return make((yield* ServerConfig).tokenLimits)
  })
)
