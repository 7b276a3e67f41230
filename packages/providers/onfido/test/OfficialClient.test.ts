// Onfido's own Node client, `@onfido/api` (generated from the same OpenAPI document), against the simulator: every
// operation of the verification flow it offers — applicants, documents, live photos and videos, checks, reports,
// workflow runs, SDK tokens, webhooks — is sent as Onfido's client sends it, and answered as Onfido answers (live
// videos, which only Onfido's SDKs upload, are an empty list and Onfido's 404). Every answer is also held against the
// document (`OnfidoSpec.validated`).

import { assert, describe, it } from "@effect/vitest"
import {
  Configuration,
  DefaultApi,
  DocumentTypes,
  FileTransfer,
  ReportName,
  ReportStatus,
  WebhookEventType
} from "@onfido/api"
import { Effect, Redacted } from "effect"
import * as Testing from "../src/testing.js"
import * as OnfidoSpec from "./support/OnfidoSpec.js"

const apiToken = "api_sandbox.official_client"
const SimulatorLayer = OnfidoSpec.validated(
  Testing.layer({ apiToken: Redacted.make(apiToken), webhookToken: Redacted.make("official-client-webhook-token") })
)

/** Onfido's client, pointed at the simulator. */
const client = Effect.map(
  Testing.OnfidoSimulator,
  (simulator) => new DefaultApi(new Configuration({ apiToken, basePath: simulator.baseUrl }))
)

/** Calls the client; its promise's value (an `AxiosResponse`). */
const send = <A>(call: () => Promise<A>) => Effect.promise(call)

/** The status and Onfido error type of a call the client rejects. */
const refusal = (call: () => Promise<unknown>) =>
  Effect.promise(() =>
    call().then(
      () => ({ status: 0, type: "answered" }),
      (error: { readonly response?: { readonly status: number; readonly data: unknown } }) => {
        const data = error.response?.data as { readonly error?: { readonly type?: string } } | undefined
        return { status: error.response?.status ?? 0, type: data?.error?.type ?? "" }
      }
    )
  )

/** The axios option that keeps a download's bytes. */
const binary = { responseType: "arraybuffer" } as const

const jpeg = (size: number) => Buffer.from(Testing.sampleImage(size > 32 * 1024 ? "selfie" : "front").bytes)

