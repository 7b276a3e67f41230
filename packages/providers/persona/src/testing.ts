/**
 * Testing Persona integrations offline: a simulator of Persona's inquiry API and hosted flow, and helpers to drive
 * it.
 *
 * The simulator is a stateful stand-in for Persona on loopback (`127.0.0.1`, a free port) for as long as its scope
 * is open. It serves Persona's paths under `/api/v1` — `POST /inquiries`, `GET /inquiries/{id}` (with
 * `include=verifications`), `POST /inquiries/{id}/expire` and the sandbox's `POST
 * /inquiries/{id}/perform-simulate-actions` — with JSON:API bodies; it refuses a wrong `Authorization: Bearer` key,
 * a `Persona-Version` or `Key-Inflection` it does not know, and a body that breaks Persona's shape, answers in the
 * inflection asked for (kebab-case by default), and sends `inquiry.*` events signed in `Persona-Signature` (one
 * `t=…,v1=…` set per secret). The end-user's page is `GET /verify?inquiry-id=…&redirect-uri=…`: it plays the
 * end-user through the flow and redirects to `redirect-uri` with `inquiry-id`, `reference-id` and `status`.
 *
 * The last name the client sends (`fields["name-last"]`, any case) decides how the inquiry ends, as if the end-user
 * went through the flow at once:
 *
 * | last name | the inquiry |
 * |---|---|
 * | anything else | is `completed`, its government ID `passed` |
 * | `Approved` | is `approved` (completed, then approved by a workflow) |
 * | `Declined` | is `declined` (completed, then declined) |
 * | `Failed` | is `failed`, its government ID `failed` |
 * | `Review` | is `needs_review` |
 * | `Expired` | is `expired`: the end-user walked away |
 * | `Pending` | stays `created` until `complete(id, status)`, a simulate action or a visit of the hosted page |
 *
 * Simulate actions (sandbox keys only, as at Persona): `start_inquiry`, `complete_inquiry`, `fail_inquiry`,
 * `expire_inquiry`, `mark_for_review_inquiry`, `approve_inquiry`, `decline_inquiry`, `create_passed_verification`
 * and `create_failed_verification`, each firing its event.
 *
 * `failNext(failure)` makes the next request fail the way Persona fails: `unauthorized` (401), `rateLimited` (429
 * with `RateLimit-Reset: 2`), `unavailable` (503), `timeout`, `malformedJson` and `schemaInvalid`; `arm` takes any
 * fault of the kit, such as a 429 with `RateLimit-Reset` (`SimulatorFault.rateLimited({ spelling:
 * "rateLimitReset" })`), Persona's own spelling.
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
 *   apiKey: Redacted.make("persona_sandbox_test"),
 *   webhookSecret: Redacted.make("wbhsec_test")
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { IdentityData } from "@assure/core"
import type { IdentityProvider } from "@assure/provider"
import {
  Simulator as Kit,
  SimulatorAuth,
  SimulatorFault,
  SimulatorStore,
  SimulatorWebhooks,
  TestRequest
} from "@assure/provider/testing"
import { Clock, Context, type Duration, Effect, Layer, Redacted, Schema, type Scope } from "effect"
import type * as PersonaClient from "./PersonaClient.js"
import * as PersonaProvider from "./PersonaProvider.js"
import * as PersonaWebhook from "./PersonaWebhook.js"

/** A way the simulated Persona can fail (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = SimulatorFault.VendorFailure

/** An inquiry status. @since 0.1.0 */
export type InquiryStatus = PersonaClient.InquiryStatus

/** The inquiry template the simulator's examples use. @since 0.1.0 */
export const templateId = "itmpl_simulator0000000000000000"

/** The `Persona-Version` values the simulator accepts (Persona's documented versions). @since 0.1.0 */
export const apiVersions: ReadonlyArray<string> = [
  "2025-12-08",
  "2025-10-27",
  "2023-01-05",
  "2022-09-01",
  "2021-08-18",
  "2021-07-05",
  "2021-02-21",
  "2020-05-18"
]

