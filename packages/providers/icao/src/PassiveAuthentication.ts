/**
 * Passive authentication of eMRTD chip data (ICAO Doc 9303 part 11, section 5.1): proof that the data groups read
 * from a passport's or ID card's chip are the ones its issuing state signed. Given EF.SOD and the data groups (at
 * least DG1), it checks:
 *
 * | check | passes when | otherwise |
 * |---|---|---|
 * | `sodSignature` | the document signer's signature over the LDS security object verifies (and its `messageDigest`) | failed |
 * | `dataGroup<n>Hash` | the data group hashes to the value the SOD holds for it | failed (inconclusive for an unsupported hash algorithm) |
 * | `documentSignerTrusted` | the document signer certificate was issued by a CSCA of the trust store | inconclusive when no CSCA of that name is trusted; failed when one is and its signature does not verify |
 * | `documentSignerValidity` | the `Clock`'s now is within the document signer certificate's validity | inconclusive |
 * | `documentSignerNotRevoked` | a CRL of that CSCA does not list the document signer (only when the trust store has one) | failed; inconclusive when the CRL's own signature does not verify |
 * | DG1's MRZ checks | see `Verification.mrzChecks`: check digits, fields, `documentNotExpired` | failed |
 *
 * The checks add up to a status as `Verification` says: any failure rejects, an unknown CSCA or a signer outside its
 * validity leaves the result inconclusive. Input that cannot be read at all (a truncated SOD, garbage, a DG1 with
 * no MRZ) is a {@link ChipDataError}, never a throw.
 *
 * Signatures are verified by `pkijs` over WebCrypto (`globalThis.crypto`): RSA and ECDSA on the NIST curves. A key
 * WebCrypto cannot import (Brainpool curves, explicit curve parameters, which several states use) cannot be checked:
 * `sodSignature` or `documentSignerTrusted` is then inconclusive, never failed — it is no proof of a forgery.
 *
 * @example
 * ```ts
 * import { PassiveAuthentication, TrustStore } from "@assure/icao"
 *
 * const result = PassiveAuthentication.verify({ sod, dataGroups: new Map([[1, dg1], [2, dg2]]) }, trustStore)
 * // Effect<PassiveAuthentication.Result, ChipDataError>: status, checks, identity (DG1's MRZ), details
 * ```
 *
 * @since 0.1.0
 */
import type { Schema } from "effect"
import { Clock, Effect } from "effect"
import type * as pkijs from "pkijs"
import { ChipDataError } from "./ChipError.js"
import * as DataGroup from "./DataGroup.js"
import * as Mrz from "./Mrz.js"
import * as SecurityObject from "./SecurityObject.js"
import type * as TrustStore from "./TrustStore.js"
import * as Verification from "./Verification.js"

/** What was read from the chip: EF.SOD and the data groups by number. @since 0.1.0 */
export interface ChipData {
  readonly sod: Uint8Array
  readonly dataGroups: ReadonlyMap<number, Uint8Array>
}

/** The result: the checks, the status, DG1's identity, and what was read, as plain JSON for `providerSpecific`. @since 0.1.0 */
export interface Result extends Verification.Verification {
  readonly details: { readonly [key: string]: Schema.Json }
}

const names: Readonly<Record<string, string>> = {
  "2.5.4.6": "C",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.7": "L",
  "2.5.4.8": "ST"
}

/** A distinguished name as text (`C=DE, O=bund, CN=csca-germany`). @since 0.1.0 */
export const nameOf = (name: pkijs.RelativeDistinguishedNames): string =>
  name.typesAndValues
    .map((entry) => `${names[entry.type] ?? entry.type}=${String(entry.value.valueBlock.value)}`)
    .join(", ")

const hex = (bytes: ArrayBuffer | Uint8Array): string =>
  Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (byte) =>
    byte.toString(16).padStart(2, "0")
  ).join("")

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && a.every((byte, index) => byte === b[index])

const digest = (algorithm: string, bytes: Uint8Array): Effect.Effect<Uint8Array> =>
  Effect.promise(() => globalThis.crypto.subtle.digest(algorithm, new Uint8Array(bytes))).pipe(
    Effect.map((buffer) => new Uint8Array(buffer))
  )

