/**
 * OpenTelemetry: configured by the standard OTEL_* variables, the server exports its spans and logs over OTLP
 * HTTP/JSON to a collector — here a loopback HTTP server that keeps what it receives — with the trace id its problems
 * give clients, and without secrets, tokens or identity data.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Exit, Option, Redacted, References, Tracer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Observability from "../src/server/Observability.js"
import type { Settings } from "../src/server/ServerConfig.js"
import { loadWith } from "./support/config.js"
import { sensitiveJourney } from "./support/sensitive.js"
import { startServer } from "./support/server.js"

const telemetryOf = async (variables: Record<string, string>) => {
  const exit = await loadWith(variables)
  if (Exit.isFailure(exit)) throw new Error(`configuration refused: ${String(exit.cause)}`)
  return Option.map(exit.value.telemetry, (telemetry) => ({ ...telemetry, headers: Redacted.value(telemetry.headers) }))
}

const refusal = async (variables: Record<string, string>) => {
  const exit = await loadWith(variables)
  if (Exit.isSuccess(exit)) throw new Error("the configuration was accepted")
  return exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
}

describe("the OpenTelemetry settings", () => {
  it("are off unless OTEL_EXPORTER_OTLP_ENDPOINT is set, and off again with OTEL_SDK_DISABLED", async () => {
    expect(await telemetryOf({})).toEqual(Option.none())
    expect(await telemetryOf({ OTEL_SERVICE_NAME: "named", OTEL_EXPORTER_OTLP_HEADERS: "a=b" })).toEqual(Option.none())
    expect(
      await telemetryOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" })
    ).toEqual(Option.none())
  })

  it("take the base URL, the service name (assure-server by default) and percent-encoded headers", async () => {
    expect(await telemetryOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toEqual(
      Option.some({ endpoint: "http://collector:4318", serviceName: "assure-server", headers: {} })
    )
    expect(
      await telemetryOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example/base",
        OTEL_SERVICE_NAME: "assure-eu",
        OTEL_EXPORTER_OTLP_HEADERS: "Api-Key=s3cr%3Det, x-scope = eu"
      })
    ).toEqual(
      Option.some({
        endpoint: "https://otlp.example/base",
        serviceName: "assure-eu",
        headers: { "api-key": "s3cr=et", "x-scope": "eu" }
      })
    )
  })

  it("refuse a malformed endpoint or headers at start, without repeating the value", async () => {
    for (const endpoint of ["collector:4318", "ftp://collector", "http://"]) {
      expect(await refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })).toMatchObject({
        setting: "OTEL_EXPORTER_OTLP_ENDPOINT"
      })
    }
    for (const headers of ["api-key", "a b=c", "api-key=%E0%A4%A"]) {
      const error = await refusal({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_HEADERS: headers
      })
      expect(error).toMatchObject({ setting: "OTEL_EXPORTER_OTLP_HEADERS" })
      expect(String((error as Error).message)).not.toContain(headers)
    }
  })

  it("leave Effect's native tracer and the console logger alone when no endpoint is configured", async () => {
    const settings = { logLevel: "Warn", telemetry: Option.none() } as const satisfies Pick<
      Settings,
      "logLevel" | "telemetry"
    >
    const seen = await Effect.runPromise(
      Effect.gen(function* () {
        return {
          tracer: yield* Tracer.Tracer,
          loggers: yield* References.CurrentLoggers,
          level: yield* References.MinimumLogLevel
        }
      }).pipe(Effect.provide(Observability.layer({ ...(await baseSettings()), ...settings })))
    )
    const defaults = await Effect.runPromise(
      Effect.gen(function* () {
        return { tracer: yield* Tracer.Tracer, loggers: yield* References.CurrentLoggers }
      })
    )
    expect(seen.tracer).toBe(defaults.tracer)
    expect([...seen.loggers]).toEqual([...defaults.loggers])
    expect(seen.level).toBe("Warn")
  })
})

/** Settings of a server that is never started, for the layer alone. */
const baseSettings = async (): Promise<Settings> => {
  const exit = await loadWith({})
  if (Exit.isFailure(exit)) throw new Error("configuration refused")
  return exit.value
}

