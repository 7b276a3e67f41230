/**
 * `pnpm release:proof`: proves that the packages users install one by one work when they come from a registry.
 *
 * 1. Copies the repository into a temporary folder (the release rewrites manifests and changelogs there, never in
 *    the working tree) and installs it from pnpm's store.
 * 2. Starts verdaccio on a free loopback port with a throw-away storage and configuration (`registry.ts`).
 * 3. Runs the real release flow against it: a temporary changeset bumping every public package, `pnpm
 *    version-packages`, a commit, and `pnpm release --registry <url>`; then checks that every public package arrived
 *    with the version `changeset status` announced, as `latest`, with a complete tarball (`published.ts`).
 * 4. Creates each consumer project of `consumers/` outside the workspace, installs it with plain npm on the pinned
 *    Node, checks it got one copy of each `@assure` package at the released version and no `@assure` package it does
 *    not list, and runs its `proof` script (type-check and run; the adapter runs `@assure/testkit`'s suite with
 *    vitest; the page is bundled with esbuild). The built server runs meanwhile (`runningServer.ts`): the client
 *    consumer, which installs `@assure/api` and its peers only, calls it with the typed client.
 * 5. Releases a second version (a patch of `@assure/core` and `@assure/provider`, with what changesets bumps along),
 *    checks that only the changed packages were published, and that every consumer upgrades with `npm update` and
 *    still type-checks and runs.
 * 6. Writes the tarball and bundle sizes into its section of `BENCHMARKS.md`.
 *
 * Public packages are found with `pnpm ls -r`, so new packages are covered without changes here. A package whose
 * build is broken makes the release, and so the proof, fail with the build's errors. `--keep` keeps the temporary
 * folder for inspection.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { writeSection } from "./benchmarks.ts"
import {
  assureDependencies,
  createConsumer,
  installedAssurePackages,
  npmEnvironment,
  run,
  templates
} from "./consumers.ts"
import { checkPublished, type PublishedPackage, packument } from "./published.ts"
import { type Registry, startRegistry } from "./registry.ts"
import { startServer } from "./runningServer.ts"
import { copyRepository } from "./scratchCopy.ts"
import { type PublicPackage, publicPackages, readManifest, repositoryRoot } from "./workspace.ts"

const { values: options } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: { keep: { type: "boolean", default: false } }
})

const started = performance.now()
const log = (message: string): void =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)

let passed = 0
/** Counts a check that held, and says so. */
const held = (message: string): void => {
  passed += 1
  log(`  ok: ${message}`)
}
const expect = (condition: boolean, message: string): void => {
  if (!condition) throw new Error(message)
  held(message)
}

const work = mkdtempSync(join(tmpdir(), "assure-release-proof-"))
const repository = join(work, "repository")
const tarballs = join(work, "tarballs")
const consumersDirectory = join(work, "consumers")

/** One release: what `changeset status` announced, and what the registry then had. */
interface Release {
  /** The version of every public package after the release. */
  readonly versions: ReadonlyMap<string, string>
  /** The packages this release published. */
  readonly published: ReadonlyArray<PublishedPackage>
}

