import { execFileSync } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"

describe("the README example", () => {
  it("normalises Stripe's fixture report and reports bad input with paths", () => {
    const output = execFileSync(process.execPath, ["examples/normalise-stripe-report.ts"], {
      cwd: new URL("..", import.meta.url),
      encoding: "utf8"
    })
    const [normalised, problems] = output.split(/\n(?=\[)/)
    assert.deepStrictEqual(JSON.parse(normalised ?? ""), {
      verifiedAt: "2009-02-13T23:31:30Z",
      finalResult: {
        firstName: "Jenny",
        lastName: "Rosen",
        documentType: "driverLicense",
        issuingCountry: "USA",
        dateOfIssue: "2020-12-01",
        dateOfExpiry: "2030-12-01"
      }
    })
    assert.deepStrictEqual(
      JSON.parse(problems ?? "").map((problem: { name: string }) => problem.name),
      ["document.expiration_date", "document.issuing_country"]
    )
    // A Node process of its own: in a whole-repository run on two cores its start-up alone can pass the 5 s default.
  }, 60_000)
})
