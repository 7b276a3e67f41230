/**
 * Problem details for every failure (but the HTML pages of the capture page), including the ones no handler sees: unknown routes (404), a known path with a
 * method it does not have (405, with `Allow`), unreadable or oversized bodies (400, 413), a body type an operation
 * does not read (415), a request that did not arrive in time (408). Runs around every route, with the body limit.
 */
import { AssureApi } from "@assure/api/Api"
import {
  InternalError,
  InvalidRequest,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  RequestTimeout,
  UnsupportedMediaType
} from "@assure/api/Problems"
import { ByteSize, Cause, Effect, LogLevel, Option } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  HttpServerRequest,
  HttpServerRespondable,
  HttpServerResponse
} from "effect/http"
import { HttpApi } from "effect/http-api"
import { RequestTraceId, requestMembers } from "./ProblemMapping.js"
import * as RequestText from "./RequestText.js"

type Members = Effect.Success<typeof requestMembers>

/** The problem for an error response that has no body of its own, by status. */
const problems: Record<number, (members: Members) => HttpServerRespondable.Respondable> = {
  400: (members) => new InvalidRequest({ ...members, detail: "The request could not be read" }),
  404: (members) => new NotFound({ ...members, detail: "No such route" }),
  405: (members) => new MethodNotAllowed({ ...members, detail: `The path does not take ${members.method}` }),
  408: (members) => new RequestTimeout({ ...members, detail: "The request did not arrive in time" }),
  413: (members) => new PayloadTooLarge({ ...members, detail: "The request body is larger than the limit" }),
  415: (members) =>
    new UnsupportedMediaType({
      ...members,
      detail:
        "The request body's Content-Type is not one this operation reads: application/json, or multipart/form-data for files, or application/x-www-form-urlencoded for tokens"
    })
}

const problemResponse = (status: number) =>
  Effect.flatMap(requestMembers, (members) =>
    HttpServerRespondable.toResponse(
      problems[status]?.(members) ??
        (status >= 500
          ? new InternalError({ ...members, detail: "Something went wrong on our side" })
          : new InvalidRequest({ ...members, detail: "The request could not be served" }))
    )
  )

/** The problem for an error response without a body, keeping the headers it had (`Allow`, `Retry-After`, …). */
const withProblemBody = (response: HttpServerResponse.HttpServerResponse) =>
  Effect.map(problemResponse(response.status), (problem) => {
    const { "content-type": _type, "content-length": _length, ...headers } = response.headers
    return HttpServerResponse.setHeaders(problem, headers)
  })

/** One route: a path pattern and the methods it answers. */
interface Route {
  readonly pattern: RegExp
  readonly methods: Set<string>
}

/** Every path of the API (and its docs) with its methods, to tell a wrong method (405) from an unknown path (404). */
const routes: ReadonlyArray<Route> = (() => {
  const byPath = new Map<string, Set<string>>([
    ["/openapi.json", new Set(["GET"])],
    ["/docs", new Set(["GET"])],
    // The hosted capture page (CapturePage.ts), outside the API.
    ["/capture/:token", new Set(["GET", "HEAD"])],
    ["/capture/:token/files", new Set(["POST"])],
    ["/capture/:token/submit", new Set(["POST"])],
    ["/capture/:token/status", new Set(["GET", "HEAD"])],
    ["/capture/handoff/:code", new Set(["GET", "HEAD"])]
  ])
  HttpApi.reflect(AssureApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => {
      const methods = byPath.get(endpoint.path) ?? new Set<string>()
      methods.add(endpoint.method)
      // GET routes answer HEAD as well.
      if (endpoint.method === "GET") methods.add("HEAD")
      byPath.set(endpoint.path, methods)
    }
  })
  return [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(`^${path.replace(/:[A-Za-z]+/g, "[^/]+")}/?$`),
    methods
  }))
})()

/** The methods a path has, or none when no route has the path. */
const allowedMethods = (pathname: string): ReadonlyArray<string> =>
  [...new Set(routes.filter((route) => route.pattern.test(pathname)).flatMap((route) => [...route.methods]))].sort()

/** A 404 of the router for a path that exists with other methods becomes a 405 with `Allow`. */
const methodNotAllowed = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> => {
  const allowed = allowedMethods(RequestText.pathOf(request.url))
  return allowed.length === 0
    ? Effect.succeed(response)
    : Effect.map(
        withProblemBody(HttpServerResponse.empty({ status: 405 })),
        HttpServerResponse.setHeader("allow", allowed.join(", "))
      )
}

const readOnlyMethods = new Set(["GET", "HEAD", "OPTIONS"])

/**
 * Whether a request may have changed something: any method but a read, and the end-user's return from a redirect
 * flow, which ends a process. Decided on the path as sent, cheaply: most requests are successful reads.
 */
