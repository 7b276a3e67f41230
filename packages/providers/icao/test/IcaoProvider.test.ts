// The provider as the engine drives it: start computes the outcome, fetchResult returns it from the provider state;
// parameters are decoded strictly; layerConfig loads the trust store from files named by environment variables.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IdentityData, ProcessType } from "@assure/core"
import { type IdentityProvider, type ProviderError, ProviderRegistry } from "@assure/provider"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Schema } from "effect"
import { IcaoProvider, TrustStore } from "../src/index.js"
import * as Testing from "../src/testing.js"

const plain = Schema.encodeSync(IdentityData.IdentityData)

const provider = Effect.gen(function* () {
  const registry = yield* ProviderRegistry.ProviderRegistry
  return yield* registry.get("icao")
})

const TestLayer = Testing.layerTest.pipe(Layer.provideMerge(ProviderRegistry.layer))

/** Starts a process and reads its result, as the engine does. */
const run = (icao: IdentityProvider.IdentityProvider, request: IdentityProvider.StartRequest<unknown>) =>
  Effect.gen(function* () {
    const session = yield* icao.start(request)
    assert.strictEqual(session.status, "processing")
    assert.match(session.reference, /^icao_[0-9a-f]{32}$/)
    // The state goes through the engine's storage as JSON.
    const state = JSON.parse(JSON.stringify(session.state))
    return yield* icao.fetchResult({ reference: session.reference, state })
  })

const fieldsOf = (error: ProviderError.ProviderError) =>
  error.reason._tag === "InvalidRequest" ? error.reason.fields.map((field) => field.name) : []

