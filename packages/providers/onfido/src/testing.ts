/**
 * Testing Onfido integrations offline: a simulator of Onfido's API v3.6, and helpers to drive it.
 *
 * The simulator is a stateful stand-in for `https://api.{region}.onfido.com/v3.6` on loopback (`127.0.0.1`, a free
 * port, base URL `http://127.0.0.1:<port>/v3.6`) for as long as its scope is open. It serves the endpoints the adapter
 * uses — `POST /applicants`, `POST /documents` and `POST /live_photos` (multipart), `POST /checks`, `GET /checks`,
 * `GET /checks/{id}`, `GET /reports`, `GET /reports/{id}`, `POST /workflow_runs` and `GET /workflow_runs/{id}` — with
 * Onfido's error bodies (`{ "error": { type, message, fields } }`) and an `X-Request-Id` on every answer. It refuses
 * an `Authorization` other than `Token token=<apiToken>` (401), bodies that break Onfido's rules (422
 * `validation_error` naming the fields: names with forbidden characters, unknown document types or countries, files
 * outside Onfido's documented sizes — documents 2 KB to 3 MB, live photos 32 KB to 10 MB — or types, checks without
 * the documents or live photo their reports need), and unknown ids (404 `resource_not_found`). It sends webhooks
 * signed with `X-SHA2-Signature` to `webhookUrl`.
 *
 * Checks follow Onfido's sandbox conventions: every report is `clear`, unless the applicant's last name is
 * `consider` (any case: every report `consider`), the check's `consider` lists the report, or its `sub_result`
 * picks the document report's sub-result (`rejected`, `suspected`, `caution`, `clear`). A document report that is
 * `consider` without a `sub_result` is `caution`; a facial similarity report that is `consider` fails its
 * `face_comparison`. A check is `in_progress` when created and `complete` at its first retrieval (or after
 * `completeAfter`, if set), when `report.completed` and `check.completed` webhooks are sent. A check tagged
 * {@link pendingTag} stays `in_progress` until `complete(id, outcome)`.
 *
 * A workflow run is `awaiting_input` with a hosted `link.url` — the simulator's stand-in for Onfido's hosted flow:
 * `GET {url}?outcome=approved` (or `declined`, `review`, `abandoned`, `error`) acts as the end-user and redirects to
 * the run's `completed_redirect_url`. `complete(id, outcome)` does the same from a test and returns the signed
 * `workflow_run.completed` webhook. An approved run also gets a complete check with a clear document report on its
 * applicant, as a Studio document task would leave.
 *
 * `failNext(failure)` makes the next API request fail the way Onfido fails: `unauthorized` (401), `rateLimited`
 * (429 with `Retry-After: 2`), `unavailable` (503), `timeout` (no answer until the simulator closes), `malformedJson`
 * and `schemaInvalid` (200 with a body the adapter cannot read).
 *
 * @example
 * ```ts
 * import { layerTest } from "@assure/onfido/testing"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * // The provider registered against a fresh simulator, which is provided too (`OnfidoSimulator`).
 * const TestProviders = layerTest({
 *   apiToken: Redacted.make("api_sandbox.test"),
 *   webhookToken: Redacted.make("webhook-token")
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { Country, Identifiers, IdentityData, ProcessType } from "@assure/core"
import type { IdentityProvider, ProviderRegistry } from "@assure/provider"
import { LoopbackServer } from "@assure/provider/testing"
import { Clock, Context, Duration, Effect, Layer, Redacted, Schema, Scope } from "effect"
import type { HttpClient } from "effect/http"
import { documentTypeWords } from "./internal/documentTypes.js"
import * as OnfidoClient from "./OnfidoClient.js"
import * as OnfidoProvider from "./OnfidoProvider.js"
import * as OnfidoWebhook from "./OnfidoWebhook.js"

/** A way the simulated Onfido can fail (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = "unauthorized" | "rateLimited" | "unavailable" | "timeout" | "malformedJson" | "schemaInvalid"

/**
 * How a check ends: `clear`; the document report's sub-result (`rejected`, `suspected`, `caution`); every report
 * `consider`; or `withdrawn`. @since 0.1.0
 */
export type CheckOutcome = "clear" | "consider" | "rejected" | "suspected" | "caution" | "withdrawn"

/** How a workflow run ends. @since 0.1.0 */
export type WorkflowRunOutcome = "approved" | "declined" | "review" | "abandoned" | "error"

/** How a check or workflow run ends. @since 0.1.0 */
export type Outcome = CheckOutcome | WorkflowRunOutcome

/** The check tag that keeps a check `in_progress` until `complete`. @since 0.1.0 */
export const pendingTag = "simulator:pending"

/** How the simulator is set up. @since 0.1.0 */
export interface Options {
  /** The only API token it accepts. */
  readonly apiToken: Redacted.Redacted<string>
  /** The webhook token it signs webhooks with. */
  readonly webhookToken: Redacted.Redacted<string>
  /** Where it POSTs webhooks as checks and workflow runs move; without it, webhooks are only returned by `complete`. */
  readonly webhookUrl?: string | undefined
  /** Completes checks by themselves this long after they are created (default: at their first retrieval only). */
  readonly completeAfter?: Duration.Input | undefined
}