/** Each inquiry status's event name. @since 0.1.0 */
export const eventNames: Readonly<Record<InquiryStatus, string>> = {
  created: "inquiry.created",
  pending: "inquiry.started",
  completed: "inquiry.completed",
  failed: "inquiry.failed",
  expired: "inquiry.expired",
  needs_review: "inquiry.marked-for-review",
  approved: "inquiry.approved",
  declined: "inquiry.declined"
}

/** The simulate actions that set an inquiry status. @since 0.1.0 */
export const statusActions: Readonly<Record<string, InquiryStatus>> = {
  start_inquiry: "pending",
  complete_inquiry: "completed",
  fail_inquiry: "failed",
  expire_inquiry: "expired",
  mark_for_review_inquiry: "needs_review",
  approve_inquiry: "approved",
  decline_inquiry: "declined"
}

/** The last names that choose an outcome (see the module table); others complete the inquiry. @since 0.1.0 */
export const magicNames: Readonly<Record<string, InquiryStatus | "waiting">> = {
  approved: "approved",
  declined: "declined",
  failed: "failed",
  review: "needs_review",
  expired: "expired",
  pending: "waiting"
}

/** How the simulator is set up. @since 0.1.0 */
export interface Options {
  /** The only API key it accepts; `persona_sandbox_…` keys may perform simulate actions. */
  readonly apiKey: Redacted.Redacted<string>
  /** The secret it signs webhooks with. */
  readonly webhookSecret: Redacted.Redacted<string>
  /** Where it POSTs events; without it, webhooks are only returned by `complete`. */
  readonly webhookUrl?: string | undefined
}

/** A running simulator: the kit's controls and Persona's own verbs. @since 0.1.0 */
export interface Simulator extends Kit.Controls {
  /** Where the hosted flow is (`<origin>/verify`), for the client's `hostedFlowUrl`. */
  readonly hostedFlowUrl: string
  /**
   * Moves an inquiry to `status` (as a simulate action or a reviewer does), and returns (and delivers, with
   * `webhookUrl`) the signed event. `timestamp` back-dates the signature.
   */
  readonly complete: (
    id: string,
    status: InquiryStatus,
    options?: { readonly timestamp?: number | undefined }
  ) => Effect.Effect<IdentityProvider.WebhookRequest>
  /** An inquiry's status as the simulator keeps it. */
  readonly status: (id: string) => Effect.Effect<InquiryStatus | undefined>
}

/** The simulator as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class PersonaSimulator extends Context.Service<PersonaSimulator, Simulator>()("@assure/persona/Simulator") {}

/** A verification as the simulator keeps it. */
interface StoredVerification {
  readonly id: string
  readonly type: string
  status: "initiated" | "submitted" | "passed" | "failed"
}

/** An inquiry as the simulator keeps it. */
interface Stored {
  readonly id: string
  readonly templateId: string
  readonly referenceId: string | null
  readonly fields: Readonly<Record<string, string>>
  readonly createdAt: string
  status: InquiryStatus
  readonly planned: InquiryStatus | "waiting"
  readonly verifications: Array<StoredVerification>
}

// ICAO's German specimen, as Persona would read it from the identity card (overridden by the fields sent).
const specimen = {
  "name-first": "Erika",
  "name-last": "Mustermann",
  birthdate: "1964-08-12",
  "address-street-1": "Heidestrasse 17",
  "address-street-2": null,
  "address-city": "Köln",
  "address-subdivision": null,
  "address-postal-code": "51147",
  "address-country-code": "DE",
  "identification-number": "C01X00T47"
}
const governmentId = {
  "id-class": "id",
  "identification-number": "C01X00T47",
  "issue-date": "2021-01-15",
  "expiration-date": "2031-01-14",
  "country-code": "DE"
}

