/**
 * The HTTP client that delivers notifications to API clients — and nothing else. Its targets are chosen by API
 * clients (a process's `notificationUrl`), unlike the providers' calls, which go where the operator configured them
 * through the application's own `HttpClient`; so this is the client that needs a guard, and it has its own service so
 * that the guard applies to deliveries only.
 *
 * The engine checks every delivery's URL with the {@link OutboundPolicy} before sending it. What it cannot check
 * without I/O is where a name leads: an application on a runtime with DNS should provide a client that resolves each
 * name, refuses the connection when an address fails `OutboundPolicy.checkAddress`, and connects to the address it
 * checked (the server's is an undici `Agent` whose connector does this), so a name that resolves to a public address
 * at creation and to `127.0.0.1` at delivery (DNS rebinding) gets nowhere. Whatever it is, the client must **not
 * follow redirects**: a redirect would take the request to a target nobody checked.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"

/** The client for notification deliveries. @since 0.1.0 */
export class NotificationClient extends Context.Service<NotificationClient, HttpClient.HttpClient>()(
  "@assure/engine/NotificationClient"
) {}

/**
 * Deliveries through the application's `HttpClient`, which must not follow redirects (and should check the addresses
 * it connects to, see the module's description).
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<NotificationClient, never, HttpClient.HttpClient> = Layer.effect(
  NotificationClient,
  Effect.gen(function* () {
    return yield* HttpClient.HttpClient
  })
)

/**
 * Deliveries with `fetch`, redirects not followed (`redirect: "manual"`): runs anywhere, but checks only what the URL
 * says, not the addresses a name resolves to. Use it where the network itself keeps deliveries away from internal
 * services, or in tests.
 *
 * @since 0.1.0
 */
export const layerFetch: Layer.Layer<NotificationClient> = Layer.effect(
  NotificationClient,
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    return HttpClient.transformResponse(
      client,
      Effect.provideService(FetchHttpClient.RequestInit, { redirect: "manual" })
    )
  })
).pipe(Layer.provide(FetchHttpClient.layer))
