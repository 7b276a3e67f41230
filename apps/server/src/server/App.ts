/**
 * The server as one layer: configuration → database (embedded SQLite by default, PostgreSQL with DATABASE_URL) →
 * engine (with the providers ASSURE_PROVIDERS enables) → the HTTP API, `/openapi.json`, `/docs` and the hosted capture
 * page (`/capture/…`).
 */
import { join } from "node:path"
import { AssureApi } from "@assure/api/Api"
import { Engine, EngineConfig, FileStore, Migrations, OutboundPolicy, PersonalDataCipher } from "@assure/engine"
// Each module on its own: the package index loads every Node service (HTTP client, sockets, workers, …).
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect, Layer, Option, Scope } from "effect"
import { FetchHttpClient, HttpMiddleware, HttpRouter } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import * as Authorization from "./Authorization.js"
import * as CapturePage from "./CapturePage.js"
import * as Console from "./Console.js"
import * as DataFolder from "./DataFolder.js"
import * as EmbeddedStore from "./EmbeddedStore.js"
import { handlers } from "./Handlers.js"
import * as HttpTimeouts from "./HttpTimeouts.js"
import * as Idempotency from "./Idempotency.js"
import * as Metrics from "./Metrics.js"
import * as NodeAesGcm from "./NodeAesGcm.js"
import * as NotificationDelivery from "./NotificationDelivery.js"
import * as Observability from "./Observability.js"
import * as ProblemFallback from "./ProblemFallback.js"
import * as Providers from "./Providers.js"
import * as RateLimiter from "./RateLimiter.js"
import * as RequestProblems from "./RequestProblems.js"
import * as ResponseHeaders from "./ResponseHeaders.js"
import { ServerConfig, type Settings } from "./ServerConfig.js"
import * as Tokens from "./Tokens.js"

/** The database, once the data folder (which holds the embedded database, and the files on either) is ready. */
const database = (settings: Settings) => {
  const folder = DataFolder.prepare(settings.dataDirectory)
  if (Option.isSome(settings.databaseUrl)) {
    const url = settings.databaseUrl.value
    // Loaded only for PostgreSQL, so that the embedded default does not spend its start-up on the driver.
    return Layer.unwrap(
      Effect.andThen(
        folder,
        Effect.promise(() => import("@effect/sql-pg/PgClient"))
      ).pipe(Effect.map((Pg) => Pg.layer({ url })))
    )
  }
  // `assure.db` through @effect/sql-sqlite-node, created 0600, with `synchronous` and `secure_delete` set.
  return Layer.unwrap(
    Effect.as(
      folder,
      EmbeddedStore.layer({ dataDirectory: settings.dataDirectory, synchronous: settings.sqliteSynchronous })
    )
  )
}

/**
 * `GET /docs`, Scalar's API reference page, built on its first request: its bundled script is 5 MB of JavaScript,
 * which `HttpApiScalar.layer` loads when the layer is built, and compiling it took some 400 ms of every start before
 * `/ready` answered. The page is Scalar's own route on a router of its own, kept for the server's lifetime.
 */
const lazyDocs = HttpRouter.use((router) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const page = yield* Effect.cached(
      HttpRouter.toHttpEffect(
        HttpApiScalar.layer(AssureApi, { path: "/docs", scalar: { withDefaultFonts: false } })
      ).pipe(
        Scope.provide(scope),
        // A memo map of its own: the request's would hand back the server's router, which has a `/docs` already.
        Effect.provideService(Layer.CurrentMemoMap, Layer.makeMemoMapUnsafe())
      )
    )
    yield* router.add("GET", "/docs", Effect.flatten(page))
  })
)

