/**
 * The engine's database schema, as effect/sql migrations that run once each, in order, on PostgreSQL and SQLite.
 *
 * Personal data (identity data, provider parameters and state, results, the client's authorization header) is stored
 * only as ciphertext (`bytes` columns); timestamps are the canonical `YYYY-MM-DDThh:mm:ssZ` text, which sorts in time
 * order on both databases.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { Migrator, SqlClient } from "effect/sql"

const schema = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const bytes = sql.onDialectOrElse({ pg: () => sql.literal("BYTEA"), orElse: () => sql.literal("BLOB") })
  yield* sql`
    CREATE TABLE assure_dossiers (
      id TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      external_reference TEXT,
      user_data ${bytes},
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`
  yield* sql`CREATE INDEX assure_dossiers_by_tenant ON assure_dossiers (tenant_id, created_at, id)`
  yield* sql`
    CREATE TABLE assure_processes (
      id TEXT PRIMARY KEY,
      dossier_id TEXT NOT NULL REFERENCES assure_dossiers (id) ON DELETE CASCADE,
      tenant_id TEXT NOT NULL,
      provider TEXT NOT NULL,
      process_type TEXT NOT NULL,
      status TEXT NOT NULL,
      parameters ${bytes},
      notification_url TEXT,
      authorization_header ${bytes},
      provider_reference TEXT,
      provider_state ${bytes},
      redirect_url TEXT,
      client_redirect_url TEXT,
      final_result ${bytes},
      provider_specific ${bytes},
      reason TEXT,
      deadline_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`
  yield* sql`CREATE INDEX assure_processes_by_dossier ON assure_processes (dossier_id, created_at)`
  yield* sql`CREATE UNIQUE INDEX assure_processes_by_reference ON assure_processes (provider, provider_reference)`
  yield* sql`
    CREATE TABLE assure_files (
      id TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      dossier_id TEXT NOT NULL REFERENCES assure_dossiers (id) ON DELETE CASCADE,
      process_id TEXT REFERENCES assure_processes (id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      media_type TEXT NOT NULL,
      size INTEGER NOT NULL,
      storage_key TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`
  yield* sql`CREATE INDEX assure_files_by_dossier ON assure_files (dossier_id, process_id)`
  yield* sql`
    CREATE TABLE assure_provider_events (
      provider TEXT NOT NULL,
      event_id TEXT NOT NULL,
      process_id TEXT REFERENCES assure_processes (id) ON DELETE CASCADE,
      received_at TEXT NOT NULL,
      PRIMARY KEY (provider, event_id)
    )`
  yield* sql`
    CREATE TABLE assure_notifications (
      id TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      dossier_id TEXT NOT NULL REFERENCES assure_dossiers (id) ON DELETE CASCADE,
      process_id TEXT NOT NULL REFERENCES assure_processes (id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      url TEXT NOT NULL,
      payload TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      round INTEGER NOT NULL,
      last_error TEXT,
      next_attempt_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      created_at TEXT NOT NULL,
      delivered_at TEXT
    )`
  yield* sql`CREATE INDEX assure_notifications_due ON assure_notifications (status, next_attempt_at)`
})

/**
 * Due work in the engine's own tables (issue 14): a process waiting for its provider carries when it is next due
 * (`next_check_at`: a poll, a retried start, or its deadline), its polling round, and the failed provider calls since
 * its last success (`attempts`, `last_error`); a start to retry keeps the `return_url` it was asked with. One sweeper
 * reads the partial index. Processes that were waiting under the workflows of 0.1 are due at once.
 */
