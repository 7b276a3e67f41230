/**
 * One engine server process of the scale-out bench (`scale-out.ts`), driven over IPC: `Engine.layer()` over a socket
 * runner of a cluster that may have other runners on the same PostgreSQL database, the sandbox provider with no
 * latency, and the default `EngineConfig`. It runs batches of verifications in-process — each what a client and a
 * provider do: create a dossier with userData, upload a front image, create a sandbox process that waits, request
 * verification, then the provider's signed webhook — and reports its own CPU time.
 *
 * Environment: ASSURE_SCALE_DATABASE (a PostgreSQL URL), ASSURE_SCALE_FILES (a folder), ASSURE_SCALE_KEY (base64
 * key), ASSURE_SCALE_PORT (the runner's port on 127.0.0.1).
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
import { NodeClusterSocket, NodeFileSystem, NodePath } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { RunnerAddress } from "effect/cluster"
import { Digest } from "effect/crypto"
import { SqlClient } from "effect/sql"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const tenant = Tenant.TenantId.make("bench")
const webhookSecret = Redacted.make("whsec_bench")
const userData = { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12", nationality: "DEU" }
/** A few bytes with a JPEG signature: the engine sniffs the type from the bytes. */
const front = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01])

const database = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(
  Layer.provideMerge(Layer.orDie(PgClient.layer({ url: Redacted.make(env("ASSURE_SCALE_DATABASE")) })))
)

const cluster = NodeClusterSocket.layer({
  storage: "sql",
  shardingConfig: { runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", Number(env("ASSURE_SCALE_PORT")))) }
}).pipe(Layer.provide(Digest.layerWebCrypto), Layer.orDie)

const App = Engine.layer().pipe(
  Layer.provide(cluster),
  Layer.provideMerge(
    Layer.mergeAll(
      database,
      SandboxProvider.layer({ webhookSecrets: [webhookSecret], latency: 0 }).pipe(
        Layer.provideMerge(ProviderRegistry.layer)
      ),
      FileStore.layerDirectory(env("ASSURE_SCALE_FILES")).pipe(Layer.provide([NodeFileSystem.layer, NodePath.layer])),
      Layer.orDie(
        PersonalDataCipher.layer({ activeKeyId: "bench", keys: { bench: Redacted.make(env("ASSURE_SCALE_KEY")) } })
      ),
      // The bench's receiver listens on loopback over http: allowed for the bench, explicitly.
      Layer.orDie(OutboundPolicy.layer({ allowHttp: true, allowedNetworks: ["127.0.0.0/8"] })),
      NotificationClient.layerFetch
    )
  )
)

const runtime = ManagedRuntime.make(App)

const verification = (notificationUrl: string) =>
  Effect.gen(function* () {
    const dossiers = yield* Dossiers.Dossiers
    const processes = yield* Processes.Processes
    const sql = yield* SqlClient.SqlClient
    const dossier = yield* dossiers.create(tenant, { userData })
    yield* dossiers.addFile(tenant, dossier.dossierId, "front", front)
    const process = yield* processes.create(tenant, dossier.dossierId, {
      provider: "sandbox",
      processType: "document",
      processParameters: { sandbox: { scenario: "pending" } },
      notificationUrl
    })
    yield* processes.requestVerification(tenant, dossier.dossierId, process.processId)
    // The provider knows its session reference; the bench reads it where the engine stored it.
    const rows = yield* sql<{ provider_reference: string }>`
      SELECT provider_reference FROM assure_processes WHERE id = ${process.processId}`
    const webhook = yield* SandboxWebhook.sign({
      secrets: [webhookSecret],
      reference: rows[0]?.provider_reference ?? "",
      outcome: { status: "accepted", checks: [] }
    })
    yield* (yield* Verifications.Verifications).receiveWebhook("sandbox", webhook)
  })

export type HostCommand =
  | {
      readonly id: number
      readonly command: "run"
      readonly count: number
      readonly concurrency: number
      readonly notificationUrl: string
    }
  | { readonly id: number; readonly command: "cpuUsage" }

const handle = (message: HostCommand): Promise<unknown> => {
  switch (message.command) {
    case "run":
      return runtime.runPromise(
        Effect.forEach(Array.from({ length: message.count }), () => verification(message.notificationUrl), {
          concurrency: message.concurrency,
          discard: true
        })
      )
    case "cpuUsage":
      return Promise.resolve(process.cpuUsage())
  }
}

process.on("message", (message: HostCommand) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) })
  )
})
// If the bench is stopped, do not keep loading the database in the background.
process.once("disconnect", () => process.exit(1))

await runtime.runPromise(Effect.void)
process.send?.({ ready: true })
