/**
 * Sessions of the operator console (issue 20: the review console). They are the server's, not the verification
 * engine's, but the engine owns the database and its migrations, and sessions must outlive a restart and be shared
 * by every server instance on one PostgreSQL — so they are stored here.
 *
 * - A session's credential is a random 256-bit token given out once (the console's `HttpOnly` cookie); the database
 *   keeps only its SHA-256 hash, so a copy of the database signs nobody in.
 * - A session is in one of two stages: `secondFactor` (the password was right, the one-time code is still to come:
 *   short-lived, and at most {@link maxCodeAttempts} codes are tried on it) and `signedIn`. Passing the second factor
 *   replaces the session with a new one (`promote`): a token seen before sign-in is worth nothing after it.
 * - `open` enforces both expiries: the **idle** timeout (since the session was last used) and the **absolute**
 *   lifetime (since it began, whatever the use); an expired session is deleted and says which expiry ended it.
 * - `useCodeStep` remembers each time step of an account's one-time codes that was used, so that a code seen over a
 *   shoulder cannot be used again in its 30 seconds.
 *
 * @since 0.2.0
 */
import type { Timestamp } from "@assure/core"
import { Context, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { later, now } from "./internal/shared.js"

/** Where a session stands: waiting for the second factor, or signed in. @since 0.2.0 */
export type Stage = "secondFactor" | "signedIn"

/** A usable session. @since 0.2.0 */
export interface Session {
  readonly accountId: string
  readonly stage: Stage
  readonly createdAt: Timestamp.Timestamp
  readonly lastSeenAt: Timestamp.Timestamp
  /** When the absolute lifetime ends. */
  readonly expiresAt: Timestamp.Timestamp
}

/** How long sessions last: `idle` since the last use, `absolute` since they began. @since 0.2.0 */
export interface Lifetimes {
  readonly idle: Duration.Input
  readonly absolute: Duration.Input
}

/** How many one-time codes a `secondFactor` session takes before it is ended. @since 0.2.0 */
export const maxCodeAttempts = 5

/**
 * The session is not usable: no session has the token (`unknown`, signed out included), it was idle for too long
 * (`idle`), or its absolute lifetime ended (`absolute`).
 *
 * @since 0.2.0
 */
export class SessionEnded extends Schema.TaggedError<SessionEnded>("@assure/engine/SessionEnded")("SessionEnded", {
  reason: Schema.Literals(["unknown", "idle", "absolute"])
}) {}

/** The operator sessions. @since 0.2.0 */
export class OperatorSessions extends Context.Service<
  OperatorSessions,
  {
    /** Begins a session for an account at a stage: the token, given out once. */
    readonly start: (
      accountId: string,
      stage: Stage,
      lifetimes: Lifetimes
    ) => Effect.Effect<{ readonly token: Redacted.Redacted<string>; readonly session: Session }>
    /** The session of a token, if neither expiry has passed; using it resets the idle timeout. */
    readonly open: (token: string, lifetimes: Lifetimes) => Effect.Effect<Session, SessionEnded>
    /** Counts a one-time code tried on a `secondFactor` session: false (and the session ended) past the limit. */
    readonly countCodeAttempt: (token: string) => Effect.Effect<boolean>
    /** Replaces a `secondFactor` session with a new `signedIn` one (a new token, a new absolute lifetime). */
    readonly promote: (
      token: string,
      lifetimes: Lifetimes
    ) => Effect.Effect<{ readonly token: Redacted.Redacted<string>; readonly session: Session }, SessionEnded>
    /** Ends a session (signing out); unknown tokens are ignored. */
    readonly end: (token: string) => Effect.Effect<void>
    /** Records that a code of `step` (its 30-second time step) was used by the account: false if it was already. */
    readonly useCodeStep: (accountId: string, step: number) => Effect.Effect<boolean>
  }
>()("@assure/engine/OperatorSessions") {}

interface SessionRow {
  readonly token_hash: string
  readonly account_id: string
  readonly stage: string
  readonly created_at: string
  readonly last_seen_at: string
  readonly expires_at: string
  readonly code_attempts: number
}

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("")

const hashOf = (token: string) =>
  Effect.promise(() => globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).pipe(
    Effect.map(hex)
  )

/** 32 random bytes, base64url. */
const newToken = () =>
  btoa(String.fromCharCode(...globalThis.crypto.getRandomValues(new Uint8Array(32))))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "")

const isTokenShape = (token: string) => /^[A-Za-z0-9_-]{43}$/.test(token)

/** A `secondFactor` session lasts this long, whatever the configured lifetimes: the code is typed at once. */
const secondFactorLifetime = "5 minutes"

/** The idle timeout is reset at most this often, so that a page full of images is not a write per image. */
const touchEvery = 15_000

const sessionOf = (row: SessionRow): Session => ({
  accountId: row.account_id,
  stage: row.stage === "signedIn" ? "signedIn" : "secondFactor",
  createdAt: row.created_at as Timestamp.Timestamp,
  lastSeenAt: row.last_seen_at as Timestamp.Timestamp,
  expiresAt: row.expires_at as Timestamp.Timestamp
})

