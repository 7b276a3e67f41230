// The conformance suite against the provider and a fresh simulator per check: every check the provider's
// capabilities call for (outcomes by polling, webhooks with stale ones and with several v1 signatures while Stripe rolls
// the secret, the hosted page, an end-user who abandons it, cancellation) and all six vendor failures.
import { ProviderHttp, ProviderRegistry } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Clock, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { StripeIdentityProvider, StripeIdentityWebhook } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = "sk_test_conformance_api_key"
const webhookSecret = "whsec_conformance_webhook_secret"

// The suite's outcomes as the simulator's magic values, following the provider's status table.
const magic = {
  accepted: "verified",
  rejected: "document_expired",
  inconclusive: "document_type_not_supported"
} as const satisfies Record<ConformanceHarness.Outcome, Testing.FinalOutcome>

/** Arms a failure in this check's simulator (which the suite's layer provides), then starts normally. */
const failing = (failure: Testing.Failure) =>
  Testing.StripeIdentitySimulator.use((simulator) => simulator.failNext(failure)).pipe(
    Effect.as(Testing.startRequest("verified"))
  )

const harness: ConformanceHarness.Harness<Testing.StripeIdentitySimulator> = {
  provider: "stripe-identity",
  capabilities: StripeIdentityProvider.capabilities,
  secrets: [apiKey, webhookSecret],
  startRequest: (outcome) =>
    Effect.sync(() => Testing.startRequest(outcome === "pending" ? "pending" : magic[outcome])),
  webhook: (session, outcome) =>
    // This check's simulator, which the suite's layer provides, ends the session and signs the webhook.
    Testing.StripeIdentitySimulator.use((simulator) => simulator.complete(session.reference, magic[outcome])),
  staleWebhook: (session, outcome) =>
    Effect.gen(function* () {
      // Signed ten minutes ago: outside Stripe's 300-second tolerance.
      const timestamp = Math.floor((yield* Clock.currentTimeMillis) / 1000) - 600
      return yield* Testing.StripeIdentitySimulator.use((simulator) =>
        simulator.complete(session.reference, magic[outcome], { timestamp })
      )
    }),
  // While a webhook secret rolls, Stripe signs each event with the old and the new secret: one `t=`, several `v1=`.
  webhookRotation: {
    secret: webhookSecret,
    webhook: (session, outcome, secrets) =>
      Testing.StripeIdentitySimulator.use((simulator) => simulator.complete(session.reference, magic[outcome])).pipe(
        Effect.flatMap((webhook) =>
          StripeIdentityWebhook.sign({ secrets, event: ProviderHttp.decodeUtf8(webhook.rawBody) })
        )
      )
  },
  abandon: (session) =>
    Testing.StripeIdentitySimulator.use((simulator) => simulator.complete(session.reference, "abandoned")),
  vendorFailure: {
    unauthorized: failing("unauthorized"),
    rateLimited: failing("rateLimited"),
    unavailable: failing("unavailable"),
    timeout: failing("timeout"),
    malformedJson: failing("malformedJson"),
    schemaInvalid: failing("schemaInvalid")
  }
}

Conformance.suite({
  harness,
  layer: Testing.layerTest({
    apiKey: Redacted.make(apiKey),
    webhookSecret: Redacted.make(webhookSecret),
    // Short, because the timeout check waits for it.
    timeout: "1 second"
  }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
})
