/**
 * effect/sql's `Migrator` for SQLite.
 *
 * Migrations are effects keyed `<id>_<name>`; each runs once, in id order, inside one transaction with the
 * bookkeeping row (in `effect_sql_migrations` unless `table` says otherwise), so a failed migration leaves nothing
 * behind. One statement per `sql` call: node:sqlite refuses text that holds several.
 *
 * @example
 * ```ts
 * import { SqliteClient, SqliteMigrator } from "@assure/sqlite"
 * import { Effect, Layer } from "effect"
 * import { SqlClient } from "effect/sql"
 *
 * const Migrations = SqliteMigrator.layer({
 *   loader: SqliteMigrator.fromRecord({
 *     "0001_create_note": Effect.gen(function*() {
 *       const sql = yield* SqlClient.SqlClient
 *       yield* sql`CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`
 *     })
 *   })
 * })
 *
 * // Everything built on `Database` sees a migrated database.
 * const Database = Migrations.pipe(Layer.provideMerge(SqliteClient.layer({ filename: "data/assure.db" })))
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Migrator from "effect/sql/Migrator"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/** The loaders (`fromRecord`, `fromGlob`, `fromBabelGlob`), `MigrationError` and the option types. @since 0.1.0 */
export * from "effect/sql/Migrator"

/**
 * Runs the migrations the database has not recorded yet and answers those it ran, as `[id, name]`.
 *
 * @since 0.1.0
 */
export const run: <R = never>(
  options: Migrator.MigratorOptions<R>
) => Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Migrator.MigrationError | SqlError,
  SqlClient.SqlClient | R
> = Migrator.make({})

/**
 * A layer that runs the migrations when it is built and provides nothing.
 *
 * @since 0.1.0
 */
export const layer = <R = never>(
  options: Migrator.MigratorOptions<R>
): Layer.Layer<never, Migrator.MigrationError | SqlError, SqlClient.SqlClient | R> => Layer.effectDiscard(run(options))
