/**
 * Provider routing applied: each tenant's routing policy (its own, stored, or else the operator's default from
 * `EngineConfig.routingPolicy`), checked against the loaded providers when it is written, and the decision for a new
 * process with `provider: "auto"`, skipping providers whose circuit is open (`CircuitBreaker`).
 *
 * The rules themselves and their validation are `Routing`'s (pure code); this module adds storage, tenancy and the
 * breaker. A tenant's policy never affects another tenant: policies and circuits are both kept per tenant.
 *
 * @since 0.2.0
 */
import { type ProcessRouting, type ProviderName, Timestamp } from "@assure/core"
import { type IdentityProvider, ProviderRegistry } from "@assure/provider"
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { CircuitBreaker, type Status as CircuitStatus } from "./CircuitBreaker.js"
import { EngineConfig } from "./EngineConfig.js"
import { InvalidInput } from "./EngineError.js"
import { now } from "./internal/shared.js"
import * as Routing from "./Routing.js"
import type { TenantId } from "./Tenant.js"

/** A tenant's policy in force: its own (with when it was written) or the server's default. @since 0.2.0 */
export interface PolicyInForce {
  readonly policy: Routing.Policy
  readonly source: "tenant" | "default"
  readonly updatedAt?: Timestamp.Timestamp
}

/** A provider was chosen for a new process: the decision as the process records it. @since 0.2.0 */
export interface Chosen {
  readonly provider: IdentityProvider.IdentityProvider
  readonly decision: ProcessRouting.Decision
  readonly fallbacks: ReadonlyArray<ProviderName.ProviderName>
}

/**
 * No provider can take a new process: the tenant has no policy and the server no default (`noPolicy`), no rule
 * matches (`noRuleMatched`), or every provider of the matching rule was skipped (`allSkipped`, the audit says why).
 *
 * @since 0.2.0
 */
