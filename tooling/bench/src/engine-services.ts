/**
 * The engine's synchronous services as the server wires them, for the benches that call them without HTTP:
 * `Dossiers`, `Processes` and `Verifications` over the `Router` and its `CircuitBreaker`, the migrations run on the
 * given database, personal data sealed with the server's `node:crypto` AES-GCM (`NodeAesGcm`) under one fresh key, the
 * sandbox provider without latency (and any others given), the strict outbound policy. Nothing listens to the
 * lifecycle's signals: a bench that needs a result asks the provider itself (`Verifications.refresh`).
 */
import {
  CircuitBreaker,
  Dossiers,
  EngineConfig,
  FileStore,
  Lifecycle,
  Migrations,
  OutboundPolicy,
  PersonalDataCipher,
  Processes,
  Router,
  Verifications
} from "@assure/engine"
import { ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import { Effect, Layer, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import { aesGcm as nodeAesGcm } from "../../../apps/server/dist/server/NodeAesGcm.js"

export interface EngineServicesOptions {
  readonly database: Layer.Layer<SqlClient.SqlClient>
  /** The sandbox's webhook secret. */
  readonly webhookSecret: Redacted.Redacted<string>
  /** Default: in memory. */
  readonly fileStore?: Layer.Layer<FileStore.FileStore> | undefined
  /** Providers registered beside the sandbox. */
  readonly moreProviders?: Layer.Layer<never, unknown, ProviderRegistry.ProviderRegistry> | undefined
  /** Default: `EngineConfig.defaults`. */
  readonly settings?: EngineConfig.Settings | undefined
}

/** The key ring: one fresh key, as the server holds it. */
export const freshKeys = (): PersonalDataCipher.Keys => ({
  activeKeyId: "bench",
  keys: { bench: Redacted.make(PersonalDataCipher.generateKey()) }
})

export const engineServices = (options: EngineServicesOptions) => {
  const storage = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(Layer.provideMerge(options.database))
  const providers = Layer.mergeAll(
    SandboxProvider.layer({ webhookSecrets: [options.webhookSecret], latency: 0 }),
    Layer.orDie(options.moreProviders ?? Layer.empty)
  ).pipe(Layer.provideMerge(ProviderRegistry.layer))
  return Layer.mergeAll(Dossiers.layer, Processes.layer, Verifications.layer).pipe(
    Layer.provideMerge(Router.layer),
    Layer.provideMerge(
      Layer.mergeAll(
        storage,
        Layer.succeed(Lifecycle.Lifecycle, { wake: () => Effect.void, queued: () => Effect.void }),
        providers,
        options.fileStore ?? FileStore.layerMemory,
        Layer.orDie(PersonalDataCipher.layer(freshKeys(), nodeAesGcm)),
        OutboundPolicy.layerStrict,
        CircuitBreaker.layer()
      )
    ),
    Layer.provide(Layer.succeed(EngineConfig.EngineConfig, options.settings ?? EngineConfig.defaults))
  )
}
