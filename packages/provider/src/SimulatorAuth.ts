/**
 * Credential checks for vendor simulators: a {@link Check} looks at a request and says whether its credential is
 * missing, wrong or right; {@link refuse} turns it into a `Simulator.Guard` that answers a missing or wrong credential
 * with the vendor's own refusal. Secrets are compared in constant time.
 *
 * @example
 * ```ts
 * import { Webhook } from "@assure/provider"
 * import { SimulatorAuth } from "@assure/provider/testing"
 * import { Effect, Redacted } from "effect"
 *
 * const apiKey = Redacted.make("00000000-0000-4000-8000-000000000000")
 * const secret = Redacted.make("shared-secret")
 *
 * // Onfido: `Authorization: Token token=<api token>`, one refusal for a missing or wrong token
 * const onfido = SimulatorAuth.refuse(SimulatorAuth.apiKey("authorization", apiKey, { prefix: "Token token=" }), {
 *   status: 401,
 *   body: { error: { type: "authorization_error" } }
 * })
 *
 * // Veriff: `X-AUTH-CLIENT`, then `X-HMAC-SIGNATURE` over the body, each refused in Veriff's words
 * const veriff = SimulatorAuth.every(
 *   SimulatorAuth.refuse(SimulatorAuth.apiKey("x-auth-client", apiKey), (verdict) => ({
 *     status: 401,
 *     body: { status: "fail", code: verdict === "missing" ? "1801" : "1803" }
 *   })),
 *   SimulatorAuth.refuse(
 *     SimulatorAuth.signed({
 *       header: "x-hmac-signature",
 *       verify: (request, signature) =>
 *         Effect.map(Webhook.sign({ algorithm: "SHA-256", encoding: "hex", secret, payload: request.text }), (expected) =>
 *           SimulatorAuth.sameSecret(signature.toLowerCase(), expected)
 *         )
 *     }),
 *     { status: 401, body: { status: "fail", code: "1819" } }
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Redacted } from "effect"
import { Mac } from "effect/crypto"
import type * as Simulator from "./Simulator.js"

/** What a check found: no credential, a wrong one, or (`undefined`) the right one. @since 0.1.0 */
export type Verdict = "missing" | "wrong" | undefined

/** Looks at a request's credential. @since 0.1.0 */
export type Check = (request: Simulator.Request) => Effect.Effect<Verdict>

const encoder = new TextEncoder()

/** Whether `given` is `expected`, in time that does not depend on where they differ. @since 0.1.0 */
export const sameSecret = (given: string, expected: string): boolean => {
  const a = encoder.encode(given)
  const b = encoder.encode(expected)
  return a.length === b.length && Mac.timingSafeEqual(a, b)
}

/**
 * The header `name` must be `prefix` followed by `key` (`X-Api-Key: <key>`, `Authorization: Token token=<key>`).
 *
 * @since 0.1.0
 */
export const apiKey =
  (name: string, key: Redacted.Redacted<string>, options: { readonly prefix?: string | undefined } = {}): Check =>
  (request) => {
    const given = request.headers[name.toLowerCase()]
    if (given === undefined || given === "") return Effect.succeed("missing")
    return Effect.succeed(sameSecret(given, `${options.prefix ?? ""}${Redacted.value(key)}`) ? undefined : "wrong")
  }

/** `Authorization: Bearer <token>`. @since 0.1.0 */
export const bearer = (token: Redacted.Redacted<string>): Check => apiKey("authorization", token, { prefix: "Bearer " })

/** `Authorization: Basic <base64 of user:password>`. @since 0.1.0 */
export const basic = (username: string, password: Redacted.Redacted<string>): Check =>
  apiKey("authorization", Redacted.make(btoa(`${username}:${Redacted.value(password)}`)), { prefix: "Basic " })

/**
 * A signed request: the signature in header `name` checked by `verify` (the vendor's scheme: an HMAC over the body,
 * over the path, with a timestamp …). `optional`: a request without the header passes, as some vendors allow.
 *
 * @since 0.1.0
 */
export const signed =
  (options: {
    readonly header: string
    readonly verify: (request: Simulator.Request, signature: string) => Effect.Effect<boolean>
    readonly optional?: boolean | undefined
  }): Check =>
  (request) => {
    const signature = request.headers[options.header.toLowerCase()]
    if (signature === undefined || signature === "") {
      return Effect.succeed(options.optional === true ? undefined : "missing")
    }
    return Effect.map(options.verify(request, signature), (valid): Verdict => (valid ? undefined : "wrong"))
  }

/**
 * A guard from a check: a missing or wrong credential is refused with `refusal` (one answer for both, or one chosen
 * by the verdict and the request).
 *
 * @since 0.1.0
 */
export const refuse =
  (
    check: Check,
    refusal: Simulator.Answer | ((verdict: "missing" | "wrong", request: Simulator.Request) => Simulator.Answer)
  ): Simulator.Guard =>
  (request) =>
    Effect.flatMap(check(request), (verdict) =>
      verdict === undefined
        ? Effect.void
        : Effect.fail(typeof refusal === "function" ? refusal(verdict, request) : refusal)
    )

/** Every guard in turn; the first refusal wins. @since 0.1.0 */
export const every =
  (...guards: ReadonlyArray<Simulator.Guard>): Simulator.Guard =>
  (request) =>
    Effect.forEach(guards, (guard) => guard(request), { discard: true })
