/**
 * `@assure/provider`: the provider specification every identity-provider adapter implements, its errors, the
 * registry that holds many providers side by side, and the webhook and HTTP helpers adapters share.
 *
 * @since 0.1.0
 */

/** The adapter-module contract: what an adapter package exports so that a host loads it by configuration. @since 0.1.0 */
export * as AdapterModule from "./AdapterModule.js"
/** The flows and features a provider supports. @since 0.1.0 */
export * as Capabilities from "./Capabilities.js"
/** Vendor code tables: vendor codes to our values, with a typed error or a documented fallback for unknown codes. @since 0.1.0 */
export * as CodeTable from "./CodeTable.js"
/** How the end-user takes part in each process type: photos to upload, or a hand-over to the provider. @since 0.2.0 */
export * as EndUserFlow from "./EndUserFlow.js"
/** The host's public URL, a service a host provides to the adapters it loads. @since 0.1.0 */
export * as HostPublicUrl from "./HostPublicUrl.js"
/** The provider interface, its requests and results, and `make` for adapters. @since 0.1.0 */
export * as IdentityProvider from "./IdentityProvider.js"
/** Typed provider parameters, keyed by provider name (augmented by adapters). @since 0.1.0 */
export * as ProcessParameters from "./ProcessParameters.js"
/** The one error type of provider operations, with its `reason` union. @since 0.1.0 */
export * as ProviderError from "./ProviderError.js"
/** HTTP helpers over Effect's `HttpClient`: credentials, signing, timeouts, error classification. @since 0.1.0 */
export * as ProviderHttp from "./ProviderHttp.js"
/** The registry of configured providers. @since 0.1.0 */
export * as ProviderRegistry from "./ProviderRegistry.js"
/** Webhook signatures: HMAC over the raw body and the timestamped `t=,v1=` scheme. @since 0.1.0 */
export * as Webhook from "./Webhook.js"
