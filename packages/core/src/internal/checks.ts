import { Schema } from "effect"
import type { Timestamp } from "../Timestamp.js"

/** A resource is never updated before it was created. Timestamps compare as text in time order. */
export const updatedNotBeforeCreated = Schema.makeFilter(
  (resource: { readonly createdAt: Timestamp; readonly updatedAt: Timestamp }) =>
    resource.updatedAt >= resource.createdAt || { path: ["updatedAt"], issue: "updatedAt must not be before createdAt" }
)
