/**
 * The practical limit: the same verification as bare SQL on the same database, with no engine, no encryption, no
 * provider and no workflow. A process row moves forward by conditional `UPDATE`s; the final transition and its
 * outbox row commit together; then the notification is POSTed at once and the outbox row marked delivered. Its own
 * tables (`baseline_*`) sit beside the engine's.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { type Contender, makeLaps } from "./contender.ts"
import { type DatabaseSpec, layerFor } from "./databases.ts"
import { countStatementsInto, type StatementCounts } from "./statement-counter.ts"

const schema = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS baseline_dossiers (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, user_data TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`
  yield* sql`CREATE TABLE IF NOT EXISTS baseline_files (
    id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL REFERENCES baseline_dossiers (id), kind TEXT NOT NULL,
    media_type TEXT NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL)`
  yield* sql`CREATE TABLE IF NOT EXISTS baseline_processes (
    id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL REFERENCES baseline_dossiers (id), provider TEXT NOT NULL,
    process_type TEXT NOT NULL, status TEXT NOT NULL, notification_url TEXT, provider_reference TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`
  yield* sql`CREATE UNIQUE INDEX IF NOT EXISTS baseline_processes_by_reference
    ON baseline_processes (provider, provider_reference)`
  yield* sql`CREATE TABLE IF NOT EXISTS baseline_provider_events (
    provider TEXT NOT NULL, event_id TEXT NOT NULL, process_id TEXT REFERENCES baseline_processes (id),
    received_at TEXT NOT NULL, PRIMARY KEY (provider, event_id))`
  yield* sql`CREATE TABLE IF NOT EXISTS baseline_outbox (
    id TEXT PRIMARY KEY, process_id TEXT NOT NULL REFERENCES baseline_processes (id), url TEXT NOT NULL,
    payload TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, delivered_at TEXT)`
})

const newId = () => globalThis.crypto.randomUUID()
const now = () => new Date().toISOString()
const userData = JSON.stringify({ firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12" })

const verification = (notificationUrl: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const client = yield* HttpClient.HttpClient
    const { laps, lap } = makeLaps()
    const dossierId = newId()
    const processId = newId()
    const reference = `ref_${newId()}`

    const created = now()
    yield* sql`INSERT INTO baseline_dossiers ${sql.insert({
      id: dossierId,
      tenant_id: "bench",
      user_data: userData,
      created_at: created,
      updated_at: created
    })}`
    yield* lap
    yield* sql`INSERT INTO baseline_files ${sql.insert({
      id: newId(),
      dossier_id: dossierId,
      kind: "front",
      media_type: "image/jpeg",
      size: 12,
      created_at: now()
    })}`
    yield* lap
    yield* sql`INSERT INTO baseline_processes ${sql.insert({
      id: processId,
      dossier_id: dossierId,
      provider: "sandbox",
      process_type: "document",
      status: "pending",
      notification_url: notificationUrl,
      provider_reference: null,
      created_at: now(),
      updated_at: now()
    })}`
    yield* lap
    yield* sql`UPDATE baseline_processes SET status = 'processing', provider_reference = ${reference}, updated_at = ${now()}
               WHERE id = ${processId} AND status = 'pending'`
    yield* lap

    // The webhook: deduplicate the event, then the final transition and its outbox row, exactly once.
    const fresh = yield* sql<{ event_id: string }>`
      INSERT INTO baseline_provider_events ${sql.insert({
        provider: "sandbox",
        event_id: `evt_${newId()}`,
        process_id: processId,
        received_at: now()
      })}
      ON CONFLICT DO NOTHING RETURNING event_id`
    if (fresh.length === 0) return laps
    const outboxId = newId()
    const payload = JSON.stringify({ dossierId, processId, status: "accepted" })
    const ended = yield* sql.withTransaction(
      Effect.gen(function* () {
        const updated = yield* sql<{ id: string; notification_url: string }>`
          UPDATE baseline_processes SET status = 'accepted', updated_at = ${now()}
          WHERE provider = 'sandbox' AND provider_reference = ${reference} AND status IN ('pending', 'processing')
          RETURNING id, notification_url`
        const row = updated[0]
        if (row === undefined) return undefined
        yield* sql`INSERT INTO baseline_outbox ${sql.insert({
          id: outboxId,
          process_id: row.id,
          url: row.notification_url,
          payload,
          status: "pending",
          created_at: now(),
          delivered_at: null
        })}`
        return row.notification_url
      })
    )
    yield* lap
    if (ended === undefined) return laps

    const response = yield* client.execute(
      HttpClientRequest.post(ended).pipe(
        HttpClientRequest.setHeader("assure-delivery-id", outboxId),
        HttpClientRequest.bodyText(payload, "application/json")
      )
    )
    if (response.status >= 200 && response.status < 300) {
      yield* sql`UPDATE baseline_outbox SET status = 'delivered', delivered_at = ${now()} WHERE id = ${outboxId}`
    }
    return laps
  })

export const makeBaselineContender = async (
  database: DatabaseSpec,
  statementCounts?: StatementCounts | undefined
): Promise<Contender> => {
  const layer = Layer.mergeAll(layerFor(database), FetchHttpClient.layer)
  const runtime = ManagedRuntime.make(
    statementCounts === undefined ? layer : layer.pipe(Layer.provideMerge(countStatementsInto(statementCounts)))
  )
  await runtime.runPromise(schema)
  return {
    verify: (notificationUrl) => runtime.runPromise(verification(notificationUrl)),
    tableSizes: () =>
      runtime.runPromise(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql<{ n: number | string }>`
            SELECT COUNT(*) AS n FROM baseline_outbox WHERE status = 'delivered'`
          return { "baseline_outbox (delivered)": Number(rows[0]?.n ?? 0) }
        })
      ),
    close: () => runtime.dispose()
  }
}
