/** A page that shows a dossier fetched from an Assure API: only types and the `Dossier` decoder come from @assure/core. */
import { Dossier, type ProcessStatus } from "@assure/core"
import { Schema } from "effect"

const decodeDossier = Schema.decodeUnknownSync(Dossier.Dossier)

/** One line per process of the dossier. */
export const describe = (json: unknown): ReadonlyArray<string> => {
  const dossier: Dossier.Dossier = decodeDossier(json)
  return dossier.processes.map((process) => {
    const status: ProcessStatus.ProcessStatus = process.status
    return `${dossier.dossierId} ${process.processId} ${status}`
  })
}

const sample = {
  dossierId: "3f0a3c2e-4d8b-4c52-9a57-0d3cf2b3e8a1",
  createdAt: "2026-01-01T10:00:00Z",
  updatedAt: "2026-01-01T10:05:00Z",
  files: [],
  processes: []
}

const lines = describe(sample)
if (typeof document !== "undefined") document.body.textContent = lines.join("\n")
export const decodedDossier = decodeDossier(sample)
