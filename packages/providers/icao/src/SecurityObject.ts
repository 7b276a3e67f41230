/**
 * EF.SOD, the document security object of an eMRTD chip (ICAO Doc 9303 part 10): a CMS SignedData (RFC 5652)
 * whose content is an LDS security object — the hash of every data group — signed by the document signer, whose
 * certificate travels inside it.
 *
 * ```
 * EF.SOD          ::= [APPLICATION 23] ContentInfo           -- the tag 77 wrapper; an unwrapped ContentInfo is read too
 * ContentInfo     ::= SEQUENCE { id-signedData, [0] SignedData }
 * eContentType    = 2.23.136.1.1.1 (id-icao-mrtd-security-ldsSecurityObject)
 * LDSSecurityObject ::= SEQUENCE { version INTEGER, hashAlgorithm AlgorithmIdentifier,
 *                                  dataGroupHashValues SEQUENCE OF SEQUENCE { dataGroupNumber INTEGER,
 *                                                                              dataGroupHashValue OCTET STRING },
 *                                  ldsVersionInfo LDSVersionInfo OPTIONAL }
 * ```
 *
 * CMS and X.509 are read with `pkijs`, the rest with `asn1js`: no hand-written ASN.1. Every failure to read is a
 * {@link ChipDataError} on the field `sod`.
 *
 * @since 0.1.0
 */
import * as asn1js from "asn1js"
import { Effect } from "effect"
import * as pkijs from "pkijs"
import { ChipDataError } from "./ChipError.js"

/** `id-icao-mrtd-security-ldsSecurityObject`, the content type of an EF.SOD. @since 0.1.0 */
export const ldsSecurityObjectOid = "2.23.136.1.1.1"

/** `id-signedData` (RFC 5652). @since 0.1.0 */
export const signedDataOid = "1.2.840.113549.1.7.2"

/** The application tag of the EF.SOD wrapper (`77`). @since 0.1.0 */
export const sodTag = 23

/** The hash algorithms WebCrypto computes, by object identifier. @since 0.1.0 */
export const hashAlgorithms: Readonly<Record<string, "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512">> = {
  "1.3.14.3.2.26": "SHA-1",
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512"
}

/** An EF.SOD, read. @since 0.1.0 */
export interface SecurityObject {
  /** The object identifier of the data groups' hash algorithm (see {@link hashAlgorithms}). */
  readonly hashAlgorithm: string
  /** Each data group's hash, by data group number. */
  readonly dataGroupHashes: ReadonlyMap<number, Uint8Array>
  /** The CMS structure, for verifying its signature. */
  readonly signedData: pkijs.SignedData
  /** The document signer's certificate, when the SOD carries it (it must, by Doc 9303). */
  readonly documentSigner: pkijs.Certificate | undefined
}

const invalid = (detail: string) => new ChipDataError({ field: "sod", detail })

const readLdsSecurityObject = (
  bytes: ArrayBuffer
): { readonly hashAlgorithm: string; readonly dataGroupHashes: ReadonlyMap<number, Uint8Array> } | undefined => {
  const decoded = asn1js.fromBER(bytes)
  if (decoded.offset === -1 || !(decoded.result instanceof asn1js.Sequence)) return undefined
  const [version, algorithm, hashes] = decoded.result.valueBlock.value
  if (!(version instanceof asn1js.Integer) || !(algorithm instanceof asn1js.Sequence)) return undefined
  if (!(hashes instanceof asn1js.Sequence)) return undefined
  const hashAlgorithm = new pkijs.AlgorithmIdentifier({ schema: algorithm }).algorithmId
  const dataGroupHashes = new Map<number, Uint8Array>()
  for (const entry of hashes.valueBlock.value) {
    if (!(entry instanceof asn1js.Sequence)) return undefined
    const [number, hash] = entry.valueBlock.value
    if (!(number instanceof asn1js.Integer) || !(hash instanceof asn1js.OctetString)) return undefined
    dataGroupHashes.set(number.valueBlock.valueDec, new Uint8Array(hash.getValue()))
  }
  return { hashAlgorithm, dataGroupHashes }
}

