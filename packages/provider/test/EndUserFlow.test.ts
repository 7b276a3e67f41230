import { ProcessType, ProviderName } from "@assure/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Capabilities, EndUserFlow, IdentityProvider, ProviderError } from "../src/index.js"

/** A provider that runs `processTypes` with `capabilities`, and declares `endUserFlows` if given. */
const makeProvider = (
  capabilities: Partial<Capabilities.Capabilities>,
  processTypes: ReadonlyArray<string>,
  endUserFlows?: EndUserFlow.Declarations
) =>
  IdentityProvider.make({
    name: ProviderName.ProviderName.make("vendor"),
    capabilities: { ...Capabilities.none, polling: true, ...capabilities },
    processTypes: processTypes.map((type) => ProcessType.ProcessType.make(type)),
    parameters: Schema.Struct({}),
    documentTypes: Effect.succeed([{ documentType: "passport" }]),
    start: () => Effect.succeed({ reference: "ref-1", status: "pending" }),
    fetchResult: () => Effect.succeed({ status: "processing", providerSpecific: {}, checks: [], files: [] }),
    verifyWebhook: () =>
      Effect.fail(ProviderError.make("vendor", new ProviderError.WebhookSignatureInvalid(), { description: "none" })),
    endUserFlows
  })

const flows = (provider: IdentityProvider.IdentityProvider, processTypes: ReadonlyArray<string>) =>
  Object.fromEntries(processTypes.map((type) => [type, provider.endUserFlow(type)]))

describe("IdentityProvider.make: endUserFlow", () => {
  it("answers the declaration for a declared process type, and derives the others", () => {
    const provider = makeProvider(
      { documentImages: true, selfie: true, hostedFlow: true },
      ["documentSelfie", "documentSelfieUpload", "document"],
      { documentSelfie: EndUserFlow.handOver, documentSelfieUpload: EndUserFlow.images(["front", "selfie"]) }
    )
    assert.deepStrictEqual(flows(provider, ["documentSelfie", "documentSelfieUpload", "document"]), {
      documentSelfie: { flow: "handOver" },
      documentSelfieUpload: { flow: "images", kinds: ["front", "selfie"] },
      // Images and a hosted flow both: the capabilities cannot say which `document` is.
      document: undefined
    })
  })

  it("hands over for a provider that only meets the end-user itself (redirect or hosted flow)", () => {
    assert.deepStrictEqual(flows(makeProvider({ redirect: true }, ["eid"]), ["eid"]), { eid: { flow: "handOver" } })
    assert.deepStrictEqual(
      flows(makeProvider({ hostedFlow: true, selfie: true }, ["document", "inquiry"]), ["document", "inquiry"]),
      { document: { flow: "handOver" }, inquiry: { flow: "handOver" } }
    )
  })

  it("takes the front for document, and the front and a selfie for documentSelfie, from an upload-only provider", () => {
    const types = ["document", "documentSelfie", "address"]
    assert.deepStrictEqual(flows(makeProvider({ documentImages: true, selfie: true }, types), types), {
      document: { flow: "images", kinds: ["front"] },
      documentSelfie: { flow: "images", kinds: ["front", "selfie"] },
      // Another process type's photos are the adapter's to say.
      address: undefined
    })
    // Without `selfie` the provider would refuse the selfie documentSelfie needs.
    assert.deepStrictEqual(flows(makeProvider({ documentImages: true }, types), types), {
      document: { flow: "images", kinds: ["front"] },
      documentSelfie: undefined,
      address: undefined
    })
  })

  it("has none for a process type the provider does not run, nor when the client supplies everything", () => {
    const provider = makeProvider({ chipData: true }, ["mrz", "chip"])
    assert.deepStrictEqual(flows(provider, ["mrz", "chip", "document", "toString"]), {
      mrz: undefined,
      chip: undefined,
      document: undefined,
      toString: undefined
    })
    const declared = makeProvider({ redirect: true }, ["eid"], { eid: EndUserFlow.handOver })
    assert.isUndefined(declared.endUserFlow("document"))
    assert.isUndefined(declared.endUserFlow("constructor"))
    assert.isUndefined(declared.endUserFlow("__proto__"))
  })

  it("declares what the capabilities cannot say: an adapter's declaration wins over the derivation", () => {
    const provider = makeProvider({ documentImages: true, selfie: true }, ["document"], {
      document: EndUserFlow.images(["front", "back"])
    })
    assert.deepStrictEqual(provider.endUserFlow("document"), { flow: "images", kinds: ["front", "back"] })
  })

  it("throws when made with a declaration for a process type the provider does not run", () => {
    assert.throws(
      () => makeProvider({ redirect: true }, ["eid"], { eid: EndUserFlow.handOver, document: EndUserFlow.handOver }),
      "vendor declares endUserFlows for document, which it does not run (it runs eid)"
    )
  })
})