describe("@onfido/api against the simulator", () => {
  it.live("applicants: create, find, list, update, delete and restore", () =>
    Effect.gen(function* () {
      const api = yield* client
      const created = yield* send(() =>
        api.createApplicant({ first_name: "Jane", last_name: "Doe", dob: "1990-01-01", email: "jane@example.com" })
      )
      assert.strictEqual(created.status, 201)
      const id = created.data.id
      assert.strictEqual(created.data.email, "jane@example.com")
      const found = yield* send(() => api.findApplicant(id))
      assert.deepStrictEqual(found.data, created.data)
      const updated = yield* send(() => api.updateApplicant(id, { last_name: "Roe", phone_number: "+447700900000" }))
      assert.strictEqual(updated.data.last_name, "Roe")
      assert.strictEqual(updated.data.first_name, "Jane")
      assert.strictEqual(updated.data.phone_number, "+447700900000")
      yield* send(() => api.createApplicant({ first_name: "John", last_name: "Smith" }))
      const listed = yield* send(() => api.listApplicants(1, 1))
      assert.deepStrictEqual(
        listed.data.applicants.map((applicant) => applicant.first_name),
        ["John"]
      )
      assert.strictEqual((yield* send(() => api.deleteApplicant(id))).status, 204)
      const remaining = yield* send(() => api.listApplicants())
      assert.notInclude(
        remaining.data.applicants.map((applicant) => applicant.id),
        id
      )
      const withDeleted = yield* send(() => api.listApplicants(1, 20, true))
      assert.isString(withDeleted.data.applicants.find((applicant) => applicant.id === id)?.delete_at)
      // An applicant scheduled for deletion takes no new checks.
      const refused = yield* refusal(() => api.createCheck({ applicant_id: id, report_names: [ReportName.Document] }))
      assert.deepStrictEqual(refused, { status: 422, type: "validation_error" })
      assert.strictEqual((yield* send(() => api.restoreApplicant(id))).status, 204)
      assert.isUndefined((yield* send(() => api.findApplicant(id))).data.delete_at)
      assert.deepStrictEqual(yield* refusal(() => api.findApplicant("4f2e1c1e-0000-4000-8000-000000000000")), {
        status: 404,
        type: "resource_not_found"
      })
    }).pipe(Effect.provide(SimulatorLayer))
  )

  it.live("documents, live photos and live videos: upload, find, list and download", () =>
    Effect.gen(function* () {
      const api = yield* client
      const applicant = (yield* send(() => api.createApplicant({ first_name: "Jane", last_name: "Doe" }))).data
      const front = jpeg(4 * 1024)
      const document = yield* send(() =>
        api.uploadDocument(
          DocumentTypes.Passport,
          applicant.id,
          new FileTransfer(front, "front.jpg"),
          undefined,
          "front",
          "GBR"
        )
      )
      assert.strictEqual(document.status, 201)
      assert.strictEqual(document.data.type, "passport")
      assert.strictEqual(document.data.issuing_country, "GBR")
      assert.deepStrictEqual((yield* send(() => api.findDocument(document.data.id))).data, document.data)
      const documents = yield* send(() => api.listDocuments(applicant.id))
      assert.deepStrictEqual(
        documents.data.documents.map((found) => found.id),
        [document.data.id]
      )
      // Without `responseType`, axios reads a download as UTF-8 text: byte-exact files need an array buffer.
      const downloaded = yield* send(() => api.downloadDocument(document.data.id, binary))
      assert.isTrue(Buffer.from(downloaded.data.buffer).equals(front), "the document's bytes, as uploaded")

      const selfie = jpeg(40 * 1024)
      const photo = yield* send(() => api.uploadLivePhoto(applicant.id, new FileTransfer(selfie, "selfie.jpg"), true))
      assert.strictEqual(photo.status, 201)
      assert.strictEqual(photo.data.file_size, selfie.byteLength)
      assert.deepStrictEqual((yield* send(() => api.findLivePhoto(photo.data.id))).data, photo.data)
      const photos = yield* send(() => api.listLivePhotos(applicant.id))
      assert.deepStrictEqual(photos.data.live_photos, [photo.data])
      const photoBytes = yield* send(() => api.downloadLivePhoto(photo.data.id, binary))
      assert.isTrue(Buffer.from(photoBytes.data.buffer).equals(selfie), "the live photo's bytes, as uploaded")

      // Live videos are recorded by Onfido's SDKs only: the simulator has none, and answers as Onfido does.
      assert.deepStrictEqual((yield* send(() => api.listLiveVideos(applicant.id))).data, { live_videos: [] })
      const unknown = "4f2e1c1e-0000-4000-8000-000000000001"
      for (const call of [
        () => api.findLiveVideo(unknown),
        () => api.downloadLiveVideo(unknown),
        () => api.downloadLiveVideoFrame(unknown)
      ]) {
        assert.deepStrictEqual(yield* refusal(call), { status: 404, type: "resource_not_found" })
      }
    }).pipe(Effect.provide(SimulatorLayer))
  )

  it.live("checks and reports: create, find, list, resume, download and cancel", () =>
    Effect.gen(function* () {
      const api = yield* client
      const applicant = (yield* send(() => api.createApplicant({ first_name: "Jane", last_name: "Doe" }))).data
      const document = yield* send(() =>
        api.uploadDocument(DocumentTypes.DrivingLicence, applicant.id, new FileTransfer(jpeg(4 * 1024), "front.jpg"))
      )
      yield* send(() => api.uploadLivePhoto(applicant.id, new FileTransfer(jpeg(40 * 1024), "selfie.jpg")))
      const check = yield* send(() =>
        api.createCheck({
          applicant_id: applicant.id,
          report_names: [ReportName.Document, ReportName.FacialSimilarityPhoto],
          document_ids: [document.data.id],
          tags: [Testing.pendingTag]
        })
      )
      assert.strictEqual(check.status, 201)
      assert.strictEqual(check.data.status, "in_progress")
      assert.lengthOf(check.data.report_ids ?? [], 2)
      assert.deepStrictEqual((yield* send(() => api.findCheck(check.data.id))).data, check.data)
      const checks = yield* send(() => api.listChecks(applicant.id))
      assert.deepStrictEqual(
        checks.data.checks.map((found) => found.id),
        [check.data.id]
      )
      assert.strictEqual((yield* send(() => api.resumeCheck(check.data.id))).status, 204)
      const pdf = yield* send(() => api.downloadCheck(check.data.id))
      assert.strictEqual(Buffer.from(pdf.data.buffer).subarray(0, 5).toString(), "%PDF-")

      const reports = (yield* send(() => api.listReports(check.data.id))).data.reports
      assert.sameMembers(
        reports.map((report) => report.name),
        ["document", "facial_similarity_photo"]
      )
      const face = reports.find((report) => report.name === "facial_similarity_photo")
      assert.isDefined(face)
      const faceId = face?.id ?? ""
      assert.strictEqual((yield* send(() => api.resumeReport(faceId))).status, 204)
      assert.strictEqual((yield* send(() => api.cancelReport(faceId))).status, 204)
      assert.strictEqual((yield* send(() => api.findReport(faceId))).data.status, ReportStatus.Cancelled)

      // The check completes with its other report; the cancelled one stays cancelled.
      yield* Testing.OnfidoSimulator.use((simulator) => simulator.complete(check.data.id, "clear"))
      const completed = yield* send(() => api.findCheck(check.data.id))
      assert.strictEqual(completed.data.status, "complete")
      assert.strictEqual(completed.data.result, "clear")
      const after = (yield* send(() => api.listReports(check.data.id))).data.reports
      assert.deepStrictEqual(after.map((report) => [report.name, report.status, report.result]).sort(), [
        ["document", "complete", "clear"],
        ["facial_similarity_photo", "cancelled", undefined]
      ])
      assert.deepStrictEqual(yield* refusal(() => api.findReport("4f2e1c1e-0000-4000-8000-000000000002")), {
        status: 404,
        type: "resource_not_found"
      })
    }).pipe(Effect.provide(SimulatorLayer))
  )

  it.live("workflow runs (create, find, list) and SDK tokens (generate)", () =>
    Effect.gen(function* () {
      const api = yield* client
      const applicant = (yield* send(() => api.createApplicant({ first_name: "Jane", last_name: "Doe" }))).data
      const other = (yield* send(() => api.createApplicant({ first_name: "John", last_name: "Smith" }))).data
      const workflowId = "00000000-0000-4000-8000-000000000001"
      const run = yield* send(() =>
        api.createWorkflowRun({
          workflow_id: workflowId,
          applicant_id: applicant.id,
          tags: ["gold"],
          link: { completed_redirect_url: "https://app.example/return" }
        })
      )
      assert.strictEqual(run.status, 201)
      assert.strictEqual(run.data.status, "awaiting_input")
      assert.isString(run.data.link?.url)
      const second = yield* send(() => api.createWorkflowRun({ workflow_id: workflowId, applicant_id: other.id }))
      assert.deepStrictEqual((yield* send(() => api.findWorkflowRun(run.data.id))).data, run.data)
      yield* Testing.OnfidoSimulator.use((simulator) => simulator.complete(second.data.id, "declined"))
      const ids = (runs: ReadonlyArray<{ readonly id: string }>) => runs.map((found) => found.id)
      assert.deepStrictEqual(ids((yield* send(() => api.listWorkflowRuns())).data), [second.data.id, run.data.id])
      assert.deepStrictEqual(
        ids((yield* send(() => api.listWorkflowRuns(1, undefined, undefined, undefined, "asc"))).data),
        [run.data.id, second.data.id]
      )
      assert.deepStrictEqual(ids((yield* send(() => api.listWorkflowRuns(undefined, "declined"))).data), [
        second.data.id
      ])
      assert.deepStrictEqual(
        ids(
          (yield* send(() => api.listWorkflowRuns(undefined, undefined, undefined, undefined, undefined, applicant.id)))
            .data
        ),
        [run.data.id]
      )
      assert.deepStrictEqual(
        ids(
          (yield* send(() =>
            api.listWorkflowRuns(undefined, undefined, undefined, undefined, undefined, undefined, ["gold"])
          )).data
        ),
        [run.data.id]
      )

      const token = yield* send(() =>
        api.generateSdkToken({ applicant_id: applicant.id, referrer: "https://app.example/*" })
      )
      assert.strictEqual(token.status, 200)
      assert.isNotEmpty(token.data.token)
      assert.deepStrictEqual(
        yield* refusal(() => api.generateSdkToken({ applicant_id: "4f2e1c1e-0000-4000-8000-000000000003" })),
        { status: 422, type: "validation_error" }
      )
    }).pipe(Effect.provide(SimulatorLayer))
  )

  it.live("webhooks: create, find, list, update and delete", () =>
    Effect.gen(function* () {
      const api = yield* client
      const created = yield* send(() =>
        api.createWebhook({
          url: "https://app.example/webhooks/onfido",
          events: [WebhookEventType.CheckCompleted, WebhookEventType.WorkflowRunCompleted],
          environments: ["sandbox"]
        })
      )
      assert.strictEqual(created.status, 201)
      assert.isTrue(created.data.enabled)
      assert.isNotEmpty(created.data.token)
      assert.deepStrictEqual(created.data.events, ["check.completed", "workflow_run.completed"])
      assert.deepStrictEqual((yield* send(() => api.findWebhook(created.data.id))).data, created.data)
      const updated = yield* send(() => api.updateWebhook(created.data.id, { enabled: false }))
      assert.isFalse(updated.data.enabled)
      assert.strictEqual(updated.data.url, created.data.url)
      assert.deepStrictEqual((yield* send(() => api.listWebhooks())).data.webhooks, [updated.data])
      assert.strictEqual((yield* send(() => api.deleteWebhook(created.data.id))).status, 204)
      assert.deepStrictEqual((yield* send(() => api.listWebhooks())).data.webhooks, [])
      assert.deepStrictEqual(yield* refusal(() => api.findWebhook(created.data.id)), {
        status: 404,
        type: "resource_not_found"
      })
      assert.deepStrictEqual(yield* refusal(() => api.createWebhook({ url: "not a url" })), {
        status: 422,
        type: "validation_error"
      })
    }).pipe(Effect.provide(SimulatorLayer))
  )

  it.live("refuses the client with another API token, as Onfido does", () =>
    Effect.gen(function* () {
      const simulator = yield* Testing.OnfidoSimulator
      const stranger = new DefaultApi(new Configuration({ apiToken: "api_sandbox.other", basePath: simulator.baseUrl }))
      assert.deepStrictEqual(yield* refusal(() => stranger.listWebhooks()), {
        status: 401,
        type: "authorization_error"
      })
    }).pipe(Effect.provide(SimulatorLayer))
  )
})
