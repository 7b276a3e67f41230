/**
 * Identifiers of the Assure resources. Each is its own brand, so a `ProcessId` cannot be passed where a
 * `DossierId` is expected. All are opaque, URL-safe strings of 1–128 characters (the server issues UUIDs).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const isIdentifier = /* @__PURE__ */ Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/u, {
  expected: "an id of 1-128 letters, digits, '.', '_' or '-'"
})

/** Identifies a dossier. @since 0.1.0 */
export const DossierId = /* @__PURE__ */ Schema.String.check(isIdentifier).pipe(
  Schema.brand("DossierId"),
  Schema.annotate({ identifier: "DossierId", description: "Identifies a dossier" })
)
/** Identifies a dossier. @since 0.1.0 */
export type DossierId = typeof DossierId.Type

/** Identifies a process within a dossier. @since 0.1.0 */
export const ProcessId = /* @__PURE__ */ Schema.String.check(isIdentifier).pipe(
  Schema.brand("ProcessId"),
  Schema.annotate({ identifier: "ProcessId", description: "Identifies a process" })
)
/** Identifies a process within a dossier. @since 0.1.0 */
export type ProcessId = typeof ProcessId.Type

/** Identifies a stored file (an image or a video). @since 0.1.0 */
export const FileId = /* @__PURE__ */ Schema.String.check(isIdentifier).pipe(
  Schema.brand("FileId"),
  Schema.annotate({ identifier: "FileId", description: "Identifies a stored file" })
)
/** Identifies a stored file (an image or a video). @since 0.1.0 */
export type FileId = typeof FileId.Type
