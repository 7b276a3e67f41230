/**
 * The engine's synchronous services as the server wires them for process creation, without HTTP and without the
 * durable work: `Dossiers`, `Processes` and the `Router` with its `CircuitBreaker`, on the server's embedded store
 * (`EmbeddedStore.layer`: `assure.db` through `@effect/sql-sqlite-node`, `synchronous = NORMAL`, `secure_delete`),
 * personal data sealed with the server's `node:crypto` AES-GCM (`NodeAesGcm`), the sandbox provider and a second one
 * (the sandbox under another name, as the engine's tests register one), and a default routing policy of three rules
 * in `EngineConfig`. Nothing listens to the lifecycle's signals: creating a process starts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ProviderName } from "@assure/core"
import { EngineConfig, Routing, Tenant } from "@assure/engine"
import { ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import { Effect, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import * as EmbeddedStore from "../../../../apps/server/dist/server/EmbeddedStore.js"
import { engineServices } from "../engine-services.ts"

const webhookSecret = Redacted.make("whsec_bench_routing")

/** The second provider: the sandbox under another name. */
export const secondName = ProviderName.ProviderName.make("nordic")

/**
 * The server's default policy in this bench: the sandbox for Norwegians and Swedes, the second provider for Danes
 * (the sandbox if it fails), the sandbox for everyone else (the second provider if it fails).
 */
export const policyInput = {
  rules: [
    { description: "Sandbox for NOR and SWE", when: { nationality: ["NOR", "SWE"] }, provider: "sandbox" },
    {
      description: "The second provider for DNK, the sandbox if it fails",
      when: { nationality: ["DNK"] },
      provider: secondName,
      fallbacks: ["sandbox"]
    },
    { description: "Sandbox elsewhere, the second provider if it fails", provider: "sandbox", fallbacks: [secondName] }
  ]
} as const

export const policy: Routing.Policy = Schema.decodeUnknownSync(Routing.Policy)(policyInput)

/** Tenants: `shared` has no policy of its own (the default applies), `own` stores the same rules as its own. */
export const tenants = {
  shared: Tenant.TenantId.make("bench-routing-default"),
  own: Tenant.TenantId.make("bench-routing-own")
} as const

/** The userData of the dossiers, in turn: every rule matches some of them (NOR/SWE, DNK, the rest). */
const people = [
  { firstName: "Ola", lastName: "Nordmann", dateOfBirth: "1985-03-14", nationality: "NOR", issuingCountry: "NOR" },
  { firstName: "Anna", lastName: "Svensson", dateOfBirth: "1990-11-02", nationality: "SWE", issuingCountry: "SWE" },
  { firstName: "Mette", lastName: "Jensen", dateOfBirth: "1978-06-30", nationality: "DNK", issuingCountry: "DNK" },
  { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12", nationality: "DEU", issuingCountry: "DEU" },
  { firstName: "Maria", lastName: "Santos", dateOfBirth: "1992-01-20", nationality: "PRT", issuingCountry: "PRT" },
  { firstName: "Jan", lastName: "Kowalski", dateOfBirth: "1970-09-09", nationality: "POL", issuingCountry: "POL" }
].map((person, index) => ({
  ...person,
  documentType: index % 2 === 0 ? "passport" : "idCard",
  documentNumber: `BENCH${index}0001`
}))

export const peopleCount = people.length

export const userDataOf = (index: number) => people[index % people.length] as (typeof people)[number]

/** The second provider's layer: the sandbox's code, registered as {@link secondName}. */
const secondProvider = ProviderRegistry.register(
  Effect.map(SandboxProvider.make({ webhookSecrets: [webhookSecret], latency: 0 }), (sandbox) => ({
    ...sandbox,
    name: secondName
  }))
)

const servicesLayer = (database: Layer.Layer<SqlClient.SqlClient>) =>
  engineServices({
    database,
    webhookSecret,
    moreProviders: secondProvider,
    settings: { ...EngineConfig.defaults, routingPolicy: policy }
  })

export type Services = Layer.Success<ReturnType<typeof servicesLayer>>

/** The services on a new embedded store in a temporary folder; `dispose` closes them and removes the folder. */
export const makeServices = () => {
  const folder = mkdtempSync(join(tmpdir(), "assure-bench-routing-"))
  const database = Layer.orDie(EmbeddedStore.layer({ dataDirectory: folder, synchronous: "normal" }))
  const runtime = ManagedRuntime.make(servicesLayer(database))
  return {
    runtime,
    dispose: async () => {
      await runtime.dispose()
      rmSync(folder, { recursive: true, force: true })
    }
  }
}
