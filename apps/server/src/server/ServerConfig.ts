/**
 * The server's configuration, read from environment variables with Effect `Config` and checked at start; every
 * setting is listed in docs/configuration.md.
 *
 * Without configured API clients or encryption keys the server runs in development mode: it creates a development
 * client and key in the data folder (so a restart can still read the data) and prints the credentials. Never use
 * development mode for real data.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { RoutingPolicy } from "@assure/core"
import { CircuitBreaker, EngineConfig, OutboundPolicy, PersonalDataCipher } from "@assure/engine"
import {
  Config,
  ConfigProvider,
  Context,
  Duration,
  Effect,
  type LogLevel,
  Option,
  Redacted,
  Result,
  Schema
} from "effect"
import { IpNetwork, NetAddress } from "effect/net"
import * as ConsoleConfig from "./ConsoleConfig.js"
import { hashSecret, newSecret } from "./Secrets.js"

/** An API client: its id (the tenant) and the scrypt hash of its secret. */
export interface ApiClient {
  readonly id: string
  readonly secretHash: string
}

/** What the end-user agrees to on the capture page, unless `ASSURE_CAPTURE_CONSENT_TEXT` says otherwise. */
export const defaultConsentText =
  "I agree that images of my identity document, and of my face where asked, are sent to verify my identity for the service that sent me here. They are kept only as long as that service's retention rules allow."

/** The checked configuration. */
export interface Settings {
  readonly host: string
  readonly port: number
  /** How clients and end-users reach the server, without a trailing slash (for redirect URLs). */
  readonly publicUrl: string
  /** Where the embedded database and the files live. */
  readonly dataDirectory: string
  /** PostgreSQL instead of the embedded SQLite. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  /** When the embedded SQLite waits for the disk (`PRAGMA synchronous`): `normal` by default, `full` to sync every commit. */
  readonly sqliteSynchronous: "normal" | "full"
  readonly clients: ReadonlyArray<ApiClient>
  /**
   * The clients that may manage their own routing policy (`ASSURE_ADMIN_CLIENTS`); in development mode, the
   * development client. Their tokens carry the `assure-admin` scope.
   */
  readonly adminClients: ReadonlyArray<string>
  /**
   * The routing policy of clients without one of their own (`ASSURE_ROUTING_POLICY`, a JSON file), checked against
   * the loaded providers at start.
   */
  readonly routingPolicy: Option.Option<RoutingPolicy.Policy>
  /** The circuit breaker's settings (`ASSURE_CIRCUIT_*`). */
  readonly circuitBreaker: CircuitBreaker.Settings
  /** Encryption keys by id; the first one seals new data. */
  readonly encryptionKeys: ReadonlyArray<{ readonly id: string; readonly key: Redacted.Redacted<string> }>
  readonly tokenLifetime: Duration.Duration
  /**
   * The hosted capture page (`/capture/{token}`): how long a link works (`ASSURE_CAPTURE_LIFETIME`, 30 minutes by
   * default) and the consent text the end-user agrees to before capturing (`ASSURE_CAPTURE_CONSENT_TEXT`).
   */
  readonly capture: { readonly lifetime: Duration.Duration; readonly consentText: string }
  /**
   * Reviews: the reason codes a rejection may give (`ASSURE_REVIEW_REJECTION_REASONS`), how long a reviewer's claim
   * lasts (`ASSURE_REVIEW_CLAIM_FOR`, 30 minutes by default) and how long the audit trail is kept
   * (`ASSURE_AUDIT_RETENTION`, 400 days by default).
   */
  readonly review: {
    readonly rejectionReasons: ReadonlyArray<string>
    readonly claimFor: Duration.Duration
    readonly auditRetention: Duration.Duration
  }
  /** The review console: operator accounts, external sign-in, session lifetimes (ConsoleConfig.ts). */
  readonly console: ConsoleConfig.ConsoleSettings
  readonly retention: Option.Option<Duration.Duration>
  /** Requests per second each client may make; bursts up to twice that. */
  readonly rateLimit: number
  /** How long a client may take to send a request's headers (`ASSURE_HEADERS_TIMEOUT`). */
  readonly headersTimeout: Duration.Duration
  /** How long a request body may go without a byte before the request ends with 408 (`ASSURE_BODY_IDLE_TIMEOUT`). */
  readonly bodyIdleTimeout: Duration.Duration
  /** What the token endpoint lets through before it answers 429, and how many secrets it hashes at once. */
  readonly tokenLimits: TokenLimits
  /**
   * The proxies (load balancers, TLS terminators) whose `X-Forwarded-For` is believed: a request's address is the
   * last one in that header that is not one of them. None: the address of the connection.
   */
  readonly trustedProxies: ReadonlyArray<IpNetwork.IpNetwork>
  /**
   * The adapters the server runs (`ASSURE_PROVIDERS`): built-in names, package names or module paths, loaded at
   * start (Providers.ts); each adapter reads its own variables under its prefix.
   */
  readonly providers: ReadonlyArray<string>
  /** Where each client receives signed `process.complete` events, and the secrets that sign them. */
  readonly eventSubscriptions: Readonly<
    Record<string, { readonly url: string; readonly secrets: ReadonlyArray<Redacted.Redacted<string>> }>
  >
  /**
   * Where notifications (process callbacks and events) may go besides public https addresses: plain http
   * (`ASSURE_NOTIFICATION_ALLOW_HTTP`) and networks in CIDR notation (`ASSURE_NOTIFICATION_ALLOWED_NETWORKS`).
   */
  readonly notificationTargets: { readonly allowHttp: boolean; readonly allowedNetworks: ReadonlyArray<string> }
  /** The least severe log lines written (Effect's minimum log level); `None` writes none. */
  readonly logLevel: LogLevel.LogLevel
  /** Where traces, logs and metrics are exported with OTLP over HTTP/JSON; none: nothing is exported. */
  readonly telemetry: Option.Option<Telemetry>
  /**
   * Where the Prometheus scrape endpoint (`GET /metrics`) listens (`ASSURE_METRICS_PORT`, `ASSURE_METRICS_HOST`);
   * none: there is no scrape endpoint.
   */
  readonly metrics: Option.Option<{ readonly host: string; readonly port: number }>
  /** Another OAuth server whose access tokens are accepted on `/assure` paths, next to the server's own. */
  readonly externalIssuer: Option.Option<ExternalIssuer>
  /** Credentials printed at start in development mode. */
  readonly development: Option.Option<{ readonly clientId: string; readonly clientSecret: string }>
}

