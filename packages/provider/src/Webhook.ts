/**
 * Webhook signatures, for every adapter and for our own outgoing events: HMAC-SHA256/SHA512 (and the legacy SHA-1)
 * over the raw body (hex or base64, as Onfido, Veriff and Sumsub sign), and the timestamped `t=<unix>,v1=<hex>`
 * scheme (Stripe, Persona) with a tolerance against replays. Several secrets may be valid at once, for rotation, on
 * our side (several configured secrets) and on the vendor's (several signatures in one header).
 *
 * Runtime-agnostic: WebCrypto (`globalThis.crypto.subtle`) and Effect's `Clock`. Comparisons use Effect's
 * constant-time `Mac.timingSafeEqual`, and every candidate secret is checked, so timing reveals neither the signature
 * nor which secret matched.
 *
 * Timestamps bound how old an event may be; they do not stop a replay within the tolerance. The engine deduplicates
 * by event id for that.
 *
 * @since 0.1.0
 */
import { Clock, Config, ConfigProvider, Duration, Effect, Redacted, Result } from "effect"
import { Mac } from "effect/crypto"
import { Base64, Hex } from "effect/encoding"
import * as ProviderError from "./ProviderError.js"

/**
 * The hash of an HMAC. `SHA-1` is legacy: offer it only where a vendor still signs with it (Sumsub lets an
 * integration choose `HMAC_SHA1_HEX`); prefer `SHA-256` whenever the vendor lets you choose.
 *
 * @since 0.1.0
 */
export type Algorithm = "SHA-1" | "SHA-256" | "SHA-512"

/** Every {@link Algorithm}, strongest last. @since 0.1.0 */
export const algorithms: ReadonlyArray<Algorithm> = ["SHA-1", "SHA-256", "SHA-512"]

/** How a signature is written. @since 0.1.0 */
export type Encoding = "hex" | "base64"

/** A webhook secret. @since 0.1.0 */
export type Secret = Redacted.Redacted<string>

const textEncoder = new TextEncoder()

const bytesOf = (payload: Uint8Array | string): Uint8Array<ArrayBuffer> =>
  typeof payload === "string" ? textEncoder.encode(payload) : new Uint8Array(payload)

/** The HMAC of a payload. @since 0.1.0 */
export const hmac = (options: {
  readonly algorithm: Algorithm
  readonly secret: Secret
  readonly payload: Uint8Array | string
}): Effect.Effect<Uint8Array> =>
  Effect.promise(async () => {
    const key = await globalThis.crypto.subtle.importKey(
      "raw",
      textEncoder.encode(Redacted.value(options.secret)),
      { name: "HMAC", hash: options.algorithm },
      false,
      ["sign"]
    )
    return new Uint8Array(await globalThis.crypto.subtle.sign("HMAC", key, bytesOf(options.payload)))
  })

/** Writes bytes as lower-case hex or base64. @since 0.1.0 */
export const encode = (bytes: Uint8Array, encoding: Encoding): string =>
  encoding === "hex" ? Hex.encode(bytes) : Base64.encode(bytes)

const decode = (text: string, encoding: Encoding): Uint8Array | undefined => {
  const result = encoding === "hex" ? Hex.decode(text.toLowerCase()) : Base64.decode(text)
  return Result.isSuccess(result) ? result.success : undefined
}

/** Signs a payload: the HMAC, encoded. @since 0.1.0 */
export const sign = (options: {
  readonly algorithm: Algorithm
  readonly encoding: Encoding
  readonly secret: Secret
  readonly payload: Uint8Array | string
}): Effect.Effect<string> => Effect.map(hmac(options), (mac) => encode(mac, options.encoding))

const invalid = (provider: string, description: string) =>
  ProviderError.make(provider, new ProviderError.WebhookSignatureInvalid(), { description })

/** Whether any of the signatures is the payload's HMAC under any of the secrets; checks them all. */
const matchesAny = (
  algorithm: Algorithm,
  secrets: ReadonlyArray<Secret>,
  payload: Uint8Array | string,
  signatures: ReadonlyArray<Uint8Array>
): Effect.Effect<boolean> =>
  Effect.map(
    Effect.forEach(secrets, (secret) => hmac({ algorithm, secret, payload })),
    (macs) => {
      let matched = false
      for (const mac of macs)
        for (const signature of signatures) matched = Mac.timingSafeEqual(mac, signature) || matched
      return matched
    }
  )

/**
 * Verifies a signature over the raw body, such as Onfido's `X-SHA2-Signature` (hex HMAC-SHA256) or Veriff's
 * `X-HMAC-SIGNATURE`. Fails with `WebhookSignatureInvalid` when the signature is missing, malformed or wrong.
 *
 * @since 0.1.0
 */
