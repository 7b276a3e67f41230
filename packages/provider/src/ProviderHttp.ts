/**
 * The HTTP plumbing adapters share, over Effect's `HttpClient`: base URL, `User-Agent`, credentials added by the
 * adapter (from `Redacted` values, at the last moment), request signing hooks (Veriff and Sumsub sign the body), a
 * timeout, and the classification of every failure into a {@link ProviderError.ProviderError} reason:
 *
 * | what happened | reason |
 * |---|---|
 * | 401, 403 | `Unauthorized` |
 * | 404 | `NotFound` |
 * | 400, 409, 422 (other 4xx) | `InvalidRequest`, with the fields the vendor named |
 * | 429 | `RateLimited`, with the delay the vendor asks for, in any spelling ({@link rateLimitDelay}) |
 * | 5xx, a timeout, a broken connection | `Unavailable` |
 * | a body that is not JSON, or JSON that breaks the response schema | `InvalidResponse`, with the schema issue |
 *
 * Responses are decoded leniently (unknown fields are kept out of the typed value but not refused) and the raw
 * JSON is returned too, for the process's `providerSpecific`. Errors carry the vendor's request id and never the
 * request or response body.
 *
 * @since 0.1.0
 */
import { Clock, DateTime, Duration, Effect, Option, Result, Schema } from "effect"
import { Headers, HttpClient, type HttpClientError, HttpClientRequest, type HttpClientResponse } from "effect/http"
import * as ProviderError from "./ProviderError.js"

