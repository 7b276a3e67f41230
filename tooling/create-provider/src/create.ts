/**
 * `pnpm new:provider <name>`: scaffolds `packages/providers/<name>`, a working adapter for a stub vendor API that
 * passes the conformance suite, with `TODO(vendor)` marking what to replace with the real vendor's API.
 *
 * Run by Node 24 directly (type stripping): erasable TypeScript only, relative imports with `.ts`.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { parseArgs } from "node:util"
import { namesOf, problemWith } from "./names.ts"
import { conflictFor, packageDir, scaffold, scaffoldStandalone } from "./scaffold.ts"

const usage = `Usage: pnpm new:provider <name> [--display-name "Acme ID"] [--skip-install] [--directory <dir>]

  <name>            the provider's name: lower-case letters and digits, words joined by "-" (acme-id)
  --display-name    how prose names the vendor (default: the name's words, capitalised)
  --skip-install    do not run pnpm install afterwards
  --directory       write a standalone package into <dir> (outside this repository; nothing else is written)`

const root = join(import.meta.dirname, "..", "..", "..")

function fail(message: string): never {
  console.error(`new:provider: ${message}\n\n${usage}`)
  process.exit(1)
}

const parsed = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        "display-name": { type: "string" },
        "skip-install": { type: "boolean", default: false },
        directory: { type: "string" },
        help: { type: "boolean", short: "h", default: false }
      }
    })
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error))
  }
})()

if (parsed.values.help) {
  console.log(usage)
  process.exit(0)
}

const [name, ...extra] = parsed.positionals
if (name === undefined) fail("the provider's name is missing")
if (extra.length > 0) fail(`one name only (also got ${extra.join(", ")})`)
const directory = parsed.values.directory === undefined ? undefined : resolve(parsed.values.directory)
const problem =
  problemWith(name) ??
  (directory === undefined
    ? conflictFor(root, name)
    : existsSync(directory) && readdirSync(directory).length > 0
      ? `${directory} is not empty: choose an empty or new folder`
      : undefined)
if (problem !== undefined) fail(problem)

const names = namesOf(name, parsed.values["display-name"])

if (directory !== undefined) {
  for (const file of scaffoldStandalone(root, names, directory)) console.log(`  created ${join(directory, file)}`)
  console.log(`
Created @assure/${names.name} in ${directory}: a standalone adapter for a stub ${names.display} API.

Next steps:
  1. Replace the stub with the vendor's API: grep -rn "TODO(vendor)" ${directory}
  2. Install its dependencies and build it: npm install && npm run build
  3. Run the server with it: ASSURE_PROVIDERS=sandbox,${directory} ${names.constant}_API_KEY=… ${names.constant}_WEBHOOK_SECRET=… assure-server
`)
  process.exit(0)
}
const target = relative(root, packageDir(root, names.name))
for (const file of scaffold(root, names)) console.log(`  created ${file}`)

/** Runs a command in the repository, showing its output; whether it succeeded. */
const run = (command: string, args: ReadonlyArray<string>): boolean =>
  spawnSync(command, args, { cwd: root, stdio: "inherit" }).status === 0

if (!parsed.values["skip-install"] && !run("pnpm", ["install"])) {
  fail(`pnpm install failed; fix the cause and run it again (${target} is written)`)
}

// Names of another length than the template's move lines past the line width, and one-word names make Biome
// unquote a property: format the new package when Biome is installed.
const biome = join(root, "node_modules", ".bin", "biome")
if (existsSync(biome) && !run(biome, ["check", "--write", target])) {
  console.warn(`new:provider: biome could not fix everything in ${target}; see above`)
}

console.log(`
Created @assure/${names.name} in ${target}: a working adapter for a stub ${names.display} API.

Next steps:
  1. Read docs/adding-a-provider.md.
  2. Replace the stub with the vendor's API: grep -rn "TODO(vendor)" ${target}
  3. Check it:  pnpm exec turbo run build typecheck test check:package --filter=@assure/${names.name}
${parsed.values["skip-install"] ? "\n  (Run pnpm install first: it was skipped.)\n" : ""}`)
