/**
 * `@assure/persona`: the assure adapter for Persona.
 *
 * @since 0.1.0
 */

/** The Persona API client, for calls the provider specification does not cover. @since 0.1.0 */
export * as PersonaClient from "./PersonaClient.js"
/** The Persona provider and its layer. @since 0.1.0 */
export * as PersonaProvider from "./PersonaProvider.js"
/** The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS`). @since 0.1.0 */
export { adapter } from "./PersonaProvider.js"
/** Persona's signed webhooks. @since 0.1.0 */
export * as PersonaWebhook from "./PersonaWebhook.js"
