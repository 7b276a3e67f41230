import { Capabilities, ProviderRegistry, Webhook } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Effect, Layer, Redacted } from "effect"
import { SandboxProvider, SandboxWebhook } from "../src/index.js"
import * as Testing from "../src/testing.js"

const secret = "whsec_sandbox_conformance"
const secrets = [Redacted.make(secret)]

const harness: ConformanceHarness.Harness = {
  provider: "sandbox",
  // Declared here, not read from the provider: the suite checks that the provider declares exactly these.
  capabilities: {
    ...Capabilities.none,
    documentImages: true,
    selfie: true,
    redirect: true,
    webhooks: true,
    polling: true,
    endUserCancel: true,
    cancel: true
  },
  secrets: [secret],
  startRequest: (outcome) => Effect.succeed(Testing.startRequest(outcome)),
  webhook: (session, outcome) =>
    Testing.webhook({
      secrets,
      reference: session.reference,
      outcome: {
        status: outcome,
        checks: [],
        ...(outcome === "accepted" ? { finalResult: SandboxProvider.specimen } : {})
      }
    }),
  staleWebhook: (session, outcome) =>
    Effect.flatMap(
      Effect.clockWith((clock) => clock.currentTimeMillis),
      (now) =>
        Testing.webhook({
          secrets,
          reference: session.reference,
          outcome: { status: outcome, checks: [] },
          timestamp: Math.floor(now / 1000) - 3600
        })
    ),
  // The sandbox signs like Stripe and Persona, and verifies with Webhook.verifyTimestamped: a header with several
  // signatures, as during a rotation, passes when one is made with the configured secret.
  webhookRotation: {
    secret,
    webhook: (session, outcome, signers) =>
      Effect.gen(function* () {
        const webhook = yield* Testing.webhook({
          secrets,
          reference: session.reference,
          outcome: { status: outcome, checks: [] }
        })
        const header = yield* Webhook.signTimestamped({ secrets: signers, payload: webhook.rawBody })
        return { ...webhook, headers: { ...webhook.headers, [SandboxWebhook.signatureHeader]: header } }
      })
  },
  redirectRequest: (outcome) => Effect.succeed(Testing.startRequest(outcome, { processType: "eid" })),
  callback: (session) =>
    Effect.sync(() => ({
      reference: session.reference,
      state: session.state,
      params: Object.fromEntries(new URL(session.redirectUrl ?? "").searchParams)
    })),
  vendorFailure: {
    unauthorized: Effect.succeed(Testing.startRequest("unauthorized")),
    rateLimited: Effect.succeed(Testing.startRequest("rateLimited")),
    unavailable: Effect.succeed(Testing.startRequest("unavailable")),
    timeout: Effect.succeed(Testing.startRequest("timeout"))
  }
}

Conformance.suite({
  harness,
  layer: SandboxProvider.layer({ webhookSecrets: secrets }).pipe(Layer.provideMerge(ProviderRegistry.layer))
})
