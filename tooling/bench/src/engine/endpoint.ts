/**
 * The client's notification endpoint: a loopback `node:http` server that answers 200 at once. Each verification
 * gets its own URL (`/notify/<key>`), so an arrival is matched to its verification without reading the body, and
 * each `assure-delivery-id` is counted so that repeated deliveries (delivery is at least once) show in the report.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { performance } from "node:perf_hooks"

/** The notification of a verification did not arrive in time. */
export class NoNotification extends Error {}

export interface Endpoint {
  /** The URL to give the verification identified by `key`. */
  readonly urlFor: (key: string) => string
  /** Resolves with the arrival time (`performance.now()`) of the first notification for `key`. */
  readonly arrival: (key: string, timeoutMillis: number) => Promise<number>
  /** Notifications received beyond the first for the same delivery id or verification. */
  readonly repeats: () => number
  readonly close: () => Promise<void>
}

interface Waiter {
  readonly resolve: (at: number) => void
  readonly timer: NodeJS.Timeout
}

export const startEndpoint = (): Promise<Endpoint> =>
  new Promise((resolve, reject) => {
    const waiters = new Map<string, Waiter>()
    // Arrivals nobody waits for yet: the baseline's POST can land before its caller asks.
    const early = new Map<string, number>()
    const seenKeys = new Set<string>()
    const seenDeliveries = new Set<string>()
    let repeats = 0

    const server = createServer((request, response) => {
      const at = performance.now()
      const key = request.url?.startsWith("/notify/") ? request.url.slice("/notify/".length) : ""
      const deliveryId = request.headers["assure-delivery-id"]
      const repeated = seenKeys.has(key) || (typeof deliveryId === "string" && seenDeliveries.has(deliveryId))
      if (repeated) repeats++
      seenKeys.add(key)
      if (typeof deliveryId === "string") seenDeliveries.add(deliveryId)
      // Drain the body before answering, as a real client would read it.
      request.resume()
      request.on("end", () => {
        response.writeHead(200).end()
        if (repeated) return
        const waiter = waiters.get(key)
        if (waiter === undefined) early.set(key, at)
        else {
          waiters.delete(key)
          clearTimeout(waiter.timer)
          waiter.resolve(at)
        }
      })
    })
    // Many short-lived connections from 32 verifications in flight: keep them alive between notifications.
    server.keepAliveTimeout = 30_000
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      resolve({
        urlFor: (key) => `${base}/notify/${key}`,
        arrival: (key, timeoutMillis) => {
          const at = early.get(key)
          if (at !== undefined) {
            early.delete(key)
            return Promise.resolve(at)
          }
          return new Promise((done, fail) => {
            const timer = setTimeout(() => {
              waiters.delete(key)
              fail(new NoNotification(`no notification for ${key} within ${timeoutMillis} ms`))
            }, timeoutMillis)
            waiters.set(key, { resolve: done, timer })
          })
        },
        repeats: () => repeats,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })
