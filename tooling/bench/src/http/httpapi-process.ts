/**
 * The framework baseline: a minimal Effect `HttpApi` in a process of its own, served as the real server serves its
 * API (`HttpApiBuilder.layer` → `HttpRouter.serve` without the request logger → `NodeHttpServer`), answering the same
 * two requests as the bare `node:http` server and checking the `Authorization` header the same way (a string
 * comparison). Nothing else: no token verification, no rate limit, no database. The distance from the bare
 * `node:http` server is what routing, schema decoding and encoding cost in `HttpApi`; the distance from the real
 * server is what the server adds on top.
 */
import { createServer } from "node:http"
import { performance } from "node:perf_hooks"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Fiber, Layer, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiError, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { type BareJob, type ChildMessage, dossierLike, type ParentMessage, readMemory } from "./protocol.ts"

const send = (message: ChildMessage) => process.send?.(message)
const job = JSON.parse(process.env.BENCH_HTTP_API ?? "") as BareJob

process.once("disconnect", () => process.exit(1))

// The stored process and the dossiers as plain JSON objects: a permissive schema, so that the framework still decodes
// and encodes every body, but without the real API's field checks (those are the server's own cost).
const JsonObject = Schema.Record(Schema.String, Schema.Unknown)
const storedProcess = JSON.parse(job.processBody) as Record<string, unknown>
const authorizationHeaders = { authorization: Schema.optional(Schema.String) }

class BareGroup extends HttpApiGroup.make("bare")
  .add(
    HttpApiEndpoint.get("getProcess", "/assure/dossiers/:dossierId/processes/:processId", {
      params: { dossierId: Schema.String, processId: Schema.String },
      headers: authorizationHeaders,
      success: JsonObject,
      error: [HttpApiError.Unauthorized, HttpApiError.NotFound]
    }),
    HttpApiEndpoint.post("createDossier", "/assure/dossiers", {
      headers: authorizationHeaders,
      payload: JsonObject,
      success: JsonObject.pipe(HttpApiSchema.status(201)),
      error: HttpApiError.Unauthorized
    })
  )
  .add(HttpApiEndpoint.get("ready", "/ready", { success: HttpApiSchema.NoContent })) {}

class BareApi extends HttpApi.make("bare").add(BareGroup) {}

const authorized = (headers: { readonly authorization?: string | undefined }) =>
  headers.authorization === job.authorization ? Effect.void : Effect.fail(new HttpApiError.Unauthorized())

const dossierFor = (input: Record<string, unknown>) => dossierLike(job.dossierTemplate, input)

const handlers = HttpApiBuilder.group(BareApi, "bare", (group) =>
  group
    .handle("getProcess", ({ headers, request }) =>
      Effect.andThen(authorized(headers), () =>
        // The same exact path as the bare server compares, so that both answer 404 to anything else.
        request.url === job.processPath ? Effect.succeed(storedProcess) : Effect.fail(new HttpApiError.NotFound())
      )
    )
    .handle("createDossier", ({ headers, payload }) =>
      Effect.andThen(authorized(headers), () => Effect.succeed(dossierFor(payload)))
    )
    .handle("ready", () => Effect.void)
)

const launchedMs = performance.now()
const served = HttpRouter.serve(HttpApiBuilder.layer(BareApi).pipe(Layer.provide(handlers)), {
  disableLogger: true
}).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: job.port, host: "127.0.0.1" })))

const fiber = Effect.runFork(
  Layer.launch(
    Layer.merge(
      served,
      // Once the layers above are built, the port is listening.
      Layer.effectDiscard(
        Effect.sync(() => send({ type: "ready", loadedMs: launchedMs, launchedMs, readyMs: performance.now() }))
      )
    )
  )
)

process.on("message", (message: ParentMessage) => {
  if (message.type === "memory") send(readMemory(message.id))
  else if (message.type === "stop") void Effect.runPromise(Fiber.interrupt(fiber)).then(() => process.exit(0))
})
