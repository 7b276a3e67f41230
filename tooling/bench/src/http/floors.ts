/**
 * What the parts of one request cost on their own: isolated experiments that give the floor of each component an
 * authenticated GET or a dossier POST goes through, so that a target the server misses can be traced to the component
 * that holds it. Each experiment runs its contenders in the same process, taking turns in slices, and reports CPU time
 * per operation from the process's own counters (`process.cpuUsage`, which includes the thread pool's work).
 *
 * `pnpm --filter @assure/bench bench:floors` prints the section; `pnpm bench` includes it.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Migrations, PersonalDataCipher } from "@assure/engine"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Exit, Layer, Redacted, References, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { aesGcm as nodeAesGcm } from "../../../../apps/server/dist/server/NodeAesGcm.js"
import { seedSqlite } from "./seed.ts"

export interface Contender {
  readonly name: string
  /** Runs the operation `times` times; resolves when all are done. */
  readonly run: (times: number) => Promise<void>
}

export interface Experiment {
  readonly title: string
  readonly what: string
  readonly contenders: ReadonlyArray<Contender>
}

export interface Measured {
  readonly title: string
  readonly what: string
  /** Median CPU microseconds per operation, by contender, with the slices' interquartile range. */
  readonly rows: ReadonlyArray<{
    readonly name: string
    readonly micros: number
    readonly low: number
    readonly high: number
  }>
}

/** The statement `Processes.get` runs (internal/processKit.ts, `readProcess`), with its parameters unbound. */
const getStatement = `SELECT p.id, p.dossier_id, p.provider, p.process_type, p.status, p.final_result, p.provider_specific,
    p.redirect_url, p.notification_url, p.attempts, p.last_error, p.next_check_at, p.created_at, p.updated_at,
    f.id AS file_id, f.kind AS file_kind, f.media_type AS file_media_type, f.size AS file_size, f.created_at AS file_created_at
    FROM assure_processes p LEFT JOIN assure_files f ON f.process_id = p.id
    WHERE p.id = ? AND p.dossier_id = ? AND p.tenant_id = ? ORDER BY f.created_at, f.id`

const cpuMicros = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN

/** Slices of `opsPerSlice` operations, contenders taking turns, after one warm-up slice each. */
const measure = async (experiment: Experiment, slices: number, opsPerSlice: number): Promise<Measured> => {
  for (const contender of experiment.contenders) await contender.run(opsPerSlice)
  const samples = experiment.contenders.map(() => [] as Array<number>)
  for (let slice = 0; slice < slices; slice++) {
    for (const [index, contender] of experiment.contenders.entries()) {
      const before = cpuMicros()
      await contender.run(opsPerSlice)
      samples[index]?.push((cpuMicros() - before) / opsPerSlice)
    }
  }
  return {
    title: experiment.title,
    what: experiment.what,
    rows: experiment.contenders.map((contender, index) => {
      const sorted = [...(samples[index] ?? [])].sort((a, b) => a - b)
      return {
        name: contender.name,
        micros: quantile(sorted, 0.5),
        low: quantile(sorted, 0.25),
        high: quantile(sorted, 0.75)
      }
    })
  }
}

const repeat = (times: number, effect: Effect.Effect<unknown, unknown>): Promise<void> =>
  Effect.runPromise(Effect.repeat(Effect.orDie(effect), { times: times - 1 })).then(() => undefined)

/** Sealing a dossier's identity data (about 90 bytes of JSON), as `POST /assure/dossiers` does once. */
const cipherExperiment = async (): Promise<Experiment> => {
  const keys: PersonalDataCipher.Keys = {
    activeKeyId: "bench",
    keys: { bench: Redacted.make(PersonalDataCipher.generateKey()) }
  }
  const webCrypto = await Effect.runPromise(PersonalDataCipher.make(keys))
  const node = await Effect.runPromise(PersonalDataCipher.make(keys, nodeAesGcm))
  const userData = { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12", nationality: "DEU" }
  const sealThenOpen = (cipher: PersonalDataCipher.PersonalDataCipher["Service"]) =>
    Effect.flatMap(cipher.sealJson(userData, "dossier:bench:userData"), (sealed) =>
      cipher.openJson(sealed, "dossier:bench:userData")
    )
  return {
    title: "Personal data sealed and opened",
    what: "`PersonalDataCipher.sealJson` then `openJson` of a dossier's identity data (AES-256-GCM, 12-byte IV, bound to its context)",
    contenders: [
      {
        name: "WebCrypto (`crypto.subtle`, the engine's default)",
        run: (times) => repeat(times, sealThenOpen(webCrypto))
      },
      { name: "`node:crypto` (`NodeAesGcm`, what the server uses)", run: (times) => repeat(times, sealThenOpen(node)) }
    ]
  }
}

/**
 * A store on the engine's own schema (its migrations) holding one dossier `d` with one process `p` of the tenant
 * `bench`: the process the GET's statement reads.
 */
const storeWithOneProcess = (layer: Layer.Layer<SqlClient.SqlClient>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* Effect.orDie(Migrations.run)
      const sql = yield* SqlClient.SqlClient
      const at = "2026-12-07T00:00:00Z"
      yield* sql`INSERT INTO assure_dossiers ${sql.insert({ id: "d", tenant_id: "bench", created_at: at, updated_at: at })}`
      yield* sql`INSERT INTO assure_processes ${sql.insert({
        id: "p",
        dossier_id: "d",
        tenant_id: "bench",
        provider: "sandbox",
        process_type: "document",
        status: "pending",
        created_at: at,
        updated_at: at
      })}`
    }).pipe(Effect.orDie, Effect.provide(layer))
  )

