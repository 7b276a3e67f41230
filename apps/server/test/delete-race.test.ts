/**
 * Deleting a dossier while requests write to it, over HTTP on each store: every write answers 2xx or 404 (never 5xx,
 * never a success for something the delete then cannot see), and once the delete has answered nothing of the dossier
 * is left, neither rows nor files.
 */
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { withDatabase } from "./support/database.js"
import { apiClient, clients, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

const jpeg = `data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]).toString("base64")}`
const rounds = 50

/** Every file under a folder, recursively. */
const filesUnder = (directory: string): Array<string> => {
  try {
    return readdirSync(directory, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
  } catch {
    return []
  }
}

/** The rows the server still holds about these dossiers and processes, by table. */
const rowsAbout = (server: Running, dossierIds: ReadonlyArray<string>, processIds: ReadonlyArray<string>) =>
  withDatabase(server, (sql) =>
    Effect.gen(function* () {
      const count = (statement: Effect.Effect<ReadonlyArray<{ n: unknown }>, unknown>) =>
        Effect.map(statement, (rows) => Number(rows[0]?.n ?? 0))
      const dossiers = sql.in(dossierIds)
      return {
        dossiers: yield* count(sql`SELECT COUNT(*) AS n FROM assure_dossiers WHERE id IN ${dossiers}`),
        processes: yield* count(sql`SELECT COUNT(*) AS n FROM assure_processes WHERE dossier_id IN ${dossiers}`),
        files: yield* count(sql`SELECT COUNT(*) AS n FROM assure_files WHERE dossier_id IN ${dossiers}`),
        notifications: yield* count(
          sql`SELECT COUNT(*) AS n FROM assure_notifications WHERE dossier_id IN ${dossiers}`
        ),
        providerEvents:
          processIds.length === 0
            ? 0
            : yield* count(
                sql`SELECT COUNT(*) AS n FROM assure_provider_events WHERE process_id IN ${sql.in(processIds)}`
              )
      }
    })
  )

onEachStore("deleting a dossier while requests write to it", (store) => {
  let server: Running
  beforeAll(async () => {
    server = await startServer(await store())
  }, 60_000)
  afterAll(() => server?.stop())

  it(`answers every racing write 2xx or 404, and leaves nothing behind (${rounds} rounds)`, async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierIds: Array<string> = []
    const processIds: Array<string> = []
    const statuses = new Map<string, Map<number, number>>()
    const record = (name: string, status: number) => {
      const byStatus = statuses.get(name) ?? new Map<number, number>()
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
      statuses.set(name, byStatus)
    }

    for (let round = 0; round < rounds; round++) {
      const created = await alpha.call("POST", "/assure/dossiers", { userData: { firstName: "Ada" } })
      expect(created.status).toBe(201)
      const dossierId = (created.json as { dossierId: string }).dossierId
      dossierIds.push(dossierId)
      const dossier = `/assure/dossiers/${dossierId}`
      const uploaded = await alpha.call("POST", `${dossier}/files`, { front: jpeg })
      expect(uploaded.status).toBe(201)
      const fileId = (uploaded.json as Array<{ fileId: string }>)[0]?.fileId
      const newProcess = async () => {
        const response = await alpha.call("POST", `${dossier}/processes`, {
          provider: "sandbox",
          processType: "document"
        })
        expect(response.status).toBe(201)
        const processId = (response.json as { processId: string }).processId
        processIds.push(processId)
        return `${dossier}/processes/${processId}`
      }
      // One to verify (its sandbox result arrives by webhook, racing the delete too), one to cancel and delete, one
      // to add files to: no two different writes that could refuse each other with a 409.
      const [verified, canceled, withFiles] = [await newProcess(), await newProcess(), await newProcess()]

      const writes: Array<readonly [string, () => ReturnType<typeof alpha.call>]> = [
        ["PUT userData", () => alpha.call("PUT", `${dossier}/userData`, { firstName: "Grace", lastName: "Hopper" })],
        ["POST files", () => alpha.call("POST", `${dossier}/files`, { front: jpeg, back: jpeg })],
        [
          "POST processes",
          () => alpha.call("POST", `${dossier}/processes`, { provider: "sandbox", processType: "document" })
        ],
        ["POST process files", () => alpha.call("POST", `${withFiles}/files`, { front: jpeg })],
        ["POST verify", () => alpha.call("POST", `${verified}/verify`, {})],
        ["POST cancel", () => alpha.call("POST", `${canceled}/cancel`)],
        ["DELETE process", () => alpha.call("DELETE", canceled)]
      ]
      // Verify at most once a round: two verifications of one process refuse each other with a 409 whatever the delete
      // does, and that is not the race under test.
      const mixed = Array.from(
        { length: 20 },
        (_, i) => writes[(i + round) % writes.length] as (typeof writes)[number]
      ).filter(([name], index, all) => name !== "POST verify" || all.findIndex(([other]) => other === name) === index)
      // Reads race the delete too: they answer 2xx or 404 as well.
      const reads: typeof writes = [
        ["GET file", () => alpha.call("GET", `${dossier}/files/${fileId}`)],
        ["GET dossier", () => alpha.call("GET", dossier)],
        ["GET process", () => alpha.call("GET", verified)]
      ]
      // The delete starts somewhere among the writes, a different place each round.
      const at = round % (mixed.length + 1)
      const results = await Promise.all([
        ...mixed.slice(0, at).map(async ([name, write]) => [name, (await write()).status] as const),
        (async () => ["DELETE dossier", (await alpha.call("DELETE", dossier)).status] as const)(),
        ...[...mixed.slice(at), ...reads].map(async ([name, write]) => [name, (await write()).status] as const)
      ])
      for (const [name, status] of results) record(name, status)
      expect(results.find(([name]) => name === "DELETE dossier")?.[1]).toBe(204)
      for (const [name, status] of results) {
        expect({ write: name, status, ok: (status >= 200 && status < 300) || status === 404 }).toEqual({
          write: name,
          status,
          ok: true
        })
      }
      expect((await alpha.call("GET", dossier)).status).toBe(404)
      // Whatever committed before the delete went with it; whatever came after found nothing.
      expect(await rowsAbout(server, [dossierId], processIds.slice(-4))).toEqual({
        dossiers: 0,
        processes: 0,
        files: 0,
        notifications: 0,
        providerEvents: 0
      })
    }

    // The sandbox's webhooks and the durable work end after the delete: give them time, then look again.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(await rowsAbout(server, dossierIds, processIds)).toEqual({
      dossiers: 0,
      processes: 0,
      files: 0,
      notifications: 0,
      providerEvents: 0
    })
    expect(filesUnder(join(server.settings.dataDirectory, "files"))).toEqual([])
    // Both outcomes happened: the race was a race.
    const writesOf = (status: (code: number) => boolean) =>
      [...statuses]
        .filter(([name]) => name !== "DELETE dossier" && !name.startsWith("GET"))
        .reduce(
          (sum, [, byStatus]) => sum + [...byStatus].filter(([code]) => status(code)).reduce((n, [, c]) => n + c, 0),
          0
        )
    expect(writesOf((code) => code < 300)).toBeGreaterThan(0)
    expect(writesOf((code) => code === 404)).toBeGreaterThan(0)
  }, 300_000)
})
