import { DocumentType, ProcessStatus } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Result, Schema } from "effect"
import { CodeTable } from "../src/index.js"

const documentClasses = CodeTable.make(
  "Veriff document type",
  { PASSPORT: "passport", ID_CARD: "idCard", DRIVERS_LICENSE: "driverLicense", RESIDENCE_PERMIT: "residencePermit" },
  { to: DocumentType.DocumentType, fallback: CodeTable.fallbackTo("other") }
)
const statuses = CodeTable.make(
  "Stripe session status",
  { processing: "processing", verified: "accepted", canceled: "canceled" },
  { to: ProcessStatus.ProcessStatus }
)
const rejectLabels = CodeTable.make(
  "Onfido reject label",
  { document_expired: "Document expired", selfie_face_mismatch: "Selfie does not match" },
  { fallback: CodeTable.keepCode }
)

describe("CodeTable", () => {
  it("maps every code of the table to its value, as a function and as a schema", () => {
    assert.deepStrictEqual(statuses.get("verified"), Result.succeed("accepted"))
    assert.strictEqual(Schema.decodeUnknownSync(statuses.schema)("canceled"), "canceled")
    assert.strictEqual(Schema.decodeUnknownSync(documentClasses.schema)("DRIVERS_LICENSE"), "driverLicense")
    assert.deepStrictEqual(statuses.codes, ["processing", "verified", "canceled"])
  })

  it("gives a typed UnknownCode for a code without a fallback, and a schema issue naming the table", () => {
    const result = statuses.get("requires_review")
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.instanceOf(result.failure, CodeTable.UnknownCode)
      assert.strictEqual(result.failure.table, "Stripe session status")
      assert.strictEqual(result.failure.code, "requires_review")
    }
    const exit = Effect.runSyncExit(statuses.decode("requires_review"))
    assert.isTrue(Exit.isFailure(exit))
    const decoded = Schema.decodeUnknownExit(statuses.schema)("requires_review")
    assert.isTrue(Exit.isFailure(decoded))
    assert.include(String(decoded), "Unknown Stripe session status code")
    // Codes are exact unless the table says otherwise.
    assert.isTrue(Result.isFailure(statuses.get("VERIFIED")))
    const lenient = CodeTable.make("status", { verified: "accepted" }, { caseInsensitive: true })
    assert.deepStrictEqual(lenient.get("VERIFIED"), Result.succeed("accepted"))
  })

  it("applies the documented fallback: a fixed value, or the code kept raw", () => {
    assert.deepStrictEqual(documentClasses.get("HEALTH_INSURANCE_CARD"), Result.succeed("other"))
    assert.strictEqual(Schema.decodeUnknownSync(documentClasses.schema)("HEALTH_INSURANCE_CARD"), "other")
    assert.deepStrictEqual(documentClasses.fallback, CodeTable.fallbackTo("other"))
    assert.strictEqual(Schema.decodeUnknownSync(rejectLabels.schema)("document_expired"), "Document expired")
    assert.strictEqual(Schema.decodeUnknownSync(rejectLabels.schema)("new_label_2027"), "new_label_2027")
  })

  it("encodes a value back to the vendor's code, and refuses values no code stands for", () => {
    assert.strictEqual(Schema.encodeSync(documentClasses.schema)("idCard"), "ID_CARD")
    assert.strictEqual(Schema.encodeSync(rejectLabels.schema)("new_label_2027"), "new_label_2027")
    assert.isTrue(Exit.isFailure(Schema.encodeExit(documentClasses.schema)("visa")))
    assert.isTrue(Exit.isFailure(Schema.encodeUnknownExit(statuses.schema)("rejected")))
  })

  it("works as a field of a vendor response schema, with the path of a bad code", () => {
    const Report = Schema.Struct({ status: statuses.schema, document: Schema.optionalKey(documentClasses.schema) })
    assert.deepStrictEqual(Schema.decodeUnknownSync(Report)({ status: "verified", document: "PASSPORT" }), {
      status: "accepted",
      document: "passport"
    })
    const exit = Schema.decodeUnknownExit(Report)({ status: "paused" })
    assert.isTrue(Exit.isFailure(exit))
    assert.include(String(exit), "status")
  })
})
