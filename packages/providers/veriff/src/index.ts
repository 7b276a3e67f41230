/**
 * `@assure/veriff`: the assure adapter for Veriff.
 *
 * @since 0.1.0
 */

/** The Veriff API client, for calls the provider specification does not cover. @since 0.1.0 */
export * as VeriffClient from "./VeriffClient.js"
/** The Veriff provider and its layer. @since 0.1.0 */
export * as VeriffProvider from "./VeriffProvider.js"
/** The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS`). @since 0.1.0 */
export { adapter } from "./VeriffProvider.js"
/** Veriff's signed webhooks. @since 0.1.0 */
export * as VeriffWebhook from "./VeriffWebhook.js"
