/**
 * Testing Sumsub integrations offline: a simulator of Sumsub's applicant API on loopback, built on the simulator kit
 * of `@assure/provider/testing` and holding only what is Sumsub's: its paths (`POST /resources/applicants?levelName=`,
 * `POST /resources/applicants/{id}/info/idDoc` (multipart `metadata` + `content`),
 * `POST /resources/applicants/{id}/status/pending`, `GET /resources/applicants/{id}/one`,
 * `POST /resources/sdkIntegrations/levels/-/websdkLink`, `POST /resources/accessTokens/sdk`, and the sandbox's
 * `POST /resources/applicants/{id}/status/testCompleted`), its app-token headers (`X-App-Token`, and
 * `X-App-Access-Sig` checked with `node:crypto` over `X-App-Access-Ts` + method + path with query + body, the
 * timestamp within 60 seconds), its error body (`{ description, code, correlationId }`), and webhooks
 * (`applicantCreated`, `applicantPending`, `applicantReviewed`) signed as Sumsub signs them: `X-Payload-Digest`, in
 * the algorithm `X-Payload-Digest-Alg` names (`webhookAlgorithm`, default `HMAC_SHA256_HEX`).
 *
 * The last name sent in `fixedInfo` chooses how the review ends once the applicant is checked (any case):
 *
 * | `fixedInfo.lastName` | review |
 * |---|---|
 * | `Red` | `RED`, `FINAL`, labels `FORGERY`, `DOCUMENT_TEMPLATE` |
 * | `Retry` | `RED`, `RETRY`, label `LOW_QUALITY` |
 * | `Pending` | none: the applicant stays `pending` until `complete` (or `testCompleted`) |
 * | anything else | `GREEN` |
 *
 * An applicant is checked when `status/pending` is requested (the upload flow) or when the end-user submits on the
 * WebSDK page: the permalink (`{baseUrl}/websdk/p/{token}`) answers a short page; `?submit=1` submits (and decides),
 * `?answer=GREEN|RED|RETRY` decides at once; each redirects to the link's `successUrl` (`GREEN`) or `rejectUrl`.
 *
 * @example
 * ```ts
 * import { layerTest } from "@assure/sumsub/testing"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * // The provider registered against a fresh simulator, which is provided too (`SumsubSimulator`).
 * const TestProviders = layerTest({
 *   appToken: Redacted.make("sbx:test-app-token"),
 *   secretKey: Redacted.make("test-secret-key"),
 *   webhookSecret: Redacted.make("test-webhook-secret")
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { createHmac } from "node:crypto"
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
import * as SumsubClient from "./SumsubClient.js"
import * as SumsubProvider from "./SumsubProvider.js"
import * as SumsubWebhook from "./SumsubWebhook.js"

/** A way the simulated Sumsub can fail (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = SimulatorFault.VendorFailure

/** How a review ends: `GREEN`, `RED` with `FINAL`, or `RED` with `RETRY`. @since 0.1.0 */
export type Answer = "GREEN" | "RED" | "RETRY"

/** The level the simulator's applicants are created for, unless a request names another. @since 0.1.0 */
export const levelName = "basic-kyc-level"

/** How the simulator is set up. @since 0.1.0 */
export interface Options {
  /** The only app token it accepts (`X-App-Token`). */
  readonly appToken: Redacted.Redacted<string>
  /** The app token's secret key, which requests must be signed with. */
  readonly secretKey: Redacted.Redacted<string>
  /** The secret key it signs webhooks with. */
  readonly webhookSecret: Redacted.Redacted<string>
  /** The digest algorithm of its webhooks (default `HMAC_SHA256_HEX`, Sumsub's default). */
  readonly webhookAlgorithm?: SumsubWebhook.DigestAlgorithm | undefined
  /** Where it POSTs webhooks; without it, webhooks are only returned by `complete`. */
  readonly webhookUrl?: string | undefined
}