/** How an adapter talks to its vendor. @since 0.1.0 */
export interface Options {
  readonly provider: string
  /** The vendor's base URL for the configured region (overridable, for simulators). */
  readonly baseUrl: string
  /** Identifies the adapter and its version, such as `assure-onfido/0.1.0`. */
  readonly userAgent: string
  /** Adds credentials to a request. Read `Redacted` values here and nowhere else. */
  readonly authorize?:
    | ((request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest)
    | undefined
  /** Signs a request over its body bytes (empty for bodiless requests), after `authorize`. */
  readonly sign?:
    | ((
        request: HttpClientRequest.HttpClientRequest,
        body: Uint8Array
      ) => Effect.Effect<HttpClientRequest.HttpClientRequest>)
    | undefined
  /** Response headers that carry the vendor's request id, in order of preference. */
  readonly requestIdHeaders?: ReadonlyArray<string> | undefined
  /** Reads the invalid fields out of a vendor's 4xx error body. */
  readonly invalidFields?:
    | ((body: unknown) => ReadonlyArray<ProviderError.InvalidRequest["fields"][number]>)
    | undefined
  /** How long a request may take (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
  /** How the vendor tells the delay of a 429, where it differs from the defaults of {@link rateLimitDelay}. */
  readonly rateLimit?: RateLimitOptions | undefined
}

/**
 * What an `X-RateLimit-Reset` header holds, which vendors disagree on: `"epochSeconds"`, the unix time at which the
 * limit resets (GitHub's convention); `"deltaSeconds"`, the seconds until it resets (as the IETF draft's
 * `RateLimit-Reset`); `"auto"` (the default), epoch seconds when the value is at least 1,000,000,000 (a time after
 * September 2001; as a delay, 31 years) and seconds to wait otherwise.
 *
 * @since 0.1.0
 */
export type ResetUnit = "epochSeconds" | "deltaSeconds" | "auto"

/** How a vendor tells the delay of a 429. @since 0.1.0 */
export interface RateLimitOptions {
  /** What the vendor's `X-RateLimit-Reset` holds (default `"auto"`). */
  readonly xRateLimitReset?: ResetUnit | undefined
}

/** A decoded vendor response. @since 0.1.0 */
export interface Response<A> {
  readonly status: number
  readonly body: A
  /** The JSON exactly as the vendor sent it. */
  readonly raw: unknown
  readonly requestId?: string | undefined
}

/** An HTTP client bound to one vendor. @since 0.1.0 */
export interface ProviderHttpClient {
  /** Sends a request and decodes its JSON body with `schema`. */
  readonly json: <A, I, RD>(
    request: HttpClientRequest.HttpClientRequest,
    schema: Schema.Codec<A, I, RD>
  ) => Effect.Effect<Response<A>, ProviderError.ProviderError, RD>
  /** Sends a request and returns its body bytes (images, documents). */
  readonly bytes: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<
    { readonly bytes: Uint8Array; readonly mediaType: string | undefined },
    ProviderError.ProviderError
  >
}

const defaultRequestIdHeaders = ["x-request-id", "request-id", "x-amzn-requestid"]

/**
 * Classifies a non-2xx response. Exposed for adapters with unusual transports and for tests.
 *
 * @since 0.1.0
 */
export const classifyStatus = (
  status: number,
  options: {
    readonly retryAfter?: Duration.Duration | undefined
    readonly fields?: ProviderError.InvalidRequest["fields"]
  }
): ProviderError.Reason => {
  if (status === 401 || status === 403) return new ProviderError.Unauthorized()
  if (status === 404) return new ProviderError.NotFound()
  if (status === 429) {
    return new ProviderError.RateLimited(options.retryAfter === undefined ? {} : { retryAfter: options.retryAfter })
  }
  if (status >= 500) return new ProviderError.Unavailable({ status })
  return new ProviderError.InvalidRequest({ fields: options.fields ?? [] })
}

/** The delay a `Retry-After` header asks for (delta seconds or an HTTP date), given now. @since 0.1.0 */
export const retryAfter = (header: string | undefined, now: DateTime.Utc): Duration.Duration | undefined => {
  if (header === undefined) return undefined
  const parsed = Headers.parseRetryAfter(header)
  if (Result.isFailure(parsed)) return undefined
  const value = parsed.success
  if (value._tag === "Duration") return value.duration
  return Duration.millis(Math.max(0, DateTime.toEpochMillis(value.dateTime) - DateTime.toEpochMillis(now)))
}

/** Non-negative seconds, whole or decimal (`30`, `1.5`), as the reset headers write them. */
const secondsOf = (value: string | undefined): number | undefined => {
  const trimmed = value?.trim()
  return trimmed !== undefined && /^\d{1,15}(\.\d{1,6})?$/.test(trimmed) ? Number(trimmed) : undefined
}

const delayOfSeconds = (seconds: number): Duration.Duration => Duration.millis(Math.round(seconds * 1000))

/** The members of a structured-field list, split on commas outside quoted strings. */
const listMembers = (field: string): Array<string> => {
  const members: Array<string> = []
  let quoted = false
  let start = 0
  for (let index = 0; index < field.length; index++) {
    const char = field[index]
    if (char === "\\" && quoted) index++
    else if (char === '"') quoted = !quoted
    else if (char === "," && !quoted) {
      members.push(field.slice(start, index))
      start = index + 1
    }
  }
  members.push(field.slice(start))
  return members.map((member) => member.trim()).filter((member) => member.length > 0)
}

/**
 * The delay of the IETF draft's `RateLimit` field (draft-ietf-httpapi-ratelimit-headers, -08 on): a list of
 * policies, each `"name";r=<remaining>;t=<seconds until the quota resets>`. The longest `t` of the exhausted
 * policies (`r=0`) is the wait; when none says it is exhausted, the longest `t` of all. The -07 spelling,
 * `limit=10, remaining=0, reset=30`, is read too.
 */
const rateLimitField = (field: string): number | undefined => {
  const members = listMembers(field)
  const legacy = members.map((member) => /^reset=(\d+)$/.exec(member)?.[1]).find((value) => value !== undefined)
  if (legacy !== undefined) return Number(legacy)
  const policies = members.map((member) => {
    const parameters = new Map<string, string>()
    for (const parameter of member.split(";").slice(1)) {
      const separator = parameter.indexOf("=")
      if (separator > 0) parameters.set(parameter.slice(0, separator).trim(), parameter.slice(separator + 1).trim())
    }
    return { remaining: parameters.get("r"), reset: secondsOf(parameters.get("t")) }
  })
  const exhausted = policies.filter((policy) => policy.remaining === "0")
  const resets = (exhausted.length > 0 ? exhausted : policies).flatMap((policy) =>
    policy.reset === undefined ? [] : [policy.reset]
  )
  return resets.length === 0 ? undefined : Math.max(...resets)
}

/**
 * The delay a rate-limited response (429) asks for, from whichever header the vendor sends, first found in this
 * order:
 *
 * | header | holds |
 * |---|---|
 * | `Retry-After` | seconds, or an HTTP date (RFC 9110) |
 * | `RateLimit` | the IETF draft's structured field: `"policy";r=0;t=<seconds>` |
 * | `RateLimit-Reset` | seconds (earlier IETF drafts; Persona) |
 * | `X-RateLimit-Reset-After` | seconds, possibly decimal |
 * | `X-RateLimit-Reset` | unix seconds or seconds, as the adapter declares ({@link ResetUnit}; default `"auto"`) |
 *
 * Header names are matched in lower case, as Effect's `Headers` keeps them. A time already past is no delay (zero);
 * a header that cannot be read is skipped for the next one; no readable header at all is `undefined`.
 *
 * @example
 * ```ts
 * import { ProviderHttp } from "@assure/provider"
 * import { DateTime } from "effect"
 *
 * ProviderHttp.rateLimitDelay({ "x-ratelimit-reset": "1700000030" }, DateTime.makeUnsafe(1_700_000_000_000))
 * // Duration.seconds(30)
 * ```
 * @since 0.1.0
 */
export const rateLimitDelay = (
  headers: Readonly<Record<string, string | undefined>>,
  now: DateTime.Utc,
  options?: RateLimitOptions | undefined
): Duration.Duration | undefined => {
  const fromRetryAfter = retryAfter(headers["retry-after"], now)
  if (fromRetryAfter !== undefined) return fromRetryAfter
  const field = headers.ratelimit === undefined ? undefined : rateLimitField(headers.ratelimit)
  if (field !== undefined) return delayOfSeconds(field)
  const reset = secondsOf(headers["ratelimit-reset"]) ?? secondsOf(headers["x-ratelimit-reset-after"])
  if (reset !== undefined) return delayOfSeconds(reset)
  const xReset = secondsOf(headers["x-ratelimit-reset"])
  if (xReset === undefined) return undefined
  const unit = options?.xRateLimitReset ?? "auto"
  const epoch = unit === "epochSeconds" || (unit === "auto" && xReset >= 1_000_000_000)
  return epoch
    ? Duration.millis(Math.max(0, Math.round(xReset * 1000) - DateTime.toEpochMillis(now)))
    : delayOfSeconds(xReset)
}

const textDecoder = new TextDecoder()

/**
 * Builds the vendor's client from the application's `HttpClient`.
 *
 * @example
 * ```ts
 * const http = yield* ProviderHttp.make({
 *   provider: "onfido",
 *   baseUrl: "https://api.eu.onfido.com/v3.6",
 *   userAgent: "assure-onfido/0.1.0",
 *   authorize: HttpClientRequest.setHeader("Authorization", `Token token=${Redacted.value(apiToken)}`)
 * })
 * const applicant = yield* http.json(HttpClientRequest.post("/applicants").pipe(HttpClientRequest.bodyJsonUnsafe(body)), Applicant)
 * ```
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<ProviderHttpClient, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (client) => {
    const timeout = Duration.fromInputUnsafe(options.timeout ?? Duration.seconds(30))
    const requestIdHeaders = options.requestIdHeaders ?? defaultRequestIdHeaders
    const fail = (reason: ProviderError.Reason, requestId: string | undefined, description: string) =>
      Effect.fail(ProviderError.make(options.provider, reason, { requestId, description }))

    const requestIdOf = (response: HttpClientResponse.HttpClientResponse): string | undefined => {
      for (const name of requestIdHeaders) {
        const value = response.headers[name]
        if (value !== undefined) return value
      }
      return undefined
    }

    const prepare = (request: HttpClientRequest.HttpClientRequest) => {
      const prepared = request.pipe(
        HttpClientRequest.prependUrl(options.baseUrl),
        HttpClientRequest.setHeader("user-agent", options.userAgent),
        options.authorize ?? ((unchanged) => unchanged)
      )
      if (options.sign === undefined) return Effect.succeed(prepared)
      const body = prepared.body._tag === "Uint8Array" ? prepared.body.body : new Uint8Array()
      return options.sign(prepared, body)
    }

    /** Sends the request; a non-2xx status becomes a classified error. */
    const send = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.gen(function* () {
        const prepared = yield* prepare(request)
        const what = `${prepared.method} ${new URL(prepared.url).pathname}`
        const response = yield* client.execute(prepared).pipe(
          Effect.timeoutOrElse({
            duration: timeout,
            orElse: () => fail(new ProviderError.Unavailable({ timedOut: true }), undefined, `${what} timed out`)
          }),
          Effect.catchTag("HttpClientError", (error: HttpClientError.HttpClientError) =>
            fail(new ProviderError.Unavailable({}), undefined, `${what} failed: ${error.reason._tag}`)
          )
        )
        const requestId = requestIdOf(response)
        if (response.status >= 200 && response.status < 300) return { response, requestId, what }
        const now = yield* Clock.currentTimeMillis
        const body = response.status >= 400 && response.status < 500 ? yield* readJson(response) : Option.none()
        const reason = classifyStatus(response.status, {
          retryAfter: rateLimitDelay(response.headers, DateTime.makeUnsafe(now), options.rateLimit),
          fields: Option.isSome(body) && options.invalidFields ? options.invalidFields(body.value) : []
        })
        return yield* fail(reason, requestId, `${what} answered ${response.status}`)
      })

