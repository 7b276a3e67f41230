/**
 * Files as the Assure API uploads them: data URLs, with the media type read from the bytes (or the file name).
 */
import { Effect, FileSystem } from "effect"
import { Failure } from "./Failure.js"

const startsWith = (bytes: Uint8Array, prefix: ReadonlyArray<number>, offset = 0) =>
  prefix.every((byte, index) => bytes[offset + index] === byte)

const byExtension: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  heic: "image/heic",
  gif: "image/gif",
  pdf: "application/pdf",
  mp4: "video/mp4",
  mov: "video/quicktime",
  webm: "video/webm"
}

/** The media type of a file from its first bytes, else its extension, else `application/octet-stream`. */
export const mediaTypeOf = (bytes: Uint8Array, name = ""): string => {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg"
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return "image/png"
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return "image/webp"
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46])) return "application/pdf"
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return "video/webm"
  if (startsWith(bytes, [0x66, 0x74, 0x79, 0x70], 4))
    return name.toLowerCase().endsWith(".mov") ? "video/quicktime" : "video/mp4"
  const extension = name.toLowerCase().split(".").at(-1) ?? ""
  return byExtension[extension] ?? "application/octet-stream"
}

/** `data:<media type>;base64,<bytes>` */
export const dataUrl = (bytes: Uint8Array, mediaType: string): string =>
  `data:${mediaType};base64,${Buffer.from(bytes).toString("base64")}`

/** Reads a file into a data URL. */
export const readDataUrl = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const bytes = yield* fs
      .readFile(path)
      .pipe(Effect.mapError((error) => new Failure({ title: `Could not read ${path}`, detail: error.message })))
    return dataUrl(bytes, mediaTypeOf(bytes, path))
  })

/**
 * A small JPEG for demos: the JFIF header (FF D8 FF E0 …), a comment and the end marker. Enough for the sandbox,
 * which checks the bytes are an image, not what they show.
 */
export const demoJpeg = (): Uint8Array => {
  const comment = Buffer.from("assure demo")
  return Uint8Array.from([
    ...[
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
      0x00
    ],
    ...[0xff, 0xfe, 0x00, comment.length + 2, ...comment],
    ...[0xff, 0xd9]
  ])
}
