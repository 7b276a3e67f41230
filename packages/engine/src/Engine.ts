/**
 * The whole engine as one layer: the dossier, process and notification services, and their durable work on a
 * single cluster runner over the application's database (`SingleRunner` — one process per database; for several
 * instances on PostgreSQL, provide a socket-runner `Sharding` instead and use {@link layerServices}).
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
import { ClusterWorkflowEngine, type Sharding, SingleRunner } from "effect/cluster"
import { Digest } from "effect/crypto"
import type { SqlClient } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import * as Dossiers from "./Dossiers.js"
import { lifecycleLayer, workflowsLayer } from "./DurableWork.js"
import type { FileStore } from "./FileStore.js"
import type { NotificationClient } from "./NotificationClient.js"
import * as Notifications from "./Notifications.js"
import type { OutboundPolicy } from "./OutboundPolicy.js"
import type { PersonalDataCipher } from "./PersonalDataCipher.js"
import * as Processes from "./Processes.js"
import * as Retention from "./Retention.js"

/** What the application provides. @since 0.1.0 */
export type Requirements =
  | SqlClient.SqlClient
  | ProviderRegistry.ProviderRegistry
  | FileStore
  | PersonalDataCipher
  | OutboundPolicy
  | NotificationClient

/**
 * The services and workflows over a `WorkflowEngine` the application provides (a cluster with socket runners, say).
 *
 * @since 0.1.0
 */
export const layerServices = Layer.mergeAll(Dossiers.layer, Processes.layer, Notifications.layer).pipe(
  Layer.provide(lifecycleLayer),
  (services) => Layer.merge(services, workflowsLayer.pipe(Layer.provide(services)))
)

/** How often the single runner looks for due timers and messages (default 1 second), and when retention runs. @since 0.1.0 */
export interface Options {
  readonly pollInterval?: Duration.Input | undefined
  /** When the retention purge runs, as a cron expression (default: hourly). */
  readonly retentionSchedule?: string | undefined
}

/**
 * The engine on one runner: the services, the workflows, the retention cron job, and a `SingleRunner` cluster storing
 * its messages in the application's database.
 *
 * @since 0.1.0
 */
export const layerSingleRunner = (options: Options = {}) => {
  const cluster: Layer.Layer<WorkflowEngine.WorkflowEngine | Sharding.Sharding, never, SqlClient.SqlClient> =
    ClusterWorkflowEngine.layer.pipe(
      Layer.provideMerge(
        SingleRunner.layer({
          shardingConfig: {
            entityMessagePollInterval: options.pollInterval ?? "1 second",
            entityReplyPollInterval: options.pollInterval ?? "1 second"
          }
        })
      ),
      Layer.provide(Digest.layerWebCrypto),
      Layer.orDie
    )
  const services = layerServices.pipe(Layer.provideMerge(cluster))
  return Layer.merge(services, Retention.cronLayer(options.retentionSchedule).pipe(Layer.provide(services)))
}
