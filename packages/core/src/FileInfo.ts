/**
 * What the API says about a stored file — never its bytes, which are fetched separately.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { FileKind } from "./FileKind.js"
import { FileId } from "./Identifiers.js"
import { Timestamp } from "./Timestamp.js"

/** A stored image or video: its id, kind, media type, size in bytes and when it was stored. @since 0.1.0 */
export const FileInfo = /* @__PURE__ */ Schema.Struct({
  fileId: FileId,
  kind: FileKind,
  mediaType: Schema.String.check(
    Schema.isPattern(/^[a-z]+\/[a-z0-9.+-]+$/u, { expected: "a media type such as image/jpeg" })
  ),
  size: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  createdAt: Timestamp
}).pipe(Schema.annotate({ identifier: "FileInfo", description: "A stored image or video" }))

/** A stored image or video. @since 0.1.0 */
export type FileInfo = typeof FileInfo.Type
