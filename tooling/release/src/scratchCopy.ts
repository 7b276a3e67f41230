/**
 * A throw-away copy of the repository for the proof to release from: `changeset version` rewrites manifests and
 * changelogs and `changeset tag` writes git tags, none of which may touch the working tree the proof was started in.
 *
 * The copy holds the files git tracks, as they are in the working tree (uncommitted changes included; untracked
 * files, such as a package another person is still creating, and ignored ones such as `node_modules` and `dist`,
 * left out), as a new git repository with one commit on `main`, and is installed from pnpm's store with the lockfile
 * as it stands.
 */
import { execFileSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync } from "node:fs"
import { dirname, join } from "node:path"

const git = (cwd: string, args: ReadonlyArray<string>): string =>
  execFileSync("git", ["-c", "user.name=assure release proof", "-c", "user.email=release-proof@localhost", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })

/** Copies the repository at `source` into `target` (a new folder) and makes it a git repository. */
export const copyRepository = (source: string, target: string): number => {
  const files = git(source, ["ls-files", "-z", "--cached"])
    .split("\0")
    .filter((file) => file.length > 0 && existsSync(join(source, file)))
  for (const file of new Set(files)) {
    mkdirSync(dirname(join(target, file)), { recursive: true })
    copyFileSync(join(source, file), join(target, file))
  }
  git(target, ["init", "--quiet", "--initial-branch=main"])
  git(target, ["add", "--all"])
  git(target, ["commit", "--quiet", "--no-verify", "--message", "the repository as the release proof found it"])
  return files.length
}
