/**
 * Dossiers: create, read, list, delete; the identity data a client supplies (`userData`); and the files on a dossier.
 * Every operation is scoped to a tenant. Identity data and file bytes are sealed with the `PersonalDataCipher` before
 * they reach the database or the file store.
 *
 * @since 0.1.0
 */
import {
  Dossier,
  FileInfo,
  FileKind,
  Identifiers,
  IdentityData,
  Process,
  type ProcessStatus,
  Review,
  Timestamp
} from "@assure/core"
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { InvalidInput, NotFound } from "./EngineError.js"
import * as FileContent from "./FileContent.js"
import { FileStore } from "./FileStore.js"
import { keepingOnSuccess, lockAndTouchDossier, lockDossier, readUnlessDeleted } from "./internal/locking.js"
import { type ReviewRow, reviewOfRow } from "./internal/reviewRecords.js"
import { bytesOf, type DossierRow, type FileRow } from "./internal/rows.js"
import { fileContext, userDataContext } from "./internal/sealing.js"
import { fileInfoOf, identityDataOf, newId, now, storedIdentityData } from "./internal/shared.js"
import { PersonalDataCipher } from "./PersonalDataCipher.js"
import type { TenantId } from "./Tenant.js"

/** What a new dossier may carry. @since 0.1.0 */
export interface CreateDossier {
  readonly externalReference?: string | undefined
  readonly userData?: unknown
}

/** Which dossiers to list, and where to continue. @since 0.1.0 */
export interface ListOptions {
  /** At most this many (1–100, default 20). */
  readonly limit?: number | undefined
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string | undefined
  /** Only dossiers whose newest process has this status. */
  readonly status?: ProcessStatus.ProcessStatus | undefined
  /** Only dossiers created at or after / before these instants. */
  readonly createdFrom?: Timestamp.Timestamp | undefined
  readonly createdBefore?: Timestamp.Timestamp | undefined
}

/** A page of dossiers (without their `userData`) and the cursor of the next page, if any. @since 0.1.0 */
export interface Page {
  readonly dossiers: ReadonlyArray<Dossier.Dossier>
  readonly nextCursor?: string
}

/** A stored file and its bytes. @since 0.1.0 */
export interface StoredFile {
  readonly info: FileInfo.FileInfo
  readonly bytes: Uint8Array
}

/** The dossier operations. @since 0.1.0 */
export class Dossiers extends Context.Service<
  Dossiers,
  {
    readonly create: (tenant: TenantId, input: CreateDossier) => Effect.Effect<Dossier.Dossier, InvalidInput>
    readonly get: (tenant: TenantId, dossierId: string) => Effect.Effect<Dossier.Dossier, NotFound>
    readonly list: (tenant: TenantId, options?: ListOptions) => Effect.Effect<Page, InvalidInput>
    readonly delete: (tenant: TenantId, dossierId: string) => Effect.Effect<void, NotFound>
    readonly setUserData: (
      tenant: TenantId,
      dossierId: string,
      userData: unknown
    ) => Effect.Effect<IdentityData.IdentityData, NotFound | InvalidInput>
    readonly getUserData: (
      tenant: TenantId,
      dossierId: string
    ) => Effect.Effect<IdentityData.IdentityData | undefined, NotFound>
    readonly addFile: (
      tenant: TenantId,
      dossierId: string,
      kind: FileKind.UploadableKind,
      bytes: Uint8Array
    ) => Effect.Effect<FileInfo.FileInfo, NotFound | InvalidInput>
    readonly getFile: (tenant: TenantId, dossierId: string, fileId: string) => Effect.Effect<StoredFile, NotFound>
    /** Deletes every dossier (of any tenant) created before `cutoff`, with everything about it; returns how many. */
    readonly purgeCreatedBefore: (cutoff: Timestamp.Timestamp) => Effect.Effect<number>
  }
>()("@assure/engine/Dossiers") {}

const isDossierId = Schema.is(Identifiers.DossierId)
const decodeSummary = Schema.decodeUnknownSync(Process.Summary)
const encodeReview = Schema.encodeSync(Review.Review)
const decodeDossier = Schema.decodeUnknownSync(Dossier.Dossier)
const decodeExternalReference = Schema.decodeUnknownEffect(Dossier.ExternalReference)

