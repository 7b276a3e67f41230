/**
 * `@assure/oidc`: the assure adapter for national eIDs through OpenID Connect brokers (Signicat, Idura, or any
 * other with a claim mapping).
 *
 * @since 0.1.0
 */

/** From a broker's claims to identity data: claim mappings and their normalisation. @since 0.1.0 */
export * as OidcClaims from "./OidcClaims.js"
/** The OpenID Connect client for one broker (discovery, authorization URL, code exchange, ID token, userinfo). @since 0.1.0 */
export * as OidcClient from "./OidcClient.js"
/** Presets for the documented brokers and their eIDs (Norwegian and Swedish BankID, MitID, iDIN). @since 0.1.0 */
export * as OidcPreset from "./OidcPreset.js"
/** The OpenID Connect eID provider and its layer. @since 0.1.0 */
export * as OidcProvider from "./OidcProvider.js"
/** The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS`). @since 0.1.0 */
export { adapter } from "./OidcProvider.js"