/** A request the simulator received, for tests that check what the adapter sent. @since 0.1.0 */
export type RecordedRequest = Kit.RecordedRequest

/**
 * A running simulator: the kit's controls (`baseUrl`, `failNext`, `arm`, `requests`, `webhooks`) and Sumsub's own
 * verbs.
 *
 * @since 0.1.0
 */
export interface Simulator extends Kit.Controls {
  /**
   * Reviews an applicant at once, as Sumsub's sandbox `testCompleted` does, and returns (and delivers, with
   * `webhookUrl`) the signed `applicantReviewed` webhook.
   */
  readonly complete: (
    applicantId: string,
    answer: Answer,
    rejectLabels?: ReadonlyArray<string>
  ) => Effect.Effect<IdentityProvider.WebhookRequest>
  /** An applicant's `reviewStatus` as the simulator keeps it. */
  readonly reviewStatus: (applicantId: string) => Effect.Effect<string | undefined>
}

/** The simulator as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class SumsubSimulator extends Context.Service<SumsubSimulator, Simulator>()("@assure/sumsub/Simulator") {}

/** An applicant as the simulator keeps it. */
interface Stored {
  readonly id: string
  readonly inspectionId: string
  readonly externalUserId: string
  readonly levelName: string
  readonly createdAt: string
  readonly fixedInfo: Record<string, unknown> | null
  readonly idDocs: Array<{ readonly idDocType: string; readonly country: string; readonly subType: string | null }>
  reviewStatus: "init" | "pending" | "completed"
  reviewResult: Record<string, unknown> | null
  /** The review the last name chose, made when the applicant is checked. */
  readonly planned: Answer | undefined
}

/** A WebSDK permalink as the simulator keeps it. */
interface Link {
  readonly token: string
  readonly externalUserId: string
  readonly successUrl: string | null
  readonly rejectUrl: string | null
}

const byLastName: Readonly<Record<string, Answer | "pending">> = { red: "RED", retry: "RETRY", pending: "pending" }

const labelsOf: Readonly<Record<Answer, ReadonlyArray<string>>> = {
  GREEN: [],
  RED: ["FORGERY", "DOCUMENT_TEMPLATE"],
  RETRY: ["LOW_QUALITY"]
}

// ICAO's German specimen, as Sumsub would read it from the document: `info` (alpha-3 countries, ISO dates).
const specimen = {
  firstName: "ERIKA",
  lastName: "MUSTERMANN",
  dob: "1964-08-12",
  country: "DEU",
  nationality: "DEU",
  addresses: [
    {
      country: "DEU",
      postCode: "51147",
      town: "KÖLN",
      street: "HEIDESTRASSE",
      subStreet: null,
      state: null,
      buildingNumber: "17",
      flatNumber: null,
      formattedAddress: "HEIDESTRASSE 17, 51147 KÖLN, DEU"
    }
  ],
  idDocs: [
    {
      idDocType: "ID_CARD",
      country: "DEU",
      firstName: "ERIKA",
      lastName: "MUSTERMANN",
      number: "LZ6311T47",
      dob: "1964-08-12",
      issuedDate: "2021-08-02",
      validUntil: "2031-08-01"
    }
  ]
}

const correlationId = () => SimulatorStore.uuid().replaceAll("-", "")
const sumsubId = () => SimulatorStore.uuid().replaceAll("-", "").slice(0, 24)

/** Sumsub's error body. */
const fail = (code: number, description: string): Kit.Answer => ({
  status: code,
  body: { description, code, correlationId: correlationId() }
})

