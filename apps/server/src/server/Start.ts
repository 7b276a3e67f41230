/**
 * Starts the server as `assure-server` runs it (main.ts loads this module once the compile cache is on): reads the
 * configuration, builds the app, prints the banner once it listens, and stops cleanly on SIGTERM and SIGINT.
 */
import { flushCompileCache } from "node:module"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Exit, Layer, Option, Runtime } from "effect"
import { makeApp } from "./App.js"
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

/**
 * Runs the server until it is stopped. Once it listens, the compile cache is written out (Node would otherwise write
 * it only at exit, and a server killed outright would never have one).
 */
export const start = (): void => {
  const program = Effect.gen(function* () {
    const settings = yield* load
    const app = makeApp(settings)
    // As `Layer.launch`, with the compile cache written out once the server is built and listening.
    yield* Effect.scoped(
      Effect.gen(function* () {
        // The banner once everything is built: an adapter that cannot start fails the start before it.
        yield* Layer.build(app)
        yield* Console.log(banner(settings))
        flushCompileCache()
        return yield* Effect.never
      })
    )
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
