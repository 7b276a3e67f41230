/**
 * Provider routing and fallback on one database, on the durable engine with short timings: tenants' policies, the
 * routing decision and its audit, an outage that moves processes to the fallback and back after recovery, a
 * rejection that never falls back, an end-user sent away, and tenants that never influence each other.
 */
import { ProviderName } from "@assure/core"
import { ProviderError, ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schedule, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import {
  Dossiers,
  Engine,
  EngineConfig,
  FileStore,
  Migrations,
  NotificationClient,
  OutboundPolicy,
  PersonalDataCipher,
  Processes,
  Router,
  Routing
} from "../../src/index.js"
import { endpoint } from "./endpoint.js"
import { jpeg, keys, tenantA, tenantB, webhookSecret } from "./engine.js"

/** Whether the `primary` provider's API is down: every start and poll fails as a vendor's 503 does. */
interface Outage {
  down: boolean
}

const primaryName = ProviderName.ProviderName.make("primary")

/** The provider `primary`: the sandbox (no webhooks, results at once) behind a switchable outage. */
const primaryProvider = (outage: Outage) =>
  ProviderRegistry.register(
    Effect.map(SandboxProvider.make({ webhookSecrets: [webhookSecret], latency: 0 }), (sandbox) => {
      const unlessDown = Effect.suspend(() =>
        outage.down ? Effect.fail(ProviderError.make(primaryName, new ProviderError.Unavailable({}))) : Effect.void
      )
      return {
        ...sandbox,
        name: primaryName,
        start: (request: Parameters<typeof sandbox.start>[0]) => Effect.andThen(unlessDown, sandbox.start(request)),
        fetchResult: (request: Parameters<typeof sandbox.fetchResult>[0]) =>
          Effect.andThen(unlessDown, sandbox.fetchResult(request))
      }
    })
  )

/** The server's default: the sandbox for Norwegians and Swedes, `primary` elsewhere with the sandbox as fallback. */
const defaultPolicy: Routing.Policy = Schema.decodeUnknownSync(Routing.Policy)({
  rules: [
    { description: "Sandbox for NOR and SWE", when: { nationality: ["NOR", "SWE"] }, provider: "sandbox" },
    { description: "Primary elsewhere, the sandbox if it fails", provider: "primary", fallbacks: ["sandbox"] }
  ]
})

const routingEngine = (database: Layer.Layer<SqlClient.SqlClient>, outage: Outage) => {
  const storage = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(Layer.provideMerge(database))
  const providers = Layer.mergeAll(
    SandboxProvider.layer({ webhookSecrets: [webhookSecret], latency: 0 }),
    primaryProvider(outage)
  ).pipe(Layer.provideMerge(ProviderRegistry.layer))
  return Engine.layerSingleRunner({
    pollInterval: "100 millis",
    // Opens after 3 calls of which half failed; half-opens after a second.
    circuitBreaker: { minimumCalls: 3, failureRate: 0.5, window: "1 minute", openDelay: "1 second" }
  }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        storage,
        providers,
        FileStore.layerMemory,
        Layer.orDie(PersonalDataCipher.layer(keys)),
        Layer.orDie(OutboundPolicy.layer({ allowHttp: true, allowedNetworks: ["127.0.0.0/8"] })),
        NotificationClient.layerFetch
      )
    ),
    Layer.provide(
      Layer.succeed(EngineConfig.EngineConfig, {
        ...EngineConfig.defaults,
        resultTimeout: "1 minute",
        pollInterval: { initial: "200 millis", max: "400 millis" },
        providerRetries: { initial: "100 millis", max: "200 millis", retryAfterCap: "2 seconds", maxStartAttempts: 3 },
        sweepInterval: "200 millis",
        notifications: {
          requestTimeout: "2 seconds",
          retryInitial: "200 millis",
          retryMax: "400 millis",
          expireAfter: "1 minute"
        },
        routingPolicy: defaultPolicy
      })
    )
  )
}

const eventually = <A, E>(effect: Effect.Effect<A, E>, check: (a: A) => boolean) =>
  effect.pipe(Effect.repeat({ until: check, schedule: Schedule.spaced("100 millis") }), Effect.timeout("30 seconds"))

