/**
 * JSON Schema (draft 2020-12) documents for the public schemas, generated from the schemas themselves so
 * that services in other languages validate exactly the shapes this package produces. They describe the
 * normalised JSON form (what the API sends), not the decoded TypeScript values.
 *
 * The built package also ships them as files: `@assure/core/json-schema/Dossier.json` and so on.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Address } from "./Address.js"
import { CalendarDate } from "./CalendarDate.js"
import { Country } from "./Country.js"
import { DocumentType } from "./DocumentType.js"
import { Dossier } from "./Dossier.js"
import { FileInfo } from "./FileInfo.js"
import { FileKind } from "./FileKind.js"
import { DossierId, FileId, ProcessId } from "./Identifiers.js"
import { IdentityData } from "./IdentityData.js"
import { PersonName } from "./PersonName.js"
import { Problem } from "./Problem.js"
import { Process } from "./Process.js"
import { ProcessStatus } from "./ProcessStatus.js"
import { ProcessType } from "./ProcessType.js"
import { ProviderName } from "./ProviderName.js"
import { Sex } from "./Sex.js"
import { Timestamp } from "./Timestamp.js"

/** The public schemas, by the name their JSON Schema document is published under. @since 0.1.0 */
export const schemas = {
  Address,
  CalendarDate,
  Country,
  DocumentType,
  Dossier,
  DossierId,
  FileId,
  FileInfo,
  FileKind,
  IdentityData,
  PersonName,
  Problem,
  Process,
  ProcessId,
  ProcessStatus,
  ProcessType,
  ProviderName,
  Sex,
  Timestamp
} as const

/** The name of a published JSON Schema document. @since 0.1.0 */
export type Name = keyof typeof schemas

/** The names of all published JSON Schema documents. @since 0.1.0 */
export const names = /* @__PURE__ */ Object.keys(schemas) as ReadonlyArray<Name>

/** A standalone JSON Schema document. @since 0.1.0 */
export type JsonSchemaDocument = { readonly $schema: string; readonly title: string } & Record<string, unknown>

/**
 * The standalone JSON Schema document of a public schema, with its definitions under `$defs`.
 *
 * @example
 * ```ts
 * import { JsonSchemas } from "@assure/core"
 *
 * const document = JsonSchemas.make("Dossier") // give it to Ajv, jsonschema (Python), …
 * ```
 * @since 0.1.0
 */
export const make = (name: Name): JsonSchemaDocument => {
  const document = Schema.toJsonSchemaDocument(schemas[name])
  const definitions = Object.keys(document.definitions).length > 0 ? { $defs: document.definitions } : {}
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: name,
    ...document.schema,
    ...definitions
  }
}
