/**
 * Problem details for every failure, including the ones no handler sees: unknown routes (404), wrong methods,
 * malformed bodies (400), bodies over the size limit (413), and request values that break the API's schemas (422,
 * with the path of each bad value). Runs around every route.
 */
import { Problem } from "@assure/core"
import { ByteSize, Cause, Effect, Layer, type Types } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  HttpServerRequest,
  HttpServerRespondable,
  HttpServerResponse
} from "effect/http"
import { HttpApiError } from "effect/http-api"
import { BadRequest, InvalidRequest } from "../api/Problems.js"
import { RequestProblems } from "../api/Security.js"
import { requestMembers } from "./ProblemMapping.js"

const titles: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  404: "Not found",
  405: "Method not allowed",
  413: "Payload too large",
  415: "Unsupported media type",
  500: "Internal server error"
}

const details: Record<number, string> = {
  400: "The request could not be read",
  404: "No such route",
  413: "The request body is larger than the limit",
  500: "Something went wrong on our side; the trace id identifies it in our logs"
}

const problemResponse = (status: number) =>
  Effect.map(requestMembers, (members) =>
    HttpServerResponse.jsonUnsafe(
      { type: "about:blank", title: titles[status] ?? "Error", status, detail: details[status], ...members },
      { status, contentType: Problem.mediaType }
    )
  )

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

/** The global middleware: a body limit, and problem details for error responses that have no body. */
export const layer = (maxBodyBytes: number) =>
  HttpRouter.middleware(
    (httpEffect) =>
      httpEffect.pipe(
        Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes)),
        // Unknown routes, unreadable or oversized bodies: errors that know their status.
        Effect.catchCause((cause) => {
          const failure = Cause.squash(cause)
          return HttpServerRespondable.isRespondable(failure)
            ? HttpServerRespondable.toResponse(failure)
            : Effect.failCause(cause)
        }),
        Effect.flatMap((response) => {
          const contentType = response.headers["content-type"] ?? ""
          return response.status >= 400 && !contentType.includes("json")
            ? problemResponse(response.status)
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

const slotPrefixes: Record<string, string> = {
  Payload: "",
  Body: "",
  Params: "path.",
  Query: "query.",
  Headers: "headers."
}

const schemaProblem = (error: HttpApiError.HttpApiSchemaError) =>
  Effect.flatMap(requestMembers, (members): Effect.Effect<never, BadRequest | InvalidRequest> => {
    const params = Problem.invalidParams(error.cause.issue)
    // A body that is not JSON at all cannot be read: 400; a readable one that breaks the schema: 422.
    if (error.kind === "Payload" && params.length === 1 && params[0]?.name === "" && /JSON/.test(params[0].reason)) {
      return Effect.fail(new BadRequest({ ...members, detail: "The request body is not valid JSON" }))
    }
    return Effect.fail(
      new InvalidRequest({
        ...members,
        detail: "The request is not valid",
        invalidParams: params.map((param) => ({
          ...param,
          name: `${slotPrefixes[error.kind] ?? ""}${param.name}`.replace(/\.$/, "") || error.kind.toLowerCase()
        }))
      })
    )
  })

/**
 * Around every endpoint: request values that break the schemas become problems naming each bad value, and an
 * unexpected failure becomes a 500 problem whose trace id is in the error log line that describes it.
 */
export const requestProblemsLayer = Layer.succeed(RequestProblems, (httpEffect) =>
  httpEffect.pipe(
    Effect.catch(
      (
        error
      ): Effect.Effect<
        HttpServerResponse.HttpServerResponse,
        Types.unhandled | BadRequest | InvalidRequest,
        HttpServerRequest.HttpServerRequest
      > => (HttpApiError.HttpApiSchemaError.is(error) ? schemaProblem(error) : Effect.fail(error))
    ),
    Effect.catchDefect((defect) =>
      // Some request failures (a body over the limit) travel as defects that know their own response.
      HttpServerRespondable.isRespondable(defect)
        ? HttpServerRespondable.toResponse(defect)
        : Effect.andThen(Effect.logError("unexpected failure", Cause.pretty(Cause.die(defect))), problemResponse(500))
    )
  )
)
