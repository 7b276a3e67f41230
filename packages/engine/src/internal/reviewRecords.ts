/**
 * Review rows (`assure_reviews`) and the review the API shows: what the process services (a process's `review`), the
 * dossier service (its process list) and the review service share.
 */
import { Review } from "@assure/core"
import { Effect, Schema } from "effect"
import type { PersonalDataCipher } from "../PersonalDataCipher.js"
import { bytesOf } from "./rows.js"
import { reviewContext } from "./sealing.js"

export interface ReviewRow {
  readonly id: string
  readonly tenant_id: string
  readonly dossier_id: string
  readonly process_id: string
  readonly decision: string
  readonly reason: string | null
  /** The reviewer's note, sealed. */
  readonly note: Uint8Array | null
  /** A retake's kinds, as a JSON array. */
  readonly retake_kinds: string | null
  /** A retake's capture page URL, sealed: it holds the capture token. */
  readonly retake_url: Uint8Array | null
  readonly retake_expires_at: string | null
  readonly reviewer_id: string
  readonly reviewer_name: string
  readonly decided_at: string
}

const decodeReview = Schema.decodeUnknownSync(Review.Review)
const decodeKinds = Schema.decodeUnknownSync(Schema.fromJsonString(Schema.Array(Review.RetakeKind)))

const openText = (cipher: PersonalDataCipher["Service"], sealed: Uint8Array | null, context: string) => {
  const bytes = bytesOf(sealed)
  return bytes === null
    ? Effect.succeed(undefined)
    : Effect.map(Effect.orDie(cipher.open(bytes, context)), (plain) => new TextDecoder().decode(plain))
}

/** Seals a review's text column. */
export const sealText = (
  cipher: PersonalDataCipher["Service"],
  text: string | undefined,
  reviewId: string,
  field: "note" | "retake_url"
) =>
  text === undefined
    ? Effect.succeed(null)
    : cipher.seal(new TextEncoder().encode(text), reviewContext(reviewId, field))

/** The review the API shows, its note and capture link opened. */
export const reviewOfRow = (cipher: PersonalDataCipher["Service"], row: ReviewRow) =>
  Effect.gen(function* () {
    const note = yield* openText(cipher, row.note, reviewContext(row.id, "note"))
    const captureUrl = yield* openText(cipher, row.retake_url, reviewContext(row.id, "retake_url"))
    return decodeReview({
      reviewId: row.id,
      decision: row.decision,
      ...(row.reason === null ? {} : { reason: row.reason }),
      ...(note === undefined ? {} : { note }),
      ...(row.retake_kinds === null || captureUrl === undefined || row.retake_expires_at === null
        ? {}
        : { retake: { kinds: decodeKinds(row.retake_kinds), captureUrl, expiresAt: row.retake_expires_at } }),
      reviewer: { id: row.reviewer_id, name: row.reviewer_name },
      decidedAt: row.decided_at
    })
  })
