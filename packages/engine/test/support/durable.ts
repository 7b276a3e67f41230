/**
 * The durable engine's behaviour on one database: waiting for a webhook, polling, timing out, and delivering
 * notifications with retries — on a real single cluster runner with short timings.
 */
import { ProviderRegistry, Webhook } from "@assure/provider"
import { SandboxProvider, SandboxWebhook } from "@assure/sandbox"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Layer, Redacted, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import {
  Dossiers,
  Engine,
  EngineConfig,
  FileStore,
  Migrations,
  NotificationClient,
  Notifications,
  OutboundPolicy,
  PersonalDataCipher,
  Processes
} from "../../src/index.js"
import { endpoint } from "./endpoint.js"
import { jpeg, keys, tenantA, tenantB, webhookSecret } from "./engine.js"

const eventSecret = Redacted.make("whsec_client_events")

const settings = (url: string, expireAfter: Duration.Input): EngineConfig.Settings => ({
  ...EngineConfig.defaults,
  resultTimeout: "3 seconds",
  pollInterval: { initial: "200 millis", max: "400 millis" },
  notifications: {
    requestTimeout: "2 seconds",
    retryInitial: "200 millis",
    retryMax: "400 millis",
    expireAfter
  },
  eventSubscriptions: { [tenantA]: { url, secrets: [eventSecret] } }
})

const durableEngine = (
  database: Layer.Layer<SqlClient.SqlClient>,
  url: string,
  latency: Duration.Input,
  expireAfter: Duration.Input = "1 minute"
) => {
  const storage = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(Layer.provideMerge(database))
  const providers = SandboxProvider.layer({ webhookSecrets: [webhookSecret], latency }).pipe(
    Layer.provideMerge(ProviderRegistry.layer)
  )
  return Engine.layerSingleRunner({ pollInterval: "100 millis" }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        storage,
        providers,
        FileStore.layerMemory,
        Layer.orDie(PersonalDataCipher.layer(keys)),
        // The client endpoints of these tests listen on loopback over http: allowed explicitly.
        Layer.orDie(OutboundPolicy.layer({ allowHttp: true, allowedNetworks: ["127.0.0.0/8"] })),
        NotificationClient.layerFetch
      )
    ),
    Layer.provide(Layer.succeed(EngineConfig.EngineConfig, settings(url, expireAfter)))
  )
}

/** Polls until `check` holds (or times out): the durable work runs in the background. */
const eventually = <A>(effect: Effect.Effect<A, unknown, never>, check: (a: A) => boolean) =>
  effect.pipe(Effect.repeat({ until: check, schedule: Schedule.spaced("100 millis") }), Effect.timeout("30 seconds"))