/** A request the simulator received, for tests that check what the adapter sent. @since 0.1.0 */
export interface RecordedRequest {
  readonly method: string
  /** The path and query, as sent. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The body as text (multipart bodies as they were sent, with their boundaries). */
  readonly body: string
}

/** A running simulator. @since 0.1.0 */
export interface Simulator {
  /** Where it listens, for the client's `baseUrl`: `http://127.0.0.1:<port>/v3.6`. */
  readonly baseUrl: string
  /** Makes the next API request, whatever it is, fail this way. */
  readonly failNext: (failure: Failure) => Effect.Effect<void>
  /**
   * Ends a check (with a {@link CheckOutcome}) or a workflow run (with a {@link WorkflowRunOutcome}), and returns
   * (and delivers, with `webhookUrl`) the signed `check.completed` or `workflow_run.completed` webhook.
   */
  readonly complete: (id: string, outcome: Outcome) => Effect.Effect<IdentityProvider.WebhookRequest>
  /** Every API request received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
}

/** The simulator as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class OnfidoSimulator extends Context.Service<OnfidoSimulator, Simulator>()("@assure/onfido/Simulator") {}

interface StoredApplicant {
  readonly id: string
  readonly first_name: string
  readonly last_name: string
  readonly dob: string | null
  readonly created_at: string
}

interface StoredDocument {
  readonly id: string
  readonly applicant_id: string
  readonly type: string
  readonly side: string | null
  readonly issuing_country: string | null
  readonly file_name: string
  readonly file_type: string
  readonly file_size: number
  readonly created_at: string
}

interface StoredReport {
  readonly id: string
  readonly check_id: string
  readonly name: string
  readonly created_at: string
  readonly documents: ReadonlyArray<string>
  status: string
  result: string | null
  sub_result: string | null
}

interface StoredCheck {
  readonly id: string
  readonly applicant_id: string
  readonly created_at: string
  readonly tags: ReadonlyArray<string>
  readonly reports: ReadonlyArray<string>
  /** What the sandbox conventions say the check will end as. */
  readonly planned: CheckOutcome | "perReport"
  readonly consider: ReadonlyArray<string>
  readonly subResult: string | null
  status: OnfidoClient.CheckStatus
  result: "clear" | "consider" | null
}

interface StoredWorkflowRun {
  readonly id: string
  readonly workflow_id: string
  readonly applicant_id: string
  readonly created_at: string
  readonly tags: ReadonlyArray<string> | null
  readonly custom_data: unknown
  readonly completedRedirectUrl: string | null
  readonly sdk_token: string
  readonly expires_at: string
  status: OnfidoClient.WorkflowRunStatus
  updated_at: string
}

type Answer = { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> }

const onfidoError = (status: number, type: string, message: string, fields: Record<string, unknown> = {}): Answer => ({
  status,
  body: { error: { type, message, fields } }
})

const invalid = (fields: Record<string, ReadonlyArray<string>>): Answer =>
  onfidoError(422, "validation_error", "There was a validation error on this request", fields)

/** How the simulator answers each failure; `undefined` never answers. */
const failures: Record<Failure, Answer | undefined> = {
  unauthorized: onfidoError(401, "authorization_error", "Authorization error: please re-check your credentials"),
  rateLimited: {
    ...onfidoError(429, "rate_limit", "Rate limit exceeded. Please try again later"),
    headers: { "retry-after": "2" }
  },
  unavailable: onfidoError(503, "service_unavailable", "The service is temporarily unavailable"),
  timeout: undefined,
  malformedJson: { status: 200, body: '{"id": "' },
  schemaInvalid: { status: 200, body: { id: 42, status: "unheard-of" } }
}

const uuid = () => globalThis.crypto.randomUUID()