describe("IcaoProvider", () => {
  it.layer(TestLayer)((it) => {
    it.effect("an mrz process is accepted with the MRZ's identity, its checks in providerSpecific", () =>
      Effect.gen(function* () {
        const icao = yield* provider
        const simulator = yield* Testing.IcaoSimulator
        const document = yield* simulator.issue({ surname: "NORDMANN", givenNames: "KARI", issuingState: "NOR" })
        const outcome = yield* run(icao, Testing.startRequest("mrz", document.mrzParameters))
        assert.strictEqual(outcome.status, "accepted")
        const identity = plain(outcome.finalResult ?? {})
        assert.strictEqual(identity.lastName, "NORDMANN")
        assert.strictEqual(identity.firstName, "KARI")
        assert.strictEqual(identity.issuingCountry, "NOR")
        assert.strictEqual(identity.nationality, "NOR")
        assert.strictEqual(identity.documentType, "passport")
        assert.strictEqual(identity.dateOfBirth, "1964-08-12")
        const specific = outcome.providerSpecific.icao as { processType: string; checks: Array<{ name: string }> }
        assert.strictEqual(specific.processType, "mrz")
        assert.deepStrictEqual(
          specific.checks.map((check) => check.name),
          outcome.checks.map((check) => check.name)
        )
        assert.isTrue(outcome.checks.every((check) => check.outcome === "passed"))
        assert.deepStrictEqual(outcome.files, [])
      })
    )

    it.effect("an mrz process is rejected on a check digit, without a finalResult", () =>
      Effect.gen(function* () {
        const icao = yield* provider
        const simulator = yield* Testing.IcaoSimulator
        const { mrz } = yield* simulator.issue({}, { format: "TD1" })
        const [first, second, third] = mrz.split("\n") as [string, string, string]
        const tampered = `${first}\n${second.slice(0, 29)}${(Number(second.charAt(29)) + 1) % 10}\n${third}`
        const outcome = yield* run(icao, Testing.startRequest("mrz", { mrz: tampered }))
        assert.strictEqual(outcome.status, "rejected")
        assert.strictEqual(outcome.reason, "compositeCheckDigit")
        assert.isUndefined(outcome.finalResult)
      })
    )

    it.effect("a chip process is accepted with DG1's identity and what was read in providerSpecific", () =>
      Effect.gen(function* () {
        const icao = yield* provider
        const simulator = yield* Testing.IcaoSimulator
        const document = yield* simulator.issue({ surname: "SANTOS", givenNames: "MARIA", issuingState: "PRT" })
        const outcome = yield* run(icao, Testing.startRequest("chip", document.chipParameters))
        assert.strictEqual(outcome.status, "accepted")
        assert.strictEqual(plain(outcome.finalResult ?? {}).issuingCountry, "PRT")
        const specific = outcome.providerSpecific.icao as Record<string, unknown>
        assert.strictEqual(specific.processType, "chip")
        assert.strictEqual(specific.hashAlgorithm, "SHA-256")
        assert.deepStrictEqual(specific.dataGroupsRead, [1, 2])
        assert.strictEqual(specific.csca, "C=DE, CN=CSCA Test")
        assert.strictEqual(specific.revocationChecked, false)
        assert.include(
          outcome.checks.map((check) => check.name),
          "sodSignature"
        )
      })
    )

    it.effect("refuses parameters that do not fit, with the path of each bad field", () =>
      Effect.gen(function* () {
        const icao = yield* provider
        const simulator = yield* Testing.IcaoSimulator
        const document = yield* simulator.issue()
        const { chip } = document.chipParameters
        const cases: ReadonlyArray<readonly ["mrz" | "chip", unknown, ReadonlyArray<string>]> = [
          ["chip", { chip: { ...chip, sod: "not base64!" } }, ["parameters.chip.sod"]],
          [
            "chip",
            { chip: { ...chip, dataGroups: { ...chip.dataGroups, "17": chip.dataGroups["1"] } } },
            ["parameters.chip.dataGroups.17"]
          ],
          [
            "chip",
            { chip: { sod: chip.sod, dataGroups: { "2": chip.dataGroups["2"] } } },
            ["parameters.chip.dataGroups.1"]
          ],
          ["chip", { chip: { ...chip, extra: true } }, ["parameters.chip.extra"]],
          ["chip", { mrz: document.mrz }, ["parameters.chip", "parameters.mrz"]],
          ["mrz", document.chipParameters, ["parameters.mrz", "parameters.chip"]],
          ["mrz", { mrz: "not an mrz" }, ["parameters.mrz"]],
          ["mrz", { mrz: 42 }, ["parameters.mrz"]],
          ["chip", { chip: { ...chip, sod: "AAAA" } }, ["parameters.chip.sod"]],
          [
            "chip",
            { chip: { ...chip, dataGroups: { ...chip.dataGroups, "1": "YWJj" } } },
            ["parameters.chip.dataGroups.1"]
          ]
        ]
        for (const [processType, parameters, fields] of cases) {
          const error = yield* Effect.flip(icao.start(Testing.startRequest(processType, parameters)))
          assert.strictEqual(error.reason._tag, "InvalidRequest", JSON.stringify(fields))
          assert.deepStrictEqual(fieldsOf(error), fields)
        }
        const wrongType = yield* Effect.flip(
          icao.start({
            ...Testing.startRequest("mrz", document.mrzParameters),
            processType: ProcessType.ProcessType.make("document")
          })
        )
        assert.deepStrictEqual(fieldsOf(wrongType), ["processType"])
      })
    )

    it.effect("fetchResult without the session's state is NotFound; webhooks do not exist", () =>
      Effect.gen(function* () {
        const icao = yield* provider
        const missing = yield* Effect.flip(icao.fetchResult({ reference: "icao_unknown" }))
        assert.strictEqual(missing.reason._tag, "NotFound")
        const webhook = yield* Effect.flip(icao.verifyWebhook({ headers: {}, rawBody: new Uint8Array() }))
        assert.strictEqual(webhook.reason._tag, "Misconfigured")
        assert.deepStrictEqual(
          (yield* icao.documentTypes).map((document) => document.documentType),
          ["passport", "idCard", "visa"]
        )
      })
    )
  })
})

