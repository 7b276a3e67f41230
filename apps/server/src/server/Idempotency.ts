/**
 * `Idempotency-Key` on POST, after the IETF `Idempotency-Key` HTTP header draft: a request retried with the same key
 * gets the first response again (`Idempotent-Replayed: true`), and nothing is done twice.
 *
 * - The key is bound to a **fingerprint** of the request — method, path and query, client (tenant), `Content-Type`
 *   and body (SHA-256). The same key with another request answers 422; a malformed key (not 1–255 printable ASCII)
 *   answers 400.
 * - A request **in flight** holds its key under a lease of {@link leaseSeconds} seconds, renewed while it runs. A
 *   retry meanwhile answers 409 with `Retry-After`. If the process holding it dies (a crash, kill -9, a lost
 *   instance), the lease lapses within seconds and the next retry takes the key over.
 * - **Exactly once across a crash.** Requests that only write to the database (creating a dossier or a process,
 *   uploading files) run in one transaction with the recording of their response: after a crash either both are
 *   committed, and the retry gets the response, or neither, and the retry performs the request. Requests that call
 *   an identity provider (verify, cancel) cannot hold a transaction open across the call: a retry that takes over
 *   performs them again, which the engine makes safe — a cancel of a canceled process answers the process, and a
 *   retried verify whose first attempt had started the provider answers the process as it now is (the provider was
 *   given the process id as its own idempotency key).
 * - A failed request (any error) releases its key, so it can be retried. Responses are kept for 24 hours, sealed with
 *   the personal-data cipher like everything else, and forgotten with their dossier; expired keys are removed by a
 *   sweep over an index every minute, never by a scan per request.
 */
import { Conflict, IdempotencyKeyReused, InvalidRequest } from "@assure/api/Problems"
import { PersonalDataCipher } from "@assure/engine"
import { Clock, Context, Data, Duration, Effect, Layer, Schedule } from "effect"
import {
  HttpServerRequest,
  HttpServerRespondable,
  HttpServerResponse,
  type HttpServerResponse as Response
} from "effect/http"
import type { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { Migrator, SqlClient, SqlError } from "effect/sql"
import { requestMembers } from "./ProblemMapping.js"

/** How long a request in flight holds its key without renewing it: how soon a retry recovers from a crash. */
export const leaseSeconds = 10

/** How long a key and its response are kept. */
export const retention = Duration.hours(24)

const migrations = {
  "0001_idempotency": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const bytes = sql.onDialectOrElse({ pg: () => sql.literal("BYTEA"), orElse: () => sql.literal("BLOB") })
    yield* sql`
      CREATE TABLE assure_idempotency (
        client_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER,
        content_type TEXT,
        body ${bytes},
        dossier_id TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (client_id, idempotency_key)
      )`
  }),
  // Keys bound to a fingerprint, leases for requests in flight, and an expiry the sweep finds by index. Stored keys
  // are at most a day old and carry no fingerprint: they are dropped rather than carried over.
  "0002_idempotency_fingerprint_and_lease": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const bytes = sql.onDialectOrElse({ pg: () => sql.literal("BYTEA"), orElse: () => sql.literal("BLOB") })
    yield* sql`DROP TABLE assure_idempotency`
    yield* sql`
      CREATE TABLE assure_idempotency (
        client_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        attempt TEXT NOT NULL,
        leased_until BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        status INTEGER,
        content_type TEXT,
        body ${bytes},
        dossier_id TEXT,
        PRIMARY KEY (client_id, idempotency_key)
      )`
    yield* sql`CREATE INDEX assure_idempotency_expiry ON assure_idempotency (expires_at)`
    yield* sql`CREATE INDEX assure_idempotency_dossier ON assure_idempotency (client_id, dossier_id)`
  })
}

/** Runs the server's own migrations (recorded apart from the engine's). */
export const migrate = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: "assure_server_migrations" })

/** Whether this request took over a key whose first attempt died: the work may be done already. */
export const RetakenKey = Context.Reference<boolean>("@assure/server/Idempotency/RetakenKey", {
  defaultValue: () => false
})

/** The attempt lost its key (its lease lapsed and a retry took over): its transaction must not commit. */
class LostKey extends Data.TaggedError("LostKey") {}

