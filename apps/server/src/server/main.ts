#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * `assure-server`: starts the API. `assure-server hash-secret <secret>` prints the hash to put in ASSURE_CLIENTS.
 *
 * The first line gives V8 a young generation of 8 MB semi-spaces instead of its default: Effect allocates many
 * short-lived objects per request, and the default lets the resident set grow by about a hundred megabytes under
 * load for no measurable gain in throughput (BENCHMARKS.md; docs/operations.md, "Memory"). `pnpm start` and the
 * Dockerfile pass the same option.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Exit, Layer, Option, Runtime } from "effect"
import { makeApp } from "./App.js"
import { hashSecret } from "./Secrets.js"
import { load, type Settings } from "./ServerConfig.js"

const banner = (settings: Settings) =>
  [
    `assure is listening on ${settings.publicUrl}`,
    `  API docs:      ${settings.publicUrl}/docs`,
    `  OpenAPI:       ${settings.publicUrl}/openapi.json`,
    `  token:         POST ${settings.publicUrl}/auth/open/connect/token (client_credentials)`,
    `  store:         ${Option.isSome(settings.databaseUrl) ? "PostgreSQL (DATABASE_URL)" : `embedded SQLite in ${settings.dataDirectory}`}`,
    ...Option.match(settings.externalIssuer, {
      onNone: () => [],
      onSome: ({ issuer, audience }) => [`  also accepts:  tokens of ${issuer} for ${audience}`]
    }),
    // The host only: a URL may carry credentials.
    ...Option.match(settings.telemetry, {
      onNone: () => [],
      onSome: ({ endpoint, serviceName }) => [
        `  telemetry:     traces and logs to ${new URL(endpoint).host} (OTLP) as ${serviceName}`
      ]
    }),
    ...Option.match(settings.development, {
      onNone: () => [],
      onSome: ({ clientId, clientSecret }) => [
        "",
        "Development mode (no ASSURE_CLIENTS / ASSURE_ENCRYPTION_KEYS set): never use it for real data.",
        `  client id:     ${clientId}`,
        `  client secret: ${clientSecret}`,
        `  curl -s -u ${clientId}:${clientSecret} -d grant_type=client_credentials ${settings.publicUrl}/auth/open/connect/token`
      ]
    })
  ].join("\n")

/**
 * SIGTERM and SIGINT interrupt the server, which then stops taking connections, finishes the requests in flight and
 * closes its stores. That is a clean stop, so it exits 0 (Effect's default reports an interruption as 130), which
 * is what process managers expect of a requested shutdown.
 */
const stoppedOnRequest: Runtime.Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)

const [command, argument] = process.argv.slice(2)

if (command === "hash-secret") {
  if (argument === undefined) {
    console.error("usage: assure-server hash-secret <secret>")
    process.exit(2)
  }
  console.log(hashSecret(argument))
} else {
  const program = Effect.gen(function* () {
    const settings = yield* load
    const app = makeApp(settings)
    yield* Layer.launch(Layer.merge(app, Layer.effectDiscard(Console.log(banner(settings)))))
  }).pipe(
    Effect.catchTag("ConfigurationError", (error) =>
      Effect.andThen(
        Console.error(`Configuration error: ${error.message}`),
        Effect.sync(() => process.exit(2))
      )
    )
  )
  NodeRuntime.runMain(program, { teardown: stoppedOnRequest })
}
