/**
 * What a provider can do. The engine reads them to choose a flow (upload files, or send the end-user to a URL; wait
 * for a webhook, or poll), and the conformance suite reads them to choose which checks apply.
 *
 * @since 0.1.0
 */

/** The flows and features a provider supports. @since 0.1.0 */
export interface Capabilities {
  /** Accepts images of the document (`front`, `back`) uploaded by the client. */
  readonly documentImages: boolean
  /** Accepts a `selfie` and compares it with the document. */
  readonly selfie: boolean
  /** Accepts a `video`. */
  readonly video: boolean
  /** Accepts NFC chip data groups (as provider parameters). */
  readonly chipData: boolean
  /** Sends the end-user to a URL and completes when the provider redirects back (eID brokers). */
  readonly redirect: boolean
  /** Offers a capture page hosted by the vendor (a URL or an SDK token for the end-user). */
  readonly hostedFlow: boolean
  /** Tells the result through signed webhooks. */
  readonly webhooks: boolean
  /** The result can be fetched (polled) at any time. */
  readonly polling: boolean
  /** A started verification can be cancelled at the provider. */
  readonly cancel: boolean
}

/** A capability's name. @since 0.1.0 */
export type Capability = keyof Capabilities

/** Capabilities with every flag off, to spread and override: `{ ...none, webhooks: true }`. @since 0.1.0 */
export const none: Capabilities = {
  documentImages: false,
  selfie: false,
  video: false,
  chipData: false,
  redirect: false,
  hostedFlow: false,
  webhooks: false,
  polling: false,
  cancel: false
}