const releaseRound = async (
  registry: Registry,
  label: string,
  bumps: ReadonlyArray<readonly [string, "patch" | "minor"]>,
  before: ReadonlyArray<PublicPackage>
): Promise<Release> => {
  const env = { ...process.env, npm_config_userconfig: registry.publishConfig, pnpm_config_registry: registry.url }
  const step = (command: string, args: ReadonlyArray<string>, what: string) => {
    const output = run(command, args, { cwd: repository, env, what })
    writeFileSync(join(work, `${label}-${what.replace(/\W+/g, "-")}.log`), output)
    return output
  }
  writeFileSync(
    join(repository, ".changeset", `release-proof-${label}.md`),
    `---\n${bumps.map(([name, bump]) => `"${name}": ${bump}`).join("\n")}\n---\n\nThe release proof's ${label} release.\n`
  )
  const planFile = join(work, `${label}-plan.json`)
  step("pnpm", ["exec", "changeset", "status", "--output", planFile], "changeset status")
  const plan = JSON.parse(readFileSync(planFile, "utf8")) as {
    readonly releases: ReadonlyArray<{ readonly name: string; readonly type: string; readonly newVersion: string }>
  }
  const announced = new Map(
    plan.releases.filter((release) => release.type !== "none").map((release) => [release.name, release.newVersion])
  )
  const expected = new Map(before.map((p) => [p.name, announced.get(p.name) ?? p.version]))
  log(`${label} release: ${[...announced].map(([name, version]) => `${name}@${version}`).join(", ")}`)

  step("pnpm", ["version-packages"], "pnpm version-packages")
  for (const p of before) {
    const version = readManifest(p.directory).version
    if (version !== expected.get(p.name)) {
      throw new Error(`pnpm version-packages set ${p.name} to ${version}, not ${expected.get(p.name)}`)
    }
  }
  held(`pnpm version-packages applied the ${label} changesets as changeset status announced`)
  run("git", ["add", "--all"], { cwd: repository, env, what: "git add" })
  run(
    "git",
    [
      "-c",
      "user.name=assure release proof",
      "-c",
      "user.email=release-proof@localhost",
      "commit",
      "--quiet",
      "-m",
      `Version packages (${label} release)`
    ],
    { cwd: repository, env, what: "git commit" }
  )

  log(`pnpm release --registry ${registry.url}`)
  step("pnpm", ["release", "--registry", registry.url], "pnpm release")

  const published: Array<PublishedPackage> = []
  const problems: Array<string> = []
  for (const p of before) {
    const version = expected.get(p.name) ?? p.version
    try {
      if (announced.has(p.name)) {
        published.push(await checkPublished(registry.url, { name: p.name, version }, tarballs))
      } else {
        // Not bumped: the registry must still have its previous version as latest, and nothing new.
        const document = await packument(registry.url, p.name)
        const versions = Object.keys(document?.versions ?? {})
        if (document?.["dist-tags"].latest !== version || versions.at(-1) !== version) {
          throw new Error(`${p.name} was not bumped but the registry has ${versions.join(", ")}`)
        }
      }
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error))
    }
  }
  if (problems.length > 0) throw new Error(`${label} release:\n${problems.join("\n")}`)
  held(
    `${label} release: ${published.length} packages on the registry with the announced version as latest and complete tarballs` +
      (published.length < before.length ? `; the ${before.length - published.length} not bumped were left alone` : "")
  )
  return { versions: expected, published }
}

/**
 * Installs or upgrades every consumer, checks the `@assure` packages it got, and runs its proof script, with the
 * built server of this release running for the consumers that call one.
 */
const exerciseConsumers = async (
  registry: Registry,
  names: ReadonlyArray<string>,
  versions: ReadonlyMap<string, string>,
  mode: "install" | "upgrade"
): Promise<{ readonly bundle?: { readonly minified: number; readonly gzipped: number } }> => {
  const server = await startServer(repository)
  log(`the built server of this release runs at ${server.url}`)
  try {
    return exerciseEach(registry, names, versions, mode, server.env)
  } finally {
    await server.stop()
  }
}

const exerciseEach = (
  registry: Registry,
  names: ReadonlyArray<string>,
  versions: ReadonlyMap<string, string>,
  mode: "install" | "upgrade",
  serverEnv: Readonly<Record<string, string>>
): { readonly bundle?: { readonly minified: number; readonly gzipped: number } } => {
  const env = {
    ...npmEnvironment({
      registry: registry.url,
      userConfig: registry.installConfig,
      cache: join(work, "npm-cache")
    }),
    ...serverEnv
  }
  let bundle: { minified: number; gzipped: number } | undefined
  for (const name of names) {
    const directory = join(consumersDirectory, name)
    const context = { cwd: directory, env }
    if (mode === "install") {
      createConsumer(name, directory, versions)
      log(`consumer ${name}: npm install`)
      run("npm", ["install"], { ...context, what: `npm install (${name})` })
    } else {
      log(`consumer ${name}: npm update`)
      run("npm", ["update", "--prefer-online"], { ...context, what: `npm update (${name})` })
    }
    const installed = installedAssurePackages(directory)
    for (const [pkg, found] of installed) {
      if (found.length !== 1 || found[0] !== versions.get(pkg)) {
        throw new Error(`${name}: ${pkg} installed as ${found.join(" and ")}, expected only ${versions.get(pkg)}`)
      }
    }
    const listed = assureDependencies(directory)
    const extra = [...installed.keys()].filter((pkg) => !listed.includes(pkg))
    if (extra.length > 0) throw new Error(`${name}: installed ${extra.join(", ")}, which it does not depend on`)
    held(
      `${name}: ${mode === "install" ? "installed" : "upgraded to"} ${[...installed]
        .map(([pkg, [version]]) => `${pkg.replace("@assure/", "")}@${version}`)
        .join(", ")}, one copy each and no other @assure package`
    )
    run("npm", ["ls", "--all"], { ...context, what: `npm ls (${name}): missing or invalid dependencies` })
    const nodeVersion = run("node", ["--version"], { ...context, what: "node --version" }).trim()
    expect(nodeVersion === process.version, `${name}: runs on the pinned Node ${nodeVersion}`)
    const output = run("npm", ["run", "--silent", "proof"], { ...context, what: `the ${name} consumer's proof` })
    for (const line of output
      .split("\n")
      .filter((l) => /^(service|engine|client):|Tests\s+\d|Test Files/.test(l.trim()))) {
      log(`    ${line.trim()}`)
    }
    const sizes = /page-bundle (\{.*\})/.exec(output)?.[1]
    if (sizes !== undefined) {
      bundle = JSON.parse(sizes) as { minified: number; gzipped: number }
      log(`    page bundle: ${bundle.minified} bytes minified, ${bundle.gzipped} gzipped`)
    }
    held(`${name}: type-checks and runs (${mode === "install" ? "first" : "second"} release)`)
  }
  return bundle === undefined ? {} : { bundle }
}

