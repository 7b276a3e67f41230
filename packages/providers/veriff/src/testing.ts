/**
 * Testing Veriff integrations offline: a simulator of Veriff's public API v1 on loopback, built on the simulator kit
 * of `@assure/provider/testing` and holding only what is Veriff's: `POST /v1/sessions`, `POST /v1/sessions/{id}/media`,
 * `PATCH /v1/sessions/{id}` and `GET /v1/sessions/{id}/decision`, Veriff's refusals and codes (`X-AUTH-CLIENT`: 1801,
 * 1803; `X-HMAC-SIGNATURE`, checked here with `node:crypto` over the body or the session id: 1812, 1818, 1819;
 * parameters and media: 1104, 1203, 1302, 1401, 1402, 1500, 1304, 409), an `X-Request-Id` on every answer, and
 * webhooks signed as Veriff signs them: events (7001 started, 7002 submitted) to `eventWebhookUrl`, decisions to
 * `webhookUrl`. The package README's "The simulator" tells it all.
 *
 * Veriff's test integrations make no decisions ("you need to trigger the decisions yourself"); the person's
 * `firstName` chooses one, as in Veriff's own test convention, with three names of the simulator's own:
 *
 * | `verification.person.firstName` | decision once the session is submitted |
 * |---|---|
 * | `Approve` (Veriff's) | `approved` (9001): Mari Maasikas (1985-06-15, F, EE), passport KF0000001, with an address |
 * | `Decline` (Veriff's) | `declined` (9102), reason 102 "Suspected document tampering" |
 * | `Resubmit` (Veriff's) | `resubmission_requested` (9103), reason 204 "Poor image quality" |
 * | `Review`, `Expire`, `Abandon` | `review` (9121), `expired` (9104), `abandoned` (9104) |
 * | anything else | none: the session waits for `complete`, as in a test integration |
 *
 * The first decision request after submission answers `verification: null`, the next the decision; a headless
 * session without a `document-front` image is asked to resubmit (201). The session's `verification.url`
 * (`{baseUrl}/v/{token}`) is the hosted flow: opening it starts the session, `?submit=1` submits it,
 * `?decision=approved` (any decision) decides at once; each redirects to the `callback`.
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
 *   apiKey: Redacted.make("00000000-0000-4000-8000-000000000000"),
 *   sharedSecret: Redacted.make("test-shared-secret")
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { createHmac } from "node:crypto"
import { PersonName } from "@assure/core"
import type { IdentityProvider } from "@assure/provider"
import {
  Simulator as Kit,
  SimulatorAuth,
  SimulatorFault,
  SimulatorStore,
  SimulatorWebhooks,
  TestRequest
} from "@assure/provider/testing"
import { Clock, Context, type Duration, Effect, Layer, Redacted, type Scope } from "effect"
import * as VeriffClient from "./VeriffClient.js"
import * as VeriffProvider from "./VeriffProvider.js"
import * as VeriffWebhook from "./VeriffWebhook.js"

/** A way the simulated Veriff can fail (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = SimulatorFault.VendorFailure

/** A decision Veriff can make. @since 0.1.0 */
export type DecisionStatus = VeriffClient.DecisionStatus

/** The first names that choose a decision (see the module table). @since 0.1.0 */
export const magicNames: Readonly<Record<string, DecisionStatus>> = {
  Approve: "approved",
  Decline: "declined",
  Resubmit: "resubmission_requested",
  Review: "review",
  Expire: "expired",
  Abandon: "abandoned"
}

/** The first name that makes a session end in `decision`. @since 0.1.0 */
export const magicNameOf = (decision: DecisionStatus): string =>
  Object.entries(magicNames).find(([, status]) => status === decision)?.[0] ?? "Approve"

/** Each decision's code: the status-codes table's, where Veriff's pages disagree. @since 0.1.0 */
export const decisionCodes: Readonly<Record<DecisionStatus, number>> = {
  approved: 9001,
  declined: 9102,
  resubmission_requested: 9103,
  expired: 9104,
  abandoned: 9104,
  review: 9121
}

/** How the simulator is set up. @since 0.1.0 */
export interface Options {
  /** The only API key it accepts (`X-AUTH-CLIENT`). */
  readonly apiKey: Redacted.Redacted<string>
  /** The shared secret requests must be signed with, and that it signs webhooks with. */
  readonly sharedSecret: Redacted.Redacted<string>
  /** Where it POSTs decision webhooks; without it, webhooks are only returned by `complete`. */
  readonly webhookUrl?: string | undefined
  /** Where it POSTs event webhooks (started, submitted); default `webhookUrl`. */
  readonly eventWebhookUrl?: string | undefined
}

