/**
 * The Node HTTP server the API runs on, with timeouts that stop slow-loris clients without cutting slow uploads:
 *
 * - **Headers** must arrive within `headers` of the connection opening (or of the previous response, on a kept-alive
 *   connection): Node's `headersTimeout`, checked a few times per limit rather than every 30 seconds.
 * - **A body** may take as long as it needs, as long as bytes keep coming: after `bodyIdle` without a byte while the
 *   request's body is incomplete, the request ends. A phone uploading an image slowly but steadily is never cut;
 *   a client that declares a longer body than it sends no longer holds the connection for Node's 300 seconds.
 *   Node's `requestTimeout`, a cap on the whole request, is off for that reason.
 *
 * Either way the client gets a 408 with problem details (and `Connection: close`) when a response can still be sent,
 * and the connection is closed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { RequestTimeout } from "@assure/api/Problems"
import { Problem } from "@assure/core"
import { Duration, Schema } from "effect"

/** How long a client may take. */
export interface Timeouts {
  /** Until the request's headers are complete. */
  readonly headers: Duration.Duration
  /** Without a byte of an incomplete request body. */
  readonly bodyIdle: Duration.Duration
}

const encodeProblem = Schema.encodeSync(RequestTimeout)

/** The 408 problem, naming the request when its headers were read. */
const problemBody = (detail: string, request?: IncomingMessage): string => {
  const members = request === undefined ? {} : { instance: pathOf(request.url ?? "/"), method: request.method ?? "GET" }
  return JSON.stringify(encodeProblem(new RequestTimeout({ ...members, detail })))
}

const pathOf = (url: string): string => {
  try {
    return new URL(url, "http://localhost").pathname
  } catch {
    return "/"
  }
}

const problemHeaders = (body: string) => ({
  "content-type": Problem.mediaType,
  "content-length": String(Buffer.byteLength(body)),
  "cache-control": "no-store",
  connection: "close"
})

/** Writes `head` and `body` (when the socket can still take them), then closes the connection. */
const closeWith = (socket: Socket, raw: string | undefined) => {
  if (socket.destroyed) return
  if (raw === undefined || !socket.writable) {
    socket.destroy()
    return
  }
  // Destroyed once flushed, or shortly after if the client does not read.
  const timer = setTimeout(() => socket.destroy(), 1_000)
  timer.unref()
  socket.end(raw, () => {
    clearTimeout(timer)
    socket.destroy()
  })
}

// Node's own answers to what `clientError` reports besides the timeout (lib/_http_server.js), kept as Node sends them.
const nodeDefaults: Record<string, string> = {
  HPE_HEADER_OVERFLOW: "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n"
}
const badRequest = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"

/** `clientError`: the headers timeout answers a 408 problem; anything else as Node would. */
const onClientError = (error: NodeJS.ErrnoException, socket: Socket) => {
  // A response of this connection has started: nothing more can be said on it.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  const canAnswer = socket.writable && (inFlight === undefined || inFlight === null || !inFlight.headersSent)
  if (!canAnswer) return closeWith(socket, undefined)
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    // The request line may not have arrived: the problem names no request.
    const body = problemBody("The request headers did not arrive in time")
    const head = Object.entries(problemHeaders(body))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("")
    return closeWith(socket, `HTTP/1.1 408 Request Timeout\r\n${head}\r\n${body}`)
  }
  closeWith(socket, (error.code === undefined ? undefined : nodeDefaults[error.code]) ?? badRequest)
}

/** Whether the request has a body still to come, as Node's parser decides: a length, or chunked encoding. */
const hasBody = (request: IncomingMessage) =>
  request.headers["transfer-encoding"] !== undefined ||
  (request.headers["content-length"] !== undefined && request.headers["content-length"] !== "0")

interface Receiving {
  readonly response: ServerResponse
  bytesRead: number
  since: number
  /** The response has been sent while the body was still arriving. */
  answered: boolean
}

/**
 * Watches the bodies being received, a few times per idle limit: a body whose connection read nothing for the limit
 * ends with a 408. Bytes the server has not consumed yet (the body is buffered while a handler does something else)
 * count as activity: the wait is then the server's, not the client's. Once the response is sent (a request refused
 * before its body was read), the rest of the body gets one idle limit in all, however steadily it trickles: nothing
 * needs it any more, and the connection cannot take another request until it has arrived.
 */
const bodyWatch = (idleMillis: number) => {
  const receiving = new Map<IncomingMessage, Receiving>()
  let timer: ReturnType<typeof setInterval> | undefined
  const check = () => {
    const now = Date.now()
    for (const [request, state] of receiving) {
      const socket = request.socket
      if (request.complete || request.destroyed || socket.destroyed) {
        receiving.delete(request)
      } else if (!state.answered && state.response.writableEnded) {
        state.answered = true
        state.since = now
      } else if (!state.answered && (socket.bytesRead !== state.bytesRead || request.readableLength > 0)) {
        state.bytesRead = socket.bytesRead
        state.since = now
      } else if (now - state.since >= idleMillis) {
        receiving.delete(request)
        timedOut(request, state.response)
      }
    }
    if (receiving.size === 0 && timer !== undefined) {
      clearInterval(timer)
      timer = undefined
    }
  }
  return (request: IncomingMessage, response: ServerResponse) => {
    if (!hasBody(request) || request.complete) return
    receiving.set(request, { response, bytesRead: request.socket.bytesRead, since: Date.now(), answered: false })
    if (timer === undefined) {
      timer = setInterval(check, Math.min(Math.max(Math.floor(idleMillis / 4), 25), 1_000))
      timer.unref()
    }
  }
}

/** The body stalled: a 408 problem if the response has not started (the handler's own is then dropped), and close. */
const timedOut = (request: IncomingMessage, response: ServerResponse) => {
  if (response.headersSent) return closeWith(request.socket, undefined)
  const body = problemBody("The request body stopped arriving before it was complete", request)
  // `Connection: close` makes Node close the connection once the response is sent.
  response.writeHead(408, problemHeaders(body))
  response.end(body)
  // If the client does not read the answer either.
  setTimeout(() => request.socket.destroy(), 1_000).unref()
}

/**
 * A `createServer` for `NodeHttpServer.layer` with these timeouts.
 *
 * @example
 * NodeHttpServer.layer(HttpTimeouts.server({ headers: Duration.seconds(20), bodyIdle: Duration.seconds(30) }), { port })
 */
export const server = (timeouts: Timeouts) => (): Server => {
  const headersMillis = Math.max(1, Math.round(Duration.toMillis(timeouts.headers)))
  const created = createServer({
    headersTimeout: headersMillis,
    // No cap on the whole request: the body's idle limit stops stalled uploads, and a slow, steady one may finish.
    requestTimeout: 0,
    // Node checks the headers timeout this often (30 seconds by default, which would double a 30-second limit).
    connectionsCheckingInterval: Math.min(Math.max(Math.floor(headersMillis / 4), 25), 1_000)
  })
  created.on("clientError", onClientError)
  created.on("request", bodyWatch(Math.max(1, Math.round(Duration.toMillis(timeouts.bodyIdle)))))
  return created
}
