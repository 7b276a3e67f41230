/**
 * What an image or video on a dossier or process shows.
 *
 * Clients upload `front`, `back` and `selfie` (and `video` where a provider records one); a `portrait` is
 * the face a provider cut from the document or chip, so it only ever comes from a process.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** What an image or video shows. @since 0.1.0 */
export const FileKind = /* @__PURE__ */ Schema.Literals(["front", "back", "selfie", "portrait", "video"]).pipe(
  Schema.annotate({ identifier: "FileKind", description: "What an image or video shows" })
)

/** What an image or video shows. @since 0.1.0 */
export type FileKind = typeof FileKind.Type

/** The kinds a client may upload to a dossier (a portrait can only be copied from a process). @since 0.1.0 */
export const UploadableKind = /* @__PURE__ */ Schema.Literals(["front", "back", "selfie", "video"]).pipe(
  Schema.annotate({ identifier: "UploadableFileKind", description: "A kind of file a client may upload" })
)

/** A kind of file a client may upload. @since 0.1.0 */
export type UploadableKind = typeof UploadableKind.Type

/** Whether a client may upload a file of this kind. @since 0.1.0 */
export const isUploadable = (kind: FileKind): kind is UploadableKind => kind !== "portrait"
