/**
 * A vendor simulator from a route table: what every simulator of a vendor's API needs, so that the simulator itself
 * holds only the vendor's routes, data and words.
 *
 * {@link make} serves two tables on {@link LoopbackServer.serve}: the vendor's API (`routes`, under `basePath`) and
 * the end-user's pages of a hosted flow (`pages`, at the origin). An API request is recorded, may meet an armed
 * {@link SimulatorFault.Fault}, must pass the credential check ({@link Guard}, see `SimulatorAuth`) and is then
 * answered by its route's handler; a request no route matches is answered by `notFound` (after the credential check,
 * as vendors do). Pages are answered as they are: no recording, faults or credentials; text by default.
 *
 * A handler answers with an `Answer`, or fails with one: refusals (a 404 from `SimulatorStore.require`, a 422) end
 * the handler early. An answer of `undefined` is no answer at all (a timeout). An answer of
 * {@link LoopbackServer.handOver} lets a real implementation (another library's Node handler) answer the request,
 * recorded and past the faults like any other.
 *
 * @example
 * ```ts
 * import { Simulator, SimulatorAuth, SimulatorFault, SimulatorStore } from "@assure/provider/testing"
 * import { Effect, Redacted } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const sessions = SimulatorStore.make<{ readonly id: string; status: string }>({
 *     notFound: (id) => ({ status: 404, body: { error: `no session ${id}` } })
 *   })
 *   const simulator = yield* Simulator.make({
 *     basePath: "/v1",
 *     guard: SimulatorAuth.refuse(SimulatorAuth.bearer(Redacted.make("sk_test")), {
 *       status: 401,
 *       body: { error: "unauthorized" }
 *     }),
 *     notFound: () => ({ status: 404, body: { error: "no such route" } }),
 *     headers: () => ({ "x-request-id": SimulatorStore.uuid() }),
 *     routes: [
 *       Simulator.post("/sessions", () =>
 *         Effect.succeed({ status: 201, body: sessions.insert({ id: SimulatorStore.uuid(), status: "created" }) })
 *       ),
 *       Simulator.get("/sessions/:id", (request) =>
 *         Effect.map(sessions.require(request.params.id), (session) => ({ status: 200, body: session }))
 *       )
 *     ]
 *   })
 *   // the next two requests to GET /sessions/:id answer 503
 *   yield* simulator.arm(SimulatorFault.status(503, { error: "down" }), { times: 2, route: "GET /sessions/:id" })
 *   return simulator.baseUrl // http://127.0.0.1:<port>/v1
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type Context, Effect, Layer, type Scope } from "effect"
import type { HttpClient } from "effect/http"
import * as LoopbackServer from "./LoopbackServer.js"
import type * as ProviderRegistry from "./ProviderRegistry.js"
import * as SimulatorFault from "./SimulatorFault.js"
import type * as SimulatorWebhooks from "./SimulatorWebhooks.js"

/** How to answer (re-exported from {@link LoopbackServer}). @since 0.1.0 */
export type Answer = LoopbackServer.Answer

/**
 * The parameters of a route pattern: `"/sessions/:id/media"` has `{ readonly id: string }`.
 *
 * @since 0.1.0
 */
export type Params<Pattern extends string> = Pattern extends `${string}:${infer Name}/${infer Rest}`
  ? { readonly [K in Name]: string } & Params<`/${Rest}`>
  : Pattern extends `${string}:${infer Name}`
    ? { readonly [K in Name]: string }
    : Record<never, never>

/** A request as a handler sees it: the loopback request, the route's parameters, and readers of its body. @since 0.1.0 */
export interface Request<P extends Readonly<Record<string, string>> = Readonly<Record<string, string>>>
  extends LoopbackServer.Request {
  /** The route pattern's `:name` segments, URI-decoded (`{}` for a request no route matched). */
  readonly params: P
  /** `http://127.0.0.1:<port>`: for links the simulator hands out. */
  readonly origin: string
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  readonly json: () => unknown
  /** The body as form data (`multipart/form-data` or `application/x-www-form-urlencoded`), or `undefined`. */
  readonly form: () => Effect.Effect<FormData | undefined>
}

