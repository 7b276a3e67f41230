/**
 * The two stores a server runs on, for suites that must hold on both: the embedded SQLite, and PostgreSQL when
 * `ASSURE_TEST_POSTGRES_URL` points to a server where the role may create databases (each suite gets a throw-away
 * database, dropped afterwards). Without it the PostgreSQL suite says it is skipped; with `ASSURE_REQUIRE_POSTGRES=1`
 * (CI) a missing URL fails instead.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Option, Redacted, Schedule } from "effect"
import { afterAll, describe, it } from "vitest"
import type { startServer } from "./server.js"

const serverUrl = process.env.ASSURE_TEST_POSTGRES_URL
if (process.env.ASSURE_REQUIRE_POSTGRES === "1" && serverUrl === undefined) {
  throw new Error("ASSURE_REQUIRE_POSTGRES=1 but ASSURE_TEST_POSTGRES_URL is not set")
}

type Overrides = NonNullable<Parameters<typeof startServer>[0]>

const admin = (statement: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      yield* sql.unsafe(statement)
    }).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl ?? "") })),
      // DROP ... WITH (FORCE) cannot end an autovacuum worker (a superuser's backend) on the database (the role gets
      // 42501 then): retried for up to a minute.
      Effect.retry({ times: 120, schedule: Schedule.spaced("500 millis") }),
      Effect.orDie
    )
  )

const created: Array<string> = []
// Up to 90 s: dropping the database may wait out an autovacuum worker (see its helper).
afterAll(async () => {
  for (const name of created.splice(0)) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
}, 90_000)

/** A fresh PostgreSQL database, as server settings; dropped when the test file ends. */
export const postgresDatabase = async (): Promise<Overrides> => {
  if (serverUrl === undefined) throw new Error("ASSURE_TEST_POSTGRES_URL is not set")
  const name = `assure_server_${globalThis.crypto.randomUUID().replaceAll("-", "")}`
  await admin(`CREATE DATABASE ${name}`)
  created.push(name)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return { databaseUrl: Option.some(Redacted.make(url.toString())) }
}

/**
 * Declares `suite` once per store: `store()` gives the settings that select it (call it in `beforeAll`, before the
 * server starts).
 */
export const onEachStore = (title: string, suite: (store: () => Promise<Overrides>) => void) => {
  describe(`${title} (SQLite)`, () => suite(async () => ({})))
  if (serverUrl === undefined) {
    describe(`${title} (PostgreSQL)`, () => {
      it.skip("skipped: set ASSURE_TEST_POSTGRES_URL to a PostgreSQL server to run this suite", () => {})
    })
  } else {
    describe(`${title} (PostgreSQL)`, () => suite(postgresDatabase))
  }
}
