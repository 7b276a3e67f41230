/** Writes the JSON Schema documents of the built package to `dist/json-schema/<Name>.json`. */
import { mkdirSync, writeFileSync } from "node:fs"
import { JsonSchemas } from "../dist/index.js"

const directory = new URL("../dist/json-schema/", import.meta.url)
mkdirSync(directory, { recursive: true })
for (const name of JsonSchemas.names) {
  writeFileSync(new URL(`${name}.json`, directory), `${JSON.stringify(JsonSchemas.make(name), null, 2)}\n`)
}
