/**
 * Test documents for the ICAO provider, for this package's tests and for users who test their own integration: a
 * PKI built in memory (CSCA → document signer, RSA or ECDSA, with CRLs and master lists), MRZs with correct check
 * digits, and chips — DG1, DG2 and an EF.SOD signed by the document signer — exactly as a reader app hands them over.
 *
 * {@link IcaoSimulator} is an issuing state in a box: a CSCA and a document signer made when its layer is built, a
 * trust store that trusts the CSCA, and `issue`, which returns the provider parameters for a document it issues.
 * {@link layerTest} registers the provider with that trust store.
 *
 * Everything runs on WebCrypto (`globalThis.crypto`) through `pkijs`; nothing here touches the network or the disk.
 *
 * @example
 * ```ts
 * import { IcaoSimulator, layerTest } from "@assure/icao/testing"
 *
 * const program = Effect.gen(function* () {
 *   const simulator = yield* IcaoSimulator
 *   const document = yield* simulator.issue({ surname: "MUSTERMANN", givenNames: "ERIKA" })
 *   // document.parameters is { chip: { sod, dataGroups } } for processType "chip"; document.mrz for "mrz"
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { IdentityProvider, ProviderRegistry } from "@assure/provider"
import { Simulator, TestRequest } from "@assure/provider/testing"
import * as asn1js from "asn1js"
import { Clock, Context, Effect, Layer } from "effect"
import { Base64 } from "effect/encoding"
import * as pkijs from "pkijs"
import * as CheckDigit from "./CheckDigit.js"
import * as DataGroup from "./DataGroup.js"
import * as IcaoProvider from "./IcaoProvider.js"
import * as SecurityObject from "./SecurityObject.js"
import * as TrustStore from "./TrustStore.js"

// ---------------------------------------------------------------------------------------------------------------
// PKI
// ---------------------------------------------------------------------------------------------------------------

/** The key types of the test PKI: RSA (PKCS #1 v1.5, 2048 bits) or ECDSA on P-256. @since 0.1.0 */
export type KeyType = "RSA" | "ECDSA"

/** A certificate with its private key. @since 0.1.0 */
export interface Issued {
  readonly certificate: pkijs.Certificate
  /** DER */
  readonly der: Uint8Array
  readonly pem: string
  readonly privateKey: CryptoKey
  readonly keyType: KeyType
}

/** What a test certificate says. @since 0.1.0 */
export interface CertificateOptions {
  readonly commonName: string
  /** The `C=` of the subject, ISO 3166 alpha-2 as Doc 9303 wants (`DE`). */
  readonly country?: string | undefined
  readonly keyType?: KeyType | undefined
  /** Default: a year before the `Clock`'s now. */
  readonly notBefore?: Date | undefined
  /** Default: ten years after the `Clock`'s now. */
  readonly notAfter?: Date | undefined
  readonly serialNumber?: number | undefined
  /** The issuer; absent for a self-signed CSCA. */
  readonly issuer?: Issued | undefined
  readonly ca?: boolean | undefined
}

const day = 24 * 60 * 60 * 1000

const generateKeys = (keyType: KeyType): Effect.Effect<CryptoKeyPair> =>
  Effect.promise(() =>
    keyType === "RSA"
      ? globalThis.crypto.subtle.generateKey(
          {
            name: "RSASSA-PKCS1-v1_5",
            modulusLength: 2048,
            publicExponent: new Uint8Array([1, 0, 1]),
            hash: "SHA-256"
          },
          true,
          ["sign", "verify"]
        )
      : globalThis.crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])
  )

