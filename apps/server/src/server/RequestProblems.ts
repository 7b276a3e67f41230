/**
 * Around every endpoint: the API is strict with its clients. Before the schemas decode a request, it refuses what no
 * schema sees — query parameters or a body the operation does not take, JSON nested deeper than
 * {@link RequestText.maxJsonDepth}, control characters in client text — and afterwards it turns values that break the
 * schemas (unknown fields included) into one 400 `invalid_request_parameter` problem naming each. (Paths and queries
 * that do not decode are refused before routing, in ProblemFallback.ts.) An unexpected failure becomes a 500 problem whose trace id is in the error log line that describes it.
 *
 * Webhooks and redirect returns (the `providers` group) are the identity providers' to shape: their bodies and
 * queries reach the adapters as sent, and the adapters decide.
 */
import { InternalError, InvalidRequest } from "@assure/api/Problems"
import { RequestProblems } from "@assure/api/Security"
import { Problem } from "@assure/core"
import { Cause, Effect, Layer, type Types } from "effect"
import { HttpServerRequest, HttpServerRespondable, type HttpServerResponse } from "effect/http"
import { type HttpApiEndpoint, HttpApiError, type HttpApiGroup } from "effect/http-api"
import { requestMembers } from "./ProblemMapping.js"
import * as RequestText from "./RequestText.js"

const slotPrefixes: Record<string, string> = {
  Payload: "",
  Body: "",
  Params: "path.",
  Query: "query.",
  Headers: "headers."
}

const refuse = (detail: string, invalidParams: ReadonlyArray<RequestText.InvalidParam>) =>
  Effect.flatMap(requestMembers, (members) => Effect.fail(new InvalidRequest({ ...members, detail, invalidParams })))

const schemaProblem = (error: HttpApiError.HttpApiSchemaError) => {
  const params = Problem.invalidParams(error.cause.issue)
  if (error.kind === "Payload" && params.length === 1 && params[0]?.name === "" && /JSON/.test(params[0].reason)) {
    return refuse("The request body is not valid JSON", [{ name: "body", reason: "is not valid JSON" }])
  }
  return refuse(
    "The request is not valid",
    params.map((param) => ({
      ...param,
      name: `${slotPrefixes[error.kind] ?? ""}${param.name}`.replace(/\.$/, "") || error.kind.toLowerCase()
    }))
  )
}

const hasBody = (request: HttpServerRequest.HttpServerRequest) =>
  request.headers["transfer-encoding"] !== undefined || Number(request.headers["content-length"] ?? "0") > 0

const isJson = (request: HttpServerRequest.HttpServerRequest) =>
  /^application\/([a-z0-9.+-]+\+)?json\b/i.test(request.headers["content-type"] ?? "")

/** Query parameters an operation that takes none was sent. */
const unexpectedQuery = (endpoint: HttpApiEndpoint.Top, url: string) => {
  const queryStart = url.indexOf("?")
  if (endpoint.query !== undefined || queryStart < 0) return undefined
  const names = new Set(new URLSearchParams(url.slice(queryStart + 1)).keys())
  if (names.size === 0) return undefined
  return refuse(
    "This operation takes no query parameters",
    [...names].map((name) => ({ name: `query.${name}`, reason: "is not a parameter of this operation" }))
  )
}

/** A body the operation does not take, or JSON the API does not accept as text. */
const bodyPrecheck = (endpoint: HttpApiEndpoint.Top, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    if (endpoint.payload.size === 0) {
      // Nothing to read: an empty body, or an empty JSON object some clients send with every POST, is fine.
      const text = (yield* Effect.orElseSucceed(request.text, () => "")).trim()
      if (text.length > 0 && text !== "{}") {
        return yield* refuse("This operation takes no request body", [
          { name: "body", reason: "must be empty: this operation takes no body" }
        ])
      }
      return
    }
    if (!isJson(request)) return
    // The body is read once: the schema's decoding reuses the same bytes. A body that cannot be read (over the size
    // limit) fails there, with its own status.
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    if (RequestText.jsonDepthExceeds(text, RequestText.maxJsonDepth)) {
      return yield* refuse("The request body is nested too deeply", [
        { name: "body", reason: `must not nest objects and arrays deeper than ${RequestText.maxJsonDepth} levels` }
      ])
    }
    const textProblems = RequestText.textProblemsOfJson(text)
    if (textProblems.length > 0)
      return yield* refuse("The request body holds text the API does not accept", textProblems)
  })

/**
 * What the request carries that the operation does not define or the API does not accept as text. Plain functions
 * until there is something to read or refuse: most requests are reads with neither a query nor a body.
 */
const precheck = (endpoint: HttpApiEndpoint.Top, group: HttpApiGroup.Top) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (group.identifier === "providers") return Effect.void
    const queryProblem = unexpectedQuery(endpoint, request.url)
    if (queryProblem !== undefined) return queryProblem
    return hasBody(request) ? bodyPrecheck(endpoint, request) : Effect.void
  })

/** The middleware. */
export const layer = Layer.succeed(RequestProblems, (httpEffect, { endpoint, group }) =>
  Effect.andThen(precheck(endpoint, group), httpEffect).pipe(
    Effect.catch(
      (
        error
      ): Effect.Effect<
        HttpServerResponse.HttpServerResponse,
        Types.unhandled | InvalidRequest,
        HttpServerRequest.HttpServerRequest
      > => (HttpApiError.HttpApiSchemaError.is(error) ? schemaProblem(error) : Effect.fail(error))
    ),
    Effect.catchDefect((defect) =>
      // Some request failures (a body over the limit) travel as defects that know their own response.
      HttpServerRespondable.isRespondable(defect)
        ? HttpServerRespondable.toResponse(defect)
        : Effect.andThen(
            Effect.logError("unexpected failure", Cause.pretty(Cause.die(defect))),
            Effect.flatMap(requestMembers, (members) =>
              HttpServerRespondable.toResponse(
                new InternalError({
                  ...members,
                  detail: "Something went wrong on our side; the trace id identifies it in our logs"
                })
              )
            )
          )
    )
  )
)
