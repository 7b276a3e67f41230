/**
 * The identity providers the server runs: every adapter module named in `ASSURE_PROVIDERS`, loaded when the server
 * starts, and the layer that registers them.
 *
 * An entry of `ASSURE_PROVIDERS` is one of:
 * - a built-in short name (`onfido`), which stands for the package `@assure/onfido`;
 * - a module path, absolute or relative to the working directory (`./adapters/acme`, `/opt/acme/dist/index.js`): a
 *   file, or a package folder (its `package.json` `exports` or `main` names the entry);
 * - any other package name (`@acme/assure-idv`), found in the `node_modules` of the working directory (or a
 *   folder above it) first, then in the server's own installation.
 *
 * Each module must export an `AdapterModule` as `adapter` (see `@assure/provider`). Its peers — `effect`,
 * `@assure/provider`, `@assure/core` — always resolve from the server's installation (a module resolution hook), so
 * an adapter built outside the server's tree, without a `node_modules` of its own, runs on the server's one instance
 * of Effect. Only the adapters named are imported.
 *
 * At start every entry is loaded and every adapter's configuration read, and the start fails listing every problem: a
 * module not found, one that exports no adapter module, a specification version this server does not implement, a
 * provider name taken twice, and each variable missing or malformed (named with its adapter).
 */
import { existsSync, readFileSync, statSync } from "node:fs"
import { findPackageJSON, registerHooks } from "node:module"
import { dirname, isAbsolute, join, resolve, sep } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Routing } from "@assure/engine"
import { AdapterModule, HostPublicUrl, ProviderRegistry } from "@assure/provider"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Context, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import { ConfigurationError, type Settings } from "./ServerConfig.js"

/** The short names `ASSURE_PROVIDERS` accepts for the adapters published with the server, and their packages. */
export const builtIn: Readonly<Record<string, string>> = {
  sandbox: "@assure/sandbox",
  onfido: "@assure/onfido",
  veriff: "@assure/veriff",
  persona: "@assure/persona",
  "stripe-identity": "@assure/stripe-identity",
  sumsub: "@assure/sumsub",
  oidc: "@assure/oidc",
  icao: "@assure/icao"
}

/** Where a loaded adapter came from. */
export type Source = { readonly package: string; readonly version: string } | { readonly path: string }

/** An adapter the server loaded: its module and where it came from. */
export interface LoadedAdapter {
  readonly module: AdapterModule.Any
  readonly source: Source
}

/** The adapters the server loaded, in the order `ASSURE_PROVIDERS` names them (for `GET /assure/providers`). */
export class LoadedAdapters extends Context.Service<LoadedAdapters, ReadonlyArray<LoadedAdapter>>()(
  "@assure/server/LoadedAdapters"
) {}

/** An entry resolved to a file to import. */
interface Resolved {
  readonly url: string
  /** The folder whose modules get the server's peers. */
  readonly root: string
  readonly source: Source
}

const packageNamePattern = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/

const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>

/** The target of a package's `exports` entry for `import` from Node, following conditions in their order. */
const exportTarget = (value: unknown): string | undefined => {
  if (typeof value === "string") return value
  if (Array.isArray(value)) return value.map(exportTarget).find((target) => target !== undefined)
  if (typeof value === "object" && value !== null) {
    for (const [condition, nested] of Object.entries(value)) {
      if (condition === "import" || condition === "node" || condition === "default") {
        const target = exportTarget(nested)
        if (target !== undefined) return target
      }
    }
  }
  return undefined
}

/** The file a package folder's main entry is: `exports["."]`, else `main`, else `index.js`. */
const packageEntry = (folder: string): { readonly file: string; readonly manifest: Record<string, unknown> } => {
  const manifestFile = join(folder, "package.json")
  const manifest = existsSync(manifestFile) ? readJson(manifestFile) : {}
  const exports = manifest.exports
  const main =
    exports === undefined
      ? undefined
      : typeof exports === "object" && exports !== null && !Array.isArray(exports) && "." in exports
        ? exportTarget((exports as Record<string, unknown>)["."])
        : typeof exports === "object" && exports !== null && Object.keys(exports).some((key) => key.startsWith("."))
          ? undefined
          : exportTarget(exports)
  const entry = main ?? (typeof manifest.main === "string" ? manifest.main : "index.js")
  return { file: resolve(folder, entry), manifest }
}

const versionOf = (manifest: Record<string, unknown>): string =>
  typeof manifest.version === "string" ? manifest.version : "unknown"

/** The folder of the nearest `package.json` at or above `start`, if any. */
const packageFolderAbove = (start: string): string | undefined => {
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, "package.json"))) return folder
    if (dirname(folder) === folder) return undefined
  }
}

