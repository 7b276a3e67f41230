/**
 * Where file bytes (images, videos) live. The engine hands the store ciphertext only; the store picks a random name
 * for each file, so no path ever comes from user input.
 *
 * @since 0.1.0
 */
import { Context, Effect, FileSystem, Layer, Path, Schema } from "effect"
import { Hex } from "effect/encoding"

/** A file store failed (disk full, permissions, a missing file). @since 0.1.0 */
export class FileStoreError extends Schema.TaggedError<FileStoreError>("@assure/engine/FileStoreError")(
  "FileStoreError",
  { operation: Schema.String, cause: Schema.Defect() }
) {}

/** Stores opaque bytes under random keys. @since 0.1.0 */
export class FileStore extends Context.Service<
  FileStore,
  {
    readonly put: (bytes: Uint8Array) => Effect.Effect<string, FileStoreError>
    readonly get: (key: string) => Effect.Effect<Uint8Array, FileStoreError>
    /** Removes a file; removing one that is already gone succeeds. */
    readonly remove: (key: string) => Effect.Effect<void, FileStoreError>
  }
>()("@assure/engine/FileStore") {}

const randomKey = () => Hex.encode(globalThis.crypto.getRandomValues(new Uint8Array(16)))
const isKey = (key: string) => /^[0-9a-f]{32}$/.test(key)

/** Permissions of what {@link layerDirectory} creates. @since 0.1.0 */
export interface DirectoryOptions {
  /** Of the folders it creates (`directory` itself and its sub-folders). Default `0o700`: the owner only. */
  readonly directoryMode?: number | undefined
  /** Of the files it writes. Default `0o600`: the owner only. */
  readonly fileMode?: number | undefined
}

/**
 * Files on a local disk under `directory` (created if missing), spread over 256 sub-folders. Writes go to a temporary
 * name first and are renamed into place, so a crash never leaves half a file under a real key. Folders and files are
 * created for the owner only (`0o700`, `0o600`) unless `options` say otherwise; the process's umask can only narrow
 * that. Folders that exist already keep their permissions.
 *
 * @since 0.1.0
 */
export const layerDirectory = (
  directory: string,
  options: DirectoryOptions = {}
): Layer.Layer<FileStore, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    FileStore,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const directoryMode = options.directoryMode ?? 0o700
      const fileMode = options.fileMode ?? 0o600
      const pathOf = (key: string) => path.join(directory, key.slice(0, 2), key)
      const wrap =
        (operation: string) =>
        <A, E>(effect: Effect.Effect<A, E>) =>
          Effect.mapError(effect, (cause) => new FileStoreError({ operation, cause }))
      const checked = (key: string) =>
        isKey(key)
          ? Effect.succeed(key)
          : Effect.fail(new FileStoreError({ operation: "read", cause: new Error("not a file key") }))
      return FileStore.of({
        put: (bytes) =>
          Effect.gen(function* () {
            const key = randomKey()
            const target = pathOf(key)
            yield* fs.makeDirectory(path.dirname(target), { recursive: true, mode: directoryMode })
            const temporary = `${target}.partial`
            yield* fs.writeFile(temporary, bytes, { mode: fileMode })
            yield* fs.rename(temporary, target)
            return key
          }).pipe(wrap("write")),
        get: (key) => Effect.flatMap(checked(key), (valid) => fs.readFile(pathOf(valid)).pipe(wrap("read"))),
        remove: (key) =>
          Effect.flatMap(checked(key), (valid) => fs.remove(pathOf(valid), { force: true }).pipe(wrap("remove")))
      })
    })
  )

/** Files in memory, for tests. @since 0.1.0 */
export const layerMemory: Layer.Layer<FileStore> = Layer.sync(FileStore, () => {
  const files = new Map<string, Uint8Array>()
  return FileStore.of({
    put: (bytes) =>
      Effect.sync(() => {
        const key = randomKey()
        files.set(key, bytes)
        return key
      }),
    get: (key) => {
      const bytes = files.get(key)
      return bytes === undefined
        ? Effect.fail(new FileStoreError({ operation: "read", cause: new Error("no such file") }))
        : Effect.succeed(bytes)
    },
    remove: (key) =>
      Effect.sync(() => {
        files.delete(key)
      })
  })
})
