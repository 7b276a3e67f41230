import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

interface Report {
  readonly testResults: ReadonlyArray<{
    readonly assertionResults: ReadonlyArray<{
      readonly ancestorTitles: ReadonlyArray<string>
      readonly title: string
      readonly status: string
    }>
  }>
}

/** Runs the suite against the echo provider, correct and broken, in a child vitest, and reads what failed. */
const runFixture = (): Map<string, { failed: Array<string>; passed: number; skipped: number }> => {
  const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url))
  const output = join(mkdtempSync(join(tmpdir(), "testkit-")), "report.json")
  const vitest = join(createRequire(import.meta.url).resolve("vitest/package.json"), "..", "vitest.mjs")
  spawnSync(process.execPath, [vitest, "run", "--root", fixtures, "--reporter=json", `--outputFile=${output}`], {
    encoding: "utf8"
  })
  const report = JSON.parse(readFileSync(output, "utf8")) as Report
  const byFault = new Map<string, { failed: Array<string>; passed: number; skipped: number }>()
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      const fault = test.ancestorTitles[0] ?? ""
      const entry = byFault.get(fault) ?? { failed: [], passed: 0, skipped: 0 }
      if (test.status === "failed") entry.failed.push(test.title)
      else if (test.status === "passed") entry.passed++
      else entry.skipped++
      byFault.set(fault, entry)
    }
  }
  return byFault
}

describe("Conformance.suite", () => {
  const results = runFixture()

  it("passes a correct provider, skipping only what it does not support", () => {
    const correct = results.get("correct")
    assert.deepStrictEqual(correct?.failed, [])
    assert.isAbove(correct?.passed ?? 0, 8)
  })

  it("catches each kind of broken adapter, and only where it is broken", () => {
    const expected: Record<string, ReadonlyArray<string>> = {
      leaksSecretInErrors: ["never puts a secret in an error or a log line"],
      acceptsUnsignedWebhooks: [
        "refuses webhooks whose body was altered or whose signature is missing",
        "refuses stale (replayed) webhooks",
        "refuses a webhook whose signatures are all made with unknown secrets"
      ],
      checksOnlyTheFirstSignature: [
        "accepts a webhook signed with the old and the new secret in one header (secret rotation)"
      ],
      misclassifiesUnauthorized: ["classifies a vendor failure (unauthorized) as Unauthorized"],
      returnsUnnormalisedCountry: [
        "reaches accepted with a normalised result",
        "a pending verification becomes final through a signed webhook"
      ],
      keepsFinalResultWhenRejected: ["reaches rejected with a normalised result"],
      declaresWrongCapabilities: ["implements this specification version and declares its capabilities"],
      losesHostedUrl: ["a hosted flow gives the end-user the vendor's page or an SDK token"],
      reportsAbandonmentAsRejected: ["an end-user who cancels at the provider ends the process as canceled"],
      declaresPhotosWithoutUploads: [
        "says how the end-user takes part in each process type it runs, and only in those"
      ],
      offersFlowsForAnyProcessType: ["says how the end-user takes part in each process type it runs, and only in those"]
    }
    for (const [fault, failures] of Object.entries(expected)) {
      assert.deepStrictEqual([...(results.get(fault)?.failed ?? [])].sort(), [...failures].sort(), fault)
    }
  })
})
