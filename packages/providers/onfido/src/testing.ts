/**
 * Testing Onfido integrations offline: a simulator of Onfido's API v3.6, and helpers to drive it.
 *
 * The simulator is a stateful stand-in for `https://api.{region}.onfido.com/v3.6` on loopback (`127.0.0.1`, a free
 * port, base URL `http://127.0.0.1:<port>/v3.6`) for as long as its scope is open. It serves the operations of the
 * verification flow that Onfido's own client (`@onfido/api`) offers: applicants (create, find, list, update, delete,
 * restore), documents and live photos (multipart upload, find, list, download), live videos (list, find, download,
 * frame: none exist, as only Onfido's SDKs record them, so a list is empty and an id is 404), checks (create, find,
 * list, resume, download as PDF), reports (find, list, resume, cancel), workflow runs (create, find, list), SDK tokens
 * and webhooks (create, find, list, update, delete) — with Onfido's error bodies
 * (`{ "error": { type, message, fields } }`) and an `X-Request-Id` on every answer. It refuses
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
 * A complete document report extracts the applicant's names and date of birth and the sample document's data,
 * with an address (`address`, `address_lines`); an applicant created with an `address` keeps it.
 *
 * `failNext(failure)` makes the next API request fail the way Onfido fails: `unauthorized` (401), `rateLimited`
 * (429 with `Retry-After: 2`), `unavailable` (503), `timeout` (no answer until the simulator closes), `malformedJson`
 * and `schemaInvalid` (200 with a body the adapter cannot read). The simulator is built on the kit of
 * `@assure/provider/testing`; `arm` takes any of its faults (a 429 in another rate-limit spelling, a fault on one
 * route). `answers` keeps every answer it gave as Onfido (faults aside), for tests that hold them against Onfido's
 * OpenAPI document.
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
import { Country, IdentityData } from "@assure/core"
import type { IdentityProvider } from "@assure/provider"
import {
  Simulator as Kit,
  LoopbackServer,
  SimulatorAuth,
  SimulatorFault,
  SimulatorStore,
  SimulatorWebhooks,
  TestRequest
} from "@assure/provider/testing"
import { Clock, Context, Duration, Effect, Layer, type Redacted, Schema, Scope } from "effect"
import { documentTypeWords } from "./internal/documentTypes.js"
import * as OnfidoClient from "./OnfidoClient.js"
import * as OnfidoProvider from "./OnfidoProvider.js"
import * as OnfidoWebhook from "./OnfidoWebhook.js"

/** A way the simulated Onfido can fail (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = SimulatorFault.VendorFailure

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
export type RecordedRequest = Kit.RecordedRequest

/**
 * An answer the simulator gave as Onfido (the faults armed by `failNext` or `arm` are not recorded): for tests that
 * check the simulator's answers against Onfido's OpenAPI document. @since 0.1.0
 */
export interface RecordedAnswer {
  readonly method: string
  /** The path, without the query: `/v3.6/checks/<id>`. */
  readonly path: string
  readonly status: number
  readonly contentType: string
  /** The body as sent: JSON as parsed back, text as it is, a file's bytes. */
  readonly body: unknown
}

/** A running simulator. @since 0.1.0 */
export interface Simulator {
  /** Where it listens, for the client's `baseUrl`: `http://127.0.0.1:<port>/v3.6`. */
  readonly baseUrl: string
  /** Makes the next API request, whatever it is, fail this way. */
  readonly failNext: (failure: Failure) => Effect.Effect<void>
  /** Arms any fault of the kit, for the next requests or one route (`"GET /checks/:id"`). */
  readonly arm: (fault: SimulatorFault.Fault, arming?: Kit.Arming) => Effect.Effect<void>
  /**
   * Ends a check (with a {@link CheckOutcome}) or a workflow run (with a {@link WorkflowRunOutcome}), and returns
   * (and delivers, with `webhookUrl`) the signed `check.completed` or `workflow_run.completed` webhook.
   */
  readonly complete: (id: string, outcome: Outcome) => Effect.Effect<IdentityProvider.WebhookRequest>
  /** Every API request received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Every answer the simulator gave as Onfido so far (faults aside), oldest first. */
  readonly answers: Effect.Effect<ReadonlyArray<RecordedAnswer>>
  /** Every webhook sent so far, with what the receiver answered. */
  readonly webhooks: Effect.Effect<ReadonlyArray<SimulatorWebhooks.Delivery>>
}

/** The simulator as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class OnfidoSimulator extends Context.Service<OnfidoSimulator, Simulator>()("@assure/onfido/Simulator") {}

/** An applicant, as Onfido writes it; `delete_at` once its deletion is scheduled. */
type StoredApplicant = Record<string, unknown> & { readonly id: string; readonly last_name: string }

/** A live photo, as Onfido writes it, and its applicant (which Onfido does not write). */
type StoredLivePhoto = Record<string, unknown> & { readonly id: string; readonly applicant_id: string }

