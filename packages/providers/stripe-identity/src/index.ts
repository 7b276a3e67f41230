/**
 * `@assure/stripe-identity`: the assure adapter for Stripe Identity.
 *
 * @since 0.1.0
 */

/** The Stripe Identity API client, for calls the provider specification does not cover. @since 0.1.0 */
export * as StripeIdentityClient from "./StripeIdentityClient.js"
/** The Stripe Identity provider and its layer. @since 0.1.0 */
export * as StripeIdentityProvider from "./StripeIdentityProvider.js"
/** The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS`). @since 0.1.0 */
export { adapter } from "./StripeIdentityProvider.js"
/** Stripe Identity's signed webhooks. @since 0.1.0 */
export * as StripeIdentityWebhook from "./StripeIdentityWebhook.js"
