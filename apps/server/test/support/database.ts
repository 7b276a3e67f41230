/**
 * Looks into a running server's store from a test: the same database (the embedded SQLite file, or the PostgreSQL
 * database of `DATABASE_URL`), through a connection of the test's own.
 */
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import type { Running } from "./server.js"

const clientOf = (server: Running): Layer.Layer<SqlClient.SqlClient> =>
  Layer.orDie(
    Option.match(server.settings.databaseUrl, {
      onNone: () => SqliteClient.layer({ filename: join(server.settings.dataDirectory, "assure.db") }),
      onSome: (url) => PgClient.layer({ url, maxConnections: 1 })
    })
  )

/** Runs `f` with a SQL client on the server's database. */
export const withDatabase = <A>(server: Running, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => f(sql)).pipe(Effect.provide(clientOf(server)), Effect.orDie)
  )