/** An uploaded document, as Onfido writes it. */
type StoredDocument = Record<string, unknown> & {
  readonly id: string
  readonly applicant_id: string
  readonly type: string
  readonly issuing_country?: string
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

type Answer = Kit.Answer

const onfidoError = (status: number, type: string, message: string, fields: Record<string, unknown> = {}): Answer => ({
  status,
  body: { error: { type, message, fields } }
})

const invalid = (fields: Record<string, ReadonlyArray<string>>): Answer =>
  onfidoError(422, "validation_error", "There was a validation error on this request", fields)

const notFound = (what: string) => () => onfidoError(404, "resource_not_found", `The ${what} could not be found`)

/** Onfido's answer to a delete, restore, resume or cancel. */
const noContent: Answer = { status: 204, body: "" }

/** The event types a webhook can subscribe to (Onfido's document's `webhook_event_type`). */
const webhookEvents = new Set<string>([
  "audit_log.created",
  "watchlist_monitor.matches_updated",
  "workflow_run.completed",
  "workflow_task.started",
  "workflow_task.completed",
  "check.started",
  "check.reopened",
  "check.withdrawn",
  "check.completed",
  "check.form_completed",
  "report.withdrawn",
  "report.resumed",
  "report.cancelled",
  "report.awaiting_approval",
  "report.completed",
  "workflow_timeline_file.created",
  "workflow_run_evidence_folder.created"
])

/** A one-page PDF naming the check: the simulator's stand-in for Onfido's check report download. */
const checkPdf = (id: string): Uint8Array => {
  const text = `BT /F1 12 Tf 72 720 Td (Simulated Onfido check ${id}) Tj ET`
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
  ]
  let body = "%PDF-1.4\n"
  const offsets: Array<number> = []
  objects.forEach((object, index) => {
    offsets.push(body.length)
    body += `${index + 1} 0 obj\n${object}\nendobj\n`
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return new TextEncoder().encode(body)
}

const badRequest = onfidoError(400, "bad_request", "The request body could not be read")

const unauthorized = onfidoError(401, "authorization_error", "Authorization error: please re-check your credentials")

/** How the simulator answers each failure. */
const failures = SimulatorFault.vendorFailures({
  unauthorized,
  rateLimited: onfidoError(429, "rate_limit", "Rate limit exceeded. Please try again later").body,
  unavailable: onfidoError(503, "service_unavailable", "The service is temporarily unavailable").body,
  malformedJson: '{"id": "',
  schemaInvalid: { id: 42, status: "unheard-of" }
})

const uuid = SimulatorStore.uuid

/** The content type of Onfido's JSON answers. */
const contentType = "application/json; charset=utf-8"

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
  document_number: "999999999",
  // A made-up address, as the document report writes one it extracted (`document_properties.address_lines`).
  address: "1 Sample Street, London, SW1A 0AA",
  address_lines: { street_address: "1 Sample Street", city: "London", postal_code: "SW1A 0AA", country_code: "GBR" }
}

/** An ISO 8601 timestamp to the second, as Onfido writes them. */
const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z"))

/**
 * Starts a simulator on loopback; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Scope.Scope
    // Applicants, documents, live photos and webhooks are kept as Onfido writes them; uploaded files as they came.
    const applicants = SimulatorStore.make<StoredApplicant>({ notFound: notFound("applicant") })
    const documents = SimulatorStore.make<StoredDocument>({ notFound: notFound("document") })
    const livePhotos = SimulatorStore.make<StoredLivePhoto>({ notFound: notFound("live photo") })
    // Live videos come only from Onfido's SDKs (no API call uploads one): the simulator never holds any.
    const liveVideos = SimulatorStore.make<{ readonly id: string }>({ notFound: notFound("live video") })
    const registrations = SimulatorStore.make<{ readonly id: string } & Record<string, unknown>>({
      notFound: notFound("webhook")
    })
    const files = new Map<string, { readonly mediaType: string; readonly bytes: Uint8Array }>()
    const checks = SimulatorStore.make<StoredCheck>({ notFound: notFound("check") })
    const reports = SimulatorStore.make<StoredReport>({ notFound: notFound("report") })
    const workflowRuns = SimulatorStore.make<StoredWorkflowRun>({ notFound: notFound("workflow run") })
    const webhooks = yield* SimulatorWebhooks.make({
      url: options.webhookUrl,
      sign: (event) => OnfidoWebhook.sign({ secret: options.webhookToken, event })
    })
    const href = (path: string) => `/${OnfidoClient.apiVersion}${path}`

    // Wire shapes, as Onfido writes them.

    const wireLivePhoto = ({ applicant_id: _, ...photo }: StoredLivePhoto) => photo

    const wireCheck = (check: StoredCheck) => ({
      id: check.id,
      created_at: check.created_at,
      status: check.status,
      // Onfido's document has no null for `result`, `redirect_uri` or `form_uri`: an absent value is left out.
      ...(check.result === null ? {} : { result: check.result }),
      sandbox: true,
      tags: check.tags,
      results_uri: `https://dashboard.onfido.com/checks/${check.id}`,
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
        document_numbers: [{ type: "document_number", value: sample.document_number }],
        address: sample.address,
        address_lines: sample.address_lines
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
        ...(complete && report.result !== null ? { result: report.result } : {}),
        ...(complete && report.sub_result !== null ? { sub_result: report.sub_result } : {}),
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
        reasons: run.status === "approved" || open ? [] : [`simulated_${run.status}`],
        ...(run.status === "error"
          ? { error: { type: "simulated_error", message: "The simulator failed the run" } }
          : {}),
        created_at: run.created_at,
        updated_at: run.updated_at,
        tags: run.tags,
        link: {
          url: `${simulator.origin}/workflow-link/${run.id}`,
          completed_redirect_url: run.completedRedirectUrl,
          expired_redirect_url: null,
          expires_at: run.expires_at
        },
        sdk_token: open ? run.sdk_token : null
      }
    }

    // Webhooks.

    /** The event about `object`, for `webhooks.send` (or `webhooks.sign`, for a redelivery). */
    const event = (
      resourceType: string,
      action: string,
      object: { readonly id: string; readonly status: string; readonly path: string },
      resource?: Record<string, unknown>
    ) =>
      Effect.gen(function* () {
        const at = yield* now
        return {
          payload: {
            resource_type: resourceType,
            action,
            object: {
              id: object.id,
              status: object.status,
              ...(action.endsWith(".started") ? { started_at_iso8601: at } : { completed_at_iso8601: at }),
              href: `${simulator.origin}${href(object.path)}`
            },
            ...(resource === undefined ? {} : { resource })
          }
        }
      })

    // Transitions.

    /** A check of the applicant, `in_progress`, with a report per name awaiting data. */
    const openCheck = (
      at: string,
      applicantId: string,
      names: ReadonlyArray<string>,
      plan: Pick<StoredCheck, "tags" | "planned" | "consider" | "subResult"> & {
        readonly documents: ReadonlyArray<string>
      }
    ) => {
      const check = checks.insert({
        id: uuid(),
        applicant_id: applicantId,
        created_at: at,
        tags: plan.tags,
        reports: names.map(() => uuid()),
        planned: plan.planned,
        consider: plan.consider,
        subResult: plan.subResult,
        status: "in_progress",
        result: null
      })
      names.forEach((name, index) => {
        reports.insert({
          id: check.reports[index] ?? uuid(),
          check_id: check.id,
          name,
          created_at: at,
          documents: name.startsWith("document") || name.startsWith("facial") ? plan.documents : [],
          status: "awaiting_data",
          result: null,
          sub_result: null
        })
      })
      return check
    }

    /** Ends a check: its reports get their results, then `report.completed` and `check.completed` are sent. */
    const finish = (check: StoredCheck, outcome: CheckOutcome | "perReport") =>
      Effect.gen(function* () {
        if (check.status === "complete" || check.status === "withdrawn") {
          const action = `check.${check.status === "complete" ? "completed" : "withdrawn"}`
          return yield* webhooks.sign(
            yield* event("check", action, { id: check.id, status: check.status, path: `/checks/${check.id}` })
          )
        }
        const owned = reports.filter((report) => check.reports.includes(report.id))
        if (outcome === "withdrawn") {
          check.status = "withdrawn"
          for (const report of owned) report.status = "withdrawn"
          return yield* webhooks.send(
            yield* event("check", "check.withdrawn", { id: check.id, status: "withdrawn", path: `/checks/${check.id}` })
          )
        }
        for (const report of owned) {
          if (report.status === "cancelled") continue
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
          yield* webhooks.send(
            yield* event("report", "report.completed", {
              id: report.id,
              status: "complete",
              path: `/reports/${report.id}`
            })
          )
        }
        return yield* webhooks.send(
          yield* event("check", "check.completed", { id: check.id, status: "complete", path: `/checks/${check.id}` })
        )
      })

    /** Ends a workflow run as the end-user (and Onfido's workflow) would. */
    const finishRun = (run: StoredWorkflowRun, outcome: WorkflowRunOutcome) =>
      Effect.gen(function* () {
        run.status = outcome
        run.updated_at = yield* now
        if (outcome === "approved") {
          // A Studio document task leaves a check with a document report on the applicant.
          const plan = { tags: [], planned: "clear", consider: [], subResult: null, documents: [] } as const
          yield* finish(openCheck(yield* now, run.applicant_id, ["document"], plan), "clear")
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
        return yield* webhooks.send(completed)
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

    /**
     * The applicant fields a create (`partial: false`) or update body sets, or Onfido's 422. Onfido's document has
     * no null for an applicant's fields: what was not given is left out.
     */
    const applicantFields = (body: Record<string, unknown>, partial: boolean) => {
      const fields: Record<string, Array<string>> = {}
      for (const key of ["first_name", "last_name"]) {
        const value = body[key]
        if (partial && value === undefined) continue
        if (typeof value !== "string" || value.trim() === "") fields[key] = ["can't be blank"]
        else if (!namePattern.test(value)) fields[key] = ["contains invalid characters"]
      }
      if (body.dob != null && (typeof body.dob !== "string" || !isoDate.test(body.dob))) fields.dob = ["is invalid"]
      for (const key of ["email", "phone_number"]) {
        if (body[key] != null && typeof body[key] !== "string") fields[key] = ["must be a string"]
      }
      for (const key of ["address", "location"]) {
        if (body[key] != null && !isRecord(body[key])) fields[key] = ["must be an object"]
      }
      if (body.id_numbers != null && !Array.isArray(body.id_numbers)) fields.id_numbers = ["must be a list"]
      if (Object.keys(fields).length > 0) return Effect.fail(invalid(fields))
      const given = ["first_name", "last_name", "email", "dob", "phone_number", "address", "location", "id_numbers"]
      return Effect.succeed(Object.fromEntries(given.filter((key) => body[key] != null).map((key) => [key, body[key]])))
    }

    const createApplicant = (body: Record<string, unknown>) =>
      Effect.gen(function* () {
        const given = yield* applicantFields(body, false)
        const id = uuid()
        const applicant = applicants.insert({
          id,
          created_at: yield* now,
          sandbox: true,
          href: href(`/applicants/${id}`),
          id_numbers: [],
          ...given,
          last_name: String(given.last_name)
        })
        return { status: 201, body: applicant }
      })

    /** `PUT /applicants/{id}`: the given fields replace the applicant's. */
    const updateApplicant = (request: Kit.Request<{ readonly id: string }>) =>
      Effect.gen(function* () {
        const applicant = yield* applicants.require(request.params.id)
        const body = request.json()
        if (!isRecord(body)) return badRequest
        const given = yield* applicantFields(body, true)
        return {
          status: 200,
          body: applicants.insert({ ...applicant, ...given, last_name: String(given.last_name ?? applicant.last_name) })
        }
      })

    /** `GET /applicants`: newest first, by `page` and `per_page` (default 20), without deleted ones unless asked. */
    const listApplicants = (request: Kit.Request) => {
      const page = Number(request.query.get("page") ?? "1")
      const perPage = Number(request.query.get("per_page") ?? "20")
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1) {
        return Effect.succeed(invalid({ page: ["must be a positive integer"] }))
      }
      const withDeleted = request.query.get("include_deleted") === "true"
      const listed = [...applicants.filter((applicant) => withDeleted || applicant.delete_at === undefined)].reverse()
      return Effect.succeed({ status: 200, body: { applicants: listed.slice((page - 1) * perPage, page * perPage) } })
    }

    /** The applicant a request names, which must exist and not be scheduled for deletion. */
    const applicantOf = (id: unknown, fields: Record<string, Array<string>>) => {
      const applicant = typeof id === "string" ? applicants.get(id) : undefined
      if (applicant === undefined || applicant.delete_at !== undefined) {
        fields.applicant_id = ["not found"]
        return undefined
      }
      return applicant
    }

    /** Keeps an uploaded file's bytes, for its `download`. */
    const keepFile = (id: string, file: Blob) =>
      Effect.map(
        Effect.promise(() => file.arrayBuffer()),
        (buffer) => {
          files.set(id, {
            mediaType: file.type === "" ? "application/octet-stream" : file.type,
            bytes: new Uint8Array(buffer)
          })
        }
      )

    /** A file as Onfido sends a download: its bytes, under their media type (written by Node: the kit writes text). */
    const fileAnswer = (file: { readonly mediaType: string; readonly bytes: Uint8Array }): Answer => ({
      ...LoopbackServer.handOver((_request, response) => {
        response.writeHead(200, { "content-type": file.mediaType, "x-request-id": uuid() })
        response.end(file.bytes)
      }),
      status: 200,
      body: file.bytes,
      headers: { "content-type": file.mediaType }
    })

    /** `GET /<collection>/{id}/download`: the uploaded bytes of a stored document or live photo. */
    const download =
      (store: { readonly require: (id: string) => Effect.Effect<{ readonly id: string }, Answer> }) =>
      (request: Kit.Request<{ readonly id: string }>) =>
        Effect.map(store.require(request.params.id), (found) => {
          const file = files.get(found.id)
          return file === undefined ? notFound("file")() : fileAnswer(file)
        })

    /** `GET /<collection>?applicant_id=`: the applicant's resources, oldest first (an applicant is required). */
    const listOf =
      <A>(key: string, of: (applicantId: string) => ReadonlyArray<A>) =>
      (request: Kit.Request) => {
        const applicantId = request.query.get("applicant_id")
        if (applicantId === null) return Effect.succeed(invalid({ applicant_id: ["can't be blank"] }))
        return Effect.succeed({ status: 200, body: { [key]: of(applicantId) } })
      }

    /** The fields Onfido writes for an uploaded file of `collection`. */
    const fileFields = (collection: string, file: { name: string; type: string; size: number }) =>
      Effect.map(now, (at) => {
        const id = uuid()
        return {
          id,
          created_at: at,
          href: href(`/${collection}/${id}`),
          download_href: href(`/${collection}/${id}/download`),
          file_name: file.name,
          file_type: file.type,
          file_size: file.size
        }
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
      return { name: file.name, type: fileType ?? "unknown", size: file.size, blob: file }
    }

    const uploadDocument = (form: FormData) =>
      Effect.gen(function* () {
        const fields: Record<string, Array<string>> = {}
        const applicantId = String(form.get("applicant_id"))
        applicantOf(form.get("applicant_id"), fields)
        const type = form.get("type")
        const side = form.get("side")
        const country = form.get("issuing_country")
        if (typeof type !== "string" || !documentTypeSet.has(type)) fields.type = ["is not included in the list"]
        if (side !== null && side !== "front" && side !== "back") fields.side = ["is not included in the list"]
        if (country !== null && (typeof country !== "string" || !isOnfidoCountry(country))) {
          fields.issuing_country = ["is not a valid country code"]
        }
        const file = fileOf(form, 2 * 1024, 3 * 1024 * 1024, fields)
        if (Object.keys(fields).length > 0 || file === undefined) return invalid(fields)
        const fileFieldsOf = yield* fileFields("documents", file)
        yield* keepFile(fileFieldsOf.id, file.blob)
        const document = documents.insert({
          ...fileFieldsOf,
          type: String(type),
          ...(typeof side === "string" ? { side } : {}),
          ...(typeof country === "string" ? { issuing_country: country } : {}),
          applicant_id: applicantId
        })
        return { status: 201, body: document }
      })

    const uploadLivePhoto = (form: FormData) =>
      Effect.gen(function* () {
        const fields: Record<string, Array<string>> = {}
        const applicantId = String(form.get("applicant_id"))
        applicantOf(form.get("applicant_id"), fields)
        const validation = form.get("advanced_validation")
        if (validation !== null && validation !== "true" && validation !== "false") {
          fields.advanced_validation = ["must be a boolean"]
        }
        const file = fileOf(form, 32 * 1024, 10 * 1024 * 1024, fields)
        if (Object.keys(fields).length > 0 || file === undefined) return invalid(fields)
        const photo = yield* fileFields("live_photos", file)
        yield* keepFile(photo.id, file.blob)
        livePhotos.insert({ ...photo, applicant_id: applicantId })
        return { status: 201, body: photo }
      })

    const createCheck = (body: Record<string, unknown>) =>
      Effect.gen(function* () {
        const fields: Record<string, Array<string>> = {}
        const applicant = applicantOf(body.applicant_id, fields)
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
        const owned = documents.filter((document) => document.applicant_id === applicant.id)
        const used =
          isStringArray(documentIds) && documentIds.length > 0 ? documentIds : owned.map((document) => document.id)
        if (names.some((name) => name.startsWith("document")) && used.length === 0) {
          return invalid({ document_ids: ["the document report needs an uploaded document"] })
        }
        const hasPhoto = livePhotos.find((photo) => photo.applicant_id === applicant.id) !== undefined
        if (names.includes("facial_similarity_photo") && !hasPhoto) {
          return invalid({ report_names: ["facial_similarity_photo needs a live photo of the applicant"] })
        }
        const check = openCheck(yield* now, applicant.id, names, {
          tags: isStringArray(tags) ? tags : [],
          planned: applicant.last_name.trim().toLowerCase() === "consider" ? "consider" : "perReport",
          consider: isStringArray(consider) ? consider : [],
          subResult: typeof body.sub_result === "string" ? body.sub_result : null,
          documents: used
        })
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

    const createWorkflowRun = (body: Record<string, unknown>) =>
      Effect.gen(function* () {
        const fields: Record<string, Array<string>> = {}
        const applicant = applicantOf(body.applicant_id, fields)
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
        return { status: 201, body: wireWorkflowRun(workflowRuns.insert(run)) }
      })

    /** `POST /sdk_token`: a token for Onfido's SDKs, for an applicant that exists. */
    const generateSdkToken = (body: Record<string, unknown>) => {
      const fields: Record<string, Array<string>> = {}
      applicantOf(body.applicant_id, fields)
      for (const key of ["referrer", "application_id", "cross_device_url"]) {
        if (body[key] != null && typeof body[key] !== "string") fields[key] = ["must be a string"]
      }
      if (Object.keys(fields).length > 0) return Effect.succeed(invalid(fields))
      return Effect.succeed({ status: 200, body: { token: `simulated.${uuid().replaceAll("-", "")}` } })
    }

    /** The fields a webhook create (`partial: false`) or update body sets, or Onfido's 422. */
    const webhookFields = (body: Record<string, unknown>, partial: boolean) => {
      const fields: Record<string, Array<string>> = {}
      if (!(partial && body.url === undefined) && (typeof body.url !== "string" || !URL.canParse(body.url))) {
        fields.url = ["must be a valid URL"]
      }
      if (body.enabled != null && typeof body.enabled !== "boolean") fields.enabled = ["must be a boolean"]
      if (
        body.events != null &&
        (!isStringArray(body.events) || !body.events.every((name) => webhookEvents.has(name)))
      ) {
        fields.events = ["must be a list of event types"]
      }
      const environments = body.environments
      if (
        environments != null &&
        (!isStringArray(environments) || !environments.every((name) => name === "sandbox" || name === "live"))
      ) {
        fields.environments = ["must be sandbox or live"]
      }
      if (body.payload_version != null && !Number.isInteger(body.payload_version)) {
        fields.payload_version = ["must be an integer"]
      }
      if (Object.keys(fields).length > 0) return Effect.fail(invalid(fields))
      const given = ["url", "enabled", "events", "environments", "payload_version", "name"]
      return Effect.succeed(Object.fromEntries(given.filter((key) => body[key] != null).map((key) => [key, body[key]])))
    }

    /** `POST /webhooks`: a registered webhook, with its own signing token (events are sent to `webhookUrl` only). */
    const createWebhook = (body: Record<string, unknown>) =>
      Effect.gen(function* () {
        const given = yield* webhookFields(body, false)
        const id = uuid()
        const webhook = registrations.insert({
          id,
          enabled: true,
          events: [...webhookEvents],
          environments: ["sandbox", "live"],
          ...given,
          token: uuid().replaceAll("-", ""),
          href: href(`/webhooks/${id}`)
        })
        return { status: 201, body: webhook }
      })

    const updateWebhook = (request: Kit.Request<{ readonly id: string }>) =>
      Effect.gen(function* () {
        const webhook = yield* registrations.require(request.params.id)
        const body = request.json()
        if (!isRecord(body)) return badRequest
        return { status: 200, body: registrations.insert({ ...webhook, ...(yield* webhookFields(body, true)) }) }
      })

    /**
     * `GET /workflow_runs`: filtered by `status` (comma-separated), `applicant_id`, `tags`, `created_at_gt`/`_lt`;
     * sorted by creation (Onfido sorts by completion), 20 a page.
     */
    const listWorkflowRuns = (request: Kit.Request) => {
      const query = request.query
      const page = Number(query.get("page") ?? "1")
      const sort = query.get("sort") ?? "desc"
      const after = query.get("created_at_gt")
      const before = query.get("created_at_lt")
      const fields: Record<string, Array<string>> = {}
      if (!Number.isInteger(page) || page < 1) fields.page = ["must be a positive integer"]
      if (sort !== "asc" && sort !== "desc") fields.sort = ["must be asc or desc"]
      if (after !== null && Number.isNaN(Date.parse(after))) fields.created_at_gt = ["is not a date"]
      if (before !== null && Number.isNaN(Date.parse(before))) fields.created_at_lt = ["is not a date"]
      if (Object.keys(fields).length > 0) return Effect.succeed(invalid(fields))
      const statuses = query.get("status")?.split(",")
      const tags = query.getAll("tags").flatMap((tag) => tag.split(","))
      const applicantId = query.get("applicant_id")
      const listed = workflowRuns.filter(
        (run) =>
          (statuses === undefined || statuses.includes(run.status)) &&
          (applicantId === null || run.applicant_id === applicantId) &&
          tags.every((tag) => run.tags?.includes(tag) === true) &&
          (after === null || Date.parse(run.created_at) > Date.parse(after)) &&
          (before === null || Date.parse(run.created_at) < Date.parse(before))
      )
      const sorted = sort === "asc" ? listed : [...listed].reverse()
      return Effect.succeed({ status: 200, body: sorted.slice((page - 1) * 20, page * 20).map(wireWorkflowRun) })
    }

    /** The body of a JSON request, or Onfido's 400 (422 when it is not an object). */
    const jsonOf =
      (handler: (body: Record<string, unknown>) => Effect.Effect<Answer, Answer>) => (request: Kit.Request) => {
        const body =
          request.headers["content-type"]?.startsWith("application/json") === true ? request.json() : undefined
        if (body === undefined) return Effect.succeed(badRequest)
        return isRecord(body) ? handler(body) : Effect.succeed(invalid({ base: ["must be a JSON object"] }))
      }

    /** The form of a multipart request, or Onfido's 400. */
    const formOf = (handler: (form: FormData) => Effect.Effect<Answer>) => (request: Kit.Request) =>
      request.headers["content-type"]?.startsWith("multipart/form-data") === true
        ? Effect.flatMap(request.form(), (form) => (form === undefined ? Effect.succeed(badRequest) : handler(form)))
        : Effect.succeed(badRequest)

    /** `GET /checks/{id}`: sandbox checks complete quickly; the first retrieval sees in_progress, then completes. */
    const retrieveCheck = (request: Kit.Request<{ readonly id: string }>) =>
      Effect.gen(function* () {
        const check = yield* checks.require(request.params.id)
        const body = wireCheck(check)
        if (check.status === "in_progress" && !check.tags.includes(pendingTag)) yield* finish(check, check.planned)
        return { status: 200, body }
      })

    /** `GET /workflow-link/{id}?outcome=…`: the hosted flow's stand-in, where the end-user "finishes". */
    const hostedLink = (request: Kit.Request<{ readonly id: string }>) =>
      Effect.gen(function* () {
        const id = request.params.id
        const run = workflowRuns.get(id)
        if (run === undefined || run.status !== "awaiting_input") return { status: 404, body: "This link has expired." }
        const outcome = request.query.get("outcome") ?? ""
        if (!workflowRunOutcomes.has(outcome)) {
          return {
            status: 200,
            body: `Simulated Onfido workflow run ${id}: add ?outcome=approved (or declined, review, abandoned, error).`
          }
        }
        yield* finishRun(run, outcome as WorkflowRunOutcome)
        return run.completedRedirectUrl === null
          ? { status: 200, body: `Workflow run ${id}: ${run.status}` }
          : Kit.redirect(run.completedRedirectUrl)
      })

    // Every answer given as Onfido, for tests that hold it against Onfido's document (the kit's faults are not).
    const answered: Array<RecordedAnswer> = []
    const record = (request: Kit.Request, answer: Answer | undefined) => {
      if (answer === undefined) return
      const body =
        typeof answer.body === "string" || answer.body instanceof Uint8Array
          ? answer.body
          : JSON.parse(JSON.stringify(answer.body ?? null))
      answered.push({
        method: request.method,
        path: request.path,
        status: answer.status,
        contentType: answer.headers?.["content-type"] ?? contentType,
        body
      })
    }
    const recorded = (route: Kit.Route): Kit.Route => ({
      ...route,
      handler: (request) =>
        route.handler(request).pipe(
          Effect.tap((answer) => Effect.sync(() => record(request, answer))),
          Effect.tapError((answer) => Effect.sync(() => record(request, answer)))
        )
    })
    const guard = SimulatorAuth.refuse(
      SimulatorAuth.apiKey("authorization", options.apiToken, { prefix: "Token token=" }),
      unauthorized
    )

    const simulator: Kit.Simulator = yield* Kit.make({
      basePath: `/${OnfidoClient.apiVersion}`,
      guard: (request) => guard(request).pipe(Effect.tapError((answer) => Effect.sync(() => record(request, answer)))),
      notFound: (request) => {
        const answer = notFound("resource")()
        record(request, answer)
        return answer
      },
      headers: () => ({ "x-request-id": uuid() }),
      contentType,
      routes: [
        Kit.post("/applicants", jsonOf(createApplicant)),
        Kit.get("/applicants", listApplicants),
        Kit.get("/applicants/:id", (request) =>
          Effect.map(applicants.require(request.params.id), (applicant) => ({ status: 200, body: applicant }))
        ),
        Kit.put("/applicants/:id", updateApplicant),
        // Deletion is scheduled (`delete_at`, 20 days on here); until then the applicant can be restored.
        Kit.del("/applicants/:id", (request) =>
          Effect.gen(function* () {
            const applicant = yield* applicants.require(request.params.id)
            const at = yield* Clock.currentTimeMillis
            const deleteAt = new Date(at + 20 * 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")
            applicants.insert({ ...applicant, delete_at: applicant.delete_at ?? deleteAt })
            return noContent
          })
        ),
        Kit.post("/applicants/:id/restore", (request) =>
          Effect.map(applicants.require(request.params.id), ({ delete_at: _, ...applicant }) => {
            applicants.insert(applicant)
            return noContent
          })
        ),
        Kit.post("/documents", formOf(uploadDocument)),
        Kit.get(
          "/documents",
          listOf("documents", (applicantId) => documents.filter((document) => document.applicant_id === applicantId))
        ),
        Kit.get("/documents/:id", (request) =>
          Effect.map(documents.require(request.params.id), (document) => ({ status: 200, body: document }))
        ),
        Kit.get("/documents/:id/download", download(documents)),
        Kit.post("/live_photos", formOf(uploadLivePhoto)),
        Kit.get(
          "/live_photos",
          listOf("live_photos", (applicantId) =>
            livePhotos.filter((photo) => photo.applicant_id === applicantId).map(wireLivePhoto)
          )
        ),
        Kit.get("/live_photos/:id", (request) =>
          Effect.map(livePhotos.require(request.params.id), (photo) => ({ status: 200, body: wireLivePhoto(photo) }))
        ),
        Kit.get("/live_photos/:id/download", download(livePhotos)),
        Kit.get(
          "/live_videos",
          listOf("live_videos", () => liveVideos.all())
        ),
        Kit.get("/live_videos/:id", (request) =>
          Effect.map(liveVideos.require(request.params.id), (video) => ({ status: 200, body: video }))
        ),
        Kit.get("/live_videos/:id/download", download(liveVideos)),
        Kit.get("/live_videos/:id/frame", download(liveVideos)),
        Kit.post("/checks", jsonOf(createCheck)),
        Kit.get("/checks", (request) => {
          const applicantId = request.query.get("applicant_id")
          if (applicantId === null) return Effect.succeed(invalid({ applicant_id: ["can't be blank"] }))
          const listed = checks.filter((check) => check.applicant_id === applicantId)
          return Effect.succeed({ status: 200, body: { checks: listed.map(wireCheck) } })
        }),
        Kit.get("/checks/:id", retrieveCheck),
        Kit.get("/checks/:id/download", (request) =>
          Effect.map(checks.require(request.params.id), (check) =>
            fileAnswer({ mediaType: "application/pdf", bytes: checkPdf(check.id) })
          )
        ),
        // Only a paused check is resumed; the simulator never pauses one, so resuming changes nothing.
        Kit.post("/checks/:id/resume", (request) => Effect.as(checks.require(request.params.id), noContent)),
        Kit.get("/reports", (request) =>
          Effect.map(checks.require(request.query.get("check_id") ?? ""), (check) => ({
            status: 200,
            body: { reports: reports.filter((report) => check.reports.includes(report.id)).map(wireReport) }
          }))
        ),
        Kit.get("/reports/:id", (request) =>
          Effect.map(reports.require(request.params.id), (report) => ({ status: 200, body: wireReport(report) }))
        ),
        Kit.post("/reports/:id/resume", (request) => Effect.as(reports.require(request.params.id), noContent)),
        // A report that has not completed is `cancelled` (and stays so when its check completes).
        Kit.post("/reports/:id/cancel", (request) =>
          Effect.map(reports.require(request.params.id), (report) => {
            if (report.status !== "complete" && report.status !== "withdrawn") report.status = "cancelled"
            return noContent
          })
        ),
        Kit.post("/workflow_runs", jsonOf(createWorkflowRun)),
        Kit.get("/workflow_runs", listWorkflowRuns),
        Kit.get("/workflow_runs/:id", (request) =>
          Effect.map(workflowRuns.require(request.params.id), (run) => ({
            status: 200,
            body: wireWorkflowRun(run)
          }))
        ),
        Kit.post("/sdk_token", jsonOf(generateSdkToken)),
        Kit.post("/webhooks", jsonOf(createWebhook)),
        Kit.get("/webhooks", () => Effect.succeed({ status: 200, body: { webhooks: registrations.all() } })),
        Kit.get("/webhooks/:id", (request) =>
          Effect.map(registrations.require(request.params.id), (webhook) => ({ status: 200, body: webhook }))
        ),
        Kit.put("/webhooks/:id", updateWebhook),
        Kit.del("/webhooks/:id", (request) =>
          Effect.map(registrations.require(request.params.id), (webhook) => {
            registrations.remove(webhook.id)
            return noContent
          })
        )
      ].map(recorded),
      pages: [Kit.get("/workflow-link/:id", hostedLink)]
    })

    return {
      baseUrl: simulator.baseUrl,
      failNext: (failure) => simulator.arm(failures[failure]),
      arm: simulator.arm,
      complete,
      requests: simulator.requests,
      answers: Effect.sync(() => [...answered]),
      webhooks: webhooks.deliveries
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
) =>
  Kit.withProvider(layer(options), OnfidoSimulator, (simulator) =>
    OnfidoProvider.layer({
      apiToken: options.apiToken,
      baseUrl: simulator.baseUrl,
      timeout: options.timeout,
      webhookSecrets: [options.webhookToken],
      workflowId: options.workflowId ?? "00000000-0000-4000-8000-000000000001"
    })
  )

/**
 * Bytes that pass for an image of `kind` with Onfido's size limits: a JPEG header, padded to 4 KB for a document
 * side and 40 KB for a selfie.
 *
 * @since 0.1.0
 */
export const sampleImage = (kind: "front" | "back" | "selfie"): IdentityProvider.InputFile => ({
  kind,
  mediaType: "image/jpeg",
  bytes: TestRequest.jpeg(kind === "selfie" ? 40 * 1024 : 4 * 1024)
})

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
): IdentityProvider.StartRequest<unknown> =>
  TestRequest.start({
    processType,
    parameters:
      magic === "pending"
        ? { tags: [pendingTag] }
        : magic === "rejected" || magic === "suspected" || magic === "caution"
          ? { sandbox: { subResult: magic } }
          : {},
    userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({
      firstName: "Jane",
      lastName: magic === "consider" ? "Consider" : "Doe",
      dateOfBirth: "1990-01-01"
    }),
    files: [sampleImage("front"), ...(processType === "documentSelfie" ? [sampleImage("selfie")] : [])]
  })

/**
 * A start request of a `workflow` process; the run waits for its hosted link or `complete(id, outcome)`.
 *
 * @since 0.1.0
 */
export const workflowRequest = (
  parameters: Readonly<Record<string, unknown>> = {}
): IdentityProvider.StartRequest<unknown> =>
  TestRequest.start({
    processType: "workflow",
    parameters,
    userData: Schema.decodeUnknownSync(IdentityData.IdentityData)({ firstName: "Jane", lastName: "Doe" }),
    returnUrl: "https://app.example/return"
  })