/**
 * The token endpoint's limits. Each is a bucket that holds its number of attempts and refills evenly over the
 * window; failed attempts drain the failure buckets, every attempt the address's own.
 */
export interface TokenLimits {
  /** Failed attempts per client id (`ASSURE_TOKEN_CLIENT_FAILURES`). */
  readonly clientFailures: number
  /** Failed attempts per source address (`ASSURE_TOKEN_ADDRESS_FAILURES`). */
  readonly addressFailures: number
  /** Every attempt per source address, failed or not (`ASSURE_TOKEN_ADDRESS_REQUESTS`). */
  readonly addressRequests: number
  /** Over how long each bucket refills (`ASSURE_TOKEN_LIMIT_WINDOW`). */
  readonly window: Duration.Duration
  /** Secrets hashed at once (`ASSURE_TOKEN_VERIFICATIONS`); more wait their turn. */
  readonly concurrentVerifications: number
  /**
   * How long a refused attempt waits before its 429 (`ASSURE_TOKEN_REFUSAL_DELAY`), so that a client retrying in a loop
   * slows down instead of spinning; at most 1,024 wait at once, the rest are answered at once.
   */
  readonly refusalDelay: Duration.Duration
}

/** The token endpoint's limits when none are configured. */
export const defaultTokenLimits: TokenLimits = {
  clientFailures: 10,
  addressFailures: 20,
  addressRequests: 300,
  window: Duration.minutes(1),
  concurrentVerifications: 1,
  refusalDelay: Duration.seconds(1)
}

/** An OpenTelemetry collector (or a vendor's OTLP endpoint) to export to. */
export interface Telemetry {
  /** The base URL: traces go to `<endpoint>/v1/traces`, logs to `<endpoint>/v1/logs`, metrics to `<endpoint>/v1/metrics`. */
  readonly endpoint: string
  /** The `service.name` of the resource. */
  readonly serviceName: string
  /** Headers sent with every export (an API key, say). */
  readonly headers: Redacted.Redacted<Readonly<Record<string, string>>>
}

