/**
 * The API over real HTTP against a started server: the whole journey with the sandbox provider, including the client's
 * signed notification, on the embedded store (and on PostgreSQL in postgres.test.ts).
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Webhook } from "@assure/provider"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { apiClient, clients, type Running, startServer } from "./server.js"

const jpegBytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46])
const pngBytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d])
const jpeg = `data:image/jpeg;base64,${Buffer.from(jpegBytes).toString("base64")}`
const eventSecret = "whsec_events_alpha"

export const journey = (name: string, prepare: () => Promise<Parameters<typeof startServer>[0]> = async () => ({})) =>
  describe(`the API on ${name}`, () => {
    let server: Running
    /** The client's endpoint for notifications: records each delivery. */
    const notifications: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = []
    let receiver: Server
    let receiverUrl = ""

    beforeAll(async () => {
      receiver = createServer((request, response) => {
        let body = ""
        request.on("data", (chunk) => {
          body += chunk
        })
        request.on("end", () => {
          notifications.push({ headers: request.headers, body })
          response.writeHead(200)
          response.end()
        })
      })
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
      server = await startServer({
        eventSubscriptions: { alpha: { url: receiverUrl, secrets: [Redacted.make(eventSecret)] } },
        ...(await prepare())
      })
    }, 60_000)
    afterAll(async () => {
      await server?.stop()
      receiver?.closeAllConnections()
      receiver?.close()
    })

    it("runs a verification end to end: dossier, files, process, verification, result, notification, matching", async () => {
      const alpha = await apiClient(server, clients.alpha)
      const created = await alpha.call("POST", "/assure/dossiers", {
        externalReference: "customer-7",
        userData: { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12" }
      })
      expect(created.status).toBe(201)
      const dossierId = (created.json as { dossierId: string }).dossierId

      const uploaded = await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, { front: jpeg })
      expect(uploaded.status).toBe(201)
      const [front] = uploaded.json as Array<{ fileId: string; kind: string; mediaType: string }>
      expect(front).toMatchObject({ kind: "front", mediaType: "image/jpeg" })
      const download = await fetch(`${server.url}/assure/dossiers/${dossierId}/files/${front?.fileId}`, {
        headers: { authorization: `Bearer ${alpha.token}` }
      })
      expect(download.headers.get("content-type")).toBe("image/jpeg")
      expect(Buffer.from(await download.arrayBuffer()).toString("base64")).toBe(jpeg.split(",")[1])

      const process = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
        provider: "sandbox",
        processType: "document",
        notificationUrl: receiverUrl,
        authorizationHeader: "Bearer from-the-client"
      })
      expect(process.status).toBe(201)
      const processId = (process.json as { processId: string }).processId
      const verifying = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes/${processId}/verify`, {})
      expect(verifying.status).toBe(200)
      expect((verifying.json as { status: string }).status).toBe("processing")

      // The sandbox sends its signed webhook to the server, which ends the process.
      let final: { status: string; finalResult?: Record<string, string>; files: Array<{ kind: string }> } | undefined
      for (let attempt = 0; attempt < 100; attempt++) {
        const current = await alpha.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}`)
        final = current.json as typeof final
        if (final?.status !== "processing") break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(final?.status).toBe("accepted")
      expect(final?.finalResult).toMatchObject({
        lastName: "Mustermann",
        nationality: "DEU",
        dateOfBirth: "1964-08-12"
      })
      expect(final?.files.map((file) => file.kind)).toEqual(["portrait"])

      // The legacy callback and the signed event, both delivered to the client.
      for (let attempt = 0; attempt < 100 && notifications.length < 2; attempt++)
        await new Promise((resolve) => setTimeout(resolve, 100))
      const callback = notifications.find((n) => n.headers.authorization !== undefined)
      expect(JSON.parse(callback?.body ?? "{}")).toEqual({ dossierId, processId, status: "accepted" })
      expect(callback?.headers.authorization).toBe("Bearer from-the-client")
      const event = notifications.find((n) => n.headers["assure-signature"] !== undefined)
      await Effect.runPromise(
        Webhook.verifyTimestamped({
          provider: "assure",
          secrets: [Redacted.make(eventSecret)],
          payload: event?.body ?? "",
          header: event?.headers["assure-signature"] as string
        })
      )
      expect(JSON.parse(event?.body ?? "{}")).toMatchObject({
        eventName: "process.complete",
        eventData: { processId, status: "accepted" }
      })

      const matching = await alpha.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}/matching`)
      expect(matching.json).toMatchObject({ result: "match", fields: { lastName: "match", dateOfBirth: "match" } })

      const listed = await alpha.call("GET", "/assure/dossiers?status=accepted")
      expect((listed.json as { dossiers: Array<{ dossierId: string }> }).dossiers.map((d) => d.dossierId)).toContain(
        dossierId
      )
      const types = await alpha.call("GET", "/assure/sandbox/document-types")
      expect((types.json as { documentTypes: Array<{ documentType: string }> }).documentTypes.length).toBeGreaterThan(0)

      expect((await alpha.call("DELETE", `/assure/dossiers/${dossierId}`)).status).toBe(204)
      expect((await alpha.call("GET", `/assure/dossiers/${dossierId}`)).status).toBe(404)
    }, 30_000)

    it("completes an eID redirect flow and sends the end-user back to the client with the result", async () => {
      const alpha = await apiClient(server, clients.alpha)
      const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
      const processId = (
        (
          await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
            provider: "sandbox",
            processType: "eid"
          })
        ).json as {
          processId: string
        }
      ).processId
      const started = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes/${processId}/verify`, {
        redirectUrl: "https://client.example/done"
      })
      const redirectUrl = (started.json as { redirectUrl: string }).redirectUrl
      expect(redirectUrl.startsWith(`${server.url}/callbacks/sandbox?`)).toBe(true)
      const back = await fetch(redirectUrl, { redirect: "manual" })
      expect(back.status).toBe(302)
      const location = new URL(back.headers.get("location") ?? "")
      expect(`${location.origin}${location.pathname}`).toBe("https://client.example/done")
      expect(Object.fromEntries(location.searchParams)).toEqual({ dossierId, processId, status: "accepted" })
    })

    it("answers every error with problem details naming what is wrong", async () => {
      const alpha = await apiClient(server, clients.alpha)
      const problem = (response: { status: number; headers: Headers; json: unknown }) => {
        expect(response.headers.get("content-type")).toContain("application/problem+json")
        return response.json as {
          status: number
          title: string
          code: string
          instance: string
          method: string
          traceId?: string
          invalidParams?: Array<{ name: string }>
        }
      }
      const invalid = problem(
        await alpha.call("POST", "/assure/dossiers", { userData: { dateOfBirth: "1990-02-30", nationality: "NO" } })
      )
      expect(invalid.status).toBe(400)
      expect(invalid).toMatchObject({ code: "invalid_request_parameter", title: "Invalid request parameter" })
      expect(invalid.invalidParams?.map((p) => p.name).sort()).toEqual(["userData.dateOfBirth", "userData.nationality"])
      expect(invalid).toMatchObject({ instance: "/assure/dossiers", method: "POST" })
      expect(invalid.traceId).toMatch(/^[0-9a-f]+$/)

      expect(problem(await alpha.call("POST", "/assure/dossiers", "{not json")).status).toBe(400)
      expect(problem(await alpha.call("GET", "/assure/no-such-route")).status).toBe(404)
      expect(problem(await alpha.call("GET", "/assure/dossiers/does-not-exist")).status).toBe(404)
      const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
      const unknownProvider = problem(
        await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
          provider: "acme",
          processType: "document"
        })
      )
      expect(unknownProvider.invalidParams?.map((p) => p.name)).toEqual(["provider"])
      const notAnImage = problem(
        await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, {
          front: `data:image/jpeg;base64,${Buffer.from("%PDF-1.7").toString("base64")}`
        })
      )
      expect(notAnImage.status).toBe(400)
      const tooLarge = await alpha.call("POST", "/assure/dossiers", { externalReference: "x".repeat(21_000_000) })
      expect(problem(tooLarge).status).toBe(413)
      const forged = await fetch(`${server.url}/webhooks/sandbox`, {
        method: "POST",
        headers: { "sandbox-signature": "t=1,v1=00", "content-type": "application/json" },
        body: "{}"
      })
      expect(forged.status).toBe(401)
    })

    it("takes files as multipart/form-data too, checking every part before storing any", async () => {
      const alpha = await apiClient(server, clients.alpha)
      const auth = { authorization: `Bearer ${alpha.token}` }
      const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
      const filesPath = `/assure/dossiers/${dossierId}/files`
      const post = async (path: string, form: FormData) => {
        const response = await fetch(`${server.url}${path}`, { method: "POST", headers: auth, body: form })
        return {
          status: response.status,
          contentType: response.headers.get("content-type") ?? "",
          json: await response.json()
        }
      }
      const form = (parts: Record<string, Blob | string>) => {
        const data = new FormData()
        for (const [name, value] of Object.entries(parts)) {
          if (typeof value === "string") data.append(name, value)
          else data.append(name, value, `${name}.bin`)
        }
        return data
      }
      const storedFiles = async () =>
        ((await alpha.call("GET", `/assure/dossiers/${dossierId}`)).json as { files: Array<{ fileId: string }> }).files
      const problem = (response: { status: number; contentType: string; json: unknown }) => {
        expect(response.contentType).toContain("application/problem+json")
        return response.json as {
          status: number
          detail: string
          invalidParams?: Array<{ name: string; reason: string }>
        }
      }

      const uploaded = await post(filesPath, form({ front: new Blob([jpegBytes]), selfie: new Blob([pngBytes]) }))
      expect(uploaded.status).toBe(201)
      const infos = uploaded.json as Array<{ fileId: string; kind: string; mediaType: string; size: number }>
      expect(infos.map((info) => [info.kind, info.mediaType, info.size])).toEqual([
        ["front", "image/jpeg", jpegBytes.length],
        ["selfie", "image/png", pngBytes.length]
      ])
      for (const [info, bytes] of [
        [infos[0], jpegBytes],
        [infos[1], pngBytes]
      ] as const) {
        const download = await fetch(`${server.url}${filesPath}/${info?.fileId}`, { headers: auth })
        expect(download.status).toBe(200)
        expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes)
      }
      expect(await storedFiles()).toHaveLength(2)

      // Parts with other names, or text in place of a file: 400, naming each, and nothing stored.
      const unknown = problem(
        await post(filesPath, form({ front: new Blob([jpegBytes]), passport: new Blob([jpegBytes]), back: "text" }))
      )
      expect(unknown.status).toBe(400)
      expect(unknown.invalidParams?.map((param) => param.name)).toEqual(["passport", "back"])
      // A file that is not an image, next to one that is: 400 as with data URLs, and the good one is not stored.
      const notAnImage = problem(
        await post(filesPath, form({ front: new Blob([jpegBytes]), back: new Blob([Buffer.from("%PDF-1.7")]) }))
      )
      expect(notAnImage.status).toBe(400)
      expect(notAnImage.invalidParams?.map((param) => param.name)).toEqual(["back"])
      // The same with data URLs: every file is checked before any is stored.
      const notAnImageJson = await alpha.call("POST", filesPath, {
        front: jpeg,
        back: `data:image/jpeg;base64,${Buffer.from("%PDF-1.7").toString("base64")}`
      })
      expect(notAnImageJson.status).toBe(400)
      // An image over its kind's limit is refused as it arrives: 413, naming the part.
      const huge = new Uint8Array(10_000_001)
      huge.set(jpegBytes)
      const tooLarge = problem(await post(filesPath, form({ selfie: new Blob([pngBytes]), front: new Blob([huge]) })))
      expect(tooLarge.status).toBe(413)
      expect(tooLarge.invalidParams?.map((param) => param.name)).toEqual(["front"])
      expect(problem(await post(filesPath, new FormData())).status).toBe(400)
      const garbled = await fetch(`${server.url}${filesPath}`, {
        method: "POST",
        headers: { ...auth, "content-type": "multipart/form-data; boundary=x" },
        body: "not multipart"
      })
      expect(garbled.status).toBe(400)
      expect(garbled.headers.get("content-type")).toContain("application/problem+json")
      const ids = (files: ReadonlyArray<{ fileId: string }>) => files.map((file) => file.fileId).sort()
      expect(ids(await storedFiles())).toEqual(ids(infos))

      // A process takes them the same way.
      const processId = (
        (
          await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
            provider: "sandbox",
            processType: "document"
          })
        ).json as { processId: string }
      ).processId
      const processFiles = await post(
        `/assure/dossiers/${dossierId}/processes/${processId}/files`,
        form({ back: new Blob([pngBytes]) })
      )
      expect(processFiles.status).toBe(201)
      expect(processFiles.json).toMatchObject([{ kind: "back", mediaType: "image/png" }])
    }, 30_000)

    it("keeps clients apart, and refuses missing, wrong and foreign tokens", async () => {
      const alpha = await apiClient(server, clients.alpha)
      const beta = await apiClient(server, clients.beta)
      const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
      expect((await beta.call("GET", `/assure/dossiers/${dossierId}`)).status).toBe(404)
      expect((await beta.call("DELETE", `/assure/dossiers/${dossierId}`)).status).toBe(404)
      expect((await beta.call("PUT", `/assure/dossiers/${dossierId}/userData`, { lastName: "Mallory" })).status).toBe(
        404
      )
      const betaList = (await beta.call("GET", "/assure/dossiers")).json as { dossiers: Array<{ dossierId: string }> }
      expect(betaList.dossiers.map((d) => d.dossierId)).not.toContain(dossierId)

      expect((await fetch(`${server.url}/assure/dossiers`)).status).toBe(401)
      const wrongSecret = await fetch(`${server.url}/auth/open/connect/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&client_id=alpha&client_secret=wrong"
      })
      expect(wrongSecret.status).toBe(401)
      // A token for another audience (another server's) does not open this one.
      const other = await startServer()
      try {
        const foreign = await apiClient(other, clients.alpha)
        expect(
          (await fetch(`${server.url}/assure/dossiers`, { headers: { authorization: `Bearer ${foreign.token}` } }))
            .status
        ).toBe(401)
      } finally {
        await other.stop()
      }
    }, 30_000)
  })
