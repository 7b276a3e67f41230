/**
 * Telling clients that a process ended, until they acknowledge it.
 *
 * When a process reaches its final status, the process service queues (in the same transaction):
 *
 * - the **legacy Assure callback** when the process has a `notificationUrl`: `POST {dossierId, processId, status}`
 *   with the process's `authorizationHeader` sent as `Authorization`;
 * - a **signed event** when the tenant subscribes to events: a `process.complete` envelope (`id`, `timestamp`,
 *   `sender`, `eventName`, `eventData`, `accountId`, `organizationId`, `expiresAt`, `tags`, as Signicat Events), signed
 *   `Assure-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` with each of the tenant's secrets (two during
 *   rotation), verifiable with `@assure/provider`'s `Webhook.verifyTimestamped`.
 *
 * Every delivery carries `Assure-Delivery-Id` (the notification id; the event's `id` too), so clients can drop
 * repeats: delivery is at least once. A 2xx answer within the timeout acknowledges it; anything else is retried with
 * backoff until the notification expires, and then it is `failed` — listed, and redelivered on request.
 *
 * Deliveries go through the {@link NotificationClient} (not the application's `HttpClient`), to URLs the
 * {@link OutboundPolicy} allows — checked again before every attempt, so a URL stored before the policy changed is not
 * sent either. Redirects are not followed: a 3xx is not an acknowledgement. The reason an attempt failed is recorded in
 * words that say nothing about the target's network (`lastError`): "the delivery failed" when no answer came (refused
 * by the policy, name not found, connection refused or reset, TLS, timeout — alike, so that the notification URL cannot
 * be used to probe which hosts exist or listen), and "the endpoint did not acknowledge the notification" for an
 * answer other than 2xx, without its status. The precise reason is logged at debug level for the operator, with the
 * target's origin and path (never its query).
 *
 * @since 0.1.0
 */

import type { Timestamp } from "@assure/core"
import { Webhook } from "@assure/provider"
import { Context, Duration, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { EngineConfig } from "./EngineConfig.js"
import { NotFound } from "./EngineError.js"
import * as EngineMetrics from "./EngineMetrics.js"
import { notificationLease } from "./internal/leases.js"
import { skipLocked } from "./internal/locking.js"
import { bytesOf, type ClaimedNotification, type NotificationRow } from "./internal/rows.js"
import { processContext } from "./internal/sealing.js"
import { later, now } from "./internal/shared.js"
import { Lifecycle } from "./Lifecycle.js"
import { NotificationClient } from "./NotificationClient.js"
import { OutboundPolicy } from "./OutboundPolicy.js"
import { PersonalDataCipher } from "./PersonalDataCipher.js"
import type { TenantId } from "./Tenant.js"

/** What one delivery attempt came to. @since 0.1.0 */
export type Attempt = "delivered" | "retry" | "expired"

/** A notification as the API lists it. @since 0.1.0 */
export interface Notification {
  readonly id: string
  readonly kind: "callback" | "event"
  readonly dossierId: string
  readonly processId: string
  readonly url: string
  readonly status: "pending" | "delivered" | "failed"
  readonly attempts: number
  readonly lastError?: string | undefined
  readonly createdAt: string
  readonly deliveredAt?: string | undefined
}

/** A notification held for one delivery attempt, with the process's sealed `Authorization` value (callbacks). @since 0.2.0 */
export type Claimed = ClaimedNotification

/** The notification operations. @since 0.1.0 */
export class Notifications extends Context.Service<
  Notifications,
  {
    /**
     * Claims up to `limit` pending notifications that are due, for one attempt each: their next attempt moves past
     * the attempt's longest duration, so no other sweep takes them meanwhile.
     */
    readonly claimDue: (limit: number) => Effect.Effect<ReadonlyArray<Claimed>>
    /**
     * Tries to deliver a held notification, and records what came of it (and when to try again) — unless its lease
     * was taken over meanwhile, which then records its own.
     */
    readonly deliver: (claimed: Claimed) => Effect.Effect<Attempt>
    /** When the earliest pending notification is next due, if any. */
    readonly nextDue: Effect.Effect<string | undefined>
    readonly list: (
      tenant: TenantId,
      options?: { readonly status?: Notification["status"] | undefined }
    ) => Effect.Effect<ReadonlyArray<Notification>>
    /** Queues a failed notification again, with a new expiry. */
    readonly redeliver: (tenant: TenantId, notificationId: string) => Effect.Effect<Notification, NotFound>
  }
>()("@assure/engine/Notifications") {}

const toNotification = (row: NotificationRow): Notification => ({
  id: row.id,
  kind: row.kind as Notification["kind"],
  dossierId: row.dossier_id,
  processId: row.process_id,
  url: row.url,
  status: row.status as Notification["status"],
  attempts: Number(row.attempts),
  ...(row.last_error === null ? {} : { lastError: row.last_error }),
  createdAt: row.created_at,
  ...(row.delivered_at === null ? {} : { deliveredAt: row.delivered_at })
})

/** What `lastError` says when no answer came back, whatever the reason. @since 0.1.0 */
export const deliveryFailed = "the delivery failed"

/** What `lastError` says when the endpoint answered anything but a 2xx. @since 0.1.0 */
export const notAcknowledged = "the endpoint did not acknowledge the notification"

/** Where a delivery went, for the operator's log: origin and path, never the query (nor credentials). */
const targetOf = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return "an invalid URL"
  }
}

