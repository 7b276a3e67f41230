/** Bundle-size entry: a consumer decoding a dossier and a process with `@assure/core`. */
import { Dossier, Process } from "@assure/core"
import { Schema } from "effect"
import { sampleDossier, sampleProcess } from "./samples.ts"

export const decodedDossier = Schema.decodeUnknownSync(Dossier.Dossier)(sampleDossier)
export const decodedProcess = Schema.decodeUnknownSync(Process.Process)(sampleProcess)