/** An external token issuer: its tokens are verified with the keys it publishes, and name their client in a claim. */
export interface ExternalIssuer {
  /** The exact `iss` of its tokens. */
  readonly issuer: string
  /** Where its public keys are published (a JSON Web Key Set). */
  readonly jwksUrl: string
  /** The `aud` its tokens must carry for this server. */
  readonly audience: string
  /** The claim that names the client (the tenant); `sub` when a token lacks it. */
  readonly clientClaim: string
}

/** The configuration, provided once at start. */
export class ServerConfig extends Context.Service<ServerConfig, Settings>()("@assure/server/ServerConfig") {}

/** A setting is missing or malformed; the message names it and says what is expected. */
export class ConfigurationError extends Schema.TaggedError<ConfigurationError>("@assure/server/ConfigurationError")(
  "ConfigurationError",
  { setting: Schema.String, problem: Schema.String }
) {
  override get message(): string {
    return `${this.setting}: ${this.problem}`
  }
}

/** `id:value,id2:value2` */
const pairs = (text: string): ReadonlyArray<readonly [string, string]> =>
  text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const separator = entry.indexOf(":")
      return separator < 0 ? ([entry, ""] as const) : ([entry.slice(0, separator), entry.slice(separator + 1)] as const)
    })

const optional = (name: string) => Config.option(Config.String(name))

/** What `ASSURE_LOG_LEVEL` accepts, most verbose first, and Effect's log level for each. */
export const logLevels = {
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warning: "Warn",
  error: "Error",
  none: "None"
} as const satisfies Record<string, LogLevel.LogLevel>

const parseLogLevel = (text: string): Effect.Effect<LogLevel.LogLevel, ConfigurationError> => {
  const name = text.trim().toLowerCase()
  return Object.hasOwn(logLevels, name)
    ? Effect.succeed(logLevels[name as keyof typeof logLevels])
    : Effect.fail(
        new ConfigurationError({
          setting: "ASSURE_LOG_LEVEL",
          problem: `expected one of ${Object.keys(logLevels).join(", ")}`
        })
      )
}

/** What development mode keeps in the data folder, so data stays readable across restarts. */
interface DevelopmentSecrets {
  readonly clientId: string
  readonly clientSecret: string
  readonly encryptionKey: string
}

const developmentSecrets = (dataDirectory: string): DevelopmentSecrets => {
  const file = join(dataDirectory, "development-secrets.json")
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as DevelopmentSecrets
  const secrets: DevelopmentSecrets = {
    clientId: "dev-client",
    clientSecret: newSecret(),
    encryptionKey: PersonalDataCipher.generateKey()
  }
  // For the server's user only (DataFolder.ts narrows one found wider at start).
  mkdirSync(dataDirectory, { recursive: true, mode: 0o700 })
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
  return secrets
}

const Subscriptions = Schema.fromJsonString(
  Schema.Record(Schema.String, Schema.Struct({ url: Schema.String, secrets: Schema.NonEmptyArray(Schema.String) }))
)

/** `{"<client id>": {"url": "https://…", "secrets": ["…", "…"]}}` */
const parseSubscriptions = (text: string) =>
  Schema.decodeUnknownEffect(Subscriptions)(text).pipe(
    Effect.map((subscriptions) =>
      Object.fromEntries(
        Object.entries(subscriptions).map(([client, { url, secrets }]) => [
          client,
          { url, secrets: secrets.map((secret) => Redacted.make(secret)) }
        ])
      )
    ),
    Effect.mapError(
      () =>
        new ConfigurationError({
          setting: "ASSURE_EVENT_SUBSCRIPTIONS",
          problem: 'expected JSON: {"<client id>": {"url": "https://…", "secrets": ["…"]}}'
        })
    )
  )