/** A response of 5xx, carried as a failure so that its transaction rolls back. */
class ServerFailure extends Data.TaggedError("ServerFailure")<{ readonly response: Response.HttpServerResponse }> {}

/** The failures this module adds to a handler's own, and handles itself. */
const isOwnFailure = (error: unknown): error is ServerFailure | LostKey | SqlError.SqlError =>
  error instanceof ServerFailure || error instanceof LostKey || SqlError.isSqlError(error)

export class Idempotency extends Context.Service<
  Idempotency,
  {
    /** Runs a request once per key: replays the stored response for a repeated key. */
    readonly once: <E, R>(
      clientId: string,
      endpoint: { readonly endpoint: HttpApiEndpoint.Top; readonly group: HttpApiGroup.Top },
      handle: Effect.Effect<Response.HttpServerResponse, E, R>
    ) => Effect.Effect<
      Response.HttpServerResponse,
      E | IdempotencyKeyReused | InvalidRequest,
      R | HttpServerRequest.HttpServerRequest
    >
    /** Forgets the stored responses about a deleted dossier. */
    readonly forgetDossier: (clientId: string, dossierId: string) => Effect.Effect<void>
    /** Removes the keys past their retention; returns how many. */
    readonly sweep: Effect.Effect<number>
  }
>()("@assure/server/Idempotency") {}

/**
 * The operations that only write to the database, so that their work commits in one transaction with their
 * response. (Files are written to the file store first; a file whose transaction did not commit is never referred to.)
 */
const committedWithResponse = new Set([
  "dossiers.create",
  "dossiers.uploadFiles",
  "processes.create",
  "processes.uploadFiles"
])

/** The dossier a JSON response is about, so its stored copy goes when the dossier does. */
const dossierIdOf = (body: Uint8Array): string | undefined => {
  try {
    const value = JSON.parse(new TextDecoder().decode(body)) as { dossierId?: unknown }
    return typeof value.dossierId === "string" ? value.dossierId : undefined
  } catch {
    return undefined
  }
}

const keyPattern = /^[\x21-\x7e]{1,255}$/

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("")

/** SHA-256 over what makes two requests the same request. */
const fingerprintOf = (parts: ReadonlyArray<string>, body: Uint8Array) => {
  const head = new TextEncoder().encode(`${parts.join("\n")}\n\n`)
  const whole = new Uint8Array(head.length + body.length)
  whole.set(head)
  whole.set(body, head.length)
  return Effect.map(
    Effect.promise(() => globalThis.crypto.subtle.digest("SHA-256", whole)),
    hex
  )
}

interface StoredKey {
  readonly fingerprint: string
  readonly attempt: string
  readonly leased_until: number | bigint | string
  readonly expires_at: number | bigint | string
  readonly status: number | null
  readonly content_type: string | null
  readonly body: Uint8Array | null
}

