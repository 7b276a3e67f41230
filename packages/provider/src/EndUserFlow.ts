/**
 * How the end-user takes part in a process type, for a page that meets them (the hosted capture page).
 *
 * Capabilities are per provider, but the end-user's part is per process type: Veriff's `documentSelfie` sends the
 * end-user to Veriff while its `documentSelfieUpload` takes photos; Onfido's `document` takes photos while its
 * `workflow` is a Studio hosted flow. An adapter declares one entry per process type in its definition's
 * `endUserFlows`; for an adapter that does not (a third party's written before this existed), {@link derive} works
 * it out from the capabilities where they leave no doubt.
 *
 * @since 0.2.0
 */
import type { FileKind, ProcessType } from "@assure/core"
import type { Capabilities } from "./Capabilities.js"

/**
 * How the end-user takes part in a process type, for a page that meets them (the hosted capture page).
 *
 * @since 0.2.0
 */
export type EndUserFlow =
  /** Photos are uploaded for the provider: `kinds` are those it needs, in order (`front`, then `selfie`…). */
  | { readonly flow: "images"; readonly kinds: ReadonlyArray<FileKind.UploadableKind> }
  /** The end-user is sent to the provider (`start` gives `redirectUrl`: an eID broker or the vendor's hosted page) and comes back to the return URL. */
  | { readonly flow: "handOver" }

/** An adapter's declarations, one per process type it runs (those it leaves out are derived). @since 0.2.0 */
export type Declarations = { readonly [processType: string]: EndUserFlow }

/** The end-user's part for a process type whose photos are uploaded. @since 0.2.0 */
export const images = (kinds: ReadonlyArray<FileKind.UploadableKind>): EndUserFlow => ({ flow: "images", kinds })

/** The end-user's part for a process type that sends them to the provider and back. @since 0.2.0 */
export const handOver: EndUserFlow = { flow: "handOver" }

/**
 * The end-user's part in a process type for an adapter that did not declare it, from its capabilities, where they
 * leave no doubt: a process type it does not run has none; a provider that only meets the end-user itself
 * (`redirect` or `hostedFlow`, no `documentImages`) hands over; one that only takes uploads takes the photos of the
 * two process types whose photos everyone agrees on (`document`: the front; `documentSelfie`: the front and, with
 * `selfie`, a selfie). Anything else is undefined — a page cannot guess — and such an adapter must declare.
 *
 * @since 0.2.0
 */
export const derive = (
  capabilities: Capabilities,
  processTypes: ReadonlyArray<ProcessType.ProcessType>,
  processType: string
): EndUserFlow | undefined => {
  if (!processTypes.some((runs) => runs === processType)) return undefined
  const meetsTheEndUser = capabilities.redirect || capabilities.hostedFlow
  if (meetsTheEndUser && !capabilities.documentImages) return handOver
  if (meetsTheEndUser || !capabilities.documentImages) return undefined
  if (processType === "document") return images(["front"])
  // Without `selfie` the provider would refuse the selfie a documentSelfie process needs: no page can capture for it.
  if (processType === "documentSelfie" && capabilities.selfie) return images(["front", "selfie"])
  return undefined
}
