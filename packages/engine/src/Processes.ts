/**
 * Processes: one verification of a dossier's end-user by one provider, from creation to its final status.
 *
 * - `create` validates the provider, the process type and the provider's own parameters (with the provider's schema)
 *   before anything is stored.
 * - `requestVerification` hands the process's files (or the dossier's) and the client's identity data to the provider;
 *   redirect flows get back the URL to send the end-user to.
 * - Results arrive as verified webhooks (`receiveWebhook`), as the end-user returning from a redirect
 *   (`completeRedirect`), or by asking the provider (`refresh`). All three end in one place, which moves the process
 *   to its final status with a conditional `UPDATE`: exactly once, and final is final — a late or duplicated event
 *   changes nothing.
 *
 * @since 0.1.0
 */
import {
  FileInfo,
  type FileKind,
  Identifiers,
  IdentityData,
  Process,
  ProcessStatus,
  ProcessType,
  ProviderName,
  Timestamp
} from "@assure/core"
import { type IdentityProvider, type ProviderError, ProviderRegistry } from "@assure/provider"
import { Array as Arr, Clock, Context, Data, Duration, Effect, Layer, Option, Result, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { EngineConfig } from "./EngineConfig.js"
import { Conflict, InvalidInput, NotFound } from "./EngineError.js"
import * as EngineMetrics from "./EngineMetrics.js"
import * as FileContent from "./FileContent.js"
import { FileStore } from "./FileStore.js"
import { checkLease, notificationLease } from "./internal/leases.js"
import {
  forUpdate,
  isForeignKeyViolation,
  keepingOnSuccess,
  lockAndTouchDossier,
  lockDossier,
  lockDossierReadingUserData,
  readUnlessDeleted
} from "./internal/locking.js"
import { bytesOf, type FileRow, type NotificationRow, type ProcessRow } from "./internal/rows.js"
import { fileInfoOf, later, newId, now, storedIdentityData } from "./internal/shared.js"
import { Lifecycle } from "./Lifecycle.js"
import * as Matching from "./Matching.js"
import { OutboundPolicy } from "./OutboundPolicy.js"
import { PersonalDataCipher } from "./PersonalDataCipher.js"
import * as RetryPolicy from "./RetryPolicy.js"
import type { TenantId } from "./Tenant.js"

/** The Assure fields of a new process. @since 0.1.0 */
export interface CreateProcess {
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

/** The process operations. @since 0.1.0 */
export class Processes extends Context.Service<
  Processes,
  {
    readonly create: (
      tenant: TenantId,
      dossierId: string,
      input: CreateProcess
    ) => Effect.Effect<Process.Process, NotFound | InvalidInput>
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
    ) => Effect.Effect<Process.Process, NotFound | InvalidInput | Conflict | ProviderError.ProviderError>
    readonly cancel: (
      tenant: TenantId,
      dossierId: string,
      processId: string
    ) => Effect.Effect<Process.Process, NotFound | ProviderError.ProviderError>
    readonly receiveWebhook: (
      provider: string,
      request: IdentityProvider.WebhookRequest
    ) => Effect.Effect<WebhookReceipt, NotFound | ProviderError.ProviderError>
    readonly completeRedirect: (
      provider: string,
      params: Readonly<Record<string, string>>
    ) => Effect.Effect<RedirectCompletion, NotFound | ProviderError.ProviderError>
    /** Asks the provider for the result now (a process that ended already is returned as it is). */
    readonly refresh: (processId: string) => Effect.Effect<Process.Process, NotFound | ProviderError.ProviderError>
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
    readonly match: (
      tenant: TenantId,
      dossierId: string,
      processId: string
    ) => Effect.Effect<Matching.Report, NotFound | Conflict>
  }
>()("@assure/engine/Processes") {}

const isDossierId = Schema.is(Identifiers.DossierId)
const isProcessId = Schema.is(Identifiers.ProcessId)
const isProviderName = Schema.is(ProviderName.ProviderName)
const decodeProcess = Schema.decodeUnknownSync(Process.Process)
const encodeIdentity = Schema.encodeSync(IdentityData.IdentityData)
const encodeFileInfo = Schema.encodeSync(FileInfo.FileInfo)

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * The stored instant `delay` ms from now, rounded up to the second stored timestamps have: never sooner than the
 * delay (a provider's `Retry-After` is a floor), at most a second later.
 */
const dueIn = (delay: number) =>
  Effect.map(Clock.currentTimeMillis, (nowMillis) =>
    Timestamp.fromEpochMillis(Math.ceil((nowMillis + delay) / 1000) * 1000)
  )

const earliest = (a: Timestamp.Timestamp, b: Timestamp.Timestamp): Timestamp.Timestamp => (a <= b ? a : b)

const retryAfterOf = (error: ProviderError.ProviderError): Duration.Duration | undefined =>
  error.reason._tag === "RateLimited" ? error.reason.retryAfter : undefined

/** Inside a final transition's transaction: the process had ended already, so the transaction rolls back. */
class AlreadyFinal extends Data.TaggedError("AlreadyFinal") {}

const invalid = (detail: string, name: string, reason: string) =>
  new InvalidInput({ detail, invalidParams: [{ name, reason }] })

/**
 * Whether `value` is a valid HTTP field value (RFC 9110 §5.5) made of ASCII: visible characters, with spaces and tabs
 * between them — no CR, LF, NUL or other control character, which would split or corrupt the request it is sent with.
 */
const isHeaderValue = (value: string): boolean => /^[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?$/.test(value)

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === "https:" || url.protocol === "http:"
  } catch {
    return false
  }
}

/**
 * The process operations over effect/sql; notification URLs are checked with the {@link OutboundPolicy}.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  Processes,
  never,
  SqlClient.SqlClient | PersonalDataCipher | FileStore | ProviderRegistry.ProviderRegistry | OutboundPolicy | Lifecycle
> = Layer.effect(
  Processes,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const policy = yield* OutboundPolicy
    const cipher = yield* PersonalDataCipher
    const files = yield* FileStore
    const registry = yield* ProviderRegistry.ProviderRegistry
    const lifecycle = yield* Lifecycle
    const settings = yield* EngineConfig

    const context = (processId: string, field: string) => `process:${processId}:${field}`
    const fileContext = (fileId: string) => `file:${fileId}`
    const notFound = (id: string) => new NotFound({ resource: "process", id })

    const findRow = (tenant: TenantId, dossierId: string, processId: string) =>
      Effect.gen(function* () {
        if (!isDossierId(dossierId)) return yield* new NotFound({ resource: "dossier", id: dossierId })
        if (!isProcessId(processId)) return yield* notFound(processId)
        const rows = yield* sql<ProcessRow>`
          SELECT * FROM assure_processes WHERE id = ${processId} AND dossier_id = ${dossierId} AND tenant_id = ${tenant}`.pipe(
          Effect.orDie
        )
        return rows[0] ?? (yield* notFound(processId))
      })

    const rowById = (processId: string) =>
      Effect.flatMap(
        sql<ProcessRow>`SELECT * FROM assure_processes WHERE id = ${processId}`.pipe(Effect.orDie),
        (rows) => (rows[0] === undefined ? Effect.fail(notFound(processId)) : Effect.succeed(rows[0]))
      )

    const openJson = (
      row: ProcessRow,
      field: "parameters" | "provider_state" | "final_result" | "provider_specific"
    ) => {
      const sealed = bytesOf(row[field])
      return sealed === null ? Effect.succeed(undefined) : Effect.orDie(cipher.openJson(sealed, context(row.id, field)))
    }

    /** The process as the API shows it; its files are read unless the caller has them (in creation order). */
    const toProcess = (row: ProcessRow, known?: ReadonlyArray<FileRow>) =>
      Effect.gen(function* () {
        const fileRows =
          known ??
          (yield* sql<FileRow>`
          SELECT * FROM assure_files WHERE process_id = ${row.id} ORDER BY created_at, id`.pipe(Effect.orDie))
        const finalResult = yield* openJson(row, "final_result")
        const providerSpecific = yield* openJson(row, "provider_specific")
        return decodeProcess({
          processId: row.id,
          dossierId: row.dossier_id,
          provider: row.provider,
          processType: row.process_type,
          status: row.status,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
          ...(finalResult === undefined ? {} : { finalResult }),
          ...(providerSpecific === undefined ? {} : { providerSpecific }),
          files: fileRows.map((file) => encodeFileInfo(fileInfoOf(file))),
          ...(row.redirect_url === null ? {} : { redirectUrl: row.redirect_url }),
          ...(row.notification_url === null ? {} : { notificationUrl: row.notification_url }),
          ...(Number(row.attempts) === 0 || row.last_error === null
            ? {}
            : {
                providerRetry: {
                  attempts: Number(row.attempts),
                  lastError: row.last_error,
                  ...(row.next_check_at === null ? {} : { nextAttemptAt: row.next_check_at })
                }
              })
        })
      })

    const providerOf = (name: string) =>
      Effect.mapError(registry.get(name), (error) =>
        invalid("The provider is not configured", "provider", error.message)
      )

    const storeFile = (
      row: { readonly id: string; readonly tenant_id: string; readonly dossier_id: string },
      kind: FileKind.FileKind,
      mediaType: string,
      bytes: Uint8Array
    ) =>
      Effect.gen(function* () {
        const id = newId()
        const key = yield* Effect.orDie(Effect.flatMap(cipher.seal(bytes, fileContext(id)), files.put))
        const fileRow: FileRow = {
          id,
          tenant_id: row.tenant_id,
          dossier_id: row.dossier_id,
          process_id: row.id,
          kind,
          media_type: mediaType,
          size: bytes.length,
          storage_key: key,
          created_at: yield* now
        }
        return fileRow
      })

    /**
     * The one place a process moves forward. A final outcome is stored with a conditional UPDATE that only a
     * non-final process matches, so it happens exactly once; files the provider returned are stored first and
     * removed again if the process had already ended, or was deleted meanwhile (the transaction holds the dossier's
     * lock, see internal/locking.ts; the caller reads the process again and answers `NotFound`).
     */
    const applyOutcome = (row: ProcessRow, outcome: IdentityProvider.Outcome) =>
      Effect.gen(function* () {
        const timestamp = yield* now
        if (!ProcessStatus.isFinal(outcome.status)) {
          if (ProcessStatus.canTransition(row.status as ProcessStatus.ProcessStatus, outcome.status)) {
            yield* sql`UPDATE assure_processes SET status = ${outcome.status}, updated_at = ${timestamp}
                       WHERE id = ${row.id} AND status = ${row.status}`.pipe(Effect.orDie)
          }
          return
        }
        const finalResult =
          outcome.status === "accepted" && outcome.finalResult !== undefined
            ? yield* cipher.sealJson(encodeIdentity(outcome.finalResult), context(row.id, "final_result"))
            : null
        const providerSpecific = yield* cipher.sealJson(outcome.providerSpecific, context(row.id, "provider_specific"))
        const queued = notificationsFor(row, outcome.status, timestamp)
        // Every file stored for this outcome is removed again unless the outcome is applied, whatever happens.
        const stored: Array<FileRow> = []
        const removeStored = Effect.forEach(stored, (file) => Effect.ignore(files.remove(file.storage_key)), {
          discard: true
        })
        const applied = yield* Effect.gen(function* () {
          for (const file of outcome.files) {
            const kept = yield* FileContent.validate(file.kind, file.bytes).pipe(
              Effect.flatMap((mediaType) => storeFile(row, file.kind, mediaType, file.bytes)),
              // A provider file we cannot accept is left out, not a reason to lose the result.
              Effect.option
            )
            if (Option.isSome(kept)) stored.push(kept.value)
          }
          const applied = yield* sql
            .withTransaction(
              Effect.gen(function* () {
                if (!(yield* lockAndTouchDossier(sql, row.dossier_id, timestamp))) return false
                const updated = yield* sql<{ id: string }>`
                UPDATE assure_processes
                SET status = ${outcome.status}, final_result = ${finalResult}, provider_specific = ${providerSpecific},
                    reason = ${outcome.reason ?? null}, updated_at = ${timestamp},
                    next_check_at = NULL, attempts = 0, last_error = NULL
                WHERE id = ${row.id} AND status IN ('pending', 'processing')
                RETURNING id`
                // Ended already: nothing changes, the dossier's updatedAt included (the transaction rolls back).
                if (updated.length === 0) return yield* new AlreadyFinal()
                const storedRows = stored.map((file): Record<string, unknown> => ({ ...file }))
                if (Arr.isReadonlyArrayNonEmpty(storedRows))
                  yield* sql`INSERT INTO assure_files ${sql.insert(storedRows)}`
                const queuedRows = queued.map((notification): Record<string, unknown> => ({ ...notification }))
                if (Arr.isReadonlyArrayNonEmpty(queuedRows)) {
                  yield* sql`INSERT INTO assure_notifications ${sql.insert(queuedRows)}`
                }
                return true
              })
            )
            .pipe(
              Effect.catchTag("AlreadyFinal", () => Effect.succeed(false)),
              Effect.orDie
            )
          if (!applied) yield* removeStored
          return applied
        }).pipe(
          Effect.onError(() => removeStored),
          Effect.uninterruptible
        )
        if (applied) {
          yield* EngineMetrics.recordFinished(row.provider, outcome.status)
          yield* lifecycle.queued(
            queued.map((notification) => ({ row: notification, authorization: row.authorization_header }))
          )
        }
      })

    /** The notifications a process's end queues: the legacy callback and the tenant's signed event, as configured. */
    const notificationsFor = (
      row: ProcessRow,
      status: ProcessStatus.ProcessStatus,
      timestamp: Timestamp.Timestamp
    ): ReadonlyArray<NotificationRow> => {
      const expiresAt = later(timestamp, settings.notifications.expireAfter)
      const queued = (kind: "callback" | "event", url: string, id: string, payload: unknown): NotificationRow => ({
        id,
        tenant_id: row.tenant_id,
        dossier_id: row.dossier_id,
        process_id: row.id,
        kind,
        url,
        payload: JSON.stringify(payload),
        status: "pending",
        attempts: 0,
        round: 0,
        last_error: null,
        // Tried at once by this instance (Lifecycle.queued); due for the sweeper if that attempt never ends.
        next_attempt_at: notificationLease(settings, timestamp),
        expires_at: expiresAt,
        created_at: timestamp,
        delivered_at: null
      })
      const subscription = settings.eventSubscriptions[row.tenant_id]
      const eventId = newId()
      return [
        ...(row.notification_url === null
          ? []
          : [
              queued("callback", row.notification_url, newId(), {
                dossierId: row.dossier_id,
                processId: row.id,
                status
              })
            ]),
        ...(subscription === undefined
          ? []
          : [
              queued("event", subscription.url, eventId, {
                id: eventId,
                timestamp,
                sender: "assure",
                eventName: "process.complete",
                eventData: { dossierId: row.dossier_id, processId: row.id, provider: row.provider, status },
                accountId: row.tenant_id,
                organizationId: null,
                expiresAt,
                tags: []
              })
            ])
      ]
    }

    const outcomeFromProvider = (row: ProcessRow) =>
      Effect.gen(function* () {
        const provider = yield* Effect.orDie(registry.get(row.provider))
        const state = yield* openJson(row, "provider_state")
        return yield* provider
          .fetchResult({
            reference: row.provider_reference ?? "",
            state: state as IdentityProvider.ProviderState | undefined
          })
          .pipe(EngineMetrics.trackProviderCall(row.provider, "fetchResult"))
      })

    /**
     * What the provider gets of the files: the process's own uploads, or else the dossier's (one query for both),
     * with their bytes; and the process's own rows, for the answer.
     */
    const inputFilesOf = (row: ProcessRow) =>
      Effect.gen(function* () {
        const candidates = yield* sql<FileRow>`
          SELECT * FROM assure_files
          WHERE dossier_id = ${row.dossier_id} AND (process_id = ${row.id} OR process_id IS NULL) AND kind <> 'portrait'
          ORDER BY created_at, id`
        const own = candidates.filter((file) => file.process_id === row.id)
        const chosen = own.length > 0 ? own : candidates.filter((file) => file.process_id === null)
        const inputs = yield* Effect.forEach(chosen, (file) =>
          Effect.map(
            Effect.flatMap(files.get(file.storage_key), (sealed) => cipher.open(sealed, fileContext(file.id))),
            (bytes): IdentityProvider.InputFile => ({
              kind: file.kind as FileKind.UploadableKind,
              mediaType: file.media_type,
              bytes
            })
          )
        )
        return { own, inputs }
      }).pipe(Effect.orDie)

    /**
     * Hands the process to its provider: its files (or the dossier's) and the dossier's identity data, read under
     * the dossier's lock (internal/locking.ts) — all of it, or, the dossier deleted meanwhile, NotFound.
     */
    const startSession = (
      row: ProcessRow,
      provider: IdentityProvider.IdentityProvider,
      returnUrl: string | undefined
    ) =>
      Effect.gen(function* () {
        const inputs = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              const dossier = yield* lockDossierReadingUserData(sql, row.dossier_id)
              if (dossier === undefined) return undefined
              return { sealedUserData: bytesOf(dossier.user_data), files: yield* inputFilesOf(row) }
            })
          )
          .pipe(Effect.orDie)
        if (inputs === undefined) return yield* notFound(row.id)
        const { sealedUserData } = inputs
        const userData =
          sealedUserData === null
            ? undefined
            : storedIdentityData(
                yield* Effect.orDie(cipher.openJson(sealedUserData, `dossier:${row.dossier_id}:userData`))
              )
        const parameters = yield* openJson(row, "parameters")
        return yield* provider
          .start({
            dossierId: Identifiers.DossierId.make(row.dossier_id),
            processId: Identifiers.ProcessId.make(row.id),
            processType: ProcessType.ProcessType.make(row.process_type),
            parameters,
            userData,
            files: inputs.files.inputs,
            returnUrl,
            idempotencyKey: row.id
          })
          .pipe(
            EngineMetrics.trackProviderCall(row.provider, "start"),
            Effect.map((session) => ({ session, ownFiles: inputs.files.own }))
          )
      })

    /** Deleted meanwhile (with its dossier, say): NotFound; otherwise another request started it first. */
    const alreadyRequested = (processId: string) =>
      Effect.andThen(
        rowById(processId),
        new Conflict({ detail: "Verification was already requested for this process" })
      )

    /**
     * When a started process is first due: at once for a provider that must be asked, after the first polling
     * interval for one that will also tell (by webhook), at its deadline for one that can only tell.
     */
    const firstCheck = (
      provider: IdentityProvider.IdentityProvider,
      timestamp: Timestamp.Timestamp,
      deadline: Timestamp.Timestamp
    ): Timestamp.Timestamp =>
      !provider.capabilities.polling
        ? deadline
        : provider.capabilities.webhooks
          ? earliest(later(timestamp, settings.pollInterval.initial), deadline)
          : timestamp

    const pollDelayMillis = (round: number) =>
      Math.min(millis(settings.pollInterval.max), millis(settings.pollInterval.initial) * 2 ** round)

    /** Records when a waiting process is due next; a process that ended meanwhile is left as it is. */
    const schedule = (
      row: ProcessRow,
      next: Timestamp.Timestamp,
      fields: { readonly round: number; readonly attempts: number; readonly lastError: string | null }
    ) =>
      sql`UPDATE assure_processes
          SET next_check_at = ${row.deadline_at === null ? next : earliest(next, row.deadline_at as Timestamp.Timestamp)},
              check_round = ${fields.round}, attempts = ${fields.attempts}, last_error = ${fields.lastError}
          WHERE id = ${row.id} AND status IN ('pending', 'processing')`.pipe(Effect.orDie, Effect.asVoid)

    /** A failed provider call of the sweeper's: when to try again, counted and logged. */
    const retryAfterFailure = (
      row: ProcessRow,
      operation: "start" | "fetchResult",
      error: ProviderError.ProviderError
    ) =>
      Effect.gen(function* () {
        const attempts = Number(row.attempts) + 1
        yield* EngineMetrics.recordRetry(row.provider, operation, error.reason._tag)
        yield* Effect.logWarning("a provider call failed; the engine will try again", {
          processId: row.id,
          operation,
          attempts,
          reason: error.reason._tag
        })
        // A failure the provider calls permanent is not hurried: polls go on at the polling pace until the deadline.
        const delay = error.isRetryable
          ? RetryPolicy.delayMillis(settings.providerRetries, attempts, retryAfterOf(error), Math.random())
          : pollDelayMillis(Number(row.check_round))
        yield* schedule(row, yield* dueIn(delay), {
          round: Number(row.check_round),
          attempts,
          lastError: error.message
        })
      })

    /** Retries a start that failed retryably: the session, or another failure, or — too many — the end. */
    const retryStart = (row: ProcessRow, provider: IdentityProvider.IdentityProvider) =>
      Effect.gen(function* () {
        const attempt = yield* Effect.result(startSession(row, provider, row.return_url ?? undefined))
        if (Result.isFailure(attempt)) {
          const error = attempt.failure
          if (error._tag === "NotFound") return
          if (!error.isRetryable || Number(row.attempts) + 1 >= settings.providerRetries.maxStartAttempts) {
            yield* Effect.logWarning("the provider did not start the verification; the process failed", {
              processId: row.id,
              reason: error.reason._tag
            })
            return yield* applyOutcome(row, {
              status: "failed",
              providerSpecific: {},
              checks: [],
              files: [],
              reason: "provider_unavailable"
            })
          }
          return yield* retryAfterFailure(row, "start", error)
        }
        const { session } = attempt.success
        const state =
          session.state === undefined ? null : yield* cipher.sealJson(session.state, context(row.id, "provider_state"))
        const timestamp = yield* now
        const deadline = (row.deadline_at ?? later(timestamp, settings.resultTimeout)) as Timestamp.Timestamp
        yield* sql`
          UPDATE assure_processes
          SET provider_reference = ${session.reference}, provider_state = ${state}, redirect_url = ${session.redirectUrl ?? null},
              next_check_at = ${firstCheck(provider, timestamp, deadline)}, attempts = 0, last_error = NULL,
              updated_at = ${timestamp}
          WHERE id = ${row.id} AND provider_reference IS NULL AND status = 'processing'`.pipe(Effect.orDie)
        yield* EngineMetrics.recordStarted(row.provider)
      })

    const check = Effect.fn("Processes.check")(function* (row: ProcessRow) {
      if (ProcessStatus.isFinal(row.status as ProcessStatus.ProcessStatus)) return
      const timestamp = yield* now
      if (row.deadline_at !== null && timestamp >= row.deadline_at) {
        return yield* applyOutcome(row, {
          status: "failed",
          providerSpecific: {},
          checks: [],
          files: [],
          reason: "timeout"
        })
      }
      const configured = yield* Effect.result(registry.get(row.provider))
      if (Result.isFailure(configured)) {
        // Configured again before the deadline, it is polled again; otherwise the deadline ends it.
        return yield* schedule(row, yield* dueIn(millis(settings.pollInterval.max)), {
          round: Number(row.check_round),
          attempts: Number(row.attempts),
          lastError: "the provider is not configured"
        })
      }
      const provider = configured.success
      if (row.provider_reference === null) return yield* retryStart(row, provider)
      if (!provider.capabilities.polling) {
        return yield* schedule(
          row,
          (row.deadline_at ?? later(timestamp, settings.resultTimeout)) as Timestamp.Timestamp,
          {
            round: Number(row.check_round),
            attempts: 0,
            lastError: null
          }
        )
      }
      const fetched = yield* Effect.result(outcomeFromProvider(row))
      if (Result.isFailure(fetched)) return yield* retryAfterFailure(row, "fetchResult", fetched.failure)
      yield* applyOutcome(row, fetched.success)
      if (ProcessStatus.isFinal(fetched.success.status)) return
      const round = Number(row.check_round) + 1
      yield* schedule(row, yield* dueIn(pollDelayMillis(round)), { round, attempts: 0, lastError: null })
    })

    return Processes.of({
      create: Effect.fn("Processes.create")(function* (tenant, dossierId, input) {
        if (!isDossierId(dossierId)) return yield* new NotFound({ resource: "dossier", id: dossierId })
        // Checked before anything is stored. The dossier's existence is checked under its lock, below, and, when the
        // input is refused, here: a missing dossier answers NotFound before any complaint about the input.
        const { provider, parameters } = yield* Effect.gen(function* () {
          if (!isProviderName(input.provider)) {
            return yield* invalid("The provider is not configured", "provider", "is not a provider name")
          }
          const provider = yield* providerOf(input.provider)
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
          const others = Object.keys(entries).filter((key) => key !== provider.name)
          if (others.length > 0) {
            return yield* invalid(
              "The process parameters are not valid",
              `processParameters.${others[0]}`,
              `only "${provider.name}" parameters apply`
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
          return { provider, parameters }
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
          parameters: yield* cipher.sealJson(parameters, context(id, "parameters")),
          notification_url: input.notificationUrl ?? null,
          authorization_header:
            input.authorizationHeader === undefined
              ? null
              : yield* cipher.seal(
                  new TextEncoder().encode(input.authorizationHeader),
                  context(id, "authorization_header")
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
        return yield* toProcess(row, [])
      }),

      get: Effect.fn("Processes.get")(function* (tenant, dossierId, processId) {
        return yield* toProcess(yield* findRow(tenant, dossierId, processId))
      }),

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
        const provider = yield* Effect.orDie(registry.get(row.provider))
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
          session.state === undefined ? null : yield* cipher.sealJson(session.state, context(row.id, "provider_state"))
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
        const provider = yield* Effect.orDie(registry.get(row.provider))
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

      receiveWebhook: Effect.fn("Processes.receiveWebhook")(function* (providerName, request) {
        const provider = yield* registry
          .get(providerName)
          .pipe(Effect.mapError(() => new NotFound({ resource: "process", id: providerName })))
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

      completeRedirect: Effect.fn("Processes.completeRedirect")(function* (providerName, params) {
        const provider = yield* registry
          .get(providerName)
          .pipe(Effect.mapError(() => new NotFound({ resource: "process", id: providerName })))
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

      refresh: Effect.fn("Processes.refresh")(function* (processId) {
        const row = yield* rowById(processId)
        if (row.provider_reference !== null && !ProcessStatus.isFinal(row.status as ProcessStatus.ProcessStatus)) {
          yield* applyOutcome(row, yield* outcomeFromProvider(row))
        }
        return yield* toProcess(yield* rowById(processId))
      }),

      claimDue: (limit) =>
        Effect.gen(function* () {
          const timestamp = yield* now
          // The outer condition is checked again on the row as it is when its lock is taken: a process that ended
          // after the subquery saw it (its next_check_at set to NULL) is not leased — on PostgreSQL it would
          // otherwise be left due, and claimed again at the end of every lease, though it has ended.
          return yield* sql<ProcessRow>`
            UPDATE assure_processes SET next_check_at = ${checkLease(timestamp)}
            WHERE id IN (
              SELECT id FROM assure_processes WHERE next_check_at <= ${timestamp}
              ORDER BY next_check_at LIMIT ${limit})
            AND next_check_at <= ${timestamp}
            RETURNING *`
        }).pipe(Effect.orDie),

      check,

      nextDue: sql<{ due: string | null }>`
        SELECT min(next_check_at) AS due FROM assure_processes WHERE next_check_at IS NOT NULL`.pipe(
        Effect.map((rows) => rows[0]?.due ?? undefined),
        Effect.orDie
      ),

      match: Effect.fn("Processes.match")(function* (tenant, dossierId, processId) {
        const row = yield* findRow(tenant, dossierId, processId)
        const finalResult = yield* openJson(row, "final_result")
        if (row.status !== "accepted" || finalResult === undefined) {
          return yield* new Conflict({ detail: "Only an accepted process has a result to match" })
        }
        const dossierRows = yield* sql<{ user_data: Uint8Array | null }>`
          SELECT user_data FROM assure_dossiers WHERE id = ${row.dossier_id}`.pipe(Effect.orDie)
        const sealed = bytesOf(dossierRows[0]?.user_data ?? null)
        if (sealed === null) return yield* new Conflict({ detail: "The dossier has no userData to match" })
        const userData = storedIdentityData(
          yield* Effect.orDie(cipher.openJson(sealed, `dossier:${row.dossier_id}:userData`))
        )
        return Matching.compare(userData, storedIdentityData(finalResult))
      })
    })
  })
)
