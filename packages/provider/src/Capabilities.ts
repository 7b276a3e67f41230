/**
 * What a provider can do. The engine reads them to choose a flow (upload files, or send the end-user to a URL; wait
 * for a webhook, or poll), and the conformance suite reads them to choose which checks apply.
 *
 * Vendors that meet the end-user themselves come in two kinds, and the flags keep them apart:
 *
 * - **redirect** (eID brokers): the end-user's return carries the result (`code` and `state`), and `complete` reads
 *   it. An end-user who cancels comes back with an error (`access_denied`).
 * - **hosted flow** (Onfido Studio, Veriff, Stripe Identity): the vendor hosts the capture page; `start` gives its
 *   URL or an SDK token; the end-user may come back to the return URL, but that return proves nothing, and the
 *   result comes by webhook or polling. An end-user who gives up is reported, if at all, the same way.
 *
 * Cancelling is two separate things: the end-user cancelling (or abandoning) at the vendor, which the vendor reports
 * (`endUserCancel`), and our API cancelling a started verification at the vendor (`cancel`). Many hosted vendors
 * can do the first and not the second.
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
  /**
   * Sends the end-user to a URL, and the end-user's return carries the result, which `complete` reads (eID brokers:
   * `code` and `state`). A vendor's hosted page that merely sends the end-user back is `hostedFlow`, not this.
   */
  readonly redirect: boolean
  /**
   * The vendor hosts the capture: `start` gives a URL (`redirectUrl`) or an SDK token (`clientToken`) for the
   * end-user, and the result comes by webhook or polling, not with the end-user's return.
   */
  readonly hostedFlow: boolean
  /** Tells the result through signed webhooks. */
  readonly webhooks: boolean
  /** The result can be fetched (polled) at any time. */
  readonly polling: boolean
  /**
   * The end-user can cancel or abandon the verification at the vendor (broker or hosted page), and the vendor reports
   * it — through the return (`redirect`), a webhook or polling — so the process ends `canceled`.
   */
  readonly endUserCancel: boolean
  /** Our API can cancel a started verification at the vendor (`cancel`); the engine does when a client cancels. */
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
  endUserCancel: false,
  cancel: false
}
