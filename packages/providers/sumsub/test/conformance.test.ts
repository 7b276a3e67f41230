// The conformance suite against the provider and a fresh simulator per check: every check the provider's
// capabilities call for (the hosted flow through Sumsub's WebSDK link), and all six vendor failures.
import { ProviderRegistry } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { SumsubProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const appToken = "sbx:conformance-app-token"
const secretKey = "conformance-secret-key"
const webhookSecret = "conformance-webhook-secret"

// The suite's outcomes as Sumsub reviews (the upload flow: RETRY is inconclusive there).
const answers = { accepted: "GREEN", rejected: "RED", inconclusive: "RETRY" } as const

/** Arms a failure in this check's simulator (which the suite's layer provides), then starts normally. */
const failing = (failure: Testing.Failure) =>
  Testing.SumsubSimulator.use((simulator) => simulator.failNext(failure)).pipe(Effect.as(Testing.startRequest("GREEN")))

const harness: ConformanceHarness.Harness<Testing.SumsubSimulator> = {
  provider: "sumsub",
  capabilities: SumsubProvider.capabilities,
  secrets: [appToken, secretKey, webhookSecret],
  startRequest: (outcome) =>
    Effect.sync(() => Testing.startRequest(outcome === "pending" ? "pending" : answers[outcome])),
  hostedRequest: (outcome) =>
    Effect.sync(() => Testing.startRequest(outcome === "pending" ? "pending" : answers[outcome], "hosted")),
  webhook: (session, outcome) =>
    // This check's simulator, which the suite's layer provides, reviews the applicant and signs the webhook.
    Testing.SumsubSimulator.use((simulator) => simulator.complete(session.reference, answers[outcome])),
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
    appToken: Redacted.make(appToken),
    secretKey: Redacted.make(secretKey),
    webhookSecret: Redacted.make(webhookSecret),
    // Short, because the timeout check waits for it.
    timeout: "1 second"
  }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
})