export const verify = (options: {
  readonly provider: string
  readonly algorithm: Algorithm
  readonly encoding: Encoding
  readonly secrets: ReadonlyArray<Secret>
  readonly payload: Uint8Array | string
  readonly signature: string | undefined
}): Effect.Effect<void, ProviderError.ProviderError> => {
  if (options.secrets.length === 0) {
    return Effect.fail(
      ProviderError.make(options.provider, new ProviderError.Misconfigured(), {
        description: "no webhook secret is configured"
      })
    )
  }
  if (options.signature === undefined || options.signature.length === 0) {
    return Effect.fail(invalid(options.provider, "the signature header is missing"))
  }
  const signature = decode(options.signature.trim(), options.encoding)
  if (signature === undefined)
    return Effect.fail(invalid(options.provider, `the signature is not valid ${options.encoding}`))
  return Effect.flatMap(matchesAny(options.algorithm, options.secrets, options.payload, [signature]), (matched) =>
    matched ? Effect.void : Effect.fail(invalid(options.provider, "the signature does not match"))
  )
}

const concat = (prefix: string, payload: Uint8Array | string): Uint8Array => {
  const head = textEncoder.encode(prefix)
  const body = bytesOf(payload)
  const joined = new Uint8Array(head.length + body.length)
  joined.set(head)
  joined.set(body, head.length)
  return joined
}

/**
 * How {@link signTimestamped} lays out several signatures: `"oneTimestamp"` (Stripe during a rotation) writes one
 * `t=` and a `v1=` per secret, `t=…,v1=…,v1=…`; `"setPerSecret"` (Persona during a rotation) writes one whole
 * `t=…,v1=…` set per secret, separated by a space.
 *
 * @since 0.1.0
 */
export type TimestampedLayout = "oneTimestamp" | "setPerSecret"

/**
 * Signs a payload in the timestamped scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">`, one signature
 * per secret (several during rotation), laid out as `layout` says (default `"oneTimestamp"`). The timestamp defaults
 * to now, from the `Clock`.
 *
 * @example
 * ```ts
 * import { Webhook } from "@assure/provider"
 * import { Redacted } from "effect"
 *
 * // "t=1700000000,v1=<new>,v1=<old>", as Stripe signs while a secret rolls
 * const header = Webhook.signTimestamped({
 *   secrets: [Redacted.make("whsec_new"), Redacted.make("whsec_old")],
 *   payload: body,
 *   timestamp: 1700000000
 * })
 * ```
 * @since 0.1.0
 */
export const signTimestamped = (options: {
  readonly secrets: ReadonlyArray<Secret>
  readonly payload: Uint8Array | string
  readonly timestamp?: number | undefined
  readonly layout?: TimestampedLayout | undefined
}): Effect.Effect<string> =>
  Effect.gen(function* () {
    const timestamp = options.timestamp ?? Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const signed = concat(`${timestamp}.`, options.payload)
    const signatures = yield* Effect.forEach(options.secrets, (secret) =>
      sign({ algorithm: "SHA-256", encoding: "hex", secret, payload: signed })
    )
    return options.layout === "setPerSecret"
      ? signatures.map((signature) => `t=${timestamp},v1=${signature}`).join(" ")
      : [`t=${timestamp}`, ...signatures.map((signature) => `v1=${signature}`)].join(",")
  })

/** One `t=…,v1=…` set of a timestamped header: its timestamp (`null` when malformed) and its decodable signatures. */
interface SignatureSet {
  timestamp: number | null | undefined
  readonly signatures: Array<Uint8Array>
}

/** At most this many signatures are checked in one header: vendors send two or three; more is an attack on our CPU. */
const maxSignatures = 16

/**
 * Splits a timestamped header into its signature sets. Entries are `key=value`, separated by commas or whitespace; a
 * `t=` opens a new set once the current one has its timestamp, so `t=1,v1=a t=2,v1=b` (Persona) is two sets and
 * `t=1,v1=a,v1=b` (Stripe) one set of two signatures. Unknown keys (`v0=`) and entries without `=` are ignored; a
 * `v1=` that is not hex counts as no signature.
 *
 * @since 0.1.0
 */
export const parseTimestamped = (
  header: string
): ReadonlyArray<{ readonly timestamp: number | undefined; readonly signatures: ReadonlyArray<Uint8Array> }> => {
  const sets: Array<SignatureSet> = []
  let current: SignatureSet | undefined
  for (const entry of header.split(/[\s,]+/)) {
    const separator = entry.indexOf("=")
    if (separator <= 0) continue
    const key = entry.slice(0, separator)
    const value = entry.slice(separator + 1)
    if (key === "t") {
      if (current === undefined || current.timestamp !== undefined) {
        current = { timestamp: undefined, signatures: [] }
        sets.push(current)
      }
      current.timestamp = /^\d{1,12}$/.test(value) ? Number(value) : null
    } else if (key === "v1") {
      if (current === undefined) {
        current = { timestamp: undefined, signatures: [] }
        sets.push(current)
      }
      const signature = decode(value, "hex")
      if (signature !== undefined && signature.length > 0) current.signatures.push(signature)
    }
  }
  return sets.map((set) => ({ timestamp: set.timestamp ?? undefined, signatures: set.signatures }))
}

