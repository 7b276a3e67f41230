/** Bundle-size entry: a consumer decoding only a dossier with `@assure/core` (how much tree-shaking saves). */
import { Dossier } from "@assure/core"
import { Schema } from "effect"
import { sampleDossier } from "./samples.ts"

export const decodedDossier = Schema.decodeUnknownSync(Dossier.Dossier)(sampleDossier)
