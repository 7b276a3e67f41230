import { IdentityData } from "@assure/core"
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Failure, fromProblem, render } from "../src/Failure.js"
import { dataUrl, demoJpeg, mediaTypeOf } from "../src/Files.js"
import { identity, table } from "../src/Render.js"

describe("files", () => {
  it("reads the media type from the bytes, else the name", () => {
    expect(mediaTypeOf(demoJpeg())).toBe("image/jpeg")
    expect(mediaTypeOf(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d]))).toBe("image/png")
    expect(mediaTypeOf(new Uint8Array(4), "scan.PNG")).toBe("image/png")
    expect(mediaTypeOf(new Uint8Array(4), "notes")).toBe("application/octet-stream")
  })

  it("makes data URLs the API accepts", () => {
    expect(dataUrl(demoJpeg(), "image/jpeg")).toMatch(/^data:image\/jpeg;base64,\/9j\/4A/)
  })
})

describe("failures", () => {
  it("renders problem details: title, status, detail, each invalid parameter", () => {
    const failure = fromProblem({
      type: "https://assure.dev/problems/invalid-request-parameter",
      title: "Invalid request parameter",
      status: 400,
      detail: "The request is not valid",
      invalidParams: [{ name: "userData.nationality", reason: "Expected an ISO 3166-1 alpha-3 country code" }],
      traceId: "abc123"
    })
    expect(failure).toBeInstanceOf(Failure)
    expect(render(failure as Failure)).toBe(
      [
        "Error: Invalid request parameter (HTTP 400)",
        "  The request is not valid",
        "  - userData.nationality: Expected an ISO 3166-1 alpha-3 country code",
        "  trace id: abc123"
      ].join("\n")
    )
    expect(fromProblem({ message: "not a problem" })).toBeUndefined()
  })
})

describe("tables", () => {
  it("pads columns to the widest cell", () => {
    expect(
      table([
        ["A", "BB"],
        ["ccc", "d"]
      ])
    ).toBe("A    BB\nccc  d")
  })
})

describe("identity data", () => {
  it("writes an address on one line, not as an object", () => {
    const text = identity(
      Schema.decodeUnknownSync(IdentityData.IdentityData)({
        lastName: "Nordmann",
        address: { lines: ["Storgata 1", "Leilighet H0203"], postalCode: "0155", city: "Oslo", country: "NOR" }
      })
    )
    expect(text).toContain("Storgata 1, Leilighet H0203, 0155 Oslo, NOR")
    expect(text).not.toContain("[object Object]")
  })
})
