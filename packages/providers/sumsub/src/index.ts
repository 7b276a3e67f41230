/**
 * `@assure/sumsub`: the assure adapter for Sumsub.
 *
 * @since 0.1.0
 */

/** The Sumsub API client, for calls the provider specification does not cover. @since 0.1.0 */
export * as SumsubClient from "./SumsubClient.js"
/** The Sumsub provider and its layer. @since 0.1.0 */
export * as SumsubProvider from "./SumsubProvider.js"
/** The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS`). @since 0.1.0 */
export { adapter } from "./SumsubProvider.js"
/** Sumsub's signed webhooks. @since 0.1.0 */
export * as SumsubWebhook from "./SumsubWebhook.js"
