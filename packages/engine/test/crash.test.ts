/**
 * Crash safety with separate OS processes and SIGKILL: an engine killed in the middle of a verification, and in the
 * middle of a notification's retries, is replaced by a new one on the same database, and the work completes — the
 * process reaches its final status, and the client's endpoint acknowledges the notification exactly once.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PersonalDataCipher } from "../src/index.js"
import { postgresUrl } from "./support/databases.js"
import { acknowledgements, type Endpoint, startEndpoint } from "./support/endpoint.js"
import { startHost, until } from "./support/host.js"
import { createScratchDatabase } from "./support/scratch-database.js"

const describeOnPostgres = postgresUrl === undefined ? describe.skip : describe

describeOnPostgres("crash safety (separate processes, SIGKILL) on PostgreSQL", () => {
  let database: { readonly url: string; readonly drop: () => Promise<void> }
  let client: Endpoint
  const environment = () => ({
    ASSURE_HOST_DATABASE: database.url,
    ASSURE_HOST_FILES: mkdtempSync(join(tmpdir(), "assure-files-")),
    ASSURE_HOST_KEY: key,
    ASSURE_HOST_RUNNER: "single",
    ASSURE_HOST_LATENCY_MS: "0"
  })
  const key = PersonalDataCipher.generateKey()

  beforeAll(async () => {
    database = await createScratchDatabase(postgresUrl ?? "")
    // The client's endpoint refuses the first three deliveries.
    client = await startEndpoint(3)
  })
  // Up to 90 s: dropping the database may wait out an autovacuum worker (see its helper).
  afterAll(async () => {
    await client?.close()
    await database?.drop()
  }, 90_000)

  it("finishes a verification and its notification after the engine is killed twice", async () => {
    const env = environment()
    const first = await startHost(env)
    const created = await first.request<{ processId: string; reference: string }>({
      command: "create",
      scenario: "pending",
      notificationUrl: client.url
    })
    // Killed while the process waits for its provider.
    await first.kill()

    const second = await startHost(env)
    await second.request({ command: "webhook", reference: created.reference, status: "accepted" })
    // Killed in the middle of the notification's retries: after the first refused attempt.
    await until(() => client.deliveries.length >= 1)
    await second.kill()
    const attemptsBeforeRestart = client.deliveries.length
    expect(client.deliveries.every((delivery) => !delivery.acknowledged)).toBe(true)

    const third = await startHost(env)
    await until(() => client.deliveries.some((delivery) => delivery.acknowledged))
    expect(await third.request({ command: "status", processId: created.processId })).toBe("accepted")
    // Give a duplicate every chance to show up.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await third.stop()

    expect(client.deliveries.length).toBeGreaterThan(attemptsBeforeRestart)
    expect([...acknowledgements(client.deliveries).values()]).toEqual([1])
    expect(JSON.parse(client.deliveries.at(-1)?.body ?? "{}")).toEqual({
      dossierId: expect.any(String),
      processId: created.processId,
      status: "accepted"
    })
  }, 60_000)
})
