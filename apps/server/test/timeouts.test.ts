/**
 * Slow clients over raw TCP: headers trickled past their limit are cut, a body that stops arriving ends with a 408
 * problem once it has been idle for the limit, and a slow but steady upload — longer in total than both limits —
 * succeeds. Short limits here; the defaults are checked to be at most 30 seconds.
 */
import { mkdtempSync } from "node:fs"
import { connect, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fromVariables } from "../src/server/ServerConfig.js"
import { apiClient, clients, type Running, startServer } from "./support/server.js"

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** A raw connection to the server, recording what it answers and when it closes. */
const open = (url: string) =>
  new Promise<{ socket: Socket; received: () => string; closed: Promise<number> }>((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const socket = connect(Number(port), hostname)
    let received = ""
    const started = Date.now()
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      received += chunk
    })
    socket.on("error", () => {})
    const closed = new Promise<number>((done) => socket.on("close", () => done(Date.now() - started)))
    socket.once("connect", () => resolve({ socket, received: () => received, closed }))
    socket.once("error", reject)
  })

/** The status, headers and JSON body of a raw HTTP/1.1 response. */
const parse = (raw: string) => {
  const separator = raw.indexOf("\r\n\r\n")
  const [statusLine = "", ...lines] = raw.slice(0, separator).split("\r\n")
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()])
  )
  const body = raw.slice(separator + 4)
  return { status: Number(statusLine.split(" ")[1]), headers, body }
}

describe("timeouts for slow clients", () => {
  let server: Running
  const limit = 1_000
  beforeAll(async () => {
    server = await startServer({ headersTimeout: Duration.millis(limit), bodyIdleTimeout: Duration.millis(limit) })
  }, 60_000)
  afterAll(() => server?.stop())

  it("defaults to at most 30 seconds for headers and for an idle body", async () => {
    const settings = await Effect.runPromise(
      fromVariables({ ASSURE_DATA_DIR: mkdtempSync(join(tmpdir(), "assure-timeouts-")) })
    )
    expect(Duration.toSeconds(settings.headersTimeout)).toBeLessThanOrEqual(30)
    expect(Duration.toSeconds(settings.bodyIdleTimeout)).toBeLessThanOrEqual(30)
    const refused = await Effect.runPromiseExit(
      fromVariables({
        ASSURE_DATA_DIR: mkdtempSync(join(tmpdir(), "assure-timeouts-")),
        ASSURE_BODY_IDLE_TIMEOUT: "0 seconds"
      })
    )
    expect(String(refused)).toContain("ASSURE_BODY_IDLE_TIMEOUT")
  })

  it("cuts a client that trickles its headers past the limit, with a 408 problem", async () => {
    const connection = await open(server.url)
    connection.socket.write("POST /assure/dossiers HTTP/1.1\r\nHost: localhost\r\n")
    // A header line every 200 ms: bytes keep coming, the headers never end.
    const trickle = setInterval(() => connection.socket.write("X-Slow: 1\r\n"), 200)
    const elapsed = await connection.closed
    clearInterval(trickle)
    expect(elapsed).toBeGreaterThanOrEqual(limit)
    expect(elapsed).toBeLessThan(limit + 1_500)
    const response = parse(connection.received())
    expect(response.status).toBe(408)
    expect(response.headers["content-type"]).toBe("application/problem+json")
    expect(response.headers.connection).toBe("close")
    expect(JSON.parse(response.body)).toMatchObject({
      type: "https://assure.dev/problems/request-timeout",
      title: "Request timeout",
      status: 408,
      code: "request_timeout",
      detail: "The request headers did not arrive in time"
    })
  })

  it("ends a body that stops arriving once it was idle for the limit, with a 408 problem naming the request", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossiers = async () =>
      ((await alpha.call("GET", "/assure/dossiers")).json as { dossiers: Array<unknown> }).dossiers.length
    const before = await dossiers()
    const connection = await open(server.url)
    const sentAt = Date.now()
    connection.socket.write(
      [
        "POST /assure/dossiers HTTP/1.1",
        "Host: localhost",
        `Authorization: Bearer ${alpha.token}`,
        "Content-Type: application/json",
        "Content-Length: 100",
        "",
        '{"externalReference":'
      ].join("\r\n")
    )
    // The client keeps the connection open and sends nothing more: it is the server that closes it.
    const elapsed = await connection.closed
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(limit)
    expect(elapsed).toBeLessThan(limit + 1_500)
    const response = parse(connection.received())
    expect(response.status).toBe(408)
    expect(response.headers["content-type"]).toBe("application/problem+json")
    expect(response.headers.connection).toBe("close")
    expect(JSON.parse(response.body)).toEqual({
      type: "https://assure.dev/problems/request-timeout",
      title: "Request timeout",
      status: 408,
      code: "request_timeout",
      detail: "The request body stopped arriving before it was complete",
      instance: "/assure/dossiers",
      method: "POST"
    })
    // Nothing was created by the request that never arrived.
    expect(await dossiers()).toBe(before)
  })

  it("lets a slow but steady upload finish, however long it takes in total", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]).toString("base64")
    const body = JSON.stringify({ front: `data:image/jpeg;base64,${jpeg}` })
    const connection = await open(server.url)
    connection.socket.write(
      [
        `POST /assure/dossiers/${dossierId}/files HTTP/1.1`,
        "Host: localhost",
        `Authorization: Bearer ${alpha.token}`,
        "Content-Type: application/json",
        `Content-Length: ${Buffer.byteLength(body)}`,
        "Connection: close",
        "",
        ""
      ].join("\r\n")
    )
    // Four bytes every 400 ms: under the idle limit each time, over both limits in total.
    const started = Date.now()
    for (let offset = 0; offset < body.length; offset += 4) {
      await sleep(400)
      connection.socket.write(body.slice(offset, offset + 4))
    }
    await connection.closed
    expect(Date.now() - started).toBeGreaterThan(3 * limit)
    const response = parse(connection.received())
    expect(response.status).toBe(201)
    expect(JSON.parse(response.body)).toMatchObject([{ kind: "front", mediaType: "image/jpeg" }])
  }, 30_000)

  it("gives the rest of a body one idle limit once the request was answered, however steadily it trickles", async () => {
    const connection = await open(server.url)
    // No such route: answered at once, before the body is read.
    connection.socket.write(
      [
        "POST /no-such-route HTTP/1.1",
        "Host: localhost",
        "Content-Type: application/json",
        "Content-Length: 1000",
        "",
        "{"
      ].join("\r\n")
    )
    const trickle = setInterval(() => connection.socket.write(" "), 200)
    const elapsed = await connection.closed
    clearInterval(trickle)
    expect(parse(connection.received()).status).toBe(404)
    // 1,000 bytes at 5 a second would take 200 seconds.
    expect(elapsed).toBeLessThan(2 * limit + 1_500)
  })

  it("keeps answering other clients while slow ones wait", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const slow = await Promise.all(Array.from({ length: 20 }, () => open(server.url)))
    for (const connection of slow) connection.socket.write("GET /health HTTP/1.1\r\n")
    expect((await alpha.call("GET", "/assure/dossiers")).status).toBe(200)
    await Promise.all(slow.map((connection) => connection.closed))
  })
})
