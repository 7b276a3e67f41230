/**
 * How writes to a dossier stay atomic with respect to its deletion, on both databases.
 *
 * Every write that adds rows under a dossier (files, processes, a process's result) or changes its processes runs in
 * a transaction that first locks the dossier's row, and so does the delete: writes and the delete take their turns,
 * a write that comes after the delete finds no dossier (the caller's `NotFound`), and the delete sees, and removes,
 * everything committed before it — the stored files included. On PostgreSQL the lock is `SELECT … FOR UPDATE`
 * (a row lock held to the end of the transaction; a waiter whose row was deleted meanwhile gets no row back); on
 * SQLite every transaction begins `IMMEDIATE`, so it already holds the database's single write lock.
 *
 * Locks are always taken dossier first, then process rows, so two writers never wait on each other in a cycle.
 */
import { Effect, Exit } from "effect"
import type { SqlClient, SqlError } from "effect/sql"

/**
 * Locks the dossier's row until the transaction ends; true if it exists (and belongs to `tenant`, when given). Call
 * it inside `sql.withTransaction`.
 */
export const lockDossier = (sql: SqlClient.SqlClient, dossierId: string, tenant?: string) => {
  const owned = tenant === undefined ? sql`` : sql`AND tenant_id = ${tenant}`
  return sql
    .onDialectOrElse({
      pg: () => sql<{ id: string }>`SELECT id FROM assure_dossiers WHERE id = ${dossierId} ${owned} FOR UPDATE`,
      orElse: () => sql<{ id: string }>`SELECT id FROM assure_dossiers WHERE id = ${dossierId} ${owned}`
    })
    .pipe(Effect.map((rows) => rows.length > 0))
}

/**
 * Locks the dossier's row and sets its `updated_at`, in one statement (an `UPDATE` takes the same row lock as
 * `SELECT … FOR UPDATE` on PostgreSQL); true if it exists (and belongs to `tenant`, when given). For writes that
 * change the dossier: call it first inside `sql.withTransaction`, and fail the transaction if the write then finds
 * nothing to do, so that the dossier is not touched either.
 */
export const lockAndTouchDossier = (
  sql: SqlClient.SqlClient,
  dossierId: string,
  timestamp: string,
  tenant?: string
) => {
  const owned = tenant === undefined ? sql`` : sql`AND tenant_id = ${tenant}`
  return sql<{ id: string }>`
    UPDATE assure_dossiers SET updated_at = ${timestamp} WHERE id = ${dossierId} ${owned} RETURNING id`.pipe(
    Effect.map((rows) => rows.length > 0)
  )
}

/**
 * Locks the dossier's row and reads its sealed identity data with it; undefined if the dossier is gone. Call it
 * inside `sql.withTransaction`.
 */
export const lockDossierReadingUserData = (sql: SqlClient.SqlClient, dossierId: string) =>
  sql<{ user_data: Uint8Array | null }>`
    SELECT user_data FROM assure_dossiers WHERE id = ${dossierId} ${forUpdate(sql)}`.pipe(Effect.map((rows) => rows[0]))

/** `FOR UPDATE` on PostgreSQL (to lock the rows a `SELECT` reads until the transaction ends), nothing on SQLite. */
export const forUpdate = (sql: SqlClient.SqlClient) =>
  sql.onDialectOrElse({ pg: () => sql.literal("FOR UPDATE"), orElse: () => sql.literal("") })

/**
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL, for a claim's subquery: rows another claim is taking are skipped rather than
 * waited for (and then claimed twice); nothing on SQLite, whose single writer claims alone.
 */
export const skipLocked = (sql: SqlClient.SqlClient) =>
  sql.onDialectOrElse({ pg: () => sql.literal("FOR UPDATE SKIP LOCKED"), orElse: () => sql.literal("") })

const propertyOf = (u: unknown, key: string): unknown =>
  typeof u === "object" && u !== null && key in u ? (u as Record<string, unknown>)[key] : undefined

/**
 * The statement referred to a row that is gone: a foreign-key violation (PostgreSQL's SQLSTATE 23503, SQLite's
 * `SQLITE_CONSTRAINT_FOREIGNKEY`). Where a write cannot lock what it refers to first, this is how it learns that a
 * delete won the race; the caller answers `NotFound`.
 */
export const isForeignKeyViolation = (error: SqlError.SqlError): boolean =>
  error.reason._tag === "ConstraintError" &&
  (propertyOf(error.reason.cause, "code") === "23503" || propertyOf(error.reason.cause, "errcode") === 787)

/**
 * Runs `use` with bytes just written to the file store under `key`, and removes them again unless `use` succeeds: a
 * write that loses a race (or fails, or is interrupted) leaves no file behind. `use` runs uninterruptibly, so that
 * it cannot be stopped after its transaction committed and before it returned (which would remove the file of a row
 * that exists).
 */
export const keepingOnSuccess = <K, A, E, R, E2, R2>(
  put: Effect.Effect<K, E2, R2>,
  remove: (key: K) => Effect.Effect<unknown, unknown>,
  use: (key: K) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | E2, R | R2> =>
  Effect.acquireUseRelease(
    put,
    (key) => Effect.uninterruptible(use(key)),
    (key, exit) => (Exit.isSuccess(exit) ? Effect.void : Effect.ignore(remove(key)))
  )

/**
 * Reads a stored file's bytes with `read`; when that fails because a delete removed the file (its row is gone too),
 * fails with `gone()` instead of a defect: a read racing a delete answers `NotFound`.
 */
export const readUnlessDeleted = <A, E, R, E2>(
  sql: SqlClient.SqlClient,
  fileId: string,
  read: Effect.Effect<A, E, R>,
  gone: () => E2
): Effect.Effect<A, E2, R> =>
  Effect.catch(read, (error) =>
    Effect.flatMap(Effect.orDie(sql<{ id: string }>`SELECT id FROM assure_files WHERE id = ${fileId}`), (rows) =>
      rows.length === 0 ? Effect.fail(gone()) : Effect.die(error)
    )
  )
