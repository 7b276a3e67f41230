/**
 * What `/openapi.json` and the `/docs` page say beyond the schemas, so that they read as a reference: each
 * operation's summary, description and examples and what each of its errors means there ({@link operation}); and,
 * across the API ({@link document}), an example of every problem, the `Idempotency-Key` request header of keyed POSTs,
 * the `Retry-After`, `Allow` and `Idempotent-Replayed` response headers, and the bearer scheme.
 *
 * Documentation only: nothing here is read when a request is served. The headers are described in the document rather
 * than declared on the endpoints, because a declared header schema becomes a required `headers` member of every call
 * of the typed client (`HttpApiClient`), and the server's middleware already validates `Idempotency-Key`.
 */
import { Schema } from "effect"
import { OpenApi } from "effect/http-api"
import {
  Conflict,
  Forbidden,
  IdempotencyKeyReused,
  InternalError,
  InvalidRequest,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  ProviderFailed,
  ProviderUnavailable,
  RequestTimeout,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType
} from "../Problems.js"
import { type Example, ids, traceId } from "./Examples.js"

/** What one operation's reference says. */
export interface Operation {
  /** A few words, shown in the navigation. */
  readonly summary: string
  /** What happens and what the client gets back (Markdown). */
  readonly description: string
  /** Examples of the request body (JSON, or the form of the token request), by name. */
  readonly request?: Readonly<Record<string, Example>>
  /** What the success response is, when its body does not say (no content, a redirect). */
  readonly success?: Readonly<Partial<Record<number, string>>>
  /** Examples of the success response body, by name. */
  readonly response?: Readonly<Record<string, Example>>
  /** What an error status means for this operation, in place of the general meaning. */
  readonly errors?: Readonly<Partial<Record<number, string>>>
  /**
   * Problems particular to this operation, shown as examples of their status: a `detail`, or the members that differ
   * from the status's own (`code`, `error`), and `only` when the general example of the status does not apply here.
   */
  readonly problems?: Readonly<Partial<Record<number, string | OwnProblem>>>
  /**
   * Statuses the shared error lists declare that this operation never answers: left out of its reference (the typed
   * client still decodes them).
   */
  readonly never?: ReadonlyArray<number>
  /** Response headers particular to this operation, by status. */
  readonly headers?: Readonly<Partial<Record<number, Readonly<Record<string, Header>>>>>
}

/** `GET /assure/providers`: the adapters the server loaded (ASSURE_PROVIDERS) and what each can do. */
export const providers: Operation = {
  summary: "List the providers the server runs",
  success: { 200: "The loaded adapters" },
  description:
    "Answers every adapter the server loaded from `ASSURE_PROVIDERS`: the provider's name, where the adapter came from (an installed package and its version, or a module path), the provider specification version it implements and its capabilities, which say which flows a process with it can take.",
  response: {
    sandbox: {
      summary: "The sandbox alone",
      value: {
        providers: [
          {
            name: "sandbox",
            source: { package: "@assure/sandbox", version: "0.1.0" },
            specificationVersion: "1",
            capabilities: {
              documentImages: true,
              selfie: true,
              video: false,
              chipData: false,
              redirect: true,
              hostedFlow: false,
              webhooks: true,
              polling: true,
              cancel: true,
              endUserCancel: true
            }
          }
        ]
      }
    }
  },
  never: [404, 409, 502, 503]
}

/** A problem particular to one operation. */
export interface OwnProblem {
  readonly detail: string
  readonly code?: string
  readonly error?: string
  readonly only?: boolean
}

/** An OpenAPI header object. */
export interface Header {
  readonly description: string
  readonly required?: boolean
  readonly schema: Readonly<Record<string, unknown>>
}

// The parts of the OpenAPI objects read and written here (the generator's own types leave out `examples`).
interface MediaTypeObject {
  schema?: unknown
  examples?: Record<string, Example>
}
interface ResponseObject {
  description: string
  content?: Record<string, MediaTypeObject>
  headers?: Record<string, Header>
}
interface OperationObject {
  operationId?: string
  parameters?: Array<Record<string, unknown>>
  security?: Array<Record<string, unknown>>
  requestBody?: { content: Record<string, MediaTypeObject> }
  responses: Record<string, ResponseObject>
}