/** The certificate the (first) signer names, among those the SOD carries. */
const signerCertificate = (signedData: pkijs.SignedData): pkijs.Certificate | undefined => {
  const certificates = (signedData.certificates ?? []).filter(
    (certificate): certificate is pkijs.Certificate => certificate instanceof pkijs.Certificate
  )
  const sid = signedData.signerInfos[0]?.sid
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const named = certificates.find(
      (certificate) => certificate.issuer.isEqual(sid.issuer) && certificate.serialNumber.isEqual(sid.serialNumber)
    )
    if (named !== undefined) return named
  }
  return certificates.length === 1 ? certificates[0] : undefined
}

/**
 * Reads an EF.SOD: the CMS SignedData, the LDS security object inside it and the document signer's certificate.
 * Verifies nothing (see `PassiveAuthentication`).
 *
 * @since 0.1.0
 */
export const parse = (sod: Uint8Array): Effect.Effect<SecurityObject, ChipDataError> =>
  Effect.suspend(() => {
    if (sod.byteLength === 0) return Effect.fail(invalid("is empty"))
    const decoded = asn1js.fromBER(sod)
    if (decoded.offset === -1) return Effect.fail(invalid("is not DER (truncated or garbage)"))
    let outer: asn1js.AsnType = decoded.result
    if (outer.idBlock.tagClass === 2 && outer.idBlock.tagNumber === sodTag) {
      const inner = outer instanceof asn1js.Constructed ? outer.valueBlock.value[0] : undefined
      if (inner === undefined) return Effect.fail(invalid("the tag 77 wrapper is empty"))
      outer = inner
    }
    let signedData: pkijs.SignedData
    try {
      const contentInfo = new pkijs.ContentInfo({ schema: outer })
      if (contentInfo.contentType !== signedDataOid) return Effect.fail(invalid("is not a CMS SignedData"))
      signedData = new pkijs.SignedData({ schema: contentInfo.content })
    } catch {
      return Effect.fail(invalid("is not a CMS SignedData"))
    }
    const content = signedData.encapContentInfo
    if (content.eContentType !== ldsSecurityObjectOid) {
      return Effect.fail(invalid(`holds ${content.eContentType}, not an LDS security object`))
    }
    if (content.eContent === undefined) return Effect.fail(invalid("holds no LDS security object"))
    if (signedData.signerInfos.length === 0) return Effect.fail(invalid("has no signer"))
    const lds = readLdsSecurityObject(content.eContent.getValue())
    if (lds === undefined) return Effect.fail(invalid("the LDS security object cannot be read"))
    return Effect.succeed({ ...lds, signedData, documentSigner: signerCertificate(signedData) })
  })

/**
 * Encodes an LDS security object (version 0): for building test documents.
 *
 * @since 0.1.0
 */
export const encodeLdsSecurityObject = (options: {
  readonly hashAlgorithm: string
  readonly dataGroupHashes: ReadonlyMap<number, Uint8Array>
}): Uint8Array =>
  new Uint8Array(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 0 }),
        new pkijs.AlgorithmIdentifier({ algorithmId: options.hashAlgorithm }).toSchema(),
        new asn1js.Sequence({
          value: [...options.dataGroupHashes].map(
            ([number, hash]) =>
              new asn1js.Sequence({
                value: [new asn1js.Integer({ value: number }), new asn1js.OctetString({ valueHex: hash })]
              })
          )
        })
      ]
    }).toBER(false)
  )

/** Wraps a DER ContentInfo in the EF.SOD's application tag 77, as the chip stores it. @since 0.1.0 */
export const wrap = (contentInfo: Uint8Array): Uint8Array => {
  const decoded = asn1js.fromBER(contentInfo)
  return new Uint8Array(
    new asn1js.Constructed({ idBlock: { tagClass: 2, tagNumber: sodTag }, value: [decoded.result] }).toBER(false)
  )
}