/** Answers a request, or refuses it with an answer; `undefined` never answers. @since 0.1.0 */
export type Handler<P extends Readonly<Record<string, string>> = Readonly<Record<string, string>>> = (
  request: Request<P>
) => Effect.Effect<Answer | undefined, Answer>

/** A credential check: passes, or refuses with the vendor's answer. Built with `SimulatorAuth`. @since 0.1.0 */
export type Guard = (request: Request) => Effect.Effect<void, Answer>

/** A route: method, path pattern (`/checks/:id`), handler. @since 0.1.0 */
export interface Route {
  readonly method: string
  readonly pattern: string
  readonly handler: Handler
  /** This route's credential check instead of the simulator's; `null`: none. */
  readonly guard?: Guard | null | undefined
}

/** A route's own options: its credential check instead of the simulator's (`null`: none). @since 0.1.0 */
export interface RouteOptions {
  readonly guard?: Guard | null | undefined
}

/**
 * A route for `method` and `pattern` (`:name` matches one path segment, and is `request.params.name`).
 *
 * @since 0.1.0
 */
export const route = <Pattern extends string>(
  method: string,
  pattern: Pattern,
  handler: Handler<Params<Pattern>>,
  options: RouteOptions = {}
): Route =>
  // `match` gives every `:name` of the pattern, so the handler gets the parameters its type promises.
  ({ method, pattern, handler: handler as Handler, guard: options.guard })

const routeOf =
  (method: string) =>
  <Pattern extends string>(pattern: Pattern, handler: Handler<Params<Pattern>>, options?: RouteOptions): Route =>
    route(method, pattern, handler, options)

/** A `GET` route. @since 0.1.0 */
export const get = routeOf("GET")

/** A `POST` route. @since 0.1.0 */
export const post = routeOf("POST")

/** A `PATCH` route. @since 0.1.0 */
export const patch = routeOf("PATCH")

/** A `PUT` route. @since 0.1.0 */
export const put = routeOf("PUT")

/** A `DELETE` route. @since 0.1.0 */
export const del = routeOf("DELETE")

/** A redirect to `location` (302), as a hosted flow sends the end-user back. @since 0.1.0 */
export const redirect = (location: string): Answer => ({ status: 302, body: "", headers: { location } })

/** The parameters of `path` when it matches `pattern`, else `undefined`. @since 0.1.0 */
export const match = (pattern: string, path: string): Record<string, string> | undefined => {
  const expected = pattern.split("/")
  const actual = path.split("/")
  if (expected.length !== actual.length) return undefined
  const params: Record<string, string> = {}
  for (let index = 0; index < expected.length; index++) {
    const segment = expected[index] as string
    const given = actual[index] as string
    if (segment.startsWith(":")) {
      if (given === "") return undefined
      try {
        params[segment.slice(1)] = decodeURIComponent(given)
      } catch {
        return undefined
      }
    } else if (segment !== given) return undefined
  }
  return params
}

/** The key of a route, for arming a fault on it: `"GET /checks/:id"`. @since 0.1.0 */
export const routeKey = (route: Route): string => `${route.method} ${route.pattern}`

/** An API request the simulator received, for tests that check what the adapter sent. @since 0.1.0 */
export interface RecordedRequest {
  readonly method: string
  /** The path and query, as sent. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The body as text (multipart bodies as they were sent, with their boundaries). */
  readonly body: string
}