const dueWork = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE assure_processes ADD COLUMN next_check_at TEXT`
  yield* sql`ALTER TABLE assure_processes ADD COLUMN check_round INTEGER NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE assure_processes ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE assure_processes ADD COLUMN last_error TEXT`
  yield* sql`ALTER TABLE assure_processes ADD COLUMN return_url TEXT`
  yield* sql`CREATE INDEX assure_processes_due ON assure_processes (next_check_at) WHERE next_check_at IS NOT NULL`
  yield* sql`
    UPDATE assure_processes SET next_check_at = updated_at
    WHERE provider_reference IS NOT NULL AND status IN ('pending', 'processing')`
})

/**
 * Indexes so that what the API and the engine look up costs the same however much is stored (issue 15): a process's
 * files, a tenant's notifications, and the rows that point at a process or a dossier, which a delete's
 * `ON DELETE CASCADE` otherwise finds by reading the whole table (on both databases). Each index costs every insert
 * into its table, so tables written on every request get only what reads need.
 */
const readIndexes = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX assure_files_by_process ON assure_files (process_id, created_at, id)`
  yield* sql`CREATE INDEX assure_notifications_by_tenant ON assure_notifications (tenant_id, created_at, id)`
  yield* sql`CREATE INDEX assure_notifications_by_process ON assure_notifications (process_id)`
  yield* sql`CREATE INDEX assure_notifications_by_dossier ON assure_notifications (dossier_id)`
  yield* sql`CREATE INDEX assure_provider_events_by_process ON assure_provider_events (process_id)`
})

/**
 * Provider routing (issue 18): a routed process's routing record (sealed: it names the person's nationality and
 * document), the links between a failed process and its fallback, and each tenant's own routing policy.
 */
const routing = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const bytes = sql.onDialectOrElse({ pg: () => sql.literal("BYTEA"), orElse: () => sql.literal("BLOB") })
  yield* sql`ALTER TABLE assure_processes ADD COLUMN routing ${bytes}`
  yield* sql`ALTER TABLE assure_processes ADD COLUMN fallback_of TEXT`
  yield* sql`ALTER TABLE assure_processes ADD COLUMN fallback_to TEXT`
  yield* sql`
    CREATE TABLE assure_routing_policies (
      tenant_id TEXT PRIMARY KEY,
      policy TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`
})

/**
 * Hosted capture (issue 19): capture sessions, each bound to one tenant and one dossier, found by the SHA-256 hash of
 * their token (the token itself is never stored), and gone with their dossier. A session counts its uploads and keeps
 * the id of the latest file of each kind (`files`, JSON), so that a retaken photo replaces the one before.
 */
const capture = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE assure_captures (
      token_hash TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      dossier_id TEXT NOT NULL REFERENCES assure_dossiers (id) ON DELETE CASCADE,
      providers TEXT NOT NULL,
      redirect_url TEXT NOT NULL,
      notification_url TEXT,
      expires_at TEXT NOT NULL,
      consumed_at TEXT,
      uploads INTEGER NOT NULL DEFAULT 0,
      files TEXT NOT NULL DEFAULT '{}',
      created_at TEXT NOT NULL
    )`
  yield* sql`CREATE INDEX assure_captures_by_dossier ON assure_captures (dossier_id)`
})

/**
 * The desktop-to-phone hand-off of a capture (issue 19): the SHA-256 hash of the session's current one-time hand-off
 * code, the capture token sealed with a key derived from that code (so the stored row alone opens nothing), when a
 * phone first opened a hand-off link, and where a submitted capture sent the end-user (for the page that follows it).
 */
const captureHandoff = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE assure_captures ADD COLUMN handoff_hash TEXT`
  yield* sql`ALTER TABLE assure_captures ADD COLUMN handoff_seal TEXT`
  yield* sql`ALTER TABLE assure_captures ADD COLUMN handoff_opened_at TEXT`
  yield* sql`ALTER TABLE assure_captures ADD COLUMN redirected_to TEXT`
  yield* sql`CREATE UNIQUE INDEX assure_captures_by_handoff ON assure_captures (handoff_hash)`
})

/**
 * Reviews (issue 20): a reviewer's decision on a process, at most one per process and gone with it (the note sealed
 * as other personal data, and a retake's capture link, a credential, sealed too); a reviewer's claim on a process, one per process, a lease that expires; and the audit
 * trail of who viewed, claimed and decided what — with no foreign key, as it outlives the dossiers it names for its
 * own retention period, and holds ids, decisions and reason codes only.
 */
const reviews = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const bytes = sql.onDialectOrElse({ pg: () => sql.literal("BYTEA"), orElse: () => sql.literal("BLOB") })
  yield* sql`
    CREATE TABLE assure_reviews (
      id TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      dossier_id TEXT NOT NULL,
      process_id TEXT NOT NULL UNIQUE REFERENCES assure_processes (id) ON DELETE CASCADE,
      decision TEXT NOT NULL,
      reason TEXT,
      note ${bytes},
      retake_kinds TEXT,
      retake_url ${bytes},
      retake_expires_at TEXT,
      reviewer_id TEXT NOT NULL,
      reviewer_name TEXT NOT NULL,
      decided_at TEXT NOT NULL
    )`
  yield* sql`CREATE INDEX assure_reviews_by_dossier ON assure_reviews (dossier_id)`
  yield* sql`
    CREATE TABLE assure_claims (
      process_id TEXT PRIMARY KEY REFERENCES assure_processes (id) ON DELETE CASCADE,
      tenant_id TEXT NOT NULL,
      reviewer_id TEXT NOT NULL,
      reviewer_name TEXT NOT NULL,
      claimed_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    )`
  yield* sql`
    CREATE TABLE assure_audit (
      id TEXT PRIMARY KEY,
      tenant_id TEXT,
      at TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      actor_name TEXT NOT NULL,
      action TEXT NOT NULL,
      dossier_id TEXT,
      process_id TEXT,
      detail TEXT
    )`
  yield* sql`CREATE INDEX assure_audit_by_tenant ON assure_audit (tenant_id, at, id)`
  yield* sql`CREATE INDEX assure_audit_by_at ON assure_audit (at)`
})

/**
 * The operator console's sessions (issue 20), found by the SHA-256 hash of their token, and the time steps of
 * one-time codes already used, per account (so that a code is used once).
 */
const operatorSessions = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE assure_operator_sessions (
      token_hash TEXT PRIMARY KEY,
      account_id TEXT NOT NULL,
      stage TEXT NOT NULL,
      created_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      code_attempts INTEGER NOT NULL DEFAULT 0
    )`
  yield* sql`CREATE INDEX assure_operator_sessions_by_expiry ON assure_operator_sessions (expires_at)`
  yield* sql`
    CREATE TABLE assure_operator_code_steps (
      account_id TEXT NOT NULL,
      step INTEGER NOT NULL,
      used_at TEXT NOT NULL,
      PRIMARY KEY (account_id, step)
    )`
})

/** A capture a reviewer asked for (issue 20): the photos to take again and why, as JSON; null for any other capture. */
const captureRetake = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE assure_captures ADD COLUMN retake TEXT`
})

/**
 * The review queue answered through an index (issue 20), however many processes are stored: the tenant's
 * processes of a status, unreviewed (or reviewed) ones, oldest first. Whether a process has a review is kept on the
 * process (`reviewed`, set in the decision's transaction), so that the ones already decided — which pile up in the
 * same statuses for as long as dossiers are kept — are not read past on every page. The column's default needs no
 * rewrite of the table on either database; the processes already reviewed are marked from their reviews.
 */
const reviewQueue = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE assure_processes ADD COLUMN reviewed INTEGER NOT NULL DEFAULT 0`
  yield* sql`UPDATE assure_processes SET reviewed = 1 WHERE id IN (SELECT process_id FROM assure_reviews)`
  yield* sql`
    CREATE INDEX assure_processes_review_queue ON assure_processes (tenant_id, status, reviewed, created_at, id)`
})

/** The migrations, by `<id>_<name>`. @since 0.1.0 */
export const migrations = {
  "0001_engine_schema": schema,
  "0002_due_work": dueWork,
  "0003_read_indexes": readIndexes,
  "0004_routing": routing,
  "0005_capture": capture,
  "0006_capture_handoff": captureHandoff,
  "0007_reviews": reviews,
  "0008_operator_sessions": operatorSessions,
  "0009_capture_retake": captureRetake,
  "0010_review_queue": reviewQueue
}

/**
 * Runs the migrations that have not run yet (recorded in `assure_migrations`).
 *
 * @since 0.1.0
 */
export const run = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: "assure_migrations" })
