// The conformance suite against the provider and a fresh simulator per check: every check the provider's
// capabilities call for (outcomes by polling, webhooks with stale ones and with two signature sets while Persona
// rotates the secret, the hosted flow, an end-user who walks away, cancellation by expiring the inquiry) and all six
// vendor failures.
import { ProviderHttp, ProviderRegistry } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Clock, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { PersonaProvider, PersonaWebhook } from "../src/index.js"
import * as Testing from "../src/testing.js"

const apiKey = "persona_sandbox_conformance_api_key"
const webhookSecret = "wbhsec_conformance_webhook_secret"

// The suite's outcomes as inquiry statuses, following the provider's status table.
const inquiryStatus = {
  accepted: "approved",
  rejected: "declined",
  inconclusive: "needs_review"
} as const satisfies Record<ConformanceHarness.Outcome, Testing.InquiryStatus>

/** Arms a failure in this check's simulator (which the suite's layer provides), then starts normally. */
const failing = (failure: Testing.Failure) =>
  Testing.PersonaSimulator.use((simulator) => simulator.failNext(failure)).pipe(
    Effect.as(Testing.startRequest("completed"))
  )

const harness: ConformanceHarness.Harness<Testing.PersonaSimulator> = {
  provider: "persona",
  capabilities: PersonaProvider.capabilities,
  secrets: [apiKey, webhookSecret],
  startRequest: (outcome) =>
    Effect.sync(() => Testing.startRequest(outcome === "pending" ? "waiting" : inquiryStatus[outcome])),
  webhook: (session, outcome) =>
    Testing.PersonaSimulator.use((simulator) => simulator.complete(session.reference, inquiryStatus[outcome])),
  staleWebhook: (session, outcome) =>
    Effect.gen(function* () {
      // Signed ten minutes ago: outside the 300-second tolerance.
      const timestamp = Math.floor((yield* Clock.currentTimeMillis) / 1000) - 600
      return yield* Testing.PersonaSimulator.use((simulator) =>
        simulator.complete(session.reference, inquiryStatus[outcome], { timestamp })
      )
    }),
  // While a webhook secret rotates, Persona signs each event once per secret: two `t=…,v1=…` sets, space-separated.
  webhookRotation: {
    secret: webhookSecret,
    webhook: (session, outcome, secrets) =>
      Testing.PersonaSimulator.use((simulator) => simulator.complete(session.reference, inquiryStatus[outcome])).pipe(
        Effect.flatMap((webhook) => PersonaWebhook.sign({ secrets, event: ProviderHttp.decodeUtf8(webhook.rawBody) }))
      )
  },
  // The end-user walks away: Persona expires the inquiry and sends inquiry.expired.
  abandon: (session) => Testing.PersonaSimulator.use((simulator) => simulator.complete(session.reference, "expired")),
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
