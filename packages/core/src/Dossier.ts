/**
 * A dossier: everything known about one end-user — identity data the client supplied (`userData`), files,
 * and the processes that verified them.
 *
 * @example
 * ```ts
 * import { Dossier } from "@assure/core"
 * import { Schema } from "effect"
 *
 * const dossier = Schema.decodeUnknownSync(Dossier.Dossier)({
 *   dossierId: "3f1c9a52-8d3e-4f0e-9a57-1c2b3d4e5f60",
 *   createdAt: "2024-05-01T10:30:00Z",
 *   updatedAt: "2024-05-01T10:30:00Z",
 *   files: [],
 *   processes: []
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { FileInfo } from "./FileInfo.js"
import { DossierId } from "./Identifiers.js"
import { IdentityData } from "./IdentityData.js"
import { updatedNotBeforeCreated } from "./internal/checks.js"
import { Summary } from "./Process.js"
import { Timestamp } from "./Timestamp.js"

/** The client's own reference for a dossier (its customer id, say): 1–256 characters. @since 0.1.0 */
export const ExternalReference = /* @__PURE__ */ Schema.String.check(
  Schema.isMinLength(1),
  Schema.isMaxLength(256)
).pipe(Schema.annotate({ identifier: "ExternalReference", description: "The client's own reference for the dossier" }))

/** A dossier with its data, files and processes. @since 0.1.0 */
export const Dossier = /* @__PURE__ */ Schema.Struct({
  dossierId: DossierId,
  externalReference: Schema.optionalKey(ExternalReference),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  userData: Schema.optionalKey(IdentityData),
  files: Schema.Array(FileInfo),
  processes: Schema.Array(Summary)
}).pipe(
  Schema.check(updatedNotBeforeCreated),
  Schema.annotate({ identifier: "Dossier", description: "Everything known about one end-user" })
)

/** A dossier with its data, files and processes. @since 0.1.0 */
export type Dossier = typeof Dossier.Type
