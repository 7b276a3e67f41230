/**
 * The ICAO provider: checks of ICAO 9303 travel documents that run locally, with no vendor behind them.
 *
 * | process type | parameters (`processParameters.icao`) | what it checks |
 * |---|---|---|
 * | `mrz` | `{ "mrz": "<line 1>\n<line 2>[\n<line 3>]" }` | every check digit, the fields, the expiry (like a paper-document MRZ check) |
 * | `chip` | `{ "chip": { "sod": "<base64 EF.SOD>", "dataGroups": { "1": "<base64 DG1>", "2": "…" } } }` | passive authentication of the chip data, then DG1's MRZ as above |
 *
 * Parameters are decoded strictly: unknown keys, data groups other than `1`–`16`, text that is not base64, and
 * parameters that do not fit the process type are `InvalidRequest` with the field's path. So is input that is not
 * an MRZ or not chip data at all (a truncated SOD, garbage, a DG1 without an MRZ).
 *
 * `start` computes the outcome at once and keeps it in the session's provider state, which the engine stores
 * (encrypted) and hands back to `fetchResult`: the session starts as `processing` and the first poll is final.
 *
 * | checks (see `Verification`, `PassiveAuthentication`) | process status | `reason` |
 * |---|---|---|
 * | all passed | `accepted`, with `finalResult` | — |
 * | a check digit, a field, a hash, the SOD signature or a CSCA signature failed; the document expired; the document signer is revoked | `rejected` | the first failed check |
 * | the CSCA is not in the trust store; the document signer certificate is outside its validity; an unsupported hash algorithm or key (Brainpool, explicit curve parameters) | `inconclusive` | the first inconclusive check |
 *
 * Every check is in the outcome's `checks` and in `providerSpecific.icao.checks`, next to what was read (the
 * document signer, the hash algorithm, the data groups, the MRZ's format and optional data).
 *
 * @example
 * ```ts
 * import { IcaoProvider, TrustStore } from "@assure/icao"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Effect, Layer } from "effect"
 *
 * const Providers = Layer.unwrap(
 *   Effect.map(TrustStore.make({ cscas: [cscaPem] }), (trustStore) => IcaoProvider.layer({ trustStore }))
 * ).pipe(Layer.provideMerge(ProviderRegistry.layer))
 * ```
 *
 * @since 0.1.0
 */
import { IdentityData, type ProcessStatus, ProcessType, ProviderName } from "@assure/core"
import { AdapterModule, Capabilities, IdentityProvider, ProviderError, ProviderRegistry } from "@assure/provider"
import { Config, Effect, type FileSystem, Layer, Schema } from "effect"
import type { ChipDataError } from "./ChipError.js"
import type { MrzError } from "./Mrz.js"
import * as PassiveAuthentication from "./PassiveAuthentication.js"
import * as TrustStore from "./TrustStore.js"
import * as Verification from "./Verification.js"

/** The name the provider is registered under. @since 0.1.0 */
export const name = ProviderName.ProviderName.make("icao")

/** The process types: `mrz` (MRZ text alone) and `chip` (passive authentication of eMRTD chip data). @since 0.1.0 */
export const processTypes = ["mrz", "chip"].map((type) => ProcessType.ProcessType.make(type))

/** What it can do: take chip data, and be polled (the result is ready when `start` returns). @since 0.1.0 */
export const capabilities: Capabilities.Capabilities = { ...Capabilities.none, chipData: true, polling: true }

const Bytes = Schema.Uint8ArrayFromBase64

/** The data groups read from the chip, base64, by number: DG1 is required, DG2–DG16 optional. @since 0.1.0 */
export const DataGroups = Schema.Struct({
  "1": Bytes,
  "2": Schema.optionalKey(Bytes),
  "3": Schema.optionalKey(Bytes),
  "4": Schema.optionalKey(Bytes),
  "5": Schema.optionalKey(Bytes),
  "6": Schema.optionalKey(Bytes),
  "7": Schema.optionalKey(Bytes),
  "8": Schema.optionalKey(Bytes),
  "9": Schema.optionalKey(Bytes),
  "10": Schema.optionalKey(Bytes),
  "11": Schema.optionalKey(Bytes),
  "12": Schema.optionalKey(Bytes),
  "13": Schema.optionalKey(Bytes),
  "14": Schema.optionalKey(Bytes),
  "15": Schema.optionalKey(Bytes),
  "16": Schema.optionalKey(Bytes)
})

