/**
 * The API's handlers: thin translations between HTTP and the engine. Every failure becomes a problem (see
 * ProblemMapping.ts); nothing here decides anything the engine decides.
 */
import { AssureApi } from "@assure/api/Api"
import {
  type Conflict,
  Forbidden,
  type InvalidRequest,
  NotFound,
  type ProviderFailed,
  ProviderUnavailable
} from "@assure/api/Problems"
import { CurrentClient } from "@assure/api/Security"
import { Timestamp } from "@assure/core"
import {
  Captures,
  Dossiers,
  type EngineError,
  FullResult,
  Notifications,
  Processes,
  Reviews,
  Router,
  Tenant,
  Verifications
} from "@assure/engine"
import { type ProviderError, ProviderRegistry } from "@assure/provider"
import { DateTime, Effect, Layer, type Stream } from "effect"
import { type HttpServerRequest, HttpServerResponse, type Multipart } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { checkAll, fromJson, fromMultipart, isPartStream } from "./Files.js"
import { Idempotency, RetakenKey } from "./Idempotency.js"
import { badRequest, fromEngine, fromNoProvider, fromProvider, requestMembers, unauthorized } from "./ProblemMapping.js"
import { LoadedAdapters } from "./Providers.js"
import { ServerConfig } from "./ServerConfig.js"
import { AuthHandlers } from "./TokenEndpoint.js"

type EngineFailure =
  | EngineError.NotFound
  | EngineError.InvalidInput
  | EngineError.Conflict
  | EngineError.ProviderNotConfigured
  | EngineError.NoProviderAvailable

const tenant = Effect.map(CurrentClient, (client) => Tenant.TenantId.make(client.clientId))

/** Engine and provider errors become problems. */
const problems = <A, E extends EngineFailure | ProviderError.ProviderError, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catch(
    effect,
    (
      error: EngineFailure | ProviderError.ProviderError
    ): Effect.Effect<
      never,
      NotFound | InvalidRequest | Conflict | ProviderFailed | ProviderUnavailable,
      HttpServerRequest.HttpServerRequest
    > =>
      error._tag === "ProviderError"
        ? fromProvider(error)
        : error._tag === "NoProviderAvailable"
          ? fromNoProvider(error)
          : fromEngine(error)
  )

type UploadPayload = Parameters<typeof fromJson>[0] | Stream.Stream<Multipart.Part, Multipart.MultipartError>

/** The uploads of a request: data URLs in JSON, or the file parts of a multipart/form-data body. */
const uploadsOfRequest = (payload: UploadPayload) =>
  isPartStream(payload) ? fromMultipart(payload) : fromJson(payload)

const fileResponse = (file: { readonly info: { readonly mediaType: string }; readonly bytes: Uint8Array }) =>
  HttpServerResponse.uint8Array(file.bytes, { contentType: file.info.mediaType })

