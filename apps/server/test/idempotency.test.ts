/**
 * `Idempotency-Key` over HTTP on both stores, as the IETF header draft has it: the key is bound to the request's
 * fingerprint, a request in flight answers 409 with Retry-After, a key whose holder died is taken over within the
 * lease, and expired keys are swept by index.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { leaseSeconds } from "../src/server/Idempotency.js"
import { withDatabase } from "./support/database.js"
import { apiClient, clients, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

onEachStore("Idempotency-Key", (store) => {
  let server: Running
  let alpha: Awaited<ReturnType<typeof apiClient>>
  beforeAll(async () => {
    server = await startServer(await store())
    alpha = await apiClient(server, clients.alpha)
  }, 60_000)
  afterAll(() => server?.stop())

  const newKey = () => ({ "idempotency-key": `key-${globalThis.crypto.randomUUID()}` })
  const dossiersNamed = async (externalReference: string) =>
    (
      (await alpha.call("GET", "/assure/dossiers?limit=100")).json as {
        dossiers: Array<{ externalReference?: string }>
      }
    ).dossiers.filter((dossier) => dossier.externalReference === externalReference).length

  it("replays the first response to a retry of the same request, and creates nothing twice", async () => {
    const key = newKey()
    const reference = `replay-${key["idempotency-key"]}`
    const first = await alpha.call("POST", "/assure/dossiers", { externalReference: reference }, key)
    const again = await alpha.call("POST", "/assure/dossiers", { externalReference: reference }, key)
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.json).toEqual(first.json)
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect(await dossiersNamed(reference)).toBe(1)
  })

  it("replays a keyed multipart upload without storing the files twice", async () => {
    const { dossierId } = (await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46])
    const key = newKey()
    const upload = () => {
      const form = new FormData()
      form.append("front", new Blob([jpeg], { type: "image/jpeg" }), "front.jpg")
      return fetch(`${server.url}/assure/dossiers/${dossierId}/files`, {
        method: "POST",
        headers: { authorization: `Bearer ${alpha.token}`, ...key },
        body: form
      })
    }
    // The same bytes in a new multipart body have another boundary: the fingerprint covers the body as sent, so
    // the retry must resend the same body — as a client's retry does.
    const form = new FormData()
    form.append("front", new Blob([jpeg], { type: "image/jpeg" }), "front.jpg")
    const encoded = new Response(form)
    const contentType = encoded.headers.get("content-type") ?? ""
    const body = new Uint8Array(await encoded.arrayBuffer())
    const send = () =>
      fetch(`${server.url}/assure/dossiers/${dossierId}/files`, {
        method: "POST",
        headers: { authorization: `Bearer ${alpha.token}`, "content-type": contentType, ...key },
        body
      })
    const first = await send()
    const again = await send()
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(await again.json()).toEqual(await first.json())
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    const dossier = (await alpha.call("GET", `/assure/dossiers/${dossierId}`)).json as { files?: unknown[] }
    expect(dossier.files).toHaveLength(1)
    // A new body (another boundary) under the same key is another request.
    expect((await upload()).status).toBe(422)
  })

  it("answers 422 to the same key with another body, path or method, and 400 to a malformed key", async () => {
    const key = newKey()
    const created = await alpha.call("POST", "/assure/dossiers", { externalReference: "first-body" }, key)
    expect(created.status).toBe(201)
    const otherBody = await alpha.call("POST", "/assure/dossiers", { externalReference: "second-body" }, key)
    expect(otherBody.status).toBe(422)
    expect(otherBody.json).toMatchObject({ code: "idempotency_key_reused", status: 422 })
    expect(await dossiersNamed("second-body")).toBe(0)
    const { dossierId } = created.json as { dossierId: string }
    const otherPath = await alpha.call(
      "POST",
      `/assure/dossiers/${dossierId}/processes`,
      { provider: "sandbox", processType: "document" },
      key
    )
    expect(otherPath.status).toBe(422)
    for (const malformed of ["", "with space", "x".repeat(256)]) {
      const refused = await alpha.call("POST", "/assure/dossiers", {}, { "idempotency-key": malformed })
      expect(refused.status).toBe(400)
      expect(refused.json).toMatchObject({
        code: "invalid_request_parameter",
        invalidParams: [{ name: "headers.idempotency-key" }]
      })
    }
    // The same key from another client is another request.
    const beta = await apiClient(server, clients.beta)
    const fromBeta = await beta.call("POST", "/assure/dossiers", { externalReference: "first-body" }, key)
    expect(fromBeta.status).toBe(201)
    expect(fromBeta.headers.get("idempotent-replayed")).toBeNull()
  })

  it("answers 409 with Retry-After while the key's request is in flight, and takes over a key whose holder died", async () => {
    // A request that another instance holds (its lease running), and one whose holder died (its lease lapsed): the
    // rows such requests leave, written as the server writes them.
    const body = JSON.stringify({ externalReference: "held-elsewhere" })
    const held = newKey()
    const first = await alpha.call("POST", "/assure/dossiers", body, held)
    expect(first.status).toBe(201)
    const now = Date.now()
    const holdAgain = (leasedUntil: number) =>
      withDatabase(server, (sql) =>
        sql`UPDATE assure_idempotency SET status = NULL, body = NULL, leased_until = ${leasedUntil},
                   attempt = 'elsewhere'
            WHERE client_id = 'alpha' AND idempotency_key = ${held["idempotency-key"]}`.pipe(Effect.asVoid)
      )
    await holdAgain(now + 7_000)
    const inFlight = await alpha.call("POST", "/assure/dossiers", body, held)
    expect(inFlight.status).toBe(409)
    expect(inFlight.json).toMatchObject({ code: "idempotency_key_in_use" })
    const retryAfter = Number(inFlight.headers.get("retry-after"))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(leaseSeconds)

    await holdAgain(now - 1)
    const recovered = await alpha.call("POST", "/assure/dossiers", body, held)
    expect(recovered.status).toBe(201)
    // Taken over, the request is performed (its holder had not committed anything: this test's row says so).
    expect(recovered.headers.get("idempotent-replayed")).toBeNull()
    const replayed = await alpha.call("POST", "/assure/dossiers", body, held)
    expect(replayed.json).toEqual(recovered.json)
  })

  it("removes expired keys by an indexed sweep, and treats an expired key as new", async () => {
    const key = newKey()
    expect((await alpha.call("POST", "/assure/dossiers", { externalReference: "will-expire" }, key)).status).toBe(201)
    await withDatabase(server, (sql) =>
      sql`UPDATE assure_idempotency SET expires_at = ${Date.now() - 1}
          WHERE client_id = 'alpha' AND idempotency_key = ${key["idempotency-key"]}`.pipe(Effect.asVoid)
    )
    // Past its retention the key binds nothing: another body is a new request.
    const reused = await alpha.call("POST", "/assure/dossiers", { externalReference: "after-expiry" }, key)
    expect(reused.status).toBe(201)
    expect(reused.headers.get("idempotent-replayed")).toBeNull()

    const plan = await withDatabase(server, (sql) =>
      server.settings.databaseUrl._tag === "None"
        ? sql<{
            detail: string
          }>`EXPLAIN QUERY PLAN DELETE FROM assure_idempotency WHERE expires_at < ${Date.now()}`.pipe(
            Effect.map((rows) => rows.map((row) => row.detail).join("\n"))
          )
        : sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE tablename = 'assure_idempotency'`.pipe(
            Effect.map((rows) => rows.map((row) => row.indexdef).join("\n"))
          )
    )
    expect(plan).toContain("assure_idempotency_expiry")
  })
})
