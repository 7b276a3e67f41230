// Onfido's OpenAPI document (spec/onfido-openapi.json) as a validator of the simulator's answers: each answer is
// matched to its operation (method and path template), then to the response the document declares for its status
// (or `default`), and its body is checked against that response — JSON against the schema (ajv, with OpenAPI 3.0's
// `nullable` and the document's formats), files by their content type, `204` by an empty body.
import { readFileSync } from "node:fs"
import { Ajv, type ValidateFunction } from "ajv"
import addFormats from "ajv-formats"
import { Effect, Layer } from "effect"
import * as Testing from "../../src/testing.js"

interface MediaType {
  readonly schema?: Record<string, unknown>
}

interface Response {
  readonly content?: Readonly<Record<string, MediaType>>
}

interface Operation {
  readonly operationId: string
  readonly responses: Readonly<Record<string, Response>>
}

interface Document {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>
  readonly components: Readonly<Record<string, unknown>>
}

const document = JSON.parse(
  readFileSync(new URL("../../spec/onfido-openapi.json", import.meta.url), "utf8")
) as Document

const templates = Object.entries(document.paths).flatMap(([template, operations]) =>
  Object.entries(operations)
    .filter(([, operation]) => typeof operation === "object" && "operationId" in operation)
    .map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      // A literal path (`/webhooks/resend`) wins over a template (`/webhooks/{id}`).
      literal: !template.includes("{"),
      operation
    }))
)

/** The document's operation for a method and a path below `/v3.6`. */
export const operationOf = (method: string, path: string) =>
  templates
    .filter((entry) => entry.method === method && entry.pattern.test(path))
    .sort((a, b) => Number(b.literal) - Number(a.literal))[0]

const validators = new Map<string, ValidateFunction>()

/** The compiled validator of a schema of the document, by where it sits in the document. */
const validatorOf = (key: string, schema: Record<string, unknown>) => {
  const found = validators.get(key)
  if (found !== undefined) return found
  const compiled = ajv.compile(rewrite(schema) as Record<string, unknown>)
  validators.set(key, compiled)
  return compiled
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * A schema taken out of the document, its local `$ref`s pointed at the document added to ajv, and its
 * `discriminator` with a `mapping` (which ajv does not read) as what it means: the variant the property names.
 */
const rewrite = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(rewrite)
  if (!isRecord(schema)) return schema
  const discriminator = schema.discriminator
  if (isRecord(discriminator) && isRecord(discriminator.mapping) && Array.isArray(schema.oneOf)) {
    const property = String(discriminator.propertyName)
    const { discriminator: _, oneOf: __, ...rest } = schema
    const mapping = Object.entries(discriminator.mapping)
    return rewrite({
      ...rest,
      required: [property],
      properties: { [property]: { enum: mapping.map(([value]) => value) } },
      allOf: mapping.map(([value, ref]) => ({
        if: { properties: { [property]: { const: value } }, required: [property] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
        then: { $ref: ref }
      }))
    })
  }
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string" && value.startsWith("#/") ? `onfido.json${value}` : rewrite(value)
    ])
  )
}

const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false })
addFormats.default(ajv)
// The document's `$ref`s point into `#/components`; every schema resolves them against it, as `onfido.json`.
ajv.addSchema(rewrite({ components: document.components }) as Record<string, unknown>, "onfido.json")

/**
 * What is wrong with an answer, by Onfido's document: `[]` when it is what the document declares for its operation
 * and status.
 */
export const violations = (answer: Testing.RecordedAnswer): ReadonlyArray<string> => {
  const path = answer.path.replace(/^\/v3\.6/, "")
  const found = operationOf(answer.method, path)
  const where = `${answer.method} ${path} ${answer.status}`
  if (found === undefined) return [`${where}: no operation of the document`]
  const status = String(answer.status)
  const response = found.operation.responses[status] ?? found.operation.responses.default
  if (response === undefined) return [`${where}: ${found.operation.operationId} declares no ${status} answer`]
  const content = Object.entries(response.content ?? {})
  if (content.length === 0) {
    return answer.body === "" || answer.body === undefined ? [] : [`${where}: the document declares no body`]
  }
  const contentType = answer.contentType.split(";")[0]?.trim().toLowerCase() ?? ""
  const media = content.find(([type]) => type === contentType || type === "*/*")
  if (media === undefined) return [`${where}: content type ${contentType}, not ${content.map(([type]) => type)}`]
  const [type, declared] = media
  if (declared.schema?.format === "binary") {
    return answer.body instanceof Uint8Array && answer.body.byteLength > 0 ? [] : [`${where}: no file`]
  }
  if (declared.schema === undefined) return []
  const validate = validatorOf(`${found.operation.operationId} ${status} ${type}`, declared.schema)
  if (validate(answer.body)) return []
  return (validate.errors ?? []).map(
    (error) => `${where} (${found.operation.operationId}): ${error.instancePath || "/"} ${error.message ?? ""}`
  )
}

/**
 * Adds to a simulator layer a check, when the layer is released, that every answer its simulator gave is what the
 * document declares: the test that used it fails otherwise, naming the answers.
 */
export const validated = <A, E, R>(simulator: Layer.Layer<A, E, R>) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const running = yield* Testing.OnfidoSimulator
      yield* Effect.addFinalizer(() =>
        Effect.flatMap(running.answers, (answers) => {
          const found = answers.flatMap(violations)
          return found.length === 0
            ? Effect.void
            : Effect.die(new Error(`The simulator's answers break Onfido's document:\n${found.join("\n")}`))
        })
      )
    })
  ).pipe(Layer.provideMerge(simulator))
