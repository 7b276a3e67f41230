/**
 * The engine's behaviour, as one suite run against each database: the lifecycle with the sandbox provider, final is
 * final, tenant isolation, encryption at rest, bad input storing nothing.
 */
import { Process } from "@assure/core"
import { SandboxWebhook } from "@assure/sandbox"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, type Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Dossiers, EngineConfig, EngineError, FileStore, Processes, Retention, Verifications } from "../../src/index.js"
import { engineLayer, jpeg, png, tenantA, tenantB, webhookSecret } from "./engine.js"

type Engine =
  | Dossiers.Dossiers
  | Processes.Processes
  | Verifications.Verifications
  | SqlClient.SqlClient
  | FileStore.FileStore

const counts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const count = (table: string) =>
    Effect.map(sql.unsafe<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`), (rows) => Number(rows[0]?.n))
  return {
    dossiers: yield* count("assure_dossiers"),
    processes: yield* count("assure_processes"),
    files: yield* count("assure_files")
  }
})

/** Every text and bytes column of every engine table, as one string, to look for plaintext in. */
const everythingStored = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const dump: Array<string> = []
  for (const table of [
    "assure_dossiers",
    "assure_processes",
    "assure_files",
    "assure_notifications",
    "assure_provider_events"
  ]) {
    const rows = yield* sql.unsafe<Record<string, unknown>>(`SELECT * FROM ${table}`)
    for (const row of rows) {
      for (const value of Object.values(row)) {
        dump.push(value instanceof Uint8Array ? new TextDecoder("latin1").decode(value) : String(value))
      }
    }
  }
  return dump.join("\n")
})

const newDossier = (userData?: unknown) =>
  Effect.flatMap(Dossiers.Dossiers, (dossiers) =>
    dossiers.create(tenantA, { externalReference: "customer-42", userData })
  )

const startProcess = (dossierId: string, processType: string, scenario?: string) =>
  Effect.gen(function* () {
    const processes = yield* Processes.Processes
    const process = yield* processes.create(tenantA, dossierId, {
      provider: "sandbox",
      processType,
      processParameters: scenario === undefined ? {} : { sandbox: { scenario } },
      notificationUrl: "https://client.example/assure-callback",
      authorizationHeader: "Bearer client-callback-secret"
    })
    return process
  })

export const engineSuite = (name: string, database: () => Layer.Layer<SqlClient.SqlClient>) => {
  describe(`engine on ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Engine>) => Effect.provide(effect, engineLayer(database()))

    it.live("runs a document verification to accepted, with a normalised result and the provider's portrait", () =>
      run(
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const processes = yield* Processes.Processes
          const address = { lines: ["Storgata 1"], postalCode: "0155", city: "Oslo", country: "NOR" }
          const dossier = yield* newDossier({
            firstName: "Ola",
            lastName: "Nordmann",
            dateOfBirth: "1990-01-31",
            address
          })
          // What creating answers is what reading it back answers.
          assert.deepStrictEqual(yield* dossiers.get(tenantA, dossier.dossierId), dossier)
          assert.deepStrictEqual<unknown>(dossier.userData, {
            firstName: "Ola",
            lastName: "Nordmann",
            dateOfBirth: "1990-01-31",
            address
          })
          yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
          yield* dossiers.addFile(tenantA, dossier.dossierId, "selfie", png)
          const process = yield* startProcess(dossier.dossierId, "documentSelfie")
          assert.strictEqual(process.status, "pending")
          const started = yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
          assert.strictEqual(started.status, "processing")
          const done = yield* (yield* Verifications.Verifications).refresh(process.processId)
          assert.strictEqual(done.status, "accepted")
          assert.strictEqual(done.finalResult?.lastName, "Nordmann")
          assert.strictEqual(done.finalResult?.nationality, "DEU")
          assert.deepStrictEqual(
            done.files.map((file) => [file.kind, file.mediaType]),
            [["portrait", "image/png"]]
          )
          // The API shape holds: encoding gives the normalised JSON.
          const encoded = Schema.encodeSync(Process.Process)(done)
          assert.match(encoded.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
          const portrait = yield* processes.getFile(
            tenantA,
            dossier.dossierId,
            process.processId,
            done.files[0]?.fileId ?? ""
          )
          assert.strictEqual(portrait.info.kind, "portrait")
          assert.strictEqual(portrait.bytes[1], 0x50)
          const report = yield* processes.match(tenantA, dossier.dossierId, process.processId)
          assert.strictEqual(report.fields.lastName, "match")
          assert.strictEqual(report.fields.dateOfBirth, "match")
          // The sandbox reads the client's address back: it is sealed, stored and matched like the other fields.
          assert.deepStrictEqual<unknown>(done.finalResult?.address, address)
          assert.strictEqual(report.fields.address, "match")
          const listed = yield* dossiers.get(tenantA, dossier.dossierId)
          assert.deepStrictEqual(
            listed.processes.map((p) => p.status),
            ["accepted"]
          )
        })
      )
    )

    for (const scenario of ["rejected", "inconclusive", "failed"] as const) {
      it.live(`ends ${scenario} without a finalResult`, () =>
        run(
          Effect.gen(function* () {
            const processes = yield* Processes.Processes
            const dossier = yield* newDossier()
            yield* Effect.flatMap(Dossiers.Dossiers, (d) => d.addFile(tenantA, dossier.dossierId, "front", jpeg))
            const process = yield* startProcess(dossier.dossierId, "document", scenario)
            yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
            const done = yield* (yield* Verifications.Verifications).refresh(process.processId)
            assert.strictEqual(done.status, scenario)
            assert.isUndefined(done.finalResult)
          })
        )
      )
    }

    it.live(
      "a pending verification ends through a webhook exactly once; late, duplicate and conflicting events change nothing",
      () =>
        run(
          Effect.gen(function* () {
            const processes = yield* Processes.Processes
            const sql = yield* SqlClient.SqlClient
            const dossier = yield* newDossier()
            yield* Effect.flatMap(Dossiers.Dossiers, (d) => d.addFile(tenantA, dossier.dossierId, "front", jpeg))
            const process = yield* startProcess(dossier.dossierId, "document", "pending")
            yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
            assert.strictEqual(
              (yield* (yield* Verifications.Verifications).refresh(process.processId)).status,
              "processing"
            )
            const row = yield* sql<{
              provider_reference: string
            }>`SELECT provider_reference FROM assure_processes WHERE id = ${process.processId}`
            const reference = row[0]?.provider_reference ?? ""
            const accepted = yield* SandboxWebhook.sign({
              secrets: [webhookSecret],
              reference,
              outcome: { status: "accepted", checks: [] }
            })
            assert.deepStrictEqual(yield* (yield* Verifications.Verifications).receiveWebhook("sandbox", accepted), {
              processId: process.processId,
              duplicate: false
            })
            assert.deepStrictEqual(yield* (yield* Verifications.Verifications).receiveWebhook("sandbox", accepted), {
              processId: process.processId,
              duplicate: true
            })
            const rejected = yield* SandboxWebhook.sign({
              secrets: [webhookSecret],
              reference,
              outcome: { status: "rejected", checks: [] }
            })
            yield* (yield* Verifications.Verifications).receiveWebhook("sandbox", rejected)
            const final = yield* processes.get(tenantA, dossier.dossierId, process.processId)
            assert.strictEqual(final.status, "accepted")
            const notifications = yield* sql<{
              payload: string
            }>`SELECT payload FROM assure_notifications WHERE process_id = ${process.processId}`
            assert.deepStrictEqual(
              notifications.map((n) => JSON.parse(n.payload)),
              [{ dossierId: dossier.dossierId, processId: process.processId, status: "accepted" }]
            )
            const forged = { ...accepted, headers: { ...accepted.headers, "sandbox-signature": "t=1,v1=00" } }
            const refused = yield* Effect.flip((yield* Verifications.Verifications).receiveWebhook("sandbox", forged))
            assert.strictEqual(refused._tag, "ProviderError")
          })
        )
    )

    it.live("an eID redirect completes when the end-user comes back, and a cancelled login ends canceled", () =>
      run(
        Effect.gen(function* () {
          const processes = yield* Processes.Processes
          const dossier = yield* newDossier()
          for (const [scenario, expected] of [
            ["accepted", "accepted"],
            ["canceled", "canceled"]
          ] as const) {
            const process = yield* startProcess(dossier.dossierId, "eid", scenario)
            const started = yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId, {
              returnUrl: "https://client.example/back"
            })
            assert.strictEqual(started.status, "pending")
            const back = Object.fromEntries(new URL(started.redirectUrl ?? "").searchParams)
            const done = yield* (yield* Verifications.Verifications).completeRedirect("sandbox", back)
            assert.strictEqual(done.process.status, expected)
          }
        })
      )
    )

    it.live("cancel ends a started process as canceled; a failed start is retried or, refused, changes nothing", () =>
      run(
        Effect.gen(function* () {
          const processes = yield* Processes.Processes
          const dossier = yield* newDossier()
          yield* Effect.flatMap(Dossiers.Dossiers, (d) => d.addFile(tenantA, dossier.dossierId, "front", jpeg))
          const pending = yield* startProcess(dossier.dossierId, "document", "pending")
          yield* processes.requestVerification(tenantA, dossier.dossierId, pending.processId)
          assert.strictEqual(
            (yield* processes.cancel(tenantA, dossier.dossierId, pending.processId)).status,
            "canceled"
          )
          // A provider that is down for now: the engine takes the start over, and the process shows the failure.
          const outage = yield* startProcess(dossier.dossierId, "document", "unavailable")
          const deferred = yield* processes.requestVerification(tenantA, dossier.dossierId, outage.processId)
          assert.strictEqual(deferred.status, "processing")
          assert.strictEqual(deferred.providerRetry?.attempts, 1)
          assert.match(deferred.providerRetry?.lastError ?? "", /Unavailable/)
          const twice = yield* Effect.flip(processes.requestVerification(tenantA, dossier.dossierId, outage.processId))
          assert.strictEqual(twice._tag, "Conflict")
          // A provider that refuses the start: the client's error, and the process as it was.
          const refused = yield* startProcess(dossier.dossierId, "document", "unauthorized")
          const error = yield* Effect.flip(processes.requestVerification(tenantA, dossier.dossierId, refused.processId))
          assert.isTrue(error._tag === "ProviderError" && !error.isRetryable)
          const after = yield* processes.get(tenantA, dossier.dossierId, refused.processId)
          assert.strictEqual(after.status, "pending")
          assert.isUndefined(after.providerRetry)
          const again = yield* Effect.flip(processes.requestVerification(tenantA, pending.dossierId, pending.processId))
          assert.strictEqual(again._tag, "Conflict")
        })
      )
    )

    it.live("refuses bad input with the path of each field, and stores nothing", () =>
      run(
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const processes = yield* Processes.Processes
          const dossier = yield* newDossier()
          const before = yield* counts
          const badData = yield* Effect.flip(
            dossiers.create(tenantA, { userData: { dateOfBirth: "1990-02-30", nationality: "NO", shoeSize: 42 } })
          )
          assert.deepStrictEqual(
            badData._tag === "InvalidInput" ? badData.invalidParams.map((p) => p.name).sort() : [],
            ["userData.dateOfBirth", "userData.nationality", "userData.shoeSize"]
          )
          const unknown = yield* Effect.flip(
            processes.create(tenantA, dossier.dossierId, { provider: "acme", processType: "document" })
          )
          assert.deepStrictEqual(unknown, new EngineError.ProviderNotConfigured({ provider: "acme" }))
          const badOptions = yield* Effect.flip(
            processes.create(tenantA, dossier.dossierId, {
              provider: "sandbox",
              processType: "document",
              processParameters: { sandbox: { scenario: "maybe", colour: "red" } }
            })
          )
          assert.deepStrictEqual(
            badOptions._tag === "InvalidInput" ? badOptions.invalidParams.map((p) => p.name).sort() : [],
            ["processParameters.sandbox.colour", "processParameters.sandbox.scenario"]
          )
          const badType = yield* Effect.flip(
            processes.create(tenantA, dossier.dossierId, { provider: "sandbox", processType: "video" })
          )
          assert.strictEqual(badType._tag, "InvalidInput")
          const notAnImage = yield* Effect.flip(
            dossiers.addFile(tenantA, dossier.dossierId, "front", new TextEncoder().encode("%PDF-1.7 not an image"))
          )
          assert.strictEqual(notAnImage._tag, "InvalidInput")
          const oversized = new Uint8Array(10_000_001)
          oversized.set(jpeg)
          assert.strictEqual(
            (yield* Effect.flip(dossiers.addFile(tenantA, dossier.dossierId, "selfie", oversized)))._tag,
            "InvalidInput"
          )
          const wrongKind = yield* Effect.flip(dossiers.addFile(tenantA, dossier.dossierId, "video", jpeg))
          assert.strictEqual(wrongKind._tag, "InvalidInput")
          assert.deepStrictEqual(yield* counts, before)
        })
      )
    )

    it.live("keeps tenants apart: another tenant can neither read, list, change nor delete a dossier", () =>
      run(
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const processes = yield* Processes.Processes
          const dossier = yield* newDossier({ lastName: "Nordmann" })
          const process = yield* startProcess(dossier.dossierId, "document")
          const attempts: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
            dossiers.get(tenantB, dossier.dossierId),
            dossiers.getUserData(tenantB, dossier.dossierId),
            dossiers.setUserData(tenantB, dossier.dossierId, { lastName: "Mallory" }),
            dossiers.addFile(tenantB, dossier.dossierId, "front", jpeg),
            dossiers.delete(tenantB, dossier.dossierId),
            processes.get(tenantB, dossier.dossierId, process.processId),
            processes.create(tenantB, dossier.dossierId, { provider: "sandbox", processType: "document" }),
            processes.requestVerification(tenantB, dossier.dossierId, process.processId),
            processes.delete(tenantB, dossier.dossierId, process.processId)
          ]
          for (const attempt of attempts) assert.strictEqual((yield* Effect.flip(attempt))._tag, "NotFound")
          assert.deepStrictEqual((yield* dossiers.list(tenantB)).dossiers, [])
          assert.strictEqual((yield* dossiers.getUserData(tenantA, dossier.dossierId))?.lastName, "Nordmann")
        })
      )
    )

    it.live("stores no plaintext identity data, images or callback secrets", () =>
      run(
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const processes = yield* Processes.Processes
          const store = yield* FileStore.FileStore
          const dossier = yield* newDossier({
            firstName: "Kari",
            lastName: "Nordmannsen",
            personalNumber: "01019012345"
          })
          const file = yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
          const process = yield* startProcess(dossier.dossierId, "document")
          yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
          yield* (yield* Verifications.Verifications).refresh(process.processId)
          const stored = yield* everythingStored
          for (const secret of ["Nordmannsen", "01019012345", "Mustermann", "client-callback-secret", "MUSTER"]) {
            assert.notInclude(stored, secret)
          }
          const sql = yield* SqlClient.SqlClient
          const keys = yield* sql<{
            storage_key: string
          }>`SELECT storage_key FROM assure_files WHERE id = ${file.fileId}`
          const bytes = yield* store.get(keys[0]?.storage_key ?? "")
          assert.notInclude(new TextDecoder("latin1").decode(bytes), "MUSTER")
          assert.notStrictEqual(bytes[0], 0xff)
          assert.deepStrictEqual((yield* dossiers.getFile(tenantA, dossier.dossierId, file.fileId)).bytes, jpeg)
        })
      )
    )

    it.live("lists a tenant's dossiers a page at a time, filtered by the newest process's status", () =>
      run(
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const processes = yield* Processes.Processes
          const created: Array<string> = []
          for (let i = 0; i < 5; i++) created.push((yield* newDossier()).dossierId)
          const first = yield* dossiers.list(tenantA, { limit: 2 })
          const second = yield* dossiers.list(tenantA, { limit: 2, cursor: first.nextCursor })
          const third = yield* dossiers.list(tenantA, { limit: 2, cursor: second.nextCursor })
          const seen = [...first.dossiers, ...second.dossiers, ...third.dossiers].map((d) => d.dossierId)
          assert.deepStrictEqual([...seen].sort(), [...created].sort())
          assert.isUndefined(third.nextCursor)
          const withProcess = created[2] ?? ""
          yield* Effect.flatMap(Dossiers.Dossiers, (d) => d.addFile(tenantA, withProcess, "front", jpeg))
          const process = yield* startProcess(withProcess, "document", "rejected")
          yield* processes.requestVerification(tenantA, withProcess, process.processId)
          yield* (yield* Verifications.Verifications).refresh(process.processId)
          const rejected = yield* dossiers.list(tenantA, { status: "rejected" })
          assert.deepStrictEqual(
            rejected.dossiers.map((d) => d.dossierId),
            [withProcess]
          )
          assert.strictEqual((yield* Effect.flip(dossiers.list(tenantA, { cursor: "bogus" })))._tag, "InvalidInput")
        })
      )
    )

    it.live("the retention purge deletes dossiers older than the period, with their files, and keeps the rest", () =>
      run(
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const store = yield* FileStore.FileStore
          const sql = yield* SqlClient.SqlClient
          const old = yield* newDossier({ lastName: "Nordmann" })
          yield* dossiers.addFile(tenantA, old.dossierId, "front", jpeg)
          const keys = yield* sql<{ storage_key: string }>`SELECT storage_key FROM assure_files`
          // Timestamps are whole seconds: two of them apart is more than a second old.
          yield* Effect.sleep("2100 millis")
          const recent = yield* newDossier()
          const purge = (retention: Duration.Input | undefined) =>
            Retention.purgeExpired.pipe(
              Effect.provideService(EngineConfig.EngineConfig, { ...EngineConfig.defaults, retention })
            )
          assert.strictEqual(yield* purge(undefined), 0)
          assert.strictEqual(yield* purge("1 second"), 1)
          assert.strictEqual((yield* Effect.flip(dossiers.get(tenantA, old.dossierId)))._tag, "NotFound")
          assert.strictEqual((yield* Effect.flip(store.get(keys[0]?.storage_key ?? "")))._tag, "FileStoreError")
          assert.strictEqual((yield* dossiers.get(tenantA, recent.dossierId)).dossierId, recent.dossierId)
        })
      )
    )

    it.live("two sweepers claiming due processes at once never claim the same one", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const verifications = yield* Verifications.Verifications
          const dossier = yield* newDossier()
          yield* Effect.flatMap(Dossiers.Dossiers, (d) => d.addFile(tenantA, dossier.dossierId, "front", jpeg))
          const started = yield* Effect.forEach(Array.from({ length: 40 }), () =>
            startProcess(dossier.dossierId, "document", "pending")
          )
          // All of them due now, as after a restart.
          yield* sql`UPDATE assure_processes SET next_check_at = '2000-01-01T00:00:00Z'`
          const [first, second] = yield* Effect.all([verifications.claimDue(30), verifications.claimDue(30)], {
            concurrency: 2
          })
          const firstIds = new Set(first.map((row) => row.id))
          assert.isTrue(
            second.every((row) => !firstIds.has(row.id)),
            "no process claimed twice"
          )
          assert.strictEqual(first.length + second.length, started.length)
          // Claimed means leased: nothing is due any more.
          assert.deepStrictEqual(yield* verifications.claimDue(30), [])
        })
      )
    )

    it.live("deleting a dossier deletes its processes, rows and stored files", () =>
      run(
        Effect.gen(function* () {
          const dossiers = yield* Dossiers.Dossiers
          const processes = yield* Processes.Processes
          const store = yield* FileStore.FileStore
          const sql = yield* SqlClient.SqlClient
          const dossier = yield* newDossier({ lastName: "Nordmann" })
          yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
          const process = yield* startProcess(dossier.dossierId, "document")
          yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
          yield* (yield* Verifications.Verifications).refresh(process.processId)
          const keys = yield* sql<{ storage_key: string }>`SELECT storage_key FROM assure_files`
          assert.strictEqual(keys.length, 2)
          yield* dossiers.delete(tenantA, dossier.dossierId)
          assert.deepStrictEqual(yield* counts, { dossiers: 0, processes: 0, files: 0 })
          for (const { storage_key } of keys)
            assert.strictEqual((yield* Effect.flip(store.get(storage_key)))._tag, "FileStoreError")
          assert.strictEqual((yield* Effect.flip(dossiers.get(tenantA, dossier.dossierId)))._tag, "NotFound")
        })
      )
    )
  })
}
