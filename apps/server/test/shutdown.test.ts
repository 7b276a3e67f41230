/**
 * The built `assure-server` executable as an operator runs it (development mode, embedded store), stopped with
 * SIGTERM while a request is still arriving: the request is answered in full, new connections are refused, and the
 * process exits 0 once it has drained.
 */
import type { ChildProcess } from "node:child_process"
import { request } from "node:http"
import { afterAll, describe, expect, it } from "vitest"
import { startExecutable } from "./support/executable.js"

describe("stopping the server", () => {
  const started: Array<ChildProcess> = []
  afterAll(() => {
    for (const child of started) if (child.exitCode === null) child.kill("SIGKILL")
  })

  it("finishes the request in flight on SIGTERM, refuses new ones, and exits 0", async () => {
    const server = await startExecutable()
    started.push(server.child)
    const tokenResponse = await fetch(`${server.url}/auth/open/connect/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${server.credentials.id}:${server.credentials.secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded"
      },
      body: "grant_type=client_credentials"
    })
    expect(tokenResponse.status).toBe(200)
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string }

    // A dossier whose body is still being sent when the signal arrives.
    const body = JSON.stringify({ userData: { lastName: "Nordmann", firstName: "Kari" } })
    const half = Math.floor(body.length / 2)
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const inFlight = request(
        `${server.url}/assure/dossiers`,
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body)
          }
        },
        (response) => {
          let text = ""
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString("utf8")
          })
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }))
        }
      )
      inFlight.on("error", reject)
      inFlight.write(body.slice(0, half))
      setTimeout(() => {
        server.child.kill("SIGTERM")
        setTimeout(async () => {
          // The listener is closed by now: a new connection is refused while the old one is served.
          const refused = await fetch(`${server.url}/health`).then(
            () => false,
            () => true
          )
          inFlight.end(body.slice(half))
          if (!refused) reject(new Error("the server accepted a new connection after SIGTERM"))
        }, 500)
      }, 200)
    })

    const response = await answered
    expect(response.status).toBe(201)
    expect(JSON.parse(response.body)).toMatchObject({ userData: { lastName: "Nordmann" } })
    expect(await server.exited).toBe(0)
  }, 60_000)
})
