/**
 * The two databases the engine section runs on: a SQLite file in a temporary folder, and a PostgreSQL database
 * created for the run on a local server and dropped afterwards (never a database that holds anything else). The orchestrator creates them; the workers (one OS
 * process at a time per database, as a SingleRunner requires) connect to them with {@link layerFor}.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Redacted, Schedule } from "effect"
import type { SqlClient } from "effect/sql"

export type DatabaseSpec =
  | { readonly kind: "sqlite"; readonly filename: string }
  | { readonly kind: "postgres"; readonly url: string }

export const databaseLabel = (spec: DatabaseSpec): string => (spec.kind === "postgres" ? "PostgreSQL" : "SQLite")

/** The server the bench creates its database on; override with `ASSURE_BENCH_POSTGRES_URL`. */
export const postgresServerUrl =
  process.env.ASSURE_BENCH_POSTGRES_URL ?? "postgres://assure:assure@127.0.0.1:5432/postgres"

/** The `SqlClient` of a database, for a worker. */
export const layerFor = (spec: DatabaseSpec): Layer.Layer<SqlClient.SqlClient> =>
  spec.kind === "postgres"
    ? Layer.orDie(PgClient.layer({ url: Redacted.make(spec.url) }))
    : Layer.orDie(SqliteClient.layer({ filename: spec.filename }))

/** A folder for SQLite files and the file store, removed by `remove`. */
export const makeScratchFolder = (): { readonly path: string; readonly remove: () => void } => {
  const path = mkdtempSync(join(tmpdir(), "assure-bench-"))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

const runOnServer = <A extends object>(statement: string, serverUrl: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      return yield* sql.unsafe<A>(statement)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl) })))
  )

export interface PostgresDatabase {
  readonly url: string
  /** The server's version, as `SHOW server_version` gives it. */
  readonly serverVersion: string
  readonly drop: () => Promise<void>
}

/** A new, empty PostgreSQL database on `serverUrl`'s server, or why there is none (the server cannot be reached). */
export const createPostgresDatabase = async (
  serverUrl: string = postgresServerUrl
): Promise<PostgresDatabase | { readonly unavailable: string }> => {
  const name = `assure_bench_${globalThis.crypto.randomUUID().replaceAll("-", "")}`
  let serverVersion: string
  try {
    const rows = await runOnServer<{ server_version: string }>("SHOW server_version", serverUrl)
    serverVersion = rows[0]?.server_version ?? "unknown"
    await runOnServer(`CREATE DATABASE ${name}`, serverUrl)
  } catch (error) {
    return { unavailable: `no PostgreSQL server at ${new URL(serverUrl).host} (${String(error)})` }
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    serverVersion,
    drop: async () => {
      // FORCE cannot end an autovacuum worker (a superuser's backend), which after a bench's bulk writes may be on
      // the database for tens of seconds: retried for up to two minutes.
      await Effect.runPromise(
        Effect.retry(
          Effect.tryPromise(() => runOnServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, serverUrl)),
          { times: 120, schedule: Schedule.spaced("1 second") }
        )
      )
    }
  }
}
