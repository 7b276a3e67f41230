import { Identifiers, ProcessType, ProviderName } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { Capabilities, IdentityProvider, ProviderError, ProviderRegistry } from "../src/index.js"

const Parameters = Schema.Struct({
  level: Schema.Literals(["basic", "enhanced"]),
  locale: Schema.optionalKey(Schema.String)
})

/** A minimal provider that records what `start` received. */
const makeProvider = (name: string, started: Array<unknown> = []) =>
  IdentityProvider.make({
    name: Schema.decodeUnknownSync(ProviderName.ProviderName)(name),
    capabilities: { ...Capabilities.none, polling: true },
    processTypes: [Schema.decodeUnknownSync(ProcessType.ProcessType)("document")],
    parameters: Parameters,
    documentTypes: Effect.succeed([{ documentType: "passport" }]),
    start: (request) =>
      Effect.sync(() => {
        started.push(request.parameters)
        return { reference: "ref-1", status: "pending" as const }
      }),
    fetchResult: () => Effect.succeed({ status: "processing", providerSpecific: {}, checks: [], files: [] }),
    verifyWebhook: () =>
      Effect.fail(ProviderError.make(name, new ProviderError.WebhookSignatureInvalid(), { description: "none" }))
  })

const request = (parameters: unknown, processType = "document") => ({
  dossierId: Identifiers.DossierId.make("d-1"),
  processId: Identifiers.ProcessId.make("p-1"),
  processType: processType as ProcessType.ProcessType,
  parameters,
  files: [],
  idempotencyKey: "k-1"
})

describe("IdentityProvider.make", () => {
  it.effect("validates provider parameters strictly before start sees them", () =>
    Effect.gen(function* () {
      const started: Array<unknown> = []
      const provider = makeProvider("vendor", started)
      assert.strictEqual(provider.specificationVersion, IdentityProvider.specificationVersion)
      yield* provider.start(request({ level: "basic" }))
      assert.deepStrictEqual(started, [{ level: "basic" }])

      const error = yield* Effect.flip(provider.start(request({ level: "premium", colour: "blue" })))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      if (error.reason._tag === "InvalidRequest") {
        assert.deepStrictEqual(error.reason.fields.map((field) => field.name).sort(), [
          "parameters.colour",
          "parameters.level"
        ])
      }
      assert.strictEqual(started.length, 1)
      assert.strictEqual((yield* Effect.flip(provider.validateParameters({}))).reason._tag, "InvalidRequest")
    })
  )

  it.effect("refuses process types the provider does not run, and operations it lacks", () =>
    Effect.gen(function* () {
      const provider = makeProvider("vendor")
      const wrongType = yield* Effect.flip(provider.start(request({ level: "basic" }, "documentSelfie")))
      assert.strictEqual(wrongType.reason._tag, "InvalidRequest")
      const complete = yield* Effect.flip(provider.complete({ reference: "ref-1", params: {} }))
      assert.deepStrictEqual(
        [complete.reason._tag, complete.description],
        ["Misconfigured", "vendor does not support redirect flows"]
      )
      assert.strictEqual((yield* Effect.flip(provider.cancel({ reference: "ref-1" }))).reason._tag, "Misconfigured")
    })
  )
})

describe("ProviderRegistry", () => {
  const providers = Layer.mergeAll(
    ProviderRegistry.register(makeProvider("alpha")),
    ProviderRegistry.register(Effect.sync(() => makeProvider("beta")))
  ).pipe(Layer.provideMerge(ProviderRegistry.layer))

  it.effect("holds several providers side by side and finds them by name", () =>
    Effect.gen(function* () {
      const registry = yield* ProviderRegistry.ProviderRegistry
      assert.deepStrictEqual(yield* registry.names, ["alpha", "beta"])
      assert.strictEqual((yield* registry.get("beta")).name, "beta")
      const unknown = yield* Effect.flip(registry.get("gamma"))
      assert.strictEqual(unknown.message, 'No provider named "gamma" is configured (configured: alpha, beta)')
    }).pipe(Effect.provide(providers))
  )

  it.effect("refuses a second provider with the same name and another specification version", () =>
    Effect.gen(function* () {
      const duplicate = Layer.mergeAll(
        ProviderRegistry.register(makeProvider("alpha")),
        ProviderRegistry.register(makeProvider("alpha"))
      )
      const error = yield* Effect.flip(
        Effect.provide(Effect.void, duplicate.pipe(Layer.provide(ProviderRegistry.layer)))
      )
      assert.include(error.message, "already registered")

      const future = {
        ...makeProvider("future"),
        specificationVersion: "2"
      } as unknown as IdentityProvider.IdentityProvider
      const versionError = yield* Effect.flip(
        Effect.provide(Effect.void, ProviderRegistry.register(future).pipe(Layer.provide(ProviderRegistry.layer)))
      )
      assert.include(versionError.message, "specification 2")
    })
  )
})