/** The GET's statement: a process and its files by primary key and index, on the server's SQLite driver and bare. */
const sqliteExperiment = async (): Promise<{ experiment: Experiment; close: () => void }> => {
  const folder = mkdtempSync(join(tmpdir(), "assure-floors-"))
  const filename = join(folder, "assure.db")
  const layer = Layer.orDie(SqliteClient.layer({ filename }))
  await storeWithOneProcess(layer)
  const bare = new DatabaseSync(filename)
  const prepared = bare.prepare(getStatement)
  // The driver as the server runs it, with and without its span per statement (the tracer off).
  const query = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.unsafe(getStatement, ["p", "d", "bench"])
  }).pipe(Effect.orDie)
  const scope = Scope.makeUnsafe()
  const client = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const viaDriver = (tracing: boolean) => (times: number) =>
    repeat(times, query.pipe(Effect.provideContext(client), Effect.provideService(References.TracerEnabled, tracing)))
  return {
    experiment: {
      title: "The GET's statement on SQLite",
      what: "the process and its files in one statement (primary key, `assure_files_by_process`), on a database with one process",
      contenders: [
        {
          name: "`node:sqlite` prepared statement, called directly",
          run: async (times) => {
            for (let i = 0; i < times; i++) prepared.all("p", "d", "bench")
          }
        },
        { name: "`@effect/sql-sqlite-node`, as the server runs it (a span per statement)", run: viaDriver(true) },
        { name: "`@effect/sql-sqlite-node`, tracer off", run: viaDriver(false) }
      ]
    },
    close: () => {
      bare.close()
      void Effect.runPromise(Scope.close(scope, Exit.void))
      rmSync(folder, { recursive: true, force: true })
    }
  }
}

/**
 * The GET's statement on stores of two sizes, seeded as the HTTP bench seeds them (seed.ts: each dossier with a process
 * and a file, through the engine's own schema): what the size of the store costs the read itself, apart from the rest
 * of the server.
 */
const storeSizeExperiment = async (
  log: (message: string) => void
): Promise<{ experiment: Experiment; close: () => void }> => {
  const folders: Array<string> = []
  const databases: Array<DatabaseSync> = []
  const storeOf = async (count: number) => {
    const folder = mkdtempSync(join(tmpdir(), "assure-floors-"))
    folders.push(folder)
    const filename = join(folder, "assure.db")
    await storeWithOneProcess(Layer.orDie(SqliteClient.layer({ filename })))
    seedSqlite(filename, count, "bench", log)
    const database = new DatabaseSync(filename)
    databases.push(database)
    const prepared = database.prepare(getStatement)
    return async (times: number) => {
      for (let i = 0; i < times; i++) prepared.all("p", "d", "bench")
    }
  }
  const small = await storeOf(10_000)
  const large = await storeOf(1_000_000)
  return {
    experiment: {
      title: "The GET's statement by the size of the store",
      what: "the GET's statement through `node:sqlite` on stores seeded with 10,000 and 1,000,000 dossiers, each with a process and a file (seed.ts), SQLite's default page cache",
      contenders: [
        { name: "10,000 dossiers stored", run: small },
        { name: "1,000,000 dossiers stored", run: large }
      ]
    },
    close: () => {
      for (const database of databases) database.close()
      for (const folder of folders) rmSync(folder, { recursive: true, force: true })
    }
  }
}

/**
 * The POST's write: a dossier row into the engine's schema on SQLite as the server opens it (WAL, `synchronous =
 * NORMAL`, `secure_delete`), each in its own transaction as a request commits it, and many to one transaction (what
 * grouping concurrent requests' commits would give).
 */
