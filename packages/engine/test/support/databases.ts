/**
 * The databases the engine's suite runs on. PostgreSQL runs whenever a server is reachable through
 * `ASSURE_TEST_POSTGRES_URL` (each suite gets a database of its own, dropped afterwards); without one the PostgreSQL
 * suite is skipped and says so, unless `ASSURE_REQUIRE_POSTGRES=1` (CI), which turns the skip into a failure.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted, Schedule } from "effect"
import type { SqlClient } from "effect/sql"

export const postgresUrl = process.env.ASSURE_TEST_POSTGRES_URL
export const postgresRequired = process.env.ASSURE_REQUIRE_POSTGRES === "1"

if (postgresRequired && postgresUrl === undefined) {
  throw new Error("ASSURE_REQUIRE_POSTGRES=1 but ASSURE_TEST_POSTGRES_URL is not set")
}

/** A fresh PostgreSQL database for one suite, created on the server of `ASSURE_TEST_POSTGRES_URL` and dropped after. */
export const freshPostgres = (url: string): Layer.Layer<SqlClient.SqlClient> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const name = `assure_test_${globalThis.crypto.randomUUID().replaceAll("-", "")}`
      const admin = PgClient.layer({ url: Redacted.make(url) })
      const run = (statement: string) =>
        Effect.gen(function* () {
          const sql = yield* PgClient.PgClient
          yield* sql.unsafe(statement)
        }).pipe(Effect.provide(admin))
      yield* Effect.acquireRelease(Effect.orDie(run(`CREATE DATABASE ${name}`)), () =>
        // FORCE cannot end an autovacuum worker (a superuser's backend) on the database: retried for up to a minute.
        run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(
          Effect.retry({ times: 120, schedule: Schedule.spaced("500 millis") }),
          Effect.orDie
        )
      )
      const target = new URL(url)
      target.pathname = `/${name}`
      return Layer.orDie(PgClient.layer({ url: Redacted.make(target.toString()) }))
    })
  )
