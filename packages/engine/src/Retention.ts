/**
 * The retention period: dossiers older than `EngineConfig.retention` are deleted with everything about them —
 * identity data, processes, results, files on disk, queued notifications, reviews — by the engine's sweeper singleton
 * (one run at a time across all runners; see `DurableWork`), when it starts and then on its cron schedule. The audit
 * trail has its own period (`EngineConfig.review.auditRetention`), purged at the same time by {@link purgeAudit}.
 *
 * @since 0.1.0
 */
import { Duration, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Dossiers } from "./Dossiers.js"
import { EngineConfig } from "./EngineConfig.js"
import { later, now } from "./internal/shared.js"

/** Deletes the dossiers past the retention period now; returns how many (none when no period is set). @since 0.1.0 */
export const purgeExpired: Effect.Effect<number, never, Dossiers> = Effect.gen(function* () {
  const settings = yield* EngineConfig
  if (settings.retention === undefined) return 0
  const cutoff = later(yield* now, Duration.negate(Duration.fromInputUnsafe(settings.retention)))
  const purged = yield* (yield* Dossiers).purgeCreatedBefore(cutoff)
  if (purged > 0) yield* Effect.logInfo("retention purge", { purged })
  return purged
})

/**
 * Deletes the audit entries older than `EngineConfig.review.auditRetention` now, whatever the dossiers' retention;
 * returns how many.
 *
 * @since 0.2.0
 */
export const purgeAudit: Effect.Effect<number, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const settings = yield* EngineConfig
  const sql = yield* SqlClient.SqlClient
  const cutoff = later(yield* now, Duration.negate(Duration.fromInputUnsafe(settings.review.auditRetention)))
  const purged = yield* sql<{ id: string }>`DELETE FROM assure_audit WHERE at < ${cutoff} RETURNING id`.pipe(
    Effect.orDie
  )
  if (purged.length > 0) yield* Effect.logInfo("audit retention purge", { purged: purged.length })
  return purged.length
})