const resolvePath = (entry: string, cwd: string): Resolved | string => {
  const path = resolve(cwd, entry)
  if (!existsSync(path)) return `no file or folder at ${path}`
  if (statSync(path).isDirectory()) {
    const { file } = packageEntry(path)
    if (!existsSync(file)) return `${path} is a folder, but its entry ${file} does not exist (is the adapter built?)`
    return { url: pathToFileURL(file).href, root: path, source: { path } }
  }
  return { url: pathToFileURL(path).href, root: packageFolderAbove(dirname(path)) ?? dirname(path), source: { path } }
}

/** A package installed in `node_modules` at or above `cwd`. */
const resolveFromWorkingDirectory = (name: string, cwd: string): Resolved | undefined => {
  for (let folder = cwd; ; folder = dirname(folder)) {
    const candidate = join(folder, "node_modules", ...name.split("/"))
    if (existsSync(join(candidate, "package.json"))) {
      const { file, manifest } = packageEntry(candidate)
      return { url: pathToFileURL(file).href, root: candidate, source: { package: name, version: versionOf(manifest) } }
    }
    if (dirname(folder) === folder) return undefined
  }
}

/** A package the server itself can import. */
const resolveFromServer = (name: string): Resolved | undefined => {
  let url: string
  try {
    url = import.meta.resolve(name)
  } catch {
    return undefined
  }
  const manifestFile = findPackageJSON(name, import.meta.url)
  const manifest = manifestFile === undefined ? {} : readJson(manifestFile)
  return {
    url,
    root: manifestFile === undefined ? dirname(fileURLToPath(url)) : dirname(manifestFile),
    source: { package: name, version: versionOf(manifest) }
  }
}

const resolveEntry = (entry: string, cwd: string): Resolved | string => {
  if (entry.startsWith(".") || isAbsolute(entry)) return resolvePath(entry, cwd)
  const name = builtIn[entry] ?? entry
  if (!packageNamePattern.test(name)) {
    return `not a built-in name (${Object.keys(builtIn).join(", ")}), a package name or a module path (start it with ./ or /)`
  }
  return (
    resolveFromWorkingDirectory(name, cwd) ??
    resolveFromServer(name) ??
    `the package ${name} is not installed (looked in the node_modules of ${cwd} and above, then in the server's installation)`
  )
}

/** The specifiers an adapter shares with the server (its peer dependencies). */
const peerSpecifier = /^(?:effect|@assure\/provider|@assure\/core)(?:\/.*)?$/

/** Folders whose modules resolve their peers from the server. */
const adapterRoots = new Set<string>()
let hooksRegistered = false

/**
 * Resolves the peers of every loaded adapter (and of the modules in its folder) from the server's installation: one
 * instance of Effect and of `@assure/provider`, whatever the adapter's folder holds or lacks.
 */
const shareServerPeers = (root: string): void => {
  adapterRoots.add(root.endsWith(sep) ? root : `${root}${sep}`)
  if (hooksRegistered) return
  hooksRegistered = true
  registerHooks({
    resolve: (specifier, context, nextResolve) => {
      const parent = context.parentURL
      if (peerSpecifier.test(specifier) && parent?.startsWith("file:")) {
        const parentPath = fileURLToPath(parent)
        for (const root of adapterRoots) {
          if (parentPath.startsWith(root)) return nextResolve(specifier, { ...context, parentURL: import.meta.url })
        }
      }
      return nextResolve(specifier, context)
    }
  })
}

/** One problem with one entry of `ASSURE_PROVIDERS`. */
const problem = (entry: string, text: string) => `${entry}: ${text}`

const describeSource = (source: Source) => ("package" in source ? source.package : source.path)

/**
 * Imports every entry and checks what it exports: the adapters, or every problem found (so that one start reports
 * them all).
 */
export const load = (
  entries: ReadonlyArray<string>,
  cwd: string = process.cwd()
): Effect.Effect<ReadonlyArray<LoadedAdapter>, ReadonlyArray<string>> =>
  Effect.gen(function* () {
    const problems: Array<string> = []
    const loaded: Array<LoadedAdapter> = []
    for (const entry of entries) {
      const resolved = resolveEntry(entry, cwd)
      if (typeof resolved === "string") {
        problems.push(problem(entry, resolved))
        continue
      }
      shareServerPeers(resolved.root)
      const imported = yield* Effect.tryPromise(() => import(resolved.url) as Promise<Record<string, unknown>>).pipe(
        Effect.result
      )
      if (imported._tag === "Failure") {
        const cause = imported.failure.cause
        problems.push(
          problem(entry, `could not import ${resolved.url}: ${cause instanceof Error ? cause.message : String(cause)}`)
        )
        continue
      }
      const module = imported.success.adapter
      if (!AdapterModule.isAdapterModule(module)) {
        problems.push(
          problem(
            entry,
            `${describeSource(resolved.source)} does not export an adapter module as \`adapter\` (export const adapter = AdapterModule.make({ … }) from @assure/provider)`
          )
        )
        continue
      }
      if (module.specificationVersion !== AdapterModule.specificationVersion) {
        problems.push(
          problem(
            entry,
            `adapter ${module.name} implements provider specification ${module.specificationVersion}; this server implements ${AdapterModule.specificationVersion}`
          )
        )
        continue
      }
      const taken = loaded.find((other) => other.module.name === module.name)
      if (taken !== undefined) {
        problems.push(
          problem(
            entry,
            `adapter ${module.name} from ${describeSource(resolved.source)} has the name of the adapter from ${describeSource(taken.source)}; provider names must be unique`
          )
        )
        continue
      }
      loaded.push({ module, source: resolved.source })
    }
    return problems.length > 0 ? yield* Effect.fail(problems) : loaded
  })

