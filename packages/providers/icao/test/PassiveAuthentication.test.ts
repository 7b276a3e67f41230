// Passive authentication against a PKI built in the test: CSCA → document signer → EF.SOD over DG1 and DG2, with
// RSA and ECDSA, and each way chip data can be forged, outdated, revoked or unreadable.
import { assert, describe, it } from "@effect/vitest"
import * as asn1js from "asn1js"
import { Effect } from "effect"
import * as pkijs from "pkijs"
import { PassiveAuthentication, SecurityObject, TrustStore } from "../src/index.js"
import * as Testing from "../src/testing.js"

const day = 24 * 60 * 60 * 1000

const outcomes = (result: PassiveAuthentication.Result) =>
  Object.fromEntries(result.checks.map((check) => [check.name, check.outcome]))

/** A CSCA, its document signer, a trust store that trusts the CSCA, and a chip for a German passport. */
const setup = (cscaKeyType: Testing.KeyType, signerKeyType: Testing.KeyType) =>
  Effect.gen(function* () {
    const csca = yield* Testing.makeCsca({ commonName: "CSCA Germany", country: "DE", keyType: cscaKeyType })
    const signer = yield* Testing.makeDocumentSigner(csca, { keyType: signerKeyType })
    const trustStore = yield* TrustStore.make({ cscas: [csca.pem] })
    const mrz = Testing.writeMrz("TD3", {}, Date.now())
    const chip = yield* Testing.makeChip(mrz, signer)
    return { csca, signer, trustStore, mrz, chip }
  })

const withDataGroup = (chip: Testing.Chip, number: number, bytes: Uint8Array): Testing.Chip => ({
  ...chip,
  dataGroups: new Map([...chip.dataGroups, [number, bytes]])
})

