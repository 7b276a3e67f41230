/**
 * Two engine processes (socket runners with distinct addresses) on one PostgreSQL share a batch of verifications:
 * none is lost and none is processed twice — each process ends once and its notification is acknowledged once —
 * even when one runner is SIGKILLed in the middle of the batch and the other takes over its shards.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PersonalDataCipher } from "../src/index.js"
import { postgresUrl } from "./support/databases.js"
import { acknowledgements, type Endpoint, startEndpoint } from "./support/endpoint.js"
import { freePort, type Host, startHost, until } from "./support/host.js"
import { createScratchDatabase } from "./support/scratch-database.js"

const describeOnPostgres = postgresUrl === undefined ? describe.skip : describe

describeOnPostgres("two runners on one PostgreSQL", () => {
  let database: { readonly url: string; readonly drop: () => Promise<void> }
  let client: Endpoint
  const hosts: Array<Host> = []

  beforeAll(async () => {
    database = await createScratchDatabase(postgresUrl ?? "")
    client = await startEndpoint(0)
  })
  // Up to 90 s: dropping the database may wait out an autovacuum worker (see its helper).
  afterAll(async () => {
    // A failed assertion must not leave a runner polling a database that is about to be dropped.
    await Promise.all(hosts.map((host) => host.kill()))
    await client?.close()
    await database?.drop()
  }, 90_000)

  it("finish a batch exactly once each, though one runner is killed mid-batch", async () => {
    const shared = {
      ASSURE_HOST_DATABASE: database.url,
      ASSURE_HOST_FILES: mkdtempSync(join(tmpdir(), "assure-files-")),
      ASSURE_HOST_KEY: PersonalDataCipher.generateKey(),
      // Results are ready 1.5 s after the start: the runners' polling workflows find them.
      ASSURE_HOST_LATENCY_MS: "1500"
    }
    const a = await startHost({ ...shared, ASSURE_HOST_RUNNER: `socket:${await freePort()}` })
    const b = await startHost({ ...shared, ASSURE_HOST_RUNNER: `socket:${await freePort()}` })
    hosts.push(a, b)
    const batch = 20
    const created: Array<{ processId: string }> = []
    for (let i = 0; i < batch; i++) {
      const host = i % 2 === 0 ? a : b
      created.push(await host.request({ command: "create", scenario: "accepted", notificationUrl: client.url }))
    }
    // Runner A dies with workflows of its shards still waiting.
    const waiting = await Promise.all(created.map(({ processId }) => a.request({ command: "status", processId })))
    expect(waiting.filter((status) => status === "processing").length).toBeGreaterThan(0)
    await a.kill()
    await until(async () => {
      const statuses = await Promise.all(created.map(({ processId }) => b.request({ command: "status", processId })))
      return statuses.every((status) => status === "accepted")
    }, 90_000)
    await until(() => acknowledgements(client.deliveries).size === batch, 60_000)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await b.stop()

    const acknowledged = acknowledgements(client.deliveries)
    expect(acknowledged.size).toBe(batch)
    expect([...acknowledged.values()].every((count) => count === 1)).toBe(true)
    const notified = client.deliveries.filter((d) => d.acknowledged).map((d) => JSON.parse(d.body).processId)
    expect(new Set(notified)).toEqual(new Set(created.map(({ processId }) => processId)))
  }, 200_000)
})
