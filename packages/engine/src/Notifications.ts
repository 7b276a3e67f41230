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
import { Webhook } from "@assure/provider"
import { Context, Duration, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { EngineConfig } from "./EngineConfig.js"
import { NotFound } from "./EngineError.js"
import { bytesOf, type NotificationRow } from "./internal/rows.js"
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

/** The notification operations. @since 0.1.0 */
export class Notifications extends Context.Service<
  Notifications,
  {
    /** Tries to deliver one notification now; says whether to try again later. */
    readonly attempt: (notificationId: string) => Effect.Effect<Attempt>
    /** The delay before the next attempt. */
    readonly backoff: (attempts: number) => Duration.Duration
    /** Notifications waiting to be delivered (of one process, or all), with their redelivery round. */
    readonly pending: (
      processId?: string
    ) => Effect.Effect<ReadonlyArray<{ readonly id: string; readonly round: number; readonly processId: string }>>
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
  SqlClient.SqlClient | PersonalDataCipher | NotificationClient | OutboundPolicy
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

    const requestFor = (row: NotificationRow) =>
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
        const processes = yield* sql<{ authorization_header: Uint8Array | null }>`
            SELECT authorization_header FROM assure_processes WHERE id = ${row.process_id}`
        const sealed = bytesOf(processes[0]?.authorization_header ?? null)
        if (sealed === null) return base
        const authorization = new TextDecoder().decode(
          yield* cipher.open(sealed, `process:${row.process_id}:authorization_header`)
        )
        return HttpClientRequest.setHeader(base, "authorization", authorization)
      })

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

    const attempt = Effect.fn("Notifications.attempt")(function* (notificationId: string) {
      const rows = yield* sql<NotificationRow>`SELECT * FROM assure_notifications WHERE id = ${notificationId}`
      const row = rows[0]
      if (row === undefined || row.status === "delivered") return "delivered" as const
      const timestamp = yield* now
      if (row.status === "failed" || timestamp >= row.expires_at) {
        yield* sql`UPDATE assure_notifications SET status = 'failed' WHERE id = ${row.id} AND status = 'pending'`
        return "expired" as const
      }
      const refusal = policy.checkUrl(row.url)
      const outcome =
        refusal === undefined
          ? yield* send(yield* requestFor(row))
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
                     last_error = NULL WHERE id = ${row.id}`
        return "delivered" as const
      }
      yield* sql`UPDATE assure_notifications SET attempts = ${attempts}, last_error = ${problem} WHERE id = ${row.id}`
      return "retry" as const
    }, Effect.orDie)

    return Notifications.of({
      attempt,
      backoff,
      pending: (processId) =>
        sql<{ id: string; round: number; process_id: string }>`
            SELECT id, round, process_id FROM assure_notifications
            WHERE status = 'pending' ${processId === undefined ? sql`` : sql`AND process_id = ${processId}`}
            ORDER BY created_at`.pipe(
          Effect.map((rows) =>
            rows.map((row) => ({ id: row.id, round: Number(row.round), processId: row.process_id }))
          ),
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
            SET status = 'pending', round = round + 1, attempts = 0, last_error = NULL, expires_at = ${expires}
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
        yield* lifecycle.ended(row.process_id)
        return toNotification(row)
      })
    })
  })
)
