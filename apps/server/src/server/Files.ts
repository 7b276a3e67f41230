/**
 * Reading the files a client uploads, in either form the upload endpoints take: JSON with data URLs
 * (`data:image/jpeg;base64,…`, as the Assure API documents) or `multipart/form-data` with one file part per kind.
 * Both end as the same list of uploads, checked together before any is stored.
 */
import { type InvalidRequest, PayloadTooLarge } from "@assure/api/Problems"
import type { FileKind } from "@assure/core"
import { EngineError, FileContent } from "@assure/engine"
import { Effect, Stream } from "effect"
import { Base64 } from "effect/encoding"
import type { HttpServerRequest, Multipart } from "effect/http"
import { badRequest, fromEngine, requestMembers } from "./ProblemMapping.js"

/** A file to store, with what it shows. */
export interface Upload {
  readonly kind: FileKind.UploadableKind
  readonly bytes: Uint8Array
}

/** The kinds a client may upload, in the order they are stored. */
const kinds: ReadonlyArray<FileKind.UploadableKind> = ["front", "back", "selfie", "video"]

const isKind = (name: string): name is FileKind.UploadableKind => kinds.some((kind) => kind === name)

const noFile = () =>
  badRequest("No file was sent", [{ name: "front", reason: `send at least one of ${kinds.join(", ")}` }])

/** The bytes of a data URL, or `undefined` when it is not valid base64. The declared type is ignored: the engine sniffs. */
export const bytesOfDataUrl = (dataUrl: string): Uint8Array | undefined => {
  const comma = dataUrl.indexOf(",")
  const decoded = Base64.decode(dataUrl.slice(comma + 1).replace(/\s+/g, ""))
  return decoded._tag === "Success" ? decoded.success : undefined
}

/** The uploads of a JSON request, in a fixed order. */
export const uploadsOf = (payload: Partial<Record<FileKind.UploadableKind, string>>) =>
  kinds.flatMap((kind) => {
    const value = payload[kind]
    return value === undefined ? [] : [{ kind, dataUrl: value }]
  })

/** Decodes the data URLs of a JSON request, refusing it (400) if one is not base64 or none was sent. */
export const fromJson = (payload: Partial<Record<FileKind.UploadableKind, string>>) =>
  Effect.gen(function* () {
    const uploads = uploadsOf(payload)
    if (uploads.length === 0) return yield* noFile()
    const decoded: Array<Upload> = []
    for (const upload of uploads) {
      const bytes = bytesOfDataUrl(upload.dataUrl)
      if (bytes === undefined)
        return yield* badRequest("A file is not valid base64", [
          { name: upload.kind, reason: "is not a base64 data URL" }
        ])
      decoded.push({ kind: upload.kind, bytes })
    }
    return decoded
  })

const tooLarge = (
  detail: string,
  invalidParams?: ReadonlyArray<{ name: string; reason: string }>
): Effect.Effect<never, PayloadTooLarge, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(requestMembers, (members) =>
    Effect.fail(new PayloadTooLarge({ ...members, detail, ...(invalidParams === undefined ? {} : { invalidParams }) }))
  )

const megabytes = (bytes: number) => `${bytes / 1_000_000} MB`

/**
 * Reads a file part into memory, refusing it (413) as soon as it passes its kind's limit: a huge file is never held
 * whole, and the rest of the body is not read.
 */
const readFile = (part: Multipart.File, kind: FileKind.UploadableKind) =>
  Effect.gen(function* () {
    const maxBytes = FileContent.rules[kind].maxBytes
    const chunks: Array<Uint8Array> = []
    let size = 0
    yield* Stream.runForEach(part.content, (chunk) => {
      size += chunk.length
      if (size > maxBytes) {
        return tooLarge(`The ${kind} file is larger than ${megabytes(maxBytes)}`, [
          { name: kind, reason: `the file is larger than ${megabytes(maxBytes)}` }
        ])
      }
      chunks.push(chunk)
      return Effect.void
    })
    const bytes = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    return bytes
  })

/**
 * Reads a `multipart/form-data` body: one file part per kind (`front`, `back`, `selfie`, `video`). Parts with other
 * names, text fields in place of files and repeated kinds are refused together (400, each named in `invalidParams`);
 * a file over its kind's limit, or a body over the server's, is refused at once (413); a body that is not multipart
 * cannot be read (400).
 */
export const fromMultipart = (parts: Stream.Stream<Multipart.Part, Multipart.MultipartError>) =>
  Effect.gen(function* () {
    const uploads: Array<Upload> = []
    const invalid: Array<{ name: string; reason: string }> = []
    yield* Stream.runForEach(parts, (part) =>
      Effect.gen(function* () {
        const name = part.key
        if (!isKind(name)) {
          invalid.push({ name, reason: `is not a kind of file: name each file part ${kinds.join(", ")}` })
        } else if (part._tag === "Field") {
          invalid.push({ name, reason: "must be a file part (with a filename), not a text field" })
        } else if (uploads.some((upload) => upload.kind === name)) {
          invalid.push({ name, reason: "was sent more than once" })
        } else if (invalid.length === 0) {
          uploads.push({ kind: name, bytes: yield* readFile(part, name) })
          return
        }
        // Read past what will not be stored, so the parser can go on to the next part.
        if (part._tag === "File") yield* Stream.runDrain(part.content)
      })
    ).pipe(
      Effect.catchTag(
        "MultipartError",
        (error): Effect.Effect<never, InvalidRequest | PayloadTooLarge, HttpServerRequest.HttpServerRequest> => {
          switch (error.reason._tag) {
            case "Parse":
              return badRequest("The request body is not valid multipart/form-data")
            case "FileTooLarge":
            case "BodyTooLarge":
              return tooLarge("The request body is larger than the limit")
            case "FieldTooLarge":
              return tooLarge("A text field of the request body is larger than the limit")
            case "TooManyParts":
              return tooLarge("The request body has too many parts")
            case "InternalError":
              return Effect.die(error)
          }
        }
      )
    )
    if (invalid.length > 0) {
      return yield* badRequest(
        invalid.length === 1
          ? "A part of the request body is not a file this endpoint takes"
          : "Parts of the request body are not files this endpoint takes",
        invalid
      )
    }
    if (uploads.length === 0) return yield* noFile()
    return uploads
  })

/**
 * Checks every upload's type and size for its kind, so that nothing is stored when one is refused. The refusal (422)
 * names every refused file, not only the first.
 */
export const checkAll = (uploads: ReadonlyArray<Upload>) =>
  Effect.gen(function* () {
    const refusals = yield* Effect.forEach(uploads, (upload) =>
      FileContent.validate(upload.kind, upload.bytes).pipe(
        Effect.match({ onFailure: (refused) => refused.invalidParams, onSuccess: () => [] })
      )
    )
    const invalidParams = refusals.flat()
    if (invalidParams.length > 0) {
      return yield* fromEngine(
        new EngineError.InvalidInput({
          detail: invalidParams.length === 1 ? "A file was refused" : "Files were refused",
          invalidParams
        })
      )
    }
  })

/** Whether an upload endpoint's payload is a multipart body (a stream of parts) rather than JSON. */
export const isPartStream = <A>(
  payload: A | Stream.Stream<Multipart.Part, Multipart.MultipartError>
): payload is Stream.Stream<Multipart.Part, Multipart.MultipartError> => Stream.isStream(payload)