const problemType = "application/problem+json"

/** The media type examples go on: JSON first, else the only (or first) one. */
const primary = (content: Record<string, MediaTypeObject> | undefined): MediaTypeObject | undefined =>
  content === undefined ? undefined : (content["application/json"] ?? Object.values(content)[0])

const isSuccess = (status: string) => /^2\d\d$/.test(status)

const setHeaders = (response: ResponseObject | undefined, headers: Readonly<Record<string, Header>>) => {
  if (response !== undefined) response.headers = { ...response.headers, ...headers }
}

/** The problems each operation gave, for {@link document}, which knows the operation's path. */
const ownProblems = new WeakMap<OperationObject, NonNullable<Operation["problems"]>>()

/** The annotation that documents one endpoint: `endpoint.annotateMerge(Reference.operation({ … }))`. */
export const operation = (doc: Operation) =>
  OpenApi.annotations({
    summary: doc.summary,
    description: doc.description,
    transform: (spec) => {
      const op = spec as OperationObject
      if (doc.request !== undefined) {
        const body = primary(op.requestBody?.content)
        if (body !== undefined) body.examples = { ...doc.request }
      }
      if (doc.response !== undefined) {
        const status = Object.keys(op.responses)
          .filter(isSuccess)
          .find((code) => op.responses[code]?.content !== undefined)
        const body = primary(status === undefined ? undefined : op.responses[status]?.content)
        if (body !== undefined) body.examples = { ...doc.response }
      }
      for (const [status, description] of Object.entries(doc.success ?? {})) {
        const response = op.responses[status]
        if (response !== undefined && description !== undefined) response.description = description
      }
      for (const status of doc.never ?? []) delete op.responses[status]
      for (const [status, description] of Object.entries(doc.errors ?? {})) {
        const response = op.responses[status]
        if (response !== undefined && description !== undefined) response.description = description
      }
      for (const [status, headers] of Object.entries(doc.headers ?? {})) {
        if (headers !== undefined) setHeaders(op.responses[status], headers)
      }
      if (doc.problems !== undefined) ownProblems.set(op, doc.problems)
      return op
    }
  })

/** The API's introduction, at the top of the reference (Markdown). */
export const overview = [
  "An Assure-compatible identity verification API. An end-user's **dossier** holds identity data and images of their identity document; a **process** asks one **provider** to verify them; every **result** comes back **normalised**: dates `YYYY-MM-DD`, timestamps `YYYY-MM-DDThh:mm:ssZ` in UTC, countries ISO 3166-1 alpha-3.",
  "",
  "**A verification, step by step**",
  "",
  "1. Get a token: `POST /auth/open/connect/token` with your client id and secret.",
  "2. Create a dossier: `POST /assure/dossiers`, with the identity data you have.",
  "3. Upload the document's images: `POST /assure/dossiers/{dossierId}/files`.",
  "4. Create a process with a provider: `POST /assure/dossiers/{dossierId}/processes`.",
  "5. Request verification: `POST /assure/dossiers/{dossierId}/processes/{processId}/verify`.",
  "6. Read the process, `GET /assure/dossiers/{dossierId}/processes/{processId}`, until its status is final: `accepted` carries the normalised `finalResult`. Or give the process a `notificationUrl` and be told.",
  "",
  "**Strict input.** Bodies and query strings are read strictly: an unknown or misspelled field is refused, never ignored. Every refusal of client input is a 400 with `code: invalid_request_parameter` and `invalidParams` naming each offending value by its path, and changes nothing.",
  "",
  "**Errors** are problem details (RFC 9457, `application/problem+json`) with `type`, `title`, `status`, `detail`, `instance`, `method`, `traceId` (the same as in the server's logs) and `code`.",
  "",
  "**Retries.** Every authenticated POST takes an `Idempotency-Key`, so a retry after a timeout creates nothing twice. 429, and 409 for a keyed request still in flight, say in `Retry-After` when to try again."
].join("\n")

