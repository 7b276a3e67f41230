import { AdapterModule, HostPublicUrl, ProviderRegistry } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Deferred, Effect, Layer, Redacted } from "effect"
import { HttpClient, type HttpClientRequest, HttpClientResponse } from "effect/http"
import { adapter } from "../src/index.js"
import * as Testing from "../src/testing.js"

/** An HTTP client that hands each request to `received` and answers 204. */
const recordingClient = (received: Deferred.Deferred<HttpClientRequest.HttpClientRequest>) =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.as(
        Deferred.succeed(received, request),
        HttpClientResponse.fromWeb(request, new Response(null, { status: 204 }))
      )
    )
  )

describe("the sandbox's adapter module", () => {
  it("is a loadable module named sandbox, configured under ASSURE_SANDBOX", () => {
    assert.isTrue(AdapterModule.isAdapterModule(adapter))
    assert.strictEqual(adapter.name, "sandbox")
    assert.strictEqual(adapter.prefix, "ASSURE_SANDBOX")
  })

  it.effect("reads its secret and latency, and reports a malformed latency by its variable", () =>
    Effect.gen(function* () {
      const config = yield* AdapterModule.readConfig(adapter).pipe(
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromEnv({ env: { ASSURE_SANDBOX_WEBHOOK_SECRET: "whsec_a, whsec_b" } })
        )
      )
      assert.deepStrictEqual(
        config.webhookSecrets._tag === "Some" ? config.webhookSecrets.value.map(Redacted.value) : [],
        ["whsec_a", "whsec_b"]
      )
      const error = yield* Effect.flip(
        AdapterModule.readConfig(adapter).pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromEnv({ env: { ASSURE_SANDBOX_LATENCY: "soon" } })
          )
        )
      )
      assert.deepStrictEqual(
        error.problems.map((problem) => problem.variable),
        ["ASSURE_SANDBOX_LATENCY"]
      )
    })
  )

  it.live("delivers its signed webhook to the host's public URL", () =>
    Effect.gen(function* () {
      const received = yield* Deferred.make<HttpClientRequest.HttpClientRequest>()
      yield* Effect.gen(function* () {
        const sandbox = yield* (yield* ProviderRegistry.ProviderRegistry).get("sandbox")
        yield* sandbox.start(Testing.startRequest("accepted"))
        const request = yield* Deferred.await(received)
        assert.strictEqual(request.url, "https://assure.test/webhooks/sandbox")
        assert.match(request.headers["sandbox-signature"] ?? "", /^t=\d+,v1=[0-9a-f]{64}$/)
      }).pipe(
        Effect.provide(
          AdapterModule.layerConfig(adapter).pipe(
            Layer.provideMerge(ProviderRegistry.layer),
            Layer.provide([recordingClient(received), HostPublicUrl.layer("https://assure.test/")]),
            Layer.provide(
              ConfigProvider.layer(
                ConfigProvider.fromEnv({
                  env: { ASSURE_SANDBOX_WEBHOOK_SECRET: "whsec_test", ASSURE_SANDBOX_LATENCY: "10 millis" }
                })
              )
            )
          )
        )
      )
    })
  )
})