const hashChecks = (
  sod: SecurityObject.SecurityObject,
  dataGroups: ReadonlyMap<number, Uint8Array>
): Effect.Effect<ReadonlyArray<Verification.Check>> => {
  const algorithm = SecurityObject.hashAlgorithms[sod.hashAlgorithm]
  return Effect.forEach(
    [...dataGroups].sort(([a], [b]) => a - b),
    ([number, bytes]) =>
      Effect.gen(function* (): Effect.fn.Return<Verification.Check> {
        const name = `dataGroup${number}Hash`
        const expected = sod.dataGroupHashes.get(number)
        if (expected === undefined) return { name, outcome: "failed", detail: "the SOD holds no hash for it" }
        if (algorithm === undefined) {
          return { name, outcome: "inconclusive", detail: `unsupported hash algorithm ${sod.hashAlgorithm}` }
        }
        const actual = yield* digest(algorithm, bytes)
        return equalBytes(actual, expected)
          ? { name, outcome: "passed", detail: algorithm }
          : { name, outcome: "failed", detail: `${algorithm} does not match the SOD` }
      })
  )
}

/**
 * Whether WebCrypto can use a certificate's public key. Keys on curves it does not know (Brainpool) or with explicit
 * curve parameters cannot be imported: a signature by such a key cannot be checked, which is not proof of a forgery.
 */
const importable = (certificate: pkijs.Certificate): Effect.Effect<boolean> =>
  Effect.promise(() =>
    certificate.getPublicKey().then(
      () => true,
      () => false
    )
  )

const signatureCheck = (sod: SecurityObject.SecurityObject): Effect.Effect<Verification.Check> =>
  Effect.gen(function* (): Effect.fn.Return<Verification.Check> {
    const name = "sodSignature"
    const signer = sod.documentSigner
    if (signer === undefined) return { name, outcome: "failed", detail: "the SOD carries no document signer" }
    const digestAlgorithm = sod.signedData.signerInfos[0]?.digestAlgorithm.algorithmId ?? ""
    if (SecurityObject.hashAlgorithms[digestAlgorithm] === undefined) {
      return { name, outcome: "inconclusive", detail: `unsupported digest algorithm ${digestAlgorithm}` }
    }
    if (!(yield* importable(signer))) {
      return { name, outcome: "inconclusive", detail: "the document signer's key type is not supported by WebCrypto" }
    }
    return yield* Effect.promise(() =>
      sod.signedData
        .verify({ signer: 0, checkChain: false, extendedMode: true })
        .then(
          (result): Verification.Check =>
            result.signatureVerified === true
              ? { name, outcome: "passed" }
              : { name, outcome: "failed", detail: result.message || "does not verify" }
        )
        .catch(
          (error: unknown): Verification.Check => ({
            name,
            outcome: "failed",
            detail: error instanceof Error ? error.message : "does not verify"
          })
        )
    )
  })

const issuedBy = (issuer: pkijs.Certificate, certificate: pkijs.Certificate) =>
  Effect.promise(() => certificate.verify(issuer).catch(() => false))

