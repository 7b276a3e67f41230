/**
 * The whole engine as one layer: the dossier, process and notification services, the signals between them and the
 * durable work, and that work — one sweeper per cluster (a singleton) over the engine's own tables, see
 * `DurableWork`.
 *
 * - {@link layerSingleRunner}: one process per database (the embedded SQLite store, or one PostgreSQL instance); the
 *   cluster is a `SingleRunner` over the application's database.
 * - {@link layer}: several instances on one PostgreSQL database; the application provides the cluster's `Sharding`
 *   (socket runners with distinct addresses, say `NodeClusterSocket.layer`), and the sweeper runs on one of them at a
 *   time.
 *
 * The application provides the `SqlClient` (migrated with `Migrations.run`), the `ProviderRegistry`, the
 * `FileStore`, the `PersonalDataCipher`, the `OutboundPolicy` (where clients' notification URLs may point) and the
 * `NotificationClient` that delivers notifications (its own HTTP client, which should check the addresses it connects
 * to; the providers keep the application's `HttpClient`).
 *
 * @since 0.1.0
 */
import type { ProviderRegistry } from "@assure/provider"
import { type Duration, Layer } from "effect"
import { type Sharding, SingleRunner } from "effect/cluster"
import { Digest } from "effect/crypto"
import type { SqlClient } from "effect/sql"
import * as Captures from "./Captures.js"
import * as CircuitBreaker from "./CircuitBreaker.js"
import * as Dossiers from "./Dossiers.js"
import * as DurableWork from "./DurableWork.js"
import type { FileStore } from "./FileStore.js"
import * as Signals from "./internal/signals.js"
import type { NotificationClient } from "./NotificationClient.js"
import * as Notifications from "./Notifications.js"
import * as OperatorSessions from "./OperatorSessions.js"
import type { OutboundPolicy } from "./OutboundPolicy.js"
import type { PersonalDataCipher } from "./PersonalDataCipher.js"
import * as Processes from "./Processes.js"
import * as Reviews from "./Reviews.js"
import * as Router from "./Router.js"
import * as Verifications from "./Verifications.js"

/** What the application provides. @since 0.1.0 */
export type Requirements =
  | SqlClient.SqlClient
  | ProviderRegistry.ProviderRegistry
  | FileStore
  | PersonalDataCipher
  | OutboundPolicy
  | NotificationClient

/** The engine's options. @since 0.1.0 */
export interface Options {
  /**
   * How often the single runner looks for the cluster's own due messages and refreshes its shards (default 1 second).
   * The engine's due work does not wait for it: see `EngineConfig.sweepInterval`.
   */
  readonly pollInterval?: Duration.Input | undefined
  /** When the retention purge runs, as a cron expression (default: hourly). */
  readonly retentionSchedule?: string | undefined
  /** The circuit breaker's settings (`CircuitBreaker.defaults` for those left out). */
  readonly circuitBreaker?: Partial<CircuitBreaker.Settings> | undefined
}

/** The services the engine provides. @since 0.2.0 */
export type Services =
  | Dossiers.Dossiers
  | Processes.Processes
  | Verifications.Verifications
  | Notifications.Notifications
  | Router.Router
  | CircuitBreaker.CircuitBreaker
  | Captures.Captures
  | Reviews.Reviews
  | OperatorSessions.OperatorSessions

/**
 * The services and their durable work over the cluster `Sharding` the application provides (socket runners sharing
 * one PostgreSQL database, say).
 *
 * @since 0.2.0
 */
export const layer = (options: Options = {}): Layer.Layer<Services, never, Requirements | Sharding.Sharding> => {
  const services = Layer.mergeAll(Dossiers.layer, Processes.layer, Verifications.layer, Notifications.layer).pipe(
    Layer.provideMerge(Router.layer),
    Layer.provideMerge(Layer.merge(Signals.layer, CircuitBreaker.layer(options.circuitBreaker)))
  )
  const withCaptures = Layer.merge(services, Captures.layer.pipe(Layer.provide(services)))
  return Layer.mergeAll(
    withCaptures,
    Reviews.layer.pipe(Layer.provide(withCaptures)),
    OperatorSessions.layer,
    DurableWork.layer(options).pipe(Layer.provide(services))
  )
}

/**
 * The engine on one runner: the services, their durable work, and a `SingleRunner` cluster over the application's
 * database. Never run two processes on one database with it; use {@link layer} with real runners to scale out.
 *
 * @since 0.1.0
 */
export const layerSingleRunner = (options: Options = {}): Layer.Layer<Services, never, Requirements> =>
  layer(options).pipe(
    Layer.provide(
      SingleRunner.layer({
        shardingConfig: {
          entityMessagePollInterval: options.pollInterval ?? "1 second",
          entityReplyPollInterval: options.pollInterval ?? "1 second"
        }
      }).pipe(Layer.provide(Digest.layerWebCrypto), Layer.orDie)
    )
  )
