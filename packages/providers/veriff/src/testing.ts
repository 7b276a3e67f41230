/**
 * Testing Veriff integrations offline: a simulator of the Veriff API, and helpers to drive it.
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
 * TODO(vendor): make the simulator answer as the real vendor does — its paths, status codes, error bodies, headers
 * and webhook events — from the vendor's API reference and recorded sandbox traffic, so that tests against it mean
 * something.
 *
 * @example
 * ```ts
 * import { layerTest } from "@assure/veriff/testing"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * // The provider registered against a fresh simulator, which is provided too (`VeriffSimulator`).
 * const TestProviders = layerTest({
 *   apiKey: Redacted.make("sk_test"),
 *   webhookSecret: Redacted.make("whsec_test")
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Identifiers, IdentityData, Problem, ProcessType } from "@assure/core"
import type { IdentityProvider, ProviderRegistry } from "@assure/provider"
import { Context, type Duration, Effect, Layer, Redacted, Schema, Scope } from "effect"
import type { HttpClient } from "effect/http"
import * as VeriffClient from "./VeriffClient.js"
import * as VeriffProvider from "./VeriffProvider.js"
import * as VeriffWebhook from "./VeriffWebhook.js"

/** A way the simulated vendor can fail (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = "unauthorized" | "rateLimited" | "unavailable" | "timeout" | "malformedJson" | "schemaInvalid"

/** A status a verification ends in, in the vendor's words. @since 0.1.0 */
export type FinalStatus = Exclude<VeriffClient.VerificationStatus, "processing">

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
  /** Ends a verification with `status`, and returns (and delivers, with `webhookUrl`) the signed webhook. */
  readonly complete: (id: string, status: FinalStatus) => Effect.Effect<IdentityProvider.WebhookRequest>
}

/** The simulator as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class VeriffSimulator extends Context.Service<VeriffSimulator, Simulator>()("@assure/veriff/Simulator") {}

/** A verification as the simulator keeps it. */
interface Stored {
  status: VeriffClient.VerificationStatus
  readonly person: typeof VeriffClient.Person.Type
  readonly document: typeof VeriffClient.Document.Type
}

const byLastName: Readonly<Record<string, VeriffClient.VerificationStatus>> = {
  declined: "declined",
  review: "review",
  pending: "processing"
}

