/** Reading the files a client uploads as data URLs (`data:image/jpeg;base64,…`). */
import type { FileKind } from "@assure/core"
import { Base64 } from "effect/encoding"

/** The bytes of a data URL, or `undefined` when it is not valid base64. The declared type is ignored: the engine sniffs. */
export const bytesOfDataUrl = (dataUrl: string): Uint8Array | undefined => {
  const comma = dataUrl.indexOf(",")
  const decoded = Base64.decode(dataUrl.slice(comma + 1).replace(/\s+/g, ""))
  return decoded._tag === "Success" ? decoded.success : undefined
}

/** The uploads of a request, in a fixed order. */
export const uploadsOf = (payload: Partial<Record<FileKind.UploadableKind, string>>) =>
  (["front", "back", "selfie", "video"] as const).flatMap((kind) => {
    const value = payload[kind]
    return value === undefined ? [] : [{ kind, dataUrl: value }]
  })