/** Reads every adapter's configuration; each adapter's layer, configured, or every problem of every adapter. */
const configure = (
  adapters: ReadonlyArray<LoadedAdapter>
): Effect.Effect<
  ReadonlyArray<{
    readonly adapter: LoadedAdapter
    readonly layer: Layer.Layer<never, unknown, AdapterModule.HostServices>
  }>,
  ReadonlyArray<string>
> =>
  Effect.gen(function* () {
    const problems: Array<string> = []
    const configured: Array<{
      readonly adapter: LoadedAdapter
      readonly layer: Layer.Layer<never, unknown, AdapterModule.HostServices>
    }> = []
    for (const adapter of adapters) {
      const config = yield* Effect.result(AdapterModule.readConfig(adapter.module))
      if (config._tag === "Failure") {
        for (const { variable, problem: what } of config.failure.problems) {
          problems.push(`adapter ${adapter.module.name} (${describeSource(adapter.source)}): ${variable} ${what}`)
        }
      } else {
        configured.push({ adapter, layer: adapter.module.layer(config.success) })
      }
    }
    return problems.length > 0 ? yield* Effect.fail(problems) : configured
  })

const refused = (problems: ReadonlyArray<string>) =>
  new ConfigurationError({
    setting: "ASSURE_PROVIDERS",
    problem:
      problems.length === 1
        ? (problems[0] ?? "")
        : `${problems.length} problems:${problems.map((line) => `\n  - ${line}`).join("")}`
  })

/**
 * A registry holding every adapter `settings.providers` names, and the list of them; the host provides each adapter's
 * layer with the `HttpClient`, a `FileSystem` and the server's public URL.
 */
export const layer = (
  settings: Settings
): Layer.Layer<ProviderRegistry.ProviderRegistry | LoadedAdapters, ConfigurationError, HttpClient.HttpClient> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const adapters = yield* load(settings.providers).pipe(Effect.mapError(refused))
      const configured = yield* configure(adapters).pipe(Effect.mapError(refused))
      const started = configured.map(({ adapter, layer }) =>
        Layer.catchCause(layer, (cause) =>
          Layer.effectDiscard(
            Effect.fail(
              refused([
                `adapter ${adapter.module.name} (${describeSource(adapter.source)}) could not start: ${AdapterModule.describeFailure(cause)}`
              ])
            )
          )
        )
      )
      // Each module must register the provider it is named after: that is the name the listing and processes use.
      const registeredByName = Layer.effectDiscard(
        Effect.gen(function* () {
          const names = yield* (yield* ProviderRegistry.ProviderRegistry).names
          const unregistered = adapters.filter(({ module }) => !names.includes(module.name))
          if (unregistered.length > 0) {
            return yield* refused(
              unregistered.map(
                ({ module, source }) =>
                  `adapter ${module.name} (${describeSource(source)}) registered no provider named ${module.name}`
              )
            )
          }
        })
      )
      // The default routing policy may only name what is loaded, as a client's own policy may.
      const routingChecked = Layer.effectDiscard(
        Effect.gen(function* () {
          if (Option.isNone(settings.routingPolicy)) return
          const registry = yield* ProviderRegistry.ProviderRegistry
          const loaded = yield* Effect.forEach(yield* registry.names, (name) => Effect.orDie(registry.get(name)))
          const problems = Routing.validate(settings.routingPolicy.value, loaded)
          if (problems.length > 0) {
            return yield* new ConfigurationError({
              setting: "ASSURE_ROUTING_POLICY",
              problem: problems.map((problem) => `${problem.path.join(".")}: ${problem.message}`).join("; ")
            })
          }
        })
      )
      return Layer.merge(registeredByName, routingChecked).pipe(
        Layer.provideMerge(Layer.mergeAll(Layer.empty, ...started)),
        Layer.provideMerge(ProviderRegistry.layer),
        Layer.provide([NodeFileSystem.layer, HostPublicUrl.layer(settings.publicUrl)]),
        Layer.merge(Layer.succeed(LoadedAdapters, adapters))
      )
    })
  )
