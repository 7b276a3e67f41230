// The conformance suite against the provider, with a fresh issuing state (CSCA and document signer) per check.
// The provider runs locally: it has no webhooks, no redirect, no cancellation and no vendor to fail, so the suite
// runs its outcome, parameter, document and secret checks and reports the rest as not applicable.
import { ProviderRegistry } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Effect, Layer } from "effect"
import { IcaoProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"

// The MRZ and chip of a document are personal data: like secrets, they must never reach an error or a log line.
const surname = "CONFORMANCEPERSON"

const harness: ConformanceHarness.Harness<Testing.IcaoSimulator> = {
  provider: "icao",
  capabilities: IcaoProvider.capabilities,
  secrets: [surname],
  startRequest: (outcome) =>
    Effect.gen(function* () {
      const simulator = yield* Testing.IcaoSimulator
      switch (outcome) {
        case "accepted":
        case "pending": {
          const document = yield* simulator.issue({ surname })
          return Testing.startRequest("chip", document.chipParameters)
        }
        case "rejected": {
          // A genuine chip whose DG1 was swapped for another document's.
          const document = yield* simulator.issue({ surname })
          const other = yield* simulator.issue({ surname: "SOMEONEELSE" })
          const dataGroups = {
            ...document.chipParameters.chip.dataGroups,
            "1": other.chipParameters.chip.dataGroups["1"]
          }
          return Testing.startRequest("chip", { chip: { ...document.chipParameters.chip, dataGroups } })
        }
        case "inconclusive": {
          // Signed by a document signer of a CSCA the trust store does not know.
          const unknownCsca = yield* Testing.makeCsca({ commonName: "CSCA Elsewhere", country: "NO", keyType: "ECDSA" })
          const signer = yield* Testing.makeDocumentSigner(unknownCsca, { keyType: "ECDSA" })
          const document = yield* simulator.issue({ surname }, { documentSigner: signer })
          return Testing.startRequest("chip", document.chipParameters)
        }
      }
    })
}

Conformance.suite({ harness, layer: Testing.layerTest.pipe(Layer.provideMerge(ProviderRegistry.layer)) })