/** The members every problem example carries: where, how, and a trace id. */
interface Members {
  readonly instance: string
  readonly method: string
  readonly traceId: string
}

/** What a problem example is about. */
interface Context {
  readonly path: string
  readonly hasBody: boolean
  readonly members: Members
}

/** What a problem of the API is made of, besides its type, status and title. */
interface ProblemProps {
  readonly instance?: string
  readonly method?: string
  readonly traceId?: string
  readonly detail?: string
  readonly code?: string
  readonly error?: string
  readonly invalidParams?: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}

/** A problem of the API, as its class builds it. */
type ProblemConstructor = new (props: ProblemProps) => { readonly type: string; readonly title: string }

/** The problem class of each status. */
const classes: Record<number, ProblemConstructor> = {
  400: InvalidRequest,
  401: Unauthorized,
  403: Forbidden,
  404: NotFound,
  405: MethodNotAllowed,
  408: RequestTimeout,
  409: Conflict,
  413: PayloadTooLarge,
  415: UnsupportedMediaType,
  422: IdempotencyKeyReused,
  429: TooManyRequests,
  500: InternalError,
  502: ProviderFailed,
  503: ProviderUnavailable
}

/** A problem as it goes on the wire, encoded by its class's schema. */
const encode = (status: number, problem: { readonly title: string }): unknown =>
  Schema.encodeUnknownSync(classes[status] as unknown as Schema.Codec<unknown, unknown>)(problem)

const notFoundDetail = (path: string) => {
  if (path.includes("{fileId}")) return `No file ${ids.fileId}`
  if (path.includes("{processId}")) return `No process ${ids.processId}`
  if (path.includes("{notificationId}")) return `No notification ${ids.notificationId}`
  if (path.includes("{dossierId}")) return `No dossier ${ids.dossierId}`
  if (path.includes("{provider}")) return "No provider acme is configured"
  return "No such route"
}

