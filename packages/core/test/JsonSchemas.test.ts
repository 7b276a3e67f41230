import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import { JsonSchemas } from "../src/index.js"
import { acceptedProcess, dossier } from "./fixtures.js"

const ajv = new Ajv2020({ strict: false, allErrors: true })
// JSON Schema's "date" and "date-time" formats are annotations unless a format plugin is loaded; the
// patterns carry the constraint. Registering them as known keeps Ajv from complaining.
ajv.addFormat("date", true)
ajv.addFormat("date-time", true)

const validatorOf = (name: JsonSchemas.Name) => ajv.compile(JsonSchemas.make(name))

describe("JsonSchemas", () => {
  it("publishes a valid JSON Schema document for every public schema", () => {
    for (const name of JsonSchemas.names) {
      const document = JsonSchemas.make(name)
      assert.strictEqual(document.$schema, "https://json-schema.org/draft/2020-12/schema")
      assert.isTrue(ajv.validateSchema(document) as boolean, name)
    }
  })

  it("lets another validator accept what we produce and refuse what we refuse", () => {
    const process = validatorOf("Process")
    assert.isTrue(process(acceptedProcess), JSON.stringify(process.errors))
    assert.isTrue(validatorOf("Dossier")(dossier))
    assert.isFalse(process({ ...acceptedProcess, status: "done" }))
    assert.isFalse(process({ ...acceptedProcess, createdAt: "2024-05-01T10:30:00.000Z" }))
    assert.isFalse(process({ ...acceptedProcess, finalResult: { nationality: "PT" } }))
    assert.isFalse(process({ ...acceptedProcess, finalResult: { dateOfBirth: "02.04.2002" } }))
    assert.isFalse(process({ ...acceptedProcess, provider: "Not A Provider" }))
    const country = validatorOf("Country")
    assert.isTrue(country("NOR"))
    assert.isFalse(country("UTO"))
  })

  it("ships the same documents as files in the built package", () => {
    for (const name of JsonSchemas.names) {
      const file = JSON.parse(readFileSync(new URL(`../dist/json-schema/${name}.json`, import.meta.url), "utf8"))
      assert.deepStrictEqual(file, JsonSchemas.make(name), name)
    }
  })
})
