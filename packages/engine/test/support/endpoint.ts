/** A client's notification endpoint on loopback that fails its first answers, recording every delivery. */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

export interface Delivery {
  readonly deliveryId: string
  readonly authorization: string | undefined
  readonly signature: string | undefined
  readonly body: string
  readonly acknowledged: boolean
}

export interface Endpoint {
  readonly url: string
  readonly deliveries: Array<Delivery>
  /** From now on, acknowledge every delivery. */
  readonly recover: () => void
  readonly close: () => Promise<void>
}

/** Answers 503 to the first `failFirst` requests, then 200. */
export const startEndpoint = (failFirst: number): Promise<Endpoint> =>
  new Promise((resolve) => {
    const deliveries: Array<Delivery> = []
    let refuseUntil = failFirst
    const server = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk) => {
        body += chunk
      })
      request.on("end", () => {
        const acknowledged = deliveries.length >= refuseUntil
        deliveries.push({
          deliveryId: String(request.headers["assure-delivery-id"]),
          authorization: request.headers.authorization,
          signature: request.headers["assure-signature"] as string | undefined,
          body,
          acknowledged
        })
        response.writeHead(acknowledged ? 200 : 503)
        response.end()
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        deliveries,
        recover: () => {
          refuseUntil = 0
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    )
  })

/** The endpoint for the lifetime of a scope. */
export const endpoint = (options: { readonly failFirst: number }) =>
  Effect.acquireRelease(
    Effect.promise(() => startEndpoint(options.failFirst)),
    (started) => Effect.promise(() => started.close())
  )

/** How many times each delivery id was acknowledged. */
export const acknowledgements = (deliveries: ReadonlyArray<Delivery>): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const delivery of deliveries) {
    counts.set(delivery.deliveryId, (counts.get(delivery.deliveryId) ?? 0) + (delivery.acknowledged ? 1 : 0))
  }
  return counts
}