/**
 * The operator sessions over effect/sql (migration `0008_operator_sessions`).
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<OperatorSessions, never, SqlClient.SqlClient> = Layer.effect(
  OperatorSessions,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const start = (accountId: string, stage: Stage, lifetimes: Lifetimes) =>
      Effect.gen(function* () {
        const token = newToken()
        const timestamp = yield* now
        // Sessions past their absolute lifetime are of no use to anyone: cleared as new ones begin.
        yield* sql`DELETE FROM assure_operator_sessions WHERE expires_at <= ${timestamp}`.pipe(Effect.orDie)
        const row: SessionRow = {
          token_hash: yield* hashOf(token),
          account_id: accountId,
          stage,
          created_at: timestamp,
          last_seen_at: timestamp,
          expires_at: later(timestamp, stage === "signedIn" ? lifetimes.absolute : secondFactorLifetime),
          code_attempts: 0
        }
        yield* sql`INSERT INTO assure_operator_sessions ${sql.insert({ ...row })}`.pipe(Effect.orDie)
        return { token: Redacted.make(token), session: sessionOf(row) }
      })

    const open = (token: string, lifetimes: Lifetimes) =>
      Effect.gen(function* () {
        if (!isTokenShape(token)) return yield* new SessionEnded({ reason: "unknown" })
        const hash = yield* hashOf(token)
        const rows = yield* sql<SessionRow>`
          SELECT * FROM assure_operator_sessions WHERE token_hash = ${hash}`.pipe(Effect.orDie)
        const row = rows[0]
        if (row === undefined) return yield* new SessionEnded({ reason: "unknown" })
        const timestamp = yield* now
        const idleUntil = later(row.last_seen_at as Timestamp.Timestamp, lifetimes.idle)
        const reason = row.expires_at <= timestamp ? "absolute" : idleUntil <= timestamp ? "idle" : undefined
        if (reason !== undefined) {
          yield* sql`DELETE FROM assure_operator_sessions WHERE token_hash = ${hash}`.pipe(Effect.orDie)
          return yield* new SessionEnded({ reason })
        }
        if (Date.parse(timestamp) - Date.parse(row.last_seen_at) >= touchEvery) {
          yield* sql`UPDATE assure_operator_sessions SET last_seen_at = ${timestamp} WHERE token_hash = ${hash}`.pipe(
            Effect.orDie
          )
          return sessionOf({ ...row, last_seen_at: timestamp })
        }
        return sessionOf(row)
      })

    const end = (token: string) =>
      Effect.gen(function* () {
        if (!isTokenShape(token)) return
        const hash = yield* hashOf(token)
        yield* sql`DELETE FROM assure_operator_sessions WHERE token_hash = ${hash}`.pipe(Effect.orDie)
      })

    return OperatorSessions.of({
      start: (accountId, stage, lifetimes) =>
        Effect.withSpan(start(accountId, stage, lifetimes), "OperatorSessions.start"),
      open: (token, lifetimes) => Effect.withSpan(open(token, lifetimes), "OperatorSessions.open"),
      countCodeAttempt: Effect.fn("OperatorSessions.countCodeAttempt")(function* (token) {
        if (!isTokenShape(token)) return false
        const hash = yield* hashOf(token)
        // Counted in one statement: of two codes at once, both are counted.
        const counted = yield* sql<{ code_attempts: number }>`
          UPDATE assure_operator_sessions SET code_attempts = code_attempts + 1
          WHERE token_hash = ${hash} AND stage = 'secondFactor'
          RETURNING code_attempts`.pipe(Effect.orDie)
        const attempts = counted[0]?.code_attempts
        if (attempts !== undefined && attempts <= maxCodeAttempts) return true
        yield* end(token)
        return false
      }),
      promote: Effect.fn("OperatorSessions.promote")(function* (token, lifetimes) {
        if (!isTokenShape(token)) return yield* new SessionEnded({ reason: "unknown" })
        const hash = yield* hashOf(token)
        // Taken by one statement: a pending session is promoted once.
        const taken = yield* sql<SessionRow>`
          DELETE FROM assure_operator_sessions
          WHERE token_hash = ${hash} AND stage = 'secondFactor' AND expires_at > ${yield* now}
          RETURNING *`.pipe(Effect.orDie)
        const row = taken[0]
        if (row === undefined) return yield* new SessionEnded({ reason: "unknown" })
        return yield* start(row.account_id, "signedIn", lifetimes)
      }),
      end: (token) => Effect.withSpan(end(token), "OperatorSessions.end"),
      useCodeStep: Effect.fn("OperatorSessions.useCodeStep")(function* (accountId, step) {
        const timestamp = yield* now
        // Steps older than ten minutes can no longer be presented (codes are accepted one step either side).
        const cutoff = later(timestamp, Duration.negate(Duration.minutes(10)))
        yield* sql`DELETE FROM assure_operator_code_steps WHERE used_at < ${cutoff}`.pipe(Effect.orDie)
        const inserted = yield* sql<{ step: number }>`
          INSERT INTO assure_operator_code_steps (account_id, step, used_at) VALUES (${accountId}, ${step}, ${timestamp})
          ON CONFLICT DO NOTHING
          RETURNING step`.pipe(Effect.orDie)
        return inserted.length > 0
      })
    })
  })
)