describe("PassiveAuthentication.verify", () => {
  for (const [cscaKeyType, signerKeyType] of [
    ["RSA", "RSA"],
    ["ECDSA", "ECDSA"],
    ["RSA", "ECDSA"]
  ] as const) {
    it.live(`accepts a genuine chip (CSCA ${cscaKeyType}, document signer ${signerKeyType})`, () =>
      Effect.gen(function* () {
        const { chip, trustStore } = yield* setup(cscaKeyType, signerKeyType)
        const result = yield* PassiveAuthentication.verify(chip, trustStore)
        assert.strictEqual(result.status, "accepted")
        assert.deepStrictEqual(outcomes(result), {
          sodSignature: "passed",
          dataGroup1Hash: "passed",
          dataGroup2Hash: "passed",
          documentSignerTrusted: "passed",
          documentSignerValidity: "passed",
          documentNumberCheckDigit: "passed",
          dateOfBirthCheckDigit: "passed",
          dateOfExpiryCheckDigit: "passed",
          personalNumberCheckDigit: "passed",
          compositeCheckDigit: "passed",
          mrzFields: "passed",
          documentNotExpired: "passed"
        })
        assert.strictEqual(result.identity?.lastName, "MUSTERMANN")
        assert.strictEqual(result.identity?.firstName, "ERIKA")
        assert.strictEqual(result.identity?.issuingCountry, "DEU")
        assert.strictEqual(result.identity?.dateOfBirth, "1964-08-12")
        assert.strictEqual(result.details.hashAlgorithm, "SHA-256")
        assert.strictEqual(result.details.csca, "C=DE, CN=CSCA Germany")
        assert.isUndefined(result.reason)
      })
    )
  }

  it.live("accepts every hash algorithm WebCrypto computes", () =>
    Effect.gen(function* () {
      const { signer, trustStore, mrz } = yield* setup("ECDSA", "RSA")
      for (const hash of ["SHA-1", "SHA-384", "SHA-512"] as const) {
        const chip = yield* Testing.makeChip(mrz, signer, { hash })
        const result = yield* PassiveAuthentication.verify(chip, trustStore)
        assert.strictEqual(result.status, "accepted", hash)
        assert.strictEqual(result.details.hashAlgorithm, hash)
      }
    })
  )

  it.live("rejects a chip whose DG1 was altered (the hash fails)", () =>
    Effect.gen(function* () {
      const { chip, trustStore } = yield* setup("RSA", "ECDSA")
      const altered = Testing.writeMrz("TD3", { surname: "MUSTERFRAU" }, Date.now())
      const { DataGroup } = yield* Effect.promise(() => import("../src/index.js"))
      const result = yield* PassiveAuthentication.verify(
        withDataGroup(chip, 1, DataGroup.encodeDg1(altered)),
        trustStore
      )
      assert.strictEqual(result.status, "rejected")
      assert.strictEqual(outcomes(result).dataGroup1Hash, "failed")
      assert.strictEqual(outcomes(result).sodSignature, "passed")
      assert.strictEqual(result.reason, "dataGroup1Hash")
    })
  )

  it.live("rejects a chip whose DG2 was swapped, and a data group the SOD does not sign", () =>
    Effect.gen(function* () {
      const { chip, trustStore } = yield* setup("RSA", "ECDSA")
      const swapped = yield* PassiveAuthentication.verify(
        withDataGroup(chip, 2, new Uint8Array([0x75, 0x01, 0x00])),
        trustStore
      )
      assert.strictEqual(swapped.status, "rejected")
      assert.strictEqual(outcomes(swapped).dataGroup2Hash, "failed")
      const unsigned = yield* PassiveAuthentication.verify(
        withDataGroup(chip, 11, new Uint8Array([0x6b, 0x00])),
        trustStore
      )
      assert.strictEqual(unsigned.status, "rejected")
      assert.strictEqual(outcomes(unsigned).dataGroup11Hash, "failed")
    })
  )

  it.live("rejects an SOD whose signature was tampered with", () =>
    Effect.gen(function* () {
      const { chip, trustStore } = yield* setup("RSA", "RSA")
      // Flip one bit of the signer's signature and write the SOD back.
      const read = yield* SecurityObject.parse(chip.sod)
      const signerInfo = read.signedData.signerInfos[0] as pkijs.SignerInfo
      const signature = new Uint8Array(signerInfo.signature.valueBlock.valueHexView)
      signature[10] = (signature[10] ?? 0) ^ 0x01
      signerInfo.signature = new asn1js.OctetString({ valueHex: signature })
      const contentInfo = new pkijs.ContentInfo({
        contentType: SecurityObject.signedDataOid,
        content: read.signedData.toSchema(true)
      })
      const tampered = SecurityObject.wrap(new Uint8Array(contentInfo.toSchema().toBER(false)))
      const result = yield* PassiveAuthentication.verify({ ...chip, sod: tampered }, trustStore)
      assert.strictEqual(result.status, "rejected")
      assert.strictEqual(outcomes(result).sodSignature, "failed")
      assert.strictEqual(outcomes(result).dataGroup1Hash, "passed")
      assert.strictEqual(result.reason, "sodSignature")
    })
  )

  it.live("rejects an SOD whose signed hashes were replaced after signing", () =>
    Effect.gen(function* () {
      const { chip, trustStore, signer } = yield* setup("ECDSA", "ECDSA")
      const forgedDg1 = Testing.writeMrz("TD3", { surname: "IMPOSTOR" }, Date.now())
      const { DataGroup } = yield* Effect.promise(() => import("../src/index.js"))
      const forged = withDataGroup(chip, 1, DataGroup.encodeDg1(forgedDg1))
      // A genuine SOD over the forged data groups, its LDS content then grafted into the original signed SOD.
      const reSigned = yield* SecurityObject.parse(
        yield* Testing.makeSod({ documentSigner: signer, dataGroups: forged.dataGroups })
      )
      const original = yield* SecurityObject.parse(chip.sod)
      original.signedData.encapContentInfo = reSigned.signedData.encapContentInfo
      const contentInfo = new pkijs.ContentInfo({
        contentType: SecurityObject.signedDataOid,
        content: original.signedData.toSchema(true)
      })
      const sod = SecurityObject.wrap(new Uint8Array(contentInfo.toSchema().toBER(false)))
      const result = yield* PassiveAuthentication.verify({ ...forged, sod }, trustStore)
      assert.strictEqual(outcomes(result).dataGroup1Hash, "passed")
      assert.strictEqual(outcomes(result).sodSignature, "failed")
      assert.strictEqual(result.status, "rejected")
    })
  )

  it.live("is inconclusive when the document signer was not issued by any trusted CSCA", () =>
    Effect.gen(function* () {
      const { chip } = yield* setup("RSA", "ECDSA")
      const other = yield* Testing.makeCsca({ commonName: "CSCA Norway", country: "NO", keyType: "ECDSA" })
      const trustStore = yield* TrustStore.make({ cscas: [other.der] })
      const result = yield* PassiveAuthentication.verify(chip, trustStore)
      assert.strictEqual(result.status, "inconclusive")
      assert.strictEqual(outcomes(result).documentSignerTrusted, "inconclusive")
      assert.strictEqual(result.reason, "documentSignerTrusted")
      // What the chip says is still read, but it is not vouched for.
      assert.strictEqual(result.identity?.lastName, "MUSTERMANN")
      const empty = yield* PassiveAuthentication.verify(chip, TrustStore.empty)
      assert.strictEqual(empty.status, "inconclusive")
    })
  )

  it.live("rejects a document signer that claims a trusted CSCA's name but is signed by another key", () =>
    Effect.gen(function* () {
      const { chip, trustStore, mrz } = yield* setup("RSA", "ECDSA")
      const impostorCsca = yield* Testing.makeCsca({ commonName: "CSCA Germany", country: "DE", keyType: "RSA" })
      const impostorSigner = yield* Testing.makeDocumentSigner(impostorCsca, { keyType: "ECDSA" })
      const forged = yield* Testing.makeChip(mrz, impostorSigner)
      const result = yield* PassiveAuthentication.verify(forged, trustStore)
      assert.strictEqual(result.status, "rejected")
      assert.strictEqual(outcomes(result).documentSignerTrusted, "failed")
      assert.strictEqual(outcomes(result).sodSignature, "passed")
      assert.strictEqual((yield* PassiveAuthentication.verify(chip, trustStore)).status, "accepted")
    })
  )

  it.live("is inconclusive when the document signer certificate has expired or is not yet valid", () =>
    Effect.gen(function* () {
      const { csca, trustStore, mrz } = yield* setup("RSA", "ECDSA")
      const now = Date.now()
      const expired = yield* Testing.makeDocumentSigner(csca, {
        notBefore: new Date(now - 400 * day),
        notAfter: new Date(now - 35 * day)
      })
      const early = yield* Testing.makeDocumentSigner(csca, {
        notBefore: new Date(now + 10 * day),
        notAfter: new Date(now + 400 * day)
      })
      for (const signer of [expired, early]) {
        const result = yield* PassiveAuthentication.verify(yield* Testing.makeChip(mrz, signer), trustStore)
        assert.strictEqual(result.status, "inconclusive")
        assert.strictEqual(outcomes(result).documentSignerValidity, "inconclusive")
        assert.strictEqual(outcomes(result).documentSignerTrusted, "passed")
        assert.strictEqual(result.reason, "documentSignerValidity")
      }
    })
  )

  it.live("rejects a genuine chip of an expired document", () =>
    Effect.gen(function* () {
      const { signer, trustStore } = yield* setup("RSA", "ECDSA")
      const mrz = Testing.writeMrz("TD3", { dateOfExpiry: Testing.mrzDate(Date.now() - 2 * day) }, Date.now())
      const result = yield* PassiveAuthentication.verify(yield* Testing.makeChip(mrz, signer), trustStore)
      assert.strictEqual(result.status, "rejected")
      assert.strictEqual(outcomes(result).documentNotExpired, "failed")
      assert.strictEqual(outcomes(result).sodSignature, "passed")
      assert.strictEqual(result.reason, "documentNotExpired")
    })
  )

  it.live("is inconclusive on a hash algorithm it does not support", () =>
    Effect.gen(function* () {
      const { signer, trustStore, mrz } = yield* setup("RSA", "RSA")
      // SHA-224 (2.16.840.1.101.3.4.2.4), which WebCrypto does not compute.
      const chip = yield* Testing.makeChip(mrz, signer, { hashAlgorithmOid: "2.16.840.1.101.3.4.2.4" })
      const result = yield* PassiveAuthentication.verify(chip, trustStore)
      assert.strictEqual(result.status, "inconclusive")
      assert.strictEqual(outcomes(result).dataGroup1Hash, "inconclusive")
      assert.strictEqual(outcomes(result).sodSignature, "passed")
      assert.strictEqual(result.details.hashAlgorithm, "2.16.840.1.101.3.4.2.4")
    })
  )

  it.live("rejects a document signer revoked by its CSCA's CRL, and accepts one the CRL does not list", () =>
    Effect.gen(function* () {
      const { csca, signer, chip } = yield* setup("ECDSA", "ECDSA")
      const other = yield* Testing.makeDocumentSigner(csca)
      const revoking = yield* TrustStore.make({ cscas: [csca.der], crls: [yield* Testing.makeCrl(csca, [signer])] })
      const revoked = yield* PassiveAuthentication.verify(chip, revoking)
      assert.strictEqual(revoked.status, "rejected")
      assert.strictEqual(outcomes(revoked).documentSignerNotRevoked, "failed")
      assert.strictEqual(revoked.details.revocationChecked, true)
      const clean = yield* TrustStore.make({
        cscas: [csca.der],
        crls: [Testing.pem("X509 CRL", yield* Testing.makeCrl(csca, [other]))]
      })
      const accepted = yield* PassiveAuthentication.verify(chip, clean)
      assert.strictEqual(accepted.status, "accepted")
      assert.strictEqual(outcomes(accepted).documentSignerNotRevoked, "passed")
    })
  )

  it.live("does not trust a CRL its CSCA did not sign", () =>
    Effect.gen(function* () {
      const { csca, signer, chip } = yield* setup("RSA", "ECDSA")
      const impostor = yield* Testing.makeCsca({ commonName: "CSCA Germany", country: "DE" })
      const trustStore = yield* TrustStore.make({
        cscas: [csca.der],
        crls: [yield* Testing.makeCrl(impostor, [signer])]
      })
      const result = yield* PassiveAuthentication.verify(chip, trustStore)
      assert.strictEqual(result.status, "inconclusive")
      assert.strictEqual(outcomes(result).documentSignerNotRevoked, "inconclusive")
    })
  )

  it.live("trusts the CSCAs of a master list", () =>
    Effect.gen(function* () {
      const { csca, chip } = yield* setup("RSA", "ECDSA")
      const norway = yield* Testing.makeCsca({ commonName: "CSCA Norway", country: "NO", keyType: "ECDSA" })
      const listSigner = yield* Testing.issueCertificate({
        commonName: "Master List Signer",
        country: "DE",
        issuer: csca
      })
      const masterList = yield* Testing.makeMasterList(listSigner, [norway, csca])
      const trustStore = yield* TrustStore.make({ masterLists: [masterList] })
      assert.strictEqual(trustStore.cscas.length, 2)
      const result = yield* PassiveAuthentication.verify(chip, trustStore)
      assert.strictEqual(result.status, "accepted")
    })
  )

  it.live("fails with a typed error, never a throw, on truncated or garbage input", () =>
    Effect.gen(function* () {
      const { chip, trustStore } = yield* setup("RSA", "ECDSA")
      const inputs: ReadonlyArray<readonly [string, Testing.Chip, string]> = [
        ["truncated SOD", { ...chip, sod: chip.sod.slice(0, chip.sod.length - 40) }, "sod"],
        ["half an SOD", { ...chip, sod: chip.sod.slice(0, 100) }, "sod"],
        ["empty SOD", { ...chip, sod: new Uint8Array() }, "sod"],
        ["garbage SOD", { ...chip, sod: new TextEncoder().encode("this is not an EF.SOD at all") }, "sod"],
        ["a certificate for an SOD", { ...chip, sod: (yield* Testing.makeCsca()).der }, "sod"],
        ["garbage DG1", withDataGroup(chip, 1, new Uint8Array([0x61, 0x05, 0x01, 0x02])), "dataGroups.1"],
        ["DG1 without an MRZ", withDataGroup(chip, 1, new Uint8Array([0x61, 0x03, 0x04, 0x01, 0x00])), "dataGroups.1"],
        ["no DG1", { ...chip, dataGroups: new Map([[2, Testing.placeholderDg2]]) }, "dataGroups.1"]
      ]
      for (const [label, input, field] of inputs) {
        const error = yield* Effect.flip(PassiveAuthentication.verify(input, trustStore))
        assert.strictEqual(error._tag, "ChipDataError", label)
        assert.strictEqual(error.field, field, label)
      }
    })
  )
})

