/**
 * `@assure/api`: the Assure-compatible HTTP API as a contract, shared by the server that implements it and the
 * services that call it.
 *
 * - `Api`: the `HttpApi` definition (`AssureApi`) and the request and response bodies with their types.
 * - `AssureClient`: a typed client for a server's address and an access token, and the token request.
 * - `Problems`: the problem details (RFC 9457) the API answers with, one class per status.
 * - `Security`: the bearer-token middleware the API declares.
 */

/** The `HttpApi` definition and its wire schemas. */
export * as Api from "./Api.js"

/** The typed client. */
export * as AssureClient from "./AssureClient.js"

/** The problems the API answers with. */
export * as Problems from "./Problems.js"

/** The bearer-token middleware. */
export * as Security from "./Security.js"
