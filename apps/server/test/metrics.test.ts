/**
 * Metrics: the Prometheus exposition written from Effect's metric snapshot (its grammar, histograms, label escaping),
 * the settings that turn the scrape endpoint on (off by default), and a scrape over HTTP after sandbox verifications,
 * asserting that the engine's counters moved with the right labels.
 */

import { Effect, Exit, Metric, Option } from "effect"
import { PrometheusMetrics } from "effect/observability"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadWith } from "./support/config.js"
import { type Exposition, parse, sum } from "./support/prometheus.js"
import { apiClient, clients, freePort, type Running, startServer } from "./support/server.js"

/** Formats the metrics `record` updates, in a registry of their own. */
const formatted = (record: Effect.Effect<void>) =>
  Effect.runSync(
    Effect.andThen(record, PrometheusMetrics.format()).pipe(Effect.provideService(Metric.MetricRegistry, new Map()))
  )

describe("the Prometheus exposition", () => {
  it("writes counters, gauges and histograms with TYPE lines, cumulative buckets, _sum and _count", () => {
    const text = formatted(
      Effect.gen(function* () {
        const counter = Metric.counter("demo_calls_total", { description: "Calls\nmade", incremental: true })
        yield* Metric.update(Metric.withAttributes(counter, { provider: "sandbox" }), 2)
        yield* Metric.update(Metric.withAttributes(counter, { provider: "onfido" }), 1)
        yield* Metric.update(Metric.gauge("demo_backlog"), 7)
        const histogram = Metric.withAttributes(Metric.histogram("demo_seconds", { boundaries: [1, 5] }), {
          operation: "start"
        })
        for (const value of [0.5, 3, 10]) yield* Metric.update(histogram, value)
      })
    )
    const exposition = parse(text)
    expect(exposition.types.get("demo_calls_total")).toBe("counter")
    expect(exposition.help.get("demo_calls_total")).toBe("Calls\nmade")
    expect(exposition.types.get("demo_backlog")).toBe("gauge")
    expect(exposition.types.get("demo_seconds")).toBe("histogram")
    expect(sum(exposition, "demo_calls_total", { provider: "sandbox" })).toBe(2)
    expect(sum(exposition, "demo_calls_total")).toBe(3)
    expect(sum(exposition, "demo_backlog")).toBe(7)
    const bucket = (le: string) => sum(exposition, "demo_seconds_bucket", { operation: "start", le })
    expect([bucket("1"), bucket("5"), bucket("+Inf")]).toEqual([1, 2, 3])
    expect(sum(exposition, "demo_seconds_sum", { operation: "start" })).toBe(13.5)
    expect(sum(exposition, "demo_seconds_count", { operation: "start" })).toBe(3)
  })

  it("escapes any label value so that it parses back to itself", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.string({ unit: fc.constantFrom("\\", '"', "\n", "n", "{", "}", ",", "=", " ", "#") })
        ),
        (value) => {
          const text = formatted(
            Metric.update(Metric.withAttributes(Metric.counter("escaped_total"), { reason: value }), 1)
          )
          const samples = parse(text).samples
          expect(samples).toHaveLength(1)
          expect(samples[0]?.labels).toEqual({ reason: value })
          expect(samples[0]?.value).toBe(1)
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe("the metrics settings", () => {
  const metricsOf = async (variables: Record<string, string>) => {
    const exit = await loadWith(variables)
    if (Exit.isFailure(exit)) throw new Error(`configuration refused: ${String(exit.cause)}`)
    return exit.value.metrics
  }

  it("have no scrape endpoint unless ASSURE_METRICS_PORT is set; it listens on loopback by default", async () => {
    expect(await metricsOf({})).toEqual(Option.none())
    expect(await metricsOf({ ASSURE_METRICS_HOST: "0.0.0.0" })).toEqual(Option.none())
    expect(await metricsOf({ ASSURE_METRICS_PORT: "9464" })).toEqual(Option.some({ host: "127.0.0.1", port: 9464 }))
    expect(await metricsOf({ ASSURE_METRICS_PORT: "9464", ASSURE_METRICS_HOST: "0.0.0.0" })).toEqual(
      Option.some({ host: "0.0.0.0", port: 9464 })
    )
  })

  it("refuse the API's own port and a port that is not one", async () => {
    for (const variables of [
      { ASSURE_PORT: "8080", ASSURE_METRICS_PORT: "8080" },
      { ASSURE_METRICS_PORT: "metrics" },
      { ASSURE_METRICS_PORT: "70000" }
    ]) {
      expect(Exit.isFailure(await loadWith(variables))).toBe(true)
    }
  })
})

const jpeg = `data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]).toString("base64")}`

describe("the scrape endpoint", () => {
  let server: Running
  let metricsUrl = ""

  beforeAll(async () => {
    const port = await freePort()
    metricsUrl = `http://127.0.0.1:${port}/metrics`
    server = await startServer({ metrics: Option.some({ host: "127.0.0.1", port }) })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })

  const scrape = async (): Promise<Exposition> => {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(metricsUrl).catch(() => undefined)
      if (response !== undefined) {
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
        return parse(await response.text())
      }
      if (attempt > 50) throw new Error("the metrics endpoint does not answer")
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  it("counts verifications, provider calls and failures, notifications and statements, with their labels", async () => {
    const before = await scrape()
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sum(after, name, labels) - sum(before, name, labels)
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (await alpha.call("POST", "/assure/dossiers", { userData: { firstName: "Erika", lastName: "Mustermann" } }))
        .json as { dossierId: string }
    ).dossierId
    expect((await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, { front: jpeg })).status).toBe(201)
    const processOf = async (body: Record<string, unknown>) =>
      (
        (
          await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
            provider: "sandbox",
            processType: "document",
            ...body
          })
        ).json as { processId: string }
      ).processId
    // Accepted, with a notification URL nothing listens on: its delivery fails and waits to be retried.
    const accepted = await processOf({ notificationUrl: "http://127.0.0.1:9/unreachable" })
    // Refused by the provider: answered to the client. Down for now: answered `processing`, retried by the engine.
    const failing = await processOf({ processParameters: { sandbox: { scenario: "unauthorized" } } })
    const retried = await processOf({ processParameters: { sandbox: { scenario: "unavailable" } } })
    expect((await alpha.call("POST", `/assure/dossiers/${dossierId}/processes/${accepted}/verify`, {})).status).toBe(
      200
    )
    expect((await alpha.call("POST", `/assure/dossiers/${dossierId}/processes/${failing}/verify`, {})).status).not.toBe(
      200
    )
    const deferred = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes/${retried}/verify`, {})
    expect(deferred.status).toBe(200)
    expect(deferred.json).toMatchObject({ status: "processing", providerRetry: { attempts: 1 } })
    for (let attempt = 0; attempt < 100; attempt++) {
      const current = await alpha.call("GET", `/assure/dossiers/${dossierId}/processes/${accepted}`)
      if ((current.json as { status: string }).status === "accepted") break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    let after = await scrape()
    for (let attempt = 0; attempt < 100 && delta("assure_notification_delivery_attempts_total") < 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      after = await scrape()
    }

    const sandbox = { provider: "sandbox" }
    expect(delta("assure_verifications_started_total", sandbox)).toBe(1)
    expect(delta("assure_verifications_finished_total", { ...sandbox, status: "accepted" })).toBe(1)
    // Three starts at least: one taken, one refused, one down (and the engine's retries of it since).
    const starts = delta("assure_provider_call_duration_seconds_count", { ...sandbox, operation: "start" })
    expect(starts).toBeGreaterThanOrEqual(3)
    expect(delta("assure_provider_call_duration_seconds_bucket", { ...sandbox, operation: "start", le: "+Inf" })).toBe(
      starts
    )
    expect(
      delta("assure_provider_call_failures_total", { ...sandbox, operation: "start", reason: "Unauthorized" })
    ).toBe(1)
    const unavailable = delta("assure_provider_call_failures_total", {
      ...sandbox,
      operation: "start",
      reason: "Unavailable"
    })
    expect(unavailable).toBe(starts - 2)
    // Each failed start is retried (a scrape can fall between a failure and its retry's count).
    const retries = delta("assure_provider_call_retries_total", {
      ...sandbox,
      operation: "start",
      reason: "Unavailable"
    })
    expect(retries).toBeGreaterThanOrEqual(1)
    expect(retries).toBeLessThanOrEqual(unavailable)
    expect(delta("assure_provider_call_failures_total", { ...sandbox, operation: "fetchResult" })).toBe(0)
    expect(delta("assure_notification_delivery_attempts_total", { result: "retry" })).toBe(1)
    expect(sum(after, "assure_notifications_pending")).toBeGreaterThanOrEqual(1)
    expect(sum(after, "assure_notifications_oldest_pending_age_seconds")).toBeGreaterThanOrEqual(0)
    expect(sum(after, "assure_due_work_lag_seconds")).toBe(0)
    expect(delta("assure_store_statement_duration_seconds_count")).toBeGreaterThan(10)

    expect(after.types.get("assure_verifications_started_total")).toBe("counter")
    expect(after.types.get("assure_verifications_finished_total")).toBe("counter")
    expect(after.types.get("assure_provider_call_duration_seconds")).toBe("histogram")
    expect(after.types.get("assure_store_statement_duration_seconds")).toBe("histogram")
    expect(after.types.get("assure_notifications_pending")).toBe("gauge")
    expect(after.types.get("assure_due_work_lag_seconds")).toBe("gauge")
    // Labels are names, statuses, operations and reasons: never a dossier or process id.
    for (const sample of after.samples) {
      for (const value of Object.values(sample.labels)) {
        expect(value).not.toContain(dossierId)
        expect(value).not.toContain(accepted)
      }
    }
  }, 60_000)

  it("serves only GET /metrics, on its own port: the API's port has no /metrics", async () => {
    expect((await fetch(metricsUrl.replace("/metrics", "/other"))).status).toBe(404)
    expect((await fetch(metricsUrl, { method: "POST" })).status).toBe(405)
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404)
  })
})
