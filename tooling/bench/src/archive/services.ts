/**
 * The engine's synchronous services as the server wires them, for a finished process's full result: `Dossiers`,
 * `Processes` and `Verifications` on the server's embedded store (`EmbeddedStore.layer`, `synchronous = NORMAL`), files
 * on disk with the engine's `FileStore.layerDirectory` (as the server keeps them: the in-memory store would hold every
 * file in the heap and hide what the archive costs), personal data and files sealed with the server's `node:crypto`
 * AES-GCM (`NodeAesGcm`), and the sandbox provider without latency. Nothing listens to the lifecycle's signals: the
 * bench asks the sandbox for the result itself (`Verifications.refresh`), as the engine's tests do.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
  Tenant,
  Verifications
} from "@assure/engine"
import { ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import * as EmbeddedStore from "../../../../apps/server/dist/server/EmbeddedStore.js"
import { aesGcm as nodeAesGcm } from "../../../../apps/server/dist/server/NodeAesGcm.js"

const webhookSecret = Redacted.make("whsec_bench_archive")

export const tenant = Tenant.TenantId.make("bench-archive")

/** The key ring: one fresh key, as the server holds it. */
const keys: PersonalDataCipher.Keys = {
  activeKeyId: "bench",
  keys: { bench: Redacted.make(PersonalDataCipher.generateKey()) }
}

const servicesLayer = (database: Layer.Layer<SqlClient.SqlClient>, filesFolder: string) => {
  const storage = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(Layer.provideMerge(database))
  const providers = SandboxProvider.layer({ webhookSecrets: [webhookSecret], latency: 0 }).pipe(
    Layer.provideMerge(ProviderRegistry.layer)
  )
  return Layer.mergeAll(Dossiers.layer, Processes.layer, Verifications.layer).pipe(
    Layer.provideMerge(Router.layer),
    Layer.provideMerge(
      Layer.mergeAll(
        storage,
        // The synchronous API alone: the bench asks for the result itself, nothing needs waking.
        Layer.succeed(Lifecycle.Lifecycle, { wake: () => Effect.void, queued: () => Effect.void }),
        providers,
        FileStore.layerDirectory(filesFolder),
        Layer.orDie(PersonalDataCipher.layer(keys, nodeAesGcm)),
        OutboundPolicy.layerStrict,
        CircuitBreaker.layer()
      )
    ),
    Layer.provide(Layer.succeed(EngineConfig.EngineConfig, EngineConfig.defaults)),
    Layer.provide([NodeFileSystem.layer, NodePath.layer])
  )
}

/** The services on a new embedded store and file folder in a temporary folder; `dispose` closes them and removes it. */
export const makeServices = () => {
  const folder = mkdtempSync(join(tmpdir(), "assure-bench-archive-"))
  const database = Layer.orDie(EmbeddedStore.layer({ dataDirectory: folder, synchronous: "normal" }))
  const runtime = ManagedRuntime.make(servicesLayer(database, join(folder, "files")))
  return {
    folder,
    runtime,
    dispose: async () => {
      try {
        await runtime.dispose()
      } finally {
        rmSync(folder, { recursive: true, force: true })
      }
    }
  }
}