const failures = SimulatorFault.vendorFailures({
  unauthorized: fail(401, "App token is invalid"),
  rateLimited: fail(429, "Too many requests").body,
  unavailable: fail(503, "Service unavailable").body,
  malformedJson: '{"id": "5b594ade0a975a36c9349e66", "review": {',
  schemaInvalid: { id: 42, review: { reviewStatus: ["not", "a", "status"] } }
})

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const alpha3 = /^[A-Z]{3}$/
const idDocTypes = new Set(["PASSPORT", "ID_CARD", "DRIVERS", "RESIDENCE_PERMIT", "SELFIE", "UTILITY_BILL", "OTHER"])
const hex64 = /^[0-9a-f]{64}$/

/** `YYYY-MM-DD HH:mm:ss` (and `.SSS` with `millis`), as Sumsub writes its times. */
const sumsubTime = (millis: number, withMillis = false) => {
  const iso = new Date(millis).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, withMillis ? 23 : 19)}`
}

/**
 * The credential checks: `X-App-Token` on every request, and `X-App-Access-Sig` over the timestamp, method, path
 * with query and body, the timestamp within 60 seconds of the simulator's clock.
 */
const credentials = (options: Options) => {
  const token = SimulatorAuth.refuse(SimulatorAuth.apiKey(SumsubClient.headers.token, options.appToken), (verdict) =>
    verdict === "missing" ? fail(401, "App token is missing") : fail(401, "App token is invalid")
  )
  const signature = SimulatorAuth.refuse(
    SimulatorAuth.signed({
      header: SumsubClient.headers.signature,
      verify: (request, given) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const timestamp = request.headers[SumsubClient.headers.timestamp] ?? ""
          if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > 60) return false
          if (!hex64.test(given)) return false
          const expected = createHmac("sha256", Redacted.value(options.secretKey))
            .update(`${timestamp}${request.method.toUpperCase()}${request.url}`, "utf8")
            .update(request.body)
            .digest("hex")
          return SimulatorAuth.sameSecret(given, expected)
        })
    }),
    (verdict) =>
      verdict === "missing"
        ? fail(401, "Request signature is missing")
        : fail(401, "Request signature mismatch or request timestamp out of range")
  )
  return SimulatorAuth.every(token, signature)
}

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const applicants = SimulatorStore.make<Stored>({ notFound: () => fail(404, "Applicant not found") })
    const links = new Map<string, Link>()
    const webhooks = yield* SimulatorWebhooks.make({
      url: options.webhookUrl,
      sign: (body) => SumsubWebhook.sign({ secret: options.webhookSecret, body, algorithm: options.webhookAlgorithm })
    })

    /** A webhook about an applicant, as Sumsub sends them. */
    const announce = (stored: Stored, type: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        webhooks.send({
          applicantId: stored.id,
          inspectionId: stored.inspectionId,
          applicantType: "individual",
          correlationId: correlationId(),
          levelName: stored.levelName,
          externalUserId: stored.externalUserId,
          type,
          sandboxMode: true,
          reviewStatus: stored.reviewStatus,
          createdAtMs: sumsubTime(now, true),
          ...(stored.reviewResult === null ? {} : { reviewResult: stored.reviewResult })
        })
      )

    /** Reviews an applicant and returns the signed `applicantReviewed` webhook. */
    const review = (stored: Stored, answer: Answer, rejectLabels?: ReadonlyArray<string>) => {
      stored.reviewStatus = "completed"
      stored.reviewResult =
        answer === "GREEN"
          ? { reviewAnswer: "GREEN" }
          : {
              reviewAnswer: "RED",
              rejectLabels: [...(rejectLabels ?? labelsOf[answer])],
              reviewRejectType: answer === "RED" ? "FINAL" : "RETRY",
              moderationComment:
                answer === "RED" ? "We could not verify your document." : "Please upload a sharper image.",
              clientComment: answer === "RED" ? "Suspected forgery." : "The image is blurred."
            }
      return announce(stored, "applicantReviewed")
    }

    /** The applicant is checked: `pending`, then the planned review, if any. */
    const check = (stored: Stored) =>
      Effect.gen(function* () {
        stored.reviewStatus = "pending"
        stored.reviewResult = null
        yield* announce(stored, "applicantPending")
        if (stored.planned !== undefined) yield* review(stored, stored.planned)
      })

    const wire = (stored: Stored) => ({
      id: stored.id,
      createdAt: stored.createdAt,
      key: "SIMULATOR",
      clientId: "assure-simulator",
      inspectionId: stored.inspectionId,
      externalUserId: stored.externalUserId,
      levelName: stored.levelName,
      ...(stored.fixedInfo === null ? {} : { fixedInfo: stored.fixedInfo }),
      ...(stored.reviewStatus === "completed" && stored.reviewResult?.reviewAnswer === "GREEN"
        ? { info: specimen }
        : {}),
      type: "individual",
      review: {
        reviewId: stored.inspectionId.slice(0, 5),
        attemptId: stored.inspectionId.slice(5, 10),
        attemptCnt: 0,
        levelName: stored.levelName,
        createDate: stored.createdAt,
        reviewStatus: stored.reviewStatus,
        priority: 0,
        ...(stored.reviewResult === null ? {} : { reviewResult: stored.reviewResult })
      }
    })

    const create: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const level = request.query.get("levelName")
        if (level === null || level === "") return fail(400, "Required request parameter 'levelName' is not present")
        const body = request.json()
        if (!isObject(body) || typeof body.externalUserId !== "string" || body.externalUserId === "") {
          return fail(400, "externalUserId is required")
        }
        const externalUserId = body.externalUserId
        if (applicants.find((stored) => stored.externalUserId === externalUserId) !== undefined) {
          return fail(409, `Applicant with external user id '${externalUserId}' already exists`)
        }
        const fixedInfo = isObject(body.fixedInfo) ? body.fixedInfo : null
        if (fixedInfo !== null && fixedInfo.dob !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(fixedInfo.dob))) {
          return fail(400, "Invalid date format of 'dob'")
        }
        const lastName = typeof fixedInfo?.lastName === "string" ? fixedInfo.lastName.toLowerCase() : ""
        const chosen = byLastName[lastName]
        const stored = applicants.insert({
          id: sumsubId(),
          inspectionId: sumsubId(),
          externalUserId,
          levelName: level,
          createdAt: sumsubTime(yield* Clock.currentTimeMillis),
          fixedInfo,
          idDocs: [],
          reviewStatus: "init",
          reviewResult: null,
          planned: chosen === "pending" ? undefined : (chosen ?? "GREEN")
        })
        yield* announce(stored, "applicantCreated")
        return { status: 200, body: wire(stored) }
      })

    const addIdDoc: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = yield* applicants.require(request.params.id ?? "")
        const form = yield* request.form()
        const metadataText = form?.get("metadata")
        if (typeof metadataText !== "string") return fail(400, "Multipart part 'metadata' is missing")
        let metadata: unknown
        try {
          metadata = JSON.parse(metadataText)
        } catch {
          return fail(400, "Multipart part 'metadata' is not JSON")
        }
        if (!isObject(metadata) || typeof metadata.idDocType !== "string" || !idDocTypes.has(metadata.idDocType)) {
          return fail(400, "idDocType is missing or not supported")
        }
        if (typeof metadata.country !== "string" || !alpha3.test(metadata.country)) {
          return fail(400, "country must be an ISO 3166-1 alpha-3 code")
        }
        const subType = metadata.idDocSubType
        if (subType !== undefined && subType !== "FRONT_SIDE" && subType !== "BACK_SIDE") {
          return fail(400, "idDocSubType is not supported")
        }
        const content = form?.get("content")
        if (content !== null && content !== undefined && (typeof content === "string" || content.size === 0)) {
          return fail(400, "Multipart part 'content' is not a file")
        }
        stored.idDocs.push({
          idDocType: metadata.idDocType,
          country: metadata.country,
          subType: typeof subType === "string" ? subType : null
        })
        return { status: 200, body: { idDocType: metadata.idDocType, country: metadata.country } }
      })

    const requestCheck: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = yield* applicants.require(request.params.id ?? "")
        if (stored.reviewStatus === "pending") return fail(409, "Applicant is already pending")
        if (stored.idDocs.length === 0) {
          return fail(
            409,
            "Not all required documents or data are submitted. Make sure to complete [IDENTITY] verification steps beforehand."
          )
        }
        yield* check(stored)
        return { status: 200, body: { ok: 1 } }
      })

    const testCompleted: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const stored = yield* applicants.require(request.params.id ?? "")
        const body = request.json()
        if (!isObject(body) || (body.reviewAnswer !== "GREEN" && body.reviewAnswer !== "RED")) {
          return fail(400, "reviewAnswer must be GREEN or RED")
        }
        const labels = Array.isArray(body.rejectLabels) ? body.rejectLabels.map(String) : undefined
        yield* review(
          stored,
          body.reviewAnswer === "GREEN" ? "GREEN" : body.reviewRejectType === "RETRY" ? "RETRY" : "RED",
          labels
        )
        return { status: 200, body: { ok: 1 } }
      })

    const websdkLink: Kit.Handler = (request) =>
      Effect.sync(() => {
        const body = request.json()
        if (!isObject(body) || typeof body.levelName !== "string" || typeof body.userId !== "string") {
          return fail(400, "levelName and userId are required")
        }
        const redirect = isObject(body.redirect) ? body.redirect : {}
        const link: Link = {
          token: SimulatorStore.uuid().replaceAll("-", ""),
          externalUserId: body.userId,
          successUrl: typeof redirect.successUrl === "string" ? redirect.successUrl : null,
          rejectUrl: typeof redirect.rejectUrl === "string" ? redirect.rejectUrl : null
        }
        links.set(link.token, link)
        return { status: 200, body: { url: `${request.origin}/websdk/p/${link.token}` } }
      })

    const accessToken: Kit.Handler = (request) =>
      Effect.sync(() => {
        const body = request.json()
        if (!isObject(body) || typeof body.userId !== "string" || typeof body.levelName !== "string") {
          return fail(400, "userId and levelName are required")
        }
        return { status: 200, body: { token: `_act-sbx-${SimulatorStore.uuid()}`, userId: body.userId } }
      })

    /** The WebSDK permalink's stand-in, where the end-user submits (or gets a review at once). */
    const hostedFlow: Kit.Handler = (request) =>
      Effect.gen(function* () {
        const link = links.get(request.params.token ?? "")
        const stored =
          link === undefined
            ? undefined
            : applicants.find((applicant) => applicant.externalUserId === link.externalUserId)
        if (link === undefined || stored === undefined)
          return { status: 404, body: "This verification link is not valid." }
        const wanted = request.query.get("answer")
        if (wanted !== null && wanted !== "GREEN" && wanted !== "RED" && wanted !== "RETRY") {
          return { status: 400, body: `Not a review answer: ${wanted}` }
        }
        if (wanted === null && request.query.get("submit") === null) {
          return {
            status: 200,
            body: `Simulated Sumsub WebSDK for applicant ${stored.id}: add ?submit=1, or ?answer=GREEN (RED, RETRY).`
          }
        }
        if (stored.reviewStatus !== "pending") yield* check(stored)
        if (wanted !== null) yield* review(stored, wanted)
        const green = stored.reviewResult?.reviewAnswer === "GREEN"
        const target = green ? link.successUrl : link.rejectUrl
        return target === null
          ? { status: 200, body: `Applicant ${stored.id}: ${stored.reviewStatus}` }
          : Kit.redirect(target)
      })

    const guard = credentials(options)
    const simulator = yield* Kit.make({
      guard,
      notFound: () => fail(404, "Not found"),
      routes: [
        Kit.post("/resources/applicants", create),
        Kit.post("/resources/applicants/:id/info/idDoc", addIdDoc),
        Kit.post("/resources/applicants/:id/status/pending", requestCheck),
        Kit.post("/resources/applicants/:id/status/testCompleted", testCompleted),
        // `{id}/one`, and `-;externalUserId={externalUserId}/one` by our id for the applicant.
        Kit.get("/resources/applicants/:id/one", (request) => {
          const id = request.params.id ?? ""
          const externalUserId = id.startsWith("-;externalUserId=") ? id.slice("-;externalUserId=".length) : undefined
          const found =
            externalUserId === undefined
              ? applicants.require(id)
              : Effect.fromNullishOr(applicants.find((stored) => stored.externalUserId === externalUserId)).pipe(
                  Effect.mapError(() => fail(404, "Applicant not found"))
                )
          return Effect.map(found, (stored) => ({ status: 200, body: wire(stored) }))
        }),
        Kit.post("/resources/sdkIntegrations/levels/-/websdkLink", websdkLink),
        Kit.post("/resources/accessTokens/sdk", accessToken)
      ],
      pages: [Kit.get("/websdk/p/:token", hostedFlow)]
    })

    return {
      ...Kit.controls(simulator, { failures, webhooks }),
      complete: (applicantId, answer, rejectLabels) => {
        const stored = applicants.get(applicantId)
        return stored === undefined
          ? Effect.die(new Error(`the simulator has no Sumsub applicant ${applicantId}`))
          : review(stored, answer, rejectLabels)
      },
      reviewStatus: (applicantId) => Effect.sync(() => applicants.get(applicantId)?.reviewStatus)
    }
  })

/**
 * A simulator for each build of the layer (a fresh one per test, with `Conformance.suite`).
 *
 * @since 0.1.0
 */
export const layer = (options: Options) => Layer.effect(SumsubSimulator, make(options))

/**
 * The provider registered against a fresh simulator, with the simulator as a service: what tests of an application
 * that uses this adapter provide. `timeout` is the client's (keep it short: the `timeout` failure waits for it).
 *
 * @since 0.1.0
 */
export const layerTest = (
  options: Options & { readonly timeout?: Duration.Input | undefined }
): Kit.TestLayer<SumsubSimulator> =>
  Kit.withProvider(layer(options), SumsubSimulator, (simulator) =>
    SumsubProvider.layer({
      appToken: options.appToken,
      secretKey: options.secretKey,
      levelName,
      baseUrl: simulator.baseUrl,
      timeout: options.timeout,
      webhookSecrets: [options.webhookSecret]
    })
  )

/** Bytes that pass for a JPEG, for the upload flow's images in tests (the simulator reads no pixels). @since 0.1.0 */
export const sampleImage: Uint8Array = TestRequest.jpeg(16)

const lastNames: Record<Answer | "pending", string> = {
  GREEN: "Mustermann",
  RED: "Red",
  RETRY: "Retry",
  pending: "Pending"
}

/**
 * A start request whose applicant the simulator reviews with `answer` (through the last name, see the module table),
 * or leaves pending (`"pending"`) until `complete`. `flow` picks the process type: `upload` (`document`, a German ID
 * card's front and back; the default) or `hosted` (`documentSelfie`).
 *
 * @since 0.1.0
 */
export const startRequest = (
  answer: Answer | "pending",
  flow: SumsubProvider.Flow = "upload"
): IdentityProvider.StartRequest<unknown> =>
  TestRequest.start({
    processType: flow === "upload" ? SumsubProvider.uploadProcessType : SumsubProvider.hostedProcessType,
    parameters: flow === "upload" ? { idDocType: "ID_CARD", country: "DEU" } : {},
    userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({ firstName: "Erika", lastName: lastNames[answer] }),
    files:
      flow === "upload"
        ? (["front", "back"] as const).map((kind) => ({ kind, mediaType: "image/jpeg", bytes: sampleImage }))
        : [],
    returnUrl: "https://app.example/return"
  })