/** The checks of the document signer certificate against the trust store, at `now`. */
const signerChecks = (
  signer: pkijs.Certificate,
  trustStore: TrustStore.TrustStore,
  now: Date
): Effect.Effect<{ readonly checks: ReadonlyArray<Verification.Check>; readonly csca?: pkijs.Certificate }> =>
  Effect.gen(function* () {
    const validity: Verification.Check =
      now >= signer.notBefore.value && now <= signer.notAfter.value
        ? { name: "documentSignerValidity", outcome: "passed" }
        : {
            name: "documentSignerValidity",
            outcome: "inconclusive",
            detail: `valid from ${signer.notBefore.value.toISOString()} to ${signer.notAfter.value.toISOString()}`
          }
    const named = trustStore.cscas.filter((csca) => csca.subject.isEqual(signer.issuer))
    if (named.length === 0) {
      const detail = `no trusted CSCA named ${nameOf(signer.issuer)}`
      return { checks: [{ name: "documentSignerTrusted", outcome: "inconclusive", detail }, validity] }
    }
    const usable = yield* Effect.filter(named, importable)
    if (usable.length === 0) {
      const detail = `the key of ${nameOf(signer.issuer)} is not supported by WebCrypto`
      return { checks: [{ name: "documentSignerTrusted", outcome: "inconclusive", detail }, validity] }
    }
    const issuers = yield* Effect.filter(usable, (csca) => issuedBy(csca, signer))
    const csca = issuers[0]
    if (csca === undefined) {
      const detail = `the signature of ${nameOf(signer.issuer)} does not verify`
      return { checks: [{ name: "documentSignerTrusted", outcome: "failed", detail }, validity] }
    }
    const trusted: Verification.Check = {
      name: "documentSignerTrusted",
      outcome: "passed",
      detail: nameOf(csca.subject)
    }
    const crls = trustStore.crls.filter((crl) => crl.issuer.isEqual(csca.subject))
    if (crls.length === 0) return { checks: [trusted, validity], csca }
    let revocation: Verification.Check = { name: "documentSignerNotRevoked", outcome: "passed" }
    for (const crl of crls) {
      const genuine = yield* Effect.promise(() => crl.verify({ issuerCertificate: csca }).catch(() => false))
      if (!genuine) {
        revocation = { name: "documentSignerNotRevoked", outcome: "inconclusive", detail: "a CRL does not verify" }
        continue
      }
      if ((crl.revokedCertificates ?? []).some((entry) => entry.userCertificate.isEqual(signer.serialNumber))) {
        revocation = { name: "documentSignerNotRevoked", outcome: "failed", detail: "revoked by its CSCA's CRL" }
        break
      }
    }
    return { checks: [trusted, validity, revocation], csca }
  })

/**
 * Verifies chip data against a trust store at the `Clock`'s current time (the table in the module documentation).
 *
 * @since 0.1.0
 */
export const verify = (chip: ChipData, trustStore: TrustStore.TrustStore): Effect.Effect<Result, ChipDataError> =>
  Effect.gen(function* () {
    const dg1 = chip.dataGroups.get(1)
    if (dg1 === undefined) return yield* new ChipDataError({ field: "dataGroups.1", detail: "DG1 is required" })
    const sod = yield* SecurityObject.parse(chip.sod)
    const mrzText = yield* DataGroup.readMrz(dg1)
    const zone = yield* Mrz.parse(mrzText).pipe(
      Effect.mapError((error) => new ChipDataError({ field: "dataGroups.1", detail: error.detail }))
    )
    const now = new Date(yield* Clock.currentTimeMillis)
    const hashes = yield* hashChecks(sod, chip.dataGroups)
    const signature = yield* signatureCheck(sod)
    const signer =
      sod.documentSigner === undefined ? { checks: [] } : yield* signerChecks(sod.documentSigner, trustStore, now)
    const mrz = yield* Verification.mrzChecks(zone)
    const checks = [signature, ...hashes, ...signer.checks, ...mrz.checks]
    const dsc = sod.documentSigner
    const details: Result["details"] = {
      hashAlgorithm: SecurityObject.hashAlgorithms[sod.hashAlgorithm] ?? sod.hashAlgorithm,
      dataGroupsRead: [...chip.dataGroups.keys()].sort((a, b) => a - b),
      dataGroupsSigned: [...sod.dataGroupHashes.keys()].sort((a, b) => a - b),
      mrzFormat: zone.format,
      ...(zone.fields.optionalData === "" ? {} : { mrzOptionalData: zone.fields.optionalData }),
      ...(dsc === undefined
        ? {}
        : {
            documentSigner: {
              subject: nameOf(dsc.subject),
              issuer: nameOf(dsc.issuer),
              serialNumber: hex(dsc.serialNumber.valueBlock.valueHexView),
              notBefore: dsc.notBefore.value.toISOString(),
              notAfter: dsc.notAfter.value.toISOString()
            }
          }),
      ...(signer.csca === undefined ? {} : { csca: nameOf(signer.csca.subject) }),
      revocationChecked: checks.some((check) => check.name === "documentSignerNotRevoked")
    }
    return { ...Verification.make(checks, mrz.identity), details }
  })
