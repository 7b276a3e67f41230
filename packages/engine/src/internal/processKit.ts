/**
 * What the process services share: the process rows and their SQL, turning a row into the API's process, starting a
 * provider session, and the one place a process moves forward (`applyOutcome`). `Processes` (the tenant-facing
 * operations) and `Verifications` (the lifecycle: webhooks, redirects, polling, retries, deadlines) are both built on
 * it, so neither holds a copy of the other's SQL.
 */
import {
  FileInfo,
  type FileKind,
  Identifiers,
  IdentityData,
  Process,
  ProcessRouting,
  ProcessStatus,
  ProcessType,
  ProviderName,
  Review,
  Timestamp
} from "@assure/core"
import { type IdentityProvider, type ProviderError, ProviderRegistry } from "@assure/provider"
import { Array as Arr, Clock, Data, Duration, Effect, Option, Result, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as CircuitBreaker from "../CircuitBreaker.js"
import { EngineConfig } from "../EngineConfig.js"
import { Conflict, InvalidInput, NotFound, ProviderNotConfigured } from "../EngineError.js"
import * as EngineMetrics from "../EngineMetrics.js"
import * as FileContent from "../FileContent.js"
import { FileStore } from "../FileStore.js"
import { Lifecycle } from "../Lifecycle.js"
import { OutboundPolicy } from "../OutboundPolicy.js"
import { PersonalDataCipher } from "../PersonalDataCipher.js"
import * as RetryPolicy from "../RetryPolicy.js"
import type { TenantId } from "../Tenant.js"
import { notificationLease } from "./leases.js"
import { lockAndTouchDossier, lockDossierReadingUserData, readUnlessDeleted } from "./locking.js"
import { type ReviewRow, reviewOfRow } from "./reviewRecords.js"
import { bytesOf, type FileRow, type NotificationRow, type ProcessRow } from "./rows.js"
import { fileContext, processContext, userDataContext } from "./sealing.js"
import { fileInfoOf, later, newId, now, storedIdentityData } from "./shared.js"

export const isDossierId = Schema.is(Identifiers.DossierId)
const isProcessId = Schema.is(Identifiers.ProcessId)
export const isProviderName = Schema.is(ProviderName.ProviderName)
const decodeProcess = Schema.decodeUnknownSync(Process.Process)
const encodeIdentity = Schema.encodeSync(IdentityData.IdentityData)
const encodeFileInfo = Schema.encodeSync(FileInfo.FileInfo)
const encodeReview = Schema.encodeSync(Review.Review)

/**
 * What a routed process keeps sealed in its `routing` column: the record the API shows, and the client's provider
 * parameters for every provider of the route, which a fallback process starts with.
 */
export const SealedRouting = Schema.Struct({
  record: ProcessRouting.ProcessRouting,
  parameters: Schema.Record(Schema.String, Schema.Unknown)
})
const decodeRouting = Schema.decodeUnknownSync(SealedRouting)
export const encodeRouting = Schema.encodeSync(SealedRouting)

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * The stored instant `delay` ms from now, rounded up to the second stored timestamps have: never sooner than the
 * delay (a provider's `Retry-After` is a floor), at most a second later.
 */
export const dueIn = (delay: number) =>
  Effect.map(Clock.currentTimeMillis, (nowMillis) =>
    Timestamp.fromEpochMillis(Math.ceil((nowMillis + delay) / 1000) * 1000)
  )

const earliest = (a: Timestamp.Timestamp, b: Timestamp.Timestamp): Timestamp.Timestamp => (a <= b ? a : b)

export const retryAfterOf = (error: ProviderError.ProviderError): Duration.Duration | undefined =>
  error.reason._tag === "RateLimited" ? error.reason.retryAfter : undefined

/** Inside a final transition's transaction: the process had ended already, so the transaction rolls back. */
class AlreadyFinal extends Data.TaggedError("AlreadyFinal") {}

export const invalid = (detail: string, name: string, reason: string) =>
  new InvalidInput({ detail, invalidParams: [{ name, reason }] })

/**
 * Whether `value` is a valid HTTP field value (RFC 9110 §5.5) made of ASCII: visible characters, with spaces and tabs
 * between them — no CR, LF, NUL or other control character, which would split or corrupt the request it is sent with.
 */
export const isHeaderValue = (value: string): boolean => /^[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?$/.test(value)

export const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === "https:" || url.protocol === "http:"
  } catch {
    return false
  }
}

/** The process columns the API shows: none of the sealed parameters, provider state or client credentials. */
type ShownProcessRow = Pick<
  ProcessRow,
  | "id"
  | "dossier_id"
  | "provider"
  | "process_type"
  | "status"
  | "final_result"
  | "provider_specific"
  | "redirect_url"
  | "notification_url"
  | "attempts"
  | "last_error"
  | "next_check_at"
  | "routing"
  | "fallback_of"
  | "fallback_to"
  | "created_at"
  | "updated_at"
>

const shownColumns = (sql: SqlClient.SqlClient) =>
  sql.literal(
    "p.id, p.dossier_id, p.provider, p.process_type, p.status, p.final_result, p.provider_specific, p.redirect_url, " +
      "p.notification_url, p.attempts, p.last_error, p.next_check_at, p.routing, p.fallback_of, p.fallback_to, " +
      "p.created_at, p.updated_at"
  )

/** A file's columns as the API shows them (its `FileInfo`). */
type ShownFileRow = Pick<FileRow, "id" | "kind" | "media_type" | "size" | "created_at">

/** A file's columns beside its process's, in a `LEFT JOIN`: all null for a process without files. */
type JoinedFileColumns =
  | {
      readonly file_id: string
      readonly file_kind: string
      readonly file_media_type: string
      readonly file_size: number
      readonly file_created_at: string
    }
  | {
      readonly file_id: null
      readonly file_kind: null
      readonly file_media_type: null
      readonly file_size: null
      readonly file_created_at: null
    }

const joinedFiles = (rows: ReadonlyArray<JoinedFileColumns>): ReadonlyArray<ShownFileRow> =>
  rows.flatMap((row) =>
    row.file_id === null
      ? []
      : [
          {
            id: row.file_id,
            kind: row.file_kind,
            media_type: row.file_media_type,
            size: Number(row.file_size),
            created_at: row.file_created_at
          }
        ]
  )

/** The shared operations, over the services they need. */
export const makeProcessKit = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const policy = yield* OutboundPolicy
  const cipher = yield* PersonalDataCipher
  const files = yield* FileStore
  const registry = yield* ProviderRegistry.ProviderRegistry
  const lifecycle = yield* Lifecycle
  const settings = yield* EngineConfig
  const breaker = yield* CircuitBreaker.CircuitBreaker

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

  const openJson = <Field extends "parameters" | "provider_state" | "final_result" | "provider_specific" | "routing">(
    row: Pick<ProcessRow, "id" | Field>,
    field: Field
  ) => {
    const sealed = bytesOf(row[field])
    return sealed === null
      ? Effect.succeed(undefined)
      : Effect.orDie(cipher.openJson(sealed, processContext(row.id, field)))
  }

  /**
   * The process as the API shows it; its files are read unless the caller has them (in creation order), and its
   * routing record is opened unless the caller has it (a process just created: opening what was just sealed costs a
   * routed creation a sixth of its time, BENCHMARKS.md).
   */
  const toProcess = (
    row: ShownProcessRow,
    known?: ReadonlyArray<ShownFileRow>,
    knownRouting?: typeof SealedRouting.Type,
    knownReview?: ReviewRow | null
  ) =>
    Effect.gen(function* () {
      const fileRows =
        known ??
        (yield* sql<FileRow>`
        SELECT * FROM assure_files WHERE process_id = ${row.id} ORDER BY created_at, id`.pipe(Effect.orDie))
      const finalResult = yield* openJson(row, "final_result")
      const providerSpecific = yield* openJson(row, "provider_specific")
      const routing = knownRouting ?? (yield* openRouting(row))
      // A reviewer's decision, beside the provider's status (an assure extension); a new process has none.
      const reviewRow =
        knownReview === undefined
          ? (yield* sql<ReviewRow>`SELECT * FROM assure_reviews WHERE process_id = ${row.id}`.pipe(Effect.orDie))[0]
          : (knownReview ?? undefined)
      const review = reviewRow === undefined ? undefined : encodeReview(yield* reviewOfRow(cipher, reviewRow))
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
            }),
        ...(routing === undefined ? {} : { routing: routing.record }),
        ...(row.fallback_of === null ? {} : { fallbackOf: row.fallback_of }),
        ...(row.fallback_to === null ? {} : { fallbackTo: row.fallback_to }),
        ...(review === undefined ? {} : { review })
      })
    })

  /** A dossier's sealed userData, opened; undefined for a dossier without any. */
  const openUserData = (sealed: Uint8Array | null, dossierId: string) =>
    sealed === null
      ? Effect.succeed(undefined)
      : Effect.map(Effect.orDie(cipher.openJson(sealed, userDataContext(dossierId))), storedIdentityData)

  /** A routed process's sealed routing; undefined for a process whose client named the provider. */
  const openRouting = (row: Pick<ProcessRow, "id" | "routing">) =>
    Effect.map(openJson(row, "routing"), (json) => (json === undefined ? undefined : decodeRouting(json)))

  const sealRouting = (processId: string, routing: typeof SealedRouting.Type) =>
    cipher.sealJson(encodeRouting(routing), processContext(processId, "routing"))

  /** Tells the circuit breaker how a call to the process's provider ended. */
  const trackCircuit =
    (row: Pick<ProcessRow, "tenant_id" | "provider">) =>
    <A, R>(call: Effect.Effect<A, ProviderError.ProviderError, R>) =>
      call.pipe(
        Effect.tap(() => breaker.record(row.tenant_id, row.provider, "success")),
        Effect.tapError((error) => breaker.record(row.tenant_id, row.provider, CircuitBreaker.classify(error)))
      )

  /**
   * A tenant's process as the API shows it, in one statement: the columns the API shows (not the sealed parameters,
   * state and credentials it never shows) and its files, one row per file (or one row without a file), by index.
   */
  const readProcess = (tenant: TenantId, dossierId: string, processId: string) =>
    Effect.gen(function* () {
      if (!isDossierId(dossierId)) return yield* new NotFound({ resource: "dossier", id: dossierId })
      if (!isProcessId(processId)) return yield* notFound(processId)
      const rows = yield* sql<ShownProcessRow & JoinedFileColumns>`
        SELECT ${shownColumns(sql)},
               f.id AS file_id, f.kind AS file_kind, f.media_type AS file_media_type, f.size AS file_size,
               f.created_at AS file_created_at
        FROM assure_processes p LEFT JOIN assure_files f ON f.process_id = p.id
        WHERE p.id = ${processId} AND p.dossier_id = ${dossierId} AND p.tenant_id = ${tenant}
        ORDER BY f.created_at, f.id`.pipe(Effect.orDie)
      const row = rows[0]
      if (row === undefined) return yield* notFound(processId)
      return yield* toProcess(row, joinedFiles(rows))
    })

  /** The configured provider of this name. */
  const providerOf = (name: string) =>
    Effect.mapError(registry.get(name), () => new ProviderNotConfigured({ provider: name }))

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
          ? yield* cipher.sealJson(encodeIdentity(outcome.finalResult), processContext(row.id, "final_result"))
          : null
      const providerSpecific = yield* cipher.sealJson(
        outcome.providerSpecific,
        processContext(row.id, "provider_specific")
      )
      const fallback = yield* planFallback(row, outcome, timestamp)
      const queued = notificationsFor(row, outcome.status, timestamp, fallback?.fallbackTo ?? null)
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
              if (fallback !== undefined) {
                yield* sql`UPDATE assure_processes SET routing = ${fallback.routing}, fallback_to = ${fallback.fallbackTo}
                           WHERE id = ${row.id}`
                if (fallback.process !== undefined) {
                  yield* sql`INSERT INTO assure_processes ${sql.insert({ ...fallback.process })}`
                }
              }
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
        // The fallback process is started by the sweeper, as a start to retry is: durable, and at once.
        if (fallback?.process !== undefined) {
          yield* EngineMetrics.recordFallback(row.provider, fallback.process.provider)
          yield* lifecycle.wake(timestamp)
        }
        yield* lifecycle.queued(
          queued.map((notification) => ({ row: notification, authorization: row.authorization_header }))
        )
      }
    })

  /**
   * What follows a routed process's failure through its provider's fault (`provider_unavailable`: the engine gave up
   * retrying the start): the first fallback left that is loaded, accepts the client's parameters and whose circuit
   * is closed becomes a new process on the same dossier, `processing`, due at once, linked both ways. When the
   * end-user had been sent to the failed provider (a redirect or hosted flow), the server cannot bring them back:
   * the fallback is only recorded as `available` for the client. Undefined when nothing applies (not routed, another
   * status or reason).
   */
  const planFallback = (row: ProcessRow, outcome: IdentityProvider.Outcome, timestamp: Timestamp.Timestamp) =>
    Effect.gen(function* () {
      if (outcome.status !== "failed" || outcome.reason !== "provider_unavailable") return undefined
      const routing = yield* openRouting(row)
      if (routing === undefined) return undefined
      const after = "provider_unavailable" as const
      const considered: Array<ProcessRouting.Consideration> = []
      const remaining = [...routing.record.fallbacks]
      const recorded = (fallback: ProcessRouting.Fallback, left: ReadonlyArray<ProviderName.ProviderName>) =>
        sealRouting(row.id, { ...routing, record: { ...routing.record, fallbacks: left, fallback } })
      for (let name = remaining.shift(); name !== undefined; name = remaining.shift()) {
        const configured = yield* Effect.result(registry.get(name))
        if (Result.isFailure(configured)) {
          considered.push({ provider: name, outcome: "skipped", reason: "unknownProvider" })
          continue
        }
        const provider = configured.success
        const parameters = routing.parameters[name] ?? {}
        if (Result.isFailure(yield* Effect.result(provider.validateParameters(parameters)))) {
          considered.push({ provider: name, outcome: "skipped", reason: "parameters" })
          continue
        }
        if (!(yield* breaker.isAvailable(row.tenant_id, name))) {
          considered.push({ provider: name, outcome: "skipped", reason: "circuitOpen" })
          continue
        }
        considered.push({ provider: name, outcome: "chosen" })
        if (row.redirect_url !== null) {
          const fallback = { after, outcome: "available", provider: name, considered } as const
          return { routing: yield* recorded(fallback, [name, ...remaining]), fallbackTo: null, process: undefined }
        }
        const id = newId()
        const authorization = bytesOf(row.authorization_header)
        const process: ProcessRow = {
          id,
          dossier_id: row.dossier_id,
          tenant_id: row.tenant_id,
          provider: name,
          process_type: row.process_type,
          status: "processing",
          parameters: yield* cipher.sealJson(parameters, processContext(id, "parameters")),
          notification_url: row.notification_url,
          authorization_header:
            authorization === null
              ? null
              : yield* Effect.flatMap(
                  Effect.orDie(cipher.open(authorization, processContext(row.id, "authorization_header"))),
                  (plaintext) => cipher.seal(plaintext, processContext(id, "authorization_header"))
                ),
          provider_reference: null,
          provider_state: null,
          redirect_url: null,
          client_redirect_url: row.client_redirect_url,
          final_result: null,
          provider_specific: null,
          reason: null,
          deadline_at: later(timestamp, settings.resultTimeout),
          next_check_at: timestamp,
          check_round: 0,
          attempts: 0,
          last_error: null,
          return_url: row.return_url,
          routing: yield* sealRouting(id, {
            ...routing,
            record: {
              decision: routing.record.decision,
              fallbacks: remaining,
              replaced: {
                processId: Identifiers.ProcessId.make(row.id),
                provider: ProviderName.ProviderName.make(row.provider),
                after
              }
            }
          }),
          fallback_of: row.id,
          fallback_to: null,
          created_at: timestamp,
          updated_at: timestamp
        }
        const fallback = {
          after,
          outcome: "created",
          provider: name,
          processId: Identifiers.ProcessId.make(id),
          considered
        } as const
        return { routing: yield* recorded(fallback, remaining), fallbackTo: id, process }
      }
      return {
        routing: yield* recorded({ after, outcome: "none", considered }, []),
        fallbackTo: null,
        process: undefined
      }
    })

  /**
   * The notifications a process's end queues: the legacy callback and the tenant's signed event, as configured. A
   * routed process names the process that replaced it (`fallbackTo`) or that it replaced (`fallbackOf`). Other changes
   * of a process notify the same way with their own event name and more to say (`extra`: a review's
   * `process.reviewed`, with the review), in both the callback and the event's data.
   */
  const notificationsFor = (
    row: ProcessRow,
    status: ProcessStatus.ProcessStatus,
    timestamp: Timestamp.Timestamp,
    fallbackTo: string | null,
    extra?: { readonly eventName: string; readonly data: Readonly<Record<string, unknown>> }
  ): ReadonlyArray<NotificationRow> => {
    const links = {
      ...(row.fallback_of === null ? {} : { fallbackOf: row.fallback_of }),
      ...(fallbackTo === null ? {} : { fallbackTo }),
      ...extra?.data
    }
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
              status,
              ...links
            })
          ]),
      ...(subscription === undefined
        ? []
        : [
            queued("event", subscription.url, eventId, {
              id: eventId,
              timestamp,
              sender: "assure",
              eventName: extra?.eventName ?? "process.complete",
              eventData: { dossierId: row.dossier_id, processId: row.id, provider: row.provider, status, ...links },
              accountId: row.tenant_id,
              organizationId: null,
              expiresAt,
              tags: []
            })
          ])
    ]
  }

  /** Asks the process's provider for the result. */
  const outcomeFromProvider = (row: ProcessRow) =>
    Effect.flatMap(providerOf(row.provider), (provider) => fetchOutcome(row, provider))

  const fetchOutcome = (row: ProcessRow, provider: IdentityProvider.IdentityProvider) =>
    Effect.gen(function* () {
      const state = yield* openJson(row, "provider_state")
      return yield* provider
        .fetchResult({
          reference: row.provider_reference ?? "",
          state: state as IdentityProvider.ProviderState | undefined
        })
        .pipe(EngineMetrics.trackProviderCall(row.provider, "fetchResult"), trackCircuit(row))
    })

  /**
   * What the provider gets of the files: the process's own uploads, or else the dossier's (one query for both),
   * with their bytes; and the process's own rows, for the answer.
   */
  /**
   * Which files the provider gets: the process's own uploads, or else the dossier's (one query for both); and the
   * process's own rows, for the answer. Read under the dossier's lock.
   */
  const inputFileRowsOf = (row: ProcessRow) =>
    Effect.gen(function* () {
      const candidates = yield* sql<FileRow>`
        SELECT * FROM assure_files
        WHERE dossier_id = ${row.dossier_id} AND (process_id = ${row.id} OR process_id IS NULL) AND kind <> 'portrait'
        ORDER BY created_at, id`
      const own = candidates.filter((file) => file.process_id === row.id)
      if (own.length > 0) return { own, chosen: own }
      // A fallback process has no uploads of its own: it gets the images of the process it replaced (or of the one
      // that one replaced), the same capture of the same end-user, and else the dossier's.
      for (let replaced = row.fallback_of; replaced !== null; ) {
        const inherited = yield* sql<FileRow>`
          SELECT * FROM assure_files WHERE process_id = ${replaced} AND kind <> 'portrait' ORDER BY created_at, id`
        if (inherited.length > 0) return { own, chosen: inherited }
        const previous = yield* sql<{ fallback_of: string | null }>`
          SELECT fallback_of FROM assure_processes WHERE id = ${replaced}`
        replaced = previous[0]?.fallback_of ?? null
      }
      return { own, chosen: candidates.filter((file) => file.process_id === null) }
    })

  /**
   * The files' bytes, read after the lock is released (file I/O must not hold the database: SQLite has one
   * connection). A file deleted meanwhile, with its dossier, makes it NotFound, as if the delete had come first.
   */
  const inputFilesOf = (processId: string, chosen: ReadonlyArray<FileRow>) =>
    Effect.forEach(chosen, (file) =>
      readUnlessDeleted(sql, file.id, files.get(file.storage_key), () => notFound(processId)).pipe(
        Effect.flatMap((sealed) => Effect.orDie(cipher.open(sealed, fileContext(file.id)))),
        Effect.map(
          (bytes): IdentityProvider.InputFile => ({
            kind: file.kind as FileKind.UploadableKind,
            mediaType: file.media_type,
            bytes
          })
        )
      )
    )

  /**
   * Hands the process to its provider: its files (or the dossier's) and the dossier's identity data, read under
   * the dossier's lock (internal/locking.ts) — all of it, or, the dossier deleted meanwhile, NotFound.
   */
  const startSession = (row: ProcessRow, provider: IdentityProvider.IdentityProvider, returnUrl: string | undefined) =>
    Effect.gen(function* () {
      const inputs = yield* sql
        .withTransaction(
          Effect.gen(function* () {
            const dossier = yield* lockDossierReadingUserData(sql, row.dossier_id)
            if (dossier === undefined) return undefined
            return { sealedUserData: bytesOf(dossier.user_data), files: yield* inputFileRowsOf(row) }
          })
        )
        .pipe(Effect.orDie)
      if (inputs === undefined) return yield* notFound(row.id)
      const { sealedUserData } = inputs
      const inputFiles = yield* inputFilesOf(row.id, inputs.files.chosen)
      const userData = yield* openUserData(sealedUserData, row.dossier_id)
      const parameters = yield* openJson(row, "parameters")
      return yield* provider
        .start({
          dossierId: Identifiers.DossierId.make(row.dossier_id),
          processId: Identifiers.ProcessId.make(row.id),
          processType: ProcessType.ProcessType.make(row.process_type),
          parameters,
          userData,
          files: inputFiles,
          returnUrl,
          idempotencyKey: row.id
        })
        .pipe(
          EngineMetrics.trackProviderCall(row.provider, "start"),
          trackCircuit(row),
          Effect.map((session) => ({ session, ownFiles: inputs.files.own }))
        )
    })

  /** Deleted meanwhile (with its dossier, say): NotFound; otherwise another request started it first. */
  const alreadyRequested = (processId: string) =>
    Effect.andThen(rowById(processId), new Conflict({ detail: "Verification was already requested for this process" }))

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

  /** The wait after the `polls`-th poll: `pollInterval.initial`, doubling each time, up to `pollInterval.max`. */
  const pollDelayMillis = (polls: number) =>
    Math.min(millis(settings.pollInterval.max), millis(settings.pollInterval.initial) * 2 ** Math.max(0, polls - 1))

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
  const retryAfterFailure = (row: ProcessRow, operation: "start" | "fetchResult", error: ProviderError.ProviderError) =>
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

  /**
   * Ends a process whose provider the engine gave up on (`provider_unavailable`): logged with the last failure's
   * reason; a routed process's fallback follows (`applyOutcome`).
   */
  const failUnavailable = (row: ProcessRow, message: string, error: ProviderError.ProviderError) =>
    Effect.andThen(
      Effect.logWarning(message, { processId: row.id, reason: error.reason._tag }),
      applyOutcome(row, {
        status: "failed",
        providerSpecific: {},
        checks: [],
        files: [],
        reason: "provider_unavailable"
      })
    )

  /** Retries a start that failed retryably: the session, or another failure, or — too many — the end. */
  const retryStart = (row: ProcessRow, provider: IdentityProvider.IdentityProvider) =>
    Effect.gen(function* () {
      const attempt = yield* Effect.result(startSession(row, provider, row.return_url ?? undefined))
      if (Result.isFailure(attempt)) {
        const error = attempt.failure
        if (error._tag === "NotFound") return
        if (!error.isRetryable || Number(row.attempts) + 1 >= settings.providerRetries.maxStartAttempts) {
          return yield* failUnavailable(row, "the provider did not start the verification; the process failed", error)
        }
        return yield* retryAfterFailure(row, "start", error)
      }
      const { session } = attempt.success
      const state =
        session.state === undefined
          ? null
          : yield* cipher.sealJson(session.state, processContext(row.id, "provider_state"))
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

  const check = Effect.fn("Verifications.check")(function* (row: ProcessRow) {
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
    const fetched = yield* Effect.result(fetchOutcome(row, provider))
    if (Result.isFailure(fetched)) {
      const error = fetched.failure
      // A routed process has somewhere else to go: it does not wait for its deadline once the provider has stayed
      // unavailable for as many polls as a start may be tried, so that its fallback follows.
      if (
        row.routing !== null &&
        error.isRetryable &&
        Number(row.attempts) + 1 >= settings.providerRetries.maxStartAttempts
      ) {
        return yield* failUnavailable(row, "the provider stayed unavailable; the routed process failed", error)
      }
      return yield* retryAfterFailure(row, "fetchResult", error)
    }
    yield* applyOutcome(row, fetched.success)
    if (ProcessStatus.isFinal(fetched.success.status)) return
    // check_round counts the polls made: after the first the wait is pollInterval.initial, then it doubles.
    const round = Number(row.check_round) + 1
    yield* schedule(row, yield* dueIn(pollDelayMillis(round)), { round, attempts: 0, lastError: null })
  })

  return {
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
    outcomeFromProvider,
    startSession,
    alreadyRequested,
    firstCheck,
    check,
    registry,
    sealRouting,
    inputFileRowsOf,
    openUserData,
    notificationsFor
  }
})

/** The shared operations. */
export type ProcessKit = Effect.Success<typeof makeProcessKit>
