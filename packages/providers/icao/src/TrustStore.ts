/**
 * The trust anchors of passive authentication: the Country Signing CA (CSCA) certificates whose document signers
 * are trusted, and the certificate revocation lists (CRLs) that revoke document signers.
 *
 * CSCA certificates come as PEM or DER files (one certificate per DER file; any number of `CERTIFICATE` blocks per
 * PEM file), or from an ICAO master list: a CMS SignedData (content type `2.23.136.1.1.2`) listing CSCA
 * certificates, signed by a master list signer. A master list is accepted only when its signature verifies and its
 * signer's certificate was issued by one of the CSCAs it lists (the publishing state's own); its certificates are
 * then trusted as if given one by one. CRLs come as PEM or DER files; each is used for the CSCA that issued it, and
 * only once its signature verifies against that CSCA.
 *
 * @example
 * ```ts
 * import { TrustStore } from "@assure/icao"
 *
 * // In an application that provides a FileSystem (NodeFileSystem.layer):
 * const store = TrustStore.load({ cscaPaths: ["/etc/assure/csca"], masterListPaths: ["/etc/assure/DE_ML.ml"] })
 * ```
 *
 * @since 0.1.0
 */
import * as asn1js from "asn1js"
import { Effect, FileSystem, Result, Schema } from "effect"
import { Base64 } from "effect/encoding"
import * as pkijs from "pkijs"

/** `id-icao-cscaMasterList`, the content type of a master list. @since 0.1.0 */
export const masterListOid = "2.23.136.1.1.2"

/** Trusted CSCA certificates and the CRLs to check document signers against. @since 0.1.0 */
export interface TrustStore {
  readonly cscas: ReadonlyArray<pkijs.Certificate>
  readonly crls: ReadonlyArray<pkijs.CertificateRevocationList>
}

/** A trust store file that cannot be read (`Unreadable`) or is not what it should be (`Invalid`). @since 0.1.0 */
export class TrustStoreError extends Schema.TaggedError<TrustStoreError>("@assure/icao/TrustStoreError")(
  "TrustStoreError",
  {
    reason: Schema.Literals(["Unreadable", "Invalid"]),
    /** The file's path, or the position of an in-memory source (`cscas[0]`). */
    source: Schema.String,
    detail: Schema.String
  }
) {
  override get message(): string {
    return `${this.reason} trust store source ${this.source}: ${this.detail}`
  }
}

/** A certificate, CRL or master list: DER bytes, or PEM text (as a string or as bytes). @since 0.1.0 */
export type Source = Uint8Array | string

/** In-memory trust store contents. @since 0.1.0 */
export interface Sources {
  readonly cscas?: ReadonlyArray<Source> | undefined
  readonly masterLists?: ReadonlyArray<Source> | undefined
  readonly crls?: ReadonlyArray<Source> | undefined
}

/** A trust store that trusts nothing: every document signer is unknown. @since 0.1.0 */
export const empty: TrustStore = { cscas: [], crls: [] }

const invalid = (source: string, detail: string) => new TrustStoreError({ reason: "Invalid", source, detail })

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g

