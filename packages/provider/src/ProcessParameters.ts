/**
 * Typed provider parameters, keyed by provider name — the shape of the Assure API's `processParameters`
 * (`{ "onfido": { … } }`).
 *
 * The specification does not know any vendor's options. Each adapter adds its own by augmenting
 * {@link ByProvider}, so that code which imports the adapter gets its options typed and code which does not is not
 * widened:
 *
 * ```ts
 * declare module "@assure/provider/ProcessParameters" {
 *   interface ByProvider {
 *     readonly sandbox: SandboxParameters
 *   }
 * }
 * ```
 *
 * At run time each provider validates its entry strictly with its own `parameters` schema.
 *
 * @since 0.1.0
 */

/** Provider parameters by provider name; adapters augment it. @since 0.1.0 */
// biome-ignore lint/suspicious/noEmptyInterface: the augmentation point adapters extend
export interface ByProvider {}

/** The `processParameters` of a process: each known provider's typed entry. @since 0.1.0 */
export type ProcessParameters = { readonly [Name in keyof ByProvider]?: ByProvider[Name] }

/** The parameters of one provider, or `unknown` for providers that did not augment {@link ByProvider}. @since 0.1.0 */
export type Of<Name extends string> = Name extends keyof ByProvider ? ByProvider[Name] : unknown
