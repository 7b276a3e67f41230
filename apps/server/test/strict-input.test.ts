/**
 * The API is strict with its clients, over HTTP against the running server on both stores: unknown or misspelled
 * fields, query parameters and bodies an operation does not take, control characters, JSON nested too deep and
 * malformed percent-encoding are 400 `invalid_request_parameter` problems naming each offending value, and a refused
 * request stores nothing.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { apiClient, clients, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

interface ProblemBody {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail?: string
  readonly code: string
  readonly instance: string
  readonly method: string
  readonly traceId: string
  readonly invalidParams?: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}

/** The invalid parameters' names of a 400 `invalid_request_parameter` problem, after checking it is one. */
const refusedNames = (response: { status: number; headers: Headers; json: unknown }) => {
  expect(response.status).toBe(400)
  expect(response.headers.get("content-type")).toContain("application/problem+json")
  const problem = response.json as ProblemBody
  expect(problem).toMatchObject({ status: 400, code: "invalid_request_parameter", title: "Invalid request parameter" })
  expect(problem.traceId).toMatch(/^[0-9a-f]{32}$/)
  return (problem.invalidParams ?? []).map((param) => param.name)
}

onEachStore("strict input", (store) => {
  let server: Running
  let alpha: Awaited<ReturnType<typeof apiClient>>
  beforeAll(async () => {
    server = await startServer(await store())
    alpha = await apiClient(server, clients.alpha)
  }, 60_000)
  afterAll(() => server?.stop())

  const dossierCount = async () =>
    ((await alpha.call("GET", "/assure/dossiers?limit=100")).json as { dossiers: unknown[] }).dossiers.length

  it("refuses an unknown or misspelled field anywhere in a body, and stores nothing", async () => {
    const before = await dossierCount()
    const misspelled = await alpha.call("POST", "/assure/dossiers", {
      externalRef: "crm-1",
      userData: { lastName: "Nordmann", dateOfBrth: "1990-01-01" }
    })
    expect(refusedNames(misspelled).sort()).toEqual(["externalRef", "userData.dateOfBrth"])
    const reason = (misspelled.json as ProblemBody).invalidParams?.[0]?.reason ?? ""
    expect(reason.length).toBeGreaterThan(0)
    expect(await dossierCount()).toBe(before)
  })

  it("keeps identity data as it was when a PUT misspells a key", async () => {
    const { dossierId } = (await alpha.call("POST", "/assure/dossiers", { userData: { firstName: "Kari" } })).json as {
      dossierId: string
    }
    const put = await alpha.call("PUT", `/assure/dossiers/${dossierId}/userData`, { lastNmae: "Nordmann" })
    expect(refusedNames(put)).toEqual(["lastNmae"])
    const userData = await alpha.call("GET", `/assure/dossiers/${dossierId}/userData`)
    expect(userData.json).toEqual({ firstName: "Kari" })
  })

  it("refuses unknown query parameters, and query parameters or bodies an operation does not take", async () => {
    expect(refusedNames(await alpha.call("GET", "/assure/dossiers?limt=5"))).toEqual(["query.limt"])
    const { dossierId } = (await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }
    expect(refusedNames(await alpha.call("GET", `/assure/dossiers/${dossierId}?expand=processes`))).toEqual([
      "query.expand"
    ])
    const process = (
      await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
        provider: "sandbox",
        processType: "document"
      })
    ).json as { processId: string }
    const cancel = `/assure/dossiers/${dossierId}/processes/${process.processId}/cancel`
    expect(refusedNames(await alpha.call("POST", cancel, { reason: "customer left" }))).toEqual(["body"])
    // An empty object, which many clients send with every POST, is no field at all.
    expect((await alpha.call("POST", cancel, {})).status).toBe(200)
  })

  it("refuses NUL and other control characters and broken Unicode in client text, naming the field", async () => {
    const before = await dossierCount()
    for (const bad of ["Nord\u0000mann", "Nord\u001bmann", "Nord\u0085mann", "Nord\u007fmann", "Nord\ud800mann"]) {
      const refused = await alpha.call("POST", "/assure/dossiers", { userData: { lastName: bad } })
      expect(refusedNames(refused)).toEqual(["userData.lastName"])
    }
    expect(refusedNames(await alpha.call("POST", "/assure/dossiers", { externalReference: "crm\u00001" }))).toEqual([
      "externalReference"
    ])
    // Keys too, without echoing the key's control characters back.
    const badKey = await alpha.call("POST", "/assure/dossiers", { userData: { "last\u0000Name": "x" } })
    expect(badKey.status).toBe(400)
    expect(badKey.text).not.toContain("\\u0000")
    expect(await dossierCount()).toBe(before)
    // Tabs and line breaks are text (an MRZ's lines, an address).
    const fine = await alpha.call("POST", "/assure/dossiers", { externalReference: "line one\nline two\tend" })
    expect(fine.status).toBe(201)
  })

  it("refuses JSON nested deeper than the documented limit with a 400, not a crash", async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`
    const refused = await alpha.call("POST", "/assure/dossiers", `{"userData":{"lastName":"x","deep":${deep}}}`)
    expect(refusedNames(refused)).toEqual(["body"])
    expect((refused.json as ProblemBody).invalidParams?.[0]?.reason).toContain("32 levels")
    const deepArray = `${"[".repeat(50_000)}${"]".repeat(50_000)}`
    expect(refusedNames(await alpha.call("POST", "/assure/dossiers", deepArray))).toEqual(["body"])
  })

  it("answers malformed percent-encoding and control characters in paths and queries with 400", async () => {
    expect(refusedNames(await alpha.call("GET", "/assure/dossiers/%E0%A4%A"))).toEqual(["path"])
    expect(refusedNames(await alpha.call("GET", "/assure/dossiers/abc%00def"))).toEqual(["path"])
    expect(refusedNames(await alpha.call("GET", "/assure/dossiers?cursor=%ZZ"))).toEqual(["query.cursor"])
    expect(refusedNames(await alpha.call("GET", "/assure/dossiers?cursor=a%00b"))).toEqual(["query.cursor"])
    expect(refusedNames(await alpha.call("GET", "/assure/dossiers?%00=1"))).toEqual(["query"])
  })

  it("answers a known path with a wrong method 405 with Allow, and an unreadable body type 415", async () => {
    const patched = await alpha.call("PATCH", "/assure/dossiers/dos_unknown")
    expect(patched.status).toBe(405)
    expect(patched.headers.get("allow")).toBe("DELETE, GET, HEAD")
    expect(patched.json).toMatchObject({ status: 405, code: "method_not_allowed", method: "PATCH" })
    expect((patched.json as ProblemBody).detail).toContain("PATCH")
    const put = await alpha.call("PUT", "/assure/dossiers")
    expect(put.status).toBe(405)
    expect(put.headers.get("allow")).toBe("GET, HEAD, POST")
    // Unknown paths stay 404.
    expect((await alpha.call("PATCH", "/assure/nothing-here")).status).toBe(404)

    const text = await alpha.call("POST", "/assure/dossiers", "lastName=Nordmann", { "content-type": "text/plain" })
    expect(text.status).toBe(415)
    expect(text.json).toMatchObject({ status: 415, code: "unsupported_media_type" })
    expect((text.json as ProblemBody).detail).toContain("application/json")
  })

  it("answers a provider's refusal of the request as a 400 naming the field", async () => {
    const { dossierId } = (await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }
    const unknownType = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider: "sandbox",
      processType: "no-such-type"
    })
    expect(refusedNames(unknownType)).toEqual(["processType"])
  })

  it("answers a provider this server does not run the same way wherever it is named: 400 naming provider", async () => {
    const { dossierId } = (await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }
    const created = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider: "acme",
      processType: "document"
    })
    expect(created.status).toBe(400)
    expect(refusedNames(created)).toEqual(["provider"])
    // A webhook addressed to it: the same problem, not a 404 or a 500.
    const webhook = await fetch(`${server.url}/webhooks/acme`, { method: "POST", body: "{}" })
    expect(webhook.status).toBe(400)
    const body = (await webhook.json()) as ProblemBody
    expect(body.code).toBe("invalid_request_parameter")
    expect(body.invalidParams?.map((param) => param.name)).toEqual(["provider"])
  })
})