/** How a simulator is set up. @since 0.1.0 */
export interface Options {
  /** The vendor's API. */
  readonly routes: ReadonlyArray<Route>
  /** The API's path prefix (`/v3.6`): routes are matched below it, and it ends `baseUrl`. Default none. */
  readonly basePath?: string | undefined
  /** The end-user's pages (hosted flows), at the origin: not recorded, no faults, no credentials. */
  readonly pages?: ReadonlyArray<Route> | undefined
  /** The credential check of every API route that has none of its own. Default none. */
  readonly guard?: Guard | undefined
  /** The vendor's answer to an API request no route matches. */
  readonly notFound: (request: Request) => Answer
  /** Headers added to every answer, API and pages (a request id, the API version). */
  readonly headers?: ((request: Request) => Readonly<Record<string, string>>) | undefined
  /** The content type of API answers (default `application/json`); pages are `text/plain; charset=utf-8`. */
  readonly contentType?: string | undefined
}

/** How long an armed fault lasts: `times` requests (default 1; `Infinity` for ever), to `route` or to any. @since 0.1.0 */
export interface Arming {
  readonly times?: number | undefined
  /** A {@link routeKey} (`"GET /checks/:id"`); without it, the next requests whatever they are. */
  readonly route?: string | undefined
}

/** A running simulator. @since 0.1.0 */
export interface Simulator {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  /** The origin and `basePath`: the adapter's base URL. */
  readonly baseUrl: string
  /** Every API request received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Makes the next API requests (or those to one route) meet `fault`; faults armed first are met first. */
  readonly arm: (fault: SimulatorFault.Fault, arming?: Arming) => Effect.Effect<void>
  /** Disarms every fault. */
  readonly disarm: Effect.Effect<void>
}

interface Armed {
  readonly fault: SimulatorFault.Fault
  readonly route: string | undefined
  remaining: number
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const requestOf = (
  request: LoopbackServer.Request,
  origin: string,
  params: Readonly<Record<string, string>>
): Request => ({
  ...request,
  params,
  origin,
  json: () => parseJson(request.text),
  form: () =>
    Effect.tryPromise(() =>
      new Response(new Uint8Array(request.body), {
        headers: { "content-type": request.headers["content-type"] ?? "" }
      }).formData()
    ).pipe(Effect.orElseSucceed(() => undefined))
})

const find = (routes: ReadonlyArray<Route>, method: string, path: string) => {
  for (const candidate of routes) {
    if (candidate.method !== method) continue
    const params = match(candidate.pattern, path)
    if (params !== undefined) return { route: candidate, params }
  }
  return undefined
}

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const basePath = options.basePath ?? ""
    const recorded: Array<RecordedRequest> = []
    let armed: Array<Armed> = []
    let origin = ""

    /** The first armed fault for this route (or any), used up by one request. */
    const takeFault = (key: string | undefined): SimulatorFault.Fault | undefined => {
      const found = armed.find((entry) => entry.route === undefined || entry.route === key)
      if (found === undefined) return undefined
      found.remaining -= 1
      if (found.remaining <= 0) armed = armed.filter((entry) => entry !== found)
      return found.fault
    }

    const api = (request: LoopbackServer.Request): Effect.Effect<Answer | undefined> => {
      recorded.push({ method: request.method, url: request.url, headers: request.headers, body: request.text })
      const inside = request.path === basePath || request.path.startsWith(`${basePath}/`)
      const found = inside ? find(options.routes, request.method, request.path.slice(basePath.length)) : undefined
      const fault = takeFault(found === undefined ? undefined : routeKey(found.route))
      if (fault !== undefined) return SimulatorFault.toAnswer(fault)
      const seen = requestOf(request, origin, found?.params ?? {})
      const guard = found?.route.guard === undefined ? options.guard : found.route.guard
      const checked = guard === undefined || guard === null ? Effect.void : guard(seen)
      return checked.pipe(
        Effect.andThen(found === undefined ? Effect.fail(options.notFound(seen)) : found.route.handler(seen)),
        Effect.catch((refusal: Answer) => Effect.succeed(refusal))
      )
    }

