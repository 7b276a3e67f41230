/**
 * A loopback HTTP server for vendor simulators: `node:http` on `127.0.0.1` and a free port while a scope is open.
 * Exported through `@assure/provider/testing` (Node only); see that module for an example.
 *
 * @since 0.1.0
 */
import { createServer, IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"

/** A request as it arrived, its body read whole. @since 0.1.0 */
export interface Request {
  readonly method: string
  /** The path and query, as sent (`/v1/sessions?expand[]=x`). */
  readonly url: string
  /** The path alone. */
  readonly path: string
  readonly query: URLSearchParams
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  /** The body as UTF-8 text. */
  readonly text: string
}

/** How to answer: a status, a body (a string as it is, anything else as JSON), and headers. @since 0.1.0 */
export interface Answer {
  readonly status: number
  readonly body: unknown
  /** Over `content-type: application/json` (or the `contentType` given to {@link serve}). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** A Node request handler of another library (an OpenID Provider's `callback()`, say). @since 0.1.0 */
export type NodeHandler = (request: IncomingMessage, response: ServerResponse) => void

const handedOver: unique symbol = Symbol.for("@assure/provider/LoopbackServer/handOver")

/**
 * An answer that hands the request to `handler`, which answers it itself (its own headers, repeated `Set-Cookie`
 * included): a real implementation behind a simulator's recording and faults. The handler reads the body as if it
 * had not been read; headers a simulator adds to its own answers are not sent.
 *
 * @since 0.1.0
 */
export const handOver = (handler: NodeHandler): Answer => {
  const answer: Answer & { readonly [handedOver]: NodeHandler } = { status: 0, body: "", [handedOver]: handler }
  return answer
}

/** The handler an answer hands its request to, if it is a {@link handOver}. @since 0.1.0 */
export const handedOverTo = (answer: Answer): NodeHandler | undefined =>
  handedOver in answer ? (answer[handedOver] as NodeHandler) : undefined

/** The request again, its body unread, for a handler that reads the body itself. */
const replay = (incoming: IncomingMessage, body: Buffer): IncomingMessage => {
  const again = new IncomingMessage(incoming.socket)
  again.method = incoming.method
  again.url = incoming.url
  again.headers = incoming.headers
  again.rawHeaders = incoming.rawHeaders
  again.httpVersion = incoming.httpVersion
  again.httpVersionMajor = incoming.httpVersionMajor
  again.httpVersionMinor = incoming.httpVersionMinor
  again.complete = true
  if (body.byteLength > 0) again.push(body)
  again.push(null)
  return again
}

/** A running server. @since 0.1.0 */
export interface Running {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly baseUrl: string
}

const headersOf = (request: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return headers
}

/**
 * Serves `respond` on loopback until the scope closes. An answer of `undefined` is no answer at all (the connection
 * stays open until the scope closes: a simulated timeout); a {@link handOver} is answered by its handler; a defect in
 * `respond` is answered `500`.
 *
 * @since 0.1.0
 */
export const serve = <R>(
  respond: (request: Request) => Effect.Effect<Answer | undefined, never, R>
): Effect.Effect<Running, never, Scope.Scope | R> =>
  Effect.gen(function* () {
    // Requests run with the scope's services (a test's clock among them).
    const runFork = Effect.runForkWith(yield* Effect.context<R>())
    const answer = (request: Request) =>
      respond(request).pipe(
        Effect.catchDefect(() => Effect.succeed<Answer>({ status: 500, body: { error: "simulator defect" } }))
      )
    const server = yield* Effect.acquireRelease(
      Effect.callback<Server>((resume) => {
        const server = createServer((incoming, outgoing) => {
          const chunks: Array<Buffer> = []
          incoming.on("data", (chunk: Buffer) => {
            chunks.push(chunk)
          })
          incoming.on("end", () => {
            const body = Buffer.concat(chunks)
            const url = incoming.url ?? "/"
            const parsed = new URL(url, "http://loopback")
            const request: Request = {
              method: incoming.method ?? "GET",
              url,
              path: parsed.pathname,
              query: parsed.searchParams,
              headers: headersOf(incoming),
              body: new Uint8Array(body),
              text: body.toString("utf8")
            }
            runFork(
              Effect.map(answer(request), (answered) => {
                if (answered === undefined) return
                const foreign = handedOverTo(answered)
                if (foreign !== undefined) return foreign(replay(incoming, body), outgoing)
                outgoing.writeHead(answered.status, { "content-type": "application/json", ...answered.headers })
                outgoing.end(typeof answered.body === "string" ? answered.body : JSON.stringify(answered.body))
              })
            )
          })
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      // Closing also ends the connections a simulated timeout left open.
      (server) =>
        Effect.callback<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  })
