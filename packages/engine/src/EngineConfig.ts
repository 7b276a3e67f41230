/**
 * How long things may take, and where tenants' events go. Every value has a default; provide the reference to change
 * them (`Layer.succeed(EngineConfig.EngineConfig, { ...EngineConfig.defaults, resultTimeout: "1 hour" })`).
 *
 * @since 0.1.0
 */
import { Context, type Duration, type Redacted } from "effect"
import type * as RetryPolicy from "./RetryPolicy.js"
import type * as Routing from "./Routing.js"

/** Where a tenant receives signed `process.complete` events, and the secrets that sign them (two during rotation). @since 0.1.0 */
export interface EventSubscription {
  readonly url: string
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
}

/** The engine's settings. @since 0.1.0 */
export interface Settings {
  /** A process with no result after this long ends as `failed` (reason `timeout`). */
  readonly resultTimeout: Duration.Input
  /** How often a waiting process asks its provider, at first and at most (the interval doubles in between). */
  readonly pollInterval: { readonly initial: Duration.Input; readonly max: Duration.Input }
  /** Provider calls that failed retryably (start, poll): backoff with jitter, at least the provider's `retryAfter`. */
  readonly providerRetries: RetryPolicy.Settings
  /**
   * How often the sweeper looks for due work it was not told about: work queued by another instance, or due while
   * this one was down. Work this instance queues wakes it at once.
   */
  readonly sweepInterval: Duration.Input
  /** Notifications to clients: the time a client has to answer, the retry backoff, and when to give up. */
  readonly notifications: {
    readonly requestTimeout: Duration.Input
    readonly retryInitial: Duration.Input
    readonly retryMax: Duration.Input
    readonly expireAfter: Duration.Input
  }
  /** Dossiers older than this are deleted with everything about them; `undefined` keeps them. */
  readonly retention: Duration.Input | undefined
  /** Each tenant's event subscription, if it has one. */
  readonly eventSubscriptions: Readonly<Record<string, EventSubscription>>
  /**
   * The routing policy of tenants without one of their own, for processes created with `provider: "auto"`; without
   * it, such a tenant must set its own first. Check it with `Routing.validate` before use.
   */
  readonly routingPolicy?: Routing.Policy | undefined
  /** How long a hosted capture link works after it was made, unless it is submitted before (default 30 minutes). */
  readonly captureLifetime: Duration.Input
  /**
   * Reviews: the reason codes a rejection may give, how long a reviewer's claim on a process lasts unless renewed
   * (default 30 minutes), and how long the audit trail is kept (default 400 days), whatever the dossiers' retention.
   */
  readonly review: {
    readonly rejectionReasons: ReadonlyArray<string>
    readonly claimFor: Duration.Input
    readonly auditRetention: Duration.Input
  }
}

/**
 * The defaults: a day to a result, polling from 5 s up to 5 min, failed provider calls retried from 1 s up to 5 min
 * (a start 10 times), due work looked for every second, notifications retried for 3 days, capture links valid for 30
 * minutes, review claims for 30 minutes and the audit trail for 400 days.
 *
 * @since 0.1.0
 */
export const defaults: Settings = {
  resultTimeout: "24 hours",
  pollInterval: { initial: "5 seconds", max: "5 minutes" },
  providerRetries: { initial: "1 second", max: "5 minutes", retryAfterCap: "15 minutes", maxStartAttempts: 10 },
  sweepInterval: "1 second",
  notifications: {
    requestTimeout: "10 seconds",
    retryInitial: "10 seconds",
    retryMax: "1 hour",
    expireAfter: "3 days"
  },
  retention: undefined,
  eventSubscriptions: {},
  captureLifetime: "30 minutes",
  review: {
    rejectionReasons: [
      "document_unreadable",
      "document_expired",
      "document_suspected_fake",
      "face_mismatch",
      "data_mismatch",
      "other"
    ],
    claimFor: "30 minutes",
    auditRetention: "400 days"
  }
}

/** The engine's settings, with defaults. @since 0.1.0 */
export const EngineConfig = Context.Reference<Settings>("@assure/engine/EngineConfig", { defaultValue: () => defaults })