const changesState = (request: HttpServerRequest.HttpServerRequest) =>
  !readOnlyMethods.has(request.method) || RequestText.pathOf(request.url).startsWith("/callbacks/")

/**
 * One log line for a request that changed something or was refused (debug level), or that failed on our side
 * (warning level; the cause of an unexpected failure has its own error line): the method, the path — ids, never the
 * query string — and the status; never headers or bodies. Reads log nothing, except the end-user's return from a
 * redirect flow, which ends a process.
 */
const logOutcome = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<void> => {
  if (response.status < 400 && !changesState(request)) return Effect.void
  // The line carries the path as the URL standard normalises it: percent-encoded, never raw bytes.
  // A capture link's token, and a hand-off link's one-time code, are credentials: never in a log line.
  const path = new URL(request.url, "http://localhost").pathname
    .replace(/^\/capture\/handoff\/[^/]+/, "/capture/handoff/{code}")
    .replace(/^\/capture\/(?!assets\/|handoff\/)[^/]+/, "/capture/{token}")
  const outcome = { method: request.method, path, status: response.status }
  if (response.status >= 500) return Effect.logWarning("request failed", outcome)
  if (response.status >= 400) return Effect.logDebug("request refused", outcome)
  if (path === "/auth/open/connect/token") return Effect.logDebug("token issued", outcome)
  return Effect.logDebug("state changed", outcome)
}

/**
 * What every response goes through on its way out: a router 404 for a path that has other methods becomes a 405, an
 * error without a body gets a problem, and the outcome is logged. A successful response passes with two comparisons.
 */
const finish = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> => {
  if (response.status < 400) {
    // A change is logged at debug level, which is usually off: asked first, so that nothing is built for nothing.
    if (!changesState(request)) return Effect.succeed(response)
    return Effect.flatMap(LogLevel.isEnabled("Debug"), (enabled) =>
      enabled ? Effect.as(logOutcome(request, response), response) : Effect.succeed(response)
    )
  }
  // A problem already, or a page for people (the capture page's "this link has expired"): kept as it is.
  const contentType = response.headers["content-type"] ?? ""
  const hasProblemBody = contentType.includes("json") || contentType.startsWith("text/html")
  const completed =
    response.status === 404 && !hasProblemBody
      ? Effect.flatMap(methodNotAllowed(request, response), (answer) =>
          (answer.headers["content-type"] ?? "").includes("json") ? Effect.succeed(answer) : withProblemBody(answer)
        )
      : hasProblemBody
        ? Effect.succeed(response)
        : withProblemBody(response)
  return Effect.tap(completed, (answer) => logOutcome(request, answer))
}

/**
 * A path or query whose percent-encoding is malformed, or that decodes to control characters, is refused before
 * routing: no route could take it, and no handler should see it.
 */
const refuseUndecodableTarget = <E, R>(
  request: HttpServerRequest.HttpServerRequest,
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> => {
  const invalidParams = RequestText.targetProblems(request.url)
  if (invalidParams.length === 0) return httpEffect
  return Effect.flatMap(requestMembers, (members) =>
    HttpServerRespondable.toResponse(
      new InvalidRequest({ ...members, detail: "The request's path or query is not valid", invalidParams })
    )
  )
}

/**
 * A trace id for a request that has no span to take one from: 32 lowercase hex digits, as a W3C trace id has. Effect
 * makes no server span while traces go nowhere (the native tracer), and a span made only for its id costs more than
 * the id.
 */
const newTraceId = () => globalThis.crypto.randomUUID().replaceAll("-", "")

/** The request's trace id: its server span's when traces are exported, else a new one. */
const traceIdOf = Effect.map(Effect.option(Effect.currentSpan), (span) =>
  Option.isSome(span) ? span.value.traceId : newTraceId()
)

/**
 * The global middleware: a body limit, and problem details for error responses that have no body. The request's
 * trace id goes into every problem and every log line of the request.
 */
export const layer = (maxBodyBytes: number) =>
  HttpRouter.middleware(
    (httpEffect) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const handled = refuseUndecodableTarget(request, httpEffect).pipe(
          Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes)),
          // Unknown routes, unreadable or oversized bodies: errors that know their status.
          Effect.catchCause((cause) => {
            const failure = Cause.squash(cause)
            return HttpServerRespondable.isRespondable(failure)
              ? HttpServerRespondable.toResponse(failure)
              : Effect.failCause(cause)
          }),
          Effect.flatMap((response) => finish(request, response))
        )
        return Effect.flatMap(traceIdOf, (traceId) =>
          handled.pipe(Effect.provideService(RequestTraceId, traceId), Effect.annotateLogs({ traceId }))
        )
      }),
    { global: true }
  )
