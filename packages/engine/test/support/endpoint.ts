/** A client's notification endpoint on loopback that fails its first answers, recording every delivery. */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

export interface Delivery {
  readonly deliveryId: string
  readonly authorization: string | undefined
  readonly signature: string | undefined
  readonly body: string
  readonly acknowledged: boolean
}

export const endpoint = (options: { readonly failFirst: number }) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ readonly url: string; readonly deliveries: Array<Delivery>; readonly server: Server }>(
          (resolve) => {
            const deliveries: Array<Delivery> = []
            const server = createServer((request, response) => {
              let body = ""
              request.on("data", (chunk) => {
                body += chunk
              })
              request.on("end", () => {
                const acknowledged = deliveries.length >= options.failFirst
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
              resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries, server })
            )
          }
        )
    ),
    ({ server }) =>
      Effect.sync(() => {
        server.closeAllConnections()
        server.close()
      })
  )