describe("IcaoProvider.layerConfig and TrustStore.load", () => {
  /** Writes files into a fresh directory, removed when the scope closes. */
  const directory = (files: Record<string, Uint8Array | string>) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const dir = mkdtempSync(join(tmpdir(), "assure-icao-"))
        for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
        return dir
      }),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )

  const withEnv = (env: Record<string, string>) =>
    Layer.mergeAll(NodeFileSystem.layer, ProviderRegistry.layer, ConfigProvider.layer(ConfigProvider.fromEnv({ env })))

  it.live("loads CSCAs (PEM and DER, a directory), a master list and CRLs from the environment's paths", () =>
    Effect.gen(function* () {
      const csca = yield* Testing.makeCsca({ commonName: "CSCA Portugal", country: "PT", keyType: "ECDSA" })
      const signer = yield* Testing.makeDocumentSigner(csca)
      const norway = yield* Testing.makeCsca({ commonName: "CSCA Norway", country: "NO" })
      const listSigner = yield* Testing.issueCertificate({ commonName: "ML Signer", country: "NO", issuer: norway })
      const masterList = yield* Testing.makeMasterList(listSigner, [norway])
      // PEM as OpenSSL writes it, with a text header before the block.
      const cscaDir = yield* directory({
        "portugal.pem": `subject=C=PT, CN=CSCA Portugal\n${csca.pem}`,
        "norway.der": norway.der
      })
      const other = yield* directory({
        "NO.ml": masterList,
        "pt.crl": Testing.pem("X509 CRL", yield* Testing.makeCrl(csca, [signer]))
      })
      const env = {
        ICAO_CSCA_PATHS: cscaDir,
        ICAO_MASTER_LIST: join(other, "NO.ml"),
        ICAO_CRL_PATHS: ` ${join(other, "pt.crl")} ,`
      }
      const store = yield* TrustStore.load({
        cscaPaths: [cscaDir],
        masterListPaths: [join(other, "NO.ml")],
        crlPaths: [join(other, "pt.crl")]
      }).pipe(Effect.provide(NodeFileSystem.layer))
      assert.strictEqual(store.cscas.length, 3)
      assert.strictEqual(store.crls.length, 1)

      const revokedDocument = yield* Testing.makeChip(
        Testing.writeMrz("TD3", { issuingState: "PRT" }, Date.now()),
        signer
      )
      const outcome = yield* Effect.gen(function* () {
        const icao = yield* provider
        const session = yield* icao.start(Testing.startRequest("chip", Testing.chipParameters(revokedDocument)))
        return yield* icao.fetchResult({ reference: session.reference, state: session.state })
      }).pipe(Effect.provide(IcaoProvider.layerConfig.pipe(Layer.provideMerge(withEnv(env)))))
      assert.strictEqual(outcome.status, "rejected")
      assert.strictEqual(outcome.reason, "documentSignerNotRevoked")
    }).pipe(Effect.scoped)
  )

  it.live("fails with a typed error naming the file that cannot be read or parsed", () =>
    Effect.gen(function* () {
      const dir = yield* directory({
        "broken.pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "junk.ml": "junk"
      })
      const cases: ReadonlyArray<readonly [TrustStore.Paths, string, string]> = [
        [{ cscaPaths: [join(dir, "missing.pem")] }, "Unreadable", join(dir, "missing.pem")],
        [{ cscaPaths: [join(dir, "broken.pem")] }, "Invalid", join(dir, "broken.pem")],
        [{ masterListPaths: [join(dir, "junk.ml")] }, "Invalid", join(dir, "junk.ml")],
        [{ crlPaths: [join(dir, "junk.ml")] }, "Invalid", join(dir, "junk.ml")]
      ]
      for (const [paths, reason, source] of cases) {
        const error = yield* Effect.flip(TrustStore.load(paths).pipe(Effect.provide(NodeFileSystem.layer)))
        assert.strictEqual(error._tag, "TrustStoreError")
        assert.strictEqual(error.reason, reason)
        assert.strictEqual(error.source, source)
      }
      const fromConfig = yield* Effect.flip(
        Layer.build(
          IcaoProvider.layerConfig.pipe(Layer.provide(withEnv({ ICAO_CSCA_PATHS: join(dir, "missing.pem") })))
        ).pipe(Effect.scoped)
      )
      assert.strictEqual(fromConfig._tag, "TrustStoreError")
    }).pipe(Effect.scoped)
  )

  it.live("refuses a master list whose signer is not one of its CSCAs, or whose content was altered", () =>
    Effect.gen(function* () {
      const norway = yield* Testing.makeCsca({ commonName: "CSCA Norway", country: "NO" })
      const stranger = yield* Testing.makeCsca({ commonName: "CSCA Stranger", country: "SE" })
      const strangerSigner = yield* Testing.issueCertificate({
        commonName: "ML Signer",
        country: "SE",
        issuer: stranger
      })
      const unsigned = yield* Effect.flip(
        TrustStore.make({ masterLists: [yield* Testing.makeMasterList(strangerSigner, [norway])] })
      )
      assert.strictEqual(unsigned.reason, "Invalid")
      assert.match(unsigned.detail, /signer/)
      const signer = yield* Testing.issueCertificate({ commonName: "ML Signer", country: "NO", issuer: norway })
      const genuine = yield* Testing.makeMasterList(signer, [norway, stranger])
      const tampered = new Uint8Array(genuine)
      // A byte inside the listed certificates (the signed content), not in the signature.
      const at = genuine.length / 3
      tampered[Math.floor(at)] = (tampered[Math.floor(at)] ?? 0) ^ 0x01
      const altered = yield* Effect.flip(TrustStore.make({ masterLists: [tampered] }))
      assert.strictEqual(altered.reason, "Invalid")
    })
  )
})
