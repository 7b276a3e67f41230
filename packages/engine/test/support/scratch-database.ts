/** A PostgreSQL database for a whole test file, for tests that share it between OS processes. */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted, Schedule } from "effect"

export const createScratchDatabase = async (
  serverUrl: string
): Promise<{ readonly url: string; readonly drop: () => Promise<void> }> => {
  const name = `assure_scratch_${globalThis.crypto.randomUUID().replaceAll("-", "")}`
  const run = (statement: string) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        yield* sql.unsafe(statement)
      }).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl) })),
        // FORCE cannot end an autovacuum worker (a superuser's backend) on the database: retried for up to a minute.
        Effect.retry({ times: 120, schedule: Schedule.spaced("500 millis") }),
        Effect.orDie
      )
    )
  await run(`CREATE DATABASE ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}