const encodeCursor = (row: { readonly created_at: string; readonly id: string }) =>
  btoa(`${row.created_at}|${row.id}`).replaceAll("=", "")

const decodeCursor = (cursor: string): readonly [string, string] | undefined => {
  try {
    const [createdAt, id, ...rest] = atob(cursor).split("|")
    return createdAt !== undefined && id !== undefined && rest.length === 0 && Schema.is(Timestamp.Timestamp)(createdAt)
      ? [createdAt, id]
      : undefined
  } catch {
    return undefined
  }
}

const invalid = (name: string, reason: string) =>
  new InvalidInput({ detail: `The ${name} is not valid`, invalidParams: [{ name, reason }] })

/** The dossier operations over effect/sql. @since 0.1.0 */
export const layer: Layer.Layer<Dossiers, never, SqlClient.SqlClient | PersonalDataCipher | FileStore> = Layer.effect(
  Dossiers,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const cipher = yield* PersonalDataCipher
    const files = yield* FileStore

    const findRow = (tenant: TenantId, dossierId: string) =>
      Effect.gen(function* () {
        if (!isDossierId(dossierId)) return yield* new NotFound({ resource: "dossier", id: dossierId })
        const rows = yield* sql<DossierRow>`
          SELECT * FROM assure_dossiers WHERE id = ${dossierId} AND tenant_id = ${tenant}`.pipe(Effect.orDie)
        const row = rows[0]
        return row === undefined ? yield* new NotFound({ resource: "dossier", id: dossierId }) : row
      })

    const userDataOf = (row: DossierRow) => {
      const sealed = bytesOf(row.user_data)
      return sealed === null
        ? Effect.succeed(undefined)
        : Effect.map(Effect.orDie(cipher.openJson(sealed, userDataContext(row.id))), storedIdentityData)
    }

    /** The dossier as the API shows it; `withUserData` adds the decrypted identity data. */
    const toDossier = (row: DossierRow, withUserData: boolean) =>
      Effect.gen(function* () {
        const fileRows = yield* sql<FileRow>`
          SELECT * FROM assure_files WHERE dossier_id = ${row.id} AND process_id IS NULL ORDER BY created_at, id`
        const processRows = yield* sql<{
          id: string
          provider: string
          process_type: string
          status: string
          created_at: string
          updated_at: string
        }>`SELECT id, provider, process_type, status, created_at, updated_at FROM assure_processes
           WHERE dossier_id = ${row.id} ORDER BY created_at, id`
        // Reviewers' decisions, beside the providers' statuses (an assure extension): read only when there are processes.
        const reviewRows =
          processRows.length === 0
            ? []
            : yield* sql<ReviewRow>`SELECT * FROM assure_reviews WHERE dossier_id = ${row.id}`
        const reviews = new Map<string, unknown>()
        for (const reviewRow of reviewRows) {
          reviews.set(reviewRow.process_id, encodeReview(yield* reviewOfRow(cipher, reviewRow)))
        }
        const userData = withUserData ? yield* userDataOf(row) : undefined
        return decodeDossier({
          dossierId: row.id,
          ...(row.external_reference === null ? {} : { externalReference: row.external_reference }),
          createdAt: row.created_at,
          updatedAt: row.updated_at,
          ...(userData === undefined ? {} : { userData: encodeIdentity(userData) }),
          files: fileRows.map((file) => Schema.encodeSync(FileInfo.FileInfo)(fileInfoOf(file))),
          processes: processRows.map((process) =>
            Schema.encodeSync(Process.Summary)(
              decodeSummary({
                processId: process.id,
                provider: process.provider,
                processType: process.process_type,
                status: process.status,
                createdAt: process.created_at,
                updatedAt: process.updated_at,
                ...(reviews.has(process.id) ? { review: reviews.get(process.id) } : {})
              })
            )
          )
        })
      }).pipe(Effect.orDie)

    /**
     * Deletes a dossier and everything about it; false if there was no such dossier (of `tenant`, when given). Rows
     * first, in one transaction that holds the dossier's lock (see internal/locking.ts), so no write slips a file or
     * a process in between: the files it deletes are all the dossier has, and processes, events and notifications go
     * with the dossier. Then the bytes — a crash in between leaves unreferenced ciphertext, never a reference to a
     * missing file. Not interruptible: once the rows are gone, their bytes go too.
     */
    const deleteEverything = (dossierId: string, tenant?: TenantId) =>
      Effect.gen(function* () {
        const stored = yield* sql.withTransaction(
          Effect.gen(function* () {
            if (!(yield* lockDossier(sql, dossierId, tenant))) return undefined
            const deleted = yield* sql<{ storage_key: string }>`
              DELETE FROM assure_files WHERE dossier_id = ${dossierId} RETURNING storage_key`
            yield* sql`DELETE FROM assure_dossiers WHERE id = ${dossierId}`
            return deleted
          })
        )
        if (stored === undefined) return false
        yield* Effect.forEach(
          stored,
          (file) =>
            files.remove(file.storage_key).pipe(
              // The dossier is gone; a file the store could not remove is reported, not a reason to answer an error.
              Effect.catch((error) => Effect.logWarning("a deleted dossier's file could not be removed", error))
            ),
          { discard: true }
        )
        return true
      }).pipe(Effect.orDie, Effect.uninterruptible)

    return Dossiers.of({
      // Called on every dossier POST: a span without `Effect.fn` or a stack trace per call (see Processes.get).
      create: (tenant, input) =>
        Effect.withSpan(
          Effect.gen(function* () {
            const externalReference =
              input.externalReference === undefined
                ? null
                : yield* decodeExternalReference(input.externalReference).pipe(
                    Effect.mapError(() => invalid("externalReference", "must be 1 to 256 characters"))
                  )
            const userData =
              input.userData === undefined ? undefined : yield* identityDataOf(input.userData, "userData")
            const id = newId()
            const timestamp = yield* now
            const sealed =
              userData === undefined ? null : yield* cipher.sealJson(encodeIdentity(userData), userDataContext(id))
            const row: DossierRow = {
              id,
              tenant_id: tenant,
              external_reference: externalReference,
              user_data: sealed,
              created_at: timestamp,
              updated_at: timestamp
            }
            yield* sql`INSERT INTO assure_dossiers ${sql.insert({ ...row })}`.pipe(Effect.orDie)
            // A new dossier has no files or processes yet, and its identity data is what was just sealed: nothing to
            // read back or decrypt.
            return decodeDossier({
              dossierId: id,
              ...(externalReference === null ? {} : { externalReference }),
              createdAt: timestamp,
              updatedAt: timestamp,
              ...(userData === undefined ? {} : { userData: encodeIdentity(userData) }),
              files: [],
              processes: []
            })
          }),
          "Dossiers.create",
          { captureStackTrace: false }
        ),

      get: Effect.fn("Dossiers.get")(function* (tenant, dossierId) {
        return yield* toDossier(yield* findRow(tenant, dossierId), true)
      }),

      list: Effect.fn("Dossiers.list")(function* (tenant, options = {}) {
        const limit = options.limit ?? 20
        if (!Number.isInteger(limit) || limit < 1 || limit > 100)
          return yield* invalid("limit", "must be an integer from 1 to 100")
        const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
        if (options.cursor !== undefined && after === undefined)
          return yield* invalid("cursor", "is not a cursor this API issued")
        const conditions = [
          sql`d.tenant_id = ${tenant}`,
          ...(after === undefined
            ? []
            : [sql`(d.created_at > ${after[0]} OR (d.created_at = ${after[0]} AND d.id > ${after[1]}))`]),
          ...(options.createdFrom === undefined ? [] : [sql`d.created_at >= ${options.createdFrom}`]),
          ...(options.createdBefore === undefined ? [] : [sql`d.created_at < ${options.createdBefore}`]),
          ...(options.status === undefined
            ? []
            : [
                sql`(SELECT p.status FROM assure_processes p WHERE p.dossier_id = d.id
                     ORDER BY p.created_at DESC, p.id DESC LIMIT 1) = ${options.status}`
              ])
        ]
        const rows = yield* sql<DossierRow>`
          SELECT d.* FROM assure_dossiers d WHERE ${sql.and(conditions)}
          ORDER BY d.created_at, d.id LIMIT ${limit + 1}`.pipe(Effect.orDie)
        const page = rows.slice(0, limit)
        const dossiers = yield* Effect.forEach(page, (row) => toDossier(row, false))
        const last = page[page.length - 1]
        return rows.length > limit && last !== undefined ? { dossiers, nextCursor: encodeCursor(last) } : { dossiers }
      }),

      delete: Effect.fn("Dossiers.delete")(function* (tenant, dossierId) {
        const row = yield* findRow(tenant, dossierId)
        // Another delete may have won the race since: then this one found nothing.
        if (!(yield* deleteEverything(row.id, tenant)))
          return yield* new NotFound({ resource: "dossier", id: dossierId })
      }),

      purgeCreatedBefore: Effect.fn("Dossiers.purgeCreatedBefore")(function* (cutoff) {
        let purged = 0
        for (;;) {
          // In no order: rows are stored about in the order they were made, so the expired ones come first and a
          // batch is found without reading further. (An index on created_at would serve this periodic work at the
          // cost of every dossier POST: 13 µs more per insert on SQLite.)
          const batch = yield* sql<{ id: string }>`
            SELECT id FROM assure_dossiers WHERE created_at < ${cutoff} LIMIT 100`.pipe(Effect.orDie)
          if (batch.length === 0) return purged
          for (const { id } of batch) if (yield* deleteEverything(id)) purged += 1
        }
      }),

      setUserData: Effect.fn("Dossiers.setUserData")(function* (tenant, dossierId, input) {
        const row = yield* findRow(tenant, dossierId)
        const userData = yield* identityDataOf(input, "userData")
        const sealed = yield* cipher.sealJson(encodeIdentity(userData), userDataContext(row.id))
        const timestamp = yield* now
        // Conditional on the dossier still being there: a PUT that lost the race to a delete stored nothing.
        const updated = yield* sql<{ id: string }>`
          UPDATE assure_dossiers SET user_data = ${sealed}, updated_at = ${timestamp}
          WHERE id = ${row.id} AND tenant_id = ${tenant} RETURNING id`.pipe(Effect.orDie)
        if (updated.length === 0) return yield* new NotFound({ resource: "dossier", id: dossierId })
        return userData
      }),

      getUserData: Effect.fn("Dossiers.getUserData")(function* (tenant, dossierId) {
        return yield* userDataOf(yield* findRow(tenant, dossierId))
      }),

      addFile: Effect.fn("Dossiers.addFile")(function* (tenant, dossierId, kind, bytes) {
        // The dossier is looked up under its lock, below: a missing one is found there.
        if (!isDossierId(dossierId)) return yield* new NotFound({ resource: "dossier", id: dossierId })
        if (!FileKind.isUploadable(kind)) return yield* invalid("kind", "a portrait can only come from a process")
        const mediaType = yield* FileContent.validate(kind, bytes)
        const id = newId()
        const sealed = yield* Effect.orDie(cipher.seal(bytes, fileContext(id)))
        // Nothing half-written: if the row is not stored (the dossier was deleted meanwhile, say), neither are the bytes.
        return yield* keepingOnSuccess(Effect.orDie(files.put(sealed)), files.remove, (key) =>
          Effect.gen(function* () {
            const timestamp = yield* now
            const fileRow: FileRow = {
              id,
              tenant_id: tenant,
              dossier_id: dossierId,
              process_id: null,
              kind,
              media_type: mediaType,
              size: bytes.length,
              storage_key: key,
              created_at: timestamp
            }
            const stored = yield* sql
              .withTransaction(
                Effect.gen(function* () {
                  if (!(yield* lockAndTouchDossier(sql, dossierId, timestamp, tenant))) return false
                  yield* sql`INSERT INTO assure_files ${sql.insert({ ...fileRow })}`
                  return true
                })
              )
              .pipe(Effect.orDie)
            return stored ? fileInfoOf(fileRow) : yield* new NotFound({ resource: "dossier", id: dossierId })
          })
        )
      }),

      getFile: Effect.fn("Dossiers.getFile")(function* (tenant, dossierId, fileId) {
        const row = yield* findRow(tenant, dossierId)
        const fileRows = yield* sql<FileRow>`
          SELECT * FROM assure_files WHERE id = ${fileId} AND dossier_id = ${row.id} AND process_id IS NULL`.pipe(
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
      })
    })
  })
)

const encodeIdentity = Schema.encodeSync(IdentityData.IdentityData)
