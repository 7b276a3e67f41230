/**
 * The data folder (`ASSURE_DATA_DIR`) holds the embedded database, the file store's images and, in development mode,
 * the development secrets: it is for the server's user only, whatever the umask.
 *
 * - Created `0700`; every file the server writes in it is created `0600` (the database and its -wal and -shm files
 *   by `EmbeddedStore`, the file store's folders and files by the engine, the development secrets here).
 * - Found wider at start (a folder from an earlier version, or made by hand): the folder is narrowed to `0700`, and
 *   the database and development secrets files to `0600`, with a warning saying so. Files already in the file store
 *   keep their mode: none of them can be reached by anyone else through a `0700` folder, and narrowing each one would
 *   make a start take as long as the store is big. When a mode cannot be changed (the folder belongs to another
 *   user), the warning says that, and the server starts anyway.
 */
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"

/** The folder's mode. */
export const folderMode = 0o700
/** The mode of the files the server keeps in it. */
export const fileMode = 0o600

/** The files at the top of the data folder that hold secrets or personal data. */
const knownFiles = ["assure.db", "assure.db-wal", "assure.db-shm", "development-secrets.json"]

/** Creates the folder for the owner only, if it is missing. Synchronous, for the configuration reader. */
export const createSync = (directory: string): void => {
  mkdirSync(directory, { recursive: true, mode: folderMode })
}

/** Creates the folder if missing, and narrows it and the files it knows to the owner, warning about each change. */
export const prepare = (directory: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    createSync(directory)
    const narrow = (path: string, mode: number) => {
      if (!existsSync(path)) return undefined
      const current = statSync(path).mode & 0o777
      if ((current & ~mode) === 0) return undefined
      try {
        chmodSync(path, mode)
        return { path, from: current.toString(8), to: mode.toString(8) }
      } catch (cause) {
        return { path, from: current.toString(8), to: mode.toString(8), failed: String(cause) }
      }
    }
    const changes = [
      narrow(directory, folderMode),
      ...knownFiles.map((file) => narrow(join(directory, file), fileMode)),
      narrow(join(directory, "files"), folderMode)
    ].filter((change) => change !== undefined)
    for (const change of changes) {
      yield* "failed" in change
        ? Effect.logWarning("the data folder is open to other users and could not be narrowed", change)
        : Effect.logWarning("the data folder was open to other users: narrowed to the owner", change)
    }
  })