/** `key=value,key2=value2`, values percent-decoded: the OpenTelemetry format of `OTEL_EXPORTER_OTLP_HEADERS`. */
const parseOtlpHeaders = (text: string): Effect.Effect<Record<string, string>, ConfigurationError> => {
  const refused = new ConfigurationError({
    setting: "OTEL_EXPORTER_OTLP_HEADERS",
    problem: "expected name=value pairs separated by commas, values percent-encoded"
  })
  const headers: Record<string, string> = {}
  for (const entry of text.split(",")) {
    if (entry.trim().length === 0) continue
    const separator = entry.indexOf("=")
    const name = entry.slice(0, Math.max(0, separator)).trim().toLowerCase()
    if (separator < 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return Effect.fail(refused)
    try {
      headers[name] = decodeURIComponent(entry.slice(separator + 1).trim())
    } catch {
      return Effect.fail(refused)
    }
  }
  return Effect.succeed(headers)
}

/**
 * The OpenTelemetry exporter, from the variables every OpenTelemetry SDK reads: on when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set (and `OTEL_SDK_DISABLED` is not `true`).
 */
const loadTelemetry = Effect.gen(function* () {
  const endpoint = yield* optional("OTEL_EXPORTER_OTLP_ENDPOINT")
  const disabled = yield* Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false))
  if (Option.isNone(endpoint) || disabled) return Option.none<Telemetry>()
  const url = endpoint.value.trim().replace(/\/+$/, "")
  if (!/^https?:\/\/[^/]/.test(url) || !URL.canParse(url)) {
    return yield* new ConfigurationError({
      setting: "OTEL_EXPORTER_OTLP_ENDPOINT",
      problem: "must be an http or https URL, the collector's base URL (http://localhost:4318)"
    })
  }
  const serviceName = (yield* Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault("assure-server"))).trim()
  const headersText = yield* Config.option(Config.Redacted("OTEL_EXPORTER_OTLP_HEADERS"))
  const headers = Option.isSome(headersText) ? yield* parseOtlpHeaders(Redacted.value(headersText.value)) : {}
  return Option.some<Telemetry>({ endpoint: url, serviceName, headers: Redacted.make(headers) })
})

/**
 * The Prometheus scrape endpoint: on only when `ASSURE_METRICS_PORT` is set, on its own port (not the API's), listening
 * on `ASSURE_METRICS_HOST` (loopback unless the operator opens it).
 */
const loadMetrics = (apiPort: number) =>
  Effect.gen(function* () {
    const port = yield* Config.option(Config.Port("ASSURE_METRICS_PORT"))
    if (Option.isNone(port)) return Option.none<{ readonly host: string; readonly port: number }>()
    if (port.value === apiPort) {
      return yield* new ConfigurationError({
        setting: "ASSURE_METRICS_PORT",
        problem: "must differ from ASSURE_PORT: the scrape endpoint has its own listener"
      })
    }
    const host = (yield* Config.String("ASSURE_METRICS_HOST").pipe(Config.withDefault("127.0.0.1"))).trim()
    if (host.length === 0) {
      return yield* new ConfigurationError({ setting: "ASSURE_METRICS_HOST", problem: "must name an address" })
    }
    return Option.some({ host, port: port.value })
  })

/** A positive whole number, or the setting's default. */
const positiveInteger = (setting: string, fallback: number) =>
  Effect.flatMap(Config.Number(setting).pipe(Config.withDefault(fallback)), (value) =>
    Number.isInteger(value) && value > 0
      ? Effect.succeed(value)
      : Effect.fail(new ConfigurationError({ setting, problem: "must be a positive whole number" }))
  )

const loadTokenLimits = Effect.gen(function* () {
  const window = yield* Config.Duration("ASSURE_TOKEN_LIMIT_WINDOW").pipe(Config.withDefault(defaultTokenLimits.window))
  if (!(Duration.toMillis(window) >= 1000)) {
    return yield* new ConfigurationError({ setting: "ASSURE_TOKEN_LIMIT_WINDOW", problem: "must be at least 1 second" })
  }
  return {
    clientFailures: yield* positiveInteger("ASSURE_TOKEN_CLIENT_FAILURES", defaultTokenLimits.clientFailures),
    addressFailures: yield* positiveInteger("ASSURE_TOKEN_ADDRESS_FAILURES", defaultTokenLimits.addressFailures),
    addressRequests: yield* positiveInteger("ASSURE_TOKEN_ADDRESS_REQUESTS", defaultTokenLimits.addressRequests),
    window,
    concurrentVerifications: yield* positiveInteger(
      "ASSURE_TOKEN_VERIFICATIONS",
      defaultTokenLimits.concurrentVerifications
    ),
    refusalDelay: yield* Config.Duration("ASSURE_TOKEN_REFUSAL_DELAY").pipe(
      Config.withDefault(defaultTokenLimits.refusalDelay)
    )
  } satisfies TokenLimits
})

