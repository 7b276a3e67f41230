/**
 * ICAO document checks through the API, configured as an operator would: the trust store's CSCA certificate in a
 * PEM file named by ICAO_CSCA_PATHS. A chip read by a phone (EF.SOD and data groups, base64 in JSON) is verified by
 * passive authentication, and MRZ text alone by its check digits, each ending as a process with a per-check breakdown.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ProviderName } from "@assure/core"
import * as IcaoTesting from "@assure/icao/testing"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finalProcess, reserveServerUrl, startWithProviders } from "./support/adapter.js"
import { apiClient, clients, type Running } from "./support/server.js"

const provider = ProviderName.ProviderName.make("icao")

describe("the API with ICAO document checks enabled", () => {
  let server: Running
  let issuingState: IcaoTesting.IcaoSimulator["Service"]

  beforeAll(async () => {
    issuingState = await Effect.runPromise(IcaoTesting.make())
    const folder = mkdtempSync(join(tmpdir(), "assure-csca-"))
    const csca = join(folder, "csca.pem")
    writeFileSync(csca, IcaoTesting.pem("CERTIFICATE", issuingState.csca.der))
    server = await startWithProviders(await reserveServerUrl(), ["sandbox", provider], { ICAO_CSCA_PATHS: csca })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })

  /** Creates a dossier and a process of `processType` with `parameters`, requests verification, waits for its end. */
  const verify = async (processType: string, parameters: unknown) => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const created = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider,
      processType,
      processParameters: { [provider]: parameters }
    })
    expect(created.status).toBe(201)
    const processPath = `/assure/dossiers/${dossierId}/processes/${(created.json as { processId: string }).processId}`
    expect((await alpha.call("POST", `${processPath}/verify`, {})).status).toBe(200)
    return finalProcess(alpha.call, processPath)
  }

  it("accepts a genuine chip signed under a trusted CSCA, with DG1's MRZ as the normalised identity", async () => {
    const document = await Effect.runPromise(issuingState.issue({ surname: "MUSTERMANN", givenNames: "ERIKA" }))
    const final = await verify("chip", document.chipParameters)
    expect(final.status).toBe("accepted")
    // ICAO's `D` for Germany and the MRZ's YYMMDD birth date, normalised.
    expect(final.finalResult).toMatchObject({
      lastName: "MUSTERMANN",
      firstName: "ERIKA",
      dateOfBirth: "1964-08-12",
      nationality: "DEU",
      issuingCountry: "DEU",
      documentType: "passport"
    })
    // Each check of passive authentication, in the process's providerSpecific.
    const checks = (final.providerSpecific as { icao: { checks: Array<{ name: string; outcome: string }> } }).icao
      .checks
    expect(checks.filter((check) => check.outcome !== "passed")).toEqual([])
    expect(checks.map((check) => check.name)).toEqual(
      expect.arrayContaining(["sodSignature", "dataGroup1Hash", "documentSignerTrusted", "documentNotExpired"])
    )
  }, 30_000)

  it("rejects a chip whose DG1 was altered after signing", async () => {
    const genuine = await Effect.runPromise(issuingState.issue())
    const forgedMrz = await Effect.runPromise(issuingState.issue({ surname: "IMPOSTOR" }))
    const parameters = {
      chip: {
        ...genuine.chipParameters.chip,
        dataGroups: { ...genuine.chipParameters.chip.dataGroups, "1": forgedMrz.chipParameters.chip.dataGroups["1"] }
      }
    }
    const final = await verify("chip", parameters)
    expect(final.status).toBe("rejected")
    expect(final.finalResult).toBeUndefined()
    const checks = (final.providerSpecific as { icao: { checks: Array<{ name: string; outcome: string }> } }).icao
      .checks
    expect(checks.find((check) => check.name === "dataGroup1Hash")?.outcome).toBe("failed")
  }, 30_000)

  it("accepts MRZ text whose check digits hold, and rejects it when one does not", async () => {
    const { mrz } = await Effect.runPromise(issuingState.issue({}, { format: "TD1" }))
    expect((await verify("mrz", { mrz })).status).toBe("accepted")
    // The document number's check digit is the 15th character of a TD1's first line.
    const lines = mrz.split("\n")
    const first = lines[0] ?? ""
    const wrongDigit = String((Number(first[14]) + 1) % 10)
    const altered = [`${first.slice(0, 14)}${wrongDigit}${first.slice(15)}`, ...lines.slice(1)].join("\n")
    expect((await verify("mrz", { mrz: altered })).status).toBe("rejected")
  }, 30_000)

  it("refuses chip data that is not base64 before anything is stored, naming the field", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const refused = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider,
      processType: "chip",
      processParameters: { [provider]: { chip: { sod: "%%% not base64 %%%", dataGroups: { "1": "AA==" } } } }
    })
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.json)).toContain("chip.sod")
    const dossier = await alpha.call("GET", `/assure/dossiers/${dossierId}`)
    expect((dossier.json as { processes: unknown[] }).processes).toEqual([])
  })
})
