// What every vendor simulator's service offers a test: the vendor's failures by name, any fault, recorded requests
// and webhooks, and the adapter's base URL.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { Simulator, SimulatorFault, SimulatorWebhooks } from "../src/testing.js"

const failures = SimulatorFault.vendorFailures({
  unauthorized: { status: 401, body: { error: "unauthorized" } },
  rateLimited: { error: "slow down" },
  unavailable: { error: "down" },
  malformedJson: '{"id": "',
  schemaInvalid: { id: 42 }
})

const running = Effect.gen(function* () {
  const simulator = yield* Simulator.make({
    basePath: "/v1",
    notFound: () => ({ status: 404, body: { error: "no route" } }),
    routes: [Simulator.get("/ping", () => Effect.succeed({ status: 200, body: { pong: true } }))]
  })
  const webhooks = yield* SimulatorWebhooks.make({
    sign: SimulatorWebhooks.hmacHeader({
      header: "x-signature",
      algorithm: "SHA-256",
      encoding: "hex",
      secret: Redacted.make("whsec")
    })
  })
  return { simulator, webhooks }
})

const status = (url: string) => Effect.promise(() => fetch(url).then((response) => response.status))

describe("Simulator.controls", () => {
  it.live("failNext arms the vendor's failure by name; arm, requests and webhooks are the kit's", () =>
    Effect.gen(function* () {
      const { simulator, webhooks } = yield* running
      const controls = Simulator.controls(simulator, { failures, webhooks })
      assert.strictEqual(controls.baseUrl, simulator.baseUrl)
      yield* controls.failNext("unavailable")
      yield* controls.arm(SimulatorFault.status(418), { route: "GET /ping" })
      const answered = [
        yield* status(`${controls.baseUrl}/ping`),
        yield* status(`${controls.baseUrl}/ping`),
        yield* status(`${controls.baseUrl}/ping`)
      ]
      assert.deepStrictEqual(answered, [503, 418, 200])
      assert.deepStrictEqual(
        (yield* controls.requests).map((request) => request.url),
        ["/v1/ping", "/v1/ping", "/v1/ping"]
      )
      yield* webhooks.send({ n: 1 })
      assert.deepStrictEqual(
        (yield* controls.webhooks).map((delivery) => delivery.body),
        ['{"n":1}']
      )
    }).pipe(Effect.scoped)
  )

  it.live("the base URL may be the origin, for clients that add the API's prefix themselves", () =>
    Effect.gen(function* () {
      const { simulator, webhooks } = yield* running
      const controls = Simulator.controls(simulator, { failures, webhooks, baseUrl: simulator.origin })
      assert.strictEqual(controls.baseUrl, simulator.origin)
      assert.strictEqual(yield* status(`${controls.baseUrl}/v1/ping`), 200)
    }).pipe(Effect.scoped)
  )
})
