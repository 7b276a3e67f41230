/**
 * `@assure/sqlite`: an `effect/sql` `SqlClient` over Node's built-in `node:sqlite`, for applications that want one
 * database file and no native addon. Retires when a stable Effect 4 SQLite driver ships upstream.
 *
 * @since 0.1.0
 */

/** The client: `make`, `layer`, `layerConfig` and the `SqliteClient` service. @since 0.1.0 */
export * as SqliteClient from "./SqliteClient.js"
/** effect/sql's `Migrator` bound to SQLite: `run`, `layer`, and the loaders (`fromRecord`, `fromGlob`, …). @since 0.1.0 */
export * as SqliteMigrator from "./SqliteMigrator.js"
