/**
 * Leases on due work: a sweeper or an instance that claims a row moves its due time past how long the work may take,
 * so no other claimant takes it meanwhile; work whose claimant died is due again when its lease runs out.
 */
import type { Timestamp } from "@assure/core"
import { Duration } from "effect"
import type { Settings } from "../EngineConfig.js"
import { later } from "./shared.js"

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * How long one delivery attempt may take: the request's timeout, and room for what comes around it — opening the
 * sealed `Authorization` value, signing, waiting for a database connection to record the outcome — on a machine busy
 * enough that timers fire seconds late.
 */
const attemptMillis = (settings: Settings): number =>
  // In whole seconds, as timestamps are: a lease of a fraction more would be cut back to the second.
  Math.ceil((millis(settings.notifications.requestTimeout) + 5_000) / 1_000) * 1_000

/**
 * A notification's lease: two attempts long, so that an attempt started in its first half ends inside it. An attempt
 * that outlived its lease would be made a second time by the claimant that takes the row over: a duplicate the client
 * has to drop.
 */
export const notificationLease = (settings: Settings, from: Timestamp.Timestamp): Timestamp.Timestamp =>
  later(from, Duration.millis(2 * attemptMillis(settings)))

/**
 * Whether a held notification may still be attempted: a whole attempt fits before its lease ends. One that does not
 * (it waited for its turn too long) is left alone; it is due again when the lease runs out, so attempts never overlap.
 */
export const hasRoomForAttempt = (settings: Settings, leaseEnd: string, nowMillis: number): boolean =>
  Date.parse(leaseEnd) - nowMillis >= attemptMillis(settings)

/**
 * A process's check calls its provider once (start or poll). Its lease is short — it is what a process waits after
 * the sweeper that held it died — and may run out while a slow call goes on: a second check then polls again or
 * starts again with the same idempotency key, and the final status is still set once (a conditional UPDATE).
 */
export const checkLease = (from: Timestamp.Timestamp): Timestamp.Timestamp => later(from, Duration.seconds(15))