/** `engineOverrides` replaces engine settings the server has no variable for (retries, polling), for embedders and tests. */
export const makeApp = (settings: Settings, engineOverrides: Partial<EngineConfig.Settings> = {}) => {
  const storage = Layer.effectDiscard(Migrations.run).pipe(Layer.provideMerge(database(settings)), Layer.orDie)
  const providers = Providers.layer(settings)
  const cipher = PersonalDataCipher.layer(
    {
      activeKeyId: settings.encryptionKeys[0]?.id ?? "",
      keys: Object.fromEntries(settings.encryptionKeys.map(({ id, key }) => [id, key]))
    },
    NodeAesGcm.aesGcm
  )
  // Where clients' notification URLs may point (checked at creation, and on every address connected to).
  const outbound = Layer.orDie(OutboundPolicy.layer(settings.notificationTargets))
  const engine = Engine.layerSingleRunner({ circuitBreaker: settings.circuitBreaker }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        storage,
        providers,
        FileStore.layerDirectory(join(settings.dataDirectory, "files")),
        Layer.orDie(cipher),
        // Notifications get their own client, guarded where it connects; the providers keep the shared one.
        NotificationDelivery.layer.pipe(Layer.provideMerge(outbound))
      )
    ),
    Layer.provide(
      Layer.succeed(EngineConfig.EngineConfig, {
        ...EngineConfig.defaults,
        retention: Option.getOrUndefined(settings.retention),
        eventSubscriptions: settings.eventSubscriptions,
        routingPolicy: Option.getOrUndefined(settings.routingPolicy),
        captureLifetime: settings.capture.lifetime,
        review: settings.review,
        ...engineOverrides
      })
    ),
    Layer.provide([NodeFileSystem.layer, NodePath.layer])
  )
  const security = Layer.mergeAll(Authorization.layer, RequestProblems.layer).pipe(
    Layer.provideMerge(Layer.mergeAll(Tokens.layer, RateLimiter.layer, Idempotency.layer))
  )
  const api = HttpApiBuilder.layer(AssureApi, { openapiPath: "/openapi.json" }).pipe(
    Layer.provide(handlers.pipe(Layer.provideMerge(security)))
  )
  const docs = lazyDocs
  // ResponseHeaders is built first, so its middleware runs outside every other: `Cache-Control: no-store` reaches
  // every problem too.
  // The hosted capture page (`/capture/…`): HTML and its own assets, outside the API and its bearer tokens.
  // The review console (`/console/…`), when operator accounts are configured: pages with their own sessions.
  const routes = Layer.mergeAll(api, docs, CapturePage.layer, Console.layer, ProblemFallback.layer(20_000_000)).pipe(
    Layer.provide(ResponseHeaders.layer)
  )
  // Behind trusted proxies (ASSURE_TRUSTED_PROXIES), a request's address is the one they forward for; without any,
  // nothing is read from X-Forwarded-* headers.
  const forwarded =
    settings.trustedProxies.length > 0
      ? HttpMiddleware.xForwardedHeaders({ trustedProxies: settings.trustedProxies })
      : undefined
  const served = HttpRouter.serve(routes, {
    disableLogger: true,
    ...(forwarded === undefined ? {} : { middleware: forwarded })
  }).pipe(
    Layer.provide(
      NodeHttpServer.layer(
        HttpTimeouts.server({ headers: settings.headersTimeout, bodyIdle: settings.bodyIdleTimeout }),
        {
          port: settings.port,
          host: settings.host,
          gracefulShutdownTimeout: "10 seconds"
        }
      )
    )
  )
  // The Prometheus scrape endpoint (its own listener) and the backlog gauges' reading, when configured.
  return Layer.merge(served, Metrics.layer(settings)).pipe(
    // Handlers read these per request; the same layers as the middleware's (one signing key, one store).
    Layer.provide(Layer.mergeAll(Tokens.layer, Idempotency.layer)),
    Layer.provide(engine),
    Layer.provide(Layer.succeed(ServerConfig, settings)),
    Layer.provide(FetchHttpClient.layer),
    // Outermost, so that every layer above is built, and every fiber it starts runs, with the log level.
    Layer.provide(Observability.layer(settings))
  )
}
