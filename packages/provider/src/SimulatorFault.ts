/**
 * Faults a vendor simulator answers with instead of the real answer, to test how an adapter meets a failing vendor:
 * a canned status (401, 5xx, a 200 whose body breaks the schema), a malformed body, a 429 with a rate-limit header in
 * any of the spellings vendors use, or no answer at all (a timeout). Arm them on a simulator with
 * {@link Simulator.Simulator.arm}, for the next requests or for one route.
 *
 * @example
 * ```ts
 * import { SimulatorFault } from "@assure/provider/testing"
 *
 * // 429 with `X-RateLimit-Reset: <unix seconds, 30 s from now>` and the vendor's error body
 * const throttled = SimulatorFault.rateLimited({
 *   spelling: "xRateLimitResetEpoch",
 *   seconds: 30,
 *   body: { error: { type: "rate_limit" } }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import type * as LoopbackServer from "./LoopbackServer.js"

/**
 * How a 429 says when to come back:
 *
 * | spelling | header |
 * |---|---|
 * | `retryAfterSeconds` | `Retry-After: 30` |
 * | `retryAfterDate` | `Retry-After: Wed, 21 Oct 2026 07:28:30 GMT` (an HTTP date) |
 * | `rateLimitReset` | `RateLimit-Reset: 30` (seconds to wait, IETF draft) |
 * | `xRateLimitResetEpoch` | `X-RateLimit-Reset: 1792567710` (unix seconds of the reset) |
 * | `xRateLimitResetDelta` | `X-RateLimit-Reset: 30` (seconds to wait) |
 *
 * @since 0.1.0
 */
export type RateLimitSpelling =
  | "retryAfterSeconds"
  | "retryAfterDate"
  | "rateLimitReset"
  | "xRateLimitResetEpoch"
  | "xRateLimitResetDelta"

/** Every rate-limit spelling, for tests that go through them all. @since 0.1.0 */
export const rateLimitSpellings: ReadonlyArray<RateLimitSpelling> = [
  "retryAfterSeconds",
  "retryAfterDate",
  "rateLimitReset",
  "xRateLimitResetEpoch",
  "xRateLimitResetDelta"
]

/** A fault: a canned answer, a 429 whose header is computed when it is sent, or no answer. @since 0.1.0 */
export type Fault =
  | { readonly _tag: "Answer"; readonly answer: LoopbackServer.Answer }
  | {
      readonly _tag: "RateLimited"
      readonly spelling: RateLimitSpelling
      readonly seconds: number
      readonly status: number
      readonly body: unknown
    }
  | { readonly _tag: "Timeout" }

/** Answers `answer` as it is (a 401, a 503, a 200 with a body the adapter cannot read). @since 0.1.0 */
export const answer = (answer: LoopbackServer.Answer): Fault => ({ _tag: "Answer", answer })

/** Answers `status` with `body` (a 5xx, say). @since 0.1.0 */
export const status = (status: number, body: unknown = "", headers?: Readonly<Record<string, string>>): Fault =>
  answer({ status, body, headers })

/** Answers `status` (default 200) with `text` as the body: JSON cut short, by default. @since 0.1.0 */
export const malformed = (text = '{"id": "', status = 200): Fault => answer({ status, body: text })

/** Never answers: the connection stays open until the simulator's scope closes. @since 0.1.0 */
export const timeout: Fault = { _tag: "Timeout" }

/**
 * A 429 (or `status`) telling the client to come back in `seconds` (default 2), in `spelling` (default
 * `retryAfterSeconds`), with the vendor's error `body`.
 *
 * @since 0.1.0
 */
export const rateLimited = (
  options: {
    readonly spelling?: RateLimitSpelling | undefined
    readonly seconds?: number | undefined
    readonly status?: number | undefined
    readonly body?: unknown
  } = {}
): Fault => ({
  _tag: "RateLimited",
  spelling: options.spelling ?? "retryAfterSeconds",
  seconds: options.seconds ?? 2,
  status: options.status ?? 429,
  body: options.body ?? ""
})

/** The header of a rate-limit spelling, `seconds` from `nowMillis`. @since 0.1.0 */
export const rateLimitHeader = (
  spelling: RateLimitSpelling,
  seconds: number,
  nowMillis: number
): Readonly<Record<string, string>> => {
  switch (spelling) {
    case "retryAfterSeconds":
      return { "retry-after": String(seconds) }
    case "retryAfterDate":
      return { "retry-after": new Date(nowMillis + seconds * 1000).toUTCString() }
    case "rateLimitReset":
      return { "ratelimit-reset": String(seconds) }
    case "xRateLimitResetEpoch":
      return { "x-ratelimit-reset": String(Math.ceil(nowMillis / 1000) + seconds) }
    case "xRateLimitResetDelta":
      return { "x-ratelimit-reset": String(seconds) }
  }
}

/** The answer a fault gives now (by the `Clock`); `undefined` is no answer. @since 0.1.0 */
export const toAnswer = (fault: Fault): Effect.Effect<LoopbackServer.Answer | undefined> => {
  switch (fault._tag) {
    case "Answer":
      return Effect.succeed(fault.answer)
    case "Timeout":
      return Effect.succeed(undefined)
    case "RateLimited":
      return Effect.map(Clock.currentTimeMillis, (now) => ({
        status: fault.status,
        body: fault.body,
        headers: rateLimitHeader(fault.spelling, fault.seconds, now)
      }))
  }
}

/** The vendor failures of the conformance suite (`ConformanceHarness.VendorFailure`). @since 0.1.0 */
export type VendorFailure =
  | "unauthorized"
  | "rateLimited"
  | "unavailable"
  | "timeout"
  | "malformedJson"
  | "schemaInvalid"

/**
 * The conformance suite's six vendor failures in a vendor's words: its 401 answer, its 429 and 503 bodies (429 with
 * `Retry-After: 2`), JSON cut short, and a 200 whose body breaks its schema.
 *
 * @since 0.1.0
 */
export const vendorFailures = (vendor: {
  readonly unauthorized: LoopbackServer.Answer
  readonly rateLimited: unknown
  readonly unavailable: unknown
  /** Default 200. */
  readonly successStatus?: number | undefined
  readonly malformedJson: string
  readonly schemaInvalid: unknown
}): Readonly<Record<VendorFailure, Fault>> => ({
  unauthorized: answer(vendor.unauthorized),
  rateLimited: rateLimited({ body: vendor.rateLimited }),
  unavailable: status(503, vendor.unavailable),
  timeout,
  malformedJson: malformed(vendor.malformedJson, vendor.successStatus),
  schemaInvalid: status(vendor.successStatus ?? 200, vendor.schemaInvalid)
})
