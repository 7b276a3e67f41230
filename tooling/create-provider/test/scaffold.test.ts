// The generator's promise: `pnpm new:provider <name>` makes a package that builds, type-checks, passes its tests
// (the conformance suite) and its package checks, and is formatted — checked in a copy of this workspace.
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { copyBuilt, copyWorkspace, describeRun, generator, isolatedEnv, run } from "./workspace.ts"

const name = "acme-id"

// The checks that need what the stub vendor does not offer: redirect and hosted flows, timestamped signatures,
// several signatures in one header, cancellation. Any other skipped check would mean the harness leaves a hook out.
const expectedSkips = [
  "reaches accepted when the end-user comes back from the redirect",
  "reaches rejected when the end-user comes back from the redirect",
  "reaches inconclusive when the end-user comes back from the redirect",
  "refuses stale (replayed) webhooks",
  "accepts a webhook signed with the old and the new secret in one header (secret rotation)",
  "refuses a webhook whose signatures are all made with unknown secrets",
  "a hosted flow gives the end-user the vendor's page or an SDK token",
  "an end-user who cancels at the provider ends the process as canceled",
  "cancelling a started verification ends it as canceled"
]

interface Report {
  readonly testResults: ReadonlyArray<{
    readonly assertionResults: ReadonlyArray<{ readonly title: string; readonly status: string }>
  }>
}

describe("pnpm new:provider", () => {
  it("scaffolds a package that builds, passes the conformance suite and the package checks", async () => {
    // A package of that name in this workspace would make the generator refuse: the copy leaves it out.
    const copy = copyWorkspace(
      (path) => path.startsWith(`packages/providers/${name}/`) || path === `.changeset/${name}-initial.md`
    )
    // What the new package builds on is built already: building it again in the copy took most of this test's time,
    // and under a whole-repository run on two cores, longer than its timeout.
    copyBuilt(copy, ["packages/core", "packages/provider", "packages/testkit"])
    const env = isolatedEnv()
    const steps: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
      [process.execPath, [generator, name, "--skip-install"]],
      // Not frozen: the lockfile does not know the new package yet. Offline: the store has every package.
      ["pnpm", ["install", "--offline", "--no-frozen-lockfile"]],
      [
        "pnpm",
        [
          "exec",
          "turbo",
          "run",
          "build",
          "typecheck",
          "test",
          "check:package",
          `--filter=@assure/${name}`,
          "--only",
          "--output-logs=errors-only"
        ]
      ],
      ["pnpm", ["exec", "biome", "check", join("packages", "providers", name)]],
      // Again, to read which conformance checks ran.
      [
        "pnpm",
        [
          "--filter",
          `@assure/${name}`,
          "exec",
          "vitest",
          "run",
          "test/conformance.test.ts",
          "--reporter=json",
          `--outputFile=${join("..", "..", "..", "conformance.json")}`
        ]
      ]
    ]
    let passed = false
    try {
      for (const [command, args] of steps) {
        const ran = await run(command, args, { cwd: copy, env })
        assert.strictEqual(ran.status, 0, describeRun(`${command} ${args.join(" ")} (in ${copy})`, ran))
      }
      const report = JSON.parse(readFileSync(join(copy, "conformance.json"), "utf8")) as Report
      const checks = report.testResults.flatMap((file) => file.assertionResults)
      assert.deepStrictEqual(
        checks.filter((check) => check.status === "failed").map((check) => check.title),
        [],
        "no conformance check fails"
      )
      assert.deepStrictEqual(
        checks.filter((check) => check.status !== "passed").map((check) => check.title),
        expectedSkips,
        "only the checks for capabilities the stub vendor lacks are skipped"
      )
      assert.isAtLeast(checks.length, expectedSkips.length + 15, "every check of the suite ran")
      passed = true
    } finally {
      // A failed run keeps its copy, to look into.
      if (passed) rmSync(copy, { recursive: true, force: true })
    }
  }, 420_000)
})
