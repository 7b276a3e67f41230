/**
 * Helpers for tests that run the generator and the toolchain in a throw-away copy of the workspace.
 */
import { execFileSync, spawn } from "node:child_process"
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, join } from "node:path"

/** The repository this package sits in. */
export const repoRoot = join(import.meta.dirname, "..", "..", "..")

/** The generator, relative to a repository root. */
export const generator = join("tooling", "create-provider", "src", "create.ts")

/**
 * Copies the workspace's files into a fresh directory: the tracked ones and the untracked ones that are not ignored,
 * as they are on disk, so that uncommitted work is tested too. Paths for which `skip` is true are left out.
 */
export const copyWorkspace = (skip: (path: string) => boolean): string => {
  const target = mkdtempSync(join(tmpdir(), "assure-create-provider-"))
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  for (const path of listed.split("\0")) {
    // Deleted in the work tree but still in the index: the copy mirrors the work tree.
    if (path === "" || skip(path) || !existsSync(join(repoRoot, path))) continue
    mkdirSync(dirname(join(target, path)), { recursive: true })
    copyFileSync(join(repoRoot, path), join(target, path))
  }
  return target
}

/**
 * Copies the built `dist` folders of these workspace packages into a copy, so that the copy can build a package that
 * depends on them without building them again (`turbo run … --only`). Copied after the sources, they are newer than
 * them, so `tsc -b` takes them as up to date. Turbo builds them here before this package's tests: they are its
 * devDependencies.
 */
export const copyBuilt = (copy: string, packageDirs: ReadonlyArray<string>): void => {
  for (const dir of packageDirs) {
    const built = join(repoRoot, dir, "dist")
    if (!existsSync(built)) throw new Error(`${dir} is not built: run pnpm build first`)
    cpSync(built, join(copy, dir, "dist"), { recursive: true })
  }
}

/**
 * The environment for commands run in a copy: this run's own settings are left out — pnpm's `npm_*` variables,
 * turbo's and vitest's, and the `node_modules/.bin` folders of this repository on the PATH — so the copy runs on
 * what it installed itself.
 */
export const isolatedEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", NO_COLOR: "1" }
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|TURBO_|VITEST|INIT_CWD$|NODE_ENV$|TEST$|FORCE_COLOR$)/i.test(key)) continue
    env[key] = value
  }
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((entry) => !entry.startsWith(repoRoot))
    .join(delimiter)
  return env
}

/** How a command ended: its exit code and everything it printed. */
export interface Ran {
  readonly status: number | null
  readonly output: string
}

/** Runs a command to its end, collecting stdout and stderr together. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv }
): Promise<Ran> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env })
    let output = ""
    child.stdout.on("data", (chunk) => {
      output += chunk
    })
    child.stderr.on("data", (chunk) => {
      output += chunk
    })
    child.on("error", (error) => resolve({ status: null, output: `${output}${error.message}` }))
    child.on("close", (status) => resolve({ status, output }))
  })

/** A message that shows what a command printed, for a failed assertion. */
export const describeRun = (step: string, ran: Ran): string =>
  `${step} exited with ${ran.status}; it printed:\n${ran.output.slice(-20_000)}`
