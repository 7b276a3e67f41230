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
import { FileStore, Tenant } from "@assure/engine"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Layer, ManagedRuntime, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import * as EmbeddedStore from "../../../../apps/server/dist/server/EmbeddedStore.js"
import { engineServices } from "../engine-services.ts"

const webhookSecret = Redacted.make("whsec_bench_archive")

export const tenant = Tenant.TenantId.make("bench-archive")

const servicesLayer = (database: Layer.Layer<SqlClient.SqlClient>, filesFolder: string) =>
  engineServices({
    database,
    webhookSecret,
    // On disk, as the server keeps them: the in-memory store would hold every file in the heap and hide what the
    // archive costs.
    fileStore: FileStore.layerDirectory(filesFolder).pipe(Layer.provide([NodeFileSystem.layer, NodePath.layer]))
  })

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
