/**
 * Notification leases: an attempt allowed to start ends inside its lease even on a starved machine, so that no other
 * claimant takes the row over while it runs and the client gets the notification once, not twice.
 */
import { Timestamp } from "@assure/core"
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { EngineConfig } from "../src/index.js"
import { hasRoomForAttempt, notificationLease } from "../src/internal/leases.js"

const settingsWith = (requestTimeoutMillis: number): EngineConfig.Settings => ({
  ...EngineConfig.defaults,
  notifications: { ...EngineConfig.defaults.notifications, requestTimeout: `${requestTimeoutMillis} millis` }
})

const timeouts = fc.integer({ min: 1, max: 120_000 })
const instants = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) })

describe("a notification's lease", () => {
  it("ends no sooner than 5 s after any attempt allowed to start under it takes its whole request timeout", () => {
    fc.assert(
      fc.property(timeouts, instants, fc.integer({ min: 0, max: 600_000 }), (timeout, queuedAt, waited) => {
        const settings = settingsWith(timeout)
        const leaseEnd = notificationLease(settings, Timestamp.fromEpochMillis(queuedAt))
        const startsAt = queuedAt + waited
        if (!hasRoomForAttempt(settings, leaseEnd, startsAt)) return true
        return startsAt + timeout + 5_000 <= Timestamp.toEpochMillis(leaseEnd)
      })
    )
  })

  it("lets a queued notification wait its request timeout plus 4 s for a turn, and not past its lease's half", () => {
    fc.assert(
      fc.property(timeouts, instants, (timeout, queuedAt) => {
        const settings = settingsWith(timeout)
        // Timestamps are whole seconds: the lease is counted from the second the notification was queued in.
        const leaseEnd = notificationLease(settings, Timestamp.fromEpochMillis(queuedAt))
        const leaseMillis = Timestamp.toEpochMillis(leaseEnd) - queuedAt
        expect(hasRoomForAttempt(settings, leaseEnd, queuedAt + timeout + 4_000)).toBe(true)
        expect(hasRoomForAttempt(settings, leaseEnd, queuedAt + Math.ceil(leaseMillis / 2) + 1)).toBe(false)
      })
    )
  })

  it("is 30 s with the default 10 s request timeout: what a notification waits when its claimant died", () => {
    const queuedAt = Timestamp.fromEpochMillis(Date.UTC(2026, 11, 7, 12))
    expect(notificationLease(EngineConfig.defaults, queuedAt)).toBe("2026-12-07T12:00:30Z")
  })
})
