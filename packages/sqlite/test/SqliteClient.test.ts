import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Config, Context, Effect, Exit, Layer, String as Str, Stream } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { afterAll } from "vitest"
import { SqliteClient } from "../src/index.js"

const folder = mkdtempSync(join(tmpdir(), "assure-sqlite-"))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
const freshFile = () => join(folder, `test-${++files}.db`)

const memory = SqliteClient.layer({ filename: ":memory:" })

const personTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)`
  return sql
})

const count = (sql: SqlClient.SqlClient, table: string) =>
  Effect.map(sql<{ n: number }>`SELECT count(*) AS n FROM ${sql(table)}`, (rows) => rows[0]?.n)

class Boom {
  readonly _tag = "Boom"
}

describe("SqliteClient", () => {
  it.effect("provides SqliteClient and SqlClient, the same client with the sqlite dialect", () =>
    Effect.gen(function* () {
      const sqlite = yield* SqliteClient.SqliteClient
      const sql = yield* SqlClient.SqlClient
      assert.strictEqual(sqlite, sql)
      assert.strictEqual(sql.driver, "@assure/sqlite")
      assert.strictEqual(sql.onDialectOrElse({ sqlite: () => "sqlite", orElse: () => "other" }), "sqlite")
      assert.strictEqual(sqlite.config.filename, ":memory:")
    }).pipe(Effect.provide(memory))
  )

  it.effect("CRUD with the sql template binds interpolated values as parameters", () =>
    Effect.gen(function* () {
      const sql = yield* personTable
      const name = "O'Brien'); DROP TABLE person; --"
      const insert = sql`INSERT INTO person (name, email) VALUES (${name}, ${"ob@example.test"})`
      assert.deepStrictEqual(insert.compile(), [
        "INSERT INTO person (name, email) VALUES (?, ?)",
        [name, "ob@example.test"]
      ])
      yield* insert
      const [created] = yield* sql<{
        id: number
        name: string
      }>`SELECT id, name FROM person WHERE email = ${"ob@example.test"}`
      assert.strictEqual(created?.name, name)

      yield* sql`UPDATE person SET ${sql.update({ name: "Ada" })} WHERE id = ${created?.id}`
      const renamed = yield* sql<{ name: string }>`SELECT name FROM person WHERE id = ${created?.id}`
      assert.deepStrictEqual(
        renamed.map((row) => row.name),
        ["Ada"]
      )

      yield* sql`DELETE FROM person WHERE id = ${created?.id}`
      assert.strictEqual(yield* count(sql, "person"), 0)
    }).pipe(Effect.provide(memory))
  )

  it.effect("sql.insert inserts many rows with RETURNING, and sql.in selects among them", () =>
    Effect.gen(function* () {
      const sql = yield* personTable
      const inserted = yield* sql<{ id: number; email: string }>`INSERT INTO person ${sql.insert([
        { name: "Ada", email: "ada@example.test" },
        { name: "Grace", email: "grace@example.test" },
        { name: "Linus", email: "linus@example.test" }
      ])} RETURNING id, email`
      assert.deepStrictEqual(
        inserted.map((row) => row.email),
        ["ada@example.test", "grace@example.test", "linus@example.test"]
      )
      const some = yield* sql<{ name: string }>`SELECT name FROM person WHERE ${sql.in("email", [
        "ada@example.test",
        "linus@example.test"
      ])} ORDER BY name`
      assert.deepStrictEqual(
        some.map((row) => row.name),
        ["Ada", "Linus"]
      )
      const none = yield* sql`SELECT name FROM person WHERE ${sql.in("email", [])}`
      assert.strictEqual(none.length, 0)
    }).pipe(Effect.provide(memory))
  )

  it.effect("values, raw, unprepared and stream", () =>
    Effect.gen(function* () {
      const sql = yield* personTable
      const raw = yield* sql`INSERT INTO person ${sql.insert({ name: "Ada", email: "ada@example.test" })}`.raw
      assert.deepStrictEqual(raw, { changes: 1, lastInsertRowid: 1 })
      yield* sql`INSERT INTO person ${sql.insert({ name: "Grace", email: "grace@example.test" })}`.unprepared
      const values = yield* sql`SELECT name, email AS name FROM person ORDER BY id`.values
      assert.deepStrictEqual(values, [
        ["Ada", "ada@example.test"],
        ["Grace", "grace@example.test"]
      ])
      // 300 rows: more than one batch of the stream
      yield* sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
        INSERT INTO person (name, email) SELECT 'p' || i, 'p' || i || '@example.test' FROM n`
      const streamed = yield* sql<{ name: string }>`SELECT name FROM person ORDER BY id`.stream.pipe(Stream.runCollect)
      assert.strictEqual(streamed.length, 302)
      assert.strictEqual(streamed[301]?.name, "p300")
      const firstTwo = yield* sql<{ name: string }>`SELECT name FROM person ORDER BY id`.stream.pipe(
        Stream.take(2),
        Stream.runCollect
      )
      assert.deepStrictEqual(
        firstTwo.map((row) => row.name),
        ["Ada", "Grace"]
      )
      // the connection is free again once a stream ends early
      assert.strictEqual(yield* count(sql, "person"), 302)
    }).pipe(Effect.provide(memory))
  )

  it.effect("transformQueryNames and transformResultNames, and withoutTransforms", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE process_row (process_id TEXT PRIMARY KEY, final_status TEXT)`
      yield* sql`INSERT INTO process_row ${sql.insert({ processId: "p1", finalStatus: "accepted" })}`
      const rows = yield* sql`SELECT * FROM ${sql("processRow")}`
      assert.deepStrictEqual(rows, [{ processId: "p1", finalStatus: "accepted" }])
      const plain = sql.withoutTransforms()
      const untransformed = yield* plain`SELECT * FROM process_row`
      assert.deepStrictEqual(untransformed, [{ process_id: "p1", final_status: "accepted" }])
    }).pipe(
      Effect.provide(
        SqliteClient.layer({
          filename: ":memory:",
          transformQueryNames: Str.camelToSnake,
          transformResultNames: Str.snakeToCamel
        })
      )
    )
  )

  it.effect("a transaction commits, and rolls back when it fails", () =>
    Effect.gen(function* () {
      const sql = yield* personTable
      yield* sql`INSERT INTO person ${sql.insert({ name: "Ada", email: "ada@example.test" })}`.pipe(
        Effect.andThen(sql`INSERT INTO person ${sql.insert({ name: "Grace", email: "grace@example.test" })}`),
        sql.withTransaction
      )
      assert.strictEqual(yield* count(sql, "person"), 2)

      const failed = yield* sql`INSERT INTO person ${sql.insert({ name: "Linus", email: "linus@example.test" })}`.pipe(
        Effect.andThen(Effect.fail(new Boom())),
        sql.withTransaction,
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(failed))
      assert.strictEqual(yield* count(sql, "person"), 2)

      // a failing statement rolls back the statements before it
      const violated =
        yield* sql`INSERT INTO person ${sql.insert({ name: "Linus", email: "linus@example.test" })}`.pipe(
          Effect.andThen(sql`INSERT INTO person ${sql.insert({ name: "Ada 2", email: "ada@example.test" })}`),
          sql.withTransaction,
          Effect.exit
        )
      assert.isTrue(Exit.isFailure(violated))
      assert.strictEqual(yield* count(sql, "person"), 2)
    }).pipe(Effect.provide(memory))
  )

  it.effect("nested transactions are savepoints: an inner rollback keeps the outer work", () =>
    Effect.gen(function* () {
      const sql = yield* personTable
      const add = (name: string) => sql`INSERT INTO person ${sql.insert({ name, email: `${name}@example.test` })}`

      yield* Effect.gen(function* () {
        yield* add("outer")
        const inner = yield* add("inner").pipe(
          Effect.andThen(Effect.fail(new Boom())),
          sql.withTransaction,
          Effect.exit
        )
        assert.isTrue(Exit.isFailure(inner))
        yield* add("committed-inner").pipe(sql.withTransaction, sql.withTransaction)
      }).pipe(sql.withTransaction)
      const names = yield* sql<{ name: string }>`SELECT name FROM person ORDER BY id`
      assert.deepStrictEqual(
        names.map((row) => row.name),
        ["outer", "committed-inner"]
      )

      // the outer transaction failing discards what committed inner savepoints wrote
      const outer = yield* add("inner-2").pipe(
        sql.withTransaction,
        Effect.andThen(Effect.fail(new Boom())),
        sql.withTransaction,
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(outer))
      assert.strictEqual(yield* count(sql, "person"), 2)
    }).pipe(Effect.provide(memory))
  )

  it.effect("concurrent fibers and transactions are serialised on one connection, without 'database is locked'", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`
      yield* sql`CREATE TABLE log (id INTEGER PRIMARY KEY, source TEXT NOT NULL)`
      yield* sql`INSERT INTO counter (id, value) VALUES (1, 0)`
      // read-modify-write: if transactions interleaved, increments would be lost
      const increment = Effect.gen(function* () {
        const [row] = yield* sql<{ value: number }>`SELECT value FROM counter WHERE id = 1`
        yield* Effect.yieldNow
        yield* sql`UPDATE counter SET value = ${(row?.value ?? 0) + 1} WHERE id = 1`
      }).pipe(sql.withTransaction)
      // if a plain statement could run inside another fiber's transaction, this rollback would take it along
      const rolledBack = sql`INSERT INTO log (source) VALUES ('rolled back')`.pipe(
        Effect.andThen(Effect.yieldNow),
        Effect.andThen(Effect.fail(new Boom())),
        sql.withTransaction,
        Effect.ignore
      )
      // plain statements spread over time, so that some arrive while a transaction is open
      const plain = (delay: number) =>
        Effect.gen(function* () {
          for (let i = 0; i < delay; i++) yield* Effect.yieldNow
          yield* sql`INSERT INTO log (source) VALUES ('plain')`
        })
      const work = Array.from({ length: 150 }, (_, i) => [increment, rolledBack, plain(i)][i % 3] ?? Effect.void)
      yield* Effect.all(work, { concurrency: "unbounded", discard: true })
      const [row] = yield* sql<{ value: number }>`SELECT value FROM counter WHERE id = 1`
      assert.strictEqual(row?.value, 50)
      const log = yield* sql<{ source: string; n: number }>`SELECT source, count(*) AS n FROM log GROUP BY source`
      assert.deepStrictEqual(
        log.map((row) => [row.source, row.n]),
        [["plain", 50]]
      )
    }).pipe(Effect.provide(SqliteClient.layer({ filename: freshFile() })))
  )

  it.effect("a COMMIT that fails (deferred foreign key) rolls back and leaves the connection usable", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE dossier (id TEXT PRIMARY KEY)`
      yield* sql`CREATE TABLE process (
        id TEXT PRIMARY KEY,
        dossier_id TEXT NOT NULL REFERENCES dossier (id) DEFERRABLE INITIALLY DEFERRED
      )`
      const error = yield* sql`INSERT INTO process (id, dossier_id) VALUES (${"p1"}, ${"missing"})`.pipe(
        sql.withTransaction,
        Effect.flip
      )
      assert.strictEqual(error.reason._tag, "ConstraintError")
      assert.strictEqual(yield* count(sql, "process"), 0)
      yield* sql`INSERT INTO dossier (id) VALUES (${"d1"})`.pipe(
        Effect.andThen(sql`INSERT INTO process (id, dossier_id) VALUES (${"p1"}, ${"d1"})`),
        sql.withTransaction
      )
      assert.strictEqual(yield* count(sql, "process"), 1)
    }).pipe(Effect.provide(memory))
  )

  it.effect(
    "another connection's write lock fails a statement after busyTimeout with a retryable LockTimeoutError",
    () => {
      const filename = freshFile()
      return Effect.gen(function* () {
        const holder = yield* Layer.build(SqliteClient.layer({ filename }))
        const waiter = yield* Layer.build(SqliteClient.layer({ filename, busyTimeout: "50 millis" }))
        const a = Context.get(holder, SqlClient.SqlClient)
        const b = Context.get(waiter, SqlClient.SqlClient)
        yield* a`CREATE TABLE t (x INTEGER)`
        const error = yield* a`INSERT INTO t (x) VALUES (1)`.pipe(
          Effect.andThen(Effect.flip(b`INSERT INTO t (x) VALUES (2)`)),
          a.withTransaction
        )
        assert.strictEqual(error.reason._tag, "LockTimeoutError")
        assert.isTrue(error.isRetryable)
        yield* b`INSERT INTO t (x) VALUES (2)`
        assert.strictEqual(yield* count(b, "t"), 2)
      }).pipe(Effect.scoped)
    }
  )

  it.effect("Uint8Array blobs round-trip byte for byte", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE file (id INTEGER PRIMARY KEY, content BLOB NOT NULL)`
      const bytes = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37) % 256)
      yield* sql`INSERT INTO file ${sql.insert({ id: 1, content: bytes })}`
      yield* sql`INSERT INTO file (id, content) VALUES (2, ${Buffer.from([0, 255, 0])})`
      const rows = yield* sql<{ content: Uint8Array }>`SELECT content FROM file ORDER BY id`
      assert.instanceOf(rows[0]?.content, Uint8Array)
      assert.deepStrictEqual(Array.from(rows[0]?.content ?? []), Array.from(bytes))
      assert.deepStrictEqual(Array.from(rows[1]?.content ?? []), [0, 255, 0])
    }).pipe(Effect.provide(memory))
  )

  it.effect("a constraint violation is a SqlError whose message holds no bound value", () =>
    Effect.gen(function* () {
      const sql = yield* personTable
      const email = "jane.doe.1984@example.test"
      yield* sql`INSERT INTO person ${sql.insert({ name: "Jane Doe", email })}`
      const exit = yield* sql`INSERT INTO person ${sql.insert({ name: "Jane Q. Doe", email })}`.pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isSuccess(exit)) return
      const error = Cause.squash(exit.cause)
      assert.isTrue(SqlError.isSqlError(error))
      if (!SqlError.isSqlError(error)) return
      assert.strictEqual(error.reason._tag, "UniqueViolation")
      assert.strictEqual(error.reason._tag === "UniqueViolation" && error.reason.constraint, "person.email")
      assert.strictEqual(error.message, "execute failed: UNIQUE constraint failed: person.email")
      assert.isDefined(error.reason.cause)
      for (const text of [error.message, String(error), Cause.pretty(exit.cause), JSON.stringify(error)]) {
        assert.notInclude(text, email)
        assert.notInclude(text, "Jane")
      }

      const check = yield* sql`INSERT INTO person (name, email) VALUES (${"x"}, NULL)`.pipe(Effect.flip)
      assert.strictEqual(check.reason._tag, "ConstraintError")
      const syntax = yield* sql`SELEC ${email}`.pipe(Effect.flip)
      assert.strictEqual(syntax.reason._tag, "SqlSyntaxError")
      assert.notInclude(syntax.message, email)
    }).pipe(Effect.provide(memory))
  )

  it.effect("a parameter node:sqlite cannot bind is refused, without its value in the message", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const birthday = new Date("1984-02-29T00:00:00Z")
      const error = yield* sql`SELECT ${birthday} AS d, ${"x"} AS x`.pipe(Effect.flip)
      assert.strictEqual(error.reason._tag, "UnknownError")
      assert.match(error.message, /parameter 1 is a Date/)
      assert.notInclude(error.message, "1984")
      const object = yield* sql`SELECT ${"x"}, ${{ secret: "s3cr3t" }}`.pipe(Effect.flip)
      assert.match(object.message, /parameter 2 is an object/)
      assert.notInclude(object.message, "s3cr3t")
      // booleans and undefined bind as 1/0 and NULL
      const [row] = yield* sql<{ t: number; f: number; u: null }>`SELECT ${true} AS t, ${false} AS f, ${undefined} AS u`
      assert.deepStrictEqual({ ...row }, { t: 1, f: 0, u: null })
    }).pipe(Effect.provide(memory))
  )

  it.effect("SQL text with a second statement is refused instead of running only the first", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const error = yield* sql`CREATE TABLE a (x); CREATE TABLE b (y)`.pipe(Effect.flip)
      assert.strictEqual(error.reason._tag, "SqlSyntaxError")
      assert.match(error.message, /more than one statement/)
      const tables = yield* sql`SELECT name FROM sqlite_master WHERE type = 'table'`
      assert.strictEqual(tables.length, 0)
      // a trailing semicolon or comment is not a second statement
      yield* sql`CREATE TABLE a (x); -- done`
      yield* sql.unsafe("INSERT INTO a (x) VALUES (?);\n /* one row */ ;", [1])
      assert.strictEqual(yield* count(sql, "a"), 1)
    }).pipe(Effect.provide(memory))
  )

  describe("integers beyond 2^53", () => {
    const big = 2n ** 62n + 1n

    it.effect("are bound exactly as bigint and fail to read as a number instead of losing precision", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE n (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`
        yield* sql`INSERT INTO n (id, v) VALUES (1, ${big}), (2, ${42})`
        const small = yield* sql<{ v: number }>`SELECT v FROM n WHERE id = 2`
        assert.strictEqual(small[0]?.v, 42)

        const error = yield* sql`SELECT v FROM n WHERE id = 1`.pipe(Effect.flip)
        assert.match(error.message, /too large to be represented as a JavaScript number/)
        for (const text of [error.message, String(error.reason.cause), JSON.stringify(error)]) {
          assert.notInclude(text, String(big))
        }

        const exact = yield* sql<{ v: bigint; id: bigint }>`SELECT id, v FROM n ORDER BY id`.pipe(
          Effect.provideService(SqlClient.SafeIntegers, true)
        )
        assert.deepStrictEqual(
          exact.map((row) => [row.id, row.v]),
          [
            [1n, big],
            [2n, 42n]
          ]
        )
        // a bigint beyond 64 bits cannot be bound
        const tooBig = yield* sql`SELECT ${2n ** 64n}`.pipe(Effect.flip)
        assert.strictEqual(tooBig.reason._tag, "UnknownError")
      }).pipe(Effect.provide(memory))
    )

    it.effect("readBigInts reads every integer as a bigint", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ a: bigint; b: bigint }>`SELECT 1 AS a, ${big} AS b`
        assert.deepStrictEqual({ ...rows[0] }, { a: 1n, b: big })
      }).pipe(Effect.provide(SqliteClient.layer({ filename: ":memory:", readBigInts: true })))
    )
  })

  it.effect("reserve leases the connection: other fibers wait until its scope closes", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const order: Array<string> = []
      yield* Effect.scoped(
        Effect.gen(function* () {
          const connection = yield* sql.reserve
          yield* Effect.forkChild(sql`SELECT 1`.pipe(Effect.tap(() => Effect.sync(() => order.push("other")))))
          yield* Effect.yieldNow
          const rows = yield* connection.executeValues("SELECT 41 + 1", [])
          order.push(`reserved ${rows[0]?.[0]}`)
        })
      )
      yield* sql`SELECT 1`
      yield* Effect.yieldNow
      assert.deepStrictEqual(order, ["reserved 42", "other"])
    }).pipe(Effect.provide(memory))
  )

  it.effect("the database file persists across close and reopen, in WAL mode, with foreign keys on", () => {
    const filename = freshFile()
    const write = Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
      assert.strictEqual(mode?.journal_mode, "wal")
      const [fk] = yield* sql<{ foreign_keys: number }>`PRAGMA foreign_keys`
      assert.strictEqual(fk?.foreign_keys, 1)
      const [busy] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
      assert.strictEqual(busy?.timeout, 5000)
      yield* sql`CREATE TABLE dossier (id TEXT PRIMARY KEY)`
      yield* sql`CREATE TABLE process (id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL REFERENCES dossier (id))`
      yield* sql`INSERT INTO dossier (id) VALUES (${"d1"})`
      yield* sql`INSERT INTO process (id, dossier_id) VALUES (${"p1"}, ${"d1"})`
      const orphan = yield* sql`INSERT INTO process (id, dossier_id) VALUES (${"p2"}, ${"nope"})`.pipe(Effect.flip)
      assert.strictEqual(orphan.reason._tag, "ConstraintError")
    })
    const read = Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql<{ id: string; dossier_id: string }>`SELECT id, dossier_id FROM process`
    })
    return Effect.gen(function* () {
      yield* write.pipe(Effect.provide(SqliteClient.layer({ filename })))
      const rows = yield* read.pipe(Effect.provide(SqliteClient.layer({ filename })))
      assert.deepStrictEqual(rows, [{ id: "p1", dossier_id: "d1" }])
      const readOnly = yield* read.pipe(Effect.provide(SqliteClient.layer({ filename, readonly: true })))
      assert.deepStrictEqual(readOnly, rows)
    })
  })

  it.effect("waits for the disk at every commit unless told `synchronous: normal`", () =>
    Effect.gen(function* () {
      const level = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ synchronous: number }>`PRAGMA synchronous`)
      const filename = freshFile()
      // SQLite's numbers: 0 off, 1 normal, 2 full, 3 extra.
      const [byDefault] = yield* level.pipe(Effect.provide(SqliteClient.layer({ filename })))
      assert.strictEqual(byDefault?.synchronous, 2)
      const [normal] = yield* level.pipe(Effect.provide(SqliteClient.layer({ filename, synchronous: "normal" })))
      assert.strictEqual(normal?.synchronous, 1)
      const [extra] = yield* level.pipe(Effect.provide(SqliteClient.layer({ filename, synchronous: "extra" })))
      assert.strictEqual(extra?.synchronous, 3)
    })
  )

  it.effect("overwrites deleted content with zeros when told `secureDelete`", () =>
    Effect.gen(function* () {
      const level = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ secure_delete: number }>`PRAGMA secure_delete`)
      const filename = freshFile()
      const [byDefault] = yield* level.pipe(Effect.provide(SqliteClient.layer({ filename })))
      assert.strictEqual(byDefault?.secure_delete, 0)
      const [on] = yield* level.pipe(Effect.provide(SqliteClient.layer({ filename, secureDelete: true })))
      assert.strictEqual(on?.secure_delete, 1)
    })
  )

  it.effect("gives the database, -wal and -shm files the `fileMode`, whatever the umask, new or existing", () =>
    Effect.gen(function* () {
      const modeOf = (file: string) => statSync(file).mode & 0o777
      const write = Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.andThen(sql`CREATE TABLE IF NOT EXISTS t (x)`, sql`INSERT INTO t (x) VALUES (1)`)
      )
      const previous = process.umask(0o022)
      try {
        const created = freshFile()
        yield* write.pipe(Effect.provide(SqliteClient.layer({ filename: created, fileMode: 0o600 })))
        // With WAL on, the -wal and -shm files are there while a connection is open (the last one to close removes
        // them): look while one is.
        yield* Effect.gen(function* () {
          yield* write
          assert.deepStrictEqual(
            [created, `${created}-wal`, `${created}-shm`].map((file) => [existsSync(file), modeOf(file)]),
            [
              [true, 0o600],
              [true, 0o600],
              [true, 0o600]
            ]
          )
        }).pipe(Effect.provide(SqliteClient.layer({ filename: created, fileMode: 0o600 })))
        // A database another program left readable by all is narrowed when opened with a mode.
        const existing = freshFile()
        writeFileSync(existing, "")
        chmodSync(existing, 0o644)
        yield* write.pipe(Effect.provide(SqliteClient.layer({ filename: existing, fileMode: 0o600 })))
        assert.strictEqual(modeOf(existing), 0o600)
        // Without a mode, SQLite's own default under the umask.
        const plain = freshFile()
        yield* write.pipe(Effect.provide(SqliteClient.layer({ filename: plain })))
        assert.strictEqual(modeOf(plain), 0o644)
      } finally {
        process.umask(previous)
      }
    })
  )

  it.effect("a read-only database refuses writes; a missing folder fails the layer with a ConnectionError", () =>
    Effect.gen(function* () {
      const filename = freshFile()
      const statement = (query: string) => Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(query))
      yield* statement("CREATE TABLE t (x)").pipe(Effect.provide(SqliteClient.layer({ filename })))
      const refused = yield* statement("INSERT INTO t (x) VALUES (1)").pipe(
        Effect.provide(SqliteClient.layer({ filename, readonly: true })),
        Effect.flip
      )
      assert.strictEqual(refused.reason._tag, "AuthorizationError")

      const missing = yield* Layer.build(SqliteClient.layer({ filename: join(folder, "missing", "x.db") })).pipe(
        Effect.scoped,
        Effect.flip
      )
      assert.strictEqual(missing.reason._tag, "ConnectionError")
    })
  )

  it.effect("layerConfig reads its options from Config", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ one: number }>`SELECT 1 AS one`
      assert.strictEqual(row?.one, 1)
    }).pipe(Effect.provide(SqliteClient.layerConfig({ filename: Config.succeed(":memory:") })))
  )
})
