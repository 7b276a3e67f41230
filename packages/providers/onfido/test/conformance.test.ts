// The conformance suite against the provider and a fresh simulator per check: outcomes by polling and by webhook,
// the webhook signature checks, the hosted flow (Studio workflow runs) with an end-user who abandons it, and all six
// vendor failures. Onfido's signatures carry no timestamp (no stale-webhook check) and one signature per webhook (no
// rotation check), and a started check cannot be cancelled through the API (no cancellation check).
import { ProviderRegistry } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { OnfidoProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"
import * as OnfidoSpec from "./support/OnfidoSpec.js"

const apiToken = "api_sandbox.conformance_api_token"
const webhookToken = "conformance_webhook_token"

// The suite's outcomes as the simulator's sandbox conventions, following the provider's status table.
const magic = {
  accepted: "clear",
  rejected: "rejected",
  inconclusive: "caution"
} as const satisfies Record<ConformanceHarness.Outcome, Testing.Magic>

/** Arms a failure in this check's simulator (which the suite's layer provides), then starts normally. */
const failing = (failure: Testing.Failure) =>
  Testing.OnfidoSimulator.use((simulator) => simulator.failNext(failure)).pipe(Effect.as(Testing.startRequest("clear")))

const harness: ConformanceHarness.Harness<Testing.OnfidoSimulator> = {
  provider: "onfido",
  capabilities: OnfidoProvider.capabilities,
  secrets: [apiToken, webhookToken],
  startRequest: (outcome) =>
    Effect.sync(() => Testing.startRequest(outcome === "pending" ? "pending" : magic[outcome])),
  webhook: (session, outcome) =>
    // This check's simulator ends the check and signs the check.completed webhook.
    Testing.OnfidoSimulator.use((simulator) => simulator.complete(session.reference, magic[outcome])),
  // Studio workflow runs are Onfido's hosted flow; the end-user who walks away leaves the run `abandoned`.
  hostedRequest: () => Effect.sync(() => Testing.workflowRequest()),
  abandon: (session) => Testing.OnfidoSimulator.use((simulator) => simulator.complete(session.reference, "abandoned")),
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
  // Every answer of the simulator in every check is held against Onfido's OpenAPI document.
  layer: OnfidoSpec.validated(
    Testing.layerTest({
      apiToken: Redacted.make(apiToken),
      webhookToken: Redacted.make(webhookToken),
      // Short, because the timeout check waits for it.
      timeout: "1 second"
    })
  ).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
})
