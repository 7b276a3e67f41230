/**
 * For adapters' `testing` entries: the loopback HTTP server a vendor simulator answers on.
 *
 * Every simulator of a vendor's API needs the same plumbing — a `node:http` server on `127.0.0.1` and a free port for
 * as long as a scope is open, each request's body read whole, the answer written from a plain description, and
 * connections left hanging (a simulated timeout) closed with the scope. {@link serve} is that plumbing; the simulator
 * keeps what is its own: the vendor's paths, state, error bodies and webhooks.
 *
 * Node only (`node:http`), like every `testing` entry: the adapters themselves stay runtime-agnostic.
 *
 * @example
 * ```ts
 * import { LoopbackServer } from "@assure/provider/testing"
 * import { Effect } from "effect"
 *
 * const simulator = Effect.gen(function* () {
 *   const server = yield* LoopbackServer.serve((request) =>
 *     Effect.succeed(
 *       request.path === "/v1/ping" ? { status: 200, body: { pong: true } } : { status: 404, body: { error: "not found" } }
 *     )
 *   )
 *   return server.baseUrl // http://127.0.0.1:<port>
 * })
 * ```
 *
 * @since 0.1.0
 */
export * as LoopbackServer from "./LoopbackServer.js"
