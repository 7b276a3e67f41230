/**
 * Reviews over the API (an assure extension): a process's `review` beside its provider's status, on the process and
 * in the dossier's list; the audit trail at `GET /assure/audit`, for administrative clients only, strict with its
 * query, each client's own; and the review settings.
 */
import { Duration, Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadWith } from "./support/config.js"
import { withDatabase } from "./support/database.js"
import { apiClient, clients, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

type Client = Awaited<ReturnType<typeof apiClient>>

onEachStore("reviews over the API", (store) => {
  let server: Running
  let alpha: Client
  let beta: Client
  let dossierId: string
  let processId: string

  beforeAll(async () => {
    server = await startServer({ ...(await store()), adminClients: [clients.alpha.id] })
    alpha = await apiClient(server, clients.alpha)
    beta = await apiClient(server, clients.beta)
    const dossier = await alpha.call("POST", "/assure/dossiers", {})
    dossierId = (dossier.json as { dossierId: string }).dossierId
    const process = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider: "sandbox",
      processType: "document"
    })
    processId = (process.json as { processId: string }).processId
    // A decision as the engine records it (the engine's own suite covers claims, decisions and retakes), and the
    // audit entries of two tenants.
    await withDatabase(server, (sql) =>
      Effect.gen(function* () {
        yield* sql`INSERT INTO assure_reviews ${sql.insert({
          id: "review-1",
          tenant_id: clients.alpha.id,
          dossier_id: dossierId,
          process_id: processId,
          decision: "rejected",
          reason: "document_expired",
          note: null,
          retake_kinds: null,
          retake_url: null,
          retake_expires_at: null,
          reviewer_id: "ana",
          reviewer_name: "Ana Lima",
          decided_at: "2026-12-07T15:00:00Z"
        })}`
        const entry = (id: string, tenant: string, at: string, action: string, detail: unknown, about: boolean) => ({
          id,
          tenant_id: tenant,
          at,
          actor_id: tenant === clients.alpha.id ? "ana" : "bo",
          actor_name: tenant === clients.alpha.id ? "Ana Lima" : "Bo Berg",
          action,
          dossier_id: about ? dossierId : null,
          process_id: about ? processId : null,
          detail: detail === null ? null : JSON.stringify(detail)
        })
        yield* sql`INSERT INTO assure_audit ${sql.insert([
          entry("0001", clients.alpha.id, "2026-12-07T14:59:00Z", "claimed", null, true),
          entry(
            "0002",
            clients.alpha.id,
            "2026-12-07T15:00:00Z",
            "decided",
            { reviewId: "review-1", decision: "rejected", reason: "document_expired" },
            true
          ),
          entry("0003", clients.beta.id, "2026-12-07T15:01:00Z", "viewed", null, false)
        ])}`
      })
    )
  }, 60_000)

  afterAll(() => server?.stop())

  const review = {
    reviewId: "review-1",
    decision: "rejected",
    reason: "document_expired",
    reviewer: { id: "ana", name: "Ana Lima" },
    decidedAt: "2026-12-07T15:00:00Z"
  }

  it("shows the review beside the provider's status, on the process and in the dossier", async () => {
    const process = await alpha.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}`)
    expect(process.status).toBe(200)
    expect(process.json).toMatchObject({ processId, status: "pending", review })
    const dossier = await alpha.call("GET", `/assure/dossiers/${dossierId}`)
    expect((dossier.json as { processes: Array<unknown> }).processes[0]).toMatchObject({ processId, review })
    // Another client's process does not exist, review and all.
    expect((await beta.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}`)).status).toBe(404)
  })

  it("answers an administrative client its own audit entries, the newest first, with filters", async () => {
    const all = await alpha.call("GET", "/assure/audit")
    expect(all.status).toBe(200)
    expect(all.json).toEqual({
      entries: [
        {
          id: "0002",
          at: "2026-12-07T15:00:00Z",
          actor: { id: "ana", name: "Ana Lima" },
          action: "decided",
          dossierId,
          processId,
          detail: { reviewId: "review-1", decision: "rejected", reason: "document_expired" }
        },
        {
          id: "0001",
          at: "2026-12-07T14:59:00Z",
          actor: { id: "ana", name: "Ana Lima" },
          action: "claimed",
          dossierId,
          processId
        }
      ]
    })
    const latest = await alpha.call("GET", "/assure/audit?limit=1")
    expect((latest.json as { entries: Array<{ id: string }> }).entries.map((entry) => entry.id)).toEqual(["0002"])
    const since = await alpha.call("GET", "/assure/audit?since=2026-12-07T15:00:00Z")
    expect((since.json as { entries: Array<{ id: string }> }).entries.map((entry) => entry.id)).toEqual(["0002"])
    const other = await alpha.call("GET", "/assure/audit?processId=not-this-one")
    expect(other.json).toEqual({ entries: [] })
  })

  it("refuses other clients (403) and bad queries (400, naming the parameter)", async () => {
    const refused = await beta.call("GET", "/assure/audit")
    expect(refused.status).toBe(403)
    expect(refused.headers.get("content-type")).toContain("application/problem+json")
    expect(refused.json).toMatchObject({ status: 403, code: "insufficient_scope" })
    for (const query of ["limit=0", "limit=1001", "limit=ten", "since=yesterday", "actor=ana"]) {
      const bad = await alpha.call("GET", `/assure/audit?${query}`)
      expect(bad.status, query).toBe(400)
      expect(bad.json, query).toMatchObject({ status: 400, code: "invalid_request_parameter" })
    }
  })
})

describe("the review settings", () => {
  it("default to the standard reasons, 30 minutes and 400 days, and refuse what is out of range", async () => {
    const defaults = await loadWith({})
    if (Exit.isFailure(defaults)) throw new Error(String(defaults.cause))
    expect(defaults.value.review.rejectionReasons).toContain("document_expired")
    expect(Duration.toMinutes(defaults.value.review.claimFor)).toBe(30)
    expect(Duration.toDays(defaults.value.review.auditRetention)).toBe(400)
    const own = await loadWith({
      ASSURE_REVIEW_REJECTION_REASONS: "blurred, other",
      ASSURE_REVIEW_CLAIM_FOR: "1 hour",
      ASSURE_AUDIT_RETENTION: "730 days"
    })
    if (Exit.isFailure(own)) throw new Error(String(own.cause))
    expect(own.value.review.rejectionReasons).toEqual(["blurred", "other"])
    expect(Duration.toMinutes(own.value.review.claimFor)).toBe(60)
    expect(Duration.toDays(own.value.review.auditRetention)).toBe(730)
    for (const [setting, value] of [
      ["ASSURE_REVIEW_REJECTION_REASONS", "Blurred"],
      ["ASSURE_REVIEW_REJECTION_REASONS", "a,,b"],
      ["ASSURE_REVIEW_REJECTION_REASONS", "a,a"],
      ["ASSURE_REVIEW_CLAIM_FOR", "10 seconds"],
      ["ASSURE_AUDIT_RETENTION", "1 hour"]
    ] as const) {
      const exit = await loadWith({ [setting]: value })
      expect(Exit.isFailure(exit), `${setting}=${value}`).toBe(true)
      if (Exit.isFailure(exit)) {
        expect(exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error).toMatchObject({ setting })
      }
    }
  })
})
