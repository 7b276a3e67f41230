// Stripe's bracket-notation form encoding, both ways.
import { assert, describe, it } from "@effect/vitest"
import * as Form from "../src/internal/form.js"

describe("form encoding", () => {
  it("writes nested objects and arrays in Stripe's bracket notation", () => {
    assert.strictEqual(
      Form.encode({
        type: "document",
        metadata: { note: "a b&c=d" },
        options: { document: { allowed_types: ["passport", "id_card"], require_matching_selfie: true } },
        return_url: undefined
      }),
      "type=document&metadata[note]=a%20b%26c%3Dd&options[document][allowed_types][0]=passport" +
        "&options[document][allowed_types][1]=id_card&options[document][require_matching_selfie]=true"
    )
  })

  it("reads bracket notation back, including `key[]` arrays and percent-encoded brackets", () => {
    assert.deepStrictEqual<unknown>(
      Form.decode("type=document&options%5Bdocument%5D%5Brequire_live_capture%5D=false&expand[]=a&expand[]=b"),
      { type: "document", options: { document: { require_live_capture: "false" } }, expand: { 0: "a", 1: "b" } }
    )
  })

  it("refuses a key given as a value and as an object", () => {
    assert.isUndefined(Form.decode("a=1&a[b]=2"))
    assert.isUndefined(Form.decode("a[b]=2&a=1"))
  })
})
