/**
 * Leases on due work: a sweeper or an instance that claims a row moves its due time past how long the work may take,
 * so no other claimant takes it meanwhile; work whose claimant died is due again when its lease runs out.
 */
import type { Timestamp } from "@assure/core"
import { Duration } from "effect"
import type { Settings } from "../EngineConfig.js"
import { later } from "./shared.js"

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/** A notification's delivery attempt may take the request's timeout; its lease is twice that, and at least 5 s. */
export const notificationLease = (settings: Settings, from: Timestamp.Timestamp): Timestamp.Timestamp =>
  later(from, Duration.millis(Math.max(5_000, 2 * millis(settings.notifications.requestTimeout))))

/**
 * A process's check calls its provider once (start or poll). Its lease is short — it is what a process waits after
 * the sweeper that held it died — and may run out while a slow call goes on: a second check then polls again or
 * starts again with the same idempotency key, and the final status is still set once (a conditional UPDATE).
 */
export const checkLease = (from: Timestamp.Timestamp): Timestamp.Timestamp => later(from, Duration.seconds(15))
