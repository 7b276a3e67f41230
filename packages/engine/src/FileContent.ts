/**
 * What files the engine accepts: the type is read from the bytes (magic numbers), never trusted from a name or a
 * declared type, and each kind has its own types and size limit.
 *
 * | kind | types | at most |
 * |---|---|---|
 * | `front`, `back`, `selfie`, `portrait` | JPEG, PNG, WebP, HEIC | 10 MB |
 * | `video` | MP4 / QuickTime, WebM | 100 MB |
 *
 * The signatures are written here rather than taken from a sniffing package: the engine needs six of them, and the
 * packages that know hundreds are Node-specific or pull in a tokenizer stack.
 *
 * @since 0.1.0
 */
import type { FileKind } from "@assure/core"
import { Effect } from "effect"
import { InvalidInput } from "./EngineError.js"

const startsWith = (bytes: Uint8Array, signature: ReadonlyArray<number>, offset = 0): boolean =>
  signature.every((byte, index) => bytes[offset + index] === byte)

const ascii = (text: string): ReadonlyArray<number> => [...text].map((char) => char.charCodeAt(0))

/** The media type the bytes are, from their signature, if it is one the engine knows. @since 0.1.0 */
export const sniff = (bytes: Uint8Array): string | undefined => {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg"
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png"
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp"
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return "video/webm"
  if (startsWith(bytes, ascii("ftyp"), 4)) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12))
    if (["heic", "heix", "mif1", "msf1"].includes(brand)) return "image/heic"
    if (brand === "qt  ") return "video/quicktime"
    return "video/mp4"
  }
  return undefined
}

const images = ["image/jpeg", "image/png", "image/webp", "image/heic"]
const videos = ["video/mp4", "video/quicktime", "video/webm"]

/** The types and size limit of each kind. @since 0.1.0 */
export const rules: Record<
  FileKind.FileKind,
  { readonly mediaTypes: ReadonlyArray<string>; readonly maxBytes: number }
> = {
  front: { mediaTypes: images, maxBytes: 10_000_000 },
  back: { mediaTypes: images, maxBytes: 10_000_000 },
  selfie: { mediaTypes: images, maxBytes: 10_000_000 },
  portrait: { mediaTypes: images, maxBytes: 10_000_000 },
  video: { mediaTypes: videos, maxBytes: 100_000_000 }
}

/**
 * Checks a file for its kind and returns its media type, or fails with `InvalidInput` naming `field`.
 *
 * @since 0.1.0
 */
export const validate = (
  kind: FileKind.FileKind,
  bytes: Uint8Array,
  field: string = kind
): Effect.Effect<string, InvalidInput> => {
  const rule = rules[kind]
  const refuse = (reason: string) =>
    Effect.fail(new InvalidInput({ detail: `The ${kind} file was refused`, invalidParams: [{ name: field, reason }] }))
  if (bytes.length === 0) return refuse("the file is empty")
  if (bytes.length > rule.maxBytes) return refuse(`the file is larger than ${rule.maxBytes / 1_000_000} MB`)
  const mediaType = sniff(bytes)
  if (mediaType === undefined || !rule.mediaTypes.includes(mediaType)) {
    return refuse(`a ${kind} must be ${rule.mediaTypes.join(", ")}`)
  }
  return Effect.succeed(mediaType)
}
