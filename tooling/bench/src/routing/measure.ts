/**
 * What `provider: "auto"` adds to a process creation (issue 18: ≤ 0.2 ms, side by side with a named provider).
 *
 * `Processes.create` on the server's embedded store (services.ts), over the same dossiers' userData:
 *
 * - the provider named (`sandbox`), `auto` for a tenant without a policy of its own (the server's default applies), and
 *   `auto` for a tenant whose own policy (the same rules) is stored in `assure_routing_policies`;
 * - and, to see where the difference goes, a ladder from the named creation up to what `auto` does, one step at a time,
 *   built from the engine's public services and the same statements, contexts and schemas as its internals: the
 *   dossier's userData read and opened first, then `Router.route` asked too, then the routing record sealed (the
 *   answer is built from the record in hand, not opened again). Each step's creation minus the step below is what that step
 *   costs in the flow of a creation, and the top step minus `auto` itself is what the ladder leaves out.
 *
 * All of them take turns in rounds, the order rotating from round to round, so that all see the same drift in the
 * machine's speed; every creation is timed on its own, one at a time, inside one fiber (no `runPromise` per creation).
 * Then the same pieces of work alone, each in a loop (hot), and `Routing.decide` alone (pure), in batches.
 */
import { loadavg } from "node:os"
import { performance } from "node:perf_hooks"
import { IdentityData, ProcessRouting, ProcessType } from "@assure/core"
import { Dossiers, PersonalDataCipher, Processes, Router, Routing, type Tenant } from "@assure/engine"
import { type IdentityProvider, ProviderRegistry } from "@assure/provider"
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { ascending, median, quantile } from "../engine/stats.ts"
import { makeServices, peopleCount, policy, policyInput, tenants, userDataOf } from "./services.ts"

export interface RoutingOptions {
  /** Timed creations per contender. */
  readonly creations: number
  /** Creations per contender in one round. */
  readonly perRound: number
  /** Creations per contender before timing, taking turns the same way. */
  readonly warmup: number
  /** Dossiers per tenant; creations go through them in turn. */
  readonly dossiers: number
  /** Timed calls of each piece of work alone. */
  readonly partCalls: number
  /** `Routing.decide` alone: batches, and decisions per batch. */
  readonly decide: { readonly batches: number; readonly perBatch: number }
}

export const defaultRoutingOptions: RoutingOptions = {
  creations: 2_000,
  perRound: 50,
  warmup: 300,
  dossiers: 300,
  partCalls: 2_000,
  decide: { batches: 200, perBatch: 2_000 }
}

/** Parses `--routing-creations=N` (for `pnpm bench`) or `--creations=N` (for `bench:routing`). */
export const routingOptions = (argv: ReadonlyArray<string>, flag: string): RoutingOptions => {
  const given = argv.find((arg) => arg.startsWith(`${flag}=`))
  if (given === undefined) return defaultRoutingOptions
  const creations = Number(given.slice(flag.length + 1).replaceAll("_", ""))
  if (!Number.isInteger(creations) || creations < defaultRoutingOptions.perRound) {
    throw new Error(`${flag} must be a whole number of at least ${defaultRoutingOptions.perRound}`)
  }
  return { ...defaultRoutingOptions, creations, partCalls: creations }
}

/** Milliseconds, summarised. */
export interface Timing {
  readonly median: number
  readonly p95: number
  /** What the calls cost in all, divided by their number: garbage collection and the odd slow call included. */
  readonly mean: number
  readonly count: number
}

const timingOf = (millis: ReadonlyArray<number>): Timing => {
  const sorted = ascending(millis)
  return {
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    count: sorted.length
  }
}

/** The contenders, in the order the report shows them. */
export const contenderNames = [
  "named",
  "autoDefault",
  "autoOwn",
  "ladderUserData",
  "ladderRoute",
  "ladderSeal"
] as const
export type ContenderName = (typeof contenderNames)[number]

export interface ContenderFigures {
  readonly name: ContenderName
  readonly timing: Timing
  /** The contender's median minus the named provider's, round by round (ms). */
  readonly roundDifferences: ReadonlyArray<number>
  /** The contender's median over the named provider's, round by round. */
  readonly roundRatios: ReadonlyArray<number>
}

