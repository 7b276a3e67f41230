/**
 * Helpers for testing an integration against the sandbox: start requests that end in a chosen scenario, and the
 * signed webhooks the sandbox would send. (The sandbox needs no simulator: it is one.)
 *
 * @since 0.1.0
 */
import { Identifiers, ProcessType } from "@assure/core"
import type { IdentityProvider, Webhook } from "@assure/provider"
import type { Effect } from "effect"
import * as SandboxWebhook from "./SandboxWebhook.js"
import type * as Scenario from "./Scenario.js"

// A 1×1 PNG stands in for document and selfie images.
const image = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (char) => char.charCodeAt(0)
)

/**
 * A start request for the sandbox that ends in `scenario`, with the images the process type needs.
 *
 * @since 0.1.0
 */
export const startRequest = (
  scenario: Scenario.Scenario,
  options: { readonly processType?: "document" | "documentSelfie" | "eid"; readonly returnUrl?: string } = {}
): IdentityProvider.StartRequest<unknown> => {
  const processType = options.processType ?? "documentSelfie"
  const id = globalThis.crypto.randomUUID()
  return {
    dossierId: Identifiers.DossierId.make(`d-${id}`),
    processId: Identifiers.ProcessId.make(`p-${id}`),
    processType: ProcessType.ProcessType.make(processType),
    parameters: { scenario },
    files:
      processType === "eid"
        ? []
        : [
            { kind: "front", mediaType: "image/png", bytes: image },
            ...(processType === "documentSelfie"
              ? [{ kind: "selfie" as const, mediaType: "image/png", bytes: image }]
              : [])
          ],
    returnUrl: options.returnUrl ?? "https://client.example/return",
    idempotencyKey: id
  }
}

/**
 * The signed webhook the sandbox sends when a session ends with `status` (with the specimen identity when accepted).
 *
 * @since 0.1.0
 */
export const webhook = (options: {
  readonly secrets: ReadonlyArray<Webhook.Secret>
  readonly reference: string
  readonly outcome: typeof SandboxWebhook.EventOutcome.Type
  readonly timestamp?: number
}): Effect.Effect<IdentityProvider.WebhookRequest> => SandboxWebhook.sign(options)
