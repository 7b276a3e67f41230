/**
 * A provider that fails as a vendor's API does — the first starts and polls with the reasons given (a 429 with
 * `Retry-After`, a 5xx, a timeout), then as the sandbox — and records when each call came, so tests can see the
 * engine's retries and their spacing.
 */
import { ProviderName } from "@assure/core"
import { ProviderError, ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import { Effect } from "effect"
import { webhookSecret } from "./engine.js"

export interface Plan {
  /** How the first starts fail, in order; the ones after succeed. */
  readonly startFailures?: ReadonlyArray<ProviderError.Reason> | undefined
  /** How the first polls for the result fail, in order. */
  readonly fetchFailures?: ReadonlyArray<ProviderError.Reason> | undefined
}

/** When each call came (ms since the epoch). */
export interface Calls {
  readonly starts: Array<number>
  readonly fetches: Array<number>
}

export const flakyName = ProviderName.ProviderName.make("flaky")

/** Registers the provider `flaky`: the sandbox (no webhooks sent, results ready at once) behind planned failures. */
export const flakyProvider = (plan: Plan, calls: Calls) =>
  ProviderRegistry.register(
    Effect.map(SandboxProvider.make({ webhookSecrets: [webhookSecret], latency: 0 }), (sandbox) => {
      const planned = (failures: ReadonlyArray<ProviderError.Reason> | undefined, made: Array<number>) =>
        Effect.suspend(() => {
          made.push(Date.now())
          const failure = failures?.[made.length - 1]
          return failure === undefined ? Effect.void : Effect.fail(ProviderError.make(flakyName, failure))
        })
      return {
        ...sandbox,
        name: flakyName,
        start: (request: Parameters<typeof sandbox.start>[0]) =>
          Effect.andThen(planned(plan.startFailures, calls.starts), sandbox.start(request)),
        fetchResult: (request: Parameters<typeof sandbox.fetchResult>[0]) =>
          Effect.andThen(planned(plan.fetchFailures, calls.fetches), sandbox.fetchResult(request))
      }
    })
  )
