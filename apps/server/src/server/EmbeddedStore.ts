/**
 * The embedded store: `assure.db` in the data folder, through `@effect/sql-sqlite-node` (one `node:sqlite` connection,
 * serialised), with what that driver does not set itself:
 *
 * - the file is created `0600` before the driver opens it, so it is the owner's only whatever the umask; SQLite gives
 *   the `-wal` and `-shm` files it creates beside it the database file's mode. A file found wider is narrowed by
 *   `DataFolder.prepare`, which runs first.
 * - `PRAGMA synchronous` (`ASSURE_SQLITE_SYNCHRONOUS`, `normal` by default) and `PRAGMA secure_delete = ON`, so that
 *   deleted identity data does not linger in the file's free pages. Both are per connection: they are set once after
 *   opening and hold, because the driver keeps its one connection for the layer's lifetime.
 *
 * Foreign keys are enforced by `node:sqlite` itself (`enableForeignKeyConstraints` is on by default), and the driver
 * switches the file to WAL. Two things it does silently, which the engine's queries never do: it binds a `Date` or
 * other object parameter as `NULL`, and it runs only the first statement of a text with several.
 */
import { closeSync, openSync } from "node:fs"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import * as DataFolder from "./DataFolder.js"

export type Synchronous = "normal" | "full"

export interface Options {
  /** The data folder, which must exist (`DataFolder.prepare`). */
  readonly dataDirectory: string
  readonly synchronous: Synchronous
}

/** The database file's name in the data folder. */
export const filename = "assure.db"

/** The value `PRAGMA synchronous` reads back for each setting. */
export const synchronousLevel: Readonly<Record<Synchronous, number>> = { normal: 1, full: 2 }

/** Creates the database file with the data folder's file mode if it is missing; leaves an existing one as it is. */
const createFile = (path: string) =>
  Effect.try({
    try: () => closeSync(openSync(path, "a", DataFolder.fileMode)),
    catch: (cause) =>
      new SqlError.SqlError({
        reason: new SqlError.ConnectionError({ cause, message: "Failed to create the database file" })
      })
  })

/** Sets the per-connection PRAGMAs the driver has no option for (PRAGMA values cannot be bound parameters). */
const pragmas = (synchronous: Synchronous) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`)
      yield* sql.unsafe("PRAGMA secure_delete = ON")
    })
  )

/** The server's embedded database: `SqliteClient.SqliteClient` and `SqlClient.SqlClient`. */
export const layer = (
  options: Options
): Layer.Layer<SqliteClient.SqliteClient | SqlClient.SqlClient, SqlError.SqlError> => {
  const path = join(options.dataDirectory, filename)
  return Layer.unwrap(
    Effect.as(
      createFile(path),
      pragmas(options.synchronous).pipe(Layer.provideMerge(SqliteClient.layer({ filename: path })))
    )
  )
}
