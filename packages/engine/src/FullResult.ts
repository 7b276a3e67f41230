/**
 * A finished process's full result, as Assure's "Download full result" gives it: one zip of the process's data and
 * its images. `Processes.fullResult` gathers the entries; {@link zip} streams them as a zip archive, one entry at a
 * time, so that memory is bounded by the largest single file, never by the archive.
 *
 * The entries:
 *
 * | name                   | what                                                                                   |
 * | ---------------------- | -------------------------------------------------------------------------------------- |
 * | `process.json`         | the process as the API shows it (status, routing, files, …)                            |
 * | `result.json`          | the normalised identity data (`finalResult`), for an accepted process                  |
 * | `provider-result.json` | the provider's own result as stored (`providerSpecific`)                               |
 * | `matching.json`        | the dossier's userData matched against the result, for an accepted process with userData |
 * | `history.json`         | what happened to the process, in time order: created, provider events, end, notifications |
 * | `front.jpg`, …         | the images and video: `front`, `back`, `selfie`, `video` it was verified with, and the provider's `portrait` |
 *
 * The zip is written with `fflate` (a maintained, dependency-free zip library that runs anywhere): JSON deflated,
 * images and video stored as they are (they are compressed already).
 *
 * @since 0.2.0
 */
import type { FileInfo, Process } from "@assure/core"
import { Effect, Stream } from "effect"
import { Zip, ZipDeflate, ZipPassThrough } from "fflate"
import type { NotFound } from "./EngineError.js"

/** One entry of the archive: its name, and its bytes, read when the archive gets to it. @since 0.2.0 */
export interface Entry {
  readonly name: string
  /** Deflate it (JSON) or store it as it is (images and video, compressed already). */
  readonly compress: boolean
  readonly bytes: Effect.Effect<Uint8Array, NotFound>
}

/** A finished process's full result: the process, and the archive's entries in order. @since 0.2.0 */
export interface FullResult {
  readonly process: Process.Process
  readonly entries: ReadonlyArray<Entry>
}

/** One thing that happened to a process, as `history.json` lists it. @since 0.2.0 */
export interface HistoryEvent {
  readonly at: string
  readonly event: string
  readonly [detail: string]: unknown
}

const extensions: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/heic": "heic",
  "video/mp4": "mp4",
  "video/quicktime": "mov",
  "video/webm": "webm"
}

/**
 * The archive names of a process's files: the kind and the extension of its media type (`front.jpg`), numbered from
 * the second of a kind on (`front-2.jpg`).
 *
 * @since 0.2.0
 */
export const fileNames = (
  files: ReadonlyArray<Pick<FileInfo.FileInfo, "kind" | "mediaType">>
): ReadonlyArray<string> => {
  const seen = new Map<string, number>()
  return files.map((file) => {
    const count = (seen.get(file.kind) ?? 0) + 1
    seen.set(file.kind, count)
    return `${file.kind}${count === 1 ? "" : `-${count}`}.${extensions[file.mediaType] ?? "bin"}`
  })
}

/** A JSON entry, indented for people who open it. @since 0.2.0 */
export const json = (name: string, value: unknown): Entry => ({
  name,
  compress: true,
  bytes: Effect.sync(() => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`))
})

/**
 * The entries as a zip archive, streamed: each entry's bytes are read when the archive reaches it and written out
 * before the next is read, so at most one file (and its zipped form) is in memory at a time.
 *
 * @since 0.2.0
 */
export const zip = (entries: ReadonlyArray<Entry>): Stream.Stream<Uint8Array, NotFound> =>
  Stream.suspend(() => {
    // What fflate wrote since it was last collected: it writes synchronously as entries are pushed.
    let written: Array<Uint8Array> = []
    const archive = new Zip((error, chunk) => {
      // fflate reports errors of its own making only (no I/O here); they are defects.
      if (error !== null) throw error
      written.push(chunk)
    })
    const collect = () => {
      const chunks = written
      written = []
      return chunks
    }
    const entryChunks = (entry: Entry) =>
      Effect.map(entry.bytes, (bytes) => {
        const file = entry.compress ? new ZipDeflate(entry.name, { level: 6 }) : new ZipPassThrough(entry.name)
        archive.add(file)
        file.push(bytes, true)
        return collect()
      })
    const end = Effect.sync(() => {
      archive.end()
      return collect()
    })
    return Stream.fromIterable(entries).pipe(
      Stream.mapEffect(entryChunks),
      Stream.concat(Stream.fromEffect(end)),
      Stream.flatMap((chunks) => Stream.fromIterable(chunks))
    )
  })
