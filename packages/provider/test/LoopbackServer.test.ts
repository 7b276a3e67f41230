// The loopback server vendor simulators answer on: it reads each request whole, writes the answer it is given, and
// stops listening when its scope closes.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { LoopbackServer } from "../src/testing.js"

describe("LoopbackServer.serve", () => {
  it.live("hands over the request read whole and writes the answer, JSON or text, with its headers", () =>
    Effect.gen(function* () {
      const seen: Array<LoopbackServer.Request> = []
      const { baseUrl } = yield* LoopbackServer.serve((request) => {
        seen.push(request)
        return Effect.succeed(
          request.path === "/text"
            ? { status: 302, body: "moved", headers: { location: "/elsewhere", "content-type": "text/plain" } }
            : { status: 201, body: { received: request.text.length } }
        )
      })
      assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/)

      const json = yield* Effect.promise(() =>
        fetch(`${baseUrl}/v1/things?expand[]=a`, {
          method: "POST",
          headers: { "X-Api-Key": "key", "content-type": "application/json" },
          body: JSON.stringify({ name: "Åse" })
        })
      )
      assert.strictEqual(json.status, 201)
      assert.deepStrictEqual(yield* Effect.promise(() => json.json()), { received: 14 })
      const request = seen[0]
      assert.strictEqual(request?.method, "POST")
      assert.strictEqual(request?.url, "/v1/things?expand[]=a")
      assert.strictEqual(request?.path, "/v1/things")
      assert.strictEqual(request?.query.get("expand[]"), "a")
      assert.strictEqual(request?.headers["x-api-key"], "key")
      assert.strictEqual(request?.text, '{"name":"Åse"}')
      assert.strictEqual(request?.body.byteLength, 15)

      const text = yield* Effect.promise(() => fetch(`${baseUrl}/text`, { redirect: "manual" }))
      assert.strictEqual(text.status, 302)
      assert.strictEqual(text.headers.get("location"), "/elsewhere")
      assert.strictEqual(yield* Effect.promise(() => text.text()), "moved")
    }).pipe(Effect.scoped)
  )

  it.live("answers 500 to a defect, and stops listening when its scope closes, hanging requests included", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const { baseUrl } = yield* LoopbackServer.serve((request) =>
        request.path === "/hang" ? Effect.succeed(undefined) : Effect.die(new Error("simulator bug"))
      ).pipe(Scope.provide(scope))
      const failed = yield* Effect.promise(() => fetch(`${baseUrl}/anything`))
      assert.strictEqual(failed.status, 500)

      const hanging = Effect.runPromiseExit(Effect.promise(() => fetch(`${baseUrl}/hang`)))
      yield* Effect.sleep("50 millis")
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(Exit.isFailure(yield* Effect.promise(() => hanging)))
      const refused = yield* Effect.promise(() =>
        fetch(`${baseUrl}/anything`).then(
          () => "answered",
          () => "refused"
        )
      )
      assert.strictEqual(refused, "refused")
    })
  )
})