/** One network in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or one address (`10.1.2.3`, a network of one). */
export const parseNetwork = (text: string): IpNetwork.IpNetwork | undefined => {
  const network = text.includes("/")
    ? IpNetwork.fromString(text)
    : Result.flatMap(NetAddress.ipFromString(text), (address) =>
        IpNetwork.fromAddress(address, NetAddress.isIpv4Address(address) ? 32 : 128)
      )
  return Result.isSuccess(network) ? network.success : undefined
}

/** `ASSURE_TRUSTED_PROXIES`: networks and addresses separated by commas. */
const loadTrustedProxies = Effect.gen(function* () {
  const text = yield* Config.String("ASSURE_TRUSTED_PROXIES").pipe(Config.withDefault(""))
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
  const networks: Array<IpNetwork.IpNetwork> = []
  for (const entry of entries) {
    const network = parseNetwork(entry)
    if (network === undefined) {
      return yield* new ConfigurationError({
        setting: "ASSURE_TRUSTED_PROXIES",
        problem: `${JSON.stringify(entry)} is not an IP address or a network in CIDR notation (10.0.0.0/8, fd00::/8)`
      })
    }
    networks.push(network)
  }
  return networks
})

/**
 * `ASSURE_NOTIFICATION_ALLOW_HTTP` and `ASSURE_NOTIFICATION_ALLOWED_NETWORKS`: what notifications may reach besides
 * public https addresses, for on-premise endpoints and tests on loopback. The event subscriptions must fit.
 */
const loadNotificationTargets = (
  subscriptions: Readonly<Record<string, { readonly url: string }>>
): Effect.Effect<Settings["notificationTargets"], ConfigurationError | Config.ConfigError> =>
  Effect.gen(function* () {
    const allowHttp = yield* Config.Boolean("ASSURE_NOTIFICATION_ALLOW_HTTP").pipe(Config.withDefault(false))
    const allowedNetworks = (yield* Config.String("ASSURE_NOTIFICATION_ALLOWED_NETWORKS").pipe(Config.withDefault("")))
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0)
    const policy = yield* OutboundPolicy.make({ allowHttp, allowedNetworks }).pipe(
      Effect.mapError(
        (error) => new ConfigurationError({ setting: "ASSURE_NOTIFICATION_ALLOWED_NETWORKS", problem: error.message })
      )
    )
    for (const [client, { url }] of Object.entries(subscriptions)) {
      const refusal = policy.checkUrl(url)
      if (refusal !== undefined) {
        return yield* new ConfigurationError({
          setting: "ASSURE_EVENT_SUBSCRIPTIONS",
          problem: `the URL of ${JSON.stringify(client)} ${refusal} (see ASSURE_NOTIFICATION_ALLOW_HTTP and ASSURE_NOTIFICATION_ALLOWED_NETWORKS)`
        })
      }
    }
    return { allowHttp, allowedNetworks }
  })

const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)

/**
 * The external issuer: on when `ASSURE_EXTERNAL_ISSUER` is set, which then needs `ASSURE_EXTERNAL_JWKS_URL`. Keys are
 * fetched over https only (plain http to a loopback address, for tests and sidecars): whoever can change them in
 * transit can sign tokens for any client.
 */
