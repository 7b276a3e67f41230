/**
 * The verification lifecycle after the client asked for it: the provider's result arrives as a verified webhook
 * (`receiveWebhook`), as the end-user returning from a redirect (`completeRedirect`), or by asking the provider
 * (`refresh`, and the sweeper's `check`, which also retries failed starts and polls and ends processes at their
 * deadline). All of them end in one place (`applyOutcome`, internal/processKit.ts), which moves a process to its
 * final status with a conditional `UPDATE`: exactly once, and final is final — a late or duplicated event changes
 * nothing.
 *
 * @since 0.2.0
 */
import { type Process, ProcessStatus } from "@assure/core"
import type { IdentityProvider, ProviderError, ProviderRegistry } from "@assure/provider"
import { Context, Effect, Layer, Option } from "effect"
import type { SqlClient } from "effect/sql"
import type { CircuitBreaker } from "./CircuitBreaker.js"
import type { NotFound, ProviderNotConfigured } from "./EngineError.js"
import * as EngineMetrics from "./EngineMetrics.js"
import type { FileStore } from "./FileStore.js"
import { checkLease } from "./internal/leases.js"
import { isForeignKeyViolation, skipLocked } from "./internal/locking.js"
import { makeProcessKit } from "./internal/processKit.js"
import type { ProcessRow } from "./internal/rows.js"
import { now } from "./internal/shared.js"
import type { Lifecycle } from "./Lifecycle.js"
import type { OutboundPolicy } from "./OutboundPolicy.js"
import type { PersonalDataCipher } from "./PersonalDataCipher.js"

/** A redirect flow's end: the process, and where the client wanted the end-user sent. @since 0.1.0 */
export interface RedirectCompletion {
  readonly process: Process.Process
  readonly clientRedirectUrl?: string | undefined
}

/** What became of a webhook. @since 0.1.0 */
export interface WebhookReceipt {
  /** The process it was about, when the engine knows the session. */
  readonly processId?: string | undefined
  /** The event had been received before; nothing was done again. */
  readonly duplicate: boolean
}

/** The lifecycle operations. @since 0.2.0 */
export class Verifications extends Context.Service<
  Verifications,
  {
    readonly receiveWebhook: (
      provider: string,
      request: IdentityProvider.WebhookRequest
    ) => Effect.Effect<WebhookReceipt, NotFound | ProviderNotConfigured | ProviderError.ProviderError>
    readonly completeRedirect: (
      provider: string,
      params: Readonly<Record<string, string>>
    ) => Effect.Effect<RedirectCompletion, NotFound | ProviderNotConfigured | ProviderError.ProviderError>
    /** Asks the provider for the result now (a process that ended already is returned as it is). */
    readonly refresh: (
      processId: string
    ) => Effect.Effect<Process.Process, NotFound | ProviderNotConfigured | ProviderError.ProviderError>
    /**
     * Claims up to `limit` processes whose next check is due (a poll, a start to retry, the deadline) for the
     * sweeper: their next check moves a lease ahead, so a sweeper that dies with them leaves them due again.
     */
    readonly claimDue: (limit: number) => Effect.Effect<ReadonlyArray<ProcessRow>>
    /**
     * The sweeper's work on a claimed process: ends it at its deadline, retries a failed start, or polls its
     * provider, and records when it is due next — with the failed calls in a row and the last error, retried with
     * backoff, jitter and the provider's `retryAfter` (`EngineConfig.providerRetries`).
     */
    readonly check: (row: ProcessRow) => Effect.Effect<void>
    /** When the earliest waiting process is next due, if any. */
    readonly nextDue: Effect.Effect<string | undefined>
  }
>()("@assure/engine/Verifications") {}