const namePattern = /^[^!#$%*=<>;{}"]*$/
const isoDate = /^\d{4}-\d{2}-\d{2}$/
const documentTypeSet = new Set<string>(documentTypeWords)
const reportNames = new Set<string>(OnfidoClient.ReportName.literals)
const subResults = new Set<string>(OnfidoClient.SubResult.literals)
const isOnfidoCountry = (code: string) => code === "RKS" || (Country.isCountry(code) && Country.isIso(code))
const acceptedFileTypes: Readonly<Record<string, string>> = {
  "image/jpeg": "jpg",
  "image/jpg": "jpg",
  "image/png": "png",
  "application/pdf": "pdf"
}
const checkOutcomes = new Set<string>(["clear", "consider", "rejected", "suspected", "caution", "withdrawn"])
const workflowRunOutcomes = new Set<string>(["approved", "declined", "review", "abandoned", "error"])

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
const isStringArray = (value: unknown): value is ReadonlyArray<string> =>
  Array.isArray(value) && value.every((item) => typeof item === "string")

/** The sample person of the simulated document report (the applicant's names, when they are not a magic value). */
const sample = {
  date_of_birth: "1990-01-01",
  date_of_expiry: "2031-05-28",
  issuing_date: "2021-05-28",
  gender: "Female",
  nationality: "GBR",
  issuing_country: "GBR",
  document_type: "passport",
  document_number: "999999999"
}

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Scope.Scope
    const applicants = new Map<string, StoredApplicant>()
    const documents = new Map<string, StoredDocument>()
    const livePhotos = new Map<
      string,
      {
        readonly id: string
        readonly applicant_id: string
        readonly file_name: string
        readonly file_type: string
        readonly file_size: number
        readonly created_at: string
      }
    >()
    const checks = new Map<string, StoredCheck>()
    const reports = new Map<string, StoredReport>()
    const workflowRuns = new Map<string, StoredWorkflowRun>()
    const recorded: Array<RecordedRequest> = []
    const armed: Array<Failure> = []
    let origin = ""
    const prefix = `/${OnfidoClient.apiVersion}`
    const href = (path: string) => `${prefix}${path}`

    const now = Effect.map(Clock.currentTimeMillis, (millis) =>
      new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")
    )

    // Wire shapes, as Onfido writes them.

    const wireApplicant = (applicant: StoredApplicant) => ({
      id: applicant.id,
      created_at: applicant.created_at,
      sandbox: true,
      first_name: applicant.first_name,
      last_name: applicant.last_name,
      email: null,
      dob: applicant.dob,
      delete_at: null,
      href: href(`/applicants/${applicant.id}`),
      id_numbers: [],
      phone_number: null,
      address: null,
      location: null
    })

    const wireDocument = (document: StoredDocument) => ({
      id: document.id,
      created_at: document.created_at,
      href: href(`/documents/${document.id}`),
      download_href: href(`/documents/${document.id}/download`),
      file_name: document.file_name,
      file_type: document.file_type,
      file_size: document.file_size,
      type: document.type,
      side: document.side,
      issuing_country: document.issuing_country,
      applicant_id: document.applicant_id
    })

    const wireCheck = (check: StoredCheck) => ({
      id: check.id,
      created_at: check.created_at,
      status: check.status,
      redirect_uri: null,
      result: check.result,
      sandbox: true,
      tags: check.tags,
      results_uri: `https://dashboard.onfido.com/checks/${check.id}`,
      form_uri: null,
      paused: false,
      version: "3.6",
      report_ids: check.reports,
      href: href(`/checks/${check.id}`),
      applicant_id: check.applicant_id,
      applicant_provides_data: false
    })

    /** The document report's extracted data: the applicant's names, the uploaded document's type and country. */
    const documentProperties = (report: StoredReport) => {
      const check = checks.get(report.check_id)
      const applicant = check === undefined ? undefined : applicants.get(check.applicant_id)
      const document = report.documents.map((id) => documents.get(id)).find((found) => found !== undefined)
      const type = document === undefined || document.type === "unknown" ? sample.document_type : document.type
      return {
        first_name: applicant?.first_name ?? "Jane",
        last_name: applicant?.last_name ?? "Doe",
        date_of_birth: applicant?.dob ?? sample.date_of_birth,
        date_of_expiry: sample.date_of_expiry,
        issuing_date: sample.issuing_date,
        gender: sample.gender,
        nationality: document?.issuing_country ?? sample.nationality,
        issuing_country: document?.issuing_country ?? sample.issuing_country,
        document_type: type,
        document_numbers: [{ type: "document_number", value: sample.document_number }]
      }
    }

    const breakdownResult = (report: StoredReport, key: string) => {
      if (report.result !== "consider") return "clear"
      if (report.name.startsWith("facial_similarity")) return key === "face_comparison" ? "consider" : "clear"
      if (report.sub_result === "rejected" || report.sub_result === "suspected") {
        return key === "visual_authenticity" ? "consider" : "clear"
      }
      return key === "image_integrity" ? "consider" : "clear"
    }

    const wireReport = (report: StoredReport) => {
      const complete = report.status === "complete"
      const keys = report.name.startsWith("facial_similarity")
        ? ["face_comparison", "image_integrity", "visual_authenticity"]
        : ["data_comparison", "data_validation", "image_integrity", "visual_authenticity"]
      return {
        id: report.id,
        created_at: report.created_at,
        href: href(`/reports/${report.id}`),
        name: report.name,
        status: report.status,
        result: complete ? report.result : null,
        sub_result: complete ? report.sub_result : null,
        check_id: report.check_id,
        documents: report.documents.map((id) => ({ id })),
        breakdown: complete
          ? Object.fromEntries(keys.map((key) => [key, { result: breakdownResult(report, key) }]))
          : {},
        properties: complete
          ? report.name.startsWith("document")
            ? documentProperties(report)
            : report.name.startsWith("facial_similarity")
              ? { score: report.result === "clear" ? 0.93 : 0.12 }
              : {}
          : {}
      }
    }

    const wireWorkflowRun = (run: StoredWorkflowRun) => {
      const open = run.status === "awaiting_input"
      return {
        id: run.id,
        applicant_id: run.applicant_id,
        workflow_id: run.workflow_id,
        workflow_version_id: 1,
        status: run.status,
        dashboard_url: `https://dashboard.onfido.com/results/${run.id}`,
        output: null,
        reasons: run.status === "approved" || open ? [] : [`simulated_${run.status}`],
        error: run.status === "error" ? { type: "simulated_error", message: "The simulator failed the run" } : null,
        created_at: run.created_at,
        updated_at: run.updated_at,
        tags: run.tags,
        link: {
          url: `${origin}/workflow-link/${run.id}`,
          completed_redirect_url: run.completedRedirectUrl,
          expired_redirect_url: null,
          expires_at: run.expires_at,
          language: null
        },
        sdk_token: open ? run.sdk_token : null
      }
    }

    // Webhooks.

    /** POSTs a webhook to `webhookUrl`, if there is one; a receiver that is down is the test's business. */
    const deliver = (webhook: IdentityProvider.WebhookRequest) => {
      const url = options.webhookUrl
      if (url === undefined) return Effect.void
      const body = new Uint8Array(webhook.rawBody)
      return Effect.tryPromise(() => fetch(url, { method: "POST", headers: webhook.headers, body })).pipe(
        Effect.ignore,
        Effect.forkIn(scope),
        Effect.asVoid
      )
    }

    const event = (
      resourceType: string,
      action: string,
      object: { readonly id: string; readonly status: string; readonly path: string },
      resource?: Record<string, unknown>
    ) =>
      Effect.gen(function* () {
        const at = yield* now
        const body = JSON.stringify({
          payload: {
            resource_type: resourceType,
            action,
            object: {
              id: object.id,
              status: object.status,
              ...(action.endsWith(".started") ? { started_at_iso8601: at } : { completed_at_iso8601: at }),
              href: `${origin}${href(object.path)}`
            },
            ...(resource === undefined ? {} : { resource })
          }
        })
        return yield* OnfidoWebhook.sign({ secret: options.webhookToken, event: body })
      })

    // Transitions.

    /** Ends a check: its reports get their results, then `report.completed` and `check.completed` are sent. */
    const finish = (check: StoredCheck, outcome: CheckOutcome | "perReport") =>
      Effect.gen(function* () {
        if (check.status === "complete" || check.status === "withdrawn") {
          return yield* event("check", `check.${check.status === "complete" ? "completed" : "withdrawn"}`, {
            id: check.id,
            status: check.status,
            path: `/checks/${check.id}`
          })
        }
        const owned = check.reports.map((id) => reports.get(id)).filter((report) => report !== undefined)
        if (outcome === "withdrawn") {
          check.status = "withdrawn"
          for (const report of owned) report.status = "withdrawn"
          const withdrawn = yield* event("check", "check.withdrawn", {
            id: check.id,
            status: "withdrawn",
            path: `/checks/${check.id}`
          })
          yield* deliver(withdrawn)
          return withdrawn
        }
        for (const report of owned) {
          const isDocument = report.name.startsWith("document")
          let result: "clear" | "consider" = "clear"
          let subResult: string | null = null
          if (outcome === "perReport") {
            if (check.consider.includes(report.name)) result = "consider"
            if (isDocument && check.subResult !== null) {
              subResult = check.subResult
              result = check.subResult === "clear" ? "clear" : "consider"
            }
          } else if (outcome === "consider") {
            result = "consider"
          } else if (outcome !== "clear" && isDocument) {
            result = "consider"
            subResult = outcome
          }
          if (isDocument && subResult === null) subResult = result === "clear" ? "clear" : "caution"
          report.status = "complete"
          report.result = result
          report.sub_result = subResult
        }
        check.status = "complete"
        check.result = owned.some((report) => report.result === "consider") ? "consider" : "clear"
        for (const report of owned) {
          yield* deliver(
            yield* event("report", "report.completed", {
              id: report.id,
              status: "complete",
              path: `/reports/${report.id}`
            })
          )
        }
        const completed = yield* event("check", "check.completed", {
          id: check.id,
          status: "complete",
          path: `/checks/${check.id}`
        })
        yield* deliver(completed)
        return completed
      })

    /** Ends a workflow run as the end-user (and Onfido's workflow) would. */
    const finishRun = (run: StoredWorkflowRun, outcome: WorkflowRunOutcome) =>
      Effect.gen(function* () {
        run.status = outcome
        run.updated_at = yield* now
        if (outcome === "approved") {
          // A Studio document task leaves a check with a document report on the applicant.
          const at = yield* now
          const check: StoredCheck = {
            id: uuid(),
            applicant_id: run.applicant_id,
            created_at: at,
            tags: [],
            reports: [],
            planned: "clear",
            consider: [],
            subResult: null,
            status: "in_progress",
            result: null
          }
          const report: StoredReport = {
            id: uuid(),
            check_id: check.id,
            name: "document",
            created_at: at,
            documents: [],
            status: "awaiting_data",
            result: null,
            sub_result: null
          }
          reports.set(report.id, report)
          checks.set(check.id, { ...check, reports: [report.id] })
          const stored = checks.get(check.id)
          if (stored !== undefined) yield* finish(stored, "clear")
        }
        const completed = yield* event(
          "workflow_run",
          "workflow_run.completed",
          { id: run.id, status: run.status, path: `/workflow_runs/${run.id}` },
          {
            id: run.id,
            applicant_id: run.applicant_id,
            workflow_id: run.workflow_id,
            workflow_run_id: run.id,
            workflow_version_id: 1,
            status: run.status,
            created_at: run.created_at,
            updated_at: run.updated_at,
            dashboard_url: `https://dashboard.onfido.com/results/${run.id}`
          }
        )
        yield* deliver(completed)
        return completed
      })

    const complete = (id: string, outcome: Outcome) =>
      Effect.gen(function* () {
        const check = checks.get(id)
        if (check !== undefined && checkOutcomes.has(outcome)) return yield* finish(check, outcome as CheckOutcome)
        const run = workflowRuns.get(id)
        if (run !== undefined && workflowRunOutcomes.has(outcome)) {
          return yield* finishRun(run, outcome as WorkflowRunOutcome)
        }
        return yield* Effect.die(new Error(`the simulator has no check or workflow run ${id} to end as ${outcome}`))
      })

    // Requests.

    const createApplicant = (body: unknown) =>
      Effect.gen(function* () {
        if (!isRecord(body)) return invalid({ base: ["must be a JSON object"] })
        const fields: Record<string, Array<string>> = {}
        for (const key of ["first_name", "last_name"]) {
          const value = body[key]
          if (typeof value !== "string" || value.trim() === "") fields[key] = ["can't be blank"]
          else if (!namePattern.test(value)) fields[key] = ["contains invalid characters"]
        }
        if (body.dob != null && (typeof body.dob !== "string" || !isoDate.test(body.dob))) fields.dob = ["is invalid"]
        if (Object.keys(fields).length > 0) return invalid(fields)
        const applicant: StoredApplicant = {
          id: uuid(),
          first_name: String(body.first_name),
          last_name: String(body.last_name),
          dob: typeof body.dob === "string" ? body.dob : null,
          created_at: yield* now
        }
        applicants.set(applicant.id, applicant)
        return { status: 201, body: wireApplicant(applicant) }
      })

    /** The file part of a multipart upload, checked against Onfido's documented types and sizes. */
    const fileOf = (form: FormData, min: number, max: number, fields: Record<string, Array<string>>) => {
      const file = form.get("file")
      if (file === null || typeof file === "string") {
        fields.file = ["can't be blank"]
        return undefined
      }
      const extension = file.name.split(".").pop()?.toLowerCase() ?? ""
      const fileType =
        acceptedFileTypes[file.type.toLowerCase()] ??
        (["jpg", "jpeg", "png", "pdf"].includes(extension) ? extension : undefined)
      if (fileType === undefined) fields.file = ["file type is not supported (jpg, png or pdf)"]
      else if (file.size < min || file.size > max) fields.file = [`file size must be between ${min} and ${max} bytes`]
      return { name: file.name, type: fileType ?? "unknown", size: file.size }
    }

    const uploadDocument = (form: FormData) =>
      Effect.gen(function* () {
        const fields: Record<string, Array<string>> = {}
        const applicantId = form.get("applicant_id")
        const type = form.get("type")
        const side = form.get("side")
        const country = form.get("issuing_country")
        if (typeof applicantId !== "string" || !applicants.has(applicantId)) fields.applicant_id = ["not found"]
        if (typeof type !== "string" || !documentTypeSet.has(type)) fields.type = ["is not included in the list"]
        if (side !== null && side !== "front" && side !== "back") fields.side = ["is not included in the list"]
        if (country !== null && (typeof country !== "string" || !isOnfidoCountry(country))) {
          fields.issuing_country = ["is not a valid country code"]
        }
        const file = fileOf(form, 2 * 1024, 3 * 1024 * 1024, fields)
        if (Object.keys(fields).length > 0 || file === undefined) return invalid(fields)
        const document: StoredDocument = {
          id: uuid(),
          applicant_id: String(applicantId),
          type: String(type),
          side: typeof side === "string" ? side : null,
          issuing_country: typeof country === "string" ? country : null,
          file_name: file.name,
          file_type: file.type,
          file_size: file.size,
          created_at: yield* now
        }
        documents.set(document.id, document)
        return { status: 201, body: wireDocument(document) }
      })

    const uploadLivePhoto = (form: FormData) =>
      Effect.gen(function* () {
        const fields: Record<string, Array<string>> = {}
        const applicantId = form.get("applicant_id")
        if (typeof applicantId !== "string" || !applicants.has(applicantId)) fields.applicant_id = ["not found"]
        const validation = form.get("advanced_validation")
        if (validation !== null && validation !== "true" && validation !== "false") {
          fields.advanced_validation = ["must be a boolean"]
        }
        const file = fileOf(form, 32 * 1024, 10 * 1024 * 1024, fields)
        if (Object.keys(fields).length > 0 || file === undefined) return invalid(fields)
        const photo = {
          id: uuid(),
          applicant_id: String(applicantId),
          file_name: file.name,
          file_type: file.type,
          file_size: file.size,
          created_at: yield* now
        }
        livePhotos.set(photo.id, photo)
        return {
          status: 201,
          body: {
            id: photo.id,
            created_at: photo.created_at,
            href: href(`/live_photos/${photo.id}`),
            download_href: href(`/live_photos/${photo.id}/download`),
            file_name: photo.file_name,
            file_type: photo.file_type,
            file_size: photo.file_size
          }
        }
      })

    const createCheck = (body: unknown) =>
      Effect.gen(function* () {
        if (!isRecord(body)) return invalid({ base: ["must be a JSON object"] })
        const fields: Record<string, Array<string>> = {}
        const applicant = typeof body.applicant_id === "string" ? applicants.get(body.applicant_id) : undefined
        if (applicant === undefined) fields.applicant_id = ["not found"]
        const names = body.report_names
        if (!isStringArray(names) || names.length === 0 || !names.every((name) => reportNames.has(name))) {
          fields.report_names = ["must be a non-empty list of report names"]
        }
        const consider = body.consider ?? []
        if (!isStringArray(consider) || !consider.every((name) => reportNames.has(name))) {
          fields.consider = ["must be a list of report names"]
        }
        if (body.sub_result != null && (typeof body.sub_result !== "string" || !subResults.has(body.sub_result))) {
          fields.sub_result = ["is not included in the list"]
        }
        const tags = body.tags ?? []
        if (!isStringArray(tags) || tags.length > 30 || tags.some((tag) => tag.length === 0 || tag.length > 128)) {
          fields.tags = ["must be at most 30 tags of 1 to 128 characters"]
        }
        const documentIds = body.document_ids ?? []
        if (
          !isStringArray(documentIds) ||
          documentIds.some((id) => documents.get(id)?.applicant_id !== applicant?.id)
        ) {
          fields.document_ids = ["must be documents of the applicant"]
        }
        if (Object.keys(fields).length > 0 || applicant === undefined || !isStringArray(names)) return invalid(fields)
        const owned = [...documents.values()].filter((document) => document.applicant_id === applicant.id)
        const used =
          isStringArray(documentIds) && documentIds.length > 0 ? documentIds : owned.map((document) => document.id)
        if (names.some((name) => name.startsWith("document")) && used.length === 0) {
          return invalid({ document_ids: ["the document report needs an uploaded document"] })
        }
        const hasPhoto = [...livePhotos.values()].some((photo) => photo.applicant_id === applicant.id)
        if (names.includes("facial_similarity_photo") && !hasPhoto) {
          return invalid({ report_names: ["facial_similarity_photo needs a live photo of the applicant"] })
        }
        const at = yield* now
        const check: StoredCheck = {
          id: uuid(),
          applicant_id: applicant.id,
          created_at: at,
          tags: isStringArray(tags) ? tags : [],
          reports: names.map(() => uuid()),
          planned: applicant.last_name.trim().toLowerCase() === "consider" ? "consider" : "perReport",
          consider: isStringArray(consider) ? consider : [],
          subResult: typeof body.sub_result === "string" ? body.sub_result : null,
          status: "in_progress",
          result: null
        }
        names.forEach((name, index) => {
          const id = check.reports[index] ?? uuid()
          reports.set(id, {
            id,
            check_id: check.id,
            name,
            created_at: at,
            documents: name.startsWith("document") || name.startsWith("facial") ? used : [],
            status: "awaiting_data",
            result: null,
            sub_result: null
          })
        })
        checks.set(check.id, check)
        if (options.completeAfter !== undefined && !check.tags.includes(pendingTag)) {
          yield* Effect.sleep(Duration.fromInputUnsafe(options.completeAfter)).pipe(
            Effect.andThen(
              Effect.suspend(() => (check.status === "in_progress" ? finish(check, check.planned) : Effect.void))
            ),
            Effect.forkIn(scope)
          )
        }
        return { status: 201, body: wireCheck(check) }
      })

    const createWorkflowRun = (body: unknown) =>
      Effect.gen(function* () {
        if (!isRecord(body)) return invalid({ base: ["must be a JSON object"] })
        const fields: Record<string, Array<string>> = {}
        const applicant = typeof body.applicant_id === "string" ? applicants.get(body.applicant_id) : undefined
        if (applicant === undefined) fields.applicant_id = ["not found"]
        if (typeof body.workflow_id !== "string" || body.workflow_id.length === 0)
          fields.workflow_id = ["can't be blank"]
        const link = body.link ?? {}
        if (!isRecord(link)) fields.link = ["must be an object"]
        if (body.custom_data != null && !isRecord(body.custom_data)) fields.custom_data = ["must be an object"]
        if (Object.keys(fields).length > 0 || applicant === undefined || !isRecord(link)) return invalid(fields)
        const at = yield* now
        const expires = yield* Clock.currentTimeMillis
        const run: StoredWorkflowRun = {
          id: uuid(),
          workflow_id: String(body.workflow_id),
          applicant_id: applicant.id,
          created_at: at,
          updated_at: at,
          tags: isStringArray(body.tags) ? body.tags : null,
          custom_data: body.custom_data ?? null,
          completedRedirectUrl: typeof link.completed_redirect_url === "string" ? link.completed_redirect_url : null,
          sdk_token: `simulated.${uuid().replaceAll("-", "")}`,
          expires_at: new Date(expires + 90 * 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
          status: "awaiting_input"
        }
        workflowRuns.set(run.id, run)
        return { status: 201, body: wireWorkflowRun(run) }
      })

    const notFound = (what: string) => onfidoError(404, "resource_not_found", `The ${what} could not be found`)

    /** Answers one API request; `undefined` leaves it hanging (the `timeout` failure). */
    const answer = (request: LoopbackServer.Request, url: URL, raw: Buffer): Effect.Effect<Answer | undefined> =>
      Effect.gen(function* () {
        const failure = armed.shift()
        if (failure !== undefined) return failures[failure]
        if (request.headers.authorization !== `Token token=${Redacted.value(options.apiToken)}`) {
          return failures.unauthorized
        }
        if (!url.pathname.startsWith(`${prefix}/`)) return notFound("resource")
        const path = url.pathname.slice(prefix.length)
        const method = request.method ?? "GET"
        const contentType = String(request.headers["content-type"] ?? "")
        const json = () => {
          if (!contentType.startsWith("application/json")) return undefined
          try {
            return JSON.parse(raw.toString("utf8")) as unknown
          } catch {
            return undefined
          }
        }
        const form = () =>
          contentType.startsWith("multipart/form-data")
            ? Effect.tryPromise(() =>
                new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData()
              ).pipe(Effect.orElseSucceed(() => undefined))
            : Effect.succeed(undefined)
        const badRequest = onfidoError(400, "bad_request", "The request body could not be read")

        if (method === "POST" && path === "/applicants") {
          const body = json()
          return body === undefined ? badRequest : yield* createApplicant(body)
        }
        if (method === "POST" && (path === "/documents" || path === "/live_photos")) {
          const parsed = yield* form()
          if (parsed === undefined) return badRequest
          return path === "/documents" ? yield* uploadDocument(parsed) : yield* uploadLivePhoto(parsed)
        }
        if (method === "POST" && path === "/checks") {
          const body = json()
          return body === undefined ? badRequest : yield* createCheck(body)
        }
        if (method === "GET" && path === "/checks") {
          const applicantId = url.searchParams.get("applicant_id")
          if (applicantId === null) return invalid({ applicant_id: ["can't be blank"] })
          const listed = [...checks.values()].filter((check) => check.applicant_id === applicantId)
          return { status: 200, body: { checks: listed.map(wireCheck) } }
        }
        const check = /^\/checks\/([^/]+)$/.exec(path)
        if (method === "GET" && check !== null) {
          const stored = checks.get(decodeURIComponent(check[1] ?? ""))
          if (stored === undefined) return notFound("check")
          const body = wireCheck(stored)
          // Sandbox checks complete quickly: the first retrieval sees in_progress, and the check completes then.
          if (stored.status === "in_progress" && !stored.tags.includes(pendingTag))
            yield* finish(stored, stored.planned)
          return { status: 200, body }
        }
        if (method === "GET" && path === "/reports") {
          const checkId = url.searchParams.get("check_id")
          const stored = checkId === null ? undefined : checks.get(checkId)
          if (stored === undefined) return notFound("check")
          const listed = stored.reports.map((id) => reports.get(id)).filter((report) => report !== undefined)
          return { status: 200, body: { reports: listed.map(wireReport) } }
        }
        const report = /^\/reports\/([^/]+)$/.exec(path)
        if (method === "GET" && report !== null) {
          const stored = reports.get(decodeURIComponent(report[1] ?? ""))
          return stored === undefined ? notFound("report") : { status: 200, body: wireReport(stored) }
        }
        if (method === "POST" && path === "/workflow_runs") {
          const body = json()
          return body === undefined ? badRequest : yield* createWorkflowRun(body)
        }
        const run = /^\/workflow_runs\/([^/]+)$/.exec(path)
        if (method === "GET" && run !== null) {
          const stored = workflowRuns.get(decodeURIComponent(run[1] ?? ""))
          return stored === undefined ? notFound("workflow run") : { status: 200, body: wireWorkflowRun(stored) }
        }
        return notFound("resource")
      })

    /** `GET /workflow-link/{id}?outcome=…`: the hosted flow's stand-in, where the end-user "finishes". */
    const hostedLink = (url: URL): Effect.Effect<Answer> =>
      Effect.gen(function* () {
        const id = decodeURIComponent(url.pathname.slice("/workflow-link/".length))
        const run = workflowRuns.get(id)
        if (run === undefined || run.status !== "awaiting_input") {
          return { status: 404, body: "This link has expired." }
        }
        const outcome = url.searchParams.get("outcome") ?? ""
        if (!workflowRunOutcomes.has(outcome)) {
          return {
            status: 200,
            body: `Simulated Onfido workflow run ${id}: add ?outcome=approved (or declined, review, abandoned, error).`
          }
        }
        yield* finishRun(run, outcome as WorkflowRunOutcome)
        return run.completedRedirectUrl === null
          ? { status: 200, body: `Workflow run ${id}: ${run.status}` }
          : { status: 302, body: "", headers: { location: run.completedRedirectUrl } }
      })

    const respond = (request: LoopbackServer.Request): Effect.Effect<LoopbackServer.Answer | undefined> => {
      const url = new URL(request.url, "http://simulator")
      const page = url.pathname.startsWith("/workflow-link/") && request.method === "GET"
      if (!page)
        recorded.push({ method: request.method, url: request.url, headers: request.headers, body: request.text })
      return Effect.map(page ? hostedLink(url) : answer(request, url, Buffer.from(request.body)), (answered) =>
        answered === undefined
          ? undefined
          : {
              ...answered,
              headers: {
                "content-type": page ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
                "x-request-id": uuid(),
                ...answered.headers
              }
            }
      )
    }

    origin = (yield* LoopbackServer.serve(respond)).baseUrl

    return {
      baseUrl: `${origin}${prefix}`,
      failNext: (failure) =>
        Effect.sync(() => {
          armed.push(failure)
        }),
      complete,
      requests: Effect.sync(() => [...recorded])
    }
  })

