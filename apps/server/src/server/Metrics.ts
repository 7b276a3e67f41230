/**
 * The server's metrics: what the engine records (`EngineMetrics`), the latency of the store's SQL statements, and —
 * when `ASSURE_METRICS_PORT` is set — a Prometheus scrape endpoint, `GET /metrics` on its own listener
 * (`ASSURE_METRICS_HOST`, loopback by default), in the Prometheus text exposition format (0.0.4) written by Effect's
 * own `PrometheusMetrics` formatter from the metric snapshot. Off by default. The OTLP counterpart is in
 * Observability.ts.
 *
 * Metrics carry provider names, statuses, operations and error reasons only — never ids, URLs or personal data.
 */
import { createServer } from "node:http"
import { EngineMetrics } from "@assure/engine"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect, Layer, Option, Schedule, Tracer } from "effect"
import { HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
// The module itself, not the `effect/observability` index, which loads every OTLP exporter too.
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import type { SqlClient } from "effect/sql"
import type { Settings } from "./ServerConfig.js"

/** The content type of the Prometheus text exposition format. */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

/** Every metric in the Prometheus text exposition format, the backlog gauges read from the database first. */
export const exposition: Effect.Effect<string, never, SqlClient.SqlClient> = Effect.andThen(
  EngineMetrics.observeBacklog,
  PrometheusMetrics.format()
)

/** `GET /metrics` (and `HEAD`), 404 for anything else. */
const scrape = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const path = request.url.split("?")[0]
  if (path !== "/metrics") return HttpServerResponse.empty({ status: 404 })
  if (request.method !== "GET" && request.method !== "HEAD") {
    return HttpServerResponse.empty({ status: 405, headers: { allow: "GET, HEAD" } })
  }
  return HttpServerResponse.text(yield* exposition, {
    contentType,
    headers: { "cache-control": "no-store" }
  })
})

/** The scrape endpoint on its own listener. */
const endpoint = (options: MetricsEndpoint) =>
  HttpServer.serve(scrape).pipe(
    Layer.provide(NodeHttpServer.layer(() => createServer(), { port: options.port, host: options.host })),
    Layer.orDie
  )

/** Where the Prometheus scrape endpoint listens. */
export interface MetricsEndpoint {
  readonly host: string
  readonly port: number
}

/** How often the backlog gauges are read for the OTLP exporter (a scrape reads them itself). */
const backlogInterval = "10 seconds"

/** Keeps the backlog gauges current for the OTLP exporter, which reads the snapshot on its own schedule. */
const backlogForExport = Layer.effectDiscard(
  Effect.forkScoped(Effect.repeat(EngineMetrics.observeBacklog, Schedule.spaced(backlogInterval)))
)

/** Whether any exporter reads the metrics: the scrape endpoint or OTLP. */
export const enabled = (settings: Pick<Settings, "metrics" | "telemetry">): boolean =>
  Option.isSome(settings.metrics) || Option.isSome(settings.telemetry)

/**
 * What the metrics need from the running server: the scrape endpoint if configured, and the periodic backlog reading
 * if OTLP exports. Nothing at all when neither is on.
 */
export const layer = (settings: Settings): Layer.Layer<never, never, SqlClient.SqlClient> => {
  const parts: Array<Layer.Layer<never, never, SqlClient.SqlClient>> = []
  if (Option.isSome(settings.metrics)) parts.push(endpoint(settings.metrics.value))
  if (Option.isSome(settings.telemetry)) parts.push(backlogForExport)
  return parts.length === 0
    ? Layer.empty
    : Layer.mergeAll(...(parts as [Layer.Layer<never, never, SqlClient.SqlClient>]))
}

/**
 * A tracer that measures SQL statements: `effect/sql` runs each statement in a client span carrying `db.query.text`;
 * when such a span ends, its duration goes into `assure_store_statement_duration_seconds`. Every span still goes to
 * the tracer underneath (Effect's native one, or the OTLP exporter). effect/cluster runs its own storage's statements
 * with tracing off, so these are the engine's statements (`assure_*` tables), not the cluster's.
 */
export const measureStatements = (inner: Tracer.Tracer): Tracer.Tracer => {
  const services = Context.empty()
  return Tracer.make({
    ...(inner.context === undefined ? {} : { context: inner.context }),
    span(options) {
      const span = inner.span(options)
      if (options.kind !== "client") return span
      const end = span.end
      span.end = (endTime, exit) => {
        end.call(span, endTime, exit)
        if (span.attributes.has("db.query.text")) {
          EngineMetrics.storeStatementDuration.updateUnsafe(Number(endTime - options.startTime) / 1e9, services)
        }
      }
      return span
    }
  })
}

/** Replaces the current tracer with one that also {@link measureStatements}. */
export const layerMeasureStatements = Layer.effect(
  Tracer.Tracer,
  Effect.gen(function* () {
    return measureStatements(yield* Tracer.Tracer)
  })
)