/** A tenant's operation: the client the bearer middleware authenticated is the tenant. */
const asTenant = <A, E, R>(operation: (tenant: Tenant.TenantId) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(tenant, operation)

// The services are taken once, when the handlers are built, rather than on every request.
export const DossiersHandlers = HttpApiBuilder.group(AssureApi, "dossiers", (handlers) =>
  Effect.gen(function* () {
    const dossiers = yield* Dossiers.Dossiers
    const captures = yield* Captures.Captures
    const idempotency = yield* Idempotency
    const settings = yield* ServerConfig
    return handlers
      .handle("create", ({ payload }) => asTenant((client) => problems(dossiers.create(client, payload))))
      .handle("list", ({ query }) => asTenant((client) => problems(dossiers.list(client, query))))
      .handle("get", ({ params }) => asTenant((client) => problems(dossiers.get(client, params.dossierId))))
      .handle("delete", ({ params }) =>
        asTenant((client) =>
          Effect.andThen(
            problems(dossiers.delete(client, params.dossierId)),
            idempotency.forgetDossier(client, params.dossierId)
          )
        )
      )
      .handle("setUserData", ({ params, payload }) =>
        asTenant((client) => problems(dossiers.setUserData(client, params.dossierId, payload)))
      )
      .handle("getUserData", ({ params }) =>
        asTenant((client) =>
          Effect.map(problems(dossiers.getUserData(client, params.dossierId)), (userData) => userData ?? {})
        )
      )
      .handle("uploadFiles", ({ params, payload }) =>
        Effect.gen(function* () {
          const client = yield* tenant
          const uploads = yield* uploadsOfRequest(payload)
          yield* problems(dossiers.get(client, params.dossierId))
          // Check every file before storing any, so a bad one stores nothing.
          yield* checkAll(uploads)
          return yield* problems(
            Effect.forEach(uploads, (upload) => dossiers.addFile(client, params.dossierId, upload.kind, upload.bytes))
          )
        })
      )
      .handle("getFile", ({ params }) =>
        asTenant((client) =>
          Effect.map(problems(dossiers.getFile(client, params.dossierId, params.fileId)), fileResponse)
        )
      )
      .handle("startCapture", ({ params, payload }) =>
        asTenant((client) =>
          // `sdk` and `captureParameters` are accepted as Assure has them, and not used: the page is the server's own.
          Effect.map(
            problems(
              captures.start(client, params.dossierId, {
                providers: payload.providers,
                redirectUrl: payload.redirectUrl,
                notificationUrl: payload.notificationUrl
              })
            ),
            (started) => ({
              captureUrl: Captures.pageUrl(settings.publicUrl, started.token),
              expiresAt: started.expiresAt
            })
          )
        )
      )
  })
)

export const ProcessesHandlers = HttpApiBuilder.group(AssureApi, "processes", (handlers) =>
  Effect.gen(function* () {
    const processes = yield* Processes.Processes
    const registry = yield* ProviderRegistry.ProviderRegistry
    const settings = yield* ServerConfig
    return handlers
      .handle("create", ({ params, payload }) =>
        asTenant((client) => problems(processes.create(client, params.dossierId, payload)))
      )
      .handle("get", ({ params }) =>
        asTenant((client) => problems(processes.get(client, params.dossierId, params.processId)))
      )
      .handle("delete", ({ params }) =>
        asTenant((client) => problems(processes.delete(client, params.dossierId, params.processId)))
      )
      .handle("uploadFiles", ({ params, payload }) =>
        Effect.gen(function* () {
          const client = yield* tenant
          const uploads = yield* uploadsOfRequest(payload)
          yield* problems(processes.get(client, params.dossierId, params.processId))
          yield* checkAll(uploads)
          return yield* problems(
            Effect.forEach(uploads, (upload) =>
              processes.addFile(client, params.dossierId, params.processId, upload.kind, upload.bytes)
            )
          )
        })
      )
      .handle("getFile", ({ params }) =>
        asTenant((client) =>
          Effect.map(
            problems(processes.getFile(client, params.dossierId, params.processId, params.fileId)),
            fileResponse
          )
        )
      )
      .handle("fullResult", ({ params }) =>
        asTenant((client) =>
          Effect.map(problems(processes.fullResult(client, params.dossierId, params.processId)), (result) =>
            // Streamed: one file at a time is read, decrypted and written (FullResult.zip). A file deleted while
            // the archive is written (its dossier deleted) ends the response early: the client sees a broken zip.
            HttpServerResponse.stream(FullResult.zip(result.entries), {
              contentType: "application/zip",
              headers: {
                "content-disposition": `attachment; filename="assure-${result.process.processId}.zip"`
              }
            })
          )
        )
      )
      .handle("verify", ({ params, payload }) =>
        Effect.gen(function* () {
          const client = yield* tenant
          const process = yield* problems(processes.get(client, params.dossierId, params.processId))
          // An eID broker sends its own `state` back; a vendor's hosted page returns to exactly this URL. (A provider
          // no longer configured is refused by requestVerification.)
          const redirect = yield* registry.get(process.provider).pipe(
            Effect.map((provider) => provider.capabilities.redirect),
            Effect.orElseSucceed(() => true)
          )
          const returnUrl = redirect
            ? `${settings.publicUrl}/callbacks/${process.provider}`
            : `${settings.publicUrl}/callbacks/${process.provider}?processId=${encodeURIComponent(process.processId)}`
          const requested = processes.requestVerification(client, params.dossierId, params.processId, {
            returnUrl,
            clientRedirectUrl: payload.redirectUrl
          })
          // A retry that took over the Idempotency-Key of an attempt that died: if that attempt had started the
          // provider, the request is done, and its answer is the process as it now is.
          const retaken = yield* RetakenKey
          return yield* problems(
            retaken
              ? Effect.catchTag(requested, "Conflict", () => processes.get(client, params.dossierId, params.processId))
              : requested
          )
        })
      )
      .handle("cancel", ({ params }) =>
        asTenant((client) => problems(processes.cancel(client, params.dossierId, params.processId)))
      )
      .handle("match", ({ params }) =>
        asTenant((client) =>
          Effect.map(problems(processes.match(client, params.dossierId, params.processId)), (report) => ({
            result: report.result,
            fields: report.fields as Record<string, "match" | "partial" | "mismatch" | "missing">
          }))
        )
      )
  })
)

export const AccountHandlers = HttpApiBuilder.group(AssureApi, "account", (handlers) =>
  handlers
    .handle("providers", () =>
      Effect.gen(function* () {
        const adapters = yield* LoadedAdapters
        return {
          providers: adapters.map(({ module, source }) => ({
            name: module.name,
            source,
            specificationVersion: module.specificationVersion,
            capabilities: module.capabilities
          }))
        }
      })
    )
    .handle("documentTypes", ({ params }) =>
      Effect.gen(function* () {
        const registry = yield* ProviderRegistry.ProviderRegistry
        const provider = yield* registry
          .get(params.provider)
          .pipe(
            Effect.catchTag("UnknownProvider", (error) =>
              Effect.flatMap(requestMembers, (members) =>
                Effect.fail(new NotFound({ ...members, detail: error.message }))
              )
            )
          )
        const documentTypes = yield* problems(provider.documentTypes)
        return { provider: provider.name, documentTypes }
      })
    )
    .handle("notifications", ({ query }) =>
      Effect.gen(function* () {
        return yield* (yield* Notifications.Notifications).list(yield* tenant, query)
      })
    )
    .handle("redeliver", ({ params }) =>
      Effect.gen(function* () {
        return yield* problems((yield* Notifications.Notifications).redeliver(yield* tenant, params.notificationId))
      })
    )
)

/** Administrative operations: only for the clients of `ASSURE_ADMIN_CLIENTS`. */
const asAdministrator = <A, E, R>(
  operation: (tenant: Tenant.TenantId) => Effect.Effect<A, E, R>,
  what = "Managing the routing policy"
) =>
  Effect.gen(function* () {
    const client = yield* tenant
    const settings = yield* ServerConfig
    if (!settings.adminClients.includes(client)) {
      const members = yield* requestMembers
      return yield* new Forbidden({
        ...members,
        detail: `${what} needs an administrative client (ASSURE_ADMIN_CLIENTS)`
      })
    }
    return yield* operation(client)
  })

const encodeTimestamp = (instant: DateTime.Utc | undefined) =>
  instant === undefined ? undefined : Timestamp.fromEpochMillis(DateTime.toEpochMillis(instant))

export const RoutingHandlers = HttpApiBuilder.group(AssureApi, "routing", (handlers) =>
  Effect.gen(function* () {
    const router = yield* Router.Router
    return handlers
      .handle("getPolicy", () =>
        asTenant((client) =>
          Effect.flatMap(router.policy(client), (inForce) =>
            inForce === undefined
              ? Effect.flatMap(requestMembers, (members) =>
                  Effect.fail(
                    new NotFound({
                      ...members,
                      detail: "No routing policy applies: neither yours nor the server's default is set"
                    })
                  )
                )
              : Effect.succeed(inForce)
          )
        )
      )
      .handle("setPolicy", ({ payload }) => asAdministrator((client) => problems(router.setPolicy(client, payload))))
      .handle("deletePolicy", () => asAdministrator((client) => Effect.asVoid(router.deletePolicy(client))))
      .handle("circuits", () =>
        asTenant((client) =>
          Effect.map(router.circuits(client), (circuits) => ({
            circuits: circuits.map((circuit) => {
              const since = encodeTimestamp(circuit.since)
              const nextHalfOpenAt = encodeTimestamp(circuit.nextHalfOpenAt)
              return {
                provider: circuit.provider,
                state: circuit.state,
                calls: circuit.calls,
                failures: circuit.failures,
                failureRate: circuit.failureRate,
                ...(since === undefined ? {} : { since }),
                ...(nextHalfOpenAt === undefined ? {} : { nextHalfOpenAt })
              }
            })
          }))
        )
      )
  })
)

export const ProvidersHandlers = HttpApiBuilder.group(AssureApi, "providers", (handlers) =>
  handlers
    .handleRaw("webhook", ({ params, request }) =>
      Effect.gen(function* () {
        const verifications = yield* Verifications.Verifications
        // The raw bytes, exactly as signed: nothing parses the body before the signature is checked.
        const rawBody = new Uint8Array(yield* Effect.orDie(request.arrayBuffer))
        const headers: Record<string, string> = { ...request.headers }
        yield* verifications.receiveWebhook(params.provider, { headers, rawBody }).pipe(
          Effect.catchTags({
            NotFound: fromEngine,
            ProviderNotConfigured: fromEngine,
            ProviderError: (error) =>
              error.reason._tag === "WebhookSignatureInvalid"
                ? unauthorized("The webhook signature is not valid", "webhook_signature_invalid")
                : badRequest(error.message)
          })
        )
        return HttpServerResponse.empty({ status: 204 })
      })
    )
    .handle("callback", ({ params, request }) =>
      Effect.gen(function* () {
        const verifications = yield* Verifications.Verifications
        const query = Object.fromEntries(new URL(request.url, "http://localhost").searchParams)
        const completion = yield* problems(verifications.completeRedirect(params.provider, query))
        const { process } = completion
        if (completion.clientRedirectUrl === undefined) {
          return HttpServerResponse.text(`The verification ended: ${process.status}. You can close this window.`, {
            status: 200
          })
        }
        // As the Assure capture flow does: back to the client with the dossier, the process and its status.
        const target = new URL(completion.clientRedirectUrl)
        target.searchParams.set("dossierId", process.dossierId)
        target.searchParams.set("processId", process.processId)
        target.searchParams.set("status", process.status)
        return HttpServerResponse.redirect(target.toString(), { status: 302 })
      })
    )
)

export const SystemHandlers = HttpApiBuilder.group(AssureApi, "system", (handlers) =>
  handlers
    .handle("health", () => Effect.void)
    .handle("ready", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`SELECT 1`.pipe(
          Effect.catch(() =>
            Effect.flatMap(requestMembers, (members) =>
              Effect.fail(new ProviderUnavailable({ ...members, detail: "The database is not reachable" }))
            )
          )
        )
      })
    )
)

/** Reviews (an assure extension): the audit trail, for administrative clients. */
export const ReviewHandlers = HttpApiBuilder.group(AssureApi, "review", (handlers) =>
  Effect.gen(function* () {
    const reviews = yield* Reviews.Reviews
    return handlers.handle("audit", ({ query }) =>
      asAdministrator(
        (client) =>
          Effect.map(reviews.auditTrail(client, query), (entries) => ({
            entries: entries.map((entry) => ({
              id: entry.id,
              at: entry.at,
              actor: entry.actor,
              action: entry.action,
              ...(entry.dossierId === undefined ? {} : { dossierId: entry.dossierId }),
              ...(entry.processId === undefined ? {} : { processId: entry.processId }),
              ...(entry.detail === undefined ? {} : { detail: entry.detail })
            }))
          })),
        "Reading the audit trail"
      )
    )
  })
)

export const handlers = Layer.mergeAll(
  AuthHandlers,
  DossiersHandlers,
  ProcessesHandlers,
  AccountHandlers,
  RoutingHandlers,
  ReviewHandlers,
  ProvidersHandlers,
  SystemHandlers
)
