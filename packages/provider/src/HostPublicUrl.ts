/**
 * The host's public URL: how end-users, vendors and the host itself reach the server that runs an adapter. An
 * adapter that must call the host back (the sandbox delivers its webhooks to `<url>/webhooks/<provider>`) requires it;
 * the host provides it.
 *
 * @since 0.1.0
 */
import { Context, Layer } from "effect"

/** The server's public URL, without a trailing slash (`https://assure.example.com`). @since 0.1.0 */
export class HostPublicUrl extends Context.Service<HostPublicUrl, { readonly url: string }>()(
  "@assure/provider/HostPublicUrl"
) {}

/** Provides the public URL; a trailing slash is removed. @since 0.1.0 */
export const layer = (url: string): Layer.Layer<HostPublicUrl> =>
  Layer.succeed(HostPublicUrl, HostPublicUrl.of({ url: url.replace(/\/+$/, "") }))

/** Where the host receives a provider's webhooks: `<url>/webhooks/<provider>`. @since 0.1.0 */
export const webhookUrl = (host: { readonly url: string }, provider: string): string =>
  `${host.url}/webhooks/${encodeURIComponent(provider)}`
