/**
 * The engine's services as the server wires them for the review console: `Reviews` over `Captures`, `Dossiers`,
 * `Processes` and `Verifications`, on the server's embedded store (`EmbeddedStore.layer`, `synchronous = NORMAL`) or
 * on a PostgreSQL database, with personal data sealed by the server's `node:crypto` AES-GCM (`NodeAesGcm`) and the
 * sandbox provider without latency. Nothing listens to the lifecycle's signals: the bench asks the sandbox for each
 * result itself (`Verifications.refresh`), as the engine's tests do.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Captures, Dossiers, Processes, Reviews, Tenant, Verifications } from "@assure/engine"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import * as EmbeddedStore from "../../../../apps/server/dist/server/EmbeddedStore.js"
import { type DatabaseSpec, layerFor } from "../engine/databases.ts"
import { engineServices } from "../engine-services.ts"

const webhookSecret = Redacted.make("whsec_bench_review_queue")

export const tenant = Tenant.TenantId.make("bench-review")

const servicesLayer = (database: Layer.Layer<SqlClient.SqlClient>) =>
  Reviews.layer.pipe(
    Layer.provideMerge(Captures.layer),
    Layer.provideMerge(engineServices({ database, webhookSecret }))
  )

/** A folder for the embedded store, removed by `remove`. */
export const makeSqliteDatabase = (): { readonly spec: DatabaseSpec; readonly remove: () => void } => {
  const folder = mkdtempSync(join(tmpdir(), "assure-bench-review-"))
  return {
    spec: { kind: "sqlite", filename: join(folder, "assure.db") },
    remove: () => rmSync(folder, { recursive: true, force: true })
  }
}

/** The services on `spec`'s database (SQLite as the server's embedded store); `dispose` closes them. */
export const makeServices = (spec: DatabaseSpec) => {
  const database =
    spec.kind === "sqlite"
      ? Layer.orDie(EmbeddedStore.layer({ dataDirectory: join(spec.filename, ".."), synchronous: "normal" }))
      : layerFor(spec)
  const runtime = ManagedRuntime.make(servicesLayer(database))
  return { runtime, dispose: () => runtime.dispose() }
}

/** The start of a JPEG: what the engine checks of a photo's bytes (no size: the bench adds no capture). */
const jpeg = Uint8Array.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x42, 0x45, 0x4e, 0x43, 0x48, 0x00
])

/** The nationalities of the queue's people, in turn. */
const nationalities = ["NOR", "PRT", "DEU", "POL"] as const

/** One process for the queue: a dossier with sealed userData and a front image, verified `inconclusive`. */
export const queueCase = (index: number) =>
  Effect.gen(function* () {
    const dossiers = yield* Dossiers.Dossiers
    const processes = yield* Processes.Processes
    const dossier = yield* dossiers.create(tenant, {
      userData: { firstName: "Maria", lastName: "Silva", nationality: nationalities[index % nationalities.length] }
    })
    yield* dossiers.addFile(tenant, dossier.dossierId, "front", jpeg)
    const process = yield* processes.create(tenant, dossier.dossierId, {
      provider: "sandbox",
      processType: "document",
      processParameters: { sandbox: { scenario: "inconclusive" } }
    })
    yield* processes.requestVerification(tenant, dossier.dossierId, process.processId)
    yield* Effect.flatMap(Verifications.Verifications, (verifications) => verifications.refresh(process.processId))
  }).pipe(Effect.orDie)
