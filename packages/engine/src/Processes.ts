/**
 * Processes as a tenant sees them: one verification of a dossier's end-user by one provider.
 *
 * - `create` validates the provider, the process type and the provider's own parameters (with the provider's schema)
 *   before anything is stored.
 * - `requestVerification` hands the process's files (or the dossier's) and the client's identity data to the provider;
 *   redirect flows get back the URL to send the end-user to. A provider that fails for now (`isRetryable`) leaves the
 *   start to the engine: the process answers `processing` with `providerRetry`, and the sweeper tries again.
 * - `cancel`, `get`, files, `delete` and `match` are the rest of the tenant's API.
 *
 * What follows the request — webhooks, redirects, polling, retries, deadlines — is `Verifications`'.
 *
 * @since 0.1.0
 */
import { type FileInfo, type FileKind, Process, ProcessStatus, ProcessType } from "@assure/core"
import type { IdentityProvider, ProviderError, ProviderRegistry } from "@assure/provider"
import { Context, Effect, Layer, Result, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import type { CircuitBreaker } from "./CircuitBreaker.js"
import { Conflict, InvalidInput, NoProviderAvailable, NotFound, ProviderNotConfigured } from "./EngineError.js"
import * as EngineMetrics from "./EngineMetrics.js"
import * as FileContent from "./FileContent.js"
import type { FileStore } from "./FileStore.js"
import * as FullResult from "./FullResult.js"
import { forUpdate, keepingOnSuccess, lockAndTouchDossier, lockDossier, readUnlessDeleted } from "./internal/locking.js"
import {
  dueIn,
  invalid,
  isDossierId,
  isHeaderValue,
  isHttpUrl,
  isProviderName,
  makeProcessKit,
  retryAfterOf
} from "./internal/processKit.js"
import { bytesOf, type FileRow, type ProcessRow } from "./internal/rows.js"
import { fileContext, processContext } from "./internal/sealing.js"
import { fileInfoOf, later, newId, now, storedIdentityData } from "./internal/shared.js"
import type { Lifecycle } from "./Lifecycle.js"
import * as Matching from "./Matching.js"
import type { OutboundPolicy } from "./OutboundPolicy.js"
import type { PersonalDataCipher } from "./PersonalDataCipher.js"
import * as RetryPolicy from "./RetryPolicy.js"
import { Router } from "./Router.js"
import type * as Routing from "./Routing.js"
import type { TenantId } from "./Tenant.js"

const isProcessType = Schema.is(ProcessType.ProcessType)
const encodeProcess = Schema.encodeSync(Process.Process)

/** The provider name that asks routing to choose the provider (`Router`). @since 0.2.0 */
export const auto = "auto"

/** The Assure fields of a new process. @since 0.1.0 */
export interface CreateProcess {
  /** A provider the engine runs, or {@link auto} to let the tenant's routing policy choose one. */
  readonly provider: string
  readonly processType: string
  /** `{ "<provider>": { … } }`: the provider's own parameters, validated by its schema. */
  readonly processParameters?: unknown
  /**
   * Where to POST `{ dossierId, processId, status }` when the process ends: a URL the {@link OutboundPolicy} allows
   * (https, public, no credentials, unless the operator allows more).
   */
  readonly notificationUrl?: string | undefined
  /**
   * Sent as `Authorization` with that notification: a valid HTTP header value of 1 to 4096 printable ASCII characters,
   * spaces and tabs, not beginning or ending with white space. Stored encrypted, never shown again.
   */
  readonly authorizationHeader?: string | undefined
}

/** A stored process file and its bytes. @since 0.1.0 */
export interface StoredFile {
  readonly info: FileInfo.FileInfo
  readonly bytes: Uint8Array
}

/** The process operations. @since 0.1.0 */
export class Processes extends Context.Service<
  Processes,
  {
    readonly create: (
      tenant: TenantId,
      dossierId: string,
      input: CreateProcess
    ) => Effect.Effect<Process.Process, NotFound | InvalidInput | ProviderNotConfigured | NoProviderAvailable>
    /**
     * The provider a new process of the dossier with `provider: "auto"` would be routed to now (`Router.preview`:
     * no circuit's trial call is taken), for a page that must know its flow ahead; undefined when none would be.
     * @since 0.2.0
     */
    readonly previewRoute: (
      tenant: TenantId,
      dossierId: string,
      processType: string
    ) => Effect.Effect<IdentityProvider.IdentityProvider | undefined, NotFound>
    readonly get: (tenant: TenantId, dossierId: string, processId: string) => Effect.Effect<Process.Process, NotFound>
    readonly delete: (tenant: TenantId, dossierId: string, processId: string) => Effect.Effect<void, NotFound>
    readonly addFile: (
      tenant: TenantId,
      dossierId: string,
      processId: string,
      kind: FileKind.UploadableKind,
      bytes: Uint8Array
    ) => Effect.Effect<FileInfo.FileInfo, NotFound | InvalidInput | Conflict>
    readonly getFile: (
      tenant: TenantId,
      dossierId: string,
      processId: string,
      fileId: string
    ) => Effect.Effect<StoredFile, NotFound>
    readonly requestVerification: (
      tenant: TenantId,
      dossierId: string,
      processId: string,
      options?: {
        /** Where the provider sends the end-user back (the application's callback endpoint). */
        readonly returnUrl?: string | undefined
        /** Where the application sends the end-user once the process ended (kept for `completeRedirect`). */
        readonly clientRedirectUrl?: string | undefined
      }
    ) => Effect.Effect<
      Process.Process,
      NotFound | InvalidInput | Conflict | ProviderNotConfigured | ProviderError.ProviderError
    >
    readonly cancel: (
      tenant: TenantId,
      dossierId: string,
      processId: string
    ) => Effect.Effect<Process.Process, NotFound | ProviderNotConfigured | ProviderError.ProviderError>
    readonly match: (
      tenant: TenantId,
      dossierId: string,
      processId: string
    ) => Effect.Effect<Matching.Report, NotFound | Conflict>
    /**
     * A finished process's full result, to stream as a zip with `FullResult.zip`: the process, its result, the
     * provider's, the match against the dossier's userData, its history, and the images it was verified with and
     * the provider's portrait. `Conflict` while the process is not finished.
     */
    /**
     * What happened to the process so far, in time order (as the full result's `history.json`): for the review
     * console's detail view. @since 0.2.0
     */
    readonly history: (
      tenant: TenantId,
      dossierId: string,
      processId: string
    ) => Effect.Effect<ReadonlyArray<FullResult.HistoryEvent>, NotFound>
    readonly fullResult: (
      tenant: TenantId,
      dossierId: string,
      processId: string
    ) => Effect.Effect<FullResult.FullResult, NotFound | Conflict>
  }
>()("@assure/engine/Processes") {}

/**
 * The tenant-facing process operations over effect/sql; notification URLs are checked with the {@link OutboundPolicy}.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  Processes,
  never,
  | SqlClient.SqlClient
  | PersonalDataCipher
  | FileStore
  | ProviderRegistry.ProviderRegistry
  | OutboundPolicy
  | Lifecycle
  | CircuitBreaker
  | Router
> = Layer.effect(
  Processes,
  Effect.gen(function* () {
    const {
      sql,
      policy,
      cipher,
      files,
      lifecycle,
      settings,
      notFound,
      findRow,
      rowById,
      readProcess,
      openJson,
      toProcess,
      providerOf,
      storeFile,
      applyOutcome,
      startSession,
      alreadyRequested,
      firstCheck,
      registry,
      sealRouting,
      inputFileRowsOf,
      openUserData
    } = yield* makeProcessKit
    const router = yield* Router

    /** The dossier's userData matched against a result; undefined when the dossier has none. */
    const matchOf = (row: ProcessRow, finalResult: unknown) =>
      Effect.gen(function* () {
        const dossierRows = yield* sql<{ user_data: Uint8Array | null }>`
          SELECT user_data FROM assure_dossiers WHERE id = ${row.dossier_id}`.pipe(Effect.orDie)
        const userData = yield* openUserData(bytesOf(dossierRows[0]?.user_data ?? null), row.dossier_id)
        return userData === undefined ? undefined : Matching.compare(userData, storedIdentityData(finalResult))
      })

    /**
     * What happened to a process, in time order, from what the engine keeps: its creation (and the process it
     * replaced), the provider's events, its end (and the process that replaced it), and its notifications.
     */
    const historyOf = (row: ProcessRow) =>
      Effect.gen(function* () {
        const events = yield* sql<{ event_id: string; received_at: string }>`
          SELECT event_id, received_at FROM assure_provider_events WHERE process_id = ${row.id}`.pipe(Effect.orDie)
        const notifications = yield* sql<{
          kind: string
          status: string
          attempts: number
          created_at: string
          delivered_at: string | null
        }>`
          SELECT kind, status, attempts, created_at, delivered_at FROM assure_notifications
          WHERE process_id = ${row.id}`.pipe(Effect.orDie)
        const history: Array<FullResult.HistoryEvent> = [
          { at: row.created_at, event: "created", provider: row.provider, processType: row.process_type },
          ...(row.fallback_of === null ? [] : [{ at: row.created_at, event: "replaced", processId: row.fallback_of }]),
          ...events.map((event) => ({ at: event.received_at, event: "providerEvent", eventId: event.event_id })),
          ...(ProcessStatus.isFinal(row.status as ProcessStatus.ProcessStatus)
            ? [
                {
                  at: row.updated_at,
                  event: "ended",
                  status: row.status,
                  ...(row.reason === null ? {} : { reason: row.reason })
                }
              ]
            : []),
          ...(row.fallback_to === null
            ? []
            : [{ at: row.updated_at, event: "replacedBy", processId: row.fallback_to }]),
          ...notifications.flatMap((notification) => [
            { at: notification.created_at, event: "notificationQueued", kind: notification.kind },
            ...(notification.delivered_at === null
              ? notification.status === "failed"
                ? [{ at: notification.created_at, event: "notificationFailed", kind: notification.kind }]
                : []
              : [
                  {
                    at: notification.delivered_at,
                    event: "notificationDelivered",
                    kind: notification.kind,
                    attempts: Number(notification.attempts)
                  }
                ])
          ])
        ]
        // Timestamps sort in time order as text; the sort is stable, so ties keep the order above.
        return history.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      })

    /**
     * The provider routing chooses for a new process of the dossier (`provider: "auto"`): asked with the process type
     * and what the dossier's userData says of the person and their document.
     */
    const routingRequest = (tenant: TenantId, dossierId: string, processType: ProcessType.ProcessType) =>
      Effect.gen(function* () {
        const dossiers = yield* sql<{ user_data: Uint8Array | null }>`
          SELECT user_data FROM assure_dossiers WHERE id = ${dossierId} AND tenant_id = ${tenant}`.pipe(Effect.orDie)
        const dossier = dossiers[0]
        if (dossier === undefined) return yield* new NotFound({ resource: "dossier", id: dossierId })
        const userData = yield* openUserData(bytesOf(dossier.user_data), dossierId)
        return {
          processType,
          ...(userData?.issuingCountry === undefined ? {} : { issuingCountry: userData.issuingCountry }),
          ...(userData?.nationality === undefined ? {} : { nationality: userData.nationality }),
          ...(userData?.documentType === undefined ? {} : { documentType: userData.documentType })
        } satisfies Routing.Request
      })

    const routeProcess = (tenant: TenantId, dossierId: string, processType: string) =>
      Effect.gen(function* () {
        if (!isProcessType(processType)) {
          return yield* invalid("The process type is not supported", "processType", "is not a process type")
        }
        const request = yield* routingRequest(tenant, dossierId, processType)
        return yield* router.route(tenant, request).pipe(
          Effect.catchTag(
            "NoRoute",
            (refused): Effect.Effect<never, InvalidInput | NoProviderAvailable> =>
              refused.reason === "allSkipped"
                ? Effect.fail(new NoProviderAvailable({ detail: refused.detail }))
                : Effect.fail(
                    new InvalidInput({
                      detail: "No provider can be routed to",
                      invalidParams: [{ name: "provider", reason: refused.detail }]
                    })
                  )
          )
        )
      })
    return Processes.of({
      previewRoute: Effect.fn("Processes.previewRoute")(function* (tenant, dossierId, processType) {
        if (!isDossierId(dossierId)) return yield* new NotFound({ resource: "dossier", id: dossierId })
        if (!isProcessType(processType)) return undefined
        return yield* router.preview(tenant, yield* routingRequest(tenant, dossierId, processType))
      }),
      create: Effect.fn("Processes.create")(function* (tenant, dossierId, input) {
        if (!isDossierId(dossierId)) return yield* new NotFound({ resource: "dossier", id: dossierId })
        // Checked before anything is stored. The dossier's existence is checked under its lock, below, and, when the
        // input is refused, here: a missing dossier answers NotFound before any complaint about the input.
        const { provider, parameters, routing } = yield* Effect.gen(function* () {
          const routed = input.provider === auto ? yield* routeProcess(tenant, dossierId, input.processType) : undefined
          if (routed === undefined && !isProviderName(input.provider)) {
            return yield* new ProviderNotConfigured({ provider: input.provider })
          }
          const provider = routed?.provider ?? (yield* providerOf(input.provider))
          if (!provider.processTypes.some((type) => type === input.processType)) {
            return yield* invalid(
              "The process type is not supported",
              "processType",
              `${provider.name} runs ${provider.processTypes.join(", ")}`
            )
          }
          const entries = input.processParameters ?? {}
          if (typeof entries !== "object" || entries === null || Array.isArray(entries)) {
            return yield* invalid("The process parameters are not valid", "processParameters", "must be an object")
          }
          // A routed process may carry parameters for each provider it could be routed or fall back to.
          const loaded = routed === undefined ? [] : yield* registry.names
          const others = Object.keys(entries).filter((key) => key !== provider.name && !loaded.includes(key))
          if (others.length > 0) {
            return yield* invalid(
              "The process parameters are not valid",
              `processParameters.${others[0]}`,
              routed === undefined
                ? `only "${provider.name}" parameters apply`
                : `no provider "${others[0]}" is configured on this server`
            )
          }
          const parameters = (entries as Record<string, unknown>)[provider.name] ?? {}
          yield* provider.validateParameters(parameters).pipe(
            Effect.mapError(
              (error) =>
                new InvalidInput({
                  detail: "The provider parameters are not valid",
                  invalidParams:
                    error.reason._tag === "InvalidRequest"
                      ? error.reason.fields.map((field) => ({
                          name: `processParameters.${provider.name}.${field.name.replace(/^parameters\.?/, "")}`.replace(
                            /\.$/,
                            ""
                          ),
                          reason: field.reason
                        }))
                      : [{ name: `processParameters.${provider.name}`, reason: error.message }]
                })
            )
          )
          const urlRefusal = input.notificationUrl === undefined ? undefined : policy.checkUrl(input.notificationUrl)
          if (urlRefusal !== undefined) {
            return yield* invalid("The notification URL is not allowed", "notificationUrl", urlRefusal)
          }
          if (input.authorizationHeader !== undefined) {
            if (input.authorizationHeader.length === 0 || input.authorizationHeader.length > 4096) {
              return yield* invalid(
                "The authorization header is not valid",
                "authorizationHeader",
                "must be 1 to 4096 characters"
              )
            }
            if (!isHeaderValue(input.authorizationHeader)) {
              return yield* invalid(
                "The authorization header is not valid",
                "authorizationHeader",
                "must be a valid HTTP header value: printable ASCII with spaces or tabs between, no line breaks or other control characters"
              )
            }
          }
          const routing =
            routed === undefined
              ? undefined
              : {
                  record: { decision: routed.decision, fallbacks: routed.fallbacks },
                  parameters: entries as Record<string, unknown>
                }
          return { provider, parameters, routing }
        }).pipe(
          Effect.catchTag("InvalidInput", (error) =>
            Effect.flatMap(
              Effect.orDie(sql<{ id: string }>`
                SELECT id FROM assure_dossiers WHERE id = ${dossierId} AND tenant_id = ${tenant}`),
              (dossiers) =>
                Effect.fail(dossiers.length === 0 ? new NotFound({ resource: "dossier", id: dossierId }) : error)
            )
          )
        )
        const id = newId()
        const timestamp = yield* now
        const row: ProcessRow = {
          id,
          dossier_id: dossierId,
          tenant_id: tenant,
          provider: provider.name,
          process_type: input.processType,
          status: "pending",
          parameters: yield* cipher.sealJson(parameters, processContext(id, "parameters")),
          notification_url: input.notificationUrl ?? null,
          authorization_header:
            input.authorizationHeader === undefined
              ? null
              : yield* cipher.seal(
                  new TextEncoder().encode(input.authorizationHeader),
                  processContext(id, "authorization_header")
                ),
          provider_reference: null,
          provider_state: null,
          redirect_url: null,
          client_redirect_url: null,
          final_result: null,
          provider_specific: null,
          reason: null,
          deadline_at: null,
          next_check_at: null,
          check_round: 0,
          attempts: 0,
          last_error: null,
          return_url: null,
          routing: routing === undefined ? null : yield* sealRouting(id, routing),
          fallback_of: null,
          fallback_to: null,
          created_at: timestamp,
          updated_at: timestamp
        }
        // Under the dossier's lock (internal/locking.ts): a process created after the dossier was deleted is not.
        const created = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              if (!(yield* lockAndTouchDossier(sql, dossierId, timestamp, tenant))) return false
              yield* sql`INSERT INTO assure_processes ${sql.insert({ ...row })}`
              return true
            })
          )
          .pipe(Effect.orDie)
        if (!created) return yield* new NotFound({ resource: "dossier", id: dossierId })
        return yield* toProcess(row, [], routing, null)
      }),

      // The most frequent call of all: its span without `Effect.fn` or a stack trace, which are captured on every
      // call and cost more than the read's own code (BENCHMARKS.md, "What the parts of a request cost"). The span's
      // name says where it comes from.
      get: (tenant, dossierId, processId) =>
        Effect.withSpan(readProcess(tenant, dossierId, processId), "Processes.get", { captureStackTrace: false }),

      delete: Effect.fn("Processes.delete")(function* (tenant, dossierId, processId) {
        const row = yield* findRow(tenant, dossierId, processId)
        // Rows under the dossier's lock, so the files deleted are all the process has; then their bytes. A delete
        // that lost the race (to the dossier's, or another one) found nothing.
        const stored = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              if (!(yield* lockDossier(sql, row.dossier_id, tenant))) return undefined
              const deleted = yield* sql<{ storage_key: string }>`
                DELETE FROM assure_files WHERE process_id = ${row.id} RETURNING storage_key`
              const removed = yield* sql<{ id: string }>`DELETE FROM assure_processes WHERE id = ${row.id} RETURNING id`
              return removed.length === 0 ? undefined : deleted
            })
          )
          .pipe(Effect.orDie, Effect.uninterruptible)
        if (stored === undefined) return yield* notFound(processId)
        yield* Effect.forEach(stored, (file) => files.remove(file.storage_key), { discard: true }).pipe(
          Effect.catch((error) => Effect.logWarning("a deleted process's file could not be removed", error)),
          Effect.uninterruptible
        )
      }),

      addFile: Effect.fn("Processes.addFile")(function* (tenant, dossierId, processId, kind, bytes) {
        const row = yield* findRow(tenant, dossierId, processId)
        if (row.status !== "pending" || row.provider_reference !== null) {
          return yield* new Conflict({ detail: "Files can only be added before verification is requested" })
        }
        const mediaType = yield* FileContent.validate(kind, bytes)
        // Nothing half-written: the bytes stay only if the row is stored, under the dossier's lock and with the
        // process read again there (deleted meanwhile: NotFound; verification requested meanwhile: Conflict).
        return yield* keepingOnSuccess(
          storeFile(row, kind, mediaType, bytes),
          (file) => files.remove(file.storage_key),
          (fileRow) =>
            Effect.gen(function* () {
              const outcome = yield* sql
                .withTransaction(
                  Effect.gen(function* () {
                    if (!(yield* lockDossier(sql, row.dossier_id, tenant))) return "gone"
                    const current = yield* sql<{ status: string; provider_reference: string | null }>`
                      SELECT status, provider_reference FROM assure_processes WHERE id = ${row.id} ${forUpdate(sql)}`
                    const process = current[0]
                    if (process === undefined) return "gone"
                    if (process.status !== "pending" || process.provider_reference !== null) return "started"
                    yield* sql`INSERT INTO assure_files ${sql.insert({ ...fileRow })}`
                    return "stored"
                  })
                )
                .pipe(Effect.orDie)
              if (outcome === "gone") return yield* notFound(processId)
              if (outcome === "started") {
                return yield* new Conflict({ detail: "Files can only be added before verification is requested" })
              }
              return fileInfoOf(fileRow)
            })
        )
      }),

      getFile: Effect.fn("Processes.getFile")(function* (tenant, dossierId, processId, fileId) {
        const row = yield* findRow(tenant, dossierId, processId)
        const fileRows =
          yield* sql<FileRow>`SELECT * FROM assure_files WHERE id = ${fileId} AND process_id = ${row.id}`.pipe(
            Effect.orDie
          )
        const file = fileRows[0]
        if (file === undefined) return yield* new NotFound({ resource: "file", id: fileId })
        const sealed = yield* readUnlessDeleted(
          sql,
          file.id,
          files.get(file.storage_key),
          () => new NotFound({ resource: "file", id: fileId })
        )
        const bytes = yield* Effect.orDie(cipher.open(sealed, fileContext(file.id)))
        return { info: fileInfoOf(file), bytes }
      }),

      requestVerification: Effect.fn("Processes.requestVerification")(function* (
        tenant,
        dossierId,
        processId,
        options = {}
      ) {
        const row = yield* findRow(tenant, dossierId, processId)
        if (row.status !== "pending" || row.provider_reference !== null) {
          return yield* new Conflict({ detail: "Verification was already requested for this process" })
        }
        if (options.returnUrl !== undefined && !isHttpUrl(options.returnUrl)) {
          return yield* invalid("The return URL is not valid", "returnUrl", "must be an http or https URL")
        }
        if (options.clientRedirectUrl !== undefined && !isHttpUrl(options.clientRedirectUrl)) {
          return yield* invalid("The redirect URL is not valid", "redirectUrl", "must be an http or https URL")
        }
        const provider = yield* providerOf(row.provider)
        const timestamp = yield* now
        const deadline = later(timestamp, settings.resultTimeout)
        const attempt = yield* Effect.result(startSession(row, provider, options.returnUrl))
        if (Result.isFailure(attempt)) {
          const error = attempt.failure
          if (error._tag !== "ProviderError" || !error.isRetryable) return yield* error
          // A start that failed for now is the engine's to retry: the process answers `processing` at once, as
          // Assure does, and shows the failed attempt until a retry succeeds.
          const next = yield* dueIn(
            RetryPolicy.delayMillis(settings.providerRetries, 1, retryAfterOf(error), Math.random())
          )
          const deferred = yield* sql<{ id: string }>`
            UPDATE assure_processes
            SET status = 'processing', client_redirect_url = ${options.clientRedirectUrl ?? null},
                return_url = ${options.returnUrl ?? null}, deadline_at = ${deadline}, attempts = 1,
                last_error = ${error.message}, next_check_at = ${next}, updated_at = ${timestamp}
            WHERE id = ${row.id} AND provider_reference IS NULL AND status = 'pending'
            RETURNING id`.pipe(Effect.orDie)
          if (deferred.length === 0) return yield* alreadyRequested(row.id)
          yield* EngineMetrics.recordRetry(row.provider, "start", error.reason._tag)
          yield* lifecycle.wake(next)
          return yield* toProcess(yield* rowById(row.id))
        }
        const { session, ownFiles } = attempt.success
        const state =
          session.state === undefined
            ? null
            : yield* cipher.sealJson(session.state, processContext(row.id, "provider_state"))
        const started = yield* sql<ProcessRow>`
          UPDATE assure_processes
          SET provider_reference = ${session.reference}, provider_state = ${state}, redirect_url = ${session.redirectUrl ?? null}, client_redirect_url = ${options.clientRedirectUrl ?? null},
              status = ${session.status}, deadline_at = ${deadline}, next_check_at = ${firstCheck(provider, timestamp, deadline)},
              updated_at = ${timestamp}
          WHERE id = ${row.id} AND provider_reference IS NULL
          RETURNING *`.pipe(Effect.orDie)
        const startedRow = started[0]
        if (startedRow === undefined) return yield* alreadyRequested(row.id)
        yield* EngineMetrics.recordStarted(row.provider)
        if (startedRow.next_check_at !== null) yield* lifecycle.wake(startedRow.next_check_at)
        return yield* toProcess(startedRow, ownFiles)
      }),

      cancel: Effect.fn("Processes.cancel")(function* (tenant, dossierId, processId) {
        const row = yield* findRow(tenant, dossierId, processId)
        if (ProcessStatus.isFinal(row.status as ProcessStatus.ProcessStatus)) return yield* toProcess(row)
        const provider = yield* providerOf(row.provider)
        if (row.provider_reference !== null && provider.capabilities.cancel) {
          const state = yield* openJson(row, "provider_state")
          yield* provider
            .cancel({
              reference: row.provider_reference,
              state: state as IdentityProvider.ProviderState | undefined
            })
            .pipe(EngineMetrics.trackProviderCall(row.provider, "cancel"))
        }
        yield* applyOutcome(row, {
          status: "canceled",
          providerSpecific: {},
          checks: [],
          files: [],
          reason: "canceled_by_client"
        })
        return yield* toProcess(yield* rowById(row.id))
      }),

      match: Effect.fn("Processes.match")(function* (tenant, dossierId, processId) {
        const row = yield* findRow(tenant, dossierId, processId)
        const finalResult = yield* openJson(row, "final_result")
        if (row.status !== "accepted" || finalResult === undefined) {
          return yield* new Conflict({ detail: "Only an accepted process has a result to match" })
        }
        const report = yield* matchOf(row, finalResult)
        if (report === undefined) return yield* new Conflict({ detail: "The dossier has no userData to match" })
        return report
      }),

      history: Effect.fn("Processes.history")(function* (tenant, dossierId, processId) {
        return yield* historyOf(yield* findRow(tenant, dossierId, processId))
      }),
      fullResult: Effect.fn("Processes.fullResult")(function* (tenant, dossierId, processId) {
        const row = yield* findRow(tenant, dossierId, processId)
        if (!ProcessStatus.isFinal(row.status as ProcessStatus.ProcessStatus)) {
          return yield* new Conflict({
            detail: `Only a finished process has a full result: this one is ${row.status}`
          })
        }
        const process = yield* toProcess(row)
        const finalResult = yield* openJson(row, "final_result")
        const providerSpecific = yield* openJson(row, "provider_specific")
        const matching =
          row.status === "accepted" && finalResult !== undefined ? yield* matchOf(row, finalResult) : undefined
        // The images it was verified with (its own, the replaced process's, or the dossier's), then what the
        // provider returned (the portrait).
        const { chosen } = yield* inputFileRowsOf(row).pipe(Effect.orDie)
        const returned = yield* sql<FileRow>`
          SELECT * FROM assure_files WHERE process_id = ${row.id} AND kind = 'portrait' ORDER BY created_at, id`.pipe(
          Effect.orDie
        )
        // In a fixed order — front, back, selfie, video, then the provider's portrait — whatever order they came in.
        const kindOrder = ["front", "back", "selfie", "video", "portrait"]
        const rank = (file: FileRow) => {
          const index = kindOrder.indexOf(file.kind)
          return index < 0 ? kindOrder.length : index
        }
        const fileRows = [...chosen, ...returned].sort((a, b) => rank(a) - rank(b))
        const names = FullResult.fileNames(fileRows.map((file) => fileInfoOf(file)))
        const fileEntries = fileRows.map(
          (file, index): FullResult.Entry => ({
            name: names[index] ?? file.id,
            compress: false,
            bytes: readUnlessDeleted(
              sql,
              file.id,
              files.get(file.storage_key),
              () => new NotFound({ resource: "file", id: file.id })
            ).pipe(Effect.flatMap((sealed) => Effect.orDie(cipher.open(sealed, fileContext(file.id)))))
          })
        )
        return {
          process,
          entries: [
            FullResult.json("process.json", encodeProcess(process)),
            ...(finalResult === undefined ? [] : [FullResult.json("result.json", finalResult)]),
            ...(providerSpecific === undefined ? [] : [FullResult.json("provider-result.json", providerSpecific)]),
            ...(matching === undefined ? [] : [FullResult.json("matching.json", matching)]),
            FullResult.json("history.json", yield* historyOf(row)),
            ...fileEntries
          ]
        }
      })
    })
  })
)
