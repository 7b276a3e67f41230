/**
 * Problem details for every failure, including the ones no handler sees: unknown routes (404), a known path with a
 * method it does not have (405, with `Allow`), unreadable or oversized bodies (400, 413), a body type an operation
 * does not read (415), a request that did not arrive in time (408). Runs around every route, with the body limit.
 */
import { ByteSize, Cause, Effect } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  HttpServerRequest,
  HttpServerRespondable,
  HttpServerResponse
} from "effect/http"
import { HttpApi } from "effect/http-api"
import { AssureApi } from "../api/Api.js"
import {
  InternalError,
  InvalidRequest,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  RequestTimeout,
  UnsupportedMediaType
} from "../api/Problems.js"
import { requestMembers } from "./ProblemMapping.js"
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
    ["/docs", new Set(["GET"])]
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
const methodNotAllowed = (response: HttpServerResponse.HttpServerResponse) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (response.status !== 404 || (response.headers["content-type"] ?? "").includes("json")) {
      return Effect.succeed(response)
    }
    const allowed = allowedMethods(new URL(request.url, "http://localhost").pathname)
    return allowed.length === 0
      ? Effect.succeed(response)
      : Effect.map(
          withProblemBody(HttpServerResponse.empty({ status: 405 })),
          HttpServerResponse.setHeader("allow", allowed.join(", "))
        )
  })

const readOnlyMethods = new Set(["GET", "HEAD", "OPTIONS"])

/**
 * One log line for a request that changed something or was refused (debug level), or that failed on our side
 * (warning level; the cause of an unexpected failure has its own error line): the method, the path — ids, never the
 * query string — and the status; never headers or bodies. Reads log nothing, except the end-user's return from a
 * redirect flow, which ends a process.
 */
const logOutcome = (response: HttpServerResponse.HttpServerResponse) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const path = new URL(request.url, "http://localhost").pathname
    const outcome = { method: request.method, path, status: response.status }
    if (response.status >= 500) return Effect.logWarning("request failed", outcome)
    if (response.status >= 400) return Effect.logDebug("request refused", outcome)
    if (path === "/auth/open/connect/token") return Effect.logDebug("token issued", outcome)
    return readOnlyMethods.has(request.method) && !path.startsWith("/callbacks/")
      ? Effect.void
      : Effect.logDebug("state changed", outcome)
  })

/**
 * A path or query whose percent-encoding is malformed, or that decodes to control characters, is refused before
 * routing: no route could take it, and no handler should see it.
 */
const refuseUndecodableTarget = <E, R>(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const invalidParams = RequestText.targetProblems(request.url)
    if (invalidParams.length === 0)
      return httpEffect as Effect.Effect<
        HttpServerResponse.HttpServerResponse,
        E,
        R | HttpServerRequest.HttpServerRequest
      >
    return Effect.flatMap(requestMembers, (members) =>
      HttpServerRespondable.toResponse(
        new InvalidRequest({ ...members, detail: "The request's path or query is not valid", invalidParams })
      )
    )
  })

/** The global middleware: a body limit, and problem details for error responses that have no body. */
export const layer = (maxBodyBytes: number) =>
  HttpRouter.middleware(
    (httpEffect) =>
      refuseUndecodableTarget(httpEffect).pipe(
        Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes)),
        // Unknown routes, unreadable or oversized bodies: errors that know their status.
        Effect.catchCause((cause) => {
          const failure = Cause.squash(cause)
          return HttpServerRespondable.isRespondable(failure)
            ? HttpServerRespondable.toResponse(failure)
            : Effect.failCause(cause)
        }),
        Effect.flatMap(methodNotAllowed),
        Effect.flatMap((response) => {
          const contentType = response.headers["content-type"] ?? ""
          return response.status >= 400 && !contentType.includes("json")
            ? withProblemBody(response)
            : Effect.succeed(response)
        }),
        Effect.tap(logOutcome),
        // One span per request: its trace id goes into every problem and every log line of the request.
        (effect) =>
          Effect.flatMap(Effect.currentSpan.pipe(Effect.option), (span) =>
            span._tag === "Some" ? Effect.annotateLogs(effect, { traceId: span.value.traceId }) : effect
          ),
        Effect.withSpan("assure.request")
      ),
    { global: true }
  )
