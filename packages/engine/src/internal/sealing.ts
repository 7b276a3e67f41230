/**
 * Where each sealed value is stored, as the context it is sealed with (the cipher's additional authenticated data):
 * a ciphertext copied into another row or column does not open. Every context the engine uses is written here, so
 * a new sealed column is added in one place and no two places can spell one differently.
 */

/** The sealed columns of a process row. */
export type ProcessField =
  | "parameters"
  | "authorization_header"
  | "provider_state"
  | "final_result"
  | "provider_specific"
  | "routing"

/** A dossier's identity data (`assure_dossiers.user_data`). */
export const userDataContext = (dossierId: string): string => `dossier:${dossierId}:userData`

/** One sealed column of a process row. */
export const processContext = (processId: string, field: ProcessField): string => `process:${processId}:${field}`

/** A stored file's bytes, in the file store. */
export const fileContext = (fileId: string): string => `file:${fileId}`

/** The sealed columns of a review row: the reviewer's note, and a retake's capture link (a credential). */
export type ReviewField = "note" | "retake_url"

/** One sealed column of a review row (`assure_reviews`). */
export const reviewContext = (reviewId: string, field: ReviewField): string => `review:${reviewId}:${field}`
