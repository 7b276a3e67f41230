/**
 * For adapters' `testing` entries: the loopback HTTP server and the kit a vendor simulator is built from.
 *
 * A simulator of a vendor's API is the vendor's routes, data and words on top of the same machinery; the kit is that
 * machinery, so each simulator holds only what is its vendor's:
 *
 * - {@link Simulator}: the route table (`Simulator.get("/checks/:id", handler)`), a base path, the end-user's pages
 *   of a hosted flow, recorded requests, and faults armed for the next requests or one route;
 * - {@link SimulatorAuth}: credential checks (bearer token, basic auth, API-key header, signed-request hook) refused
 *   in the vendor's words;
 * - {@link SimulatorStore}: typed in-memory resources by id;
 * - {@link SimulatorWebhooks}: outgoing webhooks signed with the vendor's scheme, delivered and recorded;
 * - {@link SimulatorFault}: 401/5xx answers, malformed bodies, timeouts, and 429s in every rate-limit header spelling;
 * - {@link TestRequest}: start requests as the engine makes them;
 * - {@link LoopbackServer}: the `node:http` server on `127.0.0.1` underneath; `handOver` puts another library's
 *   Node handler (a real OpenID Provider) behind a simulator's recording and faults.
 *
 * Node only (`node:http`), like every `testing` entry: the adapters themselves stay runtime-agnostic.
 *
 * @example
 * ```ts
 * import { Simulator, SimulatorAuth } from "@assure/provider/testing"
 * import { Effect, Redacted } from "effect"
 *
 * const simulator = Simulator.make({
 *   guard: SimulatorAuth.refuse(SimulatorAuth.bearer(Redacted.make("sk_test")), { status: 401, body: {} }),
 *   notFound: () => ({ status: 404, body: { error: "not found" } }),
 *   routes: [Simulator.get("/v1/ping", () => Effect.succeed({ status: 200, body: { pong: true } }))]
 * }) // Effect<Simulator, never, Scope>: baseUrl http://127.0.0.1:<port>
 * ```
 *
 * @since 0.1.0
 */
export * as LoopbackServer from "./LoopbackServer.js"
export * as Simulator from "./Simulator.js"
export * as SimulatorAuth from "./SimulatorAuth.js"
export * as SimulatorFault from "./SimulatorFault.js"
export * as SimulatorStore from "./SimulatorStore.js"
export * as SimulatorWebhooks from "./SimulatorWebhooks.js"
export * as TestRequest from "./TestRequest.js"
