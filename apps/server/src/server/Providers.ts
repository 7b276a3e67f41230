/**
 * The identity providers the server can run, and the layer that registers those `ASSURE_PROVIDERS` enables.
 *
 * The sandbox is configured from the server's own settings (it delivers its webhooks to this server). Every vendor
 * adapter reads its credentials from its own environment variables through its `layerConfig` (listed in
 * docs/configuration.md and in each adapter's README); a variable missing or malformed stops the start with a
 * message that names the provider and the variable.
 */
import { ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { ConfigurationError, type providerNames, type Settings } from "./ServerConfig.js"

/** The sandbox delivers its webhooks to this server's own webhook endpoint, signed, as a real provider would. */
const sandbox = (settings: Settings) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      return SandboxProvider.layer({
        webhookSecrets: [settings.sandboxWebhookSecret],
        latency: settings.sandboxLatency,
        deliver: (webhook) =>
          client
            .execute(
              HttpClientRequest.post(`${settings.publicUrl}/webhooks/sandbox`).pipe(
                HttpClientRequest.setHeaders(webhook.headers),
                HttpClientRequest.bodyUint8Array(webhook.rawBody, "application/json")
              )
            )
            .pipe(
              Effect.asVoid,
              Effect.catch((error) =>
                Effect.logWarning("the sandbox could not deliver a webhook", { reason: error._tag })
              )
            )
      })
    })
  )

type Requirements = ProviderRegistry.ProviderRegistry | HttpClient.HttpClient

type ProviderLayer = Layer.Layer<never, ConfigurationError | ProviderRegistry.RegistrationError, Requirements>

/**
 * Reports why a provider's configuration is unusable — a variable missing or malformed, a trust-store file unreadable
 * — as a configuration error that names the provider.
 */
const fromEnvironment = <E extends { readonly message: string }>(
  name: string,
  layer: Layer.Layer<never, E | ProviderRegistry.RegistrationError, Requirements>
): ProviderLayer =>
  Layer.catch(layer, (error) =>
    Layer.effectDiscard(
      Effect.fail(
        error instanceof ProviderRegistry.RegistrationError
          ? error
          : new ConfigurationError({
              setting: "ASSURE_PROVIDERS",
              problem: `${name} is enabled, but its configuration is incomplete: ${error.message}`
            })
      )
    )
  )

/**
 * A vendor adapter, loaded only when enabled: each brings its own dependencies (pkijs, openid-client, …), which a
 * server that does not run it should not spend its start-up on.
 */
const lazily = (load: () => Promise<ProviderLayer>): ProviderLayer => Layer.unwrap(Effect.promise(load))

/** Each provider the server knows, and how it is configured. */
const catalog = {
  sandbox: (settings: Settings): ProviderLayer => sandbox(settings),
  onfido: (): ProviderLayer =>
    lazily(async () => fromEnvironment("onfido", (await import("@assure/onfido")).OnfidoProvider.layerConfig)),
  "stripe-identity": (): ProviderLayer =>
    lazily(async () =>
      fromEnvironment("stripe-identity", (await import("@assure/stripe-identity")).StripeIdentityProvider.layerConfig)
    ),
  veriff: (): ProviderLayer =>
    lazily(async () => fromEnvironment("veriff", (await import("@assure/veriff")).VeriffProvider.layerConfig)),
  oidc: (): ProviderLayer =>
    lazily(async () => fromEnvironment("oidc", (await import("@assure/oidc")).OidcProvider.layerConfig)),
  // Reads its trust store (CSCA certificates, master lists, CRLs) from files at start.
  icao: (): ProviderLayer =>
    lazily(async () =>
      fromEnvironment(
        "icao",
        (await import("@assure/icao")).IcaoProvider.layerConfig.pipe(Layer.provide(NodeFileSystem.layer))
      )
    )
} as const satisfies Record<(typeof providerNames)[number], (settings: Settings) => ProviderLayer>

const isKnown = (name: string): name is keyof typeof catalog => Object.hasOwn(catalog, name)

/** A registry holding every provider `settings.providers` enables. */
export const layer = (settings: Settings) =>
  Layer.mergeAll(Layer.empty, ...settings.providers.filter(isKnown).map((name) => catalog[name](settings))).pipe(
    Layer.provideMerge(ProviderRegistry.layer)
  )
