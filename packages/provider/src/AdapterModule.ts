/**
 * The adapter-module contract: what an adapter package exports so that a host (the assure server) can load it by
 * configuration, without code that names it.
 *
 * Every adapter package exports one module under the name `adapter` from its main entry:
 *
 * ```ts
 * export const adapter = AdapterModule.make({
 *   name: "acme",
 *   specificationVersion: "1",
 *   capabilities: { ...Capabilities.none, documentImages: true, webhooks: true, polling: true },
 *   prefix: "ACME",
 *   config: { apiKey: Config.Redacted("API_KEY"), baseUrl: Config.String("BASE_URL").pipe(Config.withDefault(url)) },
 *   layer: (config) => AcmeProvider.layer(config)
 * })
 * ```
 *
 * **The prefix rule.** A module declares its environment prefix (`prefix`, upper case, such as `ONFIDO` or
 * `ASSURE_SANDBOX`) and names its variables without it; the host reads each variable as `<prefix>_<name>`, so the
 * field above is read from `ACME_API_KEY` (from the environment; from any `ConfigProvider`, the key `ACME_API_KEY`).
 * An adapter reads nothing else from the environment.
 *
 * **Host services.** The layer may require only {@link HostServices}: the `ProviderRegistry` it registers into,
 * `HttpClient`, `FileSystem` and {@link HostPublicUrl.HostPublicUrl}; the clock is Effect's default. {@link make}
 * refuses, at compile time, a layer that requires anything else.
 *
 * @since 0.1.0
 */
import { Cause, Config, ConfigProvider, Effect, type FileSystem, Layer, Predicate, Schema, SchemaIssue } from "effect"
import type { HttpClient } from "effect/http"
import type { Capabilities } from "./Capabilities.js"
import type { HostPublicUrl } from "./HostPublicUrl.js"
import { specificationVersion as currentSpecificationVersion } from "./IdentityProvider.js"
import type { ProviderRegistry } from "./ProviderRegistry.js"

/** Marks a value made by {@link make}; checked by {@link isAdapterModule} across copies of this package. @since 0.1.0 */
export const TypeId = "~@assure/provider/AdapterModule" as const

/** The specification version this package implements, which a host requires of every module. @since 0.1.0 */
export const specificationVersion = currentSpecificationVersion

/**
 * Everything a host provides to an adapter's layer, and nothing more: the registry, an HTTP client, a file system and
 * the host's public URL.
 *
 * @since 0.1.0
 */
export type HostServices = ProviderRegistry | HttpClient.HttpClient | FileSystem.FileSystem | HostPublicUrl

/** An adapter's configuration: one `Config` per field, each naming its variable without the prefix. @since 0.1.0 */
export type ConfigFields<C> = { readonly [K in keyof C]: Config.Config<C[K]> }

/** A loadable adapter. @since 0.1.0 */
export interface AdapterModule<in out C = unknown, out E = unknown, out R extends HostServices = HostServices> {
  readonly [TypeId]: typeof TypeId
  /** The provider's name in the registry (`onfido`); a host refuses two modules with the same name. */
  readonly name: string
  /** The version of the provider specification the adapter implements. */
  readonly specificationVersion: string
  /** What the provider can do. */
  readonly capabilities: Capabilities
  /** The environment prefix, upper case without the trailing `_` (`ONFIDO`). */
  readonly prefix: string
  /** The configuration, read under {@link AdapterModule.prefix}. */
  readonly config: ConfigFields<C>
  /** Registers the provider, configured. */
  layer(config: C): Layer.Layer<never, E, R>
}

/** What {@link isAdapterModule} knows of an unknown module. @since 0.1.0 */
export type Any = AdapterModule<unknown, unknown, HostServices>

const prefixPattern = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/

/**
 * Declares an adapter module. The layer's requirements must be among {@link HostServices}; any other requirement is a
 * compile error.
 *
 * @since 0.1.0
 */
export const make = <C, E, R extends HostServices>(definition: {
  readonly name: string
  readonly specificationVersion: string
  readonly capabilities: Capabilities
  readonly prefix: string
  readonly config: ConfigFields<C>
  readonly layer: (config: C) => Layer.Layer<never, E, R>
}): AdapterModule<C, E, R> => {
  if (!prefixPattern.test(definition.prefix)) {
    throw new TypeError(
      `Adapter "${definition.name}": prefix ${JSON.stringify(definition.prefix)} must be upper-case letters, digits and single underscores, such as ACME`
    )
  }
  return {
    [TypeId]: TypeId,
    name: definition.name,
    specificationVersion: definition.specificationVersion,
    capabilities: definition.capabilities,
    prefix: definition.prefix,
    config: definition.config,
    layer: definition.layer
  }
}

const capabilityNames = [
  "documentImages",
  "selfie",
  "video",
  "chipData",
  "redirect",
  "hostedFlow",
  "webhooks",
  "polling",
  "cancel"
] as const

/**
 * Whether an unknown value (a module's export) is an adapter module: how a host checks what it imported.
 *
 * @since 0.1.0
 */