/** Chip data as the reader app sends it: EF.SOD and the data groups, base64. @since 0.1.0 */
export const ChipParameters = Schema.Struct({ sod: Bytes, dataGroups: DataGroups })

/** Its entry of `processParameters`: `mrz` for the `mrz` process type, `chip` for `chip`. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** The MRZ's lines, separated by line breaks. */
  mrz: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(200))),
  chip: Schema.optionalKey(ChipParameters)
})

/** Its entry of `processParameters`, decoded (bytes). @since 0.1.0 */
export type Parameters = typeof Parameters.Type

// Typed `processParameters.icao` (as sent: base64 text) for every application that imports this adapter.
declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly icao: typeof Parameters.Encoded
  }
}

/** How the provider is set up. @since 0.1.0 */
export interface Options {
  /** The CSCAs (and CRLs) chip data is verified against; see `TrustStore`. */
  readonly trustStore: TrustStore.TrustStore
}

const invalidRequest = (
  fields: ReadonlyArray<{ readonly name: string; readonly reason: string }>,
  description: string
) => ProviderError.make(name, new ProviderError.InvalidRequest({ fields }), { description })

/** The outcome kept in the session's provider state. */
const StoredOutcome = Schema.Struct({
  status: Schema.Literals(["accepted", "rejected", "inconclusive"]),
  finalResult: Schema.optionalKey(IdentityData.IdentityData),
  providerSpecific: Schema.Record(Schema.String, Schema.Json),
  checks: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      outcome: Schema.Literals(["passed", "failed", "inconclusive"]),
      detail: Schema.optionalKey(Schema.String)
    })
  ),
  reason: Schema.optionalKey(Schema.String)
})
const State = Schema.Struct({ outcome: StoredOutcome })
const encodeState = Schema.encodeSync(State)
const decodeState = Schema.decodeUnknownEffect(State)

/**
 * A local check's result as an outcome: `finalResult` only when accepted, the checks in `providerSpecific`.
 *
 * @since 0.1.0
 */
export const outcomeOf = (
  processType: string,
  result: Verification.Verification,
  details: { readonly [key: string]: Schema.Json } = {}
): typeof StoredOutcome.Type => ({
  status: result.status,
  ...(result.status === "accepted" && result.identity !== undefined ? { finalResult: result.identity } : {}),
  providerSpecific: {
    [name]: {
      processType,
      checks: result.checks.map((check) => ({ ...check })),
      ...details
    }
  },
  checks: result.checks,
  ...(result.reason === undefined ? {} : { reason: result.reason })
})

const fromMrzError = (error: MrzError) =>
  invalidRequest([{ name: "parameters.mrz", reason: error.detail }], "the MRZ cannot be read")

const fromChipError = (error: ChipDataError) =>
  invalidRequest([{ name: `parameters.chip.${error.field}`, reason: error.detail }], "the chip data cannot be read")

/** Runs the check a start request asks for. */
const check = (
  request: IdentityProvider.StartRequest<Parameters>,
  trustStore: TrustStore.TrustStore
): Effect.Effect<typeof StoredOutcome.Type, ProviderError.ProviderError> => {
  const { mrz, chip } = request.parameters
  if (request.processType === "mrz") {
    if (mrz === undefined || chip !== undefined) {
      return Effect.fail(
        invalidRequest(
          [
            ...(mrz === undefined ? [{ name: "parameters.mrz", reason: "is required for an mrz process" }] : []),
            ...(chip === undefined ? [] : [{ name: "parameters.chip", reason: "does not apply to an mrz process" }])
          ],
          "the parameters do not fit the process type"
        )
      )
    }
    return Verification.verifyMrz(mrz).pipe(
      Effect.mapError(fromMrzError),
      Effect.map((result) => outcomeOf("mrz", result))
    )
  }
  if (chip === undefined || mrz !== undefined) {
    return Effect.fail(
      invalidRequest(
        [
          ...(chip === undefined ? [{ name: "parameters.chip", reason: "is required for a chip process" }] : []),
          ...(mrz === undefined ? [] : [{ name: "parameters.mrz", reason: "does not apply to a chip process" }])
        ],
        "the parameters do not fit the process type"
      )
    )
  }
  const dataGroups = new Map<number, Uint8Array>()
  for (const [number, bytes] of Object.entries(chip.dataGroups)) {
    if (bytes !== undefined) dataGroups.set(Number(number), bytes)
  }
  return PassiveAuthentication.verify({ sod: chip.sod, dataGroups }, trustStore).pipe(
    Effect.mapError(fromChipError),
    Effect.map((result) => outcomeOf("chip", result, result.details))
  )
}

