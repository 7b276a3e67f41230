/**
 * Reviews: what a human decides about a process, beside what its provider decided. The provider's status is never
 * changed (final is final): a decision is a **review record** on the process — `approved`, `rejected` with a reason
 * code from `EngineConfig.review.rejectionReasons`, or `retakeRequested` with what to capture again — with who decided,
 * when and why. Any process can be reviewed, once; `inconclusive` ones form the queue.
 *
 * - `queue` lists a tenant's processes to review (by default `inconclusive` ones not yet reviewed), oldest first, with
 *   filters (statuses, provider, age, the dossier's country) and each one's current claim.
 * - `claim` gives a reviewer a process for `EngineConfig.review.claimFor` (renewed by claiming again), so that two
 *   reviewers do not decide the same one; `release` gives it back.
 * - `decide` records the decision exactly once, under the reviewer's unexpired claim, and notifies the client like a
 *   process change (the callback, and a signed `process.reviewed` event); a retake starts a new hosted capture on the
 *   same dossier for the process's provider and process type, whose link goes in the review and the notification. All
 *   of it in one transaction: a refused or lost decision stores nothing.
 * - The audit trail records who viewed, claimed, released and decided what (the engine records claims, releases and
 *   decisions itself; the application records views and sign-ins with `audit`). It holds ids, decisions and reason
 *   codes only, never the note or other personal data, has no link to the dossiers it names, and is kept for
 *   `EngineConfig.review.auditRetention` whatever the dossiers' retention (`Retention.purgeAudit`).
 *
 * Every operation is scoped to one tenant: another tenant's process is `NotFound`.
 *
 * @since 0.2.0
 */