export const partNames = [
  "timer",
  "userDataSelect",
  "userDataOpen",
  "userDataDecode",
  "policyNone",
  "policyOwn",
  "routeDefault",
  "routeOwn",
  "recordSeal"
] as const
export type PartName = (typeof partNames)[number]

export interface RoutingReport {
  readonly options: RoutingOptions
  readonly date: Date
  readonly seconds: number
  readonly load: readonly [start: number, end: number]
  readonly rounds: number
  readonly contenders: ReadonlyArray<ContenderFigures>
  /** Which provider the timed `auto` creations went to, counted. */
  readonly routedTo: Readonly<Record<string, number>>
  /** Each piece of work alone, in a loop. */
  readonly parts: ReadonlyArray<{ readonly name: PartName; readonly timing: Timing }>
  /** `Routing.decide` alone: µs per decision, the median and quartiles over the batches. */
  readonly decide: { readonly micros: number; readonly low: number; readonly high: number }
}

/** The time an effect took, in ms. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<number, E, R> =>
  Effect.suspend(() => {
    const start = performance.now()
    return Effect.map(effect, () => performance.now() - start)
  })

// What `Processes.create` keeps sealed in a routed process's `routing` column (the engine's internal
// `SealedRouting`), and the contexts it seals with (the engine's internal/sealing.ts): the ladder repeats them.
const SealedRouting = Schema.Struct({
  record: ProcessRouting.ProcessRouting,
  parameters: Schema.Record(Schema.String, Schema.Unknown)
})
const encodeRouting = Schema.encodeSync(SealedRouting)
const decodeIdentityData = Schema.decodeUnknownSync(IdentityData.IdentityData)
const userDataContext = (dossierId: string) => `dossier:${dossierId}:userData`
const routingContext = (processId: string) => `process:${processId}:routing`

/** Rotates `items` by `by` places: round r runs the contenders starting with the r-th. */
const rotate = <A>(items: ReadonlyArray<A>, by: number): ReadonlyArray<A> => {
  const k = by % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

export const measureRouting = (options: RoutingOptions, log: (message: string) => void): Promise<RoutingReport> => {
  const started = performance.now()
  const loadAtStart = loadavg()[0] ?? 0
  const { runtime, dispose } = makeServices()
  const program = Effect.gen(function* () {
    const dossiers = yield* Dossiers.Dossiers
    const processes = yield* Processes.Processes
    const router = yield* Router.Router
    const registry = yield* ProviderRegistry.ProviderRegistry
    const cipher = yield* PersonalDataCipher.PersonalDataCipher
    const sql = yield* SqlClient.SqlClient

    const providers: ReadonlyArray<IdentityProvider.IdentityProvider> = yield* Effect.forEach(
      yield* registry.names,
      (name) => Effect.orDie(registry.get(name))
    )
    const problems = Routing.validate(policy, providers)
    if (problems.length > 0) return yield* Effect.die(`the bench's policy is not valid: ${JSON.stringify(problems)}`)
    yield* Effect.orDie(router.setPolicy(tenants.own, policyInput))

    log(`routing: seeding ${options.dossiers} dossiers with userData for each of 2 tenants`)
    const seed = (tenant: Tenant.TenantId) =>
      Effect.forEach(
        Array.from({ length: options.dossiers }, (_, index) => index),
        (index) =>
          Effect.map(Effect.orDie(dossiers.create(tenant, { userData: userDataOf(index) })), (d) => d.dossierId)
      )
    const shared = yield* seed(tenants.shared)
    const own = yield* seed(tenants.own)

    // ---- the pieces of work `auto` adds, as `Processes.create` and `Router` do them ----
    const selectUserData = (dossierId: string) =>
      Effect.map(
        sql<{ user_data: Uint8Array }>`
          SELECT user_data FROM assure_dossiers WHERE id = ${dossierId} AND tenant_id = ${tenants.shared}`,
        (rows) => new Uint8Array(rows[0]?.user_data ?? [])
      ).pipe(Effect.orDie)
    const openUserData = (sealed: Uint8Array, dossierId: string) =>
      Effect.orDie(cipher.openJson(sealed, userDataContext(dossierId)))
    const document = ProcessType.ProcessType.make("document")
    const requestOf = (userData: IdentityData.IdentityData): Routing.Request => ({
      processType: document,
      ...(userData.issuingCountry === undefined ? {} : { issuingCountry: userData.issuingCountry }),
      ...(userData.nationality === undefined ? {} : { nationality: userData.nationality }),
      ...(userData.documentType === undefined ? {} : { documentType: userData.documentType })
    })
    const readRequest = (dossierId: string) =>
      Effect.gen(function* () {
        const opened = yield* openUserData(yield* selectUserData(dossierId), dossierId)
        return requestOf(decodeIdentityData(opened))
      })
    const sealRecord = (chosen: Router.Chosen, processId: string) =>
      cipher.sealJson(
        encodeRouting({ record: { decision: chosen.decision, fallbacks: chosen.fallbacks }, parameters: {} }),
        routingContext(processId)
      )
    const createNamed = (dossierId: string) =>
      Effect.orDie(processes.create(tenants.shared, dossierId, { provider: "sandbox", processType: "document" }))

    const routedTo: Record<string, number> = {}
    let counting = false
    const createAuto = (tenant: Tenant.TenantId) => (dossierId: string) =>
      Effect.map(
        Effect.orDie(processes.create(tenant, dossierId, { provider: Processes.auto, processType: "document" })),
        (created) => {
          if (counting) routedTo[created.provider] = (routedTo[created.provider] ?? 0) + 1
        }
      )

    const contenders: ReadonlyArray<{
      readonly name: ContenderName
      readonly dossierIds: ReadonlyArray<string>
      readonly create: (dossierId: string) => Effect.Effect<unknown>
    }> = [
      { name: "named", dossierIds: shared, create: createNamed },
      { name: "autoDefault", dossierIds: shared, create: createAuto(tenants.shared) },
      { name: "autoOwn", dossierIds: own, create: createAuto(tenants.own) },
      {
        name: "ladderUserData",
        dossierIds: shared,
        create: (dossierId) => Effect.andThen(readRequest(dossierId), createNamed(dossierId))
      },
      {
        name: "ladderRoute",
        dossierIds: shared,
        create: (dossierId) =>
          Effect.gen(function* () {
            yield* Effect.orDie(router.route(tenants.shared, yield* readRequest(dossierId)))
            return yield* createNamed(dossierId)
          })
      },
      {
        name: "ladderSeal",
        dossierIds: shared,
        create: (dossierId) =>
          Effect.gen(function* () {
            const chosen = yield* Effect.orDie(router.route(tenants.shared, yield* readRequest(dossierId)))
            yield* sealRecord(chosen, dossierId)
            return yield* createNamed(dossierId)
          })
      }
    ]

    /** One round: `count` creations of each contender in turn, from dossier `first` on; each one's median. */
    const round = (order: typeof contenders, first: number, count: number, samples?: Map<ContenderName, number[]>) =>
      Effect.forEach(order, (contender) =>
        Effect.gen(function* () {
          const times: Array<number> = []
          for (let k = 0; k < count; k++) {
            times.push(
              yield* timed(contender.create(contender.dossierIds[(first + k) % contender.dossierIds.length] as string))
            )
          }
          samples?.get(contender.name)?.push(...times)
          return [contender.name, median(times)] as const
        })
      )

    log(`routing: warm-up, ${options.warmup} creations per contender (${contenders.length} contenders)`)
    const warmupRounds = Math.ceil(options.warmup / options.perRound)
    for (let r = 0; r < warmupRounds; r++) yield* round(rotate(contenders, r), r * options.perRound, options.perRound)

    const rounds = Math.ceil(options.creations / options.perRound)
    log(`routing: ${rounds} rounds of ${options.perRound} creations per contender, taking turns`)
    counting = true
    const samples = new Map<ContenderName, number[]>(contenders.map((contender) => [contender.name, []]))
    const roundMedians: Array<Map<ContenderName, number>> = []
    for (let r = 0; r < rounds; r++) {
      const medians = yield* round(rotate(contenders, r), r * options.perRound, options.perRound, samples)
      roundMedians.push(new Map(medians))
    }
    counting = false
    const contenderFigures = contenders.map(
      (contender): ContenderFigures => ({
        name: contender.name,
        timing: timingOf(samples.get(contender.name) ?? []),
        roundDifferences: roundMedians.map(
          (medians) => (medians.get(contender.name) ?? Number.NaN) - (medians.get("named") ?? Number.NaN)
        ),
        roundRatios: roundMedians.map(
          (medians) => (medians.get(contender.name) ?? Number.NaN) / (medians.get("named") ?? Number.NaN)
        )
      })
    )

    // ---- the same pieces alone, each in a loop ----
    const dossierOf = (i: number) => shared[i % peopleCount] as string
    const sealedUserData = yield* Effect.forEach(shared.slice(0, peopleCount), selectUserData)
    const openedUserData = yield* Effect.forEach(sealedUserData, (sealed, i) => openUserData(sealed, dossierOf(i)))
    const requests = openedUserData.map((opened) => requestOf(decodeIdentityData(opened)))
    const requestAt = (i: number) => requests[i % peopleCount] as Routing.Request
    const chosen = yield* Effect.orDie(router.route(tenants.shared, requestAt(3)))
    const parts: ReadonlyArray<{ readonly name: PartName; readonly run: (i: number) => Effect.Effect<unknown> }> = [
      { name: "timer", run: () => Effect.void },
      { name: "userDataSelect", run: (i) => selectUserData(shared[i % shared.length] as string) },
      { name: "userDataOpen", run: (i) => openUserData(sealedUserData[i % peopleCount] as Uint8Array, dossierOf(i)) },
      { name: "userDataDecode", run: (i) => Effect.sync(() => decodeIdentityData(openedUserData[i % peopleCount])) },
      { name: "policyNone", run: () => router.policy(tenants.shared) },
      { name: "policyOwn", run: () => router.policy(tenants.own) },
      { name: "routeDefault", run: (i) => Effect.orDie(router.route(tenants.shared, requestAt(i))) },
      { name: "routeOwn", run: (i) => Effect.orDie(router.route(tenants.own, requestAt(i))) },
      { name: "recordSeal", run: (i) => sealRecord(chosen, `p${i}`) }
    ]
    log(`routing: each piece of work alone, ${options.partCalls} calls each, taking turns`)
    const partSamples = parts.map(() => [] as Array<number>)
    const partRounds = Math.ceil(options.partCalls / options.perRound)
    // A tenth more rounds first, to warm up, not counted.
    const partWarmup = Math.ceil(partRounds / 10)
    for (let r = 0; r < partWarmup + partRounds; r++) {
      for (const index of rotate(
        parts.map((_, i) => i),
        r
      )) {
        const part = parts[index]
        if (part === undefined) continue
        for (let k = 0; k < options.perRound; k++) {
          const millis = yield* timed(part.run(r * options.perRound + k))
          if (r >= partWarmup) partSamples[index]?.push(millis)
        }
      }
    }

    log(`routing: Routing.decide alone, ${options.decide.batches} batches of ${options.decide.perBatch}`)
    const available = () => true
    let fallbacks = 0
    const batch = () => {
      const start = performance.now()
      for (let k = 0; k < options.decide.perBatch; k++) {
        const decision = Routing.decide(policy, requestAt(k), providers, available)
        if (decision._tag === "Routed") fallbacks += decision.fallbacks.length
      }
      return ((performance.now() - start) * 1000) / options.decide.perBatch
    }
    for (let b = 0; b < options.decide.batches / 10; b++) batch()
    const decideMicros = ascending(Array.from({ length: options.decide.batches }, batch))
    // Used, so that the decisions cannot be optimised away.
    if (fallbacks === 0) return yield* Effect.die("no decision left a fallback")

    return {
      contenders: contenderFigures,
      rounds,
      routedTo,
      parts: parts.map((part, index) => ({ name: part.name, timing: timingOf(partSamples[index] ?? []) })),
      decide: {
        micros: quantile(decideMicros, 0.5),
        low: quantile(decideMicros, 0.25),
        high: quantile(decideMicros, 0.75)
      }
    }
  })
  return runtime
    .runPromise(program)
    .then((figures) => ({
      ...figures,
      options,
      date: new Date(),
      seconds: (performance.now() - started) / 1000,
      load: [loadAtStart, loadavg()[0] ?? 0] as const
    }))
    .finally(dispose)
}
