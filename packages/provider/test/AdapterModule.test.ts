import { ProcessType, ProviderName } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Config, ConfigProvider, Context, Effect, Layer, Redacted, Schema } from "effect"
import { HttpClient } from "effect/http"
import {
  AdapterModule,
  Capabilities,
  HostPublicUrl,
  IdentityProvider,
  ProviderError,
  ProviderRegistry
} from "../src/index.js"

const configured: Array<string> = []

const provider = (name: string) =>
  IdentityProvider.make({
    name: Schema.decodeUnknownSync(ProviderName.ProviderName)(name),
    capabilities: { ...Capabilities.none, polling: true },
    processTypes: [Schema.decodeUnknownSync(ProcessType.ProcessType)("document")],
    parameters: Schema.Struct({}),
    documentTypes: Effect.succeed([{ documentType: "passport" }]),
    start: () => Effect.succeed({ reference: "ref-1", status: "pending" as const }),
    fetchResult: () => Effect.succeed({ status: "processing", providerSpecific: {}, checks: [], files: [] }),
    verifyWebhook: () =>
      Effect.fail(ProviderError.make(name, new ProviderError.WebhookSignatureInvalid(), { description: "none" }))
  })

const acme = AdapterModule.make({
  name: "acme",
  specificationVersion: AdapterModule.specificationVersion,
  capabilities: { ...Capabilities.none, polling: true },
  prefix: "ACME",
  config: {
    apiKey: Config.Redacted("API_KEY"),
    retries: Config.Int("RETRIES").pipe(Config.withDefault(3)),
    baseUrl: Config.String("BASE_URL").pipe(Config.withDefault("https://api.acme.test"))
  },
  layer: (config) =>
    ProviderRegistry.register(
      Effect.sync(() => {
        configured.push(`${config.baseUrl}#${config.retries}`)
        return provider("acme")
      })
    )
})

const withEnv = (env: Record<string, string>) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

describe("AdapterModule", () => {
  it.effect("reads each variable as <prefix>_<name>", () =>
    Effect.gen(function* () {
      const config = yield* AdapterModule.readConfig(acme).pipe(
        withEnv({ ACME_API_KEY: "k-1", ACME_RETRIES: "5", API_KEY: "not this one" })
      )
      assert.strictEqual(Redacted.value(config.apiKey), "k-1")
      assert.strictEqual(config.retries, 5)
      assert.strictEqual(config.baseUrl, "https://api.acme.test")
    })
  )

  it.effect("reports every problem, each naming its variable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(AdapterModule.readConfig(acme).pipe(withEnv({ ACME_RETRIES: "many" })))
      assert.strictEqual(error.adapter, "acme")
      assert.deepStrictEqual(
        error.problems.map((problem) => problem.variable),
        ["ACME_API_KEY", "ACME_RETRIES"]
      )
      assert.strictEqual(error.problems[0]?.problem, "is missing")
      assert.match(error.message, /^adapter acme: ACME_API_KEY is missing; ACME_RETRIES is invalid/)
    })
  )

  it.effect("layerConfig registers the configured provider", () =>
    Effect.gen(function* () {
      const registry = yield* ProviderRegistry.ProviderRegistry
      assert.strictEqual((yield* registry.get("acme")).name, "acme")
      assert.deepStrictEqual(configured, ["https://other.test#3"])
    }).pipe(
      Effect.provide(AdapterModule.layerConfig(acme).pipe(Layer.provideMerge(ProviderRegistry.layer)), { local: true }),
      withEnv({ ACME_API_KEY: "k", ACME_BASE_URL: "https://other.test" })
    )
  )

  it.effect("config reads the same variables at once, from flat sources too", () =>
    Effect.gen(function* () {
      const config = yield* AdapterModule.config(acme).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown({ ACME_API_KEY: "k-2" }))
      )
      assert.strictEqual(Redacted.value(config.apiKey), "k-2")
      const error = yield* Effect.flip(AdapterModule.config(acme).pipe(withEnv({})))
      assert.strictEqual(error._tag, "ConfigError")
    })
  )

  it("isAdapterModule accepts a made module and refuses look-alikes", () => {
    assert.isTrue(AdapterModule.isAdapterModule(acme))
    assert.isTrue(AdapterModule.isAdapterModule({ ...acme }))
    assert.isFalse(AdapterModule.isAdapterModule(undefined))
    assert.isFalse(AdapterModule.isAdapterModule({ ...acme, [AdapterModule.TypeId]: undefined }))
    assert.isFalse(AdapterModule.isAdapterModule({ ...acme, layer: "not a function" }))
    assert.isFalse(AdapterModule.isAdapterModule({ ...acme, prefix: "acme" }))
    assert.isFalse(AdapterModule.isAdapterModule({ ...acme, capabilities: { polling: true } }))
    assert.isFalse(AdapterModule.isAdapterModule({ ...acme, config: { apiKey: "ACME_API_KEY" } }))
  })

  it("make refuses a prefix that is not upper-case words", () => {
    assert.throws(
      () =>
        AdapterModule.make({
          name: "bad",
          specificationVersion: "1",
          capabilities: Capabilities.none,
          prefix: "bad_",
          config: {},
          layer: () => Layer.empty
        }),
      /prefix "bad_"/
    )
  })

  it("a layer may require only the host services", () => {
    const usesHost = AdapterModule.make({
      name: "host",
      specificationVersion: "1",
      capabilities: Capabilities.none,
      prefix: "HOST",
      config: {},
      layer: () =>
        Layer.effectDiscard(
          Effect.gen(function* () {
            yield* HttpClient.HttpClient
            yield* HostPublicUrl.HostPublicUrl
          })
        )
    })
    assert.strictEqual(usesHost.name, "host")

    class Database extends Context.Service<Database, { readonly url: string }>()("test/Database") {}
    AdapterModule.make({
      name: "greedy",
      specificationVersion: "1",
      capabilities: Capabilities.none,
      prefix: "GREEDY",
      config: {},
      // @ts-expect-error an adapter cannot require a service the host does not list
      layer: () => Layer.effectDiscard(Database.asEffect())
    })
  })
})

describe("HostPublicUrl", () => {
  it.effect("drops a trailing slash and builds the webhook URL", () =>
    Effect.gen(function* () {
      const host = yield* HostPublicUrl.HostPublicUrl
      assert.strictEqual(host.url, "https://assure.test")
      assert.strictEqual(
        HostPublicUrl.webhookUrl(host, "stripe-identity"),
        "https://assure.test/webhooks/stripe-identity"
      )
    }).pipe(Effect.provide(HostPublicUrl.layer("https://assure.test/")))
  )
})
