import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { SqliteClient, SqliteMigrator } from "../src/index.js"

const migrations = {
  "0001_create_dossier": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE dossier (id TEXT PRIMARY KEY, created_at TEXT NOT NULL)`
  }),
  "0002_index_dossier": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE INDEX dossier_created_at ON dossier (created_at)`
  })
}

describe("SqliteMigrator", () => {
  it.effect("runs each migration once, in id order, and records it", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const first = yield* SqliteMigrator.run({ loader: SqliteMigrator.fromRecord(migrations) })
      assert.deepStrictEqual(first, [
        [1, "create_dossier"],
        [2, "index_dossier"]
      ])
      const again = yield* SqliteMigrator.run({ loader: SqliteMigrator.fromRecord(migrations) })
      assert.deepStrictEqual(again, [])

      const recorded = yield* sql<{ migration_id: number; name: string; created_at: string }>`
        SELECT migration_id, name, created_at FROM effect_sql_migrations ORDER BY migration_id`
      assert.deepStrictEqual(
        recorded.map((row) => [row.migration_id, row.name]),
        [
          [1, "create_dossier"],
          [2, "index_dossier"]
        ]
      )
      assert.match(recorded[0]?.created_at ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)

      // a later migration runs alone
      const third = yield* SqliteMigrator.run({
        loader: SqliteMigrator.fromRecord({
          ...migrations,
          "0003_add_status": Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`ALTER TABLE dossier ADD COLUMN status TEXT`
          )
        })
      })
      assert.deepStrictEqual(third, [[3, "add_status"]])
    }).pipe(Effect.provide(SqliteClient.layer({ filename: ":memory:" })))
  )

  it.effect("a failing migration leaves neither its changes nor its record behind", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const error = yield* SqliteMigrator.run({
        loader: SqliteMigrator.fromRecord({
          ...migrations,
          "0003_broken": Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            yield* sql`CREATE TABLE half (x)`
            yield* sql`INSERT INTO missing_table (x) VALUES (1)`
          })
        })
      }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MigrationError")
      const tables = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
      assert.deepStrictEqual(
        tables.map((row) => row.name),
        ["effect_sql_migrations"]
      )
      const recorded = yield* sql`SELECT * FROM effect_sql_migrations`
      assert.strictEqual(recorded.length, 0)
    }).pipe(Effect.provide(SqliteClient.layer({ filename: ":memory:" })))
  )

  it.effect("layer migrates while the application's layers are built", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql`SELECT * FROM dossier`
      assert.strictEqual(rows.length, 0)
    }).pipe(
      Effect.provide(
        SqliteMigrator.layer({ loader: SqliteMigrator.fromRecord(migrations), table: "schema_migrations" }).pipe(
          Layer.provideMerge(SqliteClient.layer({ filename: ":memory:" }))
        )
      )
    )
  )
})
