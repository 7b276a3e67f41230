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
import { StripeIdentityProvider } from "@assure/stripe-identity"
import { VeriffProvider } from "@assure/veriff"
import { type Config, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { ConfigurationError, type Settings } from "./ServerConfig.js"

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

/** Reports a provider's missing or malformed variable as a configuration error that names the provider. */
const fromEnvironment = (
  name: string,
  layer: Layer.Layer<never, Config.ConfigError | ProviderRegistry.RegistrationError, Requirements>
): ProviderLayer =>
  Layer.catchTag(layer, "ConfigError", (error) =>
    Layer.effectDiscard(
      Effect.fail(
        new ConfigurationError({
          setting: "ASSURE_PROVIDERS",
          problem: `${name} is enabled, but its configuration is incomplete: ${error.message}`
        })
      )
    )
  )

/** Each provider the server knows, and how it is configured. */
const catalog = {
  sandbox: (settings: Settings): ProviderLayer => sandbox(settings),
  "stripe-identity": (): ProviderLayer => fromEnvironment("stripe-identity", StripeIdentityProvider.layerConfig),
  veriff: (): ProviderLayer => fromEnvironment("veriff", VeriffProvider.layerConfig)
} as const satisfies Record<string, (settings: Settings) => ProviderLayer>

/** The provider names `ASSURE_PROVIDERS` accepts. */
export const known: ReadonlyArray<string> = Object.keys(catalog)

/** Whether `name` is a provider the server can run. */
export const isKnown = (name: string): name is keyof typeof catalog => Object.hasOwn(catalog, name)

/** A registry holding every provider `settings.providers` enables. */
export const layer = (settings: Settings) =>
  Layer.mergeAll(Layer.empty, ...settings.providers.filter(isKnown).map((name) => catalog[name](settings))).pipe(
    Layer.provideMerge(ProviderRegistry.layer)
  )
