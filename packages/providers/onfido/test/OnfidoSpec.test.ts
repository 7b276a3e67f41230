// The validator the other tests hold the simulator's answers against (test/support/OnfidoSpec.ts): it must find what
// breaks Onfido's document — a null the document has no room for, a report variant that does not exist, a body where
// none is declared — and pass what the document allows.
import { assert, describe, it } from "@effect/vitest"
import type * as Testing from "../src/testing.js"
import * as OnfidoSpec from "./support/OnfidoSpec.js"

const id = "4f2e1c1e-0000-4000-8000-000000000000"
const json = "application/json; charset=utf-8"

const answer = (method: string, path: string, status: number, body: unknown, contentType = json) =>
  ({ method, path: `/v3.6${path}`, status, contentType, body }) satisfies Testing.RecordedAnswer

// Each operation's validator is compiled from Onfido's whole document the first time it is asked for: seconds on a
// loaded machine (a 5 s timeout was hit once in CI, 2026-12-07).
describe("OnfidoSpec: answers held against Onfido's document", { timeout: 30_000 }, () => {
  it("matches a path to its operation, a literal path before a template", () => {
    assert.strictEqual(OnfidoSpec.operationOf("GET", `/checks/${id}`)?.operation.operationId, "find_check")
    assert.strictEqual(OnfidoSpec.operationOf("POST", "/webhooks/resend")?.operation.operationId, "resend_webhooks")
    assert.isUndefined(OnfidoSpec.operationOf("GET", "/nowhere"))
  })

  it("passes an applicant as the document describes it, and finds its nulls", () => {
    const applicant = { id, first_name: "Jane", last_name: "Doe", created_at: "2026-12-07T06:00:00Z", id_numbers: [] }
    assert.deepStrictEqual(OnfidoSpec.violations(answer("POST", "/applicants", 201, applicant)), [])
    const found = OnfidoSpec.violations(answer("POST", "/applicants", 201, { ...applicant, email: null }))
    assert.lengthOf(found, 1)
    assert.match(found[0] ?? "", /create_applicant.*\/email must be string/)
  })

  it("reads a report by its name (the document's discriminator)", () => {
    const report = { id, name: "document", status: "complete", result: "clear", sub_result: "clear" }
    assert.deepStrictEqual(OnfidoSpec.violations(answer("GET", `/reports/${id}`, 200, report)), [])
    assert.isNotEmpty(OnfidoSpec.violations(answer("GET", `/reports/${id}`, 200, { ...report, name: "horoscope" })))
    assert.isNotEmpty(OnfidoSpec.violations(answer("GET", `/reports/${id}`, 200, { ...report, sub_result: null })))
  })

  it("checks errors against Onfido's error shape, files by type, and empty answers", () => {
    const error = { error: { type: "resource_not_found", message: "The check could not be found", fields: {} } }
    assert.deepStrictEqual(OnfidoSpec.violations(answer("GET", `/checks/${id}`, 404, error)), [])
    assert.isNotEmpty(OnfidoSpec.violations(answer("GET", `/checks/${id}`, 404, { error: "not found" })))
    const pdf = new TextEncoder().encode("%PDF-1.4")
    assert.deepStrictEqual(
      OnfidoSpec.violations(answer("GET", `/checks/${id}/download`, 200, pdf, "application/pdf")),
      []
    )
    assert.isNotEmpty(OnfidoSpec.violations(answer("GET", `/checks/${id}/download`, 200, { id })))
    assert.deepStrictEqual(OnfidoSpec.violations(answer("DELETE", `/webhooks/${id}`, 204, "")), [])
    assert.isNotEmpty(OnfidoSpec.violations(answer("DELETE", `/webhooks/${id}`, 204, { id })))
    assert.isNotEmpty(OnfidoSpec.violations(answer("GET", "/nowhere", 200, {})))
  })
})
