import { Identifiers, ProcessType } from "@assure/core"
import { ProviderRegistry, Webhook } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Effect, Layer, Redacted } from "effect"
import * as AcmeProvider from "../src/AcmeProvider.js"

const secret = "whsec_acme_release_proof"
const webhookSecret = Redacted.make(secret)

const png = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (char) => char.charCodeAt(0)
)

const harness: ConformanceHarness.Harness = {
  provider: "acme",
  capabilities: AcmeProvider.capabilities,
  secrets: [secret],
  startRequest: (outcome) =>
    Effect.sync(() => {
      const id = globalThis.crypto.randomUUID()
      return {
        dossierId: Identifiers.DossierId.make(`d-${id}`),
        processId: Identifiers.ProcessId.make(`p-${id}`),
        processType: ProcessType.ProcessType.make("document"),
        parameters: { outcome },
        files: [{ kind: "front", mediaType: "image/png", bytes: png }],
        idempotencyKey: id
      }
    }),
  webhook: (session, outcome) =>
    Effect.gen(function* () {
      const body = JSON.stringify({
        id: `evt_${globalThis.crypto.randomUUID()}`,
        reference: session.reference,
        outcome
      })
      const signature = yield* Webhook.sign({
        algorithm: "SHA-256",
        encoding: "hex",
        secret: webhookSecret,
        payload: body
      })
      return { headers: { "acme-signature": signature }, rawBody: new TextEncoder().encode(body) }
    })
}

Conformance.suite({
  harness,
  layer: AcmeProvider.layer({ webhookSecret }).pipe(Layer.provideMerge(ProviderRegistry.layer))
})
