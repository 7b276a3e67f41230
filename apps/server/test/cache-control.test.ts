/**
 * Identity data and tokens are never cached: every token response, every `/assure` response (problems included) and
 * every `/callbacks` response says `Cache-Control: no-store`; the token endpoint also `Pragma: no-cache` (RFC 6749
 * §5.1). Over HTTP against the running server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { apiClient, clients, type Running, startServer } from "./support/server.js"

const jpeg = `data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]).toString("base64")}`

describe("Cache-Control on tokens, identity data and callbacks", () => {
  let server: Running
  beforeAll(async () => {
    server = await startServer()
  }, 60_000)
  afterAll(() => server?.stop())

  const token = (authorization: string) =>
    fetch(`${server.url}/auth/open/connect/token`, {
      method: "POST",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials"
    })
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`

  it("marks token responses no-store and no-cache, issued or refused", async () => {
    for (const response of [
      await token(basic(clients.alpha.id, clients.alpha.secret)),
      await token(basic(clients.alpha.id, "not-the-secret"))
    ]) {
      expect([response.status, response.headers.get("cache-control"), response.headers.get("pragma")]).toEqual([
        response.status,
        "no-store",
        "no-cache"
      ])
    }
    expect((await token(basic(clients.alpha.id, clients.alpha.secret))).status).toBe(200)
  })

  it("marks every /assure response no-store, errors included", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const created = await alpha.call("POST", "/assure/dossiers", { userData: { firstName: "Ada" } })
    const dossierId = (created.json as { dossierId: string }).dossierId
    const uploaded = await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, { front: jpeg })
    const fileId = (uploaded.json as Array<{ fileId: string }>)[0]?.fileId
    const responses = {
      created,
      uploaded,
      read: await alpha.call("GET", `/assure/dossiers/${dossierId}`),
      userData: await alpha.call("GET", `/assure/dossiers/${dossierId}/userData`),
      file: await alpha.call("GET", `/assure/dossiers/${dossierId}/files/${fileId}`),
      listed: await alpha.call("GET", "/assure/dossiers"),
      notFound: await alpha.call("GET", "/assure/dossiers/00000000-0000-4000-8000-000000000000"),
      invalid: await alpha.call("PUT", `/assure/dossiers/${dossierId}/userData`, { dateOfBirth: "31.01.1990" }),
      unknownPath: await alpha.call("GET", "/assure/no-such-thing"),
      wrongMethod: await alpha.call("PATCH", `/assure/dossiers/${dossierId}`),
      deleted: await alpha.call("DELETE", `/assure/dossiers/${dossierId}`),
      unauthorized: await fetch(`${server.url}/assure/dossiers`).then(async (response) => ({
        status: response.status,
        headers: response.headers
      }))
    }
    const seen = Object.fromEntries(
      Object.entries(responses).map(([name, response]) => [name, response.headers.get("cache-control")])
    )
    expect(seen).toEqual(Object.fromEntries(Object.keys(responses).map((name) => [name, "no-store"])))
    // Each kind of answer was there: successes, client errors, and the empty 204.
    expect(Object.values(responses).map((response) => response.status)).toEqual(
      expect.arrayContaining([200, 201, 204, 400, 401, 404])
    )
  })

  it("marks the end-user's return from a provider no-store", async () => {
    const response = await fetch(`${server.url}/callbacks/sandbox?state=unknown`, { redirect: "manual" })
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.headers.get("cache-control")).toBe("no-store")
  })
})
