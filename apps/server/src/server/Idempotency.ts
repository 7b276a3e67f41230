/**
 * `Idempotency-Key` on POST: a request retried with the same key (by the same client, to the same path) gets the
 * first response again, and nothing is created twice. Responses are kept for 24 hours, sealed with the personal-data
 * cipher like everything else, and forgotten with their dossier; a key still being processed answers 409, and one
 * reused for another path 422. Failed requests (5xx) are not kept, so they can be retried.
 */
import { PersonalDataCipher } from "@assure/engine"
import { Context, Effect, Layer } from "effect"
import type { HttpServerRequest, HttpServerResponse as Response } from "effect/http"
import { HttpServerResponse } from "effect/http"
import { Migrator, SqlClient } from "effect/sql"
import { Conflict, IdempotencyKeyReused, InvalidRequest } from "../api/Problems.js"
import { requestMembers } from "./ProblemMapping.js"

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
  })
}

/** Runs the server's own migrations (recorded apart from the engine's). */
export const migrate = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: "assure_server_migrations" })

export class Idempotency extends Context.Service<
  Idempotency,
  {
    /** Runs a request once per key: replays the stored response for a repeated key. */
    readonly once: <E, R>(
      clientId: string,
      request: HttpServerRequest.HttpServerRequest,
      handle: Effect.Effect<Response.HttpServerResponse, E, R>
    ) => Effect.Effect<
      Response.HttpServerResponse,
      E | Conflict | IdempotencyKeyReused | InvalidRequest,
      R | HttpServerRequest.HttpServerRequest
    >
    /** Forgets the stored responses about a deleted dossier. */
    readonly forgetDossier: (clientId: string, dossierId: string) => Effect.Effect<void>
  }
>()("@assure/server/Idempotency") {}

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

export const layer = Layer.effect(
  Idempotency,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const cipher = yield* PersonalDataCipher.PersonalDataCipher
    yield* Effect.orDie(migrate)
    const context = (clientId: string, key: string) => `idempotency:${clientId}:${key}`
    const dayAgo = () => new Date(Date.now() - 86_400_000).toISOString()

    return Idempotency.of({
      forgetDossier: (clientId, dossierId) =>
        sql`DELETE FROM assure_idempotency WHERE client_id = ${clientId} AND dossier_id = ${dossierId}`.pipe(
          Effect.asVoid,
          Effect.orDie
        ),
      once: (clientId, request, handle) =>
        Effect.gen(function* () {
          const key = request.headers["idempotency-key"]
          if (request.method !== "POST" || key === undefined) return yield* handle
          const members = yield* requestMembers
          if (!keyPattern.test(key)) {
            return yield* new InvalidRequest({
              ...members,
              detail: "The Idempotency-Key header is not valid",
              invalidParams: [{ name: "headers.idempotency-key", reason: "must be 1-255 printable ASCII characters" }]
            })
          }
          const path = members.instance
          yield* sql`DELETE FROM assure_idempotency WHERE created_at < ${dayAgo()}`.pipe(Effect.orDie)
          const claimed = yield* sql<{ client_id: string }>`
            INSERT INTO assure_idempotency ${sql.insert({
              client_id: clientId,
              idempotency_key: key,
              path,
              status: null,
              content_type: null,
              body: null,
              created_at: new Date().toISOString()
            })}
            ON CONFLICT DO NOTHING
            RETURNING client_id`.pipe(Effect.orDie)
          if (claimed.length === 0) {
            const rows = yield* sql<{
              path: string
              status: number | null
              content_type: string | null
              body: Uint8Array | null
            }>`
              SELECT path, status, content_type, body FROM assure_idempotency
              WHERE client_id = ${clientId} AND idempotency_key = ${key}`.pipe(Effect.orDie)
            const stored = rows[0]
            if (stored === undefined || stored.status === null) {
              return yield* new Conflict({
                ...members,
                detail: "A request with this Idempotency-Key is still being processed"
              })
            }
            if (stored.path !== path) {
              return yield* new IdempotencyKeyReused({
                ...members,
                detail: "This Idempotency-Key was used for another request",
                invalidParams: [{ name: "headers.idempotency-key", reason: "was used for another path" }]
              })
            }
            const body =
              stored.body === null
                ? new Uint8Array()
                : yield* Effect.orDie(cipher.open(new Uint8Array(stored.body), context(clientId, key)))
            return HttpServerResponse.uint8Array(body, {
              status: Number(stored.status),
              contentType: stored.content_type ?? "application/json",
              headers: { "idempotent-replayed": "true" }
            })
          }
          const release =
            sql`DELETE FROM assure_idempotency WHERE client_id = ${clientId} AND idempotency_key = ${key}`.pipe(
              Effect.orDie
            )
          const response = yield* handle.pipe(Effect.onError(() => release))
          if (response.status >= 500 || response.body._tag !== "Uint8Array") {
            yield* release
            return response
          }
          const sealed = yield* cipher.seal(response.body.body, context(clientId, key))
          yield* sql`
            UPDATE assure_idempotency SET status = ${response.status}, content_type = ${response.body.contentType},
                   body = ${sealed}, dossier_id = ${dossierIdOf(response.body.body) ?? null}
            WHERE client_id = ${clientId} AND idempotency_key = ${key}`.pipe(Effect.orDie)
          return response
        })
    })
  })
)