export const durableSuite = (name: string, database: () => Layer.Layer<SqlClient.SqlClient>) => {
  describe(`durable engine on ${name}`, () => {
    it.live(
      "lists notifications that expired undelivered, and redelivers them on request",
      () =>
        Effect.gen(function* () {
          const client = yield* endpoint({ failFirst: 1_000_000 })
          yield* Effect.gen(function* () {
            const dossiers = yield* Dossiers.Dossiers
            const processes = yield* Processes.Processes
            const notifications = yield* Notifications.Notifications
            const dossier = yield* dossiers.create(tenantA, {})
            yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
            const process = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "sandbox",
              processType: "document",
              processParameters: { sandbox: { scenario: "pending" } },
              notificationUrl: client.url
            })
            yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
            yield* processes.cancel(tenantA, dossier.dossierId, process.processId)
            const failed = yield* eventually(
              notifications.list(tenantA, { status: "failed" }),
              (list) => list.length === 2
            )
            assert.isTrue(failed.every((n) => n.attempts > 0 && n.lastError === Notifications.notAcknowledged))
            client.recover()
            for (const notification of failed) yield* notifications.redeliver(tenantA, notification.id)
            const delivered = yield* eventually(
              notifications.list(tenantA, { status: "delivered" }),
              (list) => list.length === 2
            )
            assert.deepStrictEqual(
              delivered.map((n) => n.processId),
              [process.processId, process.processId]
            )
            assert.strictEqual(
              (yield* Effect.flip(notifications.redeliver(tenantB, failed[0]?.id ?? "")))._tag,
              "NotFound"
            )
            // Notifications expire after 5 s: long enough for a first attempt even on a loaded CI machine, so the
            // failed list shows notifications that were tried, not ones that expired before their first attempt.
          }).pipe(Effect.provide(durableEngine(database(), client.url, "0 millis", "5 seconds")))
        }).pipe(Effect.scoped),
      60_000
    )

    it.live(
      "wakes on a webhook, then delivers the callback and the signed event until acknowledged, once each",
      () =>
        Effect.gen(function* () {
          const client = yield* endpoint({ failFirst: 2 })
          yield* Effect.gen(function* () {
            const dossiers = yield* Dossiers.Dossiers
            const processes = yield* Processes.Processes
            const sql = yield* SqlClient.SqlClient
            const dossier = yield* dossiers.create(tenantA, {})
            yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
            const process = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "sandbox",
              processType: "document",
              processParameters: { sandbox: { scenario: "pending" } },
              notificationUrl: client.url,
              authorizationHeader: "Bearer callback-token"
            })
            yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
            const rows = yield* sql<{ provider_reference: string }>`
              SELECT provider_reference FROM assure_processes WHERE id = ${process.processId}`
            const webhook = yield* SandboxWebhook.make({
              secrets: [webhookSecret],
              reference: rows[0]?.provider_reference ?? "",
              outcome: { status: "rejected", checks: [], reason: "document_tampered" }
            })
            yield* processes.receiveWebhook("sandbox", webhook)
            yield* eventually(
              Effect.sync(() => client.deliveries.filter((d) => d.acknowledged).length),
              (acknowledged) => acknowledged === 2
            )
            const byId = new Map<string, Array<(typeof client.deliveries)[number]>>()
            for (const delivery of client.deliveries)
              byId.set(delivery.deliveryId, [...(byId.get(delivery.deliveryId) ?? []), delivery])
            assert.strictEqual(byId.size, 2, "two notifications: the callback and the event")
            const callback = client.deliveries.find((d) => d.authorization !== undefined)
            assert.deepStrictEqual(JSON.parse(callback?.body ?? "{}"), {
              dossierId: dossier.dossierId,
              processId: process.processId,
              status: "rejected"
            })
            assert.strictEqual(callback?.authorization, "Bearer callback-token")
            const event = client.deliveries.find((d) => d.signature !== undefined && d.acknowledged)
            const envelope = JSON.parse(event?.body ?? "{}")
            assert.strictEqual(envelope.eventName, "process.complete")
            assert.strictEqual(envelope.eventData.status, "rejected")
            yield* Webhook.verifyTimestamped({
              provider: "client",
              secrets: [eventSecret],
              payload: event?.body ?? "",
              header: event?.signature
            })
            // Acknowledged deliveries are not repeated.
            yield* Effect.sleep("1 second")
            for (const [, attempts] of byId) assert.strictEqual(attempts.filter((d) => d.acknowledged).length, 1)
          }).pipe(Effect.provide(durableEngine(database(), client.url, "0 millis")))
        }).pipe(Effect.scoped),
      30_000
    )

    it.live(
      "polls a provider that sends no webhook, and times a silent one out to failed",
      () =>
        Effect.gen(function* () {
          const client = yield* endpoint({ failFirst: 0 })
          yield* Effect.gen(function* () {
            const dossiers = yield* Dossiers.Dossiers
            const processes = yield* Processes.Processes
            const dossier = yield* dossiers.create(tenantA, {})
            yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
            const polled = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "sandbox",
              processType: "document"
            })
            const silent = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "sandbox",
              processType: "document",
              processParameters: { sandbox: { scenario: "pending" } }
            })
            yield* processes.requestVerification(tenantA, dossier.dossierId, polled.processId)
            yield* processes.requestVerification(tenantA, dossier.dossierId, silent.processId)
            const accepted = yield* eventually(
              processes.get(tenantA, dossier.dossierId, polled.processId),
              (p) => p.status !== "processing"
            )
            assert.strictEqual(accepted.status, "accepted")
            const failed = yield* eventually(
              processes.get(tenantA, dossier.dossierId, silent.processId),
              (p) => p.status !== "processing"
            )
            assert.strictEqual(failed.status, "failed")
          }).pipe(Effect.provide(durableEngine(database(), client.url, "600 millis")))
        }).pipe(Effect.scoped),
      30_000
    )
  })
}