/** DER as PEM text with the given label. @since 0.1.0 */
export const pem = (label: string, der: Uint8Array): string => {
  const base64 = Base64.encode(der)
  const lines = base64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`
}

const nameOf = (commonName: string, country: string): pkijs.RelativeDistinguishedNames =>
  new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({ type: "2.5.4.6", value: new asn1js.PrintableString({ value: country }) }),
      new pkijs.AttributeTypeAndValue({ type: "2.5.4.3", value: new asn1js.Utf8String({ value: commonName }) })
    ]
  })

let serialCounter = 1

/**
 * Issues a certificate: self-signed when `issuer` is absent (a CSCA), else signed by the issuer.
 *
 * @since 0.1.0
 */
export const issueCertificate = (options: CertificateOptions): Effect.Effect<Issued> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const keyType = options.keyType ?? "RSA"
    const keys = yield* generateKeys(keyType)
    const certificate = new pkijs.Certificate()
    certificate.version = 2
    certificate.serialNumber = new asn1js.Integer({ value: options.serialNumber ?? serialCounter++ })
    certificate.subject = nameOf(options.commonName, options.country ?? "DE")
    certificate.issuer =
      options.issuer === undefined
        ? nameOf(options.commonName, options.country ?? "DE")
        : new pkijs.RelativeDistinguishedNames({ schema: options.issuer.certificate.subject.toSchema() })
    certificate.notBefore.value = options.notBefore ?? new Date(now - 365 * day)
    certificate.notAfter.value = options.notAfter ?? new Date(now + 3650 * day)
    const basicConstraints = new pkijs.BasicConstraints({ cA: options.ca ?? options.issuer === undefined })
    certificate.extensions = [
      new pkijs.Extension({
        extnID: "2.5.29.19",
        critical: true,
        extnValue: basicConstraints.toSchema().toBER(false),
        parsedValue: basicConstraints
      })
    ]
    yield* Effect.promise(() => certificate.subjectPublicKeyInfo.importKey(keys.publicKey))
    const signingKey = options.issuer?.privateKey ?? keys.privateKey
    yield* Effect.promise(() => certificate.sign(signingKey, "SHA-256"))
    const der = new Uint8Array(certificate.toSchema(true).toBER(false))
    return { certificate, der, pem: pem("CERTIFICATE", der), privateKey: keys.privateKey, keyType }
  })

/** A self-signed Country Signing CA. @since 0.1.0 */
export const makeCsca = (options: Omit<CertificateOptions, "issuer" | "ca"> = { commonName: "CSCA Test" }) =>
  issueCertificate({ ...options, ca: true })

/** A document signer certificate issued by `csca` (default validity: a month ago to five years ahead). @since 0.1.0 */
export const makeDocumentSigner = (
  csca: Issued,
  options: Partial<Omit<CertificateOptions, "issuer" | "ca">> = {}
): Effect.Effect<Issued> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    return yield* issueCertificate({
      commonName: "Document Signer Test",
      notBefore: new Date(now - 30 * day),
      notAfter: new Date(now + 5 * 365 * day),
      ...options,
      issuer: csca,
      ca: false
    })
  })

/**
 * A CRL of `csca` revoking the given certificates, valid from a day ago to a month ahead.
 *
 * @since 0.1.0
 */
export const makeCrl = (csca: Issued, revoked: ReadonlyArray<Issued>): Effect.Effect<Uint8Array> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const crl = new pkijs.CertificateRevocationList()
    crl.version = 1
    crl.issuer = new pkijs.RelativeDistinguishedNames({ schema: csca.certificate.subject.toSchema() })
    crl.thisUpdate = new pkijs.Time({ type: 0, value: new Date(now - day) })
    crl.nextUpdate = new pkijs.Time({ type: 0, value: new Date(now + 30 * day) })
    if (revoked.length > 0) {
      crl.revokedCertificates = revoked.map(
        (certificate) =>
          new pkijs.RevokedCertificate({
            userCertificate: certificate.certificate.serialNumber,
            revocationDate: new pkijs.Time({ type: 0, value: new Date(now - day) })
          })
      )
    }
    yield* Effect.promise(() => crl.sign(csca.privateKey, "SHA-256"))
    return new Uint8Array(crl.toSchema(true).toBER(false))
  })

/** A CMS SignedData (DER ContentInfo) over `content` of type `contentType`, signed with signed attributes. */
const signCms = (options: {
  readonly contentType: string
  readonly content: Uint8Array
  readonly signer: Issued
  readonly hash: string
}): Effect.Effect<Uint8Array> =>
  Effect.gen(function* () {
    const { signer } = options
    const messageDigest = yield* Effect.promise(() =>
      globalThis.crypto.subtle.digest(options.hash, new Uint8Array(options.content))
    )
    const signedData = new pkijs.SignedData({
      version: 3,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({
        eContentType: options.contentType,
        eContent: new asn1js.OctetString({ valueHex: options.content })
      }),
      signerInfos: [
        new pkijs.SignerInfo({
          version: 1,
          sid: new pkijs.IssuerAndSerialNumber({
            issuer: signer.certificate.issuer,
            serialNumber: signer.certificate.serialNumber
          }),
          signedAttrs: new pkijs.SignedAndUnsignedAttributes({
            type: 0,
            attributes: [
              new pkijs.Attribute({
                type: "1.2.840.113549.1.9.3",
                values: [new asn1js.ObjectIdentifier({ value: options.contentType })]
              }),
              new pkijs.Attribute({
                type: "1.2.840.113549.1.9.4",
                values: [new asn1js.OctetString({ valueHex: messageDigest })]
              })
            ]
          })
        })
      ],
      certificates: [signer.certificate]
    })
    yield* Effect.promise(() => signedData.sign(signer.privateKey, 0, options.hash))
    const contentInfo = new pkijs.ContentInfo({
      contentType: SecurityObject.signedDataOid,
      content: signedData.toSchema(true)
    })
    return new Uint8Array(contentInfo.toSchema().toBER(false))
  })

/**
 * An ICAO master list listing `cscas`, signed by `signer` (a master list signer issued by one of them).
 *
 * @since 0.1.0
 */
export const makeMasterList = (signer: Issued, cscas: ReadonlyArray<Issued>): Effect.Effect<Uint8Array> =>
  signCms({
    contentType: TrustStore.masterListOid,
    content: new Uint8Array(
      new asn1js.Sequence({
        value: [
          new asn1js.Integer({ value: 0 }),
          new asn1js.Set({ value: cscas.map((csca) => csca.certificate.toSchema(true)) })
        ]
      }).toBER(false)
    ),
    signer,
    hash: "SHA-256"
  })

/** How to build an EF.SOD. @since 0.1.0 */
export interface SodOptions {
  readonly documentSigner: Issued
  readonly dataGroups: ReadonlyMap<number, Uint8Array>
  /** The data groups' hash (default SHA-256); also the signature's. */
  readonly hash?: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512" | undefined
  /** Announces another hash algorithm in the LDS security object (to test one the verifier does not support). */
  readonly hashAlgorithmOid?: string | undefined
}

const hashOids: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SecurityObject.hashAlgorithms).map(([oid, name]) => [name, oid])
)

/**
 * An EF.SOD over the data groups, wrapped in its tag 77, signed by the document signer.
 *
 * @since 0.1.0
 */
export const makeSod = (options: SodOptions): Effect.Effect<Uint8Array> =>
  Effect.gen(function* () {
    const hash = options.hash ?? "SHA-256"
    const dataGroupHashes = new Map<number, Uint8Array>()
    for (const [number, bytes] of options.dataGroups) {
      dataGroupHashes.set(
        number,
        new Uint8Array(yield* Effect.promise(() => globalThis.crypto.subtle.digest(hash, new Uint8Array(bytes))))
      )
    }
    const lds = SecurityObject.encodeLdsSecurityObject({
      hashAlgorithm: options.hashAlgorithmOid ?? (hashOids[hash] as string),
      dataGroupHashes
    })
    const contentInfo = yield* signCms({
      contentType: SecurityObject.ldsSecurityObjectOid,
      content: lds,
      signer: options.documentSigner,
      hash
    })
    return SecurityObject.wrap(contentInfo)
  })

// ---------------------------------------------------------------------------------------------------------------
// MRZ
// ---------------------------------------------------------------------------------------------------------------

/** The fields of a test document, as printed in its MRZ (upper case, `<` for spaces). @since 0.1.0 */
export interface DocumentFields {
  /** `P` (default for TD3), `I` (default for TD1/TD2), `V`, … */
  readonly documentCode?: string | undefined
  /** ICAO code, default `D` (Germany). */
  readonly issuingState?: string | undefined
  readonly surname?: string | undefined
  readonly givenNames?: string | undefined
  /** Up to nine characters. Default `C01X00T47`. */
  readonly documentNumber?: string | undefined
  readonly nationality?: string | undefined
  /** `YYMMDD`, default `640812`. */
  readonly dateOfBirth?: string | undefined
  /** `F`, `M` or `<`, default `F`. */
  readonly sex?: string | undefined
  /** `YYMMDD`; default five years after the `Clock`'s now. */
  readonly dateOfExpiry?: string | undefined
  readonly optionalData?: string | undefined
}

/** The MRZ layouts the builders write. @since 0.1.0 */
export type Format = "TD1" | "TD2" | "TD3"

const field = (value: string, width: number): string => value.replace(/ /g, "<").padEnd(width, "<").slice(0, width)

const digit = (value: string): string => String(CheckDigit.compute(value))

/** `YYMMDD` of an instant. @since 0.1.0 */
export const mrzDate = (millis: number): string => new Date(millis).toISOString().slice(2, 10).replaceAll("-", "")

/**
 * Writes an MRZ with correct check digits (lines joined by `\n`). Expiry defaults to five years from `now`.
 *
 * @since 0.1.0
 */
export const writeMrz = (format: Format, fields: DocumentFields, now: number): string => {
  const code = field(fields.documentCode ?? (format === "TD3" ? "P" : "I"), 2)
  const state = field(fields.issuingState ?? "D", 3)
  const nationality = field(fields.nationality ?? fields.issuingState ?? "D", 3)
  const names = `${(fields.surname ?? "MUSTERMANN").replace(/ /g, "<")}<<${(fields.givenNames ?? "ERIKA").replace(/ /g, "<")}`
  const number = field(fields.documentNumber ?? "C01X00T47", 9)
  const birth = fields.dateOfBirth ?? "640812"
  const sex = fields.sex ?? "F"
  const expiry = fields.dateOfExpiry ?? mrzDate(now + 5 * 365 * day)
  const numberDigit = digit(number)
  const birthDigit = digit(birth)
  const expiryDigit = digit(expiry)
  switch (format) {
    case "TD3": {
      const personal = field(fields.optionalData ?? "", 14)
      const personalDigit = /^<*$/.test(personal) ? "<" : digit(personal)
      const upper = `${code}${state}${field(names, 39)}`
      const composite = digit(
        `${number}${numberDigit}${birth}${birthDigit}${expiry}${expiryDigit}${personal}${personalDigit}`
      )
      const lower = `${number}${numberDigit}${nationality}${birth}${birthDigit}${sex}${expiry}${expiryDigit}${personal}${personalDigit}${composite}`
      return `${upper}\n${lower}`
    }
    case "TD2": {
      const optional = field(fields.optionalData ?? "", 7)
      const upper = `${code}${state}${field(names, 31)}`
      const composite = digit(`${number}${numberDigit}${birth}${birthDigit}${expiry}${expiryDigit}${optional}`)
      const lower = `${number}${numberDigit}${nationality}${birth}${birthDigit}${sex}${expiry}${expiryDigit}${optional}${composite}`
      return `${upper}\n${lower}`
    }
    case "TD1": {
      const optional1 = field(fields.optionalData ?? "", 15)
      const optional2 = field("", 11)
      const first = `${code}${state}${number}${numberDigit}${optional1}`
      const secondHead = `${birth}${birthDigit}${sex}${expiry}${expiryDigit}${nationality}${optional2}`
      const composite = digit(
        `${first.slice(5, 30)}${secondHead.slice(0, 7)}${secondHead.slice(8, 15)}${secondHead.slice(18, 29)}`
      )
      return `${first}\n${secondHead}${composite}\n${field(names, 30)}`
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Chips and the simulator
// ---------------------------------------------------------------------------------------------------------------

/** A chip as a reader app hands it over: EF.SOD and the data groups. @since 0.1.0 */
export interface Chip {
  readonly sod: Uint8Array
  readonly dataGroups: ReadonlyMap<number, Uint8Array>
}

/** A placeholder DG2 (the face image template, tag 75): hashed like a real one, never parsed. @since 0.1.0 */
export const placeholderDg2: Uint8Array = new Uint8Array([0x75, 0x06, 0x7f, 0x61, 0x03, 0x02, 0x01, 0x01])

/**
 * A chip for an MRZ: DG1 holding it, the placeholder DG2, and an EF.SOD over both signed by the document signer.
 *
 * @since 0.1.0
 */
export const makeChip = (
  mrz: string,
  documentSigner: Issued,
  options: Omit<SodOptions, "documentSigner" | "dataGroups"> = {}
): Effect.Effect<Chip> =>
  Effect.gen(function* () {
    const dataGroups = new Map([
      [1, DataGroup.encodeDg1(mrz)],
      [2, placeholderDg2]
    ])
    return { sod: yield* makeSod({ ...options, documentSigner, dataGroups }), dataGroups }
  })

/** The provider parameters of a chip: `{ chip: { sod, dataGroups } }`, base64. @since 0.1.0 */
export const chipParameters = (chip: Chip) => ({
  chip: {
    sod: Base64.encode(chip.sod),
    dataGroups: Object.fromEntries(
      [...chip.dataGroups].map(([number, bytes]) => [String(number), Base64.encode(bytes)])
    )
  }
})

/** A document the simulator issued: its MRZ, its chip, and the provider parameters of each. @since 0.1.0 */
export interface IssuedDocument {
  readonly mrz: string
  readonly chip: Chip
  readonly mrzParameters: { readonly mrz: string }
  readonly chipParameters: ReturnType<typeof chipParameters>
}

/** A stand-in for an issuing state: a CSCA, a document signer, and the trust store that trusts them. @since 0.1.0 */
export class IcaoSimulator extends Context.Service<
  IcaoSimulator,
  {
    readonly csca: Issued
    readonly documentSigner: Issued
    readonly trustStore: TrustStore.TrustStore
    /** Issues a document (TD3 by default) signed by this state's document signer. */
    readonly issue: (
      fields?: DocumentFields,
      options?: { readonly format?: Format | undefined; readonly documentSigner?: Issued | undefined }
    ) => Effect.Effect<IssuedDocument>
  }
>()("@assure/icao/IcaoSimulator") {}

/**
 * Builds an issuing state: a CSCA and a document signer of the given key type (default RSA CSCA, ECDSA signer).
 *
 * @since 0.1.0
 */
export const make = (
  options: { readonly cscaKeyType?: KeyType | undefined; readonly signerKeyType?: KeyType | undefined } = {}
): Effect.Effect<IcaoSimulator["Service"]> =>
  Effect.gen(function* () {
    const csca = yield* makeCsca({ commonName: "CSCA Test", keyType: options.cscaKeyType ?? "RSA" })
    const documentSigner = yield* makeDocumentSigner(csca, { keyType: options.signerKeyType ?? "ECDSA" })
    const trustStore = yield* Effect.orDie(TrustStore.make({ cscas: [csca.der] }))
    return IcaoSimulator.of({
      csca,
      documentSigner,
      trustStore,
      issue: (fields = {}, issueOptions = {}) =>
        Effect.gen(function* () {
          const mrz = writeMrz(issueOptions.format ?? "TD3", fields, yield* Clock.currentTimeMillis)
          const chip = yield* makeChip(mrz, issueOptions.documentSigner ?? documentSigner)
          return { mrz, chip, mrzParameters: { mrz }, chipParameters: chipParameters(chip) }
        })
    })
  })

/** The simulator as a layer. @since 0.1.0 */
export const layer: Layer.Layer<IcaoSimulator> = Layer.effect(IcaoSimulator, make())

/**
 * A fresh simulator and the provider registered with its trust store; the application provides the registry.
 *
 * @since 0.1.0
 */
export const layerTest: Layer.Layer<
  IcaoSimulator,
  ProviderRegistry.RegistrationError,
  ProviderRegistry.ProviderRegistry
> = Simulator.withProvider(layer, IcaoSimulator, (simulator) =>
  IcaoProvider.layer({ trustStore: simulator.trustStore })
)

/**
 * A start request for the provider.
 *
 * @since 0.1.0
 */
export const startRequest = (
  processType: "mrz" | "chip",
  parameters: unknown
): IdentityProvider.StartRequest<unknown> => TestRequest.start({ processType, parameters })
