/**
 * Consumer projects for the proof: each template under `consumers/` is copied into a folder outside the workspace,
 * its `<released>` ranges replaced by `^<version>` of the first release, and installed with plain `npm` from the
 * proof's registry — no workspace links, no pnpm — on the repository's pinned Node (first on `PATH`, so `npm` itself
 * runs on it too). Each template's `proof` script type-checks and runs it.
 */
import { spawnSync } from "node:child_process"
import { cpSync, globSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"

/** The templates' folder. */
export const templatesDirectory = join(import.meta.dirname, "..", "consumers")

/** The consumer templates, by folder name. */
export const templates = (): ReadonlyArray<string> =>
  readdirSync(templatesDirectory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()

/**
 * The environment npm runs in: pnpm's own `npm_*` / `pnpm_*` variables removed, the registry and a private cache
 * set, and the pinned Node first on `PATH`.
 */
export const npmEnvironment = (options: {
  readonly registry: string
  readonly userConfig: string
  readonly cache: string
}): NodeJS.ProcessEnv => {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key) && key !== "INIT_CWD")
  )
  return {
    ...inherited,
    PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
    npm_config_userconfig: options.userConfig,
    npm_config_registry: options.registry,
    npm_config_cache: options.cache,
    npm_config_fund: "false",
    npm_config_audit: "false",
    npm_config_update_notifier: "false",
    npm_config_loglevel: "warn",
    // plain output, so the proof can quote the test runner's summary
    NO_COLOR: "1"
  }
}

/** Runs a command in `cwd`; throws with its output when it fails, returns its output when it passes. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly what: string }
): string => {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`
  if (result.status !== 0) {
    throw new Error(
      `${options.what} failed (${command} ${args.join(" ")} in ${options.cwd}, exit ${result.status ?? result.signal}):\n${output}`
    )
  }
  return output
}

/** Copies template `name` into `target`, with each `<released>` range of an `@assure` package set to `^version`. */
export const createConsumer = (name: string, target: string, versions: ReadonlyMap<string, string>): void => {
  cpSync(join(templatesDirectory, name), target, { recursive: true })
  const manifestFile = join(target, "package.json")
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>
  for (const field of ["dependencies", "devDependencies"]) {
    const ranges = manifest[field] as Record<string, string> | undefined
    for (const [dependency, range] of Object.entries(ranges ?? {})) {
      if (range !== "<released>") continue
      const version = versions.get(dependency)
      if (version === undefined) throw new Error(`${name} depends on ${dependency}, which the release did not publish`)
      ;(ranges as Record<string, string>)[dependency] = `^${version}`
    }
  }
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`)
}

/**
 * The `@assure` packages installed in a consumer, each with the versions found anywhere in its `node_modules`:
 * one version each, or a consumer would run two copies of a package whose instances must be shared.
 */
export const installedAssurePackages = (directory: string): ReadonlyMap<string, ReadonlyArray<string>> => {
  const found = new Map<string, Array<string>>()
  for (const file of globSync("**/node_modules/@assure/*/package.json", { cwd: directory })) {
    const { name, version } = JSON.parse(readFileSync(join(directory, file), "utf8")) as {
      readonly name: string
      readonly version: string
    }
    found.set(name, [...(found.get(name) ?? []), version])
  }
  return found
}

/** The `@assure` packages a consumer's manifest depends on: with their peers, all it may install of ours. */
export const assureDependencies = (directory: string): ReadonlyArray<string> => {
  const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
    readonly dependencies?: Readonly<Record<string, string>>
    readonly devDependencies?: Readonly<Record<string, string>>
  }
  return [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]
    .filter((name) => name.startsWith("@assure/"))
    .sort()
}