const loadExternalIssuer = (publicUrl: string) =>
  Effect.gen(function* () {
    const issuer = Option.map(yield* optional("ASSURE_EXTERNAL_ISSUER"), (value) => value.trim())
    const jwksUrl = Option.map(yield* optional("ASSURE_EXTERNAL_JWKS_URL"), (value) => value.trim())
    const audience = yield* optional("ASSURE_EXTERNAL_AUDIENCE")
    const clientClaim = (yield* Config.String("ASSURE_EXTERNAL_CLIENT_CLAIM").pipe(
      Config.withDefault("client_id")
    )).trim()
    if (Option.isNone(issuer)) {
      if (Option.isSome(jwksUrl) || Option.isSome(audience)) {
        return yield* new ConfigurationError({
          setting: "ASSURE_EXTERNAL_ISSUER",
          problem:
            "must be set, the exact iss of the external tokens, when ASSURE_EXTERNAL_JWKS_URL or ASSURE_EXTERNAL_AUDIENCE is"
        })
      }
      return Option.none<ExternalIssuer>()
    }
    if (issuer.value === publicUrl) {
      return yield* new ConfigurationError({
        setting: "ASSURE_EXTERNAL_ISSUER",
        problem: "must differ from ASSURE_PUBLIC_URL, the issuer of the server's own tokens"
      })
    }
    const keys = Option.flatMap(jwksUrl, (url) => Option.fromNullishOr(URL.parse(url)))
    if (
      Option.isNone(keys) ||
      !(keys.value.protocol === "https:" || (keys.value.protocol === "http:" && isLoopback(keys.value.hostname)))
    ) {
      return yield* new ConfigurationError({
        setting: "ASSURE_EXTERNAL_JWKS_URL",
        problem: "must be the https URL of the external issuer's JSON Web Key Set (http only to a loopback address)"
      })
    }
    if (!/^[A-Za-z0-9_.:/-]+$/.test(clientClaim)) {
      return yield* new ConfigurationError({
        setting: "ASSURE_EXTERNAL_CLIENT_CLAIM",
        problem: "must be the name of a claim, such as client_id, azp or sub"
      })
    }
    return Option.some<ExternalIssuer>({
      issuer: issuer.value,
      jwksUrl: keys.value.href,
      audience: Option.getOrElse(
        Option.map(audience, (value) => value.trim()),
        () => `${publicUrl}/assure`
      ),
      clientClaim
    })
  })

const decodePolicy = Schema.decodeUnknownResult(Schema.fromJsonString(RoutingPolicy.Policy))

/**
 * The server's default routing policy: the JSON file `ASSURE_ROUTING_POLICY` names, decoded strictly (an unknown or
 * misspelled field is an error). Whether its providers are loaded is checked once they are (Providers.ts).
 */