/** The DER objects in a source: the PEM blocks of the given labels, or the bytes themselves. */
const derObjects = (
  source: Source,
  name: string,
  labels: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<Uint8Array>, TrustStoreError> => {
  // DER starts with a SEQUENCE (0x30); anything else is read as PEM text, which may have lines before its blocks.
  const text = typeof source === "string" ? source : source[0] === 0x30 ? undefined : new TextDecoder().decode(source)
  if (text === undefined) return Effect.succeed([source as Uint8Array])
  const objects: Array<Uint8Array> = []
  for (const match of text.matchAll(pemBlock)) {
    if (!labels.includes(match[1] ?? "")) continue
    const decoded = Base64.decode((match[2] ?? "").replace(/\s+/g, ""))
    if (Result.isFailure(decoded)) return Effect.fail(invalid(name, `a ${match[1]} PEM block is not base64`))
    objects.push(decoded.success)
  }
  return objects.length === 0
    ? Effect.fail(invalid(name, `no ${labels.join(" or ")} PEM block`))
    : Effect.succeed(objects)
}

const asn1Of = (der: Uint8Array): asn1js.AsnType | undefined => {
  const decoded = asn1js.fromBER(der)
  return decoded.offset === -1 ? undefined : decoded.result
}

const certificateOf = (der: Uint8Array, name: string): Effect.Effect<pkijs.Certificate, TrustStoreError> => {
  try {
    const schema = asn1Of(der)
    if (schema !== undefined) return Effect.succeed(new pkijs.Certificate({ schema }))
  } catch {}
  return Effect.fail(invalid(name, "not an X.509 certificate"))
}

const crlOf = (der: Uint8Array, name: string): Effect.Effect<pkijs.CertificateRevocationList, TrustStoreError> => {
  try {
    const schema = asn1Of(der)
    if (schema !== undefined) return Effect.succeed(new pkijs.CertificateRevocationList({ schema }))
  } catch {}
  return Effect.fail(invalid(name, "not an X.509 CRL"))
}

/** Whether `issuer` issued `certificate`: its name matches and its key verifies the signature. @since 0.1.0 */
export const issued = (issuer: pkijs.Certificate, certificate: pkijs.Certificate): Effect.Effect<boolean> =>
  certificate.issuer.isEqual(issuer.subject)
    ? Effect.promise(() => certificate.verify(issuer).catch(() => false))
    : Effect.succeed(false)

/**
 * Reads a master list, verifies its signature and its signer, and returns the CSCA certificates it lists.
 *
 * @since 0.1.0
 */
export const readMasterList = (
  source: Source,
  name = "masterList"
): Effect.Effect<ReadonlyArray<pkijs.Certificate>, TrustStoreError> =>
  Effect.gen(function* () {
    const [der] = yield* derObjects(source, name, ["CMS", "PKCS7"])
    let signedData: pkijs.SignedData
    try {
      const schema = der === undefined ? undefined : asn1Of(der)
      if (schema === undefined) return yield* invalid(name, "not DER")
      const contentInfo = new pkijs.ContentInfo({ schema })
      signedData = new pkijs.SignedData({ schema: contentInfo.content })
    } catch {
      return yield* invalid(name, "not a CMS SignedData")
    }
    const content = signedData.encapContentInfo
    if (content.eContentType !== masterListOid || content.eContent === undefined) {
      return yield* invalid(name, "not an ICAO CSCA master list")
    }
    const list = asn1Of(new Uint8Array(content.eContent.getValue()))
    const certList = list instanceof asn1js.Sequence ? list.valueBlock.value[1] : undefined
    if (!(certList instanceof asn1js.Set)) return yield* invalid(name, "the master list cannot be read")
    const cscas: Array<pkijs.Certificate> = []
    for (const element of certList.valueBlock.value) {
      try {
        cscas.push(new pkijs.Certificate({ schema: element }))
      } catch {
        return yield* invalid(name, "the master list holds something that is not a certificate")
      }
    }
    const verified = yield* Effect.promise(() =>
      signedData
        .verify({ signer: 0, checkChain: false, extendedMode: true })
        .then((result) => ({ ok: result.signatureVerified === true, signer: result.signerCertificate }))
        .catch(() => ({ ok: false, signer: null }))
    )
    if (!verified.ok || verified.signer == null)
      return yield* invalid(name, "the master list's signature does not verify")
    const signer = verified.signer
    const issuers = yield* Effect.filter(cscas, (csca) => issued(csca, signer))
    if (issuers.length === 0) {
      return yield* invalid(name, "the master list's signer was not issued by a CSCA it lists")
    }
    return cscas
  })

/**
 * Builds a trust store from sources in memory: CSCA certificates, master lists and CRLs.
 *
 * @since 0.1.0
 */
export const make = (sources: Sources): Effect.Effect<TrustStore, TrustStoreError> =>
  Effect.gen(function* () {
    const cscas: Array<pkijs.Certificate> = []
    for (const [index, source] of (sources.cscas ?? []).entries()) {
      const name = `cscas[${index}]`
      for (const der of yield* derObjects(source, name, ["CERTIFICATE"])) cscas.push(yield* certificateOf(der, name))
    }
    for (const [index, source] of (sources.masterLists ?? []).entries()) {
      cscas.push(...(yield* readMasterList(source, `masterLists[${index}]`)))
    }
    const crls: Array<pkijs.CertificateRevocationList> = []
    for (const [index, source] of (sources.crls ?? []).entries()) {
      const name = `crls[${index}]`
      for (const der of yield* derObjects(source, name, ["X509 CRL"])) crls.push(yield* crlOf(der, name))
    }
    return { cscas, crls }
  })

/** Paths of trust store files; a directory stands for every file in it. @since 0.1.0 */
export interface Paths {
  readonly cscaPaths?: ReadonlyArray<string> | undefined
  readonly masterListPaths?: ReadonlyArray<string> | undefined
  readonly crlPaths?: ReadonlyArray<string> | undefined
}

/** The files at a path: the file itself, or the files of a directory (not recursing), in name order. */
const readAll = (
  fs: FileSystem.FileSystem,
  path: string
): Effect.Effect<ReadonlyArray<readonly [string, Uint8Array]>, TrustStoreError> =>
  Effect.gen(function* () {
    const unreadable = (detail: string) => new TrustStoreError({ reason: "Unreadable", source: path, detail })
    const info = yield* fs.stat(path).pipe(Effect.mapError((error) => unreadable(error.message)))
    const files =
      info.type === "Directory"
        ? (yield* fs.readDirectory(path).pipe(Effect.mapError((error) => unreadable(error.message))))
            .sort()
            .map((name) => `${path.replace(/\/+$/, "")}/${name}`)
        : [path]
    const read: Array<readonly [string, Uint8Array]> = []
    for (const file of files) {
      const fileInfo = yield* fs.stat(file).pipe(Effect.mapError((error) => unreadable(error.message)))
      if (fileInfo.type !== "File") continue
      read.push([
        file,
        yield* fs
          .readFile(file)
          .pipe(
            Effect.mapError(
              (error) => new TrustStoreError({ reason: "Unreadable", source: file, detail: error.message })
            )
          )
      ])
    }
    return read
  })

/**
 * Loads a trust store from files through Effect's `FileSystem`: CSCA certificates (PEM or DER), master lists and
 * CRLs. A file that cannot be read or parsed fails the whole load with a `TrustStoreError` naming it.
 *
 * @since 0.1.0
 */
export const load = (paths: Paths): Effect.Effect<TrustStore, TrustStoreError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const readEach = (list: ReadonlyArray<string> | undefined) =>
      Effect.map(
        Effect.forEach(list ?? [], (path) => readAll(fs, path)),
        (files) => files.flat()
      )
    const cscaFiles = yield* readEach(paths.cscaPaths)
    const masterListFiles = yield* readEach(paths.masterListPaths)
    const crlFiles = yield* readEach(paths.crlPaths)
    const parsed = (files: ReadonlyArray<readonly [string, Uint8Array]>, label: string) =>
      Effect.forEach(files, ([file, bytes]) =>
        Effect.mapError(
          label === "masterList"
            ? Effect.map(readMasterList(bytes, file), (cscas) => ({ cscas, crls: [] }))
            : make(label === "csca" ? { cscas: [bytes] } : { crls: [bytes] }),
          (error) => new TrustStoreError({ reason: error.reason, source: file, detail: error.detail })
        )
      )
    const stores = [
      ...(yield* parsed(cscaFiles, "csca")),
      ...(yield* parsed(masterListFiles, "masterList")),
      ...(yield* parsed(crlFiles, "crl"))
    ]
    return {
      cscas: stores.flatMap((store) => store.cscas),
      crls: stores.flatMap((store) => store.crls)
    }
  })
