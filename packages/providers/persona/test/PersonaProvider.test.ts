// What the conformance suite leaves to each adapter: exactly what it makes of the vendor's answers.
// TODO(vendor): tests for the vendor's own payloads, statuses and errors.
import { ProviderRegistry } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { PersonaProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const TestLayer = Testing.layerTest({
  apiKey: Redacted.make("sk_test_provider"),
  webhookSecret: Redacted.make("whsec_test_provider")
}).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))

const provider = ProviderRegistry.ProviderRegistry.use((registry) => registry.get(PersonaProvider.name))

/** Starts a verification that the simulator ends with `status`, and fetches its outcome. */
const outcomeOf = (status: Testing.FinalStatus) =>
  Effect.gen(function* () {
    const registered = yield* provider
    const session = yield* registered.start(Testing.startRequest(status))
    return yield* registered.fetchResult({ reference: session.reference })
  }).pipe(Effect.provide(TestLayer))

describe("PersonaProvider", () => {
  it.live("normalises what the vendor read with the core codecs", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf("approved")
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual<unknown>(outcome.finalResult, {
        firstName: "Erika",
        lastName: "Mustermann",
        dateOfBirth: "1964-08-12",
        nationality: "DEU",
        documentType: "idCard",
        documentNumber: "C01X00T47",
        issuingCountry: "DEU",
        dateOfExpiry: "2031-01-14"
      })
    })
  )

  it.live("keeps the vendor's reason and no identity data when declined", () =>
    Effect.gen(function* () {
      const outcome = yield* outcomeOf("declined")
      assert.strictEqual(outcome.status, "rejected")
      assert.strictEqual(outcome.reason, "document_expired")
      assert.isUndefined(outcome.finalResult)
    })
  )

  it.live("refuses a start without a front image, before calling the vendor", () =>
    Effect.gen(function* () {
      const registered = yield* provider
      const error = yield* Effect.flip(registered.start({ ...Testing.startRequest("approved"), files: [] }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
    }).pipe(Effect.provide(TestLayer))
  )
})
