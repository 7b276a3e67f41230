/**
 * Testing Persona integrations offline: a simulator of the Persona API, and helpers to drive it.
 *
 * The simulator is a stateful stand-in for the vendor on loopback (`127.0.0.1`, a free port) for as long as its scope
 * is open. It speaks the vendor's paths, headers and payloads, refuses a wrong API key and a request body that breaks
 * the vendor's schema, keeps verifications in memory, and signs webhooks as the vendor does. The last name sent
 * with a verification decides how it ends (any case):
 *
 * | last name | the verification |
 * |---|---|
 * | anything else | is `approved` |
 * | `Declined` | is `declined` (`document_expired`) |
 * | `Review` | goes to `review` (`image_quality_poor`) |
 * | `Pending` | stays `processing` until `complete(id, status)` |
 *
 * `failNext(failure)` makes the next request fail the way vendors fail: `unauthorized` (401), `rateLimited` (429
 * with `Retry-After: 2`), `unavailable` (503), `timeout` (no answer until the simulator closes), `malformedJson` and
 * `schemaInvalid` (200 with a body the adapter cannot read).
 *
 * It is built on the simulator kit of `@assure/provider/testing` (`Simulator`, `SimulatorAuth`, `SimulatorStore`,
 * `SimulatorWebhooks`, `SimulatorFault`): this file holds only the vendor's routes, data and words.
 *
 * TODO(vendor): make the simulator answer as the real vendor does — its paths, status codes, error bodies, headers
 * and webhook events — from the vendor's API reference and recorded sandbox traffic, so that tests against it mean
 * something.
 *
 * @example
 * ```ts
 * import { layerTest } from "@assure/persona/testing"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * // The provider registered against a fresh simulator, which is provided too (`PersonaSimulator`).
 * const TestProviders = layerTest({
 *   apiKey: Redacted.make("sk_test"),
 *   webhookSecret: Redacted.make("whsec_test")
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { IdentityData, Problem } from "@assure/core"
import type { IdentityProvider } from "@assure/provider"
import {
  Simulator as Kit,
  SimulatorAuth,
  SimulatorFault,
  SimulatorStore,
  SimulatorWebhooks,
  TestRequest
} from "@assure/provider/testing"
import { Context, type Duration, Effect, Layer, type Redacted, Schema, type Scope } from "effect"
import * as PersonaClient from "./PersonaClient.js"
import * as PersonaProvider from "./PersonaProvider.js"
import * as PersonaWebhook from "./PersonaWebhook.js"

/** A way the simulated vendor can fail (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = SimulatorFault.VendorFailure

/** A status a verification ends in, in the vendor's words. @since 0.1.0 */
export type FinalStatus = Exclude<PersonaClient.VerificationStatus, "processing">

/** How the simulator is set up. @since 0.1.0 */
export interface Options {
  /** The only API key it accepts. */
  readonly apiKey: Redacted.Redacted<string>
  /** The secret it signs webhooks with. */
  readonly webhookSecret: Redacted.Redacted<string>
  /** Where it POSTs a webhook when a verification ends; without it, webhooks are only returned by `complete`. */
  readonly webhookUrl?: string | undefined
}

/** A running simulator. @since 0.1.0 */
export interface Simulator {
  /** Where it listens, for the client's `baseUrl`. */
  readonly baseUrl: string
  /** Makes the next request, whatever it is, fail this way. */
  readonly failNext: (failure: Failure) => Effect.Effect<void>
  /** Arms any fault of the kit, for the next requests or one route (`"GET /v1/verifications/:id"`). */
  readonly arm: (fault: SimulatorFault.Fault, arming?: Kit.Arming) => Effect.Effect<void>
  /** Ends a verification with `status`, and returns (and delivers, with `webhookUrl`) the signed webhook. */
  readonly complete: (id: string, status: FinalStatus) => Effect.Effect<IdentityProvider.WebhookRequest>
  /** Every request received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<Kit.RecordedRequest>>
}

/** The simulator as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class PersonaSimulator extends Context.Service<PersonaSimulator, Simulator>()("@assure/persona/Simulator") {}

/** A verification as the simulator keeps it. */
interface Stored {
  readonly id: string
  status: PersonaClient.VerificationStatus
  readonly person: typeof PersonaClient.Person.Type
  readonly document: typeof PersonaClient.Document.Type
}

const byLastName: Readonly<Record<string, PersonaClient.VerificationStatus>> = {
  declined: "declined",
  review: "review",
  pending: "processing"
}

const reasons: Readonly<Record<PersonaClient.VerificationStatus, string | null>> = {
  processing: null,
  approved: null,
  declined: "document_expired",
  review: "image_quality_poor"
}

// ICAO's German specimen, as the vendor would read it from the document (overridden by the names sent).
const specimen = {
  person: { first_name: "Erika", last_name: "Mustermann", birth_date: "1964-08-12", nationality: "DE" },
  document: { type: "id_card", number: "C01X00T47", country: "DE", expiry_date: "2031-01-14" }
}

const decodeCreateVerification = Schema.decodeUnknownEffect(PersonaClient.CreateVerification)

/** The wire form of a stored verification: identity data only once the vendor has finished. */
const wire = (stored: Stored) => ({
  id: stored.id,
  status: stored.status,
  reason: reasons[stored.status],
  person: stored.status === "processing" ? null : stored.person,
  document: stored.status === "processing" ? null : stored.document
})

// TODO(vendor): the vendor's error bodies.
const vendorError = (status: number, field: string, message: string) => ({
  status,
  body: { errors: [{ field, message }] }
})

const unauthorized = vendorError(401, "authorization", "invalid API key")

/** How the simulator answers each failure. */
const failures = SimulatorFault.vendorFailures({
  unauthorized,
  rateLimited: { errors: [] },
  unavailable: { errors: [] },
  malformedJson: '{"id": "ver_',
  schemaInvalid: { id: 42, status: "unheard-of" }
})

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const verifications = SimulatorStore.make<Stored>({ notFound: () => vendorError(404, "", "not found") })
    const byIdempotencyKey = new Map<string, string>()
    let requests = 0
    // TODO(vendor): the vendor's signing scheme (or PersonaWebhook.sign, if it is not an HMAC header).
    const webhooks = yield* SimulatorWebhooks.make({
      url: options.webhookUrl,
      sign: SimulatorWebhooks.hmacHeader({
        header: PersonaWebhook.signatureHeader,
        algorithm: "SHA-256",
        encoding: "hex",
        secret: options.webhookSecret
      })
    })

