/**
 * Writes a new adapter package from the template: every `*.template` file under `template/package`, with its tokens
 * replaced in its path and contents, and the package's first changeset.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { type Names, tokens } from "./names.ts"

/** Where the template lives. */
export const templateDir = join(import.meta.dirname, "..", "template")

/** Where a provider's package goes in a repository. */
export const packageDir = (root: string, name: string): string => join(root, "packages", "providers", name)

/** Where a provider's first changeset goes in a repository. */
export const changesetPath = (root: string, name: string): string => join(root, ".changeset", `${name}-initial.md`)

const replaceTokens = (text: string, names: Names): string =>
  tokens(names).reduce((result, [token, value]) => result.replaceAll(token, value), text)

const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".template"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()

const write = (path: string, text: string): void => {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
}

/** Why a package cannot be written for this name in this repository, or `undefined`. */
export const conflictFor = (root: string, name: string): string | undefined => {
  const target = packageDir(root, name)
  if (existsSync(target)) return `${relative(root, target)} already exists: choose another name`
  const changeset = changesetPath(root, name)
  if (existsSync(changeset)) return `${relative(root, changeset)} already exists: choose another name`
  return undefined
}

/** Writes the package and its changeset; returns the files written, relative to `root`. */
export const scaffold = (root: string, names: Names): ReadonlyArray<string> => {
  const source = join(templateDir, "package")
  const target = packageDir(root, names.name)
  const written: Array<string> = []
  for (const file of filesUnder(source)) {
    const path = join(target, replaceTokens(relative(source, file), names).slice(0, -".template".length))
    write(path, replaceTokens(readFileSync(file, "utf8"), names))
    written.push(relative(root, path))
  }
  const changeset = changesetPath(root, names.name)
  write(changeset, replaceTokens(readFileSync(join(templateDir, "changeset.md.template"), "utf8"), names))
  written.push(relative(root, changeset))
  return written
}
