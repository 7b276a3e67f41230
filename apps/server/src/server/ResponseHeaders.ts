/**
 * Headers that keep identity data and tokens out of caches: `Cache-Control: no-store` on every response of the API
 * (`/assure/…`, errors included), of the end-user's return from a provider (`/callbacks/…`) and of the token
 * endpoint, which also says `Pragma: no-cache` as RFC 6749 §5.1 asks of token responses.
 *
 * The hosted capture page (`/capture/…`) gets more: a strict Content-Security-Policy (its own script, stylesheet and
 * images only; no inline script or style, no other origin, no framing), `Referrer-Policy: no-referrer` (the link is a
 * credential), `X-Content-Type-Options: nosniff`, and a Permissions-Policy that lets only this origin use the camera.
 * The review console (`/console/…`) the same, stricter still: no script at all, and no camera.
 *
 * A global router middleware, installed outside every other one (see App.ts), so it also marks the problems they
 * answer with. (A 408 for a request that never arrived is written by HttpTimeouts.ts, with the same header.)
 */

import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { languageOf } from "./CaptureText.js"
import { pathOf } from "./RequestText.js"

/** The path of the token endpoint. */
const tokenPath = "/auth/open/connect/token"

const noStore = { "cache-control": "no-store" }
const tokenHeaders = { "cache-control": "no-store", pragma: "no-cache" }

/** The capture page's Content-Security-Policy. */
export const captureContentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const captureHeaders = {
  "cache-control": "no-store",
  "content-security-policy": captureContentSecurityPolicy,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(self), microphone=(), geolocation=()"
}

/** The review console's Content-Security-Policy: its own stylesheet and images, no script at all, no framing. */
export const consoleContentSecurityPolicy =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const consoleHeaders = {
  "cache-control": "no-store",
  "content-security-policy": consoleContentSecurityPolicy,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()"
}

/** The headers a response to `pathname` gets, if any. */
export const headersFor = (pathname: string): Readonly<Record<string, string>> | undefined => {
  if (pathname === tokenPath || pathname === `${tokenPath}/`) return tokenHeaders
  if (pathname === "/capture" || pathname.startsWith("/capture/")) return captureHeaders
  if (pathname === "/console" || pathname.startsWith("/console/")) return consoleHeaders
  if (pathname === "/assure" || pathname.startsWith("/assure/") || pathname.startsWith("/callbacks/")) return noStore
  return undefined
}

/** The middleware, for every route (and for requests no route takes). */
export const layer = HttpRouter.middleware(
  (httpEffect) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      // The path as sent: the one the router matches.
      const path = pathOf(request.url)
      const headers = headersFor(path)
      if (headers === undefined) return httpEffect
      // The capture page's words are in the language the browser asks for (CaptureText.ts); its assets are not.
      const localized =
        path.startsWith("/capture/") && !path.startsWith("/capture/assets/")
          ? { ...headers, "content-language": languageOf(request.headers["accept-language"]), vary: "Accept-Language" }
          : headers
      return Effect.map(httpEffect, HttpServerResponse.setHeaders(localized))
    }),
  { global: true }
)