export const isAdapterModule = (u: unknown): u is Any =>
  Predicate.isObject(u) &&
  Predicate.hasProperty(u, TypeId) &&
  u[TypeId] === TypeId &&
  Predicate.hasProperty(u, "name") &&
  typeof u.name === "string" &&
  u.name.length > 0 &&
  Predicate.hasProperty(u, "specificationVersion") &&
  typeof u.specificationVersion === "string" &&
  Predicate.hasProperty(u, "prefix") &&
  typeof u.prefix === "string" &&
  prefixPattern.test(u.prefix) &&
  Predicate.hasProperty(u, "capabilities") &&
  Predicate.isObject(u.capabilities) &&
  capabilityNames.every(
    (name) =>
      Predicate.hasProperty(u.capabilities, name) &&
      typeof (u.capabilities as Record<string, unknown>)[name] === "boolean"
  ) &&
  Predicate.hasProperty(u, "config") &&
  Predicate.isObject(u.config) &&
  Object.values(u.config).every(Config.isConfig) &&
  Predicate.hasProperty(u, "layer") &&
  typeof u.layer === "function"

/** One thing wrong with an adapter's configuration: the variable and what is wrong with it. @since 0.1.0 */
export interface ConfigProblem {
  readonly variable: string
  readonly problem: string
}

/** An adapter's configuration is unusable; lists every problem found, each naming its variable. @since 0.1.0 */
export class ConfigurationError extends Schema.TaggedError<ConfigurationError>(
  "@assure/provider/AdapterModule/ConfigurationError"
)("ConfigurationError", {
  adapter: Schema.String,
  problems: Schema.Array(Schema.Struct({ variable: Schema.String, problem: Schema.String }))
}) {
  override get message(): string {
    return `adapter ${this.adapter}: ${this.problems.map(({ variable, problem }) => `${variable} ${problem}`).join("; ")}`
  }
}

/** The problems of one failed field, each naming a variable; `read` holds the variables it read, and which were set. */
const problemsOf = (
  error: Config.ConfigError,
  prefix: string,
  read: ReadonlyMap<string, boolean>
): ReadonlyArray<ConfigProblem> => {
  const fallback = [...read.keys()].at(-1) ?? "(unknown variable)"
  const describe = (variable: string, message: string): ConfigProblem => ({
    variable,
    problem: read.get(variable) === false ? "is missing" : `is invalid: ${message}`
  })
  if (Schema.isSchemaError(error.cause)) {
    const { issues } = SchemaIssue.makeFormatterStandardSchemaV1()(error.cause.issue)
    return issues.map((issue) => {
      const path = (issue.path ?? []).map((segment) =>
        typeof segment === "object" && segment !== null && "key" in segment ? String(segment.key) : String(segment)
      )
      return describe(path.length > 0 ? `${prefix}_${path.join("_")}` : fallback, issue.message)
    })
  }
  return [describe(fallback, error.cause.message)]
}

/**
 * Reads a module's configuration from the current `ConfigProvider` (the environment by default), under its prefix.
 * Every field is read, so the error lists every problem, not only the first.
 *
 * @since 0.1.0
 */
export const readConfig = <C, E, R extends HostServices>(
  module: AdapterModule<C, E, R>
): Effect.Effect<C, ConfigurationError> =>
  Effect.gen(function* () {
    const base = yield* ConfigProvider.ConfigProvider
    const values: Record<string, unknown> = {}
    const problems: Array<ConfigProblem> = []
    for (const [key, config] of Object.entries<Config.Config<unknown>>(module.config)) {
      const read = new Map<string, boolean>()
      const recording = underPrefix(base, module.prefix, (variable, present) => read.set(variable, present))
      const result = yield* Effect.result(config.parse(recording))
      if (result._tag === "Success") values[key] = result.success
      else problems.push(...problemsOf(result.failure, module.prefix, read))
    }
    if (problems.length > 0) return yield* new ConfigurationError({ adapter: module.name, problems })
    return values as C
  })

/**
 * A `ConfigProvider` that reads a module's variable `NAME` as `<prefix>_NAME`: the first path segment gets the
 * prefix, so flat sources (`fromEnv`, `fromUnknown({ ONFIDO_API_TOKEN: … })`) both work.
 */
const underPrefix = (
  provider: ConfigProvider.ConfigProvider,
  prefix: string,
  onLoad?: (variable: string, present: boolean) => void
): ConfigProvider.ConfigProvider =>
  ConfigProvider.make((path) => {
    const [first, ...rest] = path
    const prefixed = first === undefined ? [prefix] : [`${prefix}_${String(first)}`, ...rest]
    const loaded = provider.load(prefixed)
    return onLoad === undefined
      ? loaded
      : Effect.tap(loaded, (node) =>
          Effect.sync(() => {
            onLoad(prefixed.map(String).join("_"), node !== undefined)
          })
        )
  })

/**
 * The module's configuration read at once from the current `ConfigProvider`, under its prefix; stops at the first
 * problem (a host uses {@link readConfig}, which reports them all).
 *
 * @since 0.1.0
 */
export const config = <C, E, R extends HostServices>(
  module: AdapterModule<C, E, R>
): Effect.Effect<C, Config.ConfigError> =>
  Effect.gen(function* () {
    const provider = yield* ConfigProvider.ConfigProvider
    const all = Config.all(module.config as Record<string, Config.Config<unknown>>)
    return (yield* all.parse(underPrefix(provider, module.prefix))) as C
  })

/**
 * The module's layer configured from the environment: what a library user runs in place of a host.
 *
 * @since 0.1.0
 */
export const layerConfig = <C, E, R extends HostServices>(
  module: AdapterModule<C, E, R>
): Layer.Layer<never, E | ConfigurationError, R> =>
  Layer.unwrap(Effect.map(readConfig(module), (config) => module.layer(config)))

/** Formats the cause of a failed adapter layer as one line, for start-up messages. @since 0.1.0 */
export const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return Predicate.isObject(error) && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)
}
