/**
 * `@assure/icao`: ICAO 9303 travel documents checked locally — MRZ check digits and eMRTD chip passive
 * authentication — as an assure provider.
 *
 * @since 0.1.0
 */

/** ICAO 9303 check digits (weights 7, 3, 1). @since 0.1.0 */
export * as CheckDigit from "./CheckDigit.js"
/** The error of reading chip data. @since 0.1.0 */
export * as ChipError from "./ChipError.js"
/** eMRTD data groups: DG1's MRZ. @since 0.1.0 */
export * as DataGroup from "./DataGroup.js"
/** The provider and its layers. @since 0.1.0 */
export * as IcaoProvider from "./IcaoProvider.js"
/** The adapter module the assure server loads by configuration (`ASSURE_PROVIDERS`). @since 0.1.0 */
export { adapter } from "./IcaoProvider.js"
/** Machine-readable zones: reading, check digits, normalisation. @since 0.1.0 */
export * as Mrz from "./Mrz.js"
/** Passive authentication of chip data. @since 0.1.0 */
export * as PassiveAuthentication from "./PassiveAuthentication.js"
/** EF.SOD, the document security object. @since 0.1.0 */
export * as SecurityObject from "./SecurityObject.js"
/** CSCA certificates, master lists and CRLs. @since 0.1.0 */
export * as TrustStore from "./TrustStore.js"
/** Checks and the status they add up to; the MRZ-only check. @since 0.1.0 */
export * as Verification from "./Verification.js"
