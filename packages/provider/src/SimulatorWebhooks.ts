/**
 * Outgoing webhooks of a vendor simulator: each event is signed with the vendor's scheme (a {@link Sign} function,
 * usually the adapter's own `<Vendor>Webhook.sign`, or {@link hmacHeader}), POSTed in the background to a URL when
 * there is one, and recorded with what the receiver answered. The signed request is returned too, for tests that
 * hand it to `verifyWebhook` themselves.
 *
 * @example
 * ```ts
 * import { SimulatorWebhooks } from "@assure/provider/testing"
 * import { Effect, Redacted } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const webhooks = yield* SimulatorWebhooks.make({
 *     url: "http://127.0.0.1:8080/webhooks/acme",
 *     sign: SimulatorWebhooks.hmacHeader({
 *       header: "x-signature",
 *       algorithm: "SHA-256",
 *       encoding: "hex",
 *       secret: Redacted.make("whsec")
 *     })
 *   })
 *   const request = yield* webhooks.send({ type: "verification.completed", id: "ver_1" })
 *   const sent = yield* webhooks.deliveries // [{ url, headers, body, outcome: "pending" | "unreachable" | 200 … }]
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Scope } from "effect"
import type * as IdentityProvider from "./IdentityProvider.js"
import * as Webhook from "./Webhook.js"

/** A vendor's signing scheme: the raw body in, the request as the vendor sends it out. @since 0.1.0 */
export type Sign = (body: string) => Effect.Effect<IdentityProvider.WebhookRequest>

/** A webhook the simulator sent, and what became of it. @since 0.1.0 */
export interface Delivery {
  /** Where it went; `undefined`: nowhere (only returned to the caller). */
  readonly url: string | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The receiver's status, `pending` while it has not answered, `unreachable`, or `undelivered` without a URL. */
  readonly outcome: number | "pending" | "unreachable" | "undelivered"
}

/** A simulator's webhook sender. @since 0.1.0 */
export interface Webhooks {
  /**
   * Signs `event` (JSON unless it is a string) and POSTs it to `url` (default: the sender's), in the background;
   * returns the signed request. `sign` replaces the sender's scheme for this event (a back-dated timestamp, say).
   */
  readonly send: (
    event: unknown,
    options?: { readonly url?: string | undefined; readonly sign?: Sign | undefined }
  ) => Effect.Effect<IdentityProvider.WebhookRequest>
  /** Signs `event` as `send` does, without sending or recording it (a redelivery for a test to hand over). */
  readonly sign: (event: unknown) => Effect.Effect<IdentityProvider.WebhookRequest>
  /** Every webhook sent so far, oldest first. */
  readonly deliveries: Effect.Effect<ReadonlyArray<Delivery>>
}

const decoder = new TextDecoder()

type Recorded = { -readonly [K in keyof Delivery]: Delivery[K] }

/**
 * A sender that signs with `sign` and delivers to `url` (without one, webhooks are only returned and recorded).
 * Deliveries run in the scope; a receiver that is down is the test's business.
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly url?: string | undefined
  readonly sign: Sign
}): Effect.Effect<Webhooks, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Scope.Scope
    const deliveries: Array<Recorded> = []
    const bodyOf = (event: unknown) => (typeof event === "string" ? event : JSON.stringify(event))
    return {
      sign: (event) => options.sign(bodyOf(event)),
      send: (event, sending = {}) =>
        Effect.gen(function* () {
          const request = yield* (sending.sign ?? options.sign)(bodyOf(event))
          const url = sending.url ?? options.url
          const delivery: Recorded = {
            url,
            headers: request.headers,
            body: decoder.decode(request.rawBody),
            outcome: url === undefined ? "undelivered" : "pending"
          }
          deliveries.push(delivery)
          if (url !== undefined) {
            yield* Effect.tryPromise(() =>
              fetch(url, { method: "POST", headers: request.headers, body: new Uint8Array(request.rawBody) }).then(
                async (response) => {
                  await response.body?.cancel()
                  return response.status
                }
              )
            ).pipe(
              Effect.match({
                onFailure: () => {
                  delivery.outcome = "unreachable"
                },
                onSuccess: (status) => {
                  delivery.outcome = status
                }
              }),
              Effect.forkIn(scope)
            )
          }
          return request
        }),
      deliveries: Effect.sync(() => deliveries.map((delivery) => ({ ...delivery })))
    }
  })

/**
 * The common scheme: one header holding the HMAC of the raw body (Onfido's `X-SHA2-Signature`, Veriff's
 * `X-HMAC-SIGNATURE`), plus fixed `headers`.
 *
 * @since 0.1.0
 */
export const hmacHeader =
  (options: {
    readonly header: string
    readonly algorithm: Webhook.Algorithm
    readonly encoding: Webhook.Encoding
    readonly secret: Webhook.Secret
    readonly headers?: Readonly<Record<string, string>> | undefined
  }): Sign =>
  (body) =>
    Effect.map(
      Webhook.sign({ algorithm: options.algorithm, encoding: options.encoding, secret: options.secret, payload: body }),
      (signature) => ({
        headers: { "content-type": "application/json", ...options.headers, [options.header.toLowerCase()]: signature },
        rawBody: new TextEncoder().encode(body)
      })
    )
