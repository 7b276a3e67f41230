/**
 * Webhook signatures, for every adapter and for our own outgoing events: HMAC-SHA256/SHA512 over the raw body (hex
 * or base64, as Onfido, Veriff and Sumsub sign), and the timestamped `t=<unix>,v1=<hex>` scheme (Stripe, Persona)
 * with a tolerance against replays. Several secrets may be valid at once, for rotation.
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

/** The hash of an HMAC. @since 0.1.0 */
export type Algorithm = "SHA-256" | "SHA-512"

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
 * Signs a payload in the timestamped scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">`, one `v1` per
 * secret (several during rotation). The timestamp defaults to now, from the `Clock`.
 *
 * @since 0.1.0
 */
export const signTimestamped = (options: {
  readonly secrets: ReadonlyArray<Secret>
  readonly payload: Uint8Array | string
  readonly timestamp?: number | undefined
}): Effect.Effect<string> =>
  Effect.gen(function* () {
    const timestamp = options.timestamp ?? Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const signed = concat(`${timestamp}.`, options.payload)
    const signatures = yield* Effect.forEach(options.secrets, (secret) =>
      sign({ algorithm: "SHA-256", encoding: "hex", secret, payload: signed })
    )
    return [`t=${timestamp}`, ...signatures.map((signature) => `v1=${signature}`)].join(",")
  })

/**
 * Verifies a timestamped signature header (`Stripe-Signature`, `Persona-Signature`, our own events): the timestamp
 * must be within `tolerance` of now (default 5 minutes), and one `v1` signature must match one secret. Returns the
 * signed timestamp in unix seconds.
 *
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
    let timestamp: number | undefined
    const signatures: Array<Uint8Array> = []
    for (const part of options.header.split(",")) {
      const separator = part.indexOf("=")
      const key = part.slice(0, separator).trim()
      const value = part.slice(separator + 1).trim()
      if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value)
      if (key === "v1") {
        const signature = decode(value, "hex")
        if (signature !== undefined) signatures.push(signature)
      }
    }
    if (timestamp === undefined) return yield* invalid(options.provider, "the signature header has no timestamp")
    if (signatures.length === 0) return yield* invalid(options.provider, "the signature header has no v1 signature")
    const now = (yield* Clock.currentTimeMillis) / 1000
    const tolerance = Duration.toSeconds(Duration.fromInputUnsafe(options.tolerance ?? Duration.minutes(5)))
    if (Math.abs(now - timestamp) > tolerance) {
      return yield* invalid(options.provider, "the signature timestamp is outside the tolerance")
    }
    const matched = yield* matchesAny("SHA-256", options.secrets, concat(`${timestamp}.`, options.payload), signatures)
    if (!matched) return yield* invalid(options.provider, "no signature matches")
    return timestamp
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