const reasons: Readonly<Record<VeriffClient.VerificationStatus, string | null>> = {
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

const decodeCreateVerification = Schema.decodeUnknownEffect(VeriffClient.CreateVerification)

/** The wire form of a stored verification: identity data only once the vendor has finished. */
const wire = (id: string, stored: Stored) => ({
  id,
  status: stored.status,
  reason: reasons[stored.status],
  person: stored.status === "processing" ? null : stored.person,
  document: stored.status === "processing" ? null : stored.document
})

/** How the simulator answers each failure; `undefined` never answers. */
const failures: Record<
  Failure,
  { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> } | undefined
> = {
  unauthorized: { status: 401, body: { errors: [{ field: "authorization", message: "invalid API key" }] } },
  rateLimited: { status: 429, body: { errors: [] }, headers: { "retry-after": "2" } },
  unavailable: { status: 503, body: { errors: [] } },
  timeout: undefined,
  malformedJson: { status: 200, body: '{"id": "ver_' },
  schemaInvalid: { status: 200, body: { id: 42, status: "unheard-of" } }
}

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Scope.Scope
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    const verifications = new Map<string, Stored>()
    const byIdempotencyKey = new Map<string, string>()
    const armed: Array<Failure> = []
    let requests = 0

    /** Sends a webhook to `webhookUrl`, if there is one; a receiver that is down is the test's business. */
    const deliver = (webhook: IdentityProvider.WebhookRequest) => {
      const url = options.webhookUrl
      if (url === undefined) return Effect.void
      const body = new Uint8Array(webhook.rawBody)
      return Effect.tryPromise(() => fetch(url, { method: "POST", headers: webhook.headers, body })).pipe(
        Effect.ignore,
        Effect.forkIn(scope),
        Effect.asVoid
      )
    }

    const webhookFor = (id: string, status: VeriffClient.VerificationStatus) =>
      VeriffWebhook.sign({
        secret: options.webhookSecret,
        event: {
          id: `evt_${globalThis.crypto.randomUUID().replaceAll("-", "")}`,
          type: "verification.completed",
          verification_id: id,
          status
        }
      })

    const complete = (id: string, status: FinalStatus) =>
      Effect.gen(function* () {
        const stored = verifications.get(id)
        if (stored === undefined) return yield* Effect.die(new Error(`the simulator has no verification ${id}`))
        stored.status = status
        const webhook = yield* webhookFor(id, status)
        yield* deliver(webhook)
        return webhook
      })

    /**
     * `POST /v1/verifications`: checks the body as the vendor would, then decides the outcome by last name. A retry
     * with the same `Idempotency-Key` gets the verification the first call started.
     */
    const create = (body: string, idempotencyKey: string | undefined) =>
      Effect.gen(function* () {
        const started = idempotencyKey === undefined ? undefined : byIdempotencyKey.get(idempotencyKey)
        if (started !== undefined) return { status: 201, body: { id: started, status: "processing" } }
        const parsed = yield* Effect.try(() => JSON.parse(body) as unknown).pipe(Effect.option)
        if (parsed._tag === "None") return { status: 400, body: { errors: [{ field: "", message: "not JSON" }] } }
        const request = yield* decodeCreateVerification(parsed.value, {
          errors: "all",
          onExcessProperty: "error"
        }).pipe(Effect.result)
        if (request._tag === "Failure") {
          const errors = Problem.invalidParams(request.failure.issue).map((param) => ({
            field: param.name,
            message: param.reason
          }))
          return { status: 422, body: { errors } }
        }
        const { person, files } = request.success
        if (!files.some((file) => file.side === "front")) {
          return { status: 422, body: { errors: [{ field: "files", message: "a front image is required" }] } }
        }
        const id = `ver_${globalThis.crypto.randomUUID().replaceAll("-", "")}`
        if (idempotencyKey !== undefined) byIdempotencyKey.set(idempotencyKey, id)
        const status = byLastName[person?.last_name?.toLowerCase() ?? ""] ?? "approved"
        verifications.set(id, {
          status,
          person: { ...specimen.person, ...person },
          document: specimen.document
        })
        if (status !== "processing") yield* deliver(yield* webhookFor(id, status))
        return { status: 201, body: { id, status: "processing" } }
      })

    /** Answers one request; `undefined` leaves it hanging (the `timeout` failure). */
    const answer = (request: IncomingMessage, body: string) =>
      Effect.gen(function* () {
        const failure = armed.shift()
        if (failure !== undefined) return failures[failure]
        // TODO(vendor): the vendor's authentication scheme
        if (request.headers.authorization !== `Bearer ${Redacted.value(options.apiKey)}`) {
          return { status: 401, body: { errors: [{ field: "authorization", message: "invalid API key" }] } }
        }
        const path = new URL(request.url ?? "/", "http://simulator").pathname
        if (request.method === "POST" && path === "/v1/verifications") {
          const idempotencyKey = request.headers["idempotency-key"]
          return yield* create(body, typeof idempotencyKey === "string" ? idempotencyKey : undefined)
        }
        const id = /^\/v1\/verifications\/([^/]+)$/.exec(path)?.[1]
        const stored = id === undefined ? undefined : verifications.get(decodeURIComponent(id))
        if (request.method === "GET" && id !== undefined && stored !== undefined) {
          return { status: 200, body: wire(decodeURIComponent(id), stored) }
        }
        return { status: 404, body: { errors: [{ field: "", message: "not found" }] } }
      })

    const respond = (request: IncomingMessage, body: string, response: ServerResponse) =>
      Effect.map(answer(request, body), (answered) => {
        if (answered === undefined) return
        response.writeHead(answered.status, {
          "content-type": "application/json",
          "x-request-id": `req_${++requests}`,
          ...("headers" in answered ? answered.headers : {})
        })
        response.end(typeof answered.body === "string" ? answered.body : JSON.stringify(answered.body))
      })

    const server = yield* Effect.acquireRelease(
      Effect.callback<Server>((resume) => {
        const server = createServer((request, response) => {
          let body = ""
          request.setEncoding("utf8")
          request.on("data", (chunk: string) => {
            body += chunk
          })
          request.on("end", () => {
            runFork(respond(request, body, response))
          })
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      // Closing also ends connections left hanging by the `timeout` failure.
      (server) =>
        Effect.callback<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )

    return {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      failNext: (failure) =>
        Effect.sync(() => {
          armed.push(failure)
        }),
      complete
    }
  })

/**
 * A simulator for each build of the layer (a fresh one per test, with `Conformance.suite`).
 *
 * @since 0.1.0
 */
export const layer = (options: Options) => Layer.effect(VeriffSimulator, make(options))

/**
 * The provider registered against a fresh simulator, with the simulator as a service: what tests of an application
 * that uses this adapter provide. `timeout` is the client's (keep it short: the `timeout` failure waits for it).
 *
 * @since 0.1.0
 */
export const layerTest = (
  options: Options & { readonly timeout?: Duration.Input | undefined }
): Layer.Layer<
  VeriffSimulator,
  ProviderRegistry.RegistrationError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const simulator = yield* VeriffSimulator
      return VeriffProvider.layer({
        apiKey: options.apiKey,
        baseUrl: simulator.baseUrl,
        timeout: options.timeout,
        webhookSecrets: [options.webhookSecret]
      })
    })
  ).pipe(Layer.provideMerge(layer(options)))

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
export const startRequest = (status: FinalStatus | "pending"): IdentityProvider.StartRequest<unknown> => {
  const id = globalThis.crypto.randomUUID()
  return {
    dossierId: Identifiers.DossierId.make(`d-${id}`),
    processId: Identifiers.ProcessId.make(`p-${id}`),
    processType: ProcessType.ProcessType.make("document"),
    parameters: {},
    userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({ firstName: "Erika", lastName: lastNames[status] }),
    files: [{ kind: "front", mediaType: "image/png", bytes: image }],
    idempotencyKey: id
  }
}
