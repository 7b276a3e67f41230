/**
 * The name an identity provider is registered under, as the Assure API's `provider` field carries it
 * (`onfido`, `signicatpaper`, `stripe-identity`): lower-case letters and digits, words joined by `-`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** A provider's registered name. @since 0.1.0 */
export const ProviderName = /* @__PURE__ */ Schema.String.check(
  Schema.isPattern(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/u, {
    expected: "a provider name: lower-case letters and digits, words joined by '-'"
  }),
  Schema.isMaxLength(64)
).pipe(
  Schema.brand("ProviderName"),
  Schema.annotate({ identifier: "ProviderName", description: "The name an identity provider is registered under" })
)

/** A provider's registered name. @since 0.1.0 */
export type ProviderName = typeof ProviderName.Type