/** Persona's JSON:API error answer. */
const fail = (status: number, title: string, details?: string, pointer?: string): Kit.Answer => ({
  status,
  body: {
    errors: [
      {
        title,
        ...(details === undefined ? {} : { details }),
        ...(pointer === undefined ? {} : { source: { pointer } })
      }
    ]
  }
})

const unauthorized = fail(401, "Must be authenticated to access this endpoint")
const notFound = () => fail(404, "Record not found")

const failures = {
  ...SimulatorFault.vendorFailures({
    unauthorized,
    rateLimited: fail(429, "Too many requests").body,
    unavailable: fail(503, "Service unavailable").body,
    successStatus: 200,
    malformedJson: '{"data": {"type": "inquiry", "id": ',
    schemaInvalid: { data: { type: "inquiry", id: 42, attributes: { status: "unheard-of" } } }
  }),
  // Persona tells the wait in `RateLimit-Reset` (seconds until the window resets), not `Retry-After`.
  rateLimited: SimulatorFault.rateLimited({ spelling: "rateLimitReset", body: fail(429, "Too many requests").body })
}

const createAttributes = new Set([
  "inquiry-template-id",
  "inquiry-template-version-id",
  "template-id",
  "reference-id",
  "account-id",
  "fields",
  "note",
  "tags",
  "theme-id",
  "locale"
])

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A kebab-case key in the inflection a request asked for. */
const inflect = (key: string, inflection: string | undefined): string =>
  inflection === "snake"
    ? key.replaceAll("-", "_")
    : inflection === "camel"
      ? key.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
      : key

/** Re-keys a body; the values of `fields` and of ids stay as they are. */
const inflectKeys = (value: unknown, inflection: string | undefined): unknown => {
  if (inflection === undefined || inflection === "kebab") return value
  if (Array.isArray(value)) return value.map((item) => inflectKeys(item, inflection))
  if (!isObject(value)) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [inflect(key, inflection), inflectKeys(item, inflection)])
  )
}

const headerCheck = (request: Kit.Request): Kit.Answer | undefined => {
  const version = request.headers["persona-version"]
  if (version !== undefined && !apiVersions.includes(version)) {
    return fail(400, "Invalid Persona-Version", `${version} is not a Persona API version`)
  }
  const inflection = request.headers["key-inflection"]
  if (inflection !== undefined && !["camel", "kebab", "snake"].includes(inflection)) {
    return fail(400, "Invalid Key-Inflection", "expected camel, kebab or snake")
  }
  return undefined
}

