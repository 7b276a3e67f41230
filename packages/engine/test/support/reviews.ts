/**
 * Reviews on one database: a decision is recorded exactly once under the reviewer's claim, beside the provider's
 * status (which never changes), with the client's notification; claims exclude other reviewers and expire; a retake
 * starts a usable capture on the same dossier; bad input stores nothing; another tenant sees nothing; the audit trail
 * outlives the dossier (without its note) and is purged after its own retention.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import {
  Captures,
  Dossiers,
  EngineConfig,
  EngineError,
  Migrations,
  Processes,
  Retention,
  Reviews,
  Verifications
} from "../../src/index.js"
import { engineLayer, jpeg, photo, tenantA, tenantB } from "./engine.js"

const ana: Reviews.Reviewer = { id: "ana", name: "Ana Lima" }
const ben: Reviews.Reviewer = { id: "ben", name: "Ben Ola" }

const publicUrl = "https://assure.example"
const links: Reviews.RetakeLinks = {
  captureUrlFor: (token) => Captures.pageUrl(publicUrl, token),
  fallbackRedirectUrl: `${publicUrl}/capture/done`
}

const secretNote = "Spoke to the customer: passport number 987654321 is theirs"

const reviewsLayer = (
  database: Layer.Layer<SqlClient.SqlClient>,
  review: Partial<EngineConfig.Settings["review"]> = {}
) =>
  Reviews.layer.pipe(
    Layer.provideMerge(Captures.layer.pipe(Layer.provideMerge(engineLayer(database)))),
    Layer.provide(
      Layer.succeed(EngineConfig.EngineConfig, {
        ...EngineConfig.defaults,
        review: { ...EngineConfig.defaults.review, ...review },
        eventSubscriptions: {
          [tenantA]: { url: "https://client.example/events", secrets: [Redacted.make("event-secret")] }
        }
      })
    )
  )

const failureOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error : undefined

const count = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql.unsafe<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`), (rows) => Number(rows[0]?.n))
  )

/** Every column of a table, as one string, to look for plaintext in. */
const dump = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql.unsafe<Record<string, unknown>>(`SELECT * FROM ${table}`), (rows) =>
      rows
        .flatMap((row) =>
          Object.values(row).map((value) =>
            value instanceof Uint8Array ? new TextDecoder("latin1").decode(value) : String(value)
          )
        )
        .join("\n")
    )
  )

/** A dossier (of a Portuguese passport holder) with a process its provider left `inconclusive`. */
const inconclusiveProcess = Effect.gen(function* () {
  const dossiers = yield* Dossiers.Dossiers
  const processes = yield* Processes.Processes
  const dossier = yield* dossiers.create(tenantA, {
    userData: { firstName: "Maria", lastName: "Silva", nationality: "PRT" }
  })
  yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
  const process = yield* processes.create(tenantA, dossier.dossierId, {
    provider: "sandbox",
    processType: "document",
    processParameters: { sandbox: { scenario: "inconclusive" } },
    notificationUrl: "https://client.example/assure-callback",
    authorizationHeader: "Bearer client-callback-secret"
  })
  yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
  const done = yield* (yield* Verifications.Verifications).refresh(process.processId)
  assert.strictEqual(done.status, "inconclusive")
  return { dossierId: dossier.dossierId, processId: process.processId }
})

/** The notifications a review queued (the callback, then the event), parsed. */
const reviewNotifications = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql<{ kind: string; payload: string }>`SELECT kind, payload FROM assure_notifications`, (rows) =>
    rows
      .map((row) => ({ kind: row.kind, payload: JSON.parse(row.payload) }))
      .filter(({ payload }) => payload.review !== undefined || payload.eventName === "process.reviewed")
      .sort((a, b) => a.kind.localeCompare(b.kind))
  )
)