import { ProcessStatus, Review, type Timestamp } from "@assure/core"
import type { ProviderRegistry } from "@assure/provider"
import { Array as Arr, Context, Data, Effect, Layer, type Redacted, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import { Captures } from "./Captures.js"
import type { CircuitBreaker } from "./CircuitBreaker.js"
import { Conflict, InvalidInput, NotFound } from "./EngineError.js"
import type { FileStore } from "./FileStore.js"
import { lockDossier } from "./internal/locking.js"
import { makeProcessKit } from "./internal/processKit.js"
import { type ReviewRow, reviewOfRow, sealText } from "./internal/reviewRecords.js"
import { bytesOf } from "./internal/rows.js"
import { userDataContext } from "./internal/sealing.js"
import { later, newId, now, storedIdentityData } from "./internal/shared.js"
import type { Lifecycle } from "./Lifecycle.js"
import type { OutboundPolicy } from "./OutboundPolicy.js"
import type { PersonalDataCipher } from "./PersonalDataCipher.js"
import type { TenantId } from "./Tenant.js"

/** Who acts: a reviewer's (or an operator's) id and name. @since 0.2.0 */
export interface Reviewer {
  readonly id: string
  readonly name: string
}

/** What a reviewer decides. @since 0.2.0 */
export type Decision = "approved" | "rejected" | "retakeRequested"

/** A decision, as a reviewer gives it. @since 0.2.0 */
export interface DecideInput {
  readonly decision: Decision
  /** rejected: a code from EngineConfig.review.rejectionReasons (required); retakeRequested: why, free text (required) */
  readonly reason?: string | undefined
  /** free text, at most 2000 characters; required when the rejection reason is "other" */
  readonly note?: string | undefined
  /** retakeRequested: what to capture again, a non-empty subset of front, back, selfie */
  readonly kinds?: ReadonlyArray<"front" | "back" | "selfie"> | undefined
}

/** What a retake's capture link needs from the application, which knows its public URL. @since 0.2.0 */
export interface RetakeLinks {
  /** The capture page URL of a new capture token (the server knows its public URL: `Captures.pageUrl(base, token)`). */
  readonly captureUrlFor: (token: Redacted.Redacted<string>) => string
  /** Where the end-user lands after a retake capture when the process has no client redirect URL. */
  readonly fallbackRedirectUrl: string
}

/** A reviewer's claim on a process: theirs to decide until it expires. @since 0.2.0 */
export interface Claim {
  readonly reviewer: Reviewer
  readonly claimedAt: Timestamp.Timestamp
  readonly expiresAt: Timestamp.Timestamp
}

/** Which processes the queue lists. @since 0.2.0 */
export interface QueueFilter {
  /** Default `["inconclusive"]`. */
  readonly statuses?: ReadonlyArray<ProcessStatus.ProcessStatus> | undefined
  readonly provider?: string | undefined
  /** Only processes created before this instant: the age filter. */
  readonly createdBefore?: Timestamp.Timestamp | undefined
  /** ISO 3166-1 alpha-3: the dossier userData's issuingCountry or nationality. */
  readonly country?: string | undefined
  /** Default false: only processes without a review; true: only reviewed ones. */
  readonly reviewed?: boolean | undefined
  /** Default 50, at most 200. */
  readonly limit?: number | undefined
}

/** A process in the queue. @since 0.2.0 */
export interface QueueEntry {
  readonly processId: string
  readonly dossierId: string
  readonly provider: string
  readonly processType: string
  readonly status: ProcessStatus.ProcessStatus
  readonly createdAt: Timestamp.Timestamp
  readonly updatedAt: Timestamp.Timestamp
  /** The dossier userData's issuingCountry, or else its nationality. */
  readonly country?: string | undefined
  /** The current claim, if one has not expired. */
  readonly claim?: Claim | undefined
  readonly review?: Review.Review | undefined
}

/** What the audit trail records. @since 0.2.0 */
export type AuditAction = "viewed" | "claimed" | "released" | "decided" | "signedIn" | "signedOut" | "signInRefused"

/** One entry of the audit trail: ids, decisions and reason codes, never personal data. @since 0.2.0 */
export interface AuditEntry {
  readonly id: string
  /** Null for sign-in events without a tenant. */
  readonly tenant: string | null
  readonly at: Timestamp.Timestamp
  readonly actor: Reviewer
  readonly action: AuditAction
  readonly dossierId?: string | undefined
  readonly processId?: string | undefined
  readonly detail?: { readonly [key: string]: Schema.Json } | undefined
}

/** Which audit entries `auditTrail` answers, newest first. @since 0.2.0 */
export interface AuditFilter {
  readonly processId?: string | undefined
  readonly actorId?: string | undefined
  /** Only entries at or after this instant. */
  readonly since?: Timestamp.Timestamp | undefined
  /** Default 100, at most 1000. */
  readonly limit?: number | undefined
}

/** The rejection reason that needs a note saying what it is. @since 0.2.0 */
export const otherReason = "other"

/** The longest note (and retake reason) a reviewer may write, in characters. @since 0.2.0 */
export const maxNoteLength = 2000

/** The review operations. @since 0.2.0 */
export class Reviews extends Context.Service<
  Reviews,
  {
    readonly queue: (tenant: TenantId, filter: QueueFilter) => Effect.Effect<ReadonlyArray<QueueEntry>>
    /** Takes (or renews) the claim; Conflict when another reviewer holds an unexpired one or the process is reviewed. */
    readonly claim: (
      tenant: TenantId,
      dossierId: string,
      processId: string,
      reviewer: Reviewer
    ) => Effect.Effect<Claim, NotFound | Conflict>
    /** Gives the reviewer's claim back (nothing when they hold none). */
    readonly release: (
      tenant: TenantId,
      dossierId: string,
      processId: string,
      reviewer: Reviewer
    ) => Effect.Effect<void, NotFound>
    /**
     * Records the decision exactly once (a second one, or one without this reviewer's unexpired claim, is Conflict;
     * bad input is InvalidInput with invalidParams), notifies the client like a process change (callback payload
     * {dossierId, processId, status, review} and a signed `process.reviewed` event), and for retakeRequested starts a
     * new capture on the same dossier for the process's provider and process type (Captures.start; redirect = the
     * process's client redirect URL or links.fallbackRedirectUrl; the process's notification URL) whose link goes in
     * the review and the notification. The provider's status is never changed. All in one transaction; nothing
     * half-written on failure.
     */
    readonly decide: (
      tenant: TenantId,
      dossierId: string,
      processId: string,
      reviewer: Reviewer,
      input: DecideInput,
      links: RetakeLinks
    ) => Effect.Effect<Review.Review, NotFound | InvalidInput | Conflict>
    /** The process's unexpired claim; undefined when nobody holds one (for a case's page). */
    readonly claimOf: (
      tenant: TenantId,
      dossierId: string,
      processId: string
    ) => Effect.Effect<Claim | undefined, NotFound>
    /** The process's review; undefined when it has none. */
    readonly reviewOf: (
      tenant: TenantId,
      dossierId: string,
      processId: string
    ) => Effect.Effect<Review.Review | undefined, NotFound>
    /**
     * Appends to the audit trail (tenant null for sign-in events without a tenant). Never personal data in detail:
     * ids, decision, reason code only — the free-text note stays in the review, which goes with its dossier.
     */
    readonly audit: (entry: Omit<AuditEntry, "id" | "at">) => Effect.Effect<void>
    /** The tenant's audit entries, newest first. */
    readonly auditTrail: (tenant: TenantId, filter: AuditFilter) => Effect.Effect<ReadonlyArray<AuditEntry>>
  }
>()("@assure/engine/Reviews") {}

interface ClaimRow {
  readonly process_id: string
  readonly tenant_id: string
  readonly reviewer_id: string
  readonly reviewer_name: string
  readonly claimed_at: string
  readonly expires_at: string
}

interface AuditRow {
  readonly id: string
  readonly tenant_id: string | null
  readonly at: string
  readonly actor_id: string
  readonly actor_name: string
  readonly action: string
  readonly dossier_id: string | null
  readonly process_id: string | null
  readonly detail: string | null
}

interface QueueRow {
  readonly id: string
  readonly dossier_id: string
  readonly provider: string
  readonly process_type: string
  readonly status: string
  readonly created_at: string
  readonly updated_at: string
  readonly user_data: Uint8Array | null
  readonly claim_reviewer_id: string | null
  readonly claim_reviewer_name: string | null
  readonly claim_claimed_at: string | null
  readonly claim_expires_at: string | null
  readonly review_id: string | null
}

/** A transaction's way out when the decision cannot be recorded: everything it wrote rolls back. */
class Refused extends Data.TaggedError("Refused")<{ readonly error: NotFound | InvalidInput | Conflict }> {}

const retakeKinds: ReadonlyArray<string> = Review.RetakeKind.literals
const decisions: ReadonlyArray<string> = Review.Decision.literals
const decodeDetail = Schema.decodeUnknownSync(Schema.fromJsonString(Schema.Record(Schema.String, Schema.Json)))

const claimOf = (row: ClaimRow): Claim => ({
  reviewer: { id: row.reviewer_id, name: row.reviewer_name },
  claimedAt: row.claimed_at as Timestamp.Timestamp,
  expiresAt: row.expires_at as Timestamp.Timestamp
})

const auditOf = (row: AuditRow): AuditEntry => ({
  id: row.id,
  tenant: row.tenant_id,
  at: row.at as Timestamp.Timestamp,
  actor: { id: row.actor_id, name: row.actor_name },
  action: row.action as AuditAction,
  ...(row.dossier_id === null ? {} : { dossierId: row.dossier_id }),
  ...(row.process_id === null ? {} : { processId: row.process_id }),
  ...(row.detail === null ? {} : { detail: decodeDetail(row.detail) })
})

/** Every bad field of a decision at once, before anything is stored. */
const checkInput = (input: DecideInput, reasons: ReadonlyArray<string>) => {
  const params: Array<{ name: string; reason: string }> = []
  const bad = (name: string, reason: string) => params.push({ name, reason })
  if (!decisions.includes(input.decision)) bad("decision", `must be one of ${decisions.join(", ")}`)
  if (input.note !== undefined && (input.note.trim().length === 0 || input.note.length > maxNoteLength)) {
    bad("note", `must be 1 to ${maxNoteLength} characters`)
  }
  if (input.decision === "rejected") {
    if (input.reason === undefined || !reasons.includes(input.reason)) {
      bad("reason", `a rejection needs one of ${reasons.join(", ")}`)
    } else if (input.reason === otherReason && input.note === undefined) {
      bad("note", `a rejection for "${otherReason}" needs a note saying why`)
    }
  }
  if (input.decision === "retakeRequested") {
    if (input.reason === undefined || input.reason.trim().length === 0 || input.reason.length > maxNoteLength) {
      bad("reason", `a retake needs a reason for the end-user, 1 to ${maxNoteLength} characters`)
    }
    const kinds = input.kinds ?? []
    if (kinds.length === 0 || kinds.some((kind) => !retakeKinds.includes(kind)) || new Set(kinds).size < kinds.length) {
      bad("kinds", `a retake names what to capture again: some of ${retakeKinds.join(", ")}, each once`)
    }
  } else if (input.kinds !== undefined) {
    bad("kinds", "only a retake names what to capture again")
  }
  if (input.decision === "approved" && input.reason !== undefined) {
    bad("reason", "an approval takes no reason (write a note)")
  }
  return params.length === 0
    ? Effect.void
    : Effect.fail(new InvalidInput({ detail: "The decision is not valid", invalidParams: params }))
}

let auditSequence = 0

/**
 * A new audit entry's id, sorting in the order entries were made (their `at` is only to the second): the time in
 * milliseconds, this process's sequence number, and random bits — as a UUIDv7 orders by time.
 */
const auditId = () => {
  auditSequence = (auditSequence + 1) % 0x10000
  const random = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (byte) =>
    byte.toString(16).padStart(2, "0")
  ).join("")
  return `${Date.now().toString(16).padStart(12, "0")}${auditSequence.toString(16).padStart(4, "0")}${random}`
}

