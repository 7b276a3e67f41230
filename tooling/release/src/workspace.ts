/** The workspace as the release sees it: its root, and the packages it publishes, found by asking pnpm. */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"

/** A package the release publishes: every workspace package that is not `private`. */
export interface PublicPackage {
  readonly name: string
  readonly version: string
  readonly directory: string
}

/** The repository root this tooling package sits in. */
export const repositoryRoot = join(import.meta.dirname, "..", "..", "..")

interface ListedProject {
  readonly name?: string
  readonly version?: string
  readonly path: string
  readonly private?: boolean
}

/**
 * The public packages of the workspace at `root`, from `pnpm ls -r`, so a package added tomorrow is released (and
 * proven) without touching this list.
 */
export const publicPackages = (root: string): ReadonlyArray<PublicPackage> => {
  const listed = JSON.parse(
    execFileSync("pnpm", ["ls", "-r", "--json", "--depth", "-1"], { cwd: root, encoding: "utf8" })
  ) as ReadonlyArray<ListedProject>
  return listed
    .filter((project) => project.private === false && project.name !== undefined)
    .map((project) => {
      // `pnpm ls` reports the version it read; the manifest is read again so a just-versioned tree is seen as it is.
      const manifest = readManifest(project.path)
      return { name: manifest.name, version: manifest.version, directory: project.path }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** The fields of a package.json the release reads. */
export interface Manifest {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly files?: ReadonlyArray<string>
  readonly exports?: unknown
  readonly bin?: string | Readonly<Record<string, string>>
  readonly dependencies?: Readonly<Record<string, string>>
  readonly peerDependencies?: Readonly<Record<string, string>>
  readonly optionalDependencies?: Readonly<Record<string, string>>
  readonly [field: string]: unknown
}

/** Reads `package.json` in `directory`. */
export const readManifest = (directory: string): Manifest =>
  JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as Manifest
