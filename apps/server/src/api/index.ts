/**
 * The Assure-compatible API's definition, for TypeScript clients: `HttpApiClient.make(AssureApi, …)` gives a typed
 * client of every endpoint.
 */
export { AssureApi } from "./Api.js"
export * as Problems from "./Problems.js"
export { Authorization, CurrentClient } from "./Security.js"
