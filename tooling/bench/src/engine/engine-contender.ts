/**
 * The engine as an application embeds it: `Engine.layerSingleRunner` over the database, the sandbox provider with
 * no latency, files in a folder, personal data sealed with a fresh key, `NotificationClient.layerFetch` for the
 * notifications (to the bench's receiver on loopback, which the outbound policy allows here), and the default
 * `EngineConfig`. A verification is what a client and a provider do through the API: create a dossier
 * with userData, upload a front image, create a sandbox process that waits ("pending"), request verification, and
 * then the provider's signed webhook arrives, handled in-process.
 */
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
import { SandboxProvider, SandboxWebhook } from "@assure/sandbox"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { type Duration, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { type Contender, makeLaps } from "./contender.ts"
import { type DatabaseSpec, layerFor } from "./databases.ts"
import { countStatementsInto, type StatementCounts } from "./statement-counter.ts"

const tenant = Tenant.TenantId.make("bench")
const webhookSecret = Redacted.make("whsec_bench")
const userData = { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12", nationality: "DEU" }
/** A few bytes with a JPEG signature: the engine sniffs the type from the bytes. */
const front = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01])

export interface EngineOptions {
  readonly database: DatabaseSpec
  readonly filesFolder: string
  /** The cluster's `entityMessagePollInterval` and `entityReplyPollInterval` (`Engine.Options.pollInterval`). */
  readonly pollInterval: Duration.Input
  /** Count the SQL statements run, into this record. */
  readonly statementCounts?: StatementCounts | undefined
}

const engineLayer = (options: EngineOptions) => {
  const storage = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(Layer.provideMerge(layerFor(options.database)))
  const providers = SandboxProvider.layer({ webhookSecrets: [webhookSecret], latency: 0 }).pipe(
    Layer.provideMerge(ProviderRegistry.layer)
  )
  const files = FileStore.layerDirectory(options.filesFolder).pipe(
    Layer.provide([NodeFileSystem.layer, NodePath.layer])
  )
  const cipher = Layer.orDie(
    PersonalDataCipher.layer({ activeKeyId: "bench", keys: { bench: Redacted.make(PersonalDataCipher.generateKey()) } })
  )
  // The receiver listens on loopback over http: allowed for the bench, explicitly.
  const outbound = Layer.orDie(OutboundPolicy.layer({ allowHttp: true, allowedNetworks: ["127.0.0.0/8"] }))
  const engine = Engine.layerSingleRunner({ pollInterval: options.pollInterval }).pipe(
    Layer.provideMerge(Layer.mergeAll(storage, providers, files, cipher, outbound, NotificationClient.layerFetch))
  )
  // Merged, so that the statements of the calls made through the runtime are counted too, not only the cluster's.
  return options.statementCounts === undefined
    ? engine
    : engine.pipe(Layer.provideMerge(countStatementsInto(options.statementCounts)))
}

const verification = (notificationUrl: string) =>
  Effect.gen(function* () {
    const dossiers = yield* Dossiers.Dossiers
    const processes = yield* Processes.Processes
    const sql = yield* SqlClient.SqlClient
    const { laps, lap } = makeLaps()

    const dossier = yield* dossiers.create(tenant, { userData })
    yield* lap
    yield* dossiers.addFile(tenant, dossier.dossierId, "front", front)
    yield* lap
    const process = yield* processes.create(tenant, dossier.dossierId, {
      provider: "sandbox",
      processType: "document",
      processParameters: { sandbox: { scenario: "pending" } },
      notificationUrl
    })
    yield* lap
    yield* processes.requestVerification(tenant, dossier.dossierId, process.processId)
    yield* lap
    // The provider knows its session reference; the bench reads it where the engine stored it.
    const rows = yield* sql<{ provider_reference: string }>`
      SELECT provider_reference FROM assure_processes WHERE id = ${process.processId}`
    const webhook = yield* SandboxWebhook.sign({
      secrets: [webhookSecret],
      reference: rows[0]?.provider_reference ?? "",
      outcome: { status: "accepted", checks: [] }
    })
    yield* (yield* Verifications.Verifications).receiveWebhook("sandbox", webhook)
    yield* lap
    return laps
  })

const count = (table: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM ${sql(table)}`
    return Number(rows[0]?.n ?? 0)
  })

/** Starts the engine (migrations, cluster tables, the sweep) and returns it as a contender. */
export const makeEngineContender = async (options: EngineOptions): Promise<Contender> => {
  const runtime = ManagedRuntime.make(engineLayer(options))
  await runtime.runPromise(Effect.void)
  return {
    verify: (notificationUrl) => runtime.runPromise(verification(notificationUrl)),
    tableSizes: () =>
      runtime.runPromise(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const delivered = yield* sql<{ n: number | string }>`
            SELECT COUNT(*) AS n FROM assure_notifications WHERE status = 'delivered'`
          // Which messages the cluster stored, by entity and kind: what the durable work did per verification.
          const messages = yield* sql<{ entity_type: string; tag: string; n: number | string }>`
            SELECT entity_type, tag, COUNT(*) AS n FROM cluster_messages GROUP BY entity_type, tag`
          return {
            assure_processes: yield* count("assure_processes"),
            "assure_notifications (delivered)": Number(delivered[0]?.n ?? 0),
            cluster_messages: yield* count("cluster_messages"),
            cluster_replies: yield* count("cluster_replies"),
            ...Object.fromEntries(
              messages.map((row) => [`cluster_messages: ${row.entity_type} ${row.tag}`, Number(row.n)])
            )
          }
        })
      ),
    close: () => runtime.dispose()
  }
}
