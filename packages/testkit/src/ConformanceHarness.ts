/**
 * What an adapter author implements so the conformance suite can drive their adapter: how to make the vendor reach
 * each outcome, deliver a signed webhook, send the end-user back from a redirect, and fail in each way a vendor
 * fails. The suite reads the provider's capabilities to decide which checks apply; a check whose harness hook is
 * missing is skipped, never weakened.
 *
 * For an adapter that wraps a remote vendor, the harness usually drives the adapter's own simulator (its `testing`
 * entry); for the sandbox, it uses the sandbox's magic values.
 *
 * @since 0.1.0
 */
import type { Capabilities, IdentityProvider, Webhook } from "@assure/provider"
import type { SimulatorFault } from "@assure/provider/testing"
import type { Effect } from "effect"

/** A final outcome the harness can make the vendor reach. @since 0.1.0 */
export type Outcome = "accepted" | "rejected" | "inconclusive"

/** A way a vendor fails: the failures a simulator built on `@assure/provider/testing` arms. @since 0.1.0 */
export type VendorFailure = SimulatorFault.VendorFailure

/** Every vendor failure, in the order the suite checks them. @since 0.1.0 */
export const vendorFailures: ReadonlyArray<VendorFailure> = [
  "unauthorized",
  "rateLimited",
  "unavailable",
  "timeout",
  "malformedJson",
  "schemaInvalid"
]

/**
 * The harness contract. Its hooks may use services (`R`) that the suite's layer provides — a simulator, say.
 *
 * @since 0.1.0
 */
export interface Harness<R = never> {
  /** The name the provider is registered under. */
  readonly provider: string
  /** The capabilities the provider must declare. */
  readonly capabilities: Capabilities.Capabilities
  /** Every secret the adapter is configured with (API keys, webhook secrets): none may appear in errors or logs. */
  readonly secrets: ReadonlyArray<string>
  /**
   * A start request whose verification ends in `outcome`; `"pending"` means it stays unresolved until a webhook
   * (or a redirect callback) says otherwise.
   */
  readonly startRequest: (
    outcome: Outcome | "pending"
  ) => Effect.Effect<IdentityProvider.StartRequest<unknown>, never, R>
  /** The webhook the vendor sends when the session ends in `outcome`, signed as the vendor signs. */
  readonly webhook?:
    | ((
        session: IdentityProvider.Session,
        outcome: Outcome
      ) => Effect.Effect<IdentityProvider.WebhookRequest, never, R>)
    | undefined
  /** The same webhook signed long enough ago to be refused (schemes with a timestamp only). */
  readonly staleWebhook?:
    | ((
        session: IdentityProvider.Session,
        outcome: Outcome
      ) => Effect.Effect<IdentityProvider.WebhookRequest, never, R>)
    | undefined
  /**
   * For vendors that send several signatures in one header while they rotate their webhook secret (Stripe: several
   * `v1=`; Persona: several `t=…,v1=…` sets). Set it only if your vendor does: the suite then checks that a webhook
   * signed with the configured secret next to an unknown one passes, in either order, and that one signed only with
   * unknown secrets is refused.
   */
  readonly webhookRotation?:
    | {
        /** A webhook secret the adapter is configured with (it is also in `secrets`). */
        readonly secret: string
        /**
         * The webhook for `outcome`, with one signature per secret of `secrets` in its header, in that order, laid
         * out as the vendor lays them out during a rotation.
         */
        readonly webhook: (
          session: IdentityProvider.Session,
          outcome: Outcome,
          secrets: ReadonlyArray<Webhook.Secret>
        ) => Effect.Effect<IdentityProvider.WebhookRequest, never, R>
      }
    | undefined
  /**
   * For providers with a `hostedFlow` next to another flow (Onfido's Studio workflow runs beside its checks): a
   * start request for the hosted flow. Without it, `startRequest` is used for the hosted-flow checks.
   */
  readonly hostedRequest?:
    | ((outcome: Outcome | "pending") => Effect.Effect<IdentityProvider.StartRequest<unknown>, never, R>)
    | undefined
  /**
   * For providers that declare `endUserCancel` and report it by webhook or polling (not through a redirect's
   * `callback`): the end-user walking away from, or cancelling, the hosted session at the vendor. Returns the webhook
   * the vendor sends then, or `undefined` when it sends none (the suite then polls).
   */
  readonly abandon?:
    | ((session: IdentityProvider.Session) => Effect.Effect<IdentityProvider.WebhookRequest | undefined, never, R>)
    | undefined
  /**
   * For providers that also run a redirect flow next to their main one (the sandbox's `eid` process type): a start
   * request for the redirect flow that ends in `outcome`. Without it, `startRequest` is used for redirect checks.
   */
  readonly redirectRequest?:
    | ((outcome: Outcome | "canceled") => Effect.Effect<IdentityProvider.StartRequest<unknown>, never, R>)
    | undefined
  /** The end-user coming back from a redirect flow, having reached `outcome` or cancelled. */
  readonly callback?:
    | ((
        session: IdentityProvider.Session,
        outcome: Outcome | "canceled"
      ) => Effect.Effect<IdentityProvider.CallbackRequest, never, R>)
    | undefined
  /**
   * For each failure the harness can simulate: arms it and returns a start request that the vendor will answer
   * with that failure. Failures left out are skipped.
   */
  readonly vendorFailure?:
    | Partial<Record<VendorFailure, Effect.Effect<IdentityProvider.StartRequest<unknown>, never, R>>>
    | undefined
}
