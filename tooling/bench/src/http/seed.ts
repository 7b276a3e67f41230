/**
 * Fills the server's tables with stored data before a run, so that the read path is measured on a big store and not
 * on an empty one: `count` dossiers, each with one process and one file row, written by SQL straight into the tables
 * the migrations created (the server has run them on this store and is stopped), not through the API, so that a
 * million takes minutes and not hours. The rows belong to the bench's own client, are finished (no sweeper picks them
 * up) and carry random bytes of about the size the server's ciphertexts have where it stores personal data; they
 * need not decrypt, only be there and keep every constraint.
 */
import { randomBytes, randomUUID } from "node:crypto"
import { performance } from "node:perf_hooks"
import { DatabaseSync } from "node:sqlite"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"

/** Rows per transaction: big enough to be fast, small enough to report progress and keep SQLite's WAL small. */
const batchSize = 50_000

/** About what the server stores, in bytes of ciphertext (AES-GCM adds its nonce, tag and key id to the JSON). */
const sizes = { userData: 180, parameters: 64, providerState: 120, finalResult: 420, providerSpecific: 90 }

/** Random bytes to cut the columns from: drawing them row by row would cost more than the inserts. */
const pool = randomBytes(1 << 20)
const randomSlice = (length: number) => {
  const start = Math.floor(Math.random() * (pool.length - length))
  return pool.subarray(start, start + length)
}

/** The canonical `YYYY-MM-DDThh:mm:ssZ` the server writes. */
const timestamp = (date: Date) => `${date.toISOString().slice(0, 19)}Z`

const progress = (log: (m: string) => void, what: string, done: number, count: number, started: number) =>
  log(
    `    ${what}: ${done.toLocaleString("en-GB")} / ${count.toLocaleString("en-GB")} dossiers (${((performance.now() - started) / 1000).toFixed(1)} s)`
  )

/** Seeds the embedded store at `filename` (`assure.db` in a data folder the server is not running on). */
export const seedSqlite = (filename: string, count: number, tenant: string, log: (m: string) => void): void => {
  const started = performance.now()
  const database = new DatabaseSync(filename)
  try {
    // This connection only: the data is thrown away with the folder, and a crash mid-seed fails the bench anyway.
    database.exec("PRAGMA synchronous = OFF")
    // Random UUID keys land all over five indexes: with their pages cached, a million rows take a fraction of the time.
    database.exec("PRAGMA cache_size = -1048576")
    const dossier = database.prepare(
      "INSERT INTO assure_dossiers (id, tenant_id, external_reference, user_data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
    )
    const process = database.prepare(
      `INSERT INTO assure_processes (id, dossier_id, tenant_id, provider, process_type, status, parameters, provider_reference,
         provider_state, final_result, provider_specific, created_at, updated_at)
       VALUES (?, ?, ?, 'sandbox', 'document', 'accepted', ?, ?, ?, ?, ?, ?, ?)`
    )
    const file = database.prepare(
      `INSERT INTO assure_files (id, tenant_id, dossier_id, process_id, kind, media_type, size, storage_key, created_at)
       VALUES (?, ?, ?, ?, 'front', 'image/jpeg', ?, ?, ?)`
    )
    const now = Date.now()
    for (let done = 0; done < count; ) {
      const end = Math.min(count, done + batchSize)
      database.exec("BEGIN")
      for (let index = done; index < end; index++) {
        // One a minute back in time, oldest last, as a store filled over time.
        const at = timestamp(new Date(now - (index + 1) * 60_000))
        const dossierId = randomUUID()
        const processId = randomUUID()
        const fileId = randomUUID()
        dossier.run(dossierId, tenant, `seeded-${index}`, randomSlice(sizes.userData), at, at)
        process.run(
          processId,
          dossierId,
          tenant,
          randomSlice(sizes.parameters),
          `seeded-${processId}`,
          randomSlice(sizes.providerState),
          randomSlice(sizes.finalResult),
          randomSlice(sizes.providerSpecific),
          at,
          at
        )
        file.run(fileId, tenant, dossierId, processId, 250_000 + (index % 100_000), `seeded/${fileId}`, at)
      }
      database.exec("COMMIT")
      done = end
      progress(log, "SQLite", done, count, started)
    }
  } finally {
    database.close()
  }
}

/**
 * Seeds a PostgreSQL database with `INSERT … SELECT` over `generate_series`: the rows are made in the database, none
 * travels over the connection. Ids are UUIDs made from a per-seed salt and the row's number, so that a process can
 * name its dossier without a lookup; the bytes are md5 digests of random numbers.
 */
export const seedPostgres = (url: string, count: number, tenant: string, log: (m: string) => void): Promise<void> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const started = performance.now()
      const salt = randomUUID()
      // `k` md5 digests of a random number: 16·k random-looking bytes.
      const bytes = (length: number) =>
        sql.literal(`decode(repeat(md5(random()::text), ${Math.ceil(length / 16)}), 'hex')`)
      const id = (kind: string) => sql.literal(`md5('${salt}' || '${kind}' || i)::uuid::text`)
      const at = sql.literal(
        `to_char(now() AT TIME ZONE 'UTC' - make_interval(mins => i), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
      )
      for (let done = 0; done < count; ) {
        const end = Math.min(count, done + batchSize)
        const series = sql.literal(`generate_series(${done + 1}, ${end}) AS i`)
        yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`
              INSERT INTO assure_dossiers (id, tenant_id, external_reference, user_data, created_at, updated_at)
              SELECT ${id("d")}, ${tenant}, 'seeded-' || i, ${bytes(sizes.userData)}, ${at}, ${at} FROM ${series}`
            yield* sql`
              INSERT INTO assure_processes (id, dossier_id, tenant_id, provider, process_type, status, parameters,
                provider_reference, provider_state, final_result, provider_specific, created_at, updated_at)
              SELECT ${id("p")}, ${id("d")}, ${tenant}, 'sandbox', 'document', 'accepted', ${bytes(sizes.parameters)},
                'seeded-' || ${id("p")}, ${bytes(sizes.providerState)}, ${bytes(sizes.finalResult)},
                ${bytes(sizes.providerSpecific)}, ${at}, ${at}
              FROM ${series}`
            yield* sql`
              INSERT INTO assure_files (id, tenant_id, dossier_id, process_id, kind, media_type, size, storage_key, created_at)
              SELECT ${id("f")}, ${tenant}, ${id("d")}, ${id("p")}, 'front', 'image/jpeg', 250000 + i % 100000,
                'seeded/' || ${id("f")}, ${at}
              FROM ${series}`
          })
        )
        done = end
        progress(log, "PostgreSQL", done, count, started)
      }
      // Fresh statistics, as autovacuum would have them on a store that grew over time.
      yield* sql`ANALYZE`
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url) })))
  )
