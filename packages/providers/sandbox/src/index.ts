/**
 * `@assure/sandbox`: a deterministic identity provider for development, demos and tests.
 *
 * @since 0.1.0
 */

/** The sandbox provider and its layer. @since 0.1.0 */
export * as SandboxProvider from "./SandboxProvider.js"
/** The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS`). @since 0.1.0 */
export { adapter } from "./SandboxProvider.js"
/** The sandbox's signed `verification.completed` webhooks. @since 0.1.0 */
export * as SandboxWebhook from "./SandboxWebhook.js"
/** The magic values that decide how a verification ends. @since 0.1.0 */
export * as Scenario from "./Scenario.js"
