/**
 * An `effect/sql` client over Node's built-in `node:sqlite`.
 *
 * One `DatabaseSync` connection, shared by every fiber through a semaphore: `node:sqlite` is synchronous, so a
 * statement never interleaves with another, and a transaction holds the connection until it commits or rolls back.
 * Statements are compiled by effect/sql's SQLite compiler (`?` placeholders, every interpolated value a bound
 * parameter), prepared once and cached.
 *
 * @example
 * ```ts
 * import { SqliteClient } from "@assure/sqlite"
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql"
 *
 * const program = Effect.gen(function*() {
 *   const sql = yield* SqlClient.SqlClient
 *   yield* sql`CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`
 *   yield* sql`INSERT INTO note ${sql.insert({ body: "hello" })}`
 *   return yield* sql<{ id: number; body: string }>`SELECT id, body FROM note`
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(SqliteClient.layer({ filename: "data/assure.db" }))))
 * ```
 *
 * @since 0.1.0
 */

import { chmodSync, closeSync, existsSync, openSync } from "node:fs"
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Reactivity from "effect/reactivity/Reactivity"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as SqlClient from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import { MultipleStatements, toSqlError, UnsupportedParameter } from "./internal/sqliteError.js"

/** Marks `SqliteClient` values. @since 0.1.0 */
export const TypeId = "~@assure/sqlite/SqliteClient" as const

/** The type of {@link TypeId}. @since 0.1.0 */
export type TypeId = typeof TypeId

/**
 * A `SqlClient` over `node:sqlite`, with the configuration it was opened with.
 *
 * @since 0.1.0
 */
export interface SqliteClient extends SqlClient.SqlClient {
  readonly [TypeId]: TypeId
  readonly config: SqliteClientConfig
  /** Not supported by SQLite: update rows one statement at a time. */
  readonly updateValues: never
}

/**
 * The `SqliteClient` service. `layer` provides it together with the generic `SqlClient.SqlClient`.
 *
 * @since 0.1.0
 */
export const SqliteClient = Context.Service<SqliteClient>("@assure/sqlite/SqliteClient")

/**
 * How to open the database.
 *
 * @since 0.1.0
 */
export interface SqliteClientConfig {
  /**
   * Path of the database file, or `":memory:"` for a private in-memory database. The file is created if it does not
   * exist; its folder is not: the application creates its data folder.
   */
  readonly filename: string
  /** Open read-only (the file must exist). Default `false`. */
  readonly readonly?: boolean | undefined
  /** How long a statement waits for another process's lock before failing with `LockTimeoutError`. Default 5 seconds. */
  readonly busyTimeout?: Duration.Input | undefined
  /** Keep SQLite's rollback journal instead of switching a writable database to WAL. Default `false` (WAL on). */
  readonly disableWAL?: boolean | undefined
  /**
   * When SQLite waits for the disk (`PRAGMA synchronous`). Default: SQLite's own, `full`, which syncs the WAL at
   * every commit, so a committed transaction survives a power cut. With WAL on, `normal` syncs only at checkpoints:
   * the database is never corrupted and an application crash loses nothing, but a power cut or operating-system
   * crash can lose the last transactions committed before it — for several times as many small writes per second.
   */
  readonly synchronous?: "off" | "normal" | "full" | "extra" | undefined
  /**
   * Overwrite deleted content with zeros (`PRAGMA secure_delete`), so that what a `DELETE` removed cannot be read back
   * from the file's free space. Default `false`, SQLite's own: it costs writes (every freed page is written), and
   * with WAL on, the overwritten pages reach the database file at the next checkpoint.
   */
  readonly secureDelete?: boolean | undefined
  /**
   * Permissions of the database file, `0o600` for the owner only: a file this client creates is created with them,
   * and an existing one is changed to them (its `-wal` and `-shm` files too, which SQLite creates with the database
   * file's permissions). Default: SQLite's, `0o644` narrowed by the process's umask, and existing files as they are.
   * Not used for `":memory:"`, `file:` URIs or a read-only database.
   */
  readonly fileMode?: number | undefined
  /**
   * Read every INTEGER as a `bigint`. Default `false`: integers are numbers, and one beyond ±(2^53 − 1) fails the
   * statement instead of losing precision. `SqlClient.SafeIntegers` turns bigints on for a single effect.
   */
  readonly readBigInts?: boolean | undefined
  /** How many prepared statements to keep, least recently used dropped first. Default 200; 0 disables the cache. */
  readonly prepareCacheSize?: number | undefined
  /** Attributes added to every statement's and transaction's span. */
  readonly spanAttributes?: Record<string, unknown> | undefined
  /** Maps identifiers in queries (`sql("name")`, `sql.insert` keys), e.g. `String.camelToSnake`. */
  readonly transformQueryNames?: ((name: string) => string) | undefined
  /** Maps column names in results, e.g. `String.snakeToCamel`. */
  readonly transformResultNames?: ((name: string) => string) | undefined
}

/**
 * Opens the database and builds the client; the database closes when the scope closes.
 *
 * Fails with a `SqlError` (`ConnectionError` when the file cannot be opened) if opening or configuring it fails.
 *
 * @since 0.1.0
 */
