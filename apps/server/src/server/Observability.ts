/**
 * What the server tells its operators: log lines at the configured minimum level (`ASSURE_LOG_LEVEL`), each request's
 * log lines annotated with its trace id.
 *
 * Log lines carry ids, paths, statuses and error tags — never request or response bodies, headers, query strings,
 * identity data, tokens or secrets.
 */
import { Layer, References } from "effect"
import type { Settings } from "./ServerConfig.js"

/** The log level for everything the server runs: requests, the engine's background work, the HTTP server itself. */
export const layer = (settings: Settings): Layer.Layer<never> =>
  Layer.succeed(References.MinimumLogLevel, settings.logLevel)