/** What each status means when an operation does not say, and an example of the problem that answers it. */
const statuses: Record<number, { readonly meaning: string; readonly example: (context: Context) => ProblemProps }> = {
  400: {
    meaning:
      "The request is not valid: an unknown, missing or malformed field, query parameter or header, a body that is not JSON or is nested too deeply, or text with control characters. `code` is `invalid_request_parameter` and `invalidParams` names each offending value by its path (`userData.dateOfBirth`, `query.limit`, `headers.idempotency-key`) and says why. Nothing was changed.",
    example: ({ hasBody }) =>
      hasBody
        ? {
            detail: "The request is not valid",
            invalidParams: [{ name: "unknownField", reason: "Expected no excess property" }]
          }
        : {
            detail: "This operation takes no query parameters",
            invalidParams: [{ name: "query.color", reason: "is not a parameter of this operation" }]
          }
  },
  401: {
    meaning:
      "No valid bearer token: it is missing, malformed, expired or was not issued by this server (`code: invalid_token`). Get a new token from `POST /auth/open/connect/token`.",
    example: () => ({ detail: "A valid bearer token is required: the token has expired" })
  },
  403: {
    meaning:
      "The client may not do this: the operation is administrative (`code: insufficient_scope`), and the client is not among the server's administrative clients (`ASSURE_ADMIN_CLIENTS`).",
    example: () => ({
      code: "insufficient_scope",
      detail: "Managing the routing policy needs an administrative client (ASSURE_ADMIN_CLIENTS)"
    })
  },
  404: {
    meaning: "No such resource for this client: each client sees only the dossiers it created.",
    example: ({ path }) => ({ detail: notFoundDetail(path) })
  },
  405: {
    meaning: "The path exists, but not with this method; `Allow` lists the methods it has.",
    example: () => ({ method: "PATCH", detail: "The path does not take PATCH" })
  },
  408: {
    meaning:
      "The request's headers, or its body, did not arrive in time: the server waits a bounded time for the headers and for each part of the body, so a stalled client is cut off, not a slow upload.",
    example: () => ({ detail: "The request did not arrive in time" })
  },
  409: {
    meaning:
      "A request with the same `Idempotency-Key` is still in flight (`code: idempotency_key_in_use`): retry after `Retry-After` seconds to get its response.",
    example: () => ({
      code: "idempotency_key_in_use",
      detail: "A request with this Idempotency-Key is still being processed; retry after 3 s"
    })
  },
  413: {
    meaning: "The body, or a file in it, is larger than its limit: 20,000,000 bytes for a request, 10 MB for an image.",
    example: () => ({ detail: "The request body is larger than the limit" })
  },
  415: {
    meaning: "The body's `Content-Type` is not one this operation reads.",
    example: () => ({
      detail:
        "The request body's Content-Type is not one this operation reads: application/json, or multipart/form-data for files, or application/x-www-form-urlencoded for tokens"
    })
  },
  422: {
    meaning:
      "The `Idempotency-Key` was used within the last 24 hours for a different request (another body, path or method). Use a new key for a new request.",
    example: () => ({
      detail: "This Idempotency-Key was used for a different request (another body, path or method)",
      invalidParams: [{ name: "headers.idempotency-key", reason: "was used for a different request" }]
    })
  },
  429: {
    meaning: "Too many requests from this client: wait `Retry-After` seconds.",
    example: () => ({ detail: "Too many requests; retry after 1 s" })
  },
  500: {
    meaning:
      "Something failed on our side. Nothing about it is shown; `traceId` finds it in the server's logs. The request may be retried.",
    example: () => ({ detail: "Something went wrong on our side; the trace id identifies it in our logs" })
  },
  502: {
    meaning:
      "The identity provider failed or refused the request (our credentials, an answer it should not have given); `code` is its reason (`Unauthorized`, `InvalidResponse`, `Misconfigured`, …). Retrying will not help until the operator fixes it.",
    example: () => ({ code: "Unauthorized", detail: "sandbox: Unauthorized — sandbox: simulated invalid credentials" })
  },
  503: {
    meaning:
      "The identity provider is unavailable or limiting us for now; `code` is its reason (`Unavailable`, `RateLimited`). Nothing was started: retry later, with backoff.",
    example: () => ({ code: "Unavailable", detail: "sandbox: Unavailable — sandbox: simulated outage" })
  }
}

/** The path with the examples' ids in place of its parameters. */
const instanceOf = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => (Object.hasOwn(ids, name) ? ids[name as keyof typeof ids] : name))

const retryAfter = (required: boolean, description: string): Record<string, Header> => ({
  "Retry-After": { description, required, schema: { type: "integer", minimum: 1 } }
})

/** `Idempotency-Key`, as every authenticated POST takes it. */
export const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: [
    "Makes a retried POST safe (IETF `Idempotency-Key` draft): 1–255 printable ASCII characters, a UUID say, new for each new request.",
    "",
    "- The same key with the same request (method, path, body) within 24 hours answers the first response again, with `Idempotent-Replayed: true`; nothing is done twice.",
    "- The same key with a different request answers 422.",
    "- While the first request is still in flight, a retry answers 409 with `Retry-After`; retry then. If the server died meanwhile, the key is free again within seconds.",
    "- A malformed key answers 400. A request that failed releases its key, so it can be retried with it.",
    "",
    "Keys are per client and forgotten with their dossier."
  ].join("\n"),
  schema: {
    type: "string",
    minLength: 1,
    maxLength: 255,
    pattern: "^[\\x21-\\x7E]{1,255}$",
    // What the docs page's request samples send: a valid key that says it is to be replaced.
    examples: ["replace-with-a-new-uuid"]
  }
} as const

/**
 * The API-level transform: problem examples and meanings, the idempotency and retry headers, and what the shared
 * error lists declare where it does not apply (422 where no `Idempotency-Key` is taken).
 */