/** A request the simulator received, for tests that check what the adapter sent. @since 0.1.0 */
export type RecordedRequest = Kit.RecordedRequest

/**
 * A running simulator: the kit's controls (`baseUrl` for the client, which adds `/v1`; `failNext`, `arm`, `requests`,
 * `webhooks`) and Veriff's own verbs.
 *
 * @since 0.1.0
 */
export interface Simulator extends Kit.Controls {
  /**
   * Decides a session at once, as a tester does in Veriff's Customer Portal, and returns (and delivers, with
   * `webhookUrl`) the signed decision webhook.
   */
  readonly complete: (id: string, decision: DecisionStatus) => Effect.Effect<IdentityProvider.WebhookRequest>
  /** A session's status as the simulator keeps it (`created`, `started`, `submitted`, or the decision's status). */
  readonly status: (id: string) => Effect.Effect<string | undefined>
}

/** The simulator as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class VeriffSimulator extends Context.Service<VeriffSimulator, Simulator>()("@assure/veriff/Simulator") {}

/** A session as the simulator keeps it. */
interface Stored {
  readonly id: string
  readonly token: string
  /** A new one for each attempt: a resubmission is a new attempt. */
  attemptId: string
  readonly createdAt: string
  readonly callback: string | null
  readonly vendorData: string | null
  readonly endUserId: string | null
  readonly media: Array<{ readonly id: string; readonly context: string }>
  status: "created" | "started" | "submitted" | DecisionStatus
  /** The decision the first name chose, made once the session is submitted. */
  readonly planned: DecisionStatus | undefined
  /** How many more decision requests answer `null` before the planned decision is made. */
  wait: number
  /** Submitted through `PATCH /v1/sessions/{id}` (the headless flow), rather than the hosted flow. */
  submittedByApi: boolean
  decision: Record<string, unknown> | null
}

const person = {
  firstName: "MARI",
  lastName: "MAASIKAS",
  idNumber: "48506150000",
  gender: "F",
  citizenship: null,
  dateOfBirth: "1985-06-15",
  yearOfBirth: "1985",
  placeOfBirth: "TALLINN",
  nationality: "EE",
  pepSanctionMatch: null,
  // Veriff's address shape: the address as read, and its parts where Veriff parsed it (a made-up address).
  addresses: [
    {
      fullAddress: "Narva mnt 7-12, 10117 Tallinn, Estonia",
      parsedAddress: {
        street: "Narva mnt",
        houseNumber: "7",
        unit: "12",
        postcode: "10117",
        city: "Tallinn",
        state: null,
        country: "EST"
      }
    }
  ]
}
const passport = {
  number: "KF0000001",
  type: "PASSPORT",
  country: "EE",
  state: null,
  validFrom: "2020-01-10",
  validUntil: "2030-01-09",
  placeOfIssue: null,
  firstIssue: null,
  issueNumber: null,
  issuedBy: null,
  nfcValidated: null
}

const reasons: Partial<Record<DecisionStatus, readonly [number, string]>> = {
  declined: [102, "Suspected document tampering"],
  resubmission_requested: [204, "Poor image quality"]
}

const fail = (status: number, code: string | undefined, message: string): Kit.Answer => ({
  status,
  body: { status: "fail", ...(code === undefined ? {} : { code }), message }
})

const failures = SimulatorFault.vendorFailures({
  unauthorized: fail(401, "1803", "Integration with the API key was not found"),
  rateLimited: fail(429, undefined, "Too many requests").body,
  unavailable: fail(503, undefined, "Service unavailable").body,
  successStatus: 201,
  malformedJson: '{"status": "success", "verification": {"id": ',
  schemaInvalid: { status: "success", verification: { id: 42, url: ["not", "a", "url"] } }
})

