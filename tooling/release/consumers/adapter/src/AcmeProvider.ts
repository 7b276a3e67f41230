/**
 * "Acme", a made-up vendor, as an assure provider: the vendor decides an outcome per session (here, in memory),
 * reports it when asked (polling) and through webhooks signed with HMAC-SHA256 over the raw body.
 */
import { IdentityData, ProcessType, ProviderName } from "@assure/core"
import { type Capabilities, IdentityProvider, ProviderError, ProviderRegistry, Webhook } from "@assure/provider"
import { Effect, type Redacted, Schema } from "effect"

/** The capabilities Acme declares. */
export const capabilities: Capabilities.Capabilities = {
  documentImages: true,
  selfie: false,
  video: false,
  chipData: false,
  redirect: false,
  hostedFlow: false,
  webhooks: true,
  polling: true,
  endUserCancel: false,
  cancel: false
}

/** Acme's provider parameters: which outcome its test mode should reach. */
export const Parameters = Schema.Struct({
  outcome: Schema.Literals(["accepted", "rejected", "inconclusive", "pending"])
})

/** The body of an Acme webhook. */
const Event = Schema.Struct({ id: Schema.String, reference: Schema.String, outcome: Schema.String })

const name = ProviderName.ProviderName.make("acme")

const specimen = Schema.decodeUnknownSync(IdentityData.IdentityData)({
  firstName: "Ola",
  lastName: "Nordmann",
  dateOfBirth: "1990-01-31",
  nationality: "NOR",
  documentType: "passport"
})

/** Builds the provider with its own session store. */
export const make = (config: { readonly webhookSecret: Redacted.Redacted<string> }) =>
  Effect.sync(() => {
    const sessions = new Map<string, string>()
    const notFound = ProviderError.make("acme", new ProviderError.NotFound())
    return IdentityProvider.make({
      name,
      capabilities,
      processTypes: [ProcessType.ProcessType.make("document")],
      parameters: Parameters,
      documentTypes: Effect.succeed([{ documentType: "passport" }]),
      start: (request) =>
        Effect.sync(() => {
          const reference = `acme_${globalThis.crypto.randomUUID()}`
          sessions.set(reference, request.parameters.outcome)
          return { reference, status: "processing" as const }
        }),
      fetchResult: ({ reference }) => {
        const outcome = sessions.get(reference)
        if (outcome === undefined) return Effect.fail(notFound)
        const status = outcome === "pending" ? "processing" : (outcome as "accepted" | "rejected" | "inconclusive")
        return Effect.succeed({
          status,
          ...(status === "accepted" ? { finalResult: specimen } : {}),
          providerSpecific: { acmeOutcome: outcome },
          checks: [],
          files: []
        })
      },
      verifyWebhook: ({ headers, rawBody }) =>
        Effect.gen(function* () {
          yield* Webhook.verify({
            provider: "acme",
            algorithm: "SHA-256",
            encoding: "hex",
            secrets: [config.webhookSecret],
            payload: rawBody,
            signature: headers["acme-signature"]
          })
          const event = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(Event))(
            new TextDecoder().decode(rawBody)
          ).pipe(
            Effect.mapError(() =>
              ProviderError.make("acme", new ProviderError.InvalidResponse({ issue: "not an Acme event" }))
            )
          )
          if (!sessions.has(event.reference)) return yield* Effect.fail(notFound)
          sessions.set(event.reference, event.outcome)
          return { id: event.id, reference: event.reference, type: "verification.completed" }
        })
    })
  })

/** Registers Acme in the `ProviderRegistry`. */
export const layer = (config: { readonly webhookSecret: Redacted.Redacted<string> }) =>
  ProviderRegistry.register(make(config))
