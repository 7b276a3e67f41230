/**
 * The durable engine's behaviour on one database: waiting for a webhook, polling, timing out, and delivering
 * notifications with retries — on a real single cluster runner with short timings.
 */
import { ProviderError, ProviderRegistry, Webhook } from "@assure/provider"
import { SandboxProvider, SandboxWebhook } from "@assure/sandbox"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted, Schedule } from "effect"
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
  Processes,
  Verifications
} from "../../src/index.js"
import { endpoint } from "./endpoint.js"
import { jpeg, keys, tenantA, tenantB, webhookSecret } from "./engine.js"
import { type Calls, flakyProvider, type Plan } from "./flaky.js"

const eventSecret = Redacted.make("whsec_client_events")

const settings = (url: string, expireAfter: Duration.Input, resultTimeout: Duration.Input): EngineConfig.Settings => ({
  ...EngineConfig.defaults,
  resultTimeout,
  pollInterval: { initial: "200 millis", max: "400 millis" },
  providerRetries: { initial: "100 millis", max: "200 millis", retryAfterCap: "2 seconds", maxStartAttempts: 3 },
  sweepInterval: "200 millis",
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
  options: {
    readonly expireAfter?: Duration.Input
    readonly resultTimeout?: Duration.Input
    readonly flaky?: { readonly plan: Plan; readonly calls: Calls }
  } = {}
) => {
  const flaky = options.flaky ?? { plan: {}, calls: { starts: [], fetches: [] } }
  const storage = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(Layer.provideMerge(database))
  const providers = Layer.mergeAll(
    SandboxProvider.layer({ webhookSecrets: [webhookSecret], latency }),
    flakyProvider(flaky.plan, flaky.calls)
  ).pipe(Layer.provideMerge(ProviderRegistry.layer))
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
    Layer.provide(
      Layer.succeed(
        EngineConfig.EngineConfig,
        settings(url, options.expireAfter ?? "1 minute", options.resultTimeout ?? "3 seconds")
      )
    )
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
          }).pipe(Effect.provide(durableEngine(database(), client.url, "0 millis", { expireAfter: "5 seconds" })))
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
            const webhook = yield* SandboxWebhook.sign({
              secrets: [webhookSecret],
              reference: rows[0]?.provider_reference ?? "",
              outcome: { status: "rejected", checks: [], reason: "document_tampered" }
            })
            yield* (yield* Verifications.Verifications).receiveWebhook("sandbox", webhook)
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
            // Finished work leaves nothing behind in the cluster's tables, nor anything due in the engine's.
            const [messages] = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM cluster_messages`
            const [replies] = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM cluster_replies`
            assert.strictEqual(Number(messages?.n), 0)
            assert.strictEqual(Number(replies?.n), 0)
            const [due] = yield* sql<{ n: number | string }>`
              SELECT COUNT(*) AS n FROM assure_processes WHERE next_check_at IS NOT NULL`
            assert.strictEqual(Number(due?.n), 0)
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

    it.live(
      "retries a start the provider refused for now, no sooner than its Retry-After, and shows the attempts meanwhile",
      () =>
        Effect.gen(function* () {
          const client = yield* endpoint({ failFirst: 0 })
          const calls: Calls = { starts: [], fetches: [] }
          const plan: Plan = {
            startFailures: [
              new ProviderError.RateLimited({ retryAfter: Duration.seconds(1) }),
              new ProviderError.Unavailable({ timedOut: true })
            ],
            fetchFailures: [
              new ProviderError.Unavailable({ status: 503 }),
              new ProviderError.RateLimited({ retryAfter: Duration.seconds(1) })
            ]
          }
          yield* Effect.gen(function* () {
            const dossiers = yield* Dossiers.Dossiers
            const processes = yield* Processes.Processes
            const dossier = yield* dossiers.create(tenantA, {})
            yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
            const process = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "flaky",
              processType: "document",
              processParameters: { flaky: { scenario: "accepted" } }
            })
            const answered = yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
            assert.strictEqual(answered.status, "processing")
            assert.strictEqual(answered.providerRetry?.attempts, 1)
            assert.match(answered.providerRetry?.lastError ?? "", /RateLimited/)
            // While polls fail, the process shows them: a 503 answered, then a 429 that asks for a second.
            const polling = yield* eventually(
              processes.get(tenantA, dossier.dossierId, process.processId),
              (p) => p.providerRetry?.attempts === 2 && /RateLimited/.test(p.providerRetry.lastError)
            )
            assert.strictEqual(polling.status, "processing")
            const accepted = yield* eventually(
              processes.get(tenantA, dossier.dossierId, process.processId),
              (p) => p.status === "accepted"
            )
            assert.isUndefined(accepted.providerRetry)
            // Three starts: two refused, one taken; the second no sooner than the provider's Retry-After.
            assert.strictEqual(calls.starts.length, 3)
            assert.isAtLeast((calls.starts[1] ?? 0) - (calls.starts[0] ?? 0), 900)
            // Two polls refused, then the result; the third no sooner than the second's Retry-After.
            assert.strictEqual(calls.fetches.length, 3)
            assert.isAtLeast((calls.fetches[2] ?? 0) - (calls.fetches[1] ?? 0), 900)
          }).pipe(
            Effect.provide(
              durableEngine(database(), client.url, "0 millis", { resultTimeout: "1 minute", flaky: { plan, calls } })
            )
          )
        }).pipe(Effect.scoped),
      30_000
    )

    it.live(
      "ends a process as failed when its provider keeps refusing the start",
      () =>
        Effect.gen(function* () {
          const client = yield* endpoint({ failFirst: 0 })
          const calls: Calls = { starts: [], fetches: [] }
          const down = new ProviderError.Unavailable({})
          yield* Effect.gen(function* () {
            const dossiers = yield* Dossiers.Dossiers
            const processes = yield* Processes.Processes
            const dossier = yield* dossiers.create(tenantA, {})
            yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
            const process = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "flaky",
              processType: "document",
              processParameters: { flaky: { scenario: "accepted" } },
              notificationUrl: client.url
            })
            yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
            const failed = yield* eventually(
              processes.get(tenantA, dossier.dossierId, process.processId),
              (p) => p.status !== "processing"
            )
            assert.strictEqual(failed.status, "failed")
            // maxStartAttempts is 3 here: no fourth call.
            yield* Effect.sleep("500 millis")
            assert.strictEqual(calls.starts.length, 3)
            // The client is told, as of any other end: the callback and the tenant's event.
            yield* eventually(
              Effect.sync(() => client.deliveries.length),
              (n) => n === 2
            )
            const callback = client.deliveries.find((d) => d.signature === undefined)
            assert.strictEqual(JSON.parse(callback?.body ?? "{}").status, "failed")
          }).pipe(
            Effect.provide(
              durableEngine(database(), client.url, "0 millis", {
                resultTimeout: "1 minute",
                flaky: { plan: { startFailures: [down, down, down, down] }, calls }
              })
            )
          )
        }).pipe(Effect.scoped),
      30_000
    )
  })
}