const invalidParameters = fail(400, "1104", "Request includes invalid parameters.")
const contexts = new Set<string>(["document-front", "document-back", "face"])
const createKeys = new Set(["callback", "person", "document", "vendorData", "endUserId", "timestamp", "lang"])
const isoDate = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const dataUri = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]+={0,2})$/
const sha256Hex = /^[0-9a-fA-F]{64}$/

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Whether a callback URL is one Veriff takes: HTTPS, or (for local tests only) plain HTTP to loopback. */
const allowedCallback = (value: string): boolean => {
  try {
    const url = new URL(value)
    return (
      url.protocol === "https:" ||
      (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
    )
  } catch {
    return false
  }
}

/** Checks `verification` of `POST /v1/sessions` as Veriff does; a refusal, or undefined when it is fine. */
const refusalOf = (verification: Record<string, unknown>): Kit.Answer | undefined => {
  if (Object.keys(verification).some((key) => !createKeys.has(key))) return invalidParameters
  const { callback, vendorData, person: given, document } = verification
  if (callback !== undefined && (typeof callback !== "string" || !allowedCallback(callback))) {
    return fail(400, "1302", "Only HTTPS return URLs are allowed.")
  }
  if (vendorData !== undefined && typeof vendorData !== "string") {
    return fail(400, "1501", "vendorData must be a string.")
  }
  if (typeof vendorData === "string" && vendorData.length > 1000) {
    return fail(400, "1500", "vendorData field cannot be more than 1000 symbols.")
  }
  if ((given !== undefined && !isObject(given)) || (document !== undefined && !isObject(document))) {
    return invalidParameters
  }
  const dateOfBirth = given?.dateOfBirth
  if (dateOfBirth !== undefined && (typeof dateOfBirth !== "string" || !isoDate.test(dateOfBirth))) {
    return fail(400, "1203", "Invalid ISO 8601 date. Date needs to be in format YYYY-MM-DD.")
  }
  const country = document?.country
  if (country !== undefined && (typeof country !== "string" || !/^[A-Z]{2}$/.test(country))) return invalidParameters
  return undefined
}

/** GET and DELETE sign the session id; POST and PATCH the body. */
const bodyless = (request: Kit.Request) => request.method === "GET" || request.method === "DELETE"

/**
 * The credential checks: `X-AUTH-CLIENT` on every request, and `X-HMAC-SIGNATURE` (`optional`: on
 * `POST /v1/sessions`, checked only when sent), each refused with Veriff's code.
 */
const credentials = (options: Options) => {
  const authClient = SimulatorAuth.refuse(
    SimulatorAuth.apiKey(VeriffClient.authClientHeader, options.apiKey),
    (verdict) =>
      verdict === "missing"
        ? fail(401, "1801", "Mandatory X-AUTH-CLIENT header containing the API key is missing from the request")
        : fail(401, "1803", "Integration with the API key was not found")
  )
  const hmac = (payload: string) =>
    createHmac("sha256", Redacted.value(options.sharedSecret)).update(payload, "utf8").digest("hex")
  const signature = (optional: boolean) =>
    SimulatorAuth.refuse(
      SimulatorAuth.signed({
        header: VeriffClient.signatureHeader,
        optional,
        verify: (request, given) =>
          Effect.succeed(
            SimulatorAuth.sameSecret(
              given.trim().toLowerCase(),
              hmac(bodyless(request) ? (request.params.id ?? "") : request.text)
            )
          )
      }),
      (verdict, request) =>
        verdict === "missing" || (!optional && !sha256Hex.test(request.headers[VeriffClient.signatureHeader] ?? ""))
          ? fail(401, "1812", "Signature is not a valid SHA256 hash")
          : bodyless(request)
            ? fail(401, "1818", "Signature does not match the HMAC-SHA256 of query ID and integration API secret")
            : fail(401, "1819", "Signature does not match the HMAC-SHA256 of request body and integration API secret")
    )
  return {
    authClient,
    creating: SimulatorAuth.every(authClient, signature(true)),
    signed: SimulatorAuth.every(authClient, signature(false))
  }
}

/** An ISO 8601 timestamp, as Veriff writes them. */
const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const sessions = SimulatorStore.make<Stored>({ notFound: () => fail(404, undefined, "Session not found") })
    const webhooks = yield* SimulatorWebhooks.make({
      url: options.webhookUrl,
      sign: (body) => VeriffWebhook.sign({ apiKey: options.apiKey, secret: options.sharedSecret, payload: body })
    })
    const guards = credentials(options)

    /** The event webhook for an end-user's action (7001 started, 7002 submitted). */
    const announce = (stored: Stored, action: "started" | "submitted") =>
      webhooks.send(
        {
          id: stored.id,
          attemptId: stored.attemptId,
          feature: "selfid",
          code: action === "started" ? 7001 : 7002,
          action,
          vendorData: stored.vendorData,
          endUserId: stored.endUserId
        },
        { url: options.eventWebhookUrl }
      )

    /** Makes a decision and returns its signed webhook, delivered to `webhookUrl`. */
    const decide = (stored: Stored, status: DecisionStatus, reason?: readonly [number, string]) =>
      Effect.gen(function* () {
        const [reasonCode, reasonText] = reason ?? reasons[status] ?? [null, null]
        const read = status === "approved" || status === "declined" || status === "resubmission_requested"
        stored.status = status
        stored.wait = 0
        stored.decision = {
          id: stored.id,
          attemptId: stored.attemptId,
          vendorData: stored.vendorData,
          endUserId: stored.endUserId,
          status,
          code: decisionCodes[status],
          reason: reasonText,
          reasonCode,
          decisionTime: yield* now,
          acceptanceTime: stored.createdAt,
          person: read ? person : null,
          document: read ? passport : null,
          additionalVerifiedData: {},
          riskLabels: [],
          comments: [],
          highRisk: false
        }
        return yield* webhooks.send({
          status: "success",
          verification: stored.decision,
          technicalData: { ip: "127.0.0.1" }
        })
      })

    const submit = (stored: Stored) => {
      if (stored.status === "resubmission_requested") {
        stored.attemptId = SimulatorStore.uuid()
        stored.decision = null
      }
      stored.status = "submitted"
      stored.wait = 1
      return announce(stored, "submitted")
    }

    const sessionBody = (stored: Stored, origin: string) => ({
      status: "success",
      verification: {
        id: stored.id,
        url: `${origin}/v/${stored.token}`,
        vendorData: stored.vendorData,
        endUserId: stored.endUserId,
        host: origin,
        status: stored.status === "created" || stored.status === "started" ? stored.status : "submitted",
        sessionToken: stored.token
      }
    })

    const create: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const parsed = request.json()
        if (!isObject(parsed) || !isObject(parsed.verification)) {
          return fail(400, "1102", "Mandatory parameters are missing from the request.")
        }
        const verification = parsed.verification
        const refusal = refusalOf(verification)
        if (refusal !== undefined) return refusal
        const firstName = isObject(verification.person) ? verification.person.firstName : undefined
        const text = (value: unknown) => (typeof value === "string" ? value : null)
        const stored = sessions.insert({
          id: SimulatorStore.uuid(),
          token: SimulatorStore.uuid().replaceAll("-", ""),
          attemptId: SimulatorStore.uuid(),
          createdAt: yield* now,
          callback: text(verification.callback),
          vendorData: text(verification.vendorData),
          endUserId: text(verification.endUserId),
          media: [],
          status: "created",
          planned: typeof firstName === "string" ? magicNames[firstName] : undefined,
          wait: 0,
          submittedByApi: false,
          decision: null
        })
        return { status: 201, body: sessionBody(stored, request.origin) }
      })

    const upload: Kit.Handler = (request) =>
      Effect.map(sessions.require(request.params.id ?? ""), (stored) => {
        if (stored.status !== "created" && stored.status !== "started") {
          return fail(409, undefined, "Media cannot be added to a submitted session.")
        }
        const image = (request.json() as { readonly image?: unknown } | null | undefined)?.image
        if (!isObject(image)) return fail(400, "1403", "Image property is missing.")
        if (typeof image.context !== "string" || !contexts.has(image.context)) {
          return fail(400, "1402", "Image context is not supported.")
        }
        const content = typeof image.content === "string" ? dataUri.exec(image.content) : null
        if (content === null) return fail(400, "1401", "Image is not in valid base64.")
        const media = { id: SimulatorStore.uuid(), context: image.context }
        stored.media.push(media)
        const uploaded = {
          context: media.context,
          id: media.id,
          name: media.context,
          url: `${request.origin}/v1/media/${media.id}`,
          sessionId: stored.id,
          timestamp: null,
          size: Buffer.from(content[2] ?? "", "base64").length,
          mimetype: content[1] ?? ""
        }
        return { status: 200, body: { status: "success", image: uploaded } }
      })

    const patch: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = yield* sessions.require(request.params.id ?? "")
        const verification = (request.json() as { readonly verification?: unknown } | null | undefined)?.verification
        if (!isObject(verification) || verification.status !== "submitted") return fail(400, "1303", "Invalid status.")
        if (stored.status !== "created" && stored.status !== "started") {
          return fail(400, "1304", 'Cannot transition to "submitted" status.')
        }
        stored.submittedByApi = true
        yield* submit(stored)
        return { status: 200, body: sessionBody(stored, request.origin) }
      })

    /** A planned decision is made on the second decision request after submission. */
    const decision: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = yield* sessions.require(request.params.id ?? "")
        if (stored.status === "submitted" && stored.decision === null && stored.planned !== undefined) {
          if (stored.wait > 0) stored.wait -= 1
          else if (stored.submittedByApi && !stored.media.some((media) => media.context === "document-front")) {
            yield* decide(stored, "resubmission_requested", [201, "Video and/or photos missing"])
          } else yield* decide(stored, stored.planned)
        }
        return { status: 200, body: { status: "success", verification: stored.decision, technicalData: { ip: null } } }
      })

    /** `GET /v/{token}`: the hosted flow's stand-in, where the end-user starts, submits, or gets a decision. */
    const hostedFlow: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = sessions.find((session) => session.token === request.params.token)
        if (stored === undefined) return { status: 404, body: "This verification link is not valid." }
        const open = stored.status === "created" || stored.status === "started"
        if (stored.status === "created") {
          stored.status = "started"
          yield* announce(stored, "started")
        }
        const wanted = request.query.get("decision")
        const decided = Object.values(magicNames).find((status) => status === wanted)
        if (wanted !== null && decided === undefined) return { status: 400, body: `Not a Veriff decision: ${wanted}` }
        if (!open && stored.status !== "resubmission_requested") {
          return { status: 410, body: `Verification ${stored.id} is ${stored.status}.` }
        }
        if (decided === undefined && request.query.get("submit") === null) {
          return {
            status: 200,
            body: `Simulated Veriff verification ${stored.id}: add ?submit=1, or ?decision=approved (or another decision).`
          }
        }
        if (stored.status !== "submitted") yield* submit(stored)
        if (decided !== undefined) yield* decide(stored, decided)
        return stored.callback === null
          ? { status: 200, body: `Verification ${stored.id}: ${stored.status}` }
          : Kit.redirect(stored.callback)
      })

    const simulator = yield* Kit.make({
      basePath: "/v1",
      guard: guards.authClient,
      notFound: () => fail(404, undefined, "Not found"),
      headers: () => ({ "x-request-id": SimulatorStore.uuid() }),
      routes: [
        Kit.post("/sessions", create, { guard: guards.creating }),
        Kit.post("/sessions/:id/media", upload, { guard: guards.signed }),
        Kit.patch("/sessions/:id", patch, { guard: guards.signed }),
        Kit.get("/sessions/:id/decision", decision, { guard: guards.signed })
      ],
      pages: [Kit.get("/v/:token", hostedFlow)]
    })

    return {
      ...Kit.controls(simulator, { failures, webhooks, baseUrl: simulator.origin }),
      complete: (id, status) => {
        const stored = sessions.get(id)
        return stored === undefined
          ? Effect.die(new Error(`the simulator has no Veriff session ${id}`))
          : decide(stored, status)
      },
      status: (id) => Effect.sync(() => sessions.get(id)?.status)
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
): Kit.TestLayer<VeriffSimulator> =>
  Kit.withProvider(layer(options), VeriffSimulator, (simulator) =>
    VeriffProvider.layer({ ...options, baseUrl: simulator.baseUrl })
  )

/** Bytes that pass for a JPEG, for the headless flow's images in tests (Veriff reads no pixels here). @since 0.1.0 */
export const sampleImage: Uint8Array = TestRequest.jpeg(16)

/**
 * A start request whose session ends in `decision` (through the person's first name, see the module table), or
 * stays without a decision (`"pending"`) until `complete`. `flow` picks the process type: `upload`
 * (`documentSelfieUpload`, with front, back and selfie images; the default) or `hosted` (`documentSelfie`).
 *
 * @since 0.1.0
 */
export const startRequest = (
  decision: DecisionStatus | "pending",
  flow: VeriffProvider.Flow = "upload"
): IdentityProvider.StartRequest<unknown> =>
  TestRequest.start({
    processType: flow === "upload" ? VeriffProvider.uploadProcessType : VeriffProvider.hostedProcessType,
    userData: {
      firstName: PersonName.PersonName.make(decision === "pending" ? "Mari" : magicNameOf(decision)),
      lastName: PersonName.PersonName.make("Maasikas")
    },
    files:
      flow === "upload"
        ? (["front", "back", "selfie"] as const).map((kind) => ({ kind, mediaType: "image/jpeg", bytes: sampleImage }))
        : [],
    returnUrl: "https://app.example/return"
  })