interface Received {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly name: string
  readonly kind: number
  readonly attributes: ReadonlyArray<{ key: string; value: Record<string, unknown> }>
}

describe("the OTLP export", () => {
  const received: Array<Received> = []
  let collector: Server
  let collectorUrl = ""

  beforeAll(async () => {
    collector = createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8")
      request.on("data", (chunk: string) => {
        body += chunk
      })
      request.on("end", () => {
        received.push({ path: request.url ?? "", headers: request.headers, body })
        response.writeHead(200, { "content-type": "application/json" })
        response.end("{}")
      })
    })
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve))
    collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
  })
  afterAll(() => {
    collector?.closeAllConnections()
    collector?.close()
  })

  it("sends the request spans with the service name and the trace id of the problem, and no secret", async () => {
    const server = await startServer({
      logLevel: "Debug",
      telemetry: Option.some({
        endpoint: collectorUrl,
        serviceName: "assure-under-test",
        headers: Redacted.make({ "x-collector-key": "collector-key-value" })
      })
    })
    let run: Awaited<ReturnType<typeof sensitiveJourney>>
    try {
      run = await sensitiveJourney(server)
    } finally {
      // Stopping flushes what is still buffered.
      await server.stop()
    }

    const traces = received.filter((request) => request.path === "/v1/traces")
    expect(traces.length).toBeGreaterThan(0)
    for (const request of received) {
      expect(request.headers["content-type"]).toBe("application/json")
      expect(request.headers["x-collector-key"]).toBe("collector-key-value")
    }
    const resourceSpans = traces.flatMap(
      (request) =>
        (
          JSON.parse(request.body) as {
            resourceSpans: Array<{
              resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }
              scopeSpans: Array<{ spans: Array<OtlpSpan> }>
            }>
          }
        ).resourceSpans
    )
    for (const { resource } of resourceSpans) {
      expect(resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "assure-under-test" } })
    }
    const spans = resourceSpans.flatMap(({ scopeSpans }) => scopeSpans.flatMap(({ spans }) => spans))

    // The refused request's trace: the server span, whose trace id the problem carried, with its status.
    const ofProblem = spans.filter((span) => span.traceId === run.problemTraceId)
    // SpanKind 2 is "server".
    const serverSpan = ofProblem.find((span) => span.kind === 2 && span.name === "POST")
    expect(serverSpan?.attributes).toContainEqual({ key: "http.response.status_code", value: { intValue: 400 } })
    expect(serverSpan?.attributes).toContainEqual({ key: "url.path", value: { stringValue: run.problemPath } })

    // The redirect return's code and state are kept out of the recorded URL.
    const callback = spans.find((span) =>
      span.attributes.some((a) => a.key === "url.path" && a.value.stringValue === "/callbacks/sandbox")
    )
    const callbackUrl = callback?.attributes.find((a) => a.key === "url.full")?.value.stringValue
    expect(callbackUrl).toMatch(/\/callbacks\/sandbox\?state=REDACTED&code=REDACTED$/)

    // Logs travel too, with the trace id of their request.
    const logs = received.filter((request) => request.path === "/v1/logs").map((request) => request.body)
    expect(logs.join("\n")).toContain("request refused")
    expect(logs.join("\n")).toContain(run.problemTraceId)

    // Metrics travel too (flushed at the stop): the engine's counters, and the store's statements timed under the
    // OTLP tracer.
    const metrics = received.filter((request) => request.path === "/v1/metrics").map((request) => request.body)
    expect(metrics.length).toBeGreaterThan(0)
    const metricNames = new Set(
      metrics.flatMap((body) =>
        (
          JSON.parse(body) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string }> }> }> }
        ).resourceMetrics.flatMap(({ scopeMetrics }) =>
          scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.name))
        )
      )
    )
    expect(metricNames).toContain("assure_verifications_started_total")
    expect(metricNames).toContain("assure_store_statement_duration_seconds")
    expect(metricNames).toContain("assure_notifications_pending")

    const everything = received.map((request) => request.body).join("\n")
    for (const secret of run.secrets) expect(everything).not.toContain(secret)
  }, 60_000)
})
