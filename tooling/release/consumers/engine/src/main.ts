/**
 * An application embedding the engine: a dossier with a document and a selfie, a sandbox verification that ends
 * accepted, and the match of the result against the client's data — stored in a SQLite file, encrypted at rest.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  Dossiers,
  Engine,
  FileStore,
  Migrations,
  NotificationClient,
  OutboundPolicy,
  PersonalDataCipher,
  Processes,
  Tenant,
  Verifications
} from "@assure/engine"
import { ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"

const dataFolder = mkdtempSync(join(tmpdir(), "release-proof-engine-"))

const Database = Layer.effectDiscard(Migrations.run).pipe(
  Layer.provideMerge(SqliteClient.layer({ filename: join(dataFolder, "assure.db") }))
)
const Providers = SandboxProvider.layer({ webhookSecrets: [Redacted.make("whsec_release_proof")] }).pipe(
  Layer.provideMerge(ProviderRegistry.layer)
)
const Keys = PersonalDataCipher.layer({
  activeKeyId: "proof",
  keys: { proof: Redacted.make(PersonalDataCipher.generateKey()) }
})
// The whole engine on one runner: the services and the durable work that follows up on them.
const AssureEngine = Engine.layerSingleRunner().pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      Database,
      Providers,
      FileStore.layerMemory,
      Keys,
      OutboundPolicy.layerStrict,
      NotificationClient.layerFetch
    )
  )
)

// A 1×1 PNG and the first bytes of a JPEG: file types are sniffed from the bytes.
const png = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (char) => char.charCodeAt(0)
)
const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01])

const tenant = Tenant.TenantId.make("release-proof")

const verification = Effect.gen(function* () {
  const dossiers = yield* Dossiers.Dossiers
  const processes = yield* Processes.Processes
  const dossier = yield* dossiers.create(tenant, {
    externalReference: "customer-42",
    userData: { firstName: "Ola", lastName: "Nordmann", dateOfBirth: "1990-01-31" }
  })
  yield* dossiers.addFile(tenant, dossier.dossierId, "front", jpeg)
  yield* dossiers.addFile(tenant, dossier.dossierId, "selfie", png)
  const process = yield* processes.create(tenant, dossier.dossierId, {
    provider: "sandbox",
    processType: "documentSelfie",
    processParameters: {}
  })
  yield* processes.requestVerification(tenant, dossier.dossierId, process.processId)
  const done = yield* (yield* Verifications.Verifications).refresh(process.processId)
  const report = yield* processes.match(tenant, dossier.dossierId, process.processId)
  // The identity data is stored encrypted: the name is nowhere in the database file's rows.
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<Record<string, unknown>>`SELECT * FROM assure_dossiers`
  const plaintext = JSON.stringify(rows, (_, value) => (value instanceof Uint8Array ? [...value] : value))
  return { status: done.status, finalResult: done.finalResult, lastName: report.fields.lastName, plaintext }
})

const result = await Effect.runPromise(verification.pipe(Effect.provide(AssureEngine)))
rmSync(dataFolder, { recursive: true, force: true })

if (result.status !== "accepted" || result.finalResult?.lastName !== "Nordmann" || result.lastName !== "match") {
  console.error(`unexpected verification: ${JSON.stringify(result)}`)
  process.exit(1)
}
if (result.plaintext.includes("Nordmann")) {
  console.error("the identity data was stored in plain text")
  process.exit(1)
}
console.log(`engine: verification ${result.status}, ${result.finalResult.lastName} matched`)