export const make = (
  config: SqliteClientConfig
): Effect.Effect<SqliteClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const readonly = config.readonly ?? false
    const db = yield* Effect.acquireRelease(open(config), (db) => Effect.sync(() => db.close()))
    const connection = makeConnection(db, {
      readBigInts: config.readBigInts ?? false,
      prepareCacheSize: config.prepareCacheSize ?? 200
    })
    // Both acquirers lease the one connection until their scope closes; the borrower holds it for one statement.
    const leases = SqlClient.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore: yield* Semaphore.make(1),
      isTransaction: () => db.isTransaction
    })
    const client = yield* SqlClient.make({
      acquirer: leases.acquirer,
      borrower: leases.borrower,
      transactionAcquirer: leases.transactionAcquirer,
      onCommitFailure: leases.onCommitFailure,
      isTransaction: leases.isTransaction,
      compiler: Statement.makeCompilerSqlite(config.transformQueryNames),
      driver: "@assure/sqlite",
      prepareTransactionControls: true,
      // IMMEDIATE takes the write lock up front, so a transaction that reads then writes never fails with SQLITE_BUSY
      // half-way when another process holds the file; a read-only database cannot take it.
      beginTransaction: readonly ? "BEGIN" : "BEGIN IMMEDIATE",
      releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`,
      spanAttributes: [...Object.entries(config.spanAttributes ?? {}), ["db.system.name", "sqlite"]],
      transformRows: config.transformResultNames
        ? Statement.defaultTransforms(config.transformResultNames).array
        : undefined
    })
    return Object.assign(client, { [TypeId]: TypeId, config }) as SqliteClient
  })

/**
 * Provides `SqliteClient` and `SqlClient.SqlClient` for the layer's lifetime.
 *
 * @since 0.1.0
 */
export const layer = (config: SqliteClientConfig): Layer.Layer<SqliteClient | SqlClient.SqlClient, SqlError> =>
  Layer.effectContext(Effect.map(make(config), toContext)).pipe(Layer.provide(Reactivity.layer))

/**
 * {@link layer} with its configuration read from `Config`, e.g. `{ filename: Config.string("DATABASE_FILE") }`.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Wrap<SqliteClientConfig>
): Layer.Layer<SqliteClient | SqlClient.SqlClient, Config.ConfigError | SqlError> =>
  Layer.effectContext(Config.unwrap(config).pipe(Effect.flatMap(make), Effect.map(toContext))).pipe(
    Layer.provide(Reactivity.layer)
  )

// internal

// Named in code so that nothing but these four words ever reaches the PRAGMA.
const synchronousLevels = { off: "OFF", normal: "NORMAL", full: "FULL", extra: "EXTRA" } as const

const toContext = (client: SqliteClient) =>
  Context.make(SqliteClient, client).pipe(Context.add(SqlClient.SqlClient, client))

const open = (config: SqliteClientConfig): Effect.Effect<DatabaseSync, SqlError> =>
  Effect.try({
    try: () => {
      const readOnly = config.readonly ?? false
      if (config.fileMode !== undefined && !readOnly) restrict(config.filename, config.fileMode)
      const db = new DatabaseSync(config.filename, { readOnly, enableForeignKeyConstraints: true })
      try {
        const busyTimeout = Math.round(Duration.toMillis(config.busyTimeout ?? "5 seconds"))
        db.exec(`PRAGMA busy_timeout = ${Math.min(Math.max(busyTimeout, 0), 2_147_483_647)}`)
        // An in-memory database answers "memory" and stays as it is.
        if (!readOnly && config.disableWAL !== true) {
          db.exec("PRAGMA journal_mode = WAL")
        }
        if (config.synchronous !== undefined) {
          db.exec(`PRAGMA synchronous = ${synchronousLevels[config.synchronous]}`)
        }
        if (config.secureDelete !== undefined) {
          db.exec(`PRAGMA secure_delete = ${config.secureDelete ? "ON" : "OFF"}`)
        }
      } catch (cause) {
        db.close()
        throw cause
      }
      return db
    },
    catch: (cause) => toSqlError(cause, "open")
  })

/**
 * Creates the database file with `mode` if it does not exist, and gives it (and its -wal and -shm files, if any) that
 * mode: SQLite creates the -wal and -shm files with the database file's permissions, so all three end up the same.
 */
const restrict = (filename: string, mode: number) => {
  if (filename === ":memory:" || filename === "" || filename.startsWith("file:")) return
  // "a": create if missing, never truncate.
  closeSync(openSync(filename, "a", mode))
  for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) {
    if (existsSync(file)) chmodSync(file, mode)
  }
}

type Row = Record<string, unknown>
type TransformRows = (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined

const makeConnection = (
  db: DatabaseSync,
  options: { readonly readBigInts: boolean; readonly prepareCacheSize: number }
): Connection => {
  // node:sqlite compiles only the first statement of the text and silently ignores the rest: refuse such text.
  const prepare = (sql: string): StatementSync => {
    const statement = db.prepare(sql)
    const source = statement.sourceSQL
    if (sql.startsWith(source) && !isBlank(sql.slice(source.length))) {
      throw new MultipleStatements()
    }
    return statement
  }

  // Least recently used first: a Map iterates in insertion order, and a hit is re-inserted.
  const cache = new Map<string, StatementSync>()
  const prepared = (sql: string): StatementSync => {
    if (options.prepareCacheSize <= 0) {
      return prepare(sql)
    }
    let statement = cache.get(sql)
    if (statement === undefined) {
      statement = prepare(sql)
      if (cache.size >= options.prepareCacheSize) {
        const oldest = cache.keys().next()
        if (!oldest.done) cache.delete(oldest.value)
      }
    } else {
      cache.delete(sql)
    }
    cache.set(sql, statement)
    return statement
  }

  // Runs synchronous driver code, turning what it throws into a SqlError. The semaphore is already held.
  const attempt = <A>(operation: string, f: (readBigInts: boolean) => A): Effect.Effect<A, SqlError> =>
    Effect.withFiber((fiber) => {
      try {
        return Effect.succeed(f(options.readBigInts || fiber.getRef(SqlClient.SafeIntegers)))
      } catch (cause) {
        return Effect.fail(toSqlError(cause, operation))
      }
    })

  const rows = (statement: StatementSync, params: ReadonlyArray<unknown>, readBigInts: boolean): Array<Row> => {
    statement.setReadBigInts(readBigInts)
    return statement.all(...bind(params))
  }

  const values = (statement: StatementSync, params: ReadonlyArray<unknown>, readBigInts: boolean) => {
    statement.setReadBigInts(readBigInts)
    statement.setReturnArrays(true)
    try {
      return statement.all(...bind(params)) as unknown as Array<Array<unknown>>
    } finally {
      statement.setReturnArrays(false)
    }
  }

  const raw = (statement: StatementSync, params: ReadonlyArray<unknown>, readBigInts: boolean): unknown => {
    if (statement.columns().length > 0) {
      return rows(statement, params, readBigInts)
    }
    statement.setReadBigInts(readBigInts)
    const { changes, lastInsertRowid } = statement.run(...bind(params))
    return { changes, lastInsertRowid }
  }

  const transform = (result: Array<Row>, transformRows: TransformRows) =>
    transformRows === undefined ? result : transformRows(result)

  const streamBatch = 128

  return {
    execute: (sql, params, transformRows) =>
      attempt("execute", (big) => transform(rows(prepared(sql), params, big), transformRows)),
    executeUnprepared: (sql, params, transformRows) =>
      attempt("execute", (big) => transform(rows(prepare(sql), params, big), transformRows)),
    executeRaw: (sql, params) => attempt("execute", (big) => raw(prepared(sql), params, big)),
    executeValues: (sql, params) => attempt("execute", (big) => values(prepared(sql), params, big)),
    executeValuesUnprepared: (sql, params) => attempt("execute", (big) => values(prepare(sql), params, big)),
    // Rows are read in batches from a statement of its own; the lease on the connection lasts as long as the stream.
    executeStream: (sql, params, transformRows) =>
      Stream.suspend(() => {
        let iterator: Iterator<Row> | undefined
        return Stream.paginate(undefined, () =>
          attempt("stream", (big) => {
            if (iterator === undefined) {
              const statement = prepare(sql)
              statement.setReadBigInts(big)
              iterator = statement.iterate(...bind(params))
            }
            const batch: Array<Row> = []
            let next = iterator.next()
            while (!next.done) {
              batch.push(next.value)
              if (batch.length === streamBatch) break
              next = iterator.next()
            }
            return [transform(batch, transformRows), next.done ? Option.none() : Option.some(undefined)] as const
          })
        ).pipe(Stream.ensuring(Effect.sync(() => iterator?.return?.())))
      })
  }
}

// Whitespace, semicolons and comments only.
const isBlank = (tail: string): boolean => /^(?:\s|;|--[^\n]*|\/\*[\s\S]*?\*\/)*$/.test(tail)

// node:sqlite binds an object as a set of *named* parameters, so a Date (or any object) in the first position would
// be bound as NULL and shift nothing else into place. Accept only what binds to one value.
const bind = (params: ReadonlyArray<unknown>): Array<SQLInputValue> => {
  const bound = new Array<SQLInputValue>(params.length)
  for (let i = 0; i < params.length; i++) {
    const value = params[i]
    switch (typeof value) {
      case "string":
      case "number":
      case "bigint":
        bound[i] = value
        break
      case "boolean":
        bound[i] = value ? 1 : 0
        break
      case "undefined":
        bound[i] = null
        break
      case "object":
        if (value === null) {
          bound[i] = null
          break
        }
        // Uint8Array (Buffer too) and the other typed arrays bind as a BLOB of their bytes.
        if (ArrayBuffer.isView(value)) {
          bound[i] = value as NodeJS.ArrayBufferView
          break
        }
        throw new UnsupportedParameter(
          i + 1,
          value instanceof Date ? "a Date" : Array.isArray(value) ? "an array" : "an object"
        )
      default:
        throw new UnsupportedParameter(i + 1, `a ${typeof value}`)
    }
  }
  return bound
}
