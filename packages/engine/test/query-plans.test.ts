/**
 * What a read costs must not grow with what is stored: every statement the tenant-facing operations run is answered
 * through an index, never by reading a whole table. The statements are the engine's own, recorded from their spans
 * (`db.query.text`) while a client's calls run; each is then planned by SQLite (`EXPLAIN QUERY PLAN`), whose plan
 * names a full read as `SCAN <table>` and an index lookup as `SEARCH … USING INDEX`.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Tracer } from "effect"
import { SqlClient } from "effect/sql"
import { Captures, Dossiers, Processes, Reviews, Verifications } from "../src/index.js"
import { engineLayer, jpeg, tenantA } from "./support/engine.js"

/** A tracer that keeps the SQL text of every statement's span, and otherwise traces as Effect does by default. */
const recordingStatements = (statements: Set<string>) =>
  Tracer.make({
    span(options) {
      const span = Tracer.nativeTracer.span(options)
      const record = span.attribute.bind(span)
      span.attribute = (key, value) => {
        if (key === "db.query.text" && typeof value === "string") statements.add(value)
        record(key, value)
      }
      return span
    }
  })

/** Each line of SQLite's plan for `statement`, with its parameters left unbound (the plan does not depend on them). */
const planOf = (statement: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement}`)
    return rows.map((row) => row.detail)
  })

describe("query plans", () => {
  it.effect("every statement of the tenant's reads, writes and deletes is answered by an index", () => {
    const statements = new Set<string>()
    const database = Layer.orDie(
      SqliteClient.layer({ filename: join(mkdtempSync(join(tmpdir(), "assure-plans-")), "assure.db") })
    )
    return Effect.gen(function* () {
      const dossiers = yield* Dossiers.Dossiers
      const processes = yield* Processes.Processes
      const reviews = yield* Reviews.Reviews
      const reviewer: Reviews.Reviewer = { id: "ana", name: "Ana Lima" }
      const operations = Effect.gen(function* () {
        // A reviewer's work: the queue (as the console filters it), a claim, a decision, the case, the audit trail.
        const inconclusive = yield* dossiers.create(tenantA, { userData: { nationality: "PRT" } })
        yield* dossiers.addFile(tenantA, inconclusive.dossierId, "front", jpeg)
        const toReview = yield* processes.create(tenantA, inconclusive.dossierId, {
          provider: "sandbox",
          processType: "document",
          processParameters: { sandbox: { scenario: "inconclusive" } }
        })
        yield* processes.requestVerification(tenantA, inconclusive.dossierId, toReview.processId)
        yield* Effect.flatMap(Verifications.Verifications, (verifications) => verifications.refresh(toReview.processId))
        yield* reviews.queue(tenantA, {})
        yield* reviews.queue(tenantA, { provider: "sandbox", createdBefore: "2100-01-01T00:00:00Z" as never })
        yield* reviews.queue(tenantA, { statuses: ["inconclusive", "rejected"], country: "PRT" })
        yield* reviews.claim(tenantA, inconclusive.dossierId, toReview.processId, reviewer)
        yield* reviews.claimOf(tenantA, inconclusive.dossierId, toReview.processId)
        yield* reviews.decide(
          tenantA,
          inconclusive.dossierId,
          toReview.processId,
          reviewer,
          { decision: "approved" },
          {
            captureUrlFor: (token) => Captures.pageUrl("https://assure.example", token),
            fallbackRedirectUrl: "https://assure.example/capture/done"
          }
        )
        yield* reviews.reviewOf(tenantA, inconclusive.dossierId, toReview.processId)
        yield* reviews.queue(tenantA, { reviewed: true })
        yield* reviews.auditTrail(tenantA, {})
        yield* reviews.auditTrail(tenantA, { processId: toReview.processId, actorId: reviewer.id })

        const dossier = yield* dossiers.create(tenantA, {
          externalReference: "plans",
          userData: { firstName: "Erika", lastName: "Mustermann" }
        })
        yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
        const process = yield* processes.create(tenantA, dossier.dossierId, {
          provider: "sandbox",
          processType: "document"
        })
        const file = yield* processes.addFile(tenantA, dossier.dossierId, process.processId, "selfie", jpeg)
        yield* processes.get(tenantA, dossier.dossierId, process.processId)
        yield* processes.getFile(tenantA, dossier.dossierId, process.processId, file.fileId)
        yield* dossiers.get(tenantA, dossier.dossierId)
        yield* dossiers.list(tenantA, {})
        yield* processes.delete(tenantA, dossier.dossierId, process.processId)
        yield* dossiers.delete(tenantA, dossier.dossierId)
      }).pipe(Effect.provideService(Tracer.Tracer, recordingStatements(statements)))
      yield* operations

      const reads = [...statements].filter((statement) =>
        /\bassure_(dossiers|processes|files|reviews|claims|audit)\b/.test(statement)
      )
      expect(reads.length).toBeGreaterThan(8)
      expect(reads.filter((statement) => /\bassure_(reviews|claims|audit)\b/.test(statement)).length).toBeGreaterThan(4)
      for (const statement of reads) {
        const plan = yield* planOf(statement)
        // A temporary B-tree for ORDER BY sorts the rows found, which is fine; a SCAN of a table reads all of it.
        expect({ statement, scans: plan.filter((line) => /^SCAN assure_/.test(line)) }).toEqual({
          statement,
          scans: []
        })
      }
    }).pipe(
      Effect.provide(
        Reviews.layer.pipe(Layer.provideMerge(Captures.layer.pipe(Layer.provideMerge(engineLayer(database)))))
      )
    )
  })
})