export const layer = Layer.effect(
  Idempotency,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const cipher = yield* PersonalDataCipher.PersonalDataCipher
    yield* Effect.orDie(migrate)
    const context = (clientId: string, key: string) => `idempotency:${clientId}:${key}`
    const leaseMillis = leaseSeconds * 1000

    const sweep = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      sql<{ client_id: string }>`DELETE FROM assure_idempotency WHERE expires_at < ${now} RETURNING client_id`.pipe(
        Effect.map((rows) => rows.length),
        Effect.orDie
      )
    )
    yield* sweep.pipe(
      Effect.catchCause((cause) => Effect.logWarning("expired idempotency keys could not be removed", cause)),
      Effect.repeat(Schedule.spaced("1 minute")),
      Effect.forkScoped
    )

    /** Claims a key: a new row, or one whose lease lapsed or that expired. `undefined` when another holds it. */
    const claim = (clientId: string, key: string, fingerprint: string, attempt: string, now: number) =>
      Effect.gen(function* () {
        const inserted = yield* sql<{ attempt: string }>`
          INSERT INTO assure_idempotency ${sql.insert({
            client_id: clientId,
            idempotency_key: key,
            fingerprint,
            attempt,
            leased_until: now + leaseMillis,
            expires_at: now + Duration.toMillis(retention),
            status: null,
            content_type: null,
            body: null,
            dossier_id: null
          })}
          ON CONFLICT DO NOTHING
          RETURNING attempt`
        return inserted.length > 0
      }).pipe(Effect.orDie)

    const release = (clientId: string, key: string, attempt: string) =>
      sql`DELETE FROM assure_idempotency
          WHERE client_id = ${clientId} AND idempotency_key = ${key} AND attempt = ${attempt}`.pipe(
        Effect.asVoid,
        Effect.orDie
      )

    /** Keeps the lease of a request in flight, until interrupted. */
    const renewLease = (clientId: string, key: string, attempt: string) =>
      Effect.flatMap(
        Clock.currentTimeMillis,
        (now) =>
          sql`UPDATE assure_idempotency SET leased_until = ${now + leaseMillis}
            WHERE client_id = ${clientId} AND idempotency_key = ${key} AND attempt = ${attempt} AND status IS NULL`
      ).pipe(
        Effect.catchCause((cause) => Effect.logWarning("an idempotency lease could not be renewed", cause)),
        Effect.repeat(Schedule.spaced(Duration.seconds(leaseSeconds / 3))),
        Effect.asVoid
      )

    /** Records the response of the attempt that holds the key; fails (so its transaction rolls back) if it lost it. */
    const record = (clientId: string, key: string, attempt: string, response: Response.HttpServerResponse) =>
      Effect.gen(function* () {
        if (response.body._tag !== "Uint8Array") return yield* release(clientId, key, attempt)
        const sealed = yield* cipher.seal(response.body.body, context(clientId, key))
        const updated = yield* sql<{ attempt: string }>`
          UPDATE assure_idempotency SET status = ${response.status}, content_type = ${response.body.contentType},
                 body = ${sealed}, dossier_id = ${dossierIdOf(response.body.body) ?? null}
          WHERE client_id = ${clientId} AND idempotency_key = ${key} AND attempt = ${attempt}
          RETURNING attempt`.pipe(Effect.orDie)
        if (updated.length === 0) return yield* Effect.fail(new LostKey())
      })

    const replay = (clientId: string, key: string, stored: StoredKey) =>
      Effect.gen(function* () {
        const body =
          stored.body === null
            ? new Uint8Array()
            : yield* Effect.orDie(cipher.open(new Uint8Array(stored.body), context(clientId, key)))
        return HttpServerResponse.uint8Array(body, {
          status: Number(stored.status),
          contentType: stored.content_type ?? "application/json",
          headers: { "idempotent-replayed": "true" }
        })
      })

    /** 409 with `Retry-After`: the key's request is still in flight (here or on another instance). */
    const inFlight = (retryAfterSeconds: number) =>
      Effect.flatMap(requestMembers, (members) =>
        HttpServerRespondable.toResponse(
          new Conflict({
            ...members,
            code: "idempotency_key_in_use",
            detail: `A request with this Idempotency-Key is still being processed; retry after ${retryAfterSeconds} s`
          })
        ).pipe(Effect.map(HttpServerResponse.setHeader("retry-after", String(retryAfterSeconds))))
      )

    /** A keyed POST: run once per key, its response recorded; a repeat replays it. */
    const keyed = <E, R>(
      clientId: string,
      { endpoint, group }: { readonly endpoint: HttpApiEndpoint.Top; readonly group: HttpApiGroup.Top },
      handle: Effect.Effect<Response.HttpServerResponse, E, R>,
      request: HttpServerRequest.HttpServerRequest,
      key: string
    ) =>
      Effect.gen(function* () {
        const members = yield* requestMembers
        if (!keyPattern.test(key)) {
          return yield* new InvalidRequest({
            ...members,
            detail: "The Idempotency-Key header is not valid",
            invalidParams: [{ name: "headers.idempotency-key", reason: "must be 1-255 printable ASCII characters" }]
          })
        }
        // The whole body, once: for the fingerprint, and replayed to the handler from memory (within the server's
        // body limit), so that nothing waits on the network while the key is held.
        const body = new Uint8Array(yield* Effect.orDie(request.arrayBuffer))
        const fingerprint = yield* fingerprintOf(
          [request.method, request.url, clientId, request.headers["content-type"] ?? ""],
          body
        )
        const buffered = HttpServerRequest.fromWeb(
          new Request(new URL(request.url, "http://localhost"), {
            method: request.method,
            headers: request.headers,
            body
          })
        )
        const attempt = globalThis.crypto.randomUUID()
        const now = yield* Clock.currentTimeMillis

        let retaken = false
        if (!(yield* claim(clientId, key, fingerprint, attempt, now))) {
          const rows = yield* sql<StoredKey>`
              SELECT fingerprint, attempt, leased_until, expires_at, status, content_type, body FROM assure_idempotency
              WHERE client_id = ${clientId} AND idempotency_key = ${key}`.pipe(Effect.orDie)
          const stored = rows[0]
          if (stored === undefined) return yield* inFlight(1)
          const expired = Number(stored.expires_at) < now
          if (!expired && stored.fingerprint !== fingerprint) {
            return yield* new IdempotencyKeyReused({
              ...members,
              detail: "This Idempotency-Key was used for a different request (another body, path or method)",
              invalidParams: [{ name: "headers.idempotency-key", reason: "was used for a different request" }]
            })
          }
          if (!expired && stored.status !== null) return yield* replay(clientId, key, stored)
          const leasedUntil = Number(stored.leased_until)
          if (!expired && leasedUntil > now) return yield* inFlight(Math.max(1, Math.ceil((leasedUntil - now) / 1000)))
          // Expired, or its holder died: take it over, unless another retry just did.
          const taken = yield* sql<{ attempt: string }>`
              UPDATE assure_idempotency
              SET attempt = ${attempt}, fingerprint = ${fingerprint}, leased_until = ${now + leaseMillis},
                  expires_at = ${now + Duration.toMillis(retention)}, status = NULL, content_type = NULL, body = NULL,
                  dossier_id = NULL
              WHERE client_id = ${clientId} AND idempotency_key = ${key} AND attempt = ${stored.attempt}
              RETURNING attempt`.pipe(Effect.orDie)
          if (taken.length === 0) return yield* inFlight(leaseSeconds)
          retaken = !expired
          if (retaken) yield* Effect.logInfo("an idempotency key whose first attempt died was taken over")
        }

        const run = handle.pipe(
          Effect.provideService(HttpServerRequest.HttpServerRequest, buffered),
          Effect.provideService(RetakenKey, retaken)
        )
        const atomic = committedWithResponse.has(`${group.identifier}.${endpoint.identifier}`)
        const answered = Effect.gen(function* () {
          // Renewed from outside any transaction, so that others see the lease while the work runs.
          yield* Effect.forkScoped(renewLease(clientId, key, attempt))
          if (atomic) {
            return yield* sql.withTransaction(
              Effect.tap(
                run,
                (response): Effect.Effect<void, ServerFailure | LostKey> =>
                  response.status >= 500
                    ? Effect.fail(new ServerFailure({ response }))
                    : record(clientId, key, attempt, response)
              )
            )
          }
          const response = yield* run
          if (response.status >= 500) return yield* Effect.fail(new ServerFailure({ response }))
          yield* record(clientId, key, attempt, response)
          return response
        }).pipe(Effect.scoped)
        return yield* answered.pipe(
          Effect.onError(() => release(clientId, key, attempt)),
          Effect.catchIf(isOwnFailure, (failure) =>
            failure instanceof ServerFailure
              ? // A 5xx is not kept, so that it can be retried; the client still gets it.
                Effect.succeed(failure.response)
              : failure instanceof LostKey
                ? inFlight(leaseSeconds)
                : Effect.die(failure)
          )
        )
      })

    return Idempotency.of({
      sweep,
      forgetDossier: (clientId, dossierId) =>
        sql`DELETE FROM assure_idempotency WHERE client_id = ${clientId} AND dossier_id = ${dossierId}`.pipe(
          Effect.asVoid,
          Effect.orDie
        ),
      // Only a POST with a key is looked up; every other request goes straight to its handler.
      once: <E, R>(
        clientId: string,
        endpoint: { readonly endpoint: HttpApiEndpoint.Top; readonly group: HttpApiGroup.Top },
        handle: Effect.Effect<Response.HttpServerResponse, E, R>
      ) =>
        Effect.flatMap(
          HttpServerRequest.HttpServerRequest,
          (
            request
          ): Effect.Effect<
            Response.HttpServerResponse,
            E | IdempotencyKeyReused | InvalidRequest,
            R | HttpServerRequest.HttpServerRequest
          > => {
            const key = request.headers["idempotency-key"]
            return request.method !== "POST" || key === undefined
              ? handle
              : keyed(clientId, endpoint, handle, request, key)
          }
        )
    })
  })
)