    const readJson = (response: HttpClientResponse.HttpClientResponse) =>
      response.text.pipe(
        Effect.map(parseJson),
        Effect.orElseSucceed(() => Option.none<unknown>())
      )

    const json = <A, I, RD>(request: HttpClientRequest.HttpClientRequest, schema: Schema.Codec<A, I, RD>) =>
      Effect.gen(function* () {
        const { response, requestId, what } = yield* send(HttpClientRequest.acceptJson(request))
        const text = yield* response.text.pipe(
          Effect.catchTag("HttpClientError", () =>
            fail(new ProviderError.Unavailable({}), requestId, `${what}: the response body could not be read`)
          )
        )
        const raw = parseJson(text)
        if (Option.isNone(raw)) {
          return yield* fail(
            new ProviderError.InvalidResponse({ issue: "the body is not JSON" }),
            requestId,
            `${what} answered malformed JSON`
          )
        }
        const body = yield* Schema.decodeUnknownEffect(schema)(raw.value, { onExcessProperty: "ignore" }).pipe(
          Effect.catchTag("SchemaError", (error) =>
            fail(
              new ProviderError.InvalidResponse({ issue: error.message }),
              requestId,
              `${what} answered a body that does not match the expected schema`
            )
          )
        )
        return { status: response.status, body, raw: raw.value, requestId }
      })

    const bytes = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.gen(function* () {
        const { response, requestId, what } = yield* send(request)
        const buffer = yield* response.arrayBuffer.pipe(
          Effect.catchTag("HttpClientError", () =>
            fail(new ProviderError.Unavailable({}), requestId, `${what}: the response body could not be read`)
          )
        )
        return { bytes: new Uint8Array(buffer), mediaType: response.headers["content-type"] }
      })

    return { json, bytes }
  })

const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** Decodes UTF-8 bytes, for adapters that need a webhook body as text. @since 0.1.0 */
export const decodeUtf8 = (bytes: Uint8Array): string => textDecoder.decode(bytes)
