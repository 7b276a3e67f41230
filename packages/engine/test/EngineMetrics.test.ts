import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ProviderError } from "@assure/provider"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Metric } from "effect"
import { SqlClient } from "effect/sql"
import { EngineMetrics, Migrations } from "../src/index.js"

/** Runs `effect` with a metric registry of its own, so that counts start at zero. */
const isolated = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Metric.MetricRegistry, new Map())

const stateOf = <State>(metric: Metric.Metric<never, State> | Metric.Metric<number, State>) => Metric.value(metric)

describe("EngineMetrics.trackProviderCall", () => {
  it.effect("times every call and counts a ProviderError by its reason, leaving the call's result alone", () =>
    isolated(
      Effect.gen(function* () {
        const track = EngineMetrics.trackProviderCall("vendor", "start")
        expect(yield* track(Effect.succeed("session"))).toBe("session")
        const failed = yield* Effect.exit(
          track(Effect.fail(ProviderError.make("vendor", new ProviderError.Unavailable({ status: 503 }))))
        )
        expect(Exit.isFailure(failed)).toBe(true)
        // Not a provider's failure: timed, not counted as one.
        yield* Effect.exit(track(Effect.fail(new Error("other"))))

        const calls = yield* stateOf(
          Metric.withAttributes(EngineMetrics.providerCallDuration, { provider: "vendor", operation: "start" })
        )
        expect(calls.count).toBe(3)
        const unavailable = yield* stateOf(
          Metric.withAttributes(EngineMetrics.providerCallFailures, {
            provider: "vendor",
            operation: "start",
            reason: "Unavailable"
          })
        )
        expect(unavailable.count).toBe(1)
        const failures = (yield* Metric.snapshot).filter((m) => m.id === "assure_provider_call_failures_total")
        expect(failures).toHaveLength(1)
      })
    )
  )
})

describe("EngineMetrics.observeBacklog", () => {
  const database = Layer.effectDiscard(Migrations.run).pipe(
    Layer.provideMerge(
      Layer.orDie(SqliteClient.layer({ filename: join(mkdtempSync(join(tmpdir(), "assure-metrics-")), "assure.db") }))
    )
  )

  it.live("reads pending notifications, the oldest one's age and how late the most overdue check is", () =>
    isolated(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* EngineMetrics.observeBacklog
        expect((yield* stateOf(EngineMetrics.notificationsPending)).value).toBe(0)
        expect((yield* stateOf(EngineMetrics.dueWorkLag)).value).toBe(0)

        const stamp = (secondsAgo: number) =>
          new Date(Date.now() - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")
        yield* sql`INSERT INTO assure_dossiers ${sql.insert({
          id: "d1",
          tenant_id: "t",
          created_at: stamp(600),
          updated_at: stamp(600)
        })}`
        // A process is due when its next check is: a poll, a start to retry or its deadline; ended ones are not.
        const process = (id: string, status: string, nextCheck: string | null, reference: string | null) =>
          sql`INSERT INTO assure_processes ${sql.insert({
            id,
            tenant_id: "t",
            dossier_id: "d1",
            provider: "sandbox",
            process_type: "document",
            status,
            provider_reference: reference,
            next_check_at: nextCheck,
            created_at: stamp(600),
            updated_at: stamp(600)
          })}`
        yield* process("late", "processing", stamp(120), "ref-1")
        yield* process("later", "processing", stamp(30), "ref-2")
        yield* process("ended", "accepted", null, "ref-3")
        yield* process("future", "processing", stamp(-300), "ref-4")
        const notification = (id: string, status: string, secondsAgo: number) =>
          sql`INSERT INTO assure_notifications ${sql.insert({
            id,
            tenant_id: "t",
            dossier_id: "d1",
            process_id: "ended",
            kind: "callback",
            url: "https://client.example/hook",
            payload: "{}",
            status,
            attempts: 0,
            round: 0,
            next_attempt_at: stamp(secondsAgo),
            expires_at: stamp(-3600),
            created_at: stamp(secondsAgo)
          })}`
        yield* notification("n1", "pending", 90)
        yield* notification("n2", "pending", 10)
        yield* notification("n3", "delivered", 900)

        yield* EngineMetrics.observeBacklog
        expect((yield* stateOf(EngineMetrics.notificationsPending)).value).toBe(2)
        expect((yield* stateOf(EngineMetrics.notificationsOldestAge)).value).toBeGreaterThanOrEqual(89)
        expect((yield* stateOf(EngineMetrics.notificationsOldestAge)).value).toBeLessThan(120)
        expect((yield* stateOf(EngineMetrics.dueWorkLag)).value).toBeGreaterThanOrEqual(119)
        expect((yield* stateOf(EngineMetrics.dueWorkLag)).value).toBeLessThan(150)
      }).pipe(Effect.provide(database))
    )
  )
})