/**
 * A simulator for each build of the layer (a fresh one per test, with `Conformance.suite`).
 *
 * @since 0.1.0
 */
export const layer = (options: Options) => Layer.effect(OnfidoSimulator, make(options))

/**
 * The provider registered against a fresh simulator, with the simulator as a service: what tests of an application
 * that uses this adapter provide. `timeout` is the client's (keep it short: the `timeout` failure waits for it);
 * `workflowId` is the default Studio workflow.
 *
 * @since 0.1.0
 */
export const layerTest = (
  options: Options & {
    readonly timeout?: Duration.Input | undefined
    readonly workflowId?: string | undefined
  }
): Layer.Layer<
  OnfidoSimulator,
  ProviderRegistry.RegistrationError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const simulator = yield* OnfidoSimulator
      return OnfidoProvider.layer({
        apiToken: options.apiToken,
        baseUrl: simulator.baseUrl,
        timeout: options.timeout,
        webhookSecrets: [options.webhookToken],
        workflowId: options.workflowId ?? "00000000-0000-4000-8000-000000000001"
      })
    })
  ).pipe(Layer.provideMerge(layer(options)))

/**
 * Bytes that pass for an image of `kind` with Onfido's size limits: a JPEG header, padded to 4 KB for a document
 * side and 40 KB for a selfie.
 *
 * @since 0.1.0
 */