    const respond = (request: LoopbackServer.Request): Effect.Effect<Answer | undefined> => {
      const page = find(options.pages ?? [], request.method, request.path)
      const answered =
        page === undefined
          ? api(request)
          : page.route
              .handler(requestOf(request, origin, page.params))
              .pipe(Effect.catch((refusal: Answer) => Effect.succeed(refusal)))
      return Effect.map(answered, (answer) =>
        answer === undefined
          ? undefined
          : {
              ...answer,
              headers: {
                "content-type":
                  page === undefined ? (options.contentType ?? "application/json") : "text/plain; charset=utf-8",
                ...options.headers?.(requestOf(request, origin, {})),
                ...answer.headers
              }
            }
      )
    }

    origin = (yield* LoopbackServer.serve(respond)).baseUrl

    return {
      origin,
      baseUrl: `${origin}${basePath}`,
      requests: Effect.sync(() => [...recorded]),
      arm: (fault, arming = {}) =>
        Effect.sync(() => {
          armed.push({ fault, route: arming.route, remaining: arming.times ?? 1 })
        }),
      disarm: Effect.sync(() => {
        armed = []
      })
    }
  })

/**
 * What every vendor simulator's service offers a test, whatever the vendor: a vendor simulator's service is these and
 * its own verbs (`complete`, say). Built with {@link controls}.
 *
 * @since 0.1.0
 */
export interface Controls {
  /** Where it listens, for the adapter's base URL. */
  readonly baseUrl: string
  /** Makes the next API request, whatever it is, fail as the vendor fails (the conformance suite's failures). */
  readonly failNext: (failure: SimulatorFault.VendorFailure) => Effect.Effect<void>
  /** Arms any fault, for the next requests or one route ({@link routeKey}: `"GET /checks/:id"`). */
  readonly arm: (fault: SimulatorFault.Fault, arming?: Arming) => Effect.Effect<void>
  /** Every API request received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Every webhook sent so far, with what the receiver answered. */
  readonly webhooks: Effect.Effect<ReadonlyArray<SimulatorWebhooks.Delivery>>
}

/**
 * The {@link Controls} of a running simulator: `failNext` arms the vendor's `failures` (from
 * `SimulatorFault.vendorFailures`); `baseUrl` is the simulator's unless the adapter wants another (its origin, when
 * the adapter's client adds the API's path prefix itself).
 *
 * @since 0.1.0
 */
export const controls = (
  simulator: Simulator,
  options: {
    readonly failures: Readonly<Record<SimulatorFault.VendorFailure, SimulatorFault.Fault>>
    readonly webhooks: SimulatorWebhooks.Webhooks
    readonly baseUrl?: string | undefined
  }
): Controls => ({
  baseUrl: options.baseUrl ?? simulator.baseUrl,
  failNext: (failure) => simulator.arm(options.failures[failure]),
  arm: simulator.arm,
  requests: simulator.requests,
  webhooks: options.webhooks.deliveries
})

/**
 * An adapter's `layerTest`: its simulator as a service, and its provider registered against it; the application
 * provides the registry and an HTTP client.
 *
 * @since 0.1.0
 */
export type TestLayer<I> = Layer.Layer<
  I,
  ProviderRegistry.RegistrationError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
>

/**
 * A provider layer built against a running simulator, with the simulator kept as a service: what an adapter's
 * `layerTest` is. `provider` gets the running simulator (its `baseUrl`, say) and returns the adapter's layer.
 *
 * @example
 * ```ts
 * export const layerTest = (options: Options) =>
 *   Simulator.withProvider(layer(options), AcmeSimulator, (simulator) =>
 *     AcmeProvider.layer({ apiKey: options.apiKey, baseUrl: simulator.baseUrl })
 *   )
 * ```
 *
 * @since 0.1.0
 */
export const withProvider = <I, S, E1, R1, E2, R2>(
  simulator: Layer.Layer<I, E1, R1>,
  key: Context.Key<I, S>,
  provider: (running: S) => Layer.Layer<never, E2, R2>
): Layer.Layer<I, E1 | E2, R1 | Exclude<R2, I>> =>
  Layer.unwrap(Effect.map(key, provider)).pipe(Layer.provideMerge(simulator))
