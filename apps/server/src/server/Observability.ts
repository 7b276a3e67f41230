/**
 * What the server tells its operators: log lines at the configured minimum level (`ASSURE_LOG_LEVEL`), each request's
 * log lines annotated with its trace id, and — when an OTLP endpoint is configured — its traces, logs and metrics
 * exported to an OpenTelemetry collector with Effect's own OTLP exporters (HTTP/JSON). When any exporter reads the
 * metrics (OTLP or the Prometheus endpoint of Metrics.ts), SQL statements are timed too.
 *
 * Log lines and spans carry ids, paths, statuses and error tags — never request or response bodies, headers, query
 * string values, identity data, tokens or secrets.
 */
import { Effect, Layer, Option, Redacted, References } from "effect"
import { FetchHttpClient, UrlParams } from "effect/http"
import type { OtlpExporter } from "effect/observability"
import * as Metrics from "./Metrics.js"
import type { Settings, Telemetry } from "./ServerConfig.js"

/**
 * Spans record request and client URLs (`url.full`, `url.query`): keep every query value out of them — a redirect
 * flow's `code` and `state`, a client's signed notification URL.
 */
const redactEveryQueryValue = Layer.succeed(UrlParams.CurrentRedactedNames, [/.*/])

/**
 * Traces, logs and metrics to `<endpoint>/v1/traces`, `<endpoint>/v1/logs` and `<endpoint>/v1/metrics` (cumulative,
 * every 10 seconds), batched, flushed when the server stops. The exporters' modules are loaded only when an endpoint
 * is configured, so that a server without one does not spend its start-up on them.
 */
const otlp = (telemetry: Telemetry): Layer.Layer<OtlpExporter.Flusher> =>
  Layer.unwrap(
    Effect.promise(async () => {
      const [OtlpTracer, OtlpLogger, OtlpMetrics, OtlpSerialization] = await Promise.all([
        import("effect/observability/OtlpTracer"),
        import("effect/observability/OtlpLogger"),
        import("effect/observability/OtlpMetrics"),
        import("effect/observability/OtlpSerialization")
      ])
      const common = {
        resource: { serviceName: telemetry.serviceName },
        headers: Redacted.value(telemetry.headers)
      }
      return Layer.mergeAll(
        OtlpTracer.layer({ ...common, url: `${telemetry.endpoint}/v1/traces` }),
        // Next to the console logger, which stays.
        OtlpLogger.layer({ ...common, url: `${telemetry.endpoint}/v1/logs`, mergeWithExisting: true }),
        OtlpMetrics.layer({ ...common, url: `${telemetry.endpoint}/v1/metrics`, exportInterval: "10 seconds" }),
        redactEveryQueryValue
      ).pipe(Layer.provide([OtlpSerialization.layerJson, FetchHttpClient.layer]))
    })
  )

/**
 * The log level and, if configured, the exporter, for everything the server runs: requests, the engine's background
 * work, the HTTP server itself. Without an endpoint nothing is added: spans stay Effect's native ones, which only give
 * each request its trace id.
 */
export const layer = (settings: Settings): Layer.Layer<never> | Layer.Layer<OtlpExporter.Flusher> => {
  const logLevel = Layer.succeed(References.MinimumLogLevel, settings.logLevel)
  const exported = Option.isSome(settings.telemetry) ? Layer.merge(logLevel, otlp(settings.telemetry.value)) : logLevel
  // The statement timer wraps whichever tracer is current, so it is built on top of the exporter's.
  return Metrics.enabled(settings) ? Layer.provideMerge(Metrics.layerMeasureStatements, exported) : exported
}