export const sampleImage = (kind: "front" | "back" | "selfie"): IdentityProvider.InputFile => {
  const bytes = new Uint8Array(kind === "selfie" ? 40 * 1024 : 4 * 1024)
  bytes.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00])
  bytes.set([0xff, 0xd9], bytes.length - 2)
  return { kind, mediaType: "image/jpeg", bytes }
}

/** A magic value for {@link startRequest}: how the check will end, or `pending` (until `complete`). @since 0.1.0 */
export type Magic = Exclude<CheckOutcome, "withdrawn"> | "pending"

/**
 * A start request of a `document` (or `documentSelfie`) process whose check the simulator ends as `magic`: through
 * the applicant's last name (`Consider`), the check's sandbox `sub_result`, or the {@link pendingTag}.
 *
 * @since 0.1.0
 */
export const startRequest = (
  magic: Magic,
  processType: "document" | "documentSelfie" = "document"
): IdentityProvider.StartRequest<unknown> => {
  const id = uuid()
  const parameters =
    magic === "pending"
      ? { tags: [pendingTag] }
      : magic === "rejected" || magic === "suspected" || magic === "caution"
        ? { sandbox: { subResult: magic } }
        : {}
  return {
    dossierId: Identifiers.DossierId.make(`d-${id}`),
    processId: Identifiers.ProcessId.make(`p-${id}`),
    processType: ProcessType.ProcessType.make(processType),
    parameters,
    userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({
      firstName: "Jane",
      lastName: magic === "consider" ? "Consider" : "Doe",
      dateOfBirth: "1990-01-01"
    }),
    files: [sampleImage("front"), ...(processType === "documentSelfie" ? [sampleImage("selfie")] : [])],
    idempotencyKey: id
  }
}

/**
 * A start request of a `workflow` process; the run waits for its hosted link or `complete(id, outcome)`.
 *
 * @since 0.1.0
 */
export const workflowRequest = (
  parameters: Readonly<Record<string, unknown>> = {}
): IdentityProvider.StartRequest<unknown> => {
  const id = uuid()
  return {
    dossierId: Identifiers.DossierId.make(`d-${id}`),
    processId: Identifiers.ProcessId.make(`p-${id}`),
    processType: ProcessType.ProcessType.make("workflow"),
    parameters,
    userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({ firstName: "Jane", lastName: "Doe" }),
    files: [],
    returnUrl: "https://app.example/return",
    idempotencyKey: id
  }
}