export class NoRoute extends Schema.TaggedError<NoRoute>("@assure/engine/Router/NoRoute")("NoRoute", {
  reason: Schema.Literals(["noPolicy", "noRuleMatched", "allSkipped"]),
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** The router. @since 0.2.0 */
export class Router extends Context.Service<
  Router,
  {
    /** The tenant's policy in force, if there is one. */
    readonly policy: (tenant: TenantId) => Effect.Effect<PolicyInForce | undefined>
    /**
     * Replaces the tenant's own policy: decoded strictly and checked against the loaded providers; a policy with
     * problems is refused with each problem's path in `invalidParams`, and nothing is stored.
     */
    readonly setPolicy: (tenant: TenantId, input: unknown) => Effect.Effect<PolicyInForce, InvalidInput>
    /** Deletes the tenant's own policy, so that the default applies again; answers the policy now in force. */
    readonly deletePolicy: (tenant: TenantId) => Effect.Effect<PolicyInForce | undefined>
    /** Chooses the provider of a new process by the tenant's policy in force. */
    readonly route: (tenant: TenantId, request: Routing.Request) => Effect.Effect<Chosen, NoRoute>
    /**
     * The provider `route` would choose now, for a page that must know it ahead (the hosted capture page shows the
     * flow of that provider): open circuits are skipped, but no half-open circuit's trial call is taken. Undefined
     * when no provider would be chosen.
     */
    readonly preview: (
      tenant: TenantId,
      request: Routing.Request
    ) => Effect.Effect<IdentityProvider.IdentityProvider | undefined>
    /** The circuits of the tenant's providers that recorded calls. */
    readonly circuits: (tenant: TenantId) => Effect.Effect<ReadonlyArray<CircuitStatus>>
  }
>()("@assure/engine/Router") {}

const PolicyJson = Schema.fromJsonString(Routing.Policy)
const decodeStored = Schema.decodeUnknownEffect(PolicyJson)
const encodeStored = Schema.encodeSync(PolicyJson)

/** A policy problem's path, as an `invalidParams` name: `rules.2.fallbacks.0`. */
const nameOf = (path: ReadonlyArray<string | number>) => path.join(".")

/**
 * The router over effect/sql, the loaded providers and the circuit breaker.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<
  Router,
  never,
  SqlClient.SqlClient | ProviderRegistry.ProviderRegistry | CircuitBreaker
> = Layer.effect(
  Router,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const registry = yield* ProviderRegistry.ProviderRegistry
    const breaker = yield* CircuitBreaker
    const settings = yield* EngineConfig

    const loaded = Effect.gen(function* () {
      const names = yield* registry.names
      return yield* Effect.forEach(names, (name) => Effect.orDie(registry.get(name)))
    })

    // Each tenant's policy as last decoded, with the text it was decoded from: read on every routed creation, a
    // stored policy is decoded again only when its text changed (by this instance or another).
    const decoded = new Map<string, { readonly text: string; readonly policy: Routing.Policy }>()

    const policy = (tenant: TenantId) =>
      Effect.gen(function* () {
        const rows = yield* sql<{ policy: string; updated_at: string }>`
          SELECT policy, updated_at FROM assure_routing_policies WHERE tenant_id = ${tenant}`.pipe(Effect.orDie)
        const row = rows[0]
        if (row !== undefined) {
          const cached = decoded.get(tenant)
          const stored =
            cached !== undefined && cached.text === row.policy
              ? cached.policy
              : yield* Effect.orDie(decodeStored(row.policy))
          if (cached?.policy !== stored) decoded.set(tenant, { text: row.policy, policy: stored })
          return {
            policy: stored,
            source: "tenant",
            updatedAt: Timestamp.Timestamp.make(row.updated_at)
          } satisfies PolicyInForce
        }
        decoded.delete(tenant)
        return settings.routingPolicy === undefined
          ? undefined
          : ({ policy: settings.routingPolicy, source: "default" } satisfies PolicyInForce)
      })

    const route = (tenant: TenantId, request: Routing.Request): Effect.Effect<Chosen, NoRoute> =>
      Effect.gen(function* () {
        const inForce = yield* policy(tenant)
        if (inForce === undefined) {
          return yield* new NoRoute({
            reason: "noPolicy",
            detail:
              'No routing policy applies: set one (PUT /assure/routing/policy) or name the provider instead of "auto"'
          })
        }
        const providers = yield* loaded
        // The breaker is asked in the decision's own order (every circuit taken as closed), and only until a
        // provider is available: a half-open circuit admits a limited number of trial calls.
        const availability = new Map<string, boolean>()
        const suitable = Routing.decide(inForce.policy, request, providers, () => true)
        if (suitable._tag === "Routed") {
          for (const name of [suitable.provider, ...suitable.fallbacks]) {
            const available = yield* breaker.isAvailable(tenant, name)
            availability.set(name, available)
            if (available) break
          }
        }
        const decision = Routing.decide(
          inForce.policy,
          request,
          providers,
          (provider) => availability.get(provider.name) === true
        )
        if (decision._tag === "NoProvider") {
          return yield* new NoRoute({
            reason: decision.reason,
            detail:
              decision.reason === "noRuleMatched"
                ? `No rule of the ${inForce.source === "tenant" ? "client's" : "default"} routing policy matches the process (${describeRequest(request)})`
                : `No provider can take the process now: ${decision.message}`
          })
        }
        const provider = providers.find((candidate) => candidate.name === decision.provider)
        if (provider === undefined) return yield* Effect.die("a routed provider is not loaded")
        return {
          provider,
          decision: { ...decision.audit, policy: inForce.source },
          fallbacks: decision.fallbacks
        }
      })

    const preview = (tenant: TenantId, request: Routing.Request) =>
      Effect.gen(function* () {
        const inForce = yield* policy(tenant)
        if (inForce === undefined) return undefined
        const providers = yield* loaded
        const open = new Set(
          (yield* breaker.states(tenant)).filter((status) => status.state === "open").map((status) => status.provider)
        )
        const decision = Routing.decide(inForce.policy, request, providers, (provider) => !open.has(provider.name))
        return decision._tag === "Routed"
          ? providers.find((candidate) => candidate.name === decision.provider)
          : undefined
      })

    return Router.of({
      policy,
      preview,
      setPolicy: Effect.fn("Router.setPolicy")(function* (tenant, input) {
        const decoded = yield* Routing.decode(input).pipe(
          Effect.mapError(
            (error) =>
              new InvalidInput({
                detail: "The routing policy is not valid",
                invalidParams: [{ name: "policy", reason: error.message }]
              })
          )
        )
        const problems = Routing.validate(decoded, yield* loaded)
        if (problems.length > 0) {
          return yield* new InvalidInput({
            detail: "The routing policy is not valid",
            invalidParams: problems.map((problem) => ({ name: nameOf(problem.path), reason: problem.message }))
          })
        }
        const timestamp = yield* now
        const text = encodeStored(decoded)
        yield* sql`
          INSERT INTO assure_routing_policies (tenant_id, policy, updated_at)
          VALUES (${tenant}, ${text}, ${timestamp})
          ON CONFLICT (tenant_id) DO UPDATE SET policy = ${text}, updated_at = ${timestamp}`.pipe(Effect.orDie)
        return { policy: decoded, source: "tenant", updatedAt: timestamp }
      }),
      deletePolicy: Effect.fn("Router.deletePolicy")(function* (tenant) {
        yield* sql`DELETE FROM assure_routing_policies WHERE tenant_id = ${tenant}`.pipe(Effect.orDie)
        return yield* policy(tenant)
      }),
      // On every routed creation: a span without `Effect.fn`'s stack trace, as `Processes.get` (BENCHMARKS.md).
      route: (tenant, request) => Effect.withSpan(route(tenant, request), "Router.route", { captureStackTrace: false }),
      circuits: (tenant) => breaker.states(tenant)
    })
  })
)

const describeRequest = (request: Routing.Request) =>
  Object.entries(request)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ")