/**
 * The lifecycle operations over effect/sql.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<
  Verifications,
  never,
  | SqlClient.SqlClient
  | PersonalDataCipher
  | FileStore
  | ProviderRegistry.ProviderRegistry
  | OutboundPolicy
  | Lifecycle
  | CircuitBreaker
> = Layer.effect(
  Verifications,
  Effect.gen(function* () {
    const { sql, providerOf, notFound, rowById, openJson, toProcess, applyOutcome, outcomeFromProvider, check } =
      yield* makeProcessKit
    return Verifications.of({
      receiveWebhook: Effect.fn("Verifications.receiveWebhook")(function* (providerName, request) {
        const provider = yield* providerOf(providerName)
        const event = yield* provider.verifyWebhook(request)
        const rows = yield* sql<ProcessRow>`
          SELECT * FROM assure_processes WHERE provider = ${provider.name} AND provider_reference = ${event.reference}`.pipe(
          Effect.orDie
        )
        const row = rows[0]
        const timestamp = yield* now
        const fresh = yield* sql<{ event_id: string }>`
          INSERT INTO assure_provider_events ${sql.insert({
            provider: provider.name,
            event_id: event.id,
            process_id: row?.id ?? null,
            received_at: timestamp
          })}
          ON CONFLICT DO NOTHING
          RETURNING event_id`.pipe(
          // The process was deleted since it was read: the event is about nothing any more.
          Effect.catchIf(isForeignKeyViolation, () => Effect.fail(notFound(event.reference))),
          Effect.orDie
        )
        if (fresh.length === 0) return { processId: row?.id, duplicate: true }
        if (row === undefined) return { duplicate: false }
        // An event's outcome cannot carry files (the portrait); a provider that can be asked has the full result.
        const fetched = provider.capabilities.polling ? yield* Effect.option(outcomeFromProvider(row)) : Option.none()
        const outcome =
          Option.isSome(fetched) && (ProcessStatus.isFinal(fetched.value.status) || event.outcome === undefined)
            ? fetched.value
            : (event.outcome ?? (yield* outcomeFromProvider(row)))
        yield* applyOutcome(row, outcome)
        return { processId: row.id, duplicate: false }
      }),

      completeRedirect: Effect.fn("Verifications.completeRedirect")(function* (providerName, params) {
        const provider = yield* providerOf(providerName)
        // A redirect provider (an eID broker) names its session in `state` and proves the result with what it sends
        // back. The end-user returning from a vendor's hosted page proves nothing: the process is named by its id
        // in the return URL, and its result is only ever asked of the provider.
        const redirect = provider.capabilities.redirect
        const reference = (redirect ? params.state : params.processId) ?? ""
        const rows = yield* (
          redirect
            ? sql<ProcessRow>`
                SELECT * FROM assure_processes WHERE provider = ${provider.name} AND provider_reference = ${reference}`
            : sql<ProcessRow>`
                SELECT * FROM assure_processes WHERE provider = ${provider.name} AND id = ${reference}
                AND provider_reference IS NOT NULL`
        ).pipe(Effect.orDie)
        const row = rows[0]
        if (row === undefined) return yield* notFound(reference)
        if (!ProcessStatus.isFinal(row.status as ProcessStatus.ProcessStatus)) {
          if (redirect) {
            const state = yield* openJson(row, "provider_state")
            const outcome = yield* provider
              .complete({
                reference,
                state: state as IdentityProvider.ProviderState | undefined,
                params
              })
              .pipe(EngineMetrics.trackProviderCall(row.provider, "complete"))
            yield* applyOutcome(row, outcome)
          } else if (provider.capabilities.polling) {
            // The end-user is on their way back: a provider that cannot answer now leaves the result to its
            // webhook or to the durable polling, rather than failing the end-user's redirect.
            yield* outcomeFromProvider(row).pipe(
              Effect.flatMap((outcome) => applyOutcome(row, outcome)),
              Effect.catchTag("ProviderError", (error) =>
                Effect.logWarning("the provider could not tell the result as the end-user returned", {
                  provider: provider.name,
                  reason: error.reason._tag
                })
              )
            )
          }
        }
        const ended = yield* rowById(row.id)
        return { process: yield* toProcess(ended), clientRedirectUrl: ended.client_redirect_url ?? undefined }
      }),

      refresh: Effect.fn("Verifications.refresh")(function* (processId) {
        const row = yield* rowById(processId)
        if (row.provider_reference !== null && !ProcessStatus.isFinal(row.status as ProcessStatus.ProcessStatus)) {
          yield* applyOutcome(row, yield* outcomeFromProvider(row))
        }
        return yield* toProcess(yield* rowById(processId))
      }),

      // A second sweeper (during a failover) skips the rows a first one is claiming, and the due condition is
      // repeated outside the subquery, which PostgreSQL re-checks on a row updated meanwhile: no row is claimed twice.
      claimDue: (limit) =>
        Effect.gen(function* () {
          const timestamp = yield* now
          return yield* sql<ProcessRow>`
            UPDATE assure_processes SET next_check_at = ${checkLease(timestamp)}
            WHERE id IN (
              SELECT id FROM assure_processes WHERE next_check_at <= ${timestamp}
              ORDER BY next_check_at LIMIT ${limit} ${skipLocked(sql)})
            AND next_check_at <= ${timestamp}
            RETURNING *`
        }).pipe(Effect.orDie),

      check,

      nextDue: sql<{ due: string | null }>`
        SELECT min(next_check_at) AS due FROM assure_processes WHERE next_check_at IS NOT NULL`.pipe(
        Effect.map((rows) => rows[0]?.due ?? undefined),
        Effect.orDie
      )
    })
  })
)
