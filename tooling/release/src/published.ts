/**
 * What arrived on the registry, checked package by package: the expected version as `latest`, and a tarball that
 * a user can rely on — README, LICENSE and CHANGELOG, no tests or fixtures, no build info, every `exports` and `bin`
 * target present, no `workspace:` range left, and source maps whose sources are in the tarball.
 */
import { execFileSync } from "node:child_process"
import { existsSync, globSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, normalize, relative } from "node:path"
import type { Manifest } from "./workspace.ts"

/** One package as published. */
export interface PublishedPackage {
  readonly name: string
  readonly version: string
  /** The `.tgz` as downloaded. */
  readonly tarballBytes: number
  /** Everything in it, unpacked. */
  readonly unpackedBytes: number
  readonly files: number
  readonly manifest: Manifest
}

/** The registry's document for a package (`GET /<name>`). */
interface Packument {
  readonly "dist-tags": Readonly<Record<string, string>>
  readonly versions: Readonly<Record<string, { readonly dist: { readonly tarball: string } }>>
}

/**
 * `fetch`, tried again when the connection fails: the proof blocks its event loop while the release runs, so a
 * kept-alive connection may have been closed by the registry without the client noticing.
 */
export const fetchAgain = async (url: string | URL, init?: RequestInit): Promise<Response> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init)
    } catch (error) {
      if (attempt === 3) throw new Error(`GET ${url} failed`, { cause: error })
    }
  }
}

/** The registry's document for `name`, or undefined when the registry does not know it. */
export const packument = async (registry: string, name: string): Promise<Packument | undefined> => {
  const response = await fetchAgain(new URL(name.replace("/", "%2f"), registry), {
    headers: { accept: "application/json" }
  })
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`GET ${name}: ${response.status} ${await response.text()}`)
  return (await response.json()) as Packument
}

const requiredFiles = ["package.json", "README.md", "LICENSE", "CHANGELOG.md"]
const forbidden = [
  { pattern: /(^|\/)(test|tests|__tests__|fixtures|__fixtures__)\//, why: "a test or fixture folder" },
  { pattern: /\.(test|spec)\.[cm]?[jt]sx?$/, why: "a test file" },
  { pattern: /\.tsbuildinfo$/, why: "TypeScript build info" },
  { pattern: /(^|\/)(node_modules|\.turbo)\//, why: "an installed or cached folder" }
]
const dependencyFields = ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"] as const

/** Every path an `exports` map or `bin` names. */
const targetsOf = (value: unknown): ReadonlyArray<string> => {
  if (typeof value === "string") return [value]
  if (value === null || typeof value !== "object") return []
  return Object.values(value).flatMap(targetsOf)
}

/** Whether `target` (possibly with one `*`) names at least one file of the tarball. */
const resolves = (target: string, files: ReadonlySet<string>): boolean => {
  const path = normalize(target)
  if (!path.includes("*")) return files.has(path)
  const [prefix = "", suffix = ""] = path.split("*")
  return [...files].some((file) => file.startsWith(prefix) && file.endsWith(suffix))
}

/** The problems of an unpacked package at `root` (its `package/` folder), as sentences; none when it is good. */
export const problemsOf = (root: string, expected: { readonly name: string; readonly version: string }) => {
  const files = new Set(globSync("**/*", { cwd: root }).filter((file) => statSync(join(root, file)).isFile()))
  const problems: Array<string> = []
  for (const file of requiredFiles) if (!files.has(file)) problems.push(`${file} is missing`)
  for (const file of files) {
    for (const { pattern, why } of forbidden) if (pattern.test(file)) problems.push(`${file} is ${why}`)
  }
  if (!files.has("package.json")) return { files, problems, manifest: undefined }
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Manifest
  if (manifest.name !== expected.name) problems.push(`its name is ${manifest.name}`)
  if (manifest.version !== expected.version)
    problems.push(`its version is ${manifest.version}, not ${expected.version}`)
  for (const field of dependencyFields) {
    const ranges = (manifest[field] ?? {}) as Readonly<Record<string, string>>
    for (const [dependency, range] of Object.entries(ranges)) {
      if (range.startsWith("workspace:")) problems.push(`${field}.${dependency} is still ${range}`)
    }
  }
  for (const target of [...targetsOf(manifest.exports), ...targetsOf(manifest.bin)]) {
    if (!resolves(target, files)) problems.push(`${target} (named by exports or bin) is not in the tarball`)
  }
  for (const map of [...files].filter((file) => file.endsWith(".map"))) {
    const { sources = [], sourceRoot = "" } = JSON.parse(readFileSync(join(root, map), "utf8")) as {
      readonly sources?: ReadonlyArray<string>
      readonly sourceRoot?: string
    }
    for (const source of sources) {
      const path = relative(root, join(root, dirname(map), sourceRoot, source))
      if (!files.has(path)) problems.push(`${map} points to ${path}, which is not in the tarball`)
    }
  }
  return { files, problems, manifest }
}

/**
 * Downloads `name@version` from the registry into `directory`, checks it is `latest` and that its tarball is
 * complete, and measures it. Throws with every problem found.
 */
export const checkPublished = async (
  registry: string,
  expected: { readonly name: string; readonly version: string },
  directory: string
): Promise<PublishedPackage> => {
  const document = await packument(registry, expected.name)
  if (document === undefined) throw new Error(`${expected.name} is not on the registry`)
  const entry = document.versions[expected.version]
  if (entry === undefined) {
    throw new Error(
      `${expected.name}@${expected.version} is not on the registry (it has ${Object.keys(document.versions).join(", ")})`
    )
  }
  const latest = document["dist-tags"].latest
  const response = await fetchAgain(entry.dist.tarball)
  if (!response.ok) throw new Error(`GET ${entry.dist.tarball}: ${response.status}`)
  const tarball = new Uint8Array(await response.arrayBuffer())
  const unpacked = join(directory, `${expected.name.replace("/", "+")}@${expected.version}`)
  mkdirSync(unpacked, { recursive: true })
  const tarballFile = `${unpacked}.tgz`
  writeFileSync(tarballFile, tarball)
  execFileSync("tar", ["-xzf", tarballFile, "-C", unpacked])
  const root = join(unpacked, "package")
  const { files, problems, manifest } = existsSync(root)
    ? problemsOf(root, expected)
    : { files: new Set<string>(), problems: ["the tarball has no package/ folder"], manifest: undefined }
  if (latest !== expected.version) problems.push(`latest is ${latest}, not ${expected.version}`)
  if (problems.length > 0 || manifest === undefined) {
    throw new Error(`${expected.name}@${expected.version}:\n  - ${problems.join("\n  - ")}`)
  }
  const unpackedBytes = [...files].reduce((sum, file) => sum + statSync(join(root, file)).size, 0)
  return {
    name: expected.name,
    version: expected.version,
    tarballBytes: tarball.byteLength,
    unpackedBytes,
    files: files.size,
    manifest
  }
}