/** The time as Persona writes it. */
const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const inquiries = SimulatorStore.make<Stored>({ notFound })
    /** Each `Idempotency-Key`: the inquiry it created and the body it came with. */
    const byIdempotencyKey = new Map<string, { readonly id: string; readonly body: string }>()
    let requests = 0
    const sandbox = Redacted.value(options.apiKey).startsWith("persona_sandbox_")

    const signWith =
      (timestamp?: number): SimulatorWebhooks.Sign =>
      (body) =>
        Effect.gen(function* () {
          const signed = yield* PersonaWebhook.sign({ secrets: [options.webhookSecret], event: body, timestamp })
          const seconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
          return {
            ...signed,
            headers: {
              ...signed.headers,
              "persona-webhook-attempts-made": "1",
              "persona-webhook-attempts-left": "7",
              "persona-webhook-first-attempted-at": String(seconds)
            }
          }
        })
    const webhooks = yield* SimulatorWebhooks.make({ url: options.webhookUrl, sign: signWith() })

    /** The inquiry as a JSON:API resource: identity data once the end-user has submitted it. */
    const resource = (stored: Stored) => {
      const submitted = stored.status !== "created" && stored.status !== "pending" && stored.status !== "expired"
      const data = submitted ? { ...specimen, ...stored.fields } : {}
      return {
        type: "inquiry",
        id: stored.id,
        attributes: {
          status: stored.status,
          "reference-id": stored.referenceId,
          "created-at": stored.createdAt,
          "name-first": null,
          "name-middle": null,
          "name-last": null,
          birthdate: null,
          "address-street-1": null,
          "address-street-2": null,
          "address-city": null,
          "address-subdivision": null,
          "address-postal-code": null,
          "address-country-code": null,
          "identification-number": null,
          ...data,
          fields: {}
        },
        relationships: {
          "inquiry-template": { data: { type: "inquiry-template", id: stored.templateId } },
          verifications: { data: stored.verifications.map(({ type, id }) => ({ type, id })) }
        }
      }
    }

    const verificationResource = (stored: Stored, verification: StoredVerification) => ({
      type: verification.type,
      id: verification.id,
      attributes: {
        status: verification.status,
        "name-first": stored.fields["name-first"] ?? specimen["name-first"],
        "name-last": stored.fields["name-last"] ?? specimen["name-last"],
        birthdate: stored.fields.birthdate ?? specimen.birthdate,
        ...governmentId,
        checks: [
          {
            name: "id_expired_detection",
            status: verification.status === "failed" ? "failed" : "passed",
            reasons: verification.status === "failed" ? ["expired"] : [],
            requirement: "required",
            metadata: {}
          },
          {
            name: "id_barcode_detection",
            status: "not_applicable",
            reasons: ["disabled"],
            requirement: "not_required",
            metadata: {}
          }
        ]
      },
      relationships: { inquiry: { data: { type: "inquiry", id: stored.id } } }
    })

    const document = (stored: Stored, include: boolean) => ({
      data: resource(stored),
      ...(include
        ? { included: stored.verifications.map((verification) => verificationResource(stored, verification)) }
        : {})
    })

    const eventOf = (stored: Stored) =>
      Effect.map(now, (createdAt) => ({
        data: {
          type: "event",
          id: SimulatorStore.prefixedId("evt", 24),
          attributes: { name: eventNames[stored.status], "created-at": createdAt, payload: { data: resource(stored) } }
        }
      }))

    const verify = (stored: Stored, status: "passed" | "failed") => {
      stored.verifications.push({
        id: SimulatorStore.prefixedId("ver", 24),
        type: "verification/government-id",
        status
      })
    }

    /** Sets a status and fires its event. */
    const transition = (stored: Stored, status: InquiryStatus, timestamp?: number) =>
      Effect.gen(function* () {
        stored.status = status
        const submitted = status !== "created" && status !== "pending" && status !== "expired"
        if (submitted && stored.verifications.length === 0) verify(stored, status === "failed" ? "failed" : "passed")
        return yield* webhooks.send(yield* eventOf(stored), { sign: signWith(timestamp) })
      })

    /** Plays the end-user through the flow to the planned outcome, as Persona's statuses go. */
    const playOut = (stored: Stored) =>
      Effect.gen(function* () {
        if (stored.planned === "waiting") return
        if (stored.planned === "expired") return yield* Effect.asVoid(transition(stored, "expired"))
        yield* transition(stored, "pending")
        if (stored.planned === "failed") return yield* Effect.asVoid(transition(stored, "failed"))
        yield* transition(stored, "completed")
        if (stored.planned !== "completed") yield* transition(stored, stored.planned)
      })

    const complete: Simulator["complete"] = (id, status, completing = {}) =>
      Effect.gen(function* () {
        const stored = inquiries.get(id)
        if (stored === undefined) return yield* Effect.die(new Error(`the simulator has no inquiry ${id}`))
        return yield* transition(stored, status, completing.timestamp)
      })

    const answer = (request: Kit.Request, status: number, stored: Stored, include = false): Kit.Answer => ({
      status,
      body: inflectKeys(document(stored, include), request.headers["key-inflection"])
    })

    /**
     * `POST /inquiries`: checks the body as Persona would. A retry with the same `Idempotency-Key` and body gets the
     * same inquiry; the same key with another body is Persona's 400 idempotency error.
     */
    const create: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const key = request.headers["idempotency-key"]
        const earlier = key === undefined ? undefined : byIdempotencyKey.get(key)
        if (earlier !== undefined && earlier.body !== request.text) {
          return fail(
            400,
            "Idempotency error",
            "Keys for idempotent requests can only be used with the same parameters they were first used with."
          )
        }
        const started = earlier === undefined ? undefined : inquiries.get(earlier.id)
        if (started !== undefined) return answer(request, 201, started)
        const parsed = request.json()
        const attributes = isObject(parsed) && isObject(parsed.data) ? parsed.data.attributes : undefined
        if (!isObject(attributes)) return fail(400, "Bad request", "data.attributes is required", "/data/attributes")
        const unknown = Object.keys(attributes).find((name) => !createAttributes.has(name))
        if (unknown !== undefined) {
          return fail(400, "Bad request", `unknown attribute ${unknown}`, `/data/attributes/${unknown}`)
        }
        const template = attributes["inquiry-template-id"] ?? attributes["template-id"]
        if (typeof template !== "string" || !/^itmpl_[A-Za-z0-9]+$/.test(template)) {
          return fail(
            422,
            "Invalid template",
            "inquiry-template-id must be an itmpl_ id",
            "/data/attributes/inquiry-template-id"
          )
        }
        const reference = attributes["reference-id"]
        if (reference !== undefined && typeof reference !== "string") {
          return fail(422, "Invalid reference", "reference-id must be a string", "/data/attributes/reference-id")
        }
        const fields = attributes.fields ?? {}
        if (!isObject(fields) || Object.values(fields).some((value) => typeof value !== "string")) {
          return fail(422, "Invalid fields", "fields must map field names to values", "/data/attributes/fields")
        }
        const given = fields as Record<string, string>
        if (given.birthdate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(given.birthdate)) {
          return fail(422, "Invalid fields", "birthdate must be YYYY-MM-DD", "/data/attributes/fields/birthdate")
        }
        const stored = inquiries.insert({
          id: SimulatorStore.prefixedId("inq", 24),
          templateId: template,
          referenceId: reference ?? null,
          fields: given,
          createdAt: yield* now,
          status: "created",
          planned: magicNames[(given["name-last"] ?? "").toLowerCase()] ?? "completed",
          verifications: []
        })
        if (key !== undefined) byIdempotencyKey.set(key, { id: stored.id, body: request.text })
        const created = answer(request, 201, stored)
        yield* webhooks.send(yield* eventOf(stored))
        yield* playOut(stored)
        return created
      })

    const simulate: Kit.Handler<{ readonly id: string }> = (request) =>
      Effect.gen(function* () {
        const stored = yield* inquiries.require(request.params.id)
        if (!sandbox) return fail(400, "Bad request", "simulate actions are only available in the Sandbox environment")
        const parsed = request.json()
        const actions = isObject(parsed) && isObject(parsed.meta) ? parsed.meta["simulate-actions"] : undefined
        if (!Array.isArray(actions) || actions.length === 0) {
          return fail(400, "Bad request", "meta.simulate-actions must list actions", "/meta/simulate-actions")
        }
        for (const action of actions) {
          const type = isObject(action) ? action.type : undefined
          if (typeof type !== "string") return fail(400, "Bad request", "an action needs a type")
          const status = statusActions[type]
          if (status !== undefined) yield* transition(stored, status)
          else if (type === "create_passed_verification") verify(stored, "passed")
          else if (type === "create_failed_verification") verify(stored, "failed")
          else return fail(400, "Bad request", `unknown simulate action ${type}`)
        }
        return answer(request, 200, stored)
      })

    /** The hosted flow: the end-user goes through it and is sent to `redirect-uri` once it is done. */
    const page: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = inquiries.get(request.query.get("inquiry-id") ?? "")
        if (stored === undefined) return { status: 404, body: "This inquiry does not exist." }
        if (stored.status === "created") {
          if (stored.planned === "waiting") yield* transition(stored, "pending")
          else yield* playOut(stored)
        }
        const redirect = request.query.get("redirect-uri")
        if (redirect === null || stored.status === "pending" || stored.status === "created") {
          return { status: 200, body: `Inquiry ${stored.id}: ${stored.status}` }
        }
        const back = new URL(redirect)
        back.searchParams.set("inquiry-id", stored.id)
        if (stored.referenceId !== null) back.searchParams.set("reference-id", stored.referenceId)
        back.searchParams.set("status", stored.status)
        return Kit.redirect(back.toString())
      })

    const guard = SimulatorAuth.refuse(SimulatorAuth.bearer(options.apiKey), unauthorized)
    const checked =
      <P extends Readonly<Record<string, string>>>(handler: Kit.Handler<P>): Kit.Handler<P> =>
      (request) => {
        const refusal = headerCheck(request)
        return refusal === undefined ? handler(request) : Effect.succeed(refusal)
      }

    const simulator = yield* Kit.make({
      basePath: "/api/v1",
      guard,
      notFound,
      headers: () => ({ "x-request-id": `req_${++requests}`, "ratelimit-limit": "300", "ratelimit-remaining": "299" }),
      routes: [
        Kit.post("/inquiries", checked(create)),
        Kit.get(
          "/inquiries/:id",
          checked((request) =>
            Effect.map(inquiries.require(request.params.id), (stored) =>
              answer(request, 200, stored, (request.query.get("include") ?? "").split(",").includes("verifications"))
            )
          )
        ),
        Kit.post(
          "/inquiries/:id/expire",
          checked((request) =>
            Effect.gen(function* () {
              const stored = yield* inquiries.require(request.params.id)
              for (const verification of stored.verifications) {
                if (verification.status === "initiated" || verification.status === "submitted") {
                  verification.status = "failed"
                }
              }
              yield* transition(stored, "expired")
              return answer(request, 200, stored)
            })
          )
        ),
        Kit.post("/inquiries/:id/perform-simulate-actions", checked(simulate))
      ],
      pages: [Kit.get("/verify", page)]
    })

    return {
      ...Kit.controls(simulator, { failures, webhooks }),
      hostedFlowUrl: `${simulator.origin}/verify`,
      complete,
      status: (id) => Effect.sync(() => inquiries.get(id)?.status)
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
 * that uses this adapter provide. The provider's default template is {@link templateId}; `timeout` is the client's
 * (keep it short: the `timeout` failure waits for it).
 *
 * @since 0.1.0
 */
export const layerTest = (options: Options & { readonly timeout?: Duration.Input | undefined }) =>
  Kit.withProvider(layer(options), PersonaSimulator, (simulator) =>
    PersonaProvider.layer({
      apiKey: options.apiKey,
      baseUrl: simulator.baseUrl,
      hostedFlowUrl: simulator.hostedFlowUrl,
      inquiryTemplateId: templateId,
      timeout: options.timeout,
      webhookSecrets: [options.webhookSecret]
    })
  )

/** The last name that makes an inquiry end in `status` (`waiting`: stays `created`). @since 0.1.0 */
export const lastNameOf = (status: InquiryStatus | "waiting"): string =>
  status === "completed"
    ? "Mustermann"
    : (Object.entries(magicNames).find(([, planned]) => planned === status)?.[0] ?? "mustermann").replace(
        /^./,
        (letter) => letter.toUpperCase()
      )

/**
 * A start request whose inquiry the simulator ends in `status` (`"waiting"`: stays `created` until `complete`).
 *
 * @since 0.1.0
 */
export const startRequest = (
  status: InquiryStatus | "waiting",
  options: {
    readonly parameters?: PersonaProvider.Parameters | undefined
    readonly returnUrl?: string | undefined
  } = {}
): IdentityProvider.StartRequest<unknown> =>
  TestRequest.start({
    processType: "inquiry",
    parameters: options.parameters ?? {},
    returnUrl: options.returnUrl,
    userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({ firstName: "Erika", lastName: lastNameOf(status) })
  })
