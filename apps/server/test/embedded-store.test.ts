/**
 * The embedded store's layer (`EmbeddedStore.layer`, what the server runs on without `DATABASE_URL`) sets what
 * `@effect/sql-sqlite-node` has no option for: the database file is created 0600 whatever the umask (and SQLite gives
 * its -wal and -shm that mode), `synchronous` is what `ASSURE_SQLITE_SYNCHRONOUS` says, `secure_delete` is on; and
 * foreign keys are enforced and the journal is WAL.
 */
import { mkdtempSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as EmbeddedStore from "../src/server/EmbeddedStore.js"

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8)

let umask = 0
beforeAll(() => {
  umask = process.umask(0o022)
})
afterAll(() => {
  process.umask(umask)
})

/** Reads the connection's settings back through the layer, after one write (so that the -wal and -shm exist). */
const settingsThrough = (options: EmbeddedStore.Options) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY)`
      yield* sql`INSERT INTO probe DEFAULT VALUES`
      const read = (pragma: string) =>
        Effect.map(sql.unsafe<Record<string, unknown>>(`PRAGMA ${pragma}`), (rows) => rows[0]?.[pragma])
      return {
        synchronous: yield* read("synchronous"),
        secure_delete: yield* read("secure_delete"),
        foreign_keys: yield* read("foreign_keys"),
        journal_mode: yield* read("journal_mode")
      }
    }).pipe(Effect.provide(EmbeddedStore.layer(options)))
  )

describe("the embedded store", () => {
  it.each(["normal", "full"] as const)("runs with synchronous = %s and secure_delete on", async (synchronous) => {
    const dataDirectory = mkdtempSync(join(tmpdir(), "assure-store-"))
    expect(await settingsThrough({ dataDirectory, synchronous })).toEqual({
      synchronous: EmbeddedStore.synchronousLevel[synchronous],
      secure_delete: 1,
      foreign_keys: 1,
      journal_mode: "wal"
    })
  })

  it("creates the database file 0600 under umask 022, and its -wal and -shm take that mode", async () => {
    const dataDirectory = mkdtempSync(join(tmpdir(), "assure-store-"))
    const database = join(dataDirectory, EmbeddedStore.filename)
    const modes = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE probe (id INTEGER PRIMARY KEY)`
        return [database, `${database}-wal`, `${database}-shm`].map(modeOf)
      }).pipe(Effect.provide(EmbeddedStore.layer({ dataDirectory, synchronous: "normal" })))
    )
    expect(modes).toEqual(["600", "600", "600"])
  })

  it("opens an existing database file and keeps what it holds", async () => {
    const dataDirectory = mkdtempSync(join(tmpdir(), "assure-store-"))
    await settingsThrough({ dataDirectory, synchronous: "normal" })
    const rows = await Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ count: number }>`SELECT count(*) AS count FROM probe`).pipe(
        Effect.provide(EmbeddedStore.layer({ dataDirectory, synchronous: "full" }))
      )
    )
    expect(rows).toEqual([{ count: 1 }])
  })
})
