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

/** The version range a standalone package asks of a package of this repository: its current version and up. */
const rangeOf = (root: string, packageName: string): string => {
  const folder = { "@assure/core": "core", "@assure/provider": "provider", "@assure/testkit": "testkit" }[packageName]
  if (folder === undefined) return "*"
  const manifest = JSON.parse(readFileSync(join(root, "packages", folder, "package.json"), "utf8")) as {
    readonly version: string
  }
  return `>=${manifest.version}`
}

/**
 * A file of the package as it stands outside this repository: its TypeScript configuration extends a copy of the
 * repository's base configuration and references no workspace project, and its dependencies on this repository's
 * packages are version ranges instead of `workspace:` ones.
 */
const standalone = (root: string, path: string, text: string): string => {
  if (/tsconfig\.(src|test)\.json$/.test(path)) {
    const config = JSON.parse(text.replace(/^\s*\/\/.*$/gm, "")) as Record<string, unknown>
    const { references: _references, ...rest } = config
    return `${JSON.stringify({ ...rest, extends: "./tsconfig.base.json" }, null, 2)}\n`
  }
  if (path.endsWith("package.json")) {
    return text.replace(
      /"(@assure\/[a-z-]+)": "workspace:\^"/g,
      (_, name: string) => `"${name}": "${rangeOf(root, name)}"`
    )
  }
  return text
}

/** Writes a package for a repository of its own (or none) into `target`; returns the files written, relative to it. */
export const scaffoldStandalone = (root: string, names: Names, target: string): ReadonlyArray<string> => {
  const source = join(templateDir, "package")
  const written: Array<string> = []
  for (const file of filesUnder(source)) {
    const path = join(target, replaceTokens(relative(source, file), names).slice(0, -".template".length))
    write(path, standalone(root, path, replaceTokens(readFileSync(file, "utf8"), names)))
    written.push(relative(target, path))
  }
  write(join(target, "tsconfig.base.json"), readFileSync(join(root, "tsconfig.base.json"), "utf8"))
  written.push("tsconfig.base.json")
  return written
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
