// The conformance suite against the provider and a fresh simulator per check: every check the provider's
// capabilities call for (outcomes by polling, webhooks) and all six vendor failures.
//
// Final outcomes run the headless flow (documentSelfieUpload): uploads, submission and a decision chosen by the
// person's first name, Veriff's own test convention (Approve, Decline, Resubmit). "pending" runs the hosted flow
// (documentSelfie), which has no decision until the test decides it with the simulator's `complete`.
import { ProviderRegistry } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { VeriffProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = "3f8a1a52-9c0e-4a57-8f3e-1d2c3b4a5f60"
const sharedSecret = "conformance-shared-secret-key"

// The suite's outcomes as Veriff decisions, following the provider's status table.
const decisions = {
  accepted: "approved",
  rejected: "declined",
  inconclusive: "resubmission_requested"
} as const satisfies Record<ConformanceHarness.Outcome, Testing.DecisionStatus>

/** Arms a failure in this check's simulator (which the suite's layer provides), then starts normally. */
const failing = (failure: Testing.Failure) =>
  Testing.VeriffSimulator.use((simulator) => simulator.failNext(failure)).pipe(
    Effect.as(Testing.startRequest("approved"))
  )

const harness: ConformanceHarness.Harness<Testing.VeriffSimulator> = {
  provider: "veriff",
  capabilities: VeriffProvider.capabilities,
  secrets: [apiKey, sharedSecret],
  startRequest: (outcome) =>
    Effect.sync(() =>
      outcome === "pending" ? Testing.startRequest("pending", "hosted") : Testing.startRequest(decisions[outcome])
    ),
  webhook: (session, outcome) =>
    // This check's simulator, which the suite's layer provides, decides the session and signs the webhook.
    Testing.VeriffSimulator.use((simulator) => simulator.complete(session.reference, decisions[outcome])),
  // "pending" is the hosted flow already; the end-user who leaves it gets the decision `abandoned`.
  abandon: (session) => Testing.VeriffSimulator.use((simulator) => simulator.complete(session.reference, "abandoned")),
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
    sharedSecret: Redacted.make(sharedSecret),
    // Short, because the timeout check waits for it.
    timeout: "1 second"
  }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
})
