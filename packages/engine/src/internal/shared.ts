/** Small helpers the dossier and process services share. */
import { FileInfo, IdentityData, Problem, Timestamp } from "@assure/core"
import { Clock, Duration, Effect, Schema, type SchemaIssue } from "effect"
import { InvalidInput } from "../EngineError.js"
import type { FileRow } from "./rows.js"

/** The current time, as the engine stores it. */
export const now = Effect.map(Clock.currentTimeMillis, Timestamp.fromEpochMillis)

/** The instant `duration` after `timestamp`. */
export const later = (timestamp: Timestamp.Timestamp, duration: Duration.Input): Timestamp.Timestamp =>
  Timestamp.fromEpochMillis(Timestamp.toEpochMillis(timestamp) + Duration.toMillis(Duration.fromInputUnsafe(duration)))

/** A new opaque id. */
export const newId = (): string => globalThis.crypto.randomUUID()

const decodeFileInfo = Schema.decodeUnknownSync(FileInfo.FileInfo)

/** What the API says about a stored file. */
export const fileInfoOf = (
  row: Pick<FileRow, "id" | "kind" | "media_type" | "size" | "created_at">
): FileInfo.FileInfo =>
  decodeFileInfo({
    fileId: row.id,
    kind: row.kind,
    mediaType: row.media_type,
    size: Number(row.size),
    createdAt: row.created_at
  })

/** A schema issue's invalid fields, named under `field` (`userData.dateOfBirth`). */
export const invalidParamsUnder = (field: string, issue: SchemaIssue.Issue) =>
  Problem.invalidParams(issue).map((param) => ({
    ...param,
    name: param.name === "" ? field : `${field}.${param.name}`
  }))

const decodeIdentity = Schema.decodeUnknownEffect(IdentityData.IdentityData)

/** Validates identity data supplied by a client, strictly: unknown fields are refused too. */
export const identityDataOf = (input: unknown, field: string) =>
  decodeIdentity(input, { errors: "all", onExcessProperty: "error" }).pipe(
    Effect.mapError(
      (error) =>
        new InvalidInput({
          detail: "The identity data is not valid",
          invalidParams: invalidParamsUnder(field, error.issue)
        })
    )
  )

/** Opens stored identity data; it was validated when stored. */
export const storedIdentityData = Schema.decodeUnknownSync(IdentityData.IdentityData)