export const reviewSuite = (name: string, database: () => Layer.Layer<SqlClient.SqlClient>) => {
  describe(`reviews on ${name}`, () => {
    it.live("records a decision once, beside the provider's status, and notifies the client with it", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const processes = yield* Processes.Processes
        const { dossierId, processId } = yield* inconclusiveProcess
        const claim = yield* reviews.claim(tenantA, dossierId, processId, ana)
        assert.deepStrictEqual(claim.reviewer, ana)
        assert.isTrue(claim.expiresAt > claim.claimedAt)
        const review = yield* reviews.decide(
          tenantA,
          dossierId,
          processId,
          ana,
          { decision: "rejected", reason: "document_expired", note: secretNote },
          links
        )
        assert.strictEqual(review.decision, "rejected")
        assert.strictEqual(review.reason, "document_expired")
        assert.strictEqual(review.note, secretNote)
        assert.deepStrictEqual(review.reviewer, ana)
        assert.isUndefined(review.retake)
        // The provider's status stays; the review is beside it, on the process and in the dossier's list.
        const process = yield* processes.get(tenantA, dossierId, processId)
        assert.strictEqual(process.status, "inconclusive")
        assert.deepStrictEqual(process.review, review)
        const listed = yield* (yield* Dossiers.Dossiers).get(tenantA, dossierId)
        assert.deepStrictEqual(listed.processes[0]?.review, review)
        assert.deepStrictEqual(yield* reviews.reviewOf(tenantA, dossierId, processId), review)
        // Notified like a process change: the callback and a process.reviewed event, with the review but not its note.
        const queued = yield* reviewNotifications
        assert.deepStrictEqual(
          queued.map((notification) => notification.kind),
          ["callback", "event"]
        )
        const callback = queued[0]?.payload
        assert.deepStrictEqual(callback, {
          dossierId,
          processId,
          status: "inconclusive",
          review: {
            reviewId: review.reviewId,
            decision: "rejected",
            reason: "document_expired",
            reviewer: ana,
            decidedAt: review.decidedAt
          }
        })
        const event = queued[1]?.payload
        assert.strictEqual(event.eventName, "process.reviewed")
        assert.deepStrictEqual(event.eventData.review, callback.review)
        // The note is sealed at rest, and not in the notifications or the audit.
        for (const table of ["assure_reviews", "assure_notifications", "assure_audit"]) {
          assert.notInclude(yield* dump(table), "987654321")
        }
        // Exactly once: a second decision, even under a new claim, is a conflict, and changes nothing.
        assert.instanceOf(
          failureOf(yield* Effect.exit(reviews.claim(tenantA, dossierId, processId, ana))),
          EngineError.Conflict
        )
        assert.instanceOf(
          failureOf(
            yield* Effect.exit(reviews.decide(tenantA, dossierId, processId, ana, { decision: "approved" }, links))
          ),
          EngineError.Conflict
        )
        assert.deepStrictEqual((yield* processes.get(tenantA, dossierId, processId)).review, review)
        assert.strictEqual(yield* count("assure_reviews"), 1)
        // The engine audited the claim and the decision: ids and the reason code.
        const trail = yield* reviews.auditTrail(tenantA, { processId })
        assert.deepStrictEqual(
          trail.map((entry) => entry.action),
          ["decided", "claimed"]
        )
        assert.deepStrictEqual(trail[0]?.detail, {
          reviewId: review.reviewId,
          decision: "rejected",
          reason: "document_expired"
        })
      }).pipe(Effect.provide(reviewsLayer(database())))
    )

    it.live("of two decisions at once, one is recorded and the other is a conflict", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const { dossierId, processId } = yield* inconclusiveProcess
        yield* reviews.claim(tenantA, dossierId, processId, ana)
        const exits = yield* Effect.all(
          (["approved", "rejected"] as const).map((decision) =>
            Effect.exit(
              reviews.decide(
                tenantA,
                dossierId,
                processId,
                ana,
                decision === "rejected" ? { decision, reason: "face_mismatch" } : { decision },
                links
              )
            )
          ),
          { concurrency: 2 }
        )
        assert.strictEqual(exits.filter(Exit.isSuccess).length, 1)
        assert.instanceOf(
          exits.map(failureOf).find((error) => error !== undefined),
          EngineError.Conflict
        )
        assert.strictEqual(yield* count("assure_reviews"), 1)
        const decided = (yield* reviews.auditTrail(tenantA, { processId })).filter(
          (entry) => entry.action === "decided"
        )
        assert.strictEqual(decided.length, 1)
      }).pipe(Effect.provide(reviewsLayer(database())))
    )

    it.live("a claim keeps other reviewers out until it is released or expires", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const { dossierId, processId } = yield* inconclusiveProcess
        yield* reviews.claim(tenantA, dossierId, processId, ana)
        assert.instanceOf(
          failureOf(yield* Effect.exit(reviews.claim(tenantA, dossierId, processId, ben))),
          EngineError.Conflict
        )
        assert.instanceOf(
          failureOf(
            yield* Effect.exit(reviews.decide(tenantA, dossierId, processId, ben, { decision: "approved" }, links))
          ),
          EngineError.Conflict
        )
        // Ana renews her own claim; Ben's release of a claim he does not hold changes nothing.
        yield* reviews.claim(tenantA, dossierId, processId, ana)
        yield* reviews.release(tenantA, dossierId, processId, ben)
        const [entry] = yield* reviews.queue(tenantA, {})
        assert.deepStrictEqual(entry?.claim?.reviewer, ana)
        yield* reviews.release(tenantA, dossierId, processId, ana)
        assert.isUndefined((yield* reviews.queue(tenantA, {}))[0]?.claim)
        yield* reviews.claim(tenantA, dossierId, processId, ben)
        // Claims last `claimFor` (a second here): then another reviewer may take it, and the holder cannot decide.
        yield* Effect.sleep("2100 millis")
        assert.isUndefined((yield* reviews.queue(tenantA, {}))[0]?.claim)
        assert.instanceOf(
          failureOf(
            yield* Effect.exit(reviews.decide(tenantA, dossierId, processId, ben, { decision: "approved" }, links))
          ),
          EngineError.Conflict
        )
        const taken = yield* reviews.claim(tenantA, dossierId, processId, ana)
        assert.deepStrictEqual(taken.reviewer, ana)
        const review = yield* reviews.decide(tenantA, dossierId, processId, ana, { decision: "approved" }, links)
        assert.strictEqual(review.decision, "approved")
        assert.deepStrictEqual(
          (yield* reviews.auditTrail(tenantA, { processId, actorId: "ben" })).map((entry) => entry.action),
          ["claimed"]
        )
      }).pipe(Effect.provide(reviewsLayer(database(), { claimFor: "1 second" })))
    )

    it.live("another tenant's process does not exist", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const { dossierId, processId } = yield* inconclusiveProcess
        yield* reviews.claim(tenantA, dossierId, processId, ana)
        for (const attempt of [
          reviews.claim(tenantB, dossierId, processId, ben),
          reviews.release(tenantB, dossierId, processId, ana),
          reviews.decide(tenantB, dossierId, processId, ana, { decision: "approved" }, links),
          reviews.reviewOf(tenantB, dossierId, processId)
        ]) {
          assert.instanceOf(failureOf(yield* Effect.exit(attempt)), EngineError.NotFound)
        }
        assert.deepStrictEqual(yield* reviews.queue(tenantB, {}), [])
        assert.deepStrictEqual(yield* reviews.auditTrail(tenantB, {}), [])
        assert.strictEqual((yield* reviews.queue(tenantA, {})).length, 1)
        assert.strictEqual(yield* count("assure_reviews"), 0)
      }).pipe(Effect.provide(reviewsLayer(database())))
    )

    it.live("refuses bad input, naming every bad field, and stores nothing", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const { dossierId, processId } = yield* inconclusiveProcess
        yield* reviews.claim(tenantA, dossierId, processId, ana)
        const notificationsBefore = yield* count("assure_notifications")
        const capturesBefore = yield* count("assure_captures")
        const cases: ReadonlyArray<readonly [Reviews.DecideInput, ReadonlyArray<string>]> = [
          [{ decision: "rejected" }, ["reason"]],
          [{ decision: "rejected", reason: "looked_odd" }, ["reason"]],
          [{ decision: "rejected", reason: "other" }, ["note"]],
          [{ decision: "rejected", reason: "face_mismatch", note: "x".repeat(2001) }, ["note"]],
          [{ decision: "retakeRequested", reason: "The photo is blurred" }, ["kinds"]],
          [{ decision: "retakeRequested", kinds: ["front", "passport" as never] }, ["reason", "kinds"]],
          [{ decision: "retakeRequested", reason: "Blurred", kinds: ["front", "front"] }, ["kinds"]],
          [{ decision: "approved", reason: "document_expired", kinds: ["front"] }, ["kinds", "reason"]],
          [{ decision: "maybe" as never }, ["decision"]]
        ]
        for (const [input, names] of cases) {
          const error = failureOf(yield* Effect.exit(reviews.decide(tenantA, dossierId, processId, ana, input, links)))
          assert.instanceOf(error, EngineError.InvalidInput)
          assert.deepStrictEqual(
            (error as EngineError.InvalidInput).invalidParams.map((param) => param.name),
            names,
            JSON.stringify(input).slice(0, 80)
          )
        }
        assert.strictEqual(yield* count("assure_reviews"), 0)
        assert.strictEqual(yield* count("assure_notifications"), notificationsBefore)
        assert.strictEqual(yield* count("assure_captures"), capturesBefore)
        assert.deepStrictEqual(
          (yield* reviews.auditTrail(tenantA, {})).map((entry) => entry.action),
          ["claimed"]
        )
        // The claim still holds: the reviewer can decide once the input is right.
        const review = yield* reviews.decide(
          tenantA,
          dossierId,
          processId,
          ana,
          { decision: "rejected", reason: "other", note: "The name on the document is not the customer's" },
          links
        )
        assert.strictEqual(review.reason, "other")
      }).pipe(Effect.provide(reviewsLayer(database())))
    )

    it.live("a retake starts a usable capture on the same dossier, sealed at rest, and tells the client its link", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const captures = yield* Captures.Captures
        const { dossierId, processId } = yield* inconclusiveProcess
        yield* reviews.claim(tenantA, dossierId, processId, ana)
        const review = yield* reviews.decide(
          tenantA,
          dossierId,
          processId,
          ana,
          { decision: "retakeRequested", reason: "The photo is blurred", kinds: ["front", "selfie"] },
          links
        )
        assert.strictEqual(review.decision, "retakeRequested")
        assert.strictEqual(review.reason, "The photo is blurred")
        const retake = review.retake
        assert.isDefined(retake)
        assert.deepStrictEqual(retake?.kinds, ["front", "selfie"])
        assert.isTrue(retake?.captureUrl.startsWith(`${publicUrl}/capture/`))
        const token = retake?.captureUrl.slice(`${publicUrl}/capture/`.length) ?? ""
        const session = yield* captures.open(token)
        assert.strictEqual(session.dossierId, dossierId)
        assert.strictEqual(session.tenant, tenantA)
        assert.deepStrictEqual(session.providers, [{ provider: "sandbox", processType: "document" }])
        assert.strictEqual(session.redirectUrl, links.fallbackRedirectUrl)
        assert.strictEqual(session.expiresAt, retake?.expiresAt)
        // The page asks for what the reviewer named, and says why; the photos seen before do not count.
        assert.deepStrictEqual(session.retake, { kinds: ["front", "selfie"], reason: "The photo is blurred" })
        assert.deepStrictEqual(session.choices, [
          { _tag: "Photos", id: "photos", entries: [0], kinds: ["front", "selfie"] }
        ])
        const stale = yield* Effect.flip(captures.submit(token, () => Effect.succeed(`${publicUrl}/callbacks/sandbox`)))
        assert.deepStrictEqual(stale._tag === "InvalidInput" ? stale.invalidParams : stale, [
          { name: "front", reason: "a reviewer asked for a new front image" }
        ])
        // The link is a credential: sealed in the review, never in plain text there.
        assert.notInclude(yield* dump("assure_reviews"), token)
        const [callback, event] = yield* reviewNotifications
        assert.deepStrictEqual(callback?.payload.review.retake, retake)
        assert.deepStrictEqual(event?.payload.eventData.review.retake, retake)
        // The audit names the kinds, not the reviewer's words.
        const [decided] = yield* reviews.auditTrail(tenantA, { processId })
        assert.deepStrictEqual(decided?.detail, {
          reviewId: review.reviewId,
          decision: "retakeRequested",
          kinds: ["front", "selfie"]
        })
        assert.notInclude(yield* dump("assure_audit"), "blurred")
        // The provider's status stays.
        assert.strictEqual(
          (yield* (yield* Processes.Processes).get(tenantA, dossierId, processId)).status,
          "inconclusive"
        )
        // New photos through the retake's capture: a new process on the same dossier.
        yield* captures.addFile(token, "front", photo())
        yield* captures.addFile(token, "selfie", photo(480, 640))
        const submitted = yield* captures.submit(token, () => Effect.succeed(`${publicUrl}/callbacks/sandbox`))
        assert.strictEqual(submitted.dossierId, dossierId)
        assert.notStrictEqual(submitted.processes[0]?.processId, processId)
      }).pipe(Effect.provide(reviewsLayer(database())))
    )

    it.live("the queue lists unreviewed inconclusive processes, oldest first, with filters", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const first = yield* inconclusiveProcess
        const second = yield* inconclusiveProcess
        const queued = yield* reviews.queue(tenantA, {})
        // Oldest first (processes made in the same second, as these, in the order of their ids).
        const order = (a: Reviews.QueueEntry, b: Reviews.QueueEntry) =>
          a.createdAt === b.createdAt ? (a.processId < b.processId ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1
        assert.deepStrictEqual(queued, [...queued].sort(order))
        assert.sameMembers(
          queued.map((entry) => entry.processId),
          [first.processId, second.processId]
        )
        assert.strictEqual(queued[0]?.country, "PRT")
        assert.strictEqual(queued[0]?.provider, "sandbox")
        assert.strictEqual((yield* reviews.queue(tenantA, { country: "PRT", limit: 1 })).length, 1)
        assert.deepStrictEqual(yield* reviews.queue(tenantA, { country: "NOR" }), [])
        assert.deepStrictEqual(yield* reviews.queue(tenantA, { provider: "onfido" }), [])
        assert.deepStrictEqual(yield* reviews.queue(tenantA, { statuses: ["accepted"] }), [])
        assert.deepStrictEqual(yield* reviews.queue(tenantA, { createdBefore: "2000-01-01T00:00:00Z" as never }), [])
        yield* reviews.claim(tenantA, first.dossierId, first.processId, ana)
        const review = yield* reviews.decide(
          tenantA,
          first.dossierId,
          first.processId,
          ana,
          { decision: "approved" },
          links
        )
        assert.deepStrictEqual(
          (yield* reviews.queue(tenantA, {})).map((entry) => entry.processId),
          [second.processId]
        )
        const reviewed = yield* reviews.queue(tenantA, { reviewed: true })
        assert.deepStrictEqual(
          reviewed.map((entry) => entry.review),
          [review]
        )
      }).pipe(Effect.provide(reviewsLayer(database())))
    )

    it.live("a store upgraded to the review queue's index keeps the cases decided before out of the queue", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const sql = yield* SqlClient.SqlClient
        const decided = yield* inconclusiveProcess
        const open = yield* inconclusiveProcess
        yield* reviews.claim(tenantA, decided.dossierId, decided.processId, ana)
        yield* reviews.decide(tenantA, decided.dossierId, decided.processId, ana, { decision: "approved" }, links)
        // The store as migration 0009 left it: no flag, no index, 0010 not recorded; then the migrations run again.
        yield* sql`DROP INDEX assure_processes_review_queue`
        yield* sql`ALTER TABLE assure_processes DROP COLUMN reviewed`
        yield* sql`DELETE FROM assure_migrations WHERE migration_id = 10`
        yield* Migrations.run
        assert.deepStrictEqual(
          (yield* reviews.queue(tenantA, {})).map((entry) => entry.processId),
          [open.processId]
        )
        assert.deepStrictEqual(
          (yield* reviews.queue(tenantA, { reviewed: true })).map((entry) => entry.processId),
          [decided.processId]
        )
      }).pipe(Effect.provide(reviewsLayer(database())))
    )

    it.live("the audit trail outlives the dossier, without its note, and is purged after its own retention", () =>
      Effect.gen(function* () {
        const reviews = yield* Reviews.Reviews
        const sql = yield* SqlClient.SqlClient
        const { dossierId, processId } = yield* inconclusiveProcess
        yield* reviews.audit({ tenant: tenantA, actor: ana, action: "viewed", dossierId, processId })
        yield* reviews.claim(tenantA, dossierId, processId, ana)
        yield* reviews.decide(
          tenantA,
          dossierId,
          processId,
          ana,
          { decision: "rejected", reason: "other", note: secretNote },
          links
        )
        yield* (yield* Dossiers.Dossiers).delete(tenantA, dossierId)
        assert.strictEqual(yield* count("assure_reviews"), 0)
        assert.strictEqual(yield* count("assure_claims"), 0)
        assert.deepStrictEqual(
          (yield* reviews.auditTrail(tenantA, { processId })).map((entry) => entry.action),
          ["decided", "claimed", "viewed"]
        )
        assert.notInclude(yield* dump("assure_audit"), "987654321")
        // A sign-in without a tenant is kept too, but no tenant's trail shows it.
        yield* reviews.audit({ tenant: null, actor: ben, action: "signInRefused" })
        assert.strictEqual(yield* count("assure_audit"), 4)
        // An entry past the retention (400 days by default) goes with the next purge; the others stay.
        yield* sql`UPDATE assure_audit SET at = ${"2020-01-01T00:00:00Z"} WHERE action = ${"viewed"}`
        assert.strictEqual(yield* Retention.purgeAudit, 1)
        assert.deepStrictEqual(
          (yield* reviews.auditTrail(tenantA, {})).map((entry) => entry.action),
          ["decided", "claimed"]
        )
        assert.strictEqual(yield* count("assure_audit"), 3)
        const since = yield* reviews.auditTrail(tenantA, { since: "2999-01-01T00:00:00Z" as never })
        assert.deepStrictEqual(since, [])
      }).pipe(Effect.provide(reviewsLayer(database())))
    )
  })
}