/** Both providers' parameters, as a client routing with `auto` gives them. */
const bothAccept = { primary: { scenario: "accepted" }, sandbox: { scenario: "accepted" } }

export const routingSuite = (name: string, database: () => Layer.Layer<SqlClient.SqlClient>) => {
  describe(`routing and fallback on ${name}`, () => {
    it.live(
      "keeps each tenant's policy to itself, checks it on write, and falls back to the server's default",
      () =>
        Effect.gen(function* () {
          const router = yield* Router.Router
          const refused = yield* Effect.flip(
            router.setPolicy(tenantA, {
              rules: [
                { provider: "primary", fallbacks: ["onfido"] },
                { when: { nationality: ["DNK"] }, provider: "sandbox", requires: ["chipData"] }
              ]
            })
          )
          assert.deepStrictEqual(
            refused.invalidParams.map((param) => param.name),
            ["rules.0.fallbacks.0", "rules.1", "rules.1.provider"]
          )
          assert.match(refused.invalidParams[0]?.reason ?? "", /no provider named "onfido" is configured/)
          assert.strictEqual((yield* router.policy(tenantA))?.source, "default")
          const misspelled = yield* Effect.flip(router.setPolicy(tenantA, { rules: [{ provder: "sandbox" }] }))
          assert.strictEqual(misspelled._tag, "InvalidInput")

          const own = yield* router.setPolicy(tenantA, { rules: [{ provider: "sandbox" }] })
          assert.strictEqual(own.source, "tenant")
          assert.deepStrictEqual<unknown>((yield* router.policy(tenantA))?.policy, { rules: [{ provider: "sandbox" }] })
          assert.deepStrictEqual((yield* router.policy(tenantB))?.policy, defaultPolicy)
          assert.strictEqual((yield* router.deletePolicy(tenantA))?.source, "default")
        }).pipe(Effect.provide(routingEngine(database(), { down: false }))),
      30_000
    )

    it.live(
      "routes by the dossier's nationality and records the decision; a named provider is not routed",
      () =>
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const processes = yield* Processes.Processes
          const norwegian = yield* dossiers.create(tenantA, { userData: { nationality: "NOR" } })
          const routedNorwegian = yield* processes.create(tenantA, norwegian.dossierId, {
            provider: "auto",
            processType: "document"
          })
          assert.strictEqual(routedNorwegian.provider, "sandbox")
          assert.deepStrictEqual<unknown>(routedNorwegian.routing?.decision, {
            policy: "default",
            request: { processType: "document", nationality: "NOR" },
            rule: { index: 0, description: "Sandbox for NOR and SWE" },
            considered: [{ provider: "sandbox", outcome: "chosen" }]
          })

          const portuguese = yield* dossiers.create(tenantA, { userData: { nationality: "PRT" } })
          const routed = yield* processes.create(tenantA, portuguese.dossierId, {
            provider: "auto",
            processType: "document",
            processParameters: bothAccept
          })
          assert.strictEqual(routed.provider, "primary")
          assert.deepStrictEqual(routed.routing?.decision.considered, [
            { provider: "primary", outcome: "chosen" },
            { provider: "sandbox", outcome: "fallback" }
          ])
          assert.deepStrictEqual<unknown>(routed.routing?.fallbacks, ["sandbox"])
          // Read back as stored.
          assert.deepStrictEqual(
            (yield* processes.get(tenantA, portuguese.dossierId, routed.processId)).routing,
            routed.routing
          )

          const named = yield* processes.create(tenantA, portuguese.dossierId, {
            provider: "primary",
            processType: "document"
          })
          assert.isUndefined(named.routing)

          // Parameters for a provider the server does not run are refused, routed or not.
          const stray = yield* Effect.flip(
            processes.create(tenantA, portuguese.dossierId, {
              provider: "auto",
              processType: "document",
              processParameters: { veriff: {} }
            })
          )
          assert.strictEqual(stray._tag, "InvalidInput")

          // A tenant whose own policy matches nothing is told so; nothing is stored.
          yield* (yield* Router.Router).setPolicy(tenantB, {
            rules: [{ when: { nationality: ["DNK"] }, provider: "sandbox" }]
          })
          const danishOnly = yield* dossiers.create(tenantB, { userData: { nationality: "PRT" } })
          const unmatched = yield* Effect.flip(
            processes.create(tenantB, danishOnly.dossierId, { provider: "auto", processType: "document" })
          )
          assert.strictEqual(unmatched._tag, "InvalidInput")
          assert.strictEqual((yield* dossiers.get(tenantB, danishOnly.dossierId)).processes.length, 0)
        }).pipe(Effect.provide(routingEngine(database(), { down: false }))),
      30_000
    )

    it.live(
      "moves new processes to the fallback during an outage and back after recovery, per tenant, and tells the client",
      () =>
        Effect.gen(function* () {
          const client = yield* endpoint({ failFirst: 0 })
          const outage: Outage = { down: true }
          yield* Effect.gen(function* () {
            const dossiers = yield* Dossiers.Dossiers
            const processes = yield* Processes.Processes
            const router = yield* Router.Router
            const dossier = yield* dossiers.create(tenantA, {})
            yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
            const first = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "auto",
              processType: "document",
              processParameters: bothAccept,
              notificationUrl: client.url
            })
            assert.strictEqual(first.provider, "primary")
            yield* processes.requestVerification(tenantA, dossier.dossierId, first.processId)

            // The start is tried 3 times, then the process fails and its fallback takes over.
            const failed = yield* eventually(
              processes.get(tenantA, dossier.dossierId, first.processId),
              (p) => p.status === "failed" && p.fallbackTo !== undefined
            )
            const fallbackId = failed.fallbackTo ?? ""
            assert.deepStrictEqual<unknown>(failed.routing?.fallback, {
              after: "provider_unavailable",
              outcome: "created",
              provider: "sandbox",
              processId: failed.fallbackTo,
              considered: [{ provider: "sandbox", outcome: "chosen" }]
            })
            const replacement = yield* eventually(
              processes.get(tenantA, dossier.dossierId, fallbackId),
              (p) => p.status === "accepted"
            )
            assert.strictEqual(replacement.provider, "sandbox")
            assert.strictEqual(replacement.fallbackOf, first.processId)
            assert.deepStrictEqual(replacement.routing?.replaced, {
              processId: first.processId,
              provider: "primary",
              after: "provider_unavailable"
            })
            assert.deepStrictEqual(replacement.routing?.fallbacks, [])
            // The client is told of both: the failure names its fallback, and the fallback's end names what it replaced.
            const bodies = yield* eventually(
              Effect.sync(() => client.deliveries.map((delivery) => JSON.parse(delivery.body))),
              (list) => list.length === 2
            )
            assert.deepStrictEqual(
              bodies.find((body) => body.processId === first.processId),
              { dossierId: dossier.dossierId, processId: first.processId, status: "failed", fallbackTo: fallbackId }
            )
            assert.deepStrictEqual(
              bodies.find((body) => body.processId === fallbackId),
              { dossierId: dossier.dossierId, processId: fallbackId, status: "accepted", fallbackOf: first.processId }
            )

            // Three failed starts opened tenant A's circuit: new processes skip `primary` at once...
            const circuits = yield* router.circuits(tenantA)
            assert.deepStrictEqual(
              circuits.map((circuit) => [circuit.provider, circuit.state]),
              [
                ["primary", "open"],
                ["sandbox", "closed"]
              ]
            )
            const skipping = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "auto",
              processType: "document"
            })
            assert.strictEqual(skipping.provider, "sandbox")
            assert.deepStrictEqual(skipping.routing?.decision.considered, [
              { provider: "primary", outcome: "skipped", reason: "circuitOpen" },
              { provider: "sandbox", outcome: "chosen" }
            ])
            // ... while tenant B, whose calls never failed, still goes to `primary`.
            const other = yield* dossiers.create(tenantB, {})
            assert.strictEqual(
              (yield* processes.create(tenantB, other.dossierId, { provider: "auto", processType: "document" }))
                .provider,
              "primary"
            )
            assert.deepStrictEqual(yield* router.circuits(tenantB), [])

            // Recovered: after the open delay a trial process goes to `primary` again, and its success closes it.
            outage.down = false
            yield* Effect.sleep("1100 millis")
            const trial = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "auto",
              processType: "document",
              processParameters: bothAccept
            })
            assert.strictEqual(trial.provider, "primary")
            yield* processes.requestVerification(tenantA, dossier.dossierId, trial.processId)
            yield* eventually(
              processes.get(tenantA, dossier.dossierId, trial.processId),
              (p) => p.status === "accepted"
            )
            const closed = yield* router.circuits(tenantA)
            assert.strictEqual(closed.find((circuit) => circuit.provider === "primary")?.state, "closed")
          }).pipe(Effect.provide(routingEngine(database(), outage)))
        }).pipe(Effect.scoped),
      60_000
    )

    it.live(
      "records that no fallback followed when the fallback refuses the client's parameters, and creates nothing",
      () =>
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const processes = yield* Processes.Processes
          const dossier = yield* dossiers.create(tenantA, {})
          yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
          // The sandbox's parameters are only checked when it is needed: here, as the fallback.
          const doomed = yield* processes.create(tenantA, dossier.dossierId, {
            provider: "auto",
            processType: "document",
            processParameters: { primary: { scenario: "accepted" }, sandbox: { scenario: "no-such-scenario" } }
          })
          yield* processes.requestVerification(tenantA, dossier.dossierId, doomed.processId)
          const failed = yield* eventually(
            processes.get(tenantA, dossier.dossierId, doomed.processId),
            (p) => p.status === "failed"
          )
          assert.isUndefined(failed.fallbackTo)
          assert.deepStrictEqual<unknown>(failed.routing?.fallback, {
            after: "provider_unavailable",
            outcome: "none",
            considered: [{ provider: "sandbox", outcome: "skipped", reason: "parameters" }]
          })
          assert.deepStrictEqual<unknown>(failed.routing?.fallbacks, [])
          assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).processes.length, 1)
        }).pipe(Effect.provide(routingEngine(database(), { down: true }))),
      30_000
    )

    it.live(
      "never falls back from a rejection, and only offers a fallback when the end-user was sent to the provider",
      () =>
        Effect.gen(function* () {
          const outage: Outage = { down: false }
          yield* Effect.gen(function* () {
            const dossiers = yield* Dossiers.Dossiers
            const processes = yield* Processes.Processes
            const dossier = yield* dossiers.create(tenantA, {})
            yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
            const rejected = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "auto",
              processType: "document",
              processParameters: { primary: { scenario: "rejected" } }
            })
            yield* processes.requestVerification(tenantA, dossier.dossierId, rejected.processId)
            const ended = yield* eventually(
              processes.get(tenantA, dossier.dossierId, rejected.processId),
              (p) => p.status !== "processing" && p.status !== "pending"
            )
            assert.strictEqual(ended.status, "rejected")
            assert.isUndefined(ended.fallbackTo)
            assert.isUndefined(ended.routing?.fallback)
            assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).processes.length, 1)

            // An eID redirect: the end-user is at the provider when it goes down. The server cannot bring them back,
            // so the fallback is only offered to the client.
            const redirect = yield* processes.create(tenantA, dossier.dossierId, {
              provider: "auto",
              processType: "eid"
            })
            const started = yield* processes.requestVerification(tenantA, dossier.dossierId, redirect.processId, {
              returnUrl: "http://127.0.0.1:9/return"
            })
            assert.isDefined(started.redirectUrl)
            outage.down = true
            const failed = yield* eventually(
              processes.get(tenantA, dossier.dossierId, redirect.processId),
              (p) => p.status === "failed"
            )
            assert.isUndefined(failed.fallbackTo)
            assert.deepStrictEqual<unknown>(failed.routing?.fallback, {
              after: "provider_unavailable",
              outcome: "available",
              provider: "sandbox",
              considered: [{ provider: "sandbox", outcome: "chosen" }]
            })
            assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).processes.length, 2)
          }).pipe(Effect.provide(routingEngine(database(), outage)))
        }),
      60_000
    )
  })
}