/**
 * Verifies a timestamped signature header (`Stripe-Signature`, `Persona-Signature`, our own events). The header may
 * carry several signature sets, as vendors send while a secret rotates: Stripe one `t=` with several `v1=`, Persona
 * several `t=…,v1=…` sets separated by a space. It passes when any one set is valid — its timestamp within
 * `tolerance` of now (default 5 minutes) and one of its `v1` signatures the HMAC-SHA256 of `"t.payload"` under one of
 * the secrets — and is refused with `WebhookSignatureInvalid` otherwise. Every fresh set is checked against every
 * secret in constant time on the raw bytes, without stopping at the first match. Returns the signed timestamp in unix
 * seconds (the newest of the sets that match).
 *
 * @example
 * ```ts
 * import { Webhook } from "@assure/provider"
 *
 * const signedAt = Webhook.verifyTimestamped({
 *   provider: "persona",
 *   secrets, // the configured secrets, current first
 *   payload: request.rawBody,
 *   header: request.headers["persona-signature"] // "t=1700000000,v1=… t=1700000000,v1=…"
 * })
 * ```
 * @since 0.1.0
 */
export const verifyTimestamped = (options: {
  readonly provider: string
  readonly secrets: ReadonlyArray<Secret>
  readonly payload: Uint8Array | string
  readonly header: string | undefined
  readonly tolerance?: Duration.Input | undefined
}): Effect.Effect<number, ProviderError.ProviderError> =>
  Effect.gen(function* () {
    if (options.secrets.length === 0) {
      return yield* ProviderError.make(options.provider, new ProviderError.Misconfigured(), {
        description: "no webhook secret is configured"
      })
    }
    if (options.header === undefined) return yield* invalid(options.provider, "the signature header is missing")
    const sets = parseTimestamped(options.header)
    const dated = sets.filter((set) => set.timestamp !== undefined)
    if (dated.length === 0) return yield* invalid(options.provider, "the signature header has no timestamp")
    const signed = dated.filter((set) => set.signatures.length > 0)
    if (signed.length === 0) return yield* invalid(options.provider, "the signature header has no v1 signature")
    if (signed.reduce((count, set) => count + set.signatures.length, 0) > maxSignatures) {
      return yield* invalid(options.provider, `the signature header has more than ${maxSignatures} signatures`)
    }
    const now = (yield* Clock.currentTimeMillis) / 1000
    const tolerance = Duration.toSeconds(Duration.fromInputUnsafe(options.tolerance ?? Duration.minutes(5)))
    const fresh = signed.filter((set) => Math.abs(now - (set.timestamp as number)) <= tolerance)
    if (fresh.length === 0) {
      return yield* invalid(options.provider, "the signature timestamp is outside the tolerance")
    }
    // Sets that share a timestamp share the signed bytes: one HMAC per timestamp and secret.
    const byTimestamp = new Map<number, Array<Uint8Array>>()
    for (const set of fresh) {
      const timestamp = set.timestamp as number
      byTimestamp.set(timestamp, [...(byTimestamp.get(timestamp) ?? []), ...set.signatures])
    }
    let matchedAt: number | undefined
    for (const [timestamp, signatures] of byTimestamp) {
      const matched = yield* matchesAny(
        "SHA-256",
        options.secrets,
        concat(`${timestamp}.`, options.payload),
        signatures
      )
      if (matched && (matchedAt === undefined || timestamp > matchedAt)) matchedAt = timestamp
    }
    if (matchedAt === undefined) return yield* invalid(options.provider, "no signature matches")
    return matchedAt
  })

/**
 * Webhook or signing secrets from the variable `name`: one, or several separated by commas while the vendor rotates
 * them (the first is the current one). A value that holds no secret at all — empty, or only commas — is a
 * configuration error rather than a provider that silently refuses every webhook.
 *
 * @example
 * ```ts
 * import { Webhook } from "@assure/provider"
 *
 * const secrets = Webhook.secretsConfig("STRIPE_WEBHOOK_SECRET") // "whsec_new,whsec_old" → two Redacted secrets
 * ```
 * @since 0.1.0
 */
export const secretsConfig = (
  name: string
): Config.Config<readonly [Redacted.Redacted<string>, ...Array<Redacted.Redacted<string>>]> =>
  Config.Redacted(name).pipe(
    Config.flatMap((joined) => {
      const [first, ...rest] = Redacted.value(joined)
        .split(",")
        .map((secret) => secret.trim())
        .filter((secret) => secret.length > 0)
        .map((secret) => Redacted.make(secret))
      return first === undefined
        ? Config.fail(new ConfigProvider.SourceError({ message: `${name} holds no secret` }))
        : Config.succeed([first, ...rest] as const)
    })
  )