/**
 * Builds the provider over a trust store.
 *
 * @since 0.1.0
 */
export const make = (options: Options): IdentityProvider.IdentityProvider =>
  IdentityProvider.make<Parameters>({
    name,
    capabilities,
    processTypes,
    parameters: Parameters,
    documentTypes: Effect.succeed([{ documentType: "passport" }, { documentType: "idCard" }, { documentType: "visa" }]),

    start: (request) =>
      Effect.map(check(request, options.trustStore), (outcome) => ({
        reference: `icao_${globalThis.crypto.randomUUID().replaceAll("-", "")}`,
        status: "processing" as const,
        state: encodeState({ outcome }) as IdentityProvider.ProviderState
      })),

    fetchResult: ({ reference, state }) =>
      decodeState(state).pipe(
        Effect.map(({ outcome }) => ({ ...outcome, status: outcome.status as ProcessStatus.ProcessStatus, files: [] })),
        Effect.mapError(() =>
          ProviderError.make(name, new ProviderError.NotFound(), {
            description: `no icao session ${reference} (its provider state is missing)`
          })
        )
      ),

    verifyWebhook: () =>
      Effect.fail(
        ProviderError.make(name, new ProviderError.Misconfigured(), {
          description: "icao runs locally and sends no webhooks"
        })
      )
  })

/**
 * Registers the provider in the `ProviderRegistry`.
 *
 * @since 0.1.0
 */
export const layer = (
  options: Options
): Layer.Layer<never, ProviderRegistry.RegistrationError, ProviderRegistry.ProviderRegistry> =>
  ProviderRegistry.register(make(options))

const pathList = (variable: string) =>
  Config.String(variable).pipe(
    Config.map((value) =>
      value
        .split(",")
        .map((path) => path.trim())
        .filter((path) => path !== "")
    ),
    Config.withDefault<ReadonlyArray<string>>([])
  )

/**
 * The adapter module the assure server loads (`ASSURE_PROVIDERS=icao`), configured under the prefix `ICAO`:
 * `ICAO_CSCA_PATHS`, `ICAO_MASTER_LIST` and `ICAO_CRL_PATHS`, each an optional comma-separated list of files (or
 * directories); the trust store is read through the host's `FileSystem` at start.
 *
 * @since 0.1.0
 */
export const adapter = AdapterModule.make({
  name,
  specificationVersion: IdentityProvider.specificationVersion,
  capabilities,
  prefix: "ICAO",
  config: {
    cscaPaths: pathList("CSCA_PATHS"),
    masterListPaths: pathList("MASTER_LIST"),
    crlPaths: pathList("CRL_PATHS")
  },
  layer: (paths) => Layer.unwrap(Effect.map(TrustStore.load(paths), (trustStore) => layer({ trustStore })))
})

/**
 * {@link layer} configured from the environment, the trust store loaded through `FileSystem`:
 * `ICAO_CSCA_PATHS` (PEM or DER files, or directories of them), `ICAO_MASTER_LIST` (master list files) and
 * `ICAO_CRL_PATHS` (CRL files or directories), each a comma-separated list, each optional.
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<
  never,
  ProviderRegistry.RegistrationError | Config.ConfigError | TrustStore.TrustStoreError,
  ProviderRegistry.ProviderRegistry | FileSystem.FileSystem
> = Layer.unwrap(Effect.map(AdapterModule.config(adapter), adapter.layer))