const loadRoutingPolicy = Effect.gen(function* () {
  const path = yield* optional("ASSURE_ROUTING_POLICY")
  if (Option.isNone(path)) return Option.none<RoutingPolicy.Policy>()
  const setting = "ASSURE_ROUTING_POLICY"
  let text: string
  try {
    text = readFileSync(resolve(path.value), "utf8")
  } catch (error) {
    return yield* new ConfigurationError({
      setting,
      problem: `cannot read ${path.value}: ${error instanceof Error ? error.message : String(error)}`
    })
  }
  const decoded = decodePolicy(text, { errors: "all", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) {
    return yield* new ConfigurationError({
      setting,
      problem: `${path.value} is not a routing policy: ${decoded.failure.message}`
    })
  }
  return Option.some(decoded.success)
})

/** Reads and checks the configuration. */
export const load: Effect.Effect<Settings, ConfigurationError | Config.ConfigError> = Effect.gen(function* () {
  const logLevel = yield* parseLogLevel(yield* Config.String("ASSURE_LOG_LEVEL").pipe(Config.withDefault("info")))
  const telemetry = yield* loadTelemetry
  const port = yield* Config.Port("ASSURE_PORT").pipe(Config.withDefault(8080))
  const host = yield* Config.String("ASSURE_HOST").pipe(Config.withDefault("127.0.0.1"))
  const metrics = yield* loadMetrics(port)
  const publicUrl = (yield* Config.String("ASSURE_PUBLIC_URL").pipe(
    Config.withDefault(`http://localhost:${port}`)
  )).replace(/\/$/, "")
  if (!/^https?:\/\//.test(publicUrl)) {
    return yield* new ConfigurationError({ setting: "ASSURE_PUBLIC_URL", problem: "must be an http or https URL" })
  }
  const externalIssuer = yield* loadExternalIssuer(publicUrl)
  const dataDirectory = resolve(yield* Config.String("ASSURE_DATA_DIR").pipe(Config.withDefault(".data")))
  const databaseUrl = yield* Config.option(Config.Redacted("DATABASE_URL"))
  const sqliteSynchronous = (yield* Config.String("ASSURE_SQLITE_SYNCHRONOUS").pipe(Config.withDefault("normal")))
    .trim()
    .toLowerCase()
  if (sqliteSynchronous !== "normal" && sqliteSynchronous !== "full") {
    return yield* new ConfigurationError({ setting: "ASSURE_SQLITE_SYNCHRONOUS", problem: "expected normal or full" })
  }
  const clientsText = yield* optional("ASSURE_CLIENTS")
  const keysText = yield* optional("ASSURE_ENCRYPTION_KEYS")
  const tokenLifetime = yield* Config.Duration("ASSURE_TOKEN_LIFETIME").pipe(Config.withDefault(Duration.minutes(10)))
  const retention = yield* Config.option(Config.Duration("ASSURE_RETENTION"))
  const captureLifetime = yield* Config.Duration("ASSURE_CAPTURE_LIFETIME").pipe(
    Config.withDefault(Duration.minutes(30))
  )
  if (!(Duration.toMillis(captureLifetime) >= 60_000 && Duration.toMillis(captureLifetime) <= 86_400_000)) {
    return yield* new ConfigurationError({
      setting: "ASSURE_CAPTURE_LIFETIME",
      problem: "must be from 1 minute to 24 hours"
    })
  }
  const consentText = (yield* Config.String("ASSURE_CAPTURE_CONSENT_TEXT").pipe(
    Config.withDefault(defaultConsentText)
  )).trim()
  if (consentText.length === 0 || consentText.length > 4000) {
    return yield* new ConfigurationError({
      setting: "ASSURE_CAPTURE_CONSENT_TEXT",
      problem: "must be 1 to 4000 characters"
    })
  }
  const reasonsText = yield* optional("ASSURE_REVIEW_REJECTION_REASONS")
  const rejectionReasons = Option.isSome(reasonsText)
    ? reasonsText.value.split(",").map((reason) => reason.trim())
    : EngineConfig.defaults.review.rejectionReasons
  if (
    rejectionReasons.length === 0 ||
    rejectionReasons.some((reason) => !/^[a-z][a-z0-9_]{0,63}$/.test(reason)) ||
    new Set(rejectionReasons).size < rejectionReasons.length
  ) {
    return yield* new ConfigurationError({
      setting: "ASSURE_REVIEW_REJECTION_REASONS",
      problem:
        "expected reason codes (lower case letters, digits and _, at most 64 characters) separated by commas, each once"
    })
  }
  const claimFor = yield* Config.Duration("ASSURE_REVIEW_CLAIM_FOR").pipe(Config.withDefault(Duration.minutes(30)))
  if (!(Duration.toMillis(claimFor) >= 60_000 && Duration.toMillis(claimFor) <= 86_400_000)) {
    return yield* new ConfigurationError({
      setting: "ASSURE_REVIEW_CLAIM_FOR",
      problem: "must be from 1 minute to 24 hours"
    })
  }
  const auditRetention = yield* Config.Duration("ASSURE_AUDIT_RETENTION").pipe(Config.withDefault(Duration.days(400)))
  if (!(Duration.toMillis(auditRetention) >= 86_400_000)) {
    return yield* new ConfigurationError({ setting: "ASSURE_AUDIT_RETENTION", problem: "must be at least 1 day" })
  }
  const rateLimit = yield* Config.Number("ASSURE_RATE_LIMIT").pipe(Config.withDefault(100))
  const headersTimeout = yield* Config.Duration("ASSURE_HEADERS_TIMEOUT").pipe(Config.withDefault(Duration.seconds(20)))
  const bodyIdleTimeout = yield* Config.Duration("ASSURE_BODY_IDLE_TIMEOUT").pipe(
    Config.withDefault(Duration.seconds(30))
  )
  for (const [setting, value] of [
    ["ASSURE_HEADERS_TIMEOUT", headersTimeout],
    ["ASSURE_BODY_IDLE_TIMEOUT", bodyIdleTimeout]
  ] as const) {
    if (!(Duration.toMillis(value) >= 1 && Duration.isFinite(value))) {
      return yield* new ConfigurationError({ setting, problem: "must be a finite duration of at least 1 millisecond" })
    }
  }
  const tokenLimits = yield* loadTokenLimits
  const trustedProxies = yield* loadTrustedProxies
  const providers = [
    ...new Set(
      (yield* Config.String("ASSURE_PROVIDERS").pipe(Config.withDefault("sandbox")))
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name.length > 0)
    )
  ]
  if (providers.length === 0) {
    return yield* new ConfigurationError({
      setting: "ASSURE_PROVIDERS",
      problem:
        "names no provider: expected built-in names (sandbox, onfido, …), package names or module paths, separated by commas"
    })
  }
  const subscriptionsText = yield* optional("ASSURE_EVENT_SUBSCRIPTIONS")
  const eventSubscriptions = Option.isNone(subscriptionsText) ? {} : yield* parseSubscriptions(subscriptionsText.value)
  const notificationTargets = yield* loadNotificationTargets(eventSubscriptions)
  if (!(rateLimit > 0))
    return yield* new ConfigurationError({ setting: "ASSURE_RATE_LIMIT", problem: "must be a positive number" })

  const development =
    Option.isNone(clientsText) || Option.isNone(keysText) ? developmentSecrets(dataDirectory) : undefined

  const clients = Option.isSome(clientsText)
    ? pairs(clientsText.value).map(([id, secretHash]) => ({ id, secretHash }))
    : [{ id: development?.clientId ?? "", secretHash: hashSecret(development?.clientSecret ?? "") }]
  const badClient = clients.find((client) => client.id.length === 0 || !client.secretHash.startsWith("scrypt$"))
  if (badClient !== undefined || clients.length === 0) {
    return yield* new ConfigurationError({
      setting: "ASSURE_CLIENTS",
      problem:
        "expected id:scrypt$… pairs separated by commas (hash a secret with `assure-server hash-secret <secret>`)"
    })
  }

  const adminText = yield* optional("ASSURE_ADMIN_CLIENTS")
  const adminClients = Option.isSome(adminText)
    ? adminText.value
        .split(",")
        .map((id) => id.trim())
        .filter((id) => id.length > 0)
    : development !== undefined && Option.isNone(clientsText)
      ? [development.clientId]
      : []
  const unknownAdmin = adminClients.find((id) => !clients.some((client) => client.id === id))
  if (unknownAdmin !== undefined) {
    return yield* new ConfigurationError({
      setting: "ASSURE_ADMIN_CLIENTS",
      problem: `names "${unknownAdmin}", which is not a client of ASSURE_CLIENTS`
    })
  }
  const routingPolicy = yield* loadRoutingPolicy
  const consoleSettings = yield* ConsoleConfig.load.pipe(
    Effect.catchTag("ConsoleConfigProblem", ({ setting, problem }) =>
      Effect.fail(new ConfigurationError({ setting, problem }))
    )
  )
  const circuitBreaker = yield* CircuitBreaker.settingsConfig

  const encryptionKeys = Option.isSome(keysText)
    ? pairs(keysText.value).map(([id, key]) => ({ id, key: Redacted.make(key) }))
    : [{ id: "development", key: Redacted.make(development?.encryptionKey ?? "") }]
  if (
    encryptionKeys.length === 0 ||
    encryptionKeys.some(({ id, key }) => id.length === 0 || Redacted.value(key).length === 0)
  ) {
    return yield* new ConfigurationError({
      setting: "ASSURE_ENCRYPTION_KEYS",
      problem: "expected keyId:base64-of-32-bytes pairs separated by commas, the active key first"
    })
  }

  return {
    host,
    port,
    publicUrl,
    dataDirectory,
    databaseUrl,
    sqliteSynchronous,
    clients,
    adminClients,
    routingPolicy,
    circuitBreaker,
    encryptionKeys,
    tokenLifetime,
    capture: { lifetime: captureLifetime, consentText },
    review: { rejectionReasons, claimFor, auditRetention },
    console: consoleSettings,
    retention,
    rateLimit,
    headersTimeout,
    bodyIdleTimeout,
    tokenLimits,
    trustedProxies,
    providers,
    eventSubscriptions,
    notificationTargets,
    logLevel,
    telemetry,
    metrics,
    externalIssuer,
    development:
      development === undefined || Option.isSome(clientsText)
        ? Option.none()
        : Option.some({ clientId: development.clientId, clientSecret: development.clientSecret })
  }
})

/**
 * {@link load} from the given variables only, never the process's own: how tests and embedding programs configure the
 * server exactly as an operator's environment would, every setting they leave out at its default.
 */
export const fromVariables = (
  variables: Readonly<Record<string, string>>
): Effect.Effect<Settings, ConfigurationError | Config.ConfigError> =>
  load.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: { ...variables } })))
