/**
 * `pnpm release`: publishes every public package of the workspace whose version is not yet on the registry.
 *
 * 1. `changeset status` must pass and find no changeset waiting: a changed package without a changeset, or a
 *    changeset not yet applied by `pnpm version-packages`, stops the release before anything is built, so a release
 *    never silently leaves a changed package behind.
 * 2. The public packages (every workspace package that is not `private`) are built with turbo.
 * 3. `pnpm publish -r` publishes those whose version the registry does not have yet, rewriting `workspace:` ranges
 *    to real ones, with `--provenance` when the CI can sign it (GitHub Actions with `id-token: write`, GitLab with
 *    `SIGSTORE_ID_TOKEN`). `changeset publish` is not used: it calls `pnpm publish` without a way to pass
 *    `--provenance`, and pnpm 12 reads provenance from no configuration or environment variable.
 * 4. `changeset git-tag` tags the released versions in git (`--no-git-tag` skips it).
 *
 * Options: `--registry <url>` publishes there instead of the configured registry (credentials come from the npm
 * configuration as usual: `npm_config_userconfig` or `~/.npmrc`); `--no-git-tag`. `ASSURE_RELEASE_PROVENANCE=0`
 * or `=1` overrides the provenance detection.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { publicPackages, repositoryRoot } from "./workspace.ts"

const { values: options } = parseArgs({
  // pnpm 12 hands a `--` separator on to the script
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    registry: { type: "string" },
    "no-git-tag": { type: "boolean", default: false }
  }
})
const root = repositoryRoot

const fail = (message: string): never => {
  console.error(`\nrelease: ${message}`)
  process.exit(1)
}

const run = (command: string, args: ReadonlyArray<string>, what: string): void => {
  console.log(`\n$ ${command} ${args.join(" ")}`)
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" })
  if (result.status !== 0) fail(`${what} failed (exit code ${result.status ?? result.signal}); nothing more was done`)
}

/** Whether this run can sign a provenance statement: only in a CI with an OIDC identity token. */
const provenance = (): boolean => {
  const forced = process.env.ASSURE_RELEASE_PROVENANCE
  if (forced === "1" || forced === "true") return true
  if (forced === "0" || forced === "false") return false
  const githubOidc = process.env.GITHUB_ACTIONS === "true" && process.env.ACTIONS_ID_TOKEN_REQUEST_URL !== undefined
  const gitlabOidc = process.env.GITLAB_CI === "true" && process.env.SIGSTORE_ID_TOKEN !== undefined
  return githubOidc || gitlabOidc
}

// 1. Nothing changed may be left without a version.
const scratch = mkdtempSync(join(tmpdir(), "assure-release-"))
try {
  const statusFile = join(scratch, "status.json")
  run("pnpm", ["exec", "changeset", "status", "--output", statusFile], "changeset status")
  const plan = JSON.parse(readFileSync(statusFile, "utf8")) as {
    readonly releases: ReadonlyArray<{ readonly name: string; readonly type: string; readonly newVersion: string }>
  }
  const waiting = plan.releases.filter((release) => release.type !== "none")
  if (waiting.length > 0) {
    fail(
      `changesets are waiting to be applied (${waiting.map((r) => `${r.name} -> ${r.newVersion}`).join(", ")}).\n` +
        "Run `pnpm version-packages`, review and commit the new versions and changelogs, then release."
    )
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}

// 2. Build what is published.
const packages = publicPackages(root)
if (packages.length === 0) fail("the workspace has no public package")
console.log(
  `\nrelease: ${packages.length} public packages: ${packages.map((p) => `${p.name}@${p.version}`).join(", ")}`
)
run(
  "pnpm",
  ["exec", "turbo", "run", "build", "--output-logs=errors-only", ...packages.map((p) => `--filter=${p.name}`)],
  "the build of the public packages"
)

// 3. Publish the versions the registry does not have.
const signed = provenance()
run(
  "pnpm",
  [
    "publish",
    "--recursive",
    "--access",
    "public",
    "--no-git-checks",
    "--report-summary",
    ...(signed ? ["--provenance"] : []),
    ...(options.registry === undefined ? [] : ["--registry", options.registry])
  ],
  "pnpm publish"
)
const summaryFile = join(root, "pnpm-publish-summary.json")
const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as {
  readonly publishedPackages: ReadonlyArray<{ readonly name: string; readonly version: string }>
}
rmSync(summaryFile)
const published = summary.publishedPackages.map((p) => `${p.name}@${p.version}`)
console.log(
  published.length === 0
    ? "\nrelease: every public version was already on the registry; nothing published"
    : `\nrelease: published ${published.join(", ")}${signed ? " with provenance" : ""}`
)

// 4. Tag the released versions.
if (!options["no-git-tag"] && published.length > 0) run("pnpm", ["exec", "changeset", "git-tag"], "changeset git-tag")
