/**
 * The baseline: a bare `node:http` server in a process of its own, answering what the real server answers with
 * nothing in between — no framework, no token verification (only a string comparison of the `Authorization`
 * header), no database. The stored process is the server's exact response body, kept in memory; a dossier POST is
 * read and parsed as JSON, and answered 201 with a dossier of the server's shape. The practical limit of an HTTP
 * server in Node on the same machine.
 */
import { createServer } from "node:http"
import { performance } from "node:perf_hooks"
import { type BareJob, type ChildMessage, dossierLike, type ParentMessage, readMemory } from "./protocol.ts"

const send = (message: ChildMessage) => process.send?.(message)
const job = JSON.parse(process.env.BENCH_HTTP_BARE ?? "") as BareJob
const processBody = Buffer.from(job.processBody)

process.once("disconnect", () => process.exit(1))

const json = (status: number, body: Buffer | string) => ({
  status,
  headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  body
})

const dossierFor = (input: Record<string, unknown>): string => JSON.stringify(dossierLike(job.dossierTemplate, input))

const server = createServer((request, response) => {
  const answer = (reply: ReturnType<typeof json>) => {
    response.writeHead(reply.status, reply.headers)
    response.end(reply.body)
  }
  if (request.url === "/ready") {
    response.writeHead(204)
    return response.end()
  }
  if (request.headers.authorization !== job.authorization) return answer(json(401, '{"status":401}'))
  if (request.method === "GET" && request.url === job.processPath) return answer(json(200, processBody))
  if (request.method === "POST" && request.url === job.dossiersPath) {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      let input: unknown
      try {
        input = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      } catch {
        return answer(json(400, '{"status":400}'))
      }
      if (typeof input !== "object" || input === null) return answer(json(400, '{"status":400}'))
      answer(json(201, dossierFor(input as Record<string, unknown>)))
    })
    return
  }
  answer(json(404, '{"status":404}'))
})

process.on("message", (message: ParentMessage) => {
  if (message.type === "memory") {
    send(readMemory(message.id))
  } else if (message.type === "stop") {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  }
})

const launchedMs = performance.now()
server.listen(job.port, "127.0.0.1", () =>
  send({ type: "ready", loadedMs: launchedMs, launchedMs, readyMs: performance.now() })
)