let registry: Registry | undefined
try {
  log(`working in ${work}`)
  const copied = copyRepository(repositoryRoot, repository)
  log(`copied ${copied} files of the repository; installing the copy`)
  run("pnpm", ["install", "--frozen-lockfile", "--prefer-offline"], {
    cwd: repository,
    env: process.env,
    what: "pnpm install in the copy of the repository"
  })
  const packages = publicPackages(repository)
  log(`public packages: ${packages.map((p) => p.name).join(", ")}`)
  mkdirSync(tarballs, { recursive: true })
  mkdirSync(consumersDirectory, { recursive: true })

  mkdirSync(join(work, "registry"), { recursive: true })
  registry = await startRegistry(join(work, "registry"))
  log(`verdaccio listening at ${registry.url}`)
  expect(new URL(registry.url).hostname === "127.0.0.1", "the registry is on loopback")

  const first = await releaseRound(
    registry,
    "first",
    packages.map((p) => [p.name, "patch"] as const),
    packages
  )
  const names = templates()
  const { bundle } = await exerciseConsumers(registry, names, first.versions, "install")

  const second = await releaseRound(
    registry,
    "second",
    [
      ["@assure/core", "patch"],
      ["@assure/provider", "patch"]
    ],
    publicPackages(repository)
  )
  const upgraded = await exerciseConsumers(registry, names, second.versions, "upgrade")
  if (bundle === undefined) throw new Error("no consumer reported a bundle size")

  const seconds = (performance.now() - started) / 1000
  writeSection(join(repositoryRoot, "BENCHMARKS.md"), {
    date: new Date(),
    node: process.version,
    seconds,
    packages: first.published,
    bundle,
    consumers: names
  })
  console.log("\npackage                      version  tarball    unpacked")
  for (const p of first.published) {
    console.log(
      `${p.name.padEnd(28)} ${p.version.padEnd(8)} ${`${(p.tarballBytes / 1000).toFixed(1)} kB`.padStart(9)}  ${`${(p.unpackedBytes / 1000).toFixed(1)} kB`.padStart(9)}`
    )
  }
  console.log(
    `page bundle: ${bundle.minified} bytes minified, ${bundle.gzipped} gzipped` +
      (upgraded.bundle === undefined ? "" : ` (after the upgrade: ${upgraded.bundle.gzipped} gzipped)`)
  )
  log(`release proof done in ${seconds.toFixed(0)} s; figures written to BENCHMARKS.md`)
  console.log(`release proof: ${passed} passed, 0 failed`)
} catch (error) {
  const cause = error instanceof Error && error.cause !== undefined ? ` (${String(error.cause)})` : ""
  console.error(`\nrelease proof FAILED: ${error instanceof Error ? error.message : String(error)}${cause}`)
  console.error(`(the temporary folder ${work} is kept for inspection)`)
  console.log(`release proof: ${passed} passed, 1 failed`)
  options.keep = true
  process.exitCode = 1
} finally {
  await registry?.stop()
  if (!options.keep) rmSync(work, { recursive: true, force: true })
}