/** The messages along an error's chain of causes (an HTTP client's error wraps the socket's or the guard's). */
const causeOf = (error: unknown): string => {
  const messages: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { message, code } = current as { message?: unknown; code?: unknown }
    if (typeof message === "string" && message.length > 0 && !messages.includes(message)) {
      messages.push(typeof code === "string" ? `${message} (${code})` : message)
    }
    current = (current as { cause?: unknown }).cause
  }
  return messages.join(": ")
}

/** How an attempt went: nothing to say when acknowledged; else the phrase for the client and the operator's detail. */
interface Outcome {
  readonly problem?: string
  readonly detail?: string
}

/** Why a transport failure happened, without the request's URL (an HttpClientError's message names it, query too). */
const transportReason = (error: object): string => {
  const reason = (error as { reason?: { _tag?: string; description?: string; cause?: unknown } }).reason
  if (reason === undefined) return causeOf(error)
  return [reason._tag, reason.description, causeOf(reason.cause)]
    .filter((part) => typeof part === "string" && part.length > 0)
    .join(": ")
}

/**
 * The notification operations over effect/sql, delivering through the {@link NotificationClient} to URLs the
 * {@link OutboundPolicy} allows.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  Notifications,
  never,
  SqlClient.SqlClient | PersonalDataCipher | NotificationClient | OutboundPolicy | Lifecycle
> = Layer.effect(
  Notifications,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const cipher = yield* PersonalDataCipher
    const client = HttpClient.withScope(yield* NotificationClient)
    const policy = yield* OutboundPolicy
    const settings = yield* EngineConfig
    const lifecycle = yield* Lifecycle
    const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

    const backoff = (attempts: number) =>
      Duration.millis(
        Math.min(
          millis(settings.notifications.retryMax),
          millis(settings.notifications.retryInitial) * 2 ** Math.max(0, attempts - 1)
        )
      )

    const requestFor = ({ row, authorization }: Claimed) =>
      Effect.gen(function* () {
        const base = HttpClientRequest.post(row.url).pipe(
          HttpClientRequest.setHeader("assure-delivery-id", row.id),
          HttpClientRequest.setHeader("content-type", "application/json"),
          HttpClientRequest.bodyText(row.payload, "application/json")
        )
        if (row.kind === "event") {
          const subscription = settings.eventSubscriptions[row.tenant_id]
          const header = yield* Webhook.signTimestamped({ secrets: subscription?.secrets ?? [], payload: row.payload })
          return HttpClientRequest.setHeader(base, "assure-signature", header)
        }
        const sealed = bytesOf(authorization)
        if (sealed === null) return base
        const value = new TextDecoder().decode(
          yield* cipher.open(sealed, processContext(row.process_id, "authorization_header"))
        )
        return HttpClientRequest.setHeader(base, "authorization", value)
      })

    const leaseFrom = (timestamp: Timestamp.Timestamp) => notificationLease(settings, timestamp)

    // One statement claims the rows and reads the process's sealed Authorization value with them.
    const claimedColumns = sql`*, (SELECT authorization_header FROM assure_processes p WHERE p.id = process_id) AS authorization`
    const toClaimed = (row: NotificationRow & { readonly authorization: Uint8Array | null }): Claimed => {
      const { authorization, ...notification } = row
      return { row: notification, authorization }
    }

    /**
     * Sends one delivery; the response's body is not read (the scope aborts it). The precise reason for a failure is
     * for the operator's log only: the client reads one of two phrases.
     */
    const send = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.scoped(
        client.execute(request).pipe(
          Effect.timeout(settings.notifications.requestTimeout),
          Effect.map(
            (response): Outcome =>
              response.status >= 200 && response.status < 300
                ? {}
                : { problem: notAcknowledged, detail: `the endpoint answered ${response.status}` }
          ),
          Effect.catch((error) =>
            Effect.succeed<Outcome>({
              problem: deliveryFailed,
              detail: error._tag === "TimeoutError" ? "no answer within the request timeout" : transportReason(error)
            })
          )
        )
      )

    const deliver = Effect.fn("Notifications.deliver")(
      function* (claimed: Claimed) {
        const row = claimed.row
        const timestamp = yield* now
        // Recorded only while the lease is still this attempt's: a claimant that took over records its own.
        const held = sql`id = ${row.id} AND status = 'pending' AND next_attempt_at = ${row.next_attempt_at}`
        if (timestamp >= row.expires_at) {
          yield* sql`UPDATE assure_notifications SET status = 'failed' WHERE ${held}`
          return "expired" as const
        }
        const refusal = policy.checkUrl(row.url)
        const outcome =
          refusal === undefined
            ? yield* send(yield* requestFor(claimed))
            : { problem: deliveryFailed, detail: `the outbound policy refuses the URL: it ${refusal}` }
        const problem = outcome.problem
        if (problem !== undefined) {
          yield* Effect.logDebug("a notification was not delivered").pipe(
            Effect.annotateLogs({
              notificationId: row.id,
              processId: row.process_id,
              target: targetOf(row.url),
              reason: outcome.detail ?? problem
            })
          )
        }
        const attempts = Number(row.attempts) + 1
        const after = yield* now
        if (problem === undefined) {
          yield* sql`UPDATE assure_notifications SET status = 'delivered', attempts = ${attempts}, delivered_at = ${after},
                     last_error = NULL WHERE ${held}`
          return "delivered" as const
        }
        const next = later(after, backoff(attempts))
        yield* sql`UPDATE assure_notifications SET attempts = ${attempts}, last_error = ${problem}, next_attempt_at = ${next}
                 WHERE ${held}`
        return "retry" as const
      },
      Effect.tap(EngineMetrics.recordNotificationAttempt),
      Effect.orDie
    )

    return Notifications.of({
      claimDue: (limit) =>
        Effect.gen(function* () {
          const timestamp = yield* now
          const rows = yield* sql<NotificationRow & { readonly authorization: Uint8Array | null }>`
            UPDATE assure_notifications SET next_attempt_at = ${leaseFrom(timestamp)}
            WHERE id IN (
              SELECT id FROM assure_notifications WHERE status = 'pending' AND next_attempt_at <= ${timestamp}
              ORDER BY next_attempt_at LIMIT ${limit} ${skipLocked(sql)})
            AND status = 'pending' AND next_attempt_at <= ${timestamp}
            RETURNING ${claimedColumns}`
          return rows.map(toClaimed)
        }).pipe(Effect.orDie),
      deliver,
      nextDue: sql<{ due: string | null }>`
        SELECT min(next_attempt_at) AS due FROM assure_notifications WHERE status = 'pending'`.pipe(
        Effect.map((rows) => rows[0]?.due ?? undefined),
        Effect.orDie
      ),
      list: (tenant, options = {}) =>
        sql<NotificationRow>`
            SELECT * FROM assure_notifications WHERE tenant_id = ${tenant}
            ${options.status === undefined ? sql`` : sql`AND status = ${options.status}`}
            ORDER BY created_at, id`.pipe(
          Effect.map((rows) => rows.map(toNotification)),
          Effect.orDie
        ),
      redeliver: Effect.fn("Notifications.redeliver")(function* (tenant: TenantId, notificationId: string) {
        const timestamp = yield* now
        const expires = later(timestamp, settings.notifications.expireAfter)
        const rows = yield* sql<NotificationRow>`
            UPDATE assure_notifications
            SET status = 'pending', round = round + 1, attempts = 0, last_error = NULL, expires_at = ${expires},
                next_attempt_at = ${timestamp}
            WHERE id = ${notificationId} AND tenant_id = ${tenant} AND status = 'failed'
            RETURNING *`.pipe(Effect.orDie)
        const row = rows[0]
        if (row === undefined) {
          const existing = yield* sql<NotificationRow>`
              SELECT * FROM assure_notifications WHERE id = ${notificationId} AND tenant_id = ${tenant}`.pipe(
            Effect.orDie
          )
          return existing[0] === undefined
            ? yield* new NotFound({ resource: "process", id: notificationId })
            : toNotification(existing[0])
        }
        yield* lifecycle.wake(timestamp)
        return toNotification(row)
      })
    })
  })
)
