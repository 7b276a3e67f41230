// Onfido's webhook signatures: its own published test vectors (onfido-node, test/classic-webhook-event-verifier.test.ts
// and test/studio-webhook-event-verifier.test.ts at commit 2b9faec, MIT), tampering, rotation, and a round trip.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import fc from "fast-check"
import { OnfidoClient, OnfidoProvider, OnfidoWebhook } from "../src/index.js"

const encode = (text: string) => new TextEncoder().encode(text)

const classic = {
  token: "_ABC123abc123ABC123abc123ABC123_",
  body: '{"payload":{"resource_type":"check","action":"check.completed","object":{"id":"check-123","status":"complete","completed_at_iso8601":"2020-01-01T00:00:00Z","href":"https://api.onfido.com/v3/checks/check-123"}}}',
  signature: "a0082d7481f9f0a2907583dbe1f344d6d4c0d9989df2fd804f98479f60cd760e"
}

const studio = {
  token: "YKOC6mkBxi6yK2zlUIrLMvsJMFEZObP5",
  body: '{"payload":{"resource_type":"workflow_task","action":"workflow_task.started","object":{"id":"profile_1eb92","task_spec_id":"profile_1eb92","task_def_id":"profile_data","workflow_run_id":"bc77c6e5-753a-4580-96a6-aaed3e5a8d19","status":"started","started_at_iso8601":"2024-07-10T12:49:09Z","href":"https://api.eu.onfido.com/v3.6/workflow_runs/bc77c6e5-753a-4580-96a6-aaed3e5a8d19/tasks/profile_1eb92"},"resource":{"created_at":"2024-07-10T12:49:09Z","id":"profile_1eb92","workflow_run_id":"bc77c6e5-753a-4580-96a6-aaed3e5a8d19","updated_at":"2024-07-10T12:49:09Z","input":{},"task_def_version":null,"task_def_id":"profile_data","output":null}}}',
  signature: "c95a5b785484f6fa1bc25f381b5595d66bf85cb442eefb06aa007802ee6a4dfa"
}

const verify = (token: string | ReadonlyArray<string>, body: Uint8Array, signature: string | undefined) =>
  OnfidoWebhook.verify({
    secrets: (typeof token === "string" ? [token] : token).map((secret) => Redacted.make(secret)),
    request: {
      headers: signature === undefined ? {} : { [OnfidoWebhook.signatureHeader]: signature },
      rawBody: body
    }
  })

describe("OnfidoWebhook", () => {
  it.effect("verifies Onfido's classic test vector and reads the check event", () =>
    Effect.gen(function* () {
      const event = yield* verify(classic.token, encode(classic.body), classic.signature)
      assert.strictEqual(event.payload.resource_type, "check")
      assert.strictEqual(event.payload.action, "check.completed")
      assert.strictEqual(event.payload.object.id, "check-123")
      assert.strictEqual(OnfidoWebhook.eventId(event), "check.completed:check-123:2020-01-01T00:00:00Z")
    })
  )

  it.effect("verifies Onfido's Studio test vector and reads the workflow run of the task", () =>
    Effect.gen(function* () {
      const event = yield* verify(studio.token, encode(studio.body), studio.signature)
      assert.strictEqual(event.payload.action, "workflow_task.started")
      assert.strictEqual(event.payload.object.workflow_run_id, "bc77c6e5-753a-4580-96a6-aaed3e5a8d19")
    })
  )

  it.effect("the provider names the reference of Onfido's vectors: the check, and the workflow run of a task", () =>
    Effect.gen(function* () {
      // Neither event needs a call to Onfido: the client points nowhere.
      const client = yield* OnfidoClient.make({ apiToken: Redacted.make("unused"), baseUrl: "http://127.0.0.1:9" })
      const provider = yield* OnfidoProvider.make({
        webhookSecrets: [Redacted.make(classic.token), Redacted.make(studio.token)]
      }).pipe(Effect.provideService(OnfidoClient.OnfidoClient, client))
      const check = yield* provider.verifyWebhook({
        headers: { [OnfidoWebhook.signatureHeader]: classic.signature },
        rawBody: encode(classic.body)
      })
      assert.deepStrictEqual(check, {
        id: "check.completed:check-123:2020-01-01T00:00:00Z",
        reference: "check-123",
        type: "check.completed"
      })
      const task = yield* provider.verifyWebhook({
        headers: { [OnfidoWebhook.signatureHeader]: studio.signature },
        rawBody: encode(studio.body)
      })
      assert.strictEqual(task.reference, "bc77c6e5-753a-4580-96a6-aaed3e5a8d19")
      assert.strictEqual(task.type, "workflow_task.started")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("our signature is Onfido's: signing the vector's body gives the vector's signature", () =>
    Effect.gen(function* () {
      const signed = yield* OnfidoWebhook.sign({ secret: Redacted.make(classic.token), event: classic.body })
      assert.strictEqual(signed.headers[OnfidoWebhook.signatureHeader], classic.signature)
    })
  )

  it.effect("refuses an altered body, another token, a missing or malformed signature", () =>
    Effect.gen(function* () {
      const altered = encode(classic.body.replace("check-123", "check-124"))
      for (const attempt of [
        verify(classic.token, altered, classic.signature),
        verify("another-token", encode(classic.body), classic.signature),
        verify(classic.token, encode(classic.body), undefined),
        verify(classic.token, encode(classic.body), "not hex"),
        verify(classic.token, encode(classic.body), classic.signature.slice(0, 32))
      ]) {
        const error = yield* Effect.flip(attempt)
        assert.strictEqual(error.reason._tag, "WebhookSignatureInvalid")
        assert.notInclude(error.message, classic.token)
      }
    })
  )

  it.effect("accepts any of several tokens (rotation) and upper-case hex", () =>
    Effect.gen(function* () {
      const event = yield* verify(["old-token", classic.token], encode(classic.body), classic.signature.toUpperCase())
      assert.strictEqual(event.payload.object.id, "check-123")
    })
  )

  it.effect("a signed body that is not an Onfido event is InvalidResponse, after the signature", () =>
    Effect.gen(function* () {
      const signed = yield* OnfidoWebhook.sign({ secret: Redacted.make("token"), event: '{"hello":"world"}' })
      const error = yield* Effect.flip(verify("token", signed.rawBody, signed.headers[OnfidoWebhook.signatureHeader]))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    })
  )

  // 100 runs of WebCrypto HMAC: well under a second alone, but a whole-repository run on two cores can starve it.
  it("sign then verify round-trips any event, and any flipped byte is refused", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.string(),
        fc.nat(),
        (token, id, action, position) =>
          Effect.runPromise(
            Effect.gen(function* () {
              const signed = yield* OnfidoWebhook.sign({
                secret: Redacted.make(token),
                event: { payload: { resource_type: "check", action, object: { id } } }
              })
              const signature = signed.headers[OnfidoWebhook.signatureHeader]
              const event = yield* verify(token, signed.rawBody, signature)
              assert.strictEqual(event.payload.object.id, id)
              const tampered = new Uint8Array(signed.rawBody)
              const index = position % tampered.length
              tampered[index] = (tampered[index] ?? 0) ^ 1
              const error = yield* Effect.flip(verify(token, tampered, signature))
              assert.strictEqual(error.reason._tag, "WebhookSignatureInvalid")
            })
          )
      ),
      { numRuns: 100 }
    )
  }, 30_000)
})