describe("PassiveAuthentication.verify with keys WebCrypto cannot use", () => {
  it.live("is inconclusive, not rejected, on a document signer key on a Brainpool curve", () =>
    Effect.gen(function* () {
      const csca = yield* Testing.makeCsca({ commonName: "CSCA Germany", country: "DE", keyType: "ECDSA" })
      const genuine = yield* Testing.makeDocumentSigner(csca, { keyType: "ECDSA" })
      // The same certificate claiming brainpoolP256r1 (1.3.36.3.3.2.8.1.1.7), re-signed by the CSCA.
      const certificate = new pkijs.Certificate({ schema: genuine.certificate.toSchema(true) })
      certificate.subjectPublicKeyInfo.algorithm.algorithmParams = new asn1js.ObjectIdentifier({
        value: "1.3.36.3.3.2.8.1.1.7"
      })
      yield* Effect.promise(() => certificate.sign(csca.privateKey, "SHA-256"))
      const der = new Uint8Array(certificate.toSchema(true).toBER(false))
      const brainpool: Testing.Issued = { ...genuine, certificate, der, pem: Testing.pem("CERTIFICATE", der) }
      const chip = yield* Testing.makeChip(Testing.writeMrz("TD3", {}, Date.now()), brainpool)
      const result = yield* PassiveAuthentication.verify(chip, yield* TrustStore.make({ cscas: [csca.der] }))
      assert.strictEqual(outcomes(result).sodSignature, "inconclusive")
      assert.strictEqual(outcomes(result).documentSignerTrusted, "passed")
      assert.strictEqual(result.status, "inconclusive")
    })
  )
})