const insertExperiment = (): { experiment: Experiment; close: () => void } => {
  const folder = mkdtempSync(join(tmpdir(), "assure-floors-"))
  const database = new DatabaseSync(join(folder, "assure.db"))
  database.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON")
  database.exec(`CREATE TABLE assure_dossiers (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, external_reference TEXT,
    user_data BLOB, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE INDEX assure_dossiers_by_tenant ON assure_dossiers (tenant_id, created_at, id)`)
  const insert = database.prepare("INSERT INTO assure_dossiers VALUES (?, ?, ?, ?, ?, ?)")
  const userData = new Uint8Array(120).fill(7)
  const insertOne = () => {
    const at = new Date().toISOString().slice(0, 19).concat("Z")
    insert.run(globalThis.crypto.randomUUID(), "bench", "customer-7", userData, at, at)
  }
  return {
    experiment: {
      title: "The POST's write on SQLite",
      what: "`INSERT` of a dossier row (120 bytes of sealed identity data, the table's two indexes) on a file in WAL mode with `synchronous = NORMAL`, through `node:sqlite`",
      contenders: [
        {
          name: "one transaction per row, as each request commits",
          run: async (times) => {
            for (let i = 0; i < times; i++) insertOne()
          }
        },
        {
          name: "100 rows per transaction (commits grouped)",
          run: async (times) => {
            for (let done = 0; done < times; done += 100) {
              database.exec("BEGIN")
              for (let i = 0; i < Math.min(100, times - done); i++) insertOne()
              database.exec("COMMIT")
            }
          }
        }
      ]
    },
    close: () => {
      database.close()
      rmSync(folder, { recursive: true, force: true })
    }
  }
}

/** What Effect's runtime costs per step a request takes: the forms the server's request path is written in. */
const runtimeExperiment = (): Experiment => {
  const steps = 1000
  const inLoop = (step: (i: number) => Effect.Effect<number>) => (times: number) =>
    repeat(
      Math.max(1, Math.round(times / steps)),
      Effect.gen(function* () {
        let total = 0
        for (let i = 0; i < steps; i++) total += yield* step(i)
        return total
      })
    )
  // Each with one `yield*`, as the generator row has: the difference is what `Effect.fn` adds.
  const named = Effect.fn("Bench.step")(function* (i: number) {
    return (yield* Effect.succeed(i)) + 1
  })
  const unnamed = Effect.fn(function* (i: number) {
    return (yield* Effect.succeed(i)) + 1
  })
  return {
    title: "Effect's runtime, per step",
    what: "one step of a request written each way, run 1,000 to a fiber (µs per step, not per request)",
    contenders: [
      {
        name: "`Effect.flatMap` of a value",
        run: inLoop((i) => Effect.flatMap(Effect.succeed(i), (n) => Effect.succeed(n + 1)))
      },
      {
        name: "`Effect.gen` with one `yield*`",
        run: inLoop((i) =>
          Effect.gen(function* () {
            return (yield* Effect.succeed(i)) + 1
          })
        )
      },
      { name: "`Effect.fn` (stack frame captured per call)", run: inLoop(unnamed) },
      { name: '`Effect.fn("name")` (stack frame and a span)', run: inLoop(named) },
      { name: "`Effect.withSpan`", run: inLoop((i) => Effect.withSpan(Effect.succeed(i + 1), "Bench.step")) }
    ]
  }
}

export const measureFloors = async (log: (message: string) => void): Promise<ReadonlyArray<Measured>> => {
  const results: Array<Measured> = []
  log("floors: sealing personal data")
  results.push(await measure(await cipherExperiment(), 15, 2_000))
  log("floors: the GET's SQLite statement")
  const sqlite = await sqliteExperiment()
  try {
    results.push(await measure(sqlite.experiment, 15, 5_000))
  } finally {
    sqlite.close()
  }
  log("floors: the GET's statement on 10,000 and 1,000,000 stored dossiers (seeding them)")
  const sizes = await storeSizeExperiment(log)
  try {
    results.push(await measure(sizes.experiment, 15, 5_000))
  } finally {
    sizes.close()
  }
  log("floors: the POST's SQLite write")
  const inserts = insertExperiment()
  try {
    results.push(await measure(inserts.experiment, 15, 1_000))
  } finally {
    inserts.close()
  }
  log("floors: Effect's runtime")
  results.push(await measure(runtimeExperiment(), 15, 20_000))
  return results
}

const micros = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1))

export const renderFloors = (measured: ReadonlyArray<Measured>): string =>
  measured
    .map((experiment) =>
      [
        `#### ${experiment.title}`,
        "",
        `${experiment.what}.`,
        "",
        "| | CPU µs per operation (median) | interquartile range | vs first row |",
        "|---|--:|--:|--:|",
        ...experiment.rows.map(
          (row) =>
            `| ${row.name} | ${micros(row.micros)} | ${micros(row.low)} – ${micros(row.high)} | ${(row.micros / (experiment.rows[0]?.micros ?? Number.NaN)).toFixed(1)}× |`
        )
      ].join("\n")
    )
    .join("\n\n")