export const document = (spec: Record<string, unknown>): Record<string, unknown> => {
  const schemes = (spec.components as { securitySchemes?: Record<string, Record<string, unknown>> } | undefined)
    ?.securitySchemes
  if (schemes?.bearer !== undefined) {
    schemes.bearer = {
      ...schemes.bearer,
      // Lower case, as tools (the docs page's request samples) recognise it; the scheme name is case-insensitive.
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "An access token from `POST /auth/open/connect/token`, valid for `expires_in` seconds."
    }
  }
  const paths = (spec.paths ?? {}) as Record<string, Record<string, OperationObject>>
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const bearer = (op.security ?? []).some((requirement) => "bearer" in requirement)
      const keyed = method === "post" && bearer
      const members = { instance: instanceOf(path), method: method.toUpperCase(), traceId }
      const context: Context = { path, hasBody: op.requestBody !== undefined, members }
      const extra = ownProblems.get(op) ?? {}
      if (keyed) {
        op.parameters = [...(op.parameters ?? []), { ...idempotencyKey }]
        for (const [status, response] of Object.entries(op.responses)) {
          if (isSuccess(status)) {
            setHeaders(response, {
              "Idempotent-Replayed": {
                description:
                  "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`.",
                required: false,
                schema: { type: "string", enum: ["true"] }
              }
            })
          }
        }
      } else {
        delete op.responses[422]
      }
      for (const [status, response] of Object.entries(op.responses)) {
        const code = Number(status)
        const known = statuses[code]
        const Class = classes[code]
        const media = response.content?.[problemType]
        if (known === undefined || Class === undefined || media === undefined) continue
        const problem = (props: ProblemProps) => new Class({ ...members, ...props })
        const title = problem({}).title
        // 409 and 401 mean something of their own where no Idempotency-Key or bearer token is taken: the operation
        // says what.
        const own = extra[code]
        const general =
          (code !== 409 || keyed) && (code !== 401 || bearer) && !(typeof own === "object" && own.only === true)
        // The generator describes a response by its problem's title; a meaning the operation gave stays.
        if (response.description === title && general) response.description = known.meaning
        const examples: Record<string, Example> = {}
        if (general)
          examples[`problem${code}`] = { summary: title, value: encode(code, problem(known.example(context))) }
        if (own !== undefined) {
          const { only: _only, ...props } = typeof own === "string" ? { detail: own } : own
          examples[`operation${code}`] = { summary: props.detail, value: encode(code, problem(props)) }
        }
        media.examples = examples
      }
      setHeaders(op.responses[429], retryAfter(true, "Seconds to wait before the next request."))
      if (keyed) {
        setHeaders(
          op.responses[409],
          retryAfter(
            false,
            "When a request with the same `Idempotency-Key` is in flight: seconds to wait before retrying."
          )
        )
      }
      setHeaders(
        op.responses[503],
        retryAfter(false, "Seconds to wait before retrying, when known; otherwise retry with exponential backoff.")
      )
      setHeaders(op.responses[405], {
        Allow: { description: "The methods the path has.", required: true, schema: { type: "string" } }
      })
    }
  }
  // Each problem's schema carries an example too, as a client creating dossiers would meet it.
  const components = (spec.components as { schemas?: Record<string, { properties?: Record<string, unknown> }> })
    ?.schemas
  const members = { instance: "/assure/dossiers", method: "POST", traceId }
  for (const [code, known] of Object.entries(statuses)) {
    const Class = classes[Number(code)]
    if (Class === undefined) continue
    const problem = new Class({ ...members, ...known.example({ path: "/assure/dossiers", hasBody: true, members }) })
    for (const schema of Object.values(components ?? {})) {
      const type = schema.properties?.type as { enum?: ReadonlyArray<unknown> } | undefined
      if (type?.enum?.[0] === problem.type) {
        ;(schema as { examples?: ReadonlyArray<unknown> }).examples = [encode(Number(code), problem)]
      }
    }
  }
  return spec
}
