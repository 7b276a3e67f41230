/**
 * `@assure/engine`: what the Assure API does behind its endpoints, as a library any service can embed.
 *
 * @since 0.1.0
 */

/** Hosted capture sessions: a short-lived link bound to one dossier, used once. @since 0.2.0 */
export * as Captures from "./Captures.js"
/** A circuit breaker per tenant and provider, which routing asks and every provider call informs. @since 0.2.0 */
export * as CircuitBreaker from "./CircuitBreaker.js"
/** Dossiers, their identity data and files. @since 0.1.0 */
export * as Dossiers from "./Dossiers.js"
/** The long-running work: due rows in the engine's tables, done by one sweeper per cluster. @since 0.1.0 */
export * as DurableWork from "./DurableWork.js"
/** The whole engine as one layer. @since 0.1.0 */
export * as Engine from "./Engine.js"
/** Timeouts, polling, notification retries, retention and event subscriptions. @since 0.1.0 */
export * as EngineConfig from "./EngineConfig.js"
/** What engine operations fail with. @since 0.1.0 */
export * as EngineError from "./EngineError.js"
/** What the engine records as Effect metrics, and the backlog gauges read from its tables. @since 0.2.0 */
export * as EngineMetrics from "./EngineMetrics.js"
/** Which files are accepted: sniffed types and limits per kind. @since 0.1.0 */
export * as FileContent from "./FileContent.js"
/** Where file bytes live. @since 0.1.0 */
export * as FileStore from "./FileStore.js"
/** A finished process's full result, streamed as a zip. @since 0.2.0 */
export * as FullResult from "./FullResult.js"
/** Signals from the services to the durable work, so that what they queue starts at once. @since 0.1.0 */
export * as Lifecycle from "./Lifecycle.js"
/** The Assure matching rules. @since 0.1.0 */
export * as Matching from "./Matching.js"
/** The database schema. @since 0.1.0 */
export * as Migrations from "./Migrations.js"
/** The HTTP client that delivers notifications, and only them. @since 0.1.0 */
export * as NotificationClient from "./NotificationClient.js"
/** Notifying clients, until they acknowledge. @since 0.1.0 */
export * as Notifications from "./Notifications.js"
/** The operator console's sessions: hashed tokens, idle and absolute expiry, one-time codes used once. @since 0.2.0 */
export * as OperatorSessions from "./OperatorSessions.js"
/** Where requests whose target a client chooses may go: https, public addresses. @since 0.1.0 */
export * as OutboundPolicy from "./OutboundPolicy.js"
/** AES-256-GCM encryption at rest with key rotation. @since 0.1.0 */
export * as PersonalDataCipher from "./PersonalDataCipher.js"
/** Processes as tenants see them: create, read, files, request verification, cancel, match. @since 0.1.0 */
export * as Processes from "./Processes.js"
/** The retention period: purging old dossiers, and the audit trail after its own period. @since 0.1.0 */
export * as Retention from "./Retention.js"
/** When a failed provider call is made again: backoff, jitter and the provider's `retryAfter`. @since 0.2.0 */
export * as RetryPolicy from "./RetryPolicy.js"
/** Reviews: reviewers' decisions beside the providers' statuses, claims, the queue and the audit trail. @since 0.2.0 */
export * as Reviews from "./Reviews.js"
/** Routing applied: tenants' stored policies, the server's default, and the decision for `provider: "auto"`. @since 0.2.0 */
export * as Router from "./Router.js"
/** Provider routing: tenant policies, their validation, and the routing decision with its audit. @since 0.2.0 */
export * as Routing from "./Routing.js"
/** Tenants: the API clients that own data. @since 0.1.0 */
export * as Tenant from "./Tenant.js"
/** The verification lifecycle: webhooks, redirects, polling, retries and deadlines, to the final status. @since 0.2.0 */
export * as Verifications from "./Verifications.js"
