/**
 * Headers that keep identity data and tokens out of caches: `Cache-Control: no-store` on every response of the API
 * (`/assure/…`, errors included), of the end-user's return from a provider (`/callbacks/…`) and of the token
 * endpoint, which also says `Pragma: no-cache` as RFC 6749 §5.1 asks of token responses.
 *
 * A global router middleware, installed outside every other one (see App.ts), so it also marks the problems they
 * answer with. (A 408 for a request that never arrived is written by HttpTimeouts.ts, with the same header.)
 */
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { pathOf } from "./RequestText.js"

/** The path of the token endpoint. */
const tokenPath = "/auth/open/connect/token"

const noStore = { "cache-control": "no-store" }
const tokenHeaders = { "cache-control": "no-store", pragma: "no-cache" }

/** The headers a response to `pathname` gets, if any. */
export const headersFor = (pathname: string): Readonly<Record<string, string>> | undefined => {
  if (pathname === tokenPath || pathname === `${tokenPath}/`) return tokenHeaders
  if (pathname === "/assure" || pathname.startsWith("/assure/") || pathname.startsWith("/callbacks/")) return noStore
  return undefined
}

/** The middleware, for every route (and for requests no route takes). */
export const layer = HttpRouter.middleware(
  (httpEffect) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      // The path as sent: the one the router matches.
      const headers = headersFor(pathOf(request.url))
      return headers === undefined ? httpEffect : Effect.map(httpEffect, HttpServerResponse.setHeaders(headers))
    }),
  { global: true }
)
