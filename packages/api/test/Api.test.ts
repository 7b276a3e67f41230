/** The definition itself: which operations need a bearer token, and that the wire schemas decode what they describe. */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { HttpApi } from "effect/http-api"
import { Api, Security } from "../src/index.js"
import * as Examples from "../src/internal/Examples.js"

/** Every operation as `METHOD path`, with whether the Authorization middleware guards it. */
const operations = () => {
  const found: Array<{ readonly operation: string; readonly guarded: boolean }> = []
  HttpApi.reflect(Api.AssureApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, middleware }) => {
      found.push({
        operation: `${endpoint.method} ${endpoint.path}`,
        guarded: [...middleware].some((service) => service.key === Security.Authorization.key)
      })
    }
  })
  return found
}

describe("AssureApi", () => {
  it("guards every /assure operation with the bearer token, and only those", () => {
    const all = operations()
    expect(all.length).toBeGreaterThan(20)
    for (const { operation, guarded } of all) {
      expect({ operation, guarded }).toEqual({ operation, guarded: operation.split(" ")[1]?.startsWith("/assure") })
    }
    expect(all.filter((entry) => !entry.guarded).map((entry) => entry.operation)).toEqual([
      "POST /auth/open/connect/token",
      "POST /webhooks/:provider",
      "GET /callbacks/:provider",
      "GET /health",
      "GET /ready"
    ])
  })

  it("decodes the documented examples with the exported wire schemas, and refuses what they do not allow", () => {
    expect(Schema.decodeUnknownSync(Api.TokenResponse)(Examples.token).token_type).toBe("Bearer")
    expect(Schema.decodeUnknownSync(Api.DossierPage)(Examples.dossierPage).dossiers.length).toBeGreaterThan(0)
    expect(Schema.decodeUnknownSync(Api.MatchingReport)(Examples.matchingReport).result).toBe("match")
    expect(() => Schema.decodeUnknownSync(Api.FileUpload)({ front: "not a data URL" })).toThrow(/data URL/)
    expect(() =>
      Schema.decodeUnknownSync(Api.CreateDossier)({ externalReference: "" }, { onExcessProperty: "error" })
    ).toThrow()
  })
})
