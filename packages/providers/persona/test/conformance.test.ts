// The conformance suite against the provider and a fresh simulator per check: every check the provider's
// capabilities call for, and all six vendor failures.
import { ProviderRegistry } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { PersonaProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = "sk_test_conformance_api_key"
const webhookSecret = "whsec_conformance_webhook_secret"

// The suite's outcomes in the vendor's words. TODO(vendor): follows the provider's status table.
const vendorStatus = { accepted: "approved", rejected: "declined", inconclusive: "review" } as const

/** Arms a failure in this check's simulator (which the suite's layer provides), then starts normally. */
const failing = (failure: Testing.Failure) =>
  Testing.PersonaSimulator.use((simulator) => simulator.failNext(failure)).pipe(
    Effect.as(Testing.startRequest("approved"))
  )

const harness: ConformanceHarness.Harness<Testing.PersonaSimulator> = {
  provider: "persona",
  capabilities: PersonaProvider.capabilities,
  secrets: [apiKey, webhookSecret],
  startRequest: (outcome) =>
    Effect.sync(() => Testing.startRequest(outcome === "pending" ? "pending" : vendorStatus[outcome])),
  webhook: (session, outcome) =>
    // This check's simulator, which the suite's layer provides, ends the verification and signs the webhook.
    Testing.PersonaSimulator.use((simulator) => simulator.complete(session.reference, vendorStatus[outcome])),
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
