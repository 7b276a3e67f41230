/**
 * `@assure/core`: the Assure identity-verification domain as Effect schemas, and the codecs that normalise
 * what identity providers send. No I/O; runs anywhere Effect runs.
 *
 * @since 0.1.0
 */

/** Structured postal addresses, and the codec from the parts providers send. @since 0.1.0 */
export * as Address from "./Address.js"
/** Calendar dates (`YYYY-MM-DD`) and the codecs from providers' date formats. @since 0.1.0 */
export * as CalendarDate from "./CalendarDate.js"
/** Countries as ISO 3166-1 alpha-3, and the codecs from alpha-2, numeric and ICAO codes. @since 0.1.0 */
export * as Country from "./Country.js"
/** Kinds of identity document. @since 0.1.0 */
export * as DocumentType from "./DocumentType.js"
/** Dossiers: an end-user's data, files and processes. @since 0.1.0 */
export * as Dossier from "./Dossier.js"
/** What the API says about a stored file. @since 0.1.0 */
export * as FileInfo from "./FileInfo.js"
/** What an image or video shows. @since 0.1.0 */
export * as FileKind from "./FileKind.js"
/** Branded identifiers of dossiers, processes and files. @since 0.1.0 */
export * as Identifiers from "./Identifiers.js"
/** Normalised identity data (`finalResult`, `userData`). @since 0.1.0 */
export * as IdentityData from "./IdentityData.js"
/** JSON Schema documents generated from the public schemas. @since 0.1.0 */
export * as JsonSchemas from "./JsonSchemas.js"
/** Names of people, normalised. @since 0.1.0 */
export * as PersonName from "./PersonName.js"
/** RFC 9457 problem details. @since 0.1.0 */
export * as Problem from "./Problem.js"
/** Processes and their results. @since 0.1.0 */
export * as Process from "./Process.js"
/** How a routed process got its provider, and which fallback followed which failure. @since 0.2.0 */
export * as ProcessRouting from "./ProcessRouting.js"
/** Process statuses and the allowed moves between them. @since 0.1.0 */
export * as ProcessStatus from "./ProcessStatus.js"
/** Process types. @since 0.1.0 */
export * as ProcessType from "./ProcessType.js"
/** Provider names. @since 0.1.0 */
export * as ProviderName from "./ProviderName.js"
/** A reviewer's decision on a process, beside the provider's result. @since 0.2.0 */
export * as Review from "./Review.js"
/** Routing policies: ordered rules that choose a new process's provider and its fallbacks. @since 0.2.0 */
export * as RoutingPolicy from "./RoutingPolicy.js"
/** Sex as printed on documents. @since 0.1.0 */
export * as Sex from "./Sex.js"
/** UTC timestamps (`YYYY-MM-DDThh:mm:ssZ`) and the codecs from providers' formats. @since 0.1.0 */
export * as Timestamp from "./Timestamp.js"
