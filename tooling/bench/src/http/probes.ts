/**
 * Small network helpers every process of the HTTP benches uses, in a module of their own so that a server process
 * loads nothing else of the bench with them: a free port, and one look at `/ready`.
 */
import { request } from "node:http"
import { createServer } from "node:net"

/** A TCP port nothing listens on now, on loopback. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/** Whether the server on `port` answers `GET /ready` with 204 now; false for any other answer or none. */
export const readyOnce = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = request({ host: "127.0.0.1", port, path: "/ready", agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode === 204)
    })
    probe.on("error", () => resolve(false))
    probe.end()
  })