    const webhookFor = (stored: Stored) =>
      webhooks.send({
        id: SimulatorStore.prefixedId("evt", 32),
        type: "verification.completed",
        verification_id: stored.id,
        status: stored.status
      })

    const complete = (id: string, status: FinalStatus) =>
      Effect.gen(function* () {
        const stored = verifications.get(id)
        if (stored === undefined) return yield* Effect.die(new Error(`the simulator has no verification ${id}`))
        stored.status = status
        return yield* webhookFor(stored)
      })

    /**
     * `POST /v1/verifications`: checks the body as the vendor would, then decides the outcome by last name. A retry
     * with the same `Idempotency-Key` gets the verification the first call started.
     */
    const create = (request: Kit.Request) =>
      Effect.gen(function* () {
        const key = request.headers["idempotency-key"]
        const started = key === undefined ? undefined : byIdempotencyKey.get(key)
        if (started !== undefined) return { status: 201, body: { id: started, status: "processing" } }
        const parsed = request.json()
        if (parsed === undefined) return vendorError(400, "", "not JSON")
        const decoded = yield* decodeCreateVerification(parsed, { errors: "all", onExcessProperty: "error" }).pipe(
          Effect.result
        )
        if (decoded._tag === "Failure") {
          const errors = Problem.invalidParams(decoded.failure.issue).map((param) => ({
            field: param.name,
            message: param.reason
          }))
          return { status: 422, body: { errors } }
        }
        const { person, files } = decoded.success
        if (!files.some((file) => file.side === "front")) return vendorError(422, "files", "a front image is required")
        const stored = verifications.insert({
          id: SimulatorStore.prefixedId("ver", 32),
          status: byLastName[person?.last_name?.toLowerCase() ?? ""] ?? "approved",
          person: { ...specimen.person, ...person },
          document: specimen.document
        })
        if (key !== undefined) byIdempotencyKey.set(key, stored.id)
        if (stored.status !== "processing") yield* webhookFor(stored)
        return { status: 201, body: { id: stored.id, status: "processing" } }
      })

    const simulator = yield* Kit.make({
      // TODO(vendor): the vendor's authentication scheme (SimulatorAuth.apiKey, basic, signed …)
      guard: SimulatorAuth.refuse(SimulatorAuth.bearer(options.apiKey), unauthorized),
      notFound: () => vendorError(404, "", "not found"),
      headers: () => ({ "x-request-id": `req_${++requests}` }),
      routes: [
        Kit.post("/v1/verifications", create),
        Kit.get("/v1/verifications/:id", (request) =>
          Effect.map(verifications.require(request.params.id), (stored) => ({ status: 200, body: wire(stored) }))
        )
      ]
    })

    return {
      baseUrl: simulator.baseUrl,
      failNext: (failure) => simulator.arm(failures[failure]),
      arm: simulator.arm,
      complete,
      requests: simulator.requests
    }
  })

/**
 * A simulator for each build of the layer (a fresh one per test, with `Conformance.suite`).
 *
 * @since 0.1.0
 */
export const layer = (options: Options) => Layer.effect(PersonaSimulator, make(options))

/**
 * The provider registered against a fresh simulator, with the simulator as a service: what tests of an application
 * that uses this adapter provide. `timeout` is the client's (keep it short: the `timeout` failure waits for it).
 *
 * @since 0.1.0
 */
export const layerTest = (options: Options & { readonly timeout?: Duration.Input | undefined }) =>
  Kit.withProvider(layer(options), PersonaSimulator, (simulator) =>
    PersonaProvider.layer({
      apiKey: options.apiKey,
      baseUrl: simulator.baseUrl,
      timeout: options.timeout,
      webhookSecrets: [options.webhookSecret]
    })
  )

// A 1×1 PNG stands in for the document image.
const image = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (char) => char.charCodeAt(0)
)

const lastNames: Record<FinalStatus | "pending", string> = {
  approved: "Mustermann",
  declined: "Declined",
  review: "Review",
  pending: "Pending"
}

/**
 * A start request that the simulator ends with `status` (`"pending"`: waits for `complete`).
 *
 * @since 0.1.0
 */
export const startRequest = (status: FinalStatus | "pending"): IdentityProvider.StartRequest<unknown> =>
  TestRequest.start({
    processType: "document",
    userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({ firstName: "Erika", lastName: lastNames[status] }),
    files: [{ kind: "front", mediaType: "image/png", bytes: image }]
  })
