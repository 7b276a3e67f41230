/**
 * The providers an application runs, side by side, looked up by name at run time.
 *
 * Each adapter's layer registers its provider here, so an application picks its set by merging layers:
 *
 * ```ts
 * const Providers = Layer.mergeAll(SandboxProvider.layer(config), OnfidoProvider.layerConfig).pipe(
 *   Layer.provideMerge(ProviderRegistry.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema, type Scope } from "effect"
import { type IdentityProvider, specificationVersion } from "./IdentityProvider.js"

/** No provider is registered under the requested name. @since 0.1.0 */
export class UnknownProvider extends Schema.TaggedError<UnknownProvider>("@assure/provider/UnknownProvider")(
  "UnknownProvider",
  { name: Schema.String, known: Schema.Array(Schema.String) }
) {
  override get message(): string {
    return `No provider named "${this.name}" is configured (configured: ${this.known.join(", ") || "none"})`
  }
}

/** A provider could not be registered: its name is taken, or it implements another specification version. @since 0.1.0 */
export class RegistrationError extends Schema.TaggedError<RegistrationError>("@assure/provider/RegistrationError")(
  "RegistrationError",
  { name: Schema.String, problem: Schema.String }
) {
  override get message(): string {
    return `Cannot register provider "${this.name}": ${this.problem}`
  }
}

/** The registry of configured providers. @since 0.1.0 */
export class ProviderRegistry extends Context.Service<
  ProviderRegistry,
  {
    readonly register: (provider: IdentityProvider) => Effect.Effect<void, RegistrationError>
    readonly get: (name: string) => Effect.Effect<IdentityProvider, UnknownProvider>
    readonly names: Effect.Effect<ReadonlyArray<string>>
  }
>()("@assure/provider/ProviderRegistry") {}

/** An empty registry, for adapter layers to register into. @since 0.1.0 */
export const layer: Layer.Layer<ProviderRegistry> = Layer.sync(ProviderRegistry, () => {
  const providers = new Map<string, IdentityProvider>()
  return ProviderRegistry.of({
    register: (provider) => {
      if (provider.specificationVersion !== specificationVersion) {
        return Effect.fail(
          new RegistrationError({
            name: provider.name,
            problem: `it implements specification ${provider.specificationVersion}, this registry expects ${specificationVersion}`
          })
        )
      }
      if (providers.has(provider.name)) {
        return Effect.fail(
          new RegistrationError({ name: provider.name, problem: "a provider with this name is already registered" })
        )
      }
      return Effect.sync(() => {
        providers.set(provider.name, provider)
      })
    },
    get: (name) => {
      const provider = providers.get(name)
      return provider === undefined
        ? Effect.fail(new UnknownProvider({ name, known: [...providers.keys()].sort() }))
        : Effect.succeed(provider)
    },
    names: Effect.sync(() => [...providers.keys()].sort())
  })
})

/**
 * A layer that registers a provider when built: what each adapter's `layer` is made of. A provider built by an
 * effect runs in the layer's scope, so fibers it forks live as long as the application.
 *
 * @example
 * ```ts
 * export const layer = ProviderRegistry.register(Effect.map(SandboxConfig, makeSandboxProvider))
 * ```
 * @since 0.1.0
 */
export function register(provider: IdentityProvider): Layer.Layer<never, RegistrationError, ProviderRegistry>
export function register<E, R>(
  provider: Effect.Effect<IdentityProvider, E, R>
): Layer.Layer<never, E | RegistrationError, Exclude<R, Scope.Scope> | ProviderRegistry>
export function register<E, R>(
  provider: IdentityProvider | Effect.Effect<IdentityProvider, E, R>
): Layer.Layer<never, E | RegistrationError, Exclude<R, Scope.Scope> | ProviderRegistry> {
  return Layer.effectDiscard(
    Effect.gen(function* () {
      const registry = yield* ProviderRegistry
      yield* registry.register(Effect.isEffect(provider) ? yield* provider : provider)
    })
  )
}
