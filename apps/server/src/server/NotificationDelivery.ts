/**
 * The HTTP client that delivers notifications to API clients — the engine's `NotificationClient`, and nothing else:
 * the providers' calls keep the application's client, since the operator chose their targets.
 *
 * A client chooses a notification's target, so every connection is guarded where it is made: `node:http`/`node:https`
 * agents whose `lookup` resolves the name itself, refuses the connection when **any** address the name resolves to is
 * one the `OutboundPolicy` refuses, and hands the socket exactly the addresses it checked; an IP literal is checked
 * before connecting too. A name that pointed somewhere public when the process was created and points at `127.0.0.1`
 * now (DNS rebinding) therefore gets no connection. `node:http` never follows redirects, so a `3xx` is just an answer
 * that does not acknowledge the notification.
 *
 * (`node:http` rather than an undici `Agent` with a guarded connector: the same guard, without loading the undici
 * package — about 100 ms — at every start.)
 */
import { promises as dns, type LookupAddress } from "node:dns"
import * as http from "node:http"
import * as https from "node:https"
import { isIP, type LookupFunction } from "node:net"
import { NotificationClient, OutboundPolicy } from "@assure/engine"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Effect, Layer } from "effect"

/** Resolves a name to all its addresses, as `dns.lookup(name, { all: true })` does. */
export type Resolve = (hostname: string) => Promise<ReadonlyArray<LookupAddress>>

/** How deliveries resolve names: the system's resolver (`dns.lookup`), or a table that tests switch. */
export const Resolver = Context.Reference<Resolve>("@assure/server/NotificationDelivery/Resolver", {
  defaultValue: () => (hostname) => dns.lookup(hostname, { all: true, order: "verbatim" })
})

/** A connection the outbound policy refused; its message is for the operator's log only. */
export class RefusedConnection extends Error {
  readonly code = "ERR_ASSURE_OUTBOUND_REFUSED"
  override readonly name = "RefusedConnection"
}

/** A `lookup` for sockets that answers only with addresses the policy allows, and only if it allows them all. */
export const guardedLookup = (policy: OutboundPolicy.OutboundPolicy["Service"], resolve: Resolve): LookupFunction =>
  ((
    hostname: string,
    options: { family?: number | string; all?: boolean },
    callback: (...args: Array<unknown>) => void
  ) => {
    const answer = (...args: Array<unknown>) => process.nextTick(() => callback(...args))
    resolve(hostname).then(
      (found) => {
        const refusals = found.flatMap(({ address }) => policy.checkAddress(address) ?? [])
        if (refusals.length > 0) return answer(new RefusedConnection(`${hostname} resolves to ${refusals.join("; ")}`))
        const family =
          options.family === 4 || options.family === "IPv4"
            ? 4
            : options.family === 6 || options.family === "IPv6"
              ? 6
              : 0
        const usable = found.filter((address) => family === 0 || address.family === family)
        const first = usable[0]
        if (first === undefined) {
          return answer(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND", hostname }))
        }
        return options.all === true
          ? answer(
              null,
              usable.map(({ address, family }) => ({ address, family }))
            )
          : answer(null, first.address, first.family)
      },
      (error: unknown) => answer(error)
    )
  }) as LookupFunction

/** `agent` with the guard: names go through `lookup`, IP literals (which skip it) are checked here. */
const guarded = <A extends http.Agent>(agent: A, policy: OutboundPolicy.OutboundPolicy["Service"]): A => {
  const create = agent.createConnection.bind(agent)
  agent.createConnection = (options, callback) => {
    const host = String(options.host ?? options.hostname ?? "")
    const refusal = isIP(host) === 0 ? undefined : policy.checkAddress(host)
    if (refusal === undefined) return create(options, callback)
    callback?.(new RefusedConnection(refusal), undefined as never)
    return undefined
  }
  return agent
}

/** The guarded `http` and `https` agents, destroyed with the scope. */
const agents = Effect.gen(function* () {
  const policy = yield* OutboundPolicy.OutboundPolicy
  const lookup = guardedLookup(policy, yield* Resolver)
  return yield* Effect.acquireRelease(
    Effect.sync(() => ({
      http: guarded(new http.Agent({ lookup }), policy),
      https: guarded(new https.Agent({ lookup }), policy)
    })),
    ({ http, https }) =>
      Effect.sync(() => {
        http.destroy()
        https.destroy()
      })
  )
})

/** The engine's notification client over the guarded agents. */
export const layer: Layer.Layer<NotificationClient.NotificationClient, never, OutboundPolicy.OutboundPolicy> =
  NotificationClient.layer.pipe(
    Layer.provide(NodeHttpClient.layerNodeHttpNoAgent),
    Layer.provide(Layer.effect(NodeHttpClient.HttpAgent, agents))
  )