/** Clamps a requested page size. */
const pageSize = (limit: number | undefined, fallback: number, max: number) =>
  limit === undefined || !Number.isFinite(limit) ? fallback : Math.min(max, Math.max(1, Math.floor(limit)))

/**
 * The review operations over effect/sql; a retake's capture is started with {@link Captures}.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<
  Reviews,
  never,
  | SqlClient.SqlClient
  | PersonalDataCipher
  | FileStore
  | ProviderRegistry.ProviderRegistry
  | OutboundPolicy
  | Lifecycle
  | CircuitBreaker
  | Captures
> = Layer.effect(
  Reviews,
  Effect.gen(function* () {
    const { sql, cipher, lifecycle, settings, findRow, notificationsFor } = yield* makeProcessKit
    const captures = yield* Captures

    const insertAudit = (entry: Omit<AuditEntry, "id" | "at">, at: Timestamp.Timestamp) =>
      sql`INSERT INTO assure_audit ${sql.insert({
        id: auditId(),
        tenant_id: entry.tenant,
        at,
        actor_id: entry.actor.id,
        actor_name: entry.actor.name,
        action: entry.action,
        dossier_id: entry.dossierId ?? null,
        process_id: entry.processId ?? null,
        detail: entry.detail === undefined ? null : JSON.stringify(entry.detail)
      })}`

    const reviewRowOf = (processId: string) =>
      Effect.map(
        sql<ReviewRow>`SELECT * FROM assure_reviews WHERE process_id = ${processId}`.pipe(Effect.orDie),
        (rows) => rows[0]
      )

    /** Country of a dossier's sealed userData: its issuingCountry, or else its nationality. */
    const countriesOf = (row: QueueRow) =>
      Effect.gen(function* () {
        const sealed = bytesOf(row.user_data)
        if (sealed === null) return []
        const userData = storedIdentityData(
          yield* Effect.orDie(cipher.openJson(sealed, userDataContext(row.dossier_id)))
        )
        return [userData.issuingCountry, userData.nationality].filter((country) => country !== undefined)
      })

    const queue = Effect.fn("Reviews.queue")(function* (tenant: TenantId, filter: QueueFilter) {
      const timestamp = yield* now
      const limit = pageSize(filter.limit, 50, 200)
      const statuses = (filter.statuses ?? ["inconclusive"]).filter((status) => ProcessStatus.values.includes(status))
      if (statuses.length === 0) return []
      const entries: Array<QueueEntry> = []
      let after: { readonly createdAt: string; readonly id: string } | undefined
      // Oldest first, a batch at a time: the country is in the dossier's sealed userData, so it is filtered here.
      for (;;) {
        const rows = yield* sql<QueueRow>`
          SELECT p.id, p.dossier_id, p.provider, p.process_type, p.status, p.created_at, p.updated_at, d.user_data,
                 c.reviewer_id AS claim_reviewer_id, c.reviewer_name AS claim_reviewer_name,
                 c.claimed_at AS claim_claimed_at, c.expires_at AS claim_expires_at, r.id AS review_id
          FROM assure_processes p
          JOIN assure_dossiers d ON d.id = p.dossier_id
          LEFT JOIN assure_claims c ON c.process_id = p.id AND c.expires_at > ${timestamp}
          LEFT JOIN assure_reviews r ON r.process_id = p.id
          WHERE p.tenant_id = ${tenant} AND ${sql.in("p.status", statuses)}
            ${filter.provider === undefined ? sql`` : sql`AND p.provider = ${filter.provider}`}
            ${filter.createdBefore === undefined ? sql`` : sql`AND p.created_at < ${filter.createdBefore}`}
            AND p.reviewed = ${filter.reviewed === true ? 1 : 0}
            ${
              after === undefined
                ? sql``
                : sql`AND (p.created_at > ${after.createdAt} OR (p.created_at = ${after.createdAt} AND p.id > ${after.id}))`
            }
          ORDER BY p.created_at, p.id
          LIMIT ${limit}`.pipe(Effect.orDie)
        for (const row of rows) {
          const countries = yield* countriesOf(row)
          if (filter.country !== undefined && !countries.includes(filter.country as never)) continue
          const reviewRow = row.review_id === null ? undefined : yield* reviewRowOf(row.id)
          entries.push({
            processId: row.id,
            dossierId: row.dossier_id,
            provider: row.provider,
            processType: row.process_type,
            status: row.status as ProcessStatus.ProcessStatus,
            createdAt: row.created_at as Timestamp.Timestamp,
            updatedAt: row.updated_at as Timestamp.Timestamp,
            ...(countries[0] === undefined ? {} : { country: countries[0] }),
            ...(row.claim_reviewer_id === null
              ? {}
              : {
                  claim: {
                    reviewer: { id: row.claim_reviewer_id, name: row.claim_reviewer_name ?? "" },
                    claimedAt: (row.claim_claimed_at ?? "") as Timestamp.Timestamp,
                    expiresAt: (row.claim_expires_at ?? "") as Timestamp.Timestamp
                  }
                }),
            ...(reviewRow === undefined ? {} : { review: yield* reviewOfRow(cipher, reviewRow) })
          })
          if (entries.length === limit) return entries
        }
        const last = rows[rows.length - 1]
        if (rows.length < limit || last === undefined) return entries
        after = { createdAt: last.created_at, id: last.id }
      }
    })

    return Reviews.of({
      queue,

      claim: Effect.fn("Reviews.claim")(function* (tenant, dossierId, processId, reviewer) {
        const row = yield* findRow(tenant, dossierId, processId)
        if ((yield* reviewRowOf(row.id)) !== undefined) {
          return yield* new Conflict({ detail: "The process has been reviewed already" })
        }
        const timestamp = yield* now
        const expiresAt = later(timestamp, settings.review.claimFor)
        // One statement: a new claim, the reviewer's own renewed, or an expired one taken over — else another's.
        const claimed = yield* sql<ClaimRow>`
          INSERT INTO assure_claims ${sql.insert({
            process_id: row.id,
            tenant_id: tenant,
            reviewer_id: reviewer.id,
            reviewer_name: reviewer.name,
            claimed_at: timestamp,
            expires_at: expiresAt
          })}
          ON CONFLICT (process_id) DO UPDATE
          SET reviewer_id = excluded.reviewer_id, reviewer_name = excluded.reviewer_name,
              claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
          WHERE assure_claims.reviewer_id = excluded.reviewer_id OR assure_claims.expires_at <= ${timestamp}
          RETURNING *`.pipe(
          // The process was deleted meanwhile (with its dossier): the foreign key refuses the claim.
          Effect.catch(() => Effect.fail(new NotFound({ resource: "process", id: processId })))
        )
        const taken = claimed[0]
        if (taken === undefined) {
          return yield* new Conflict({ detail: "Another reviewer is working on this process" })
        }
        yield* insertAudit(
          { tenant, actor: reviewer, action: "claimed", dossierId: row.dossier_id, processId: row.id },
          timestamp
        ).pipe(Effect.orDie)
        return claimOf(taken)
      }),

      release: Effect.fn("Reviews.release")(function* (tenant, dossierId, processId, reviewer) {
        const row = yield* findRow(tenant, dossierId, processId)
        const released = yield* sql<{ process_id: string }>`
          DELETE FROM assure_claims WHERE process_id = ${row.id} AND reviewer_id = ${reviewer.id}
          RETURNING process_id`.pipe(Effect.orDie)
        if (released.length > 0) {
          yield* insertAudit(
            { tenant, actor: reviewer, action: "released", dossierId: row.dossier_id, processId: row.id },
            yield* now
          ).pipe(Effect.orDie)
        }
      }),

      decide: Effect.fn("Reviews.decide")(function* (tenant, dossierId, processId, reviewer, input, links) {
        const row = yield* findRow(tenant, dossierId, processId)
        yield* checkInput(input, settings.review.rejectionReasons)
        const timestamp = yield* now
        const reviewId = newId()
        const refuse = (error: NotFound | InvalidInput | Conflict) => Effect.fail(new Refused({ error }))
        const recorded = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              // The dossier's lock first (internal/locking.ts): decisions on one dossier take turns, and none lands
              // on a dossier being deleted.
              if (!(yield* lockDossier(sql, row.dossier_id, tenant))) {
                return yield* refuse(new NotFound({ resource: "process", id: processId }))
              }
              if ((yield* sql<{ id: string }>`SELECT id FROM assure_reviews WHERE process_id = ${row.id}`).length > 0) {
                return yield* refuse(new Conflict({ detail: "The process has been reviewed already" }))
              }
              const held = yield* sql<{ process_id: string }>`
                SELECT process_id FROM assure_claims
                WHERE process_id = ${row.id} AND reviewer_id = ${reviewer.id} AND expires_at > ${timestamp}`
              if (held.length === 0) {
                return yield* refuse(
                  new Conflict({ detail: "Claim the process before deciding: your claim is missing or has expired" })
                )
              }
              // A retake: a new capture on the same dossier, in this transaction, so a refused decision leaves none.
              const retake =
                input.decision === "retakeRequested"
                  ? yield* captures
                      .start(tenant, row.dossier_id, {
                        providers: [{ provider: row.provider, processType: row.process_type }],
                        redirectUrl: row.client_redirect_url ?? links.fallbackRedirectUrl,
                        ...(row.notification_url === null ? {} : { notificationUrl: row.notification_url }),
                        retake: { kinds: input.kinds ?? [], reason: input.reason ?? "" }
                      })
                      .pipe(
                        Effect.map((started) => ({
                          kinds: [...(input.kinds ?? [])],
                          captureUrl: links.captureUrlFor(started.token),
                          expiresAt: started.expiresAt
                        })),
                        Effect.catch((error) =>
                          refuse(
                            error._tag === "NotFound"
                              ? new NotFound({ resource: "process", id: processId })
                              : new Conflict({
                                  detail: `A retake cannot be captured for this process: ${
                                    error._tag === "InvalidInput"
                                      ? error.invalidParams.map((param) => param.reason).join("; ")
                                      : error.message
                                  }`
                                })
                          )
                        )
                      )
                  : undefined
              const reviewRow: ReviewRow = {
                id: reviewId,
                tenant_id: tenant,
                dossier_id: row.dossier_id,
                process_id: row.id,
                decision: input.decision,
                reason: input.reason ?? null,
                note: yield* sealText(cipher, input.note, reviewId, "note"),
                retake_kinds: retake === undefined ? null : JSON.stringify(retake.kinds),
                retake_url: yield* sealText(cipher, retake?.captureUrl, reviewId, "retake_url"),
                retake_expires_at: retake?.expiresAt ?? null,
                reviewer_id: reviewer.id,
                reviewer_name: reviewer.name,
                decided_at: timestamp
              }
              // Exactly once: of two decisions at once, one inserts, the other finds the process reviewed.
              const inserted = yield* sql<{ id: string }>`
                INSERT INTO assure_reviews ${sql.insert({ ...reviewRow })}
                ON CONFLICT (process_id) DO NOTHING
                RETURNING id`
              if (inserted.length === 0) {
                return yield* refuse(new Conflict({ detail: "The process has been reviewed already" }))
              }
              yield* sql`UPDATE assure_processes SET reviewed = 1 WHERE id = ${row.id}`
              yield* sql`DELETE FROM assure_claims WHERE process_id = ${row.id}`
              const review = yield* reviewOfRow(cipher, reviewRow)
              // The client hears of it like a process change, with the review — but not its note, which notifications
              // would keep unsealed: the client reads it on the process.
              const { note: _note, ...told } = Schema.encodeSync(Review.Review)(review)
              const queued = notificationsFor(
                row,
                row.status as ProcessStatus.ProcessStatus,
                timestamp,
                row.fallback_to,
                {
                  eventName: "process.reviewed",
                  data: { review: told }
                }
              )
              const queuedRows = queued.map((notification): Record<string, unknown> => ({ ...notification }))
              if (Arr.isReadonlyArrayNonEmpty(queuedRows)) {
                yield* sql`INSERT INTO assure_notifications ${sql.insert(queuedRows)}`
              }
              // The audit: ids, the decision and a rejection's reason code — never the note or a retake's free text.
              yield* insertAudit(
                {
                  tenant,
                  actor: reviewer,
                  action: "decided",
                  dossierId: row.dossier_id,
                  processId: row.id,
                  detail: {
                    reviewId,
                    decision: input.decision,
                    ...(input.decision === "rejected" && input.reason !== undefined ? { reason: input.reason } : {}),
                    ...(retake === undefined ? {} : { kinds: retake.kinds })
                  }
                },
                timestamp
              )
              return { review, queued }
            })
          )
          .pipe(
            Effect.catchTag("Refused", (refused) => Effect.fail(refused.error)),
            Effect.catchTag("SqlError", (error) => Effect.die(error))
          )
        yield* lifecycle.queued(
          recorded.queued.map((notification) => ({ row: notification, authorization: row.authorization_header }))
        )
        return recorded.review
      }),

      claimOf: Effect.fn("Reviews.claimOf")(function* (tenant, dossierId, processId) {
        const row = yield* findRow(tenant, dossierId, processId)
        const claims = yield* sql<ClaimRow>`
          SELECT * FROM assure_claims WHERE process_id = ${row.id} AND expires_at > ${yield* now}`.pipe(Effect.orDie)
        const held = claims[0]
        return held === undefined ? undefined : claimOf(held)
      }),

      reviewOf: Effect.fn("Reviews.reviewOf")(function* (tenant, dossierId, processId) {
        const row = yield* findRow(tenant, dossierId, processId)
        const reviewRow = yield* reviewRowOf(row.id)
        return reviewRow === undefined ? undefined : yield* reviewOfRow(cipher, reviewRow)
      }),

      audit: Effect.fn("Reviews.audit")(function* (entry) {
        yield* insertAudit(entry, yield* now).pipe(Effect.orDie)
      }),

      auditTrail: Effect.fn("Reviews.auditTrail")(function* (tenant, filter) {
        const rows = yield* sql<AuditRow>`
          SELECT * FROM assure_audit
          WHERE tenant_id = ${tenant}
            ${filter.processId === undefined ? sql`` : sql`AND process_id = ${filter.processId}`}
            ${filter.actorId === undefined ? sql`` : sql`AND actor_id = ${filter.actorId}`}
            ${filter.since === undefined ? sql`` : sql`AND at >= ${filter.since}`}
          ORDER BY at DESC, id DESC
          LIMIT ${pageSize(filter.limit, 100, 1000)}`.pipe(Effect.orDie)
        return rows.map(auditOf)
      })
    })
  })
)
