import { PgClient } from "@effect/sql-pg"
import { Effect, Option, Redacted } from "effect"
import { afterAll, describe, it } from "vitest"
import { journey } from "./support/journey.js"

const serverUrl = process.env.ASSURE_TEST_POSTGRES_URL
if (process.env.ASSURE_REQUIRE_POSTGRES === "1" && serverUrl === undefined) {
  throw new Error("ASSURE_REQUIRE_POSTGRES=1 but ASSURE_TEST_POSTGRES_URL is not set")
}

const admin = (statement: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      yield* sql.unsafe(statement)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl ?? "") })), Effect.orDie)
  )

if (serverUrl === undefined) {
  describe("the API on PostgreSQL", () => {
    it.skip("skipped: set ASSURE_TEST_POSTGRES_URL to a PostgreSQL server to run this suite", () => {})
  })
} else {
  const name = `assure_server_${globalThis.crypto.randomUUID().replaceAll("-", "")}`
  afterAll(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  journey("PostgreSQL", async () => {
    await admin(`CREATE DATABASE ${name}`)
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    return { databaseUrl: Option.some(Redacted.make(url.toString())) }
  })
}
