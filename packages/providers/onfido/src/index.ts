/**
 * `@assure/onfido`: the assure adapter for Onfido.
 *
 * @since 0.1.0
 */

/** The Onfido API client, for calls the provider specification does not cover. @since 0.1.0 */
export * as OnfidoClient from "./OnfidoClient.js"
/** The Onfido provider and its layer. @since 0.1.0 */
export * as OnfidoProvider from "./OnfidoProvider.js"
/** The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS`). @since 0.1.0 */
export { adapter } from "./OnfidoProvider.js"
/** Onfido's signed webhooks. @since 0.1.0 */
export * as OnfidoWebhook from "./OnfidoWebhook.js"
