/**
 * Downloading a finished process's full result as one zip, as a client does, on both stores: every entry checked
 * after unzipping against what the API answers for the process, its files' bytes against what was uploaded; a
 * process not finished is a problem, another client's a 404, and nothing of it is cached.
 */
import { unzipSync } from "fflate"
import { afterAll, beforeAll, expect, it } from "vitest"
import { finalProcess } from "./support/adapter.js"
import { apiClient, clients, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

// Minimal but real images, as a client uploads them.
const jpeg = Uint8Array.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x61, 0x73, 0x73, 0x75, 0x72, 0x65
])
const png = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (char) => char.charCodeAt(0)
)
const dataUrl = (mediaType: string, bytes: Uint8Array) =>
  `data:${mediaType};base64,${Buffer.from(bytes).toString("base64")}`

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)
const jsonOf = (bytes: Uint8Array | undefined): unknown => JSON.parse(text(bytes))

/** Sends a request with the client's token and answers the raw bytes. */
const download = async (server: Running, token: string, path: string) => {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) }
}

onEachStore("the full result of a process", (store) => {
  let server: Running
  beforeAll(async () => {
    server = await startServer(await store())
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })

  it("is one zip of the process, its result, the provider's, the match, its history and its images", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const created = await alpha.call("POST", "/assure/dossiers", {
      userData: { firstName: "Kari", lastName: "Nordmann", dateOfBirth: "1990-01-01" }
    })
    const { dossierId } = created.json as { dossierId: string }
    const process = (
      await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
        provider: "sandbox",
        processType: "documentSelfie"
      })
    ).json as { processId: string }
    const processPath = `/assure/dossiers/${dossierId}/processes/${process.processId}`
    const uploaded = await alpha.call("POST", `${processPath}/files`, {
      front: dataUrl("image/jpeg", jpeg),
      selfie: dataUrl("image/png", png)
    })
    expect(uploaded.status).toBe(201)

    // Not finished yet: a problem, no archive.
    const early = await download(server, alpha.token, `${processPath}/full-result`)
    expect(early.response.status).toBe(409)
    expect(early.response.headers.get("content-type")).toContain("application/problem+json")
    expect(JSON.parse(text(early.bytes)).detail).toMatch(/Only a finished process has a full result/)

    expect((await alpha.call("POST", `${processPath}/verify`, {})).status).toBe(200)
    const ended = await finalProcess(alpha.call, processPath)
    expect(ended.status).toBe("accepted")

    const { response, bytes } = await download(server, alpha.token, `${processPath}/full-result`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("application/zip")
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="assure-${process.processId}.zip"`)
    expect(response.headers.get("cache-control")).toBe("no-store")
    const entries = unzipSync(bytes)
    // The images come in a fixed order after the data, whatever order they were uploaded in.
    expect(Object.keys(entries).filter((name) => !name.endsWith(".json"))).toEqual([
      "front.jpg",
      "selfie.png",
      "portrait.png"
    ])
    expect(Object.keys(entries).sort()).toEqual(
      [
        "front.jpg",
        "history.json",
        "matching.json",
        "portrait.png",
        "process.json",
        "provider-result.json",
        "result.json",
        "selfie.png"
      ].sort()
    )
    // The data is what the API answers for the process.
    const answered = (await alpha.call("GET", processPath)).json as Record<string, unknown>
    expect(jsonOf(entries["process.json"])).toEqual(answered)
    expect(jsonOf(entries["result.json"])).toEqual(answered.finalResult)
    expect(jsonOf(entries["provider-result.json"])).toEqual(answered.providerSpecific)
    expect(jsonOf(entries["matching.json"])).toEqual((await alpha.call("GET", `${processPath}/matching`)).json)
    // The images are the bytes uploaded, and the portrait the one the API serves.
    expect(entries["front.jpg"]).toEqual(jpeg)
    expect(entries["selfie.png"]).toEqual(png)
    const portraitInfo = (answered.files as Array<{ fileId: string; kind: string }>).find(
      (file) => file.kind === "portrait"
    )
    const portrait = await download(server, alpha.token, `${processPath}/files/${portraitInfo?.fileId}`)
    expect(entries["portrait.png"]).toEqual(portrait.bytes)
    // The history, in time order: created, the sandbox's signed webhook, ended accepted (the webhook may also come
    // after a poll ended it); no notifications were asked for.
    const history = jsonOf(entries["history.json"]) as Array<{ at: string; event: string; status?: string }>
    expect(history[0]?.event).toBe("created")
    expect(history.filter((event) => event.event === "ended").map((event) => event.status)).toEqual(["accepted"])
    expect(history.filter((event) => event.event === "providerEvent").length).toBeGreaterThanOrEqual(1)
    expect(new Set(history.map((event) => event.event))).toEqual(new Set(["created", "providerEvent", "ended"]))
    expect(history.map((event) => event.at)).toEqual([...history.map((event) => event.at)].sort())

    // Another client's process does not exist for it.
    const beta = await apiClient(server, clients.beta)
    expect((await download(server, beta.token, `${processPath}/full-result`)).response.status).toBe(404)
  }, 60_000)

  it("holds the dossier's images when the process used them, and no result or match for a rejection", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const { dossierId } = (await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }
    await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, { front: dataUrl("image/jpeg", jpeg) })
    const process = (
      await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
        provider: "sandbox",
        processType: "document",
        processParameters: { sandbox: { scenario: "rejected" } }
      })
    ).json as { processId: string }
    const processPath = `/assure/dossiers/${dossierId}/processes/${process.processId}`
    await alpha.call("POST", `${processPath}/verify`, {})
    expect((await finalProcess(alpha.call, processPath)).status).toBe("rejected")

    const { response, bytes } = await download(server, alpha.token, `${processPath}/full-result`)
    expect(response.status).toBe(200)
    const entries = unzipSync(bytes)
    expect(Object.keys(entries).sort()).toEqual(
      ["front.jpg", "history.json", "process.json", "provider-result.json"].sort()
    )
    expect(entries["front.jpg"]).toEqual(jpeg)
    expect((jsonOf(entries["process.json"]) as { status: string }).status).toBe("rejected")
  }, 60_000)
})
