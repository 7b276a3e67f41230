/**
 * The examples the OpenAPI document shows for each operation: one sandbox verification, as the server answers it
 * (captured from a running server, ids and all). Each is typed by the wire schema it illustrates, and the contract
 * test decodes every example in `/openapi.json` with the operation's own schema, so none can drift from the API.
 */
import type { Dossier, FileInfo, IdentityData, Process } from "@assure/core"

/** An example as OpenAPI's Example Object has it. */
export interface Example {
  readonly summary: string
  readonly description?: string
  readonly value: unknown
}

/** The ids the examples share, so that one example's answer is the next one's path. */
export const ids = {
  dossierId: "a9aef9ce-44b3-4739-99f0-7fb65299471b",
  processId: "83d32f45-d546-45f2-8de9-2b041ffced89",
  fileId: "26123c23-ca8f-42be-bed4-0489c621f722",
  portraitId: "3fbdca07-502d-4406-ad83-bf125c941479",
  notificationId: "66be91f7-dacf-4c91-b929-788a1ac5ae88",
  provider: "sandbox"
} as const

/** A trace id as problems carry it. */
export const traceId = "4b53f0a3309de3603018be97f1797c16"

/** A tiny JPEG (a JFIF header and a comment) as a data URL: the sandbox checks that a file is an image, not what it shows. */
export const frontDataUrl = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD//gANYXNzdXJlIGRlbW//2Q=="

const createdAt = "2026-12-06T20:58:08Z"
const endedAt = "2026-12-06T20:58:10Z"

/** The client's identity data for the end-user. */
export const userData: typeof IdentityData.IdentityData.Encoded = {
  firstName: "Kari",
  lastName: "Nordmann",
  dateOfBirth: "1990-05-17",
  nationality: "NOR"
}

/** What the provider read from the document, normalised. */
export const finalResult: typeof IdentityData.IdentityData.Encoded = {
  firstName: "Kari",
  lastName: "Nordmann",
  dateOfBirth: "1990-05-17",
  gender: "F",
  nationality: "NOR",
  documentType: "idCard",
  documentNumber: "C01X00T47",
  issuingCountry: "DEU",
  dateOfIssue: "2021-01-15",
  dateOfExpiry: "2031-01-14"
}

/** The front image, as stored. */
export const frontFile: typeof FileInfo.FileInfo.Encoded = {
  fileId: ids.fileId,
  kind: "front",
  mediaType: "image/jpeg",
  size: 37,
  createdAt
}

const portraitFile: typeof FileInfo.FileInfo.Encoded = {
  fileId: ids.portraitId,
  kind: "portrait",
  mediaType: "image/png",
  size: 70,
  createdAt: endedAt
}

/** A dossier just created. */
export const newDossier: typeof Dossier.Dossier.Encoded = {
  dossierId: ids.dossierId,
  externalReference: "customer-42",
  createdAt,
  updatedAt: createdAt,
  userData,
  files: [],
  processes: []
}

const processBase = {
  processId: ids.processId,
  provider: "sandbox",
  processType: "document",
  createdAt,
  dossierId: ids.dossierId
} as const

/** A process just created: `pending` until verification is requested. */
export const pendingProcess: typeof Process.Process.Encoded = {
  ...processBase,
  status: "pending",
  updatedAt: createdAt,
  files: []
}

/** A process created with `provider: "auto"`: the routing policy chose the sandbox, with `veriff` left as fallback. */
export const routedProcess: typeof Process.Process.Encoded = {
  ...processBase,
  status: "pending",
  updatedAt: createdAt,
  files: [],
  routing: {
    decision: {
      policy: "tenant",
      request: { processType: "document", nationality: "PRT" },
      rule: { index: 2, description: "Onfido elsewhere, Veriff if Onfido fails" },
      considered: [
        { provider: "onfido", outcome: "skipped", reason: "circuitOpen" },
        { provider: "sandbox", outcome: "chosen" },
        { provider: "veriff", outcome: "fallback" }
      ]
    },
    fallbacks: ["veriff"]
  }
}

/** A process whose verification was requested: the provider is working on it. */
export const processingProcess: typeof Process.Process.Encoded = {
  ...processBase,
  status: "processing",
  updatedAt: createdAt,
  files: []
}

/** An eID process whose verification was requested: send the end-user to `redirectUrl`. */
export const redirectProcess: typeof Process.Process.Encoded = {
  ...processBase,
  processType: "eid",
  status: "pending",
  updatedAt: createdAt,
  files: [],
  redirectUrl: "https://broker.example/authorize?state=sbx_e7f3aff9eec74b2ea88fcaf7dfb9c724"
}

/** A process the provider accepted: `finalResult` holds the normalised identity data. */
export const acceptedProcess: typeof Process.Process.Encoded = {
  ...processBase,
  status: "accepted",
  updatedAt: endedAt,
  finalResult,
  providerSpecific: { sandbox: { reference: "sbx_b8ec37bfbac44e1baaf261431a2ee3c0", scenario: "accepted" } },
  files: [portraitFile]
}

/** A process the client canceled before it ended. */
export const canceledProcess: typeof Process.Process.Encoded = {
  ...processBase,
  status: "canceled",
  updatedAt: endedAt,
  providerSpecific: {},
  files: []
}

/** The dossier once its process was accepted. */
export const verifiedDossier: typeof Dossier.Dossier.Encoded = {
  ...newDossier,
  updatedAt: endedAt,
  files: [frontFile],
  processes: [
    {
      processId: ids.processId,
      provider: "sandbox",
      processType: "document",
      status: "accepted",
      createdAt,
      updatedAt: endedAt
    }
  ]
}

/** A page of the dossier list: dossiers without their `userData`, and where the next page starts. */
export const dossierPage = {
  dossiers: [
    {
      dossierId: verifiedDossier.dossierId,
      externalReference: "customer-42",
      createdAt: verifiedDossier.createdAt,
      updatedAt: verifiedDossier.updatedAt,
      files: verifiedDossier.files,
      processes: verifiedDossier.processes
    }
  ],
  nextCursor: "MjAyNi0xMi0wNlQyMDo1ODowOFp8YTlhZWY5Y2UtNDRiMy00NzM5LTk5ZjAtN2ZiNjUyOTk0NzFi"
}

/** A notification to the client, as listed. */
export const notification = {
  id: ids.notificationId,
  kind: "callback",
  dossierId: ids.dossierId,
  processId: ids.processId,
  url: "https://client.example/assure/callbacks",
  status: "delivered",
  attempts: 1,
  createdAt: endedAt,
  deliveredAt: endedAt
} as const

/** A failed notification queued again: pending, its attempts counted afresh. */
export const redeliveredNotification = {
  id: ids.notificationId,
  kind: "callback",
  dossierId: ids.dossierId,
  processId: ids.processId,
  url: "https://client.example/assure/callbacks",
  status: "pending",
  attempts: 0,
  createdAt: endedAt
} as const

/** A new dossier as a client creates it. */
export const newDossierRequest = { externalReference: "customer-42", userData }

/** The matching of the accepted process with the dossier's `userData`. */
export const matchingReport = {
  result: "match",
  fields: { firstName: "match", lastName: "match", dateOfBirth: "match", nationality: "match" }
} as const

/** The sandbox's document types. */
export const documentTypes = {
  provider: "sandbox",
  documentTypes: [
    { documentType: "passport" },
    { documentType: "idCard" },
    { documentType: "driverLicense" },
    { documentType: "residencePermit" }
  ]
}

/** An access token, as the token endpoint answers it. */
export const token = {
  access_token:
    "eyJhbGciOiJFUzI1NiJ9.eyJzY29wZSI6InNpZ25pY2F0LWFwaSIsInN1YiI6ImRldi1jbGllbnQiLCJpc3MiOiJodHRwOi8vbG9jYWxob3N0OjgwODAiLCJhdWQiOiJodHRwOi8vbG9jYWxob3N0OjgwODAvYXNzdXJlIiwiaWF0IjoxNzk2NTkwNjg3LCJleHAiOjE3OTY1OTEyODd9.H0MSNivpp_x_wZUWWlWwFCHFDUaubxq3yfMkIIr5OXCsQpfjXRYtU3EsMVEdLwAlJJMe3GzyxFyME9Xkb9zbyQ",
  token_type: "Bearer",
  expires_in: 600,
  scope: "signicat-api"
} as const

/** The policy of the issue that asked for routing: BankID for NOR and SWE, MitID for DNK, Onfido elsewhere, Veriff if Onfido fails. */
export const routingPolicy = {
  rules: [
    { description: "BankID for NOR and SWE", when: { nationality: ["NOR", "SWE"] }, provider: "bankid" },
    { description: "MitID for DNK", when: { nationality: ["DNK"] }, provider: "mitid" },
    { description: "Onfido elsewhere, Veriff if Onfido fails", provider: "onfido", fallbacks: ["veriff"] }
  ]
}

/** A client's own routing policy, as `GET /assure/routing/policy` answers it. */
export const routingPolicyInForce = { policy: routingPolicy, source: "tenant", updatedAt: "2026-12-07T09:12:44Z" }

/** Circuits as `GET /assure/routing/circuits` lists them: Onfido kept failing and is skipped for now. */
export const circuits = {
  circuits: [
    {
      provider: "onfido",
      state: "open",
      calls: 0,
      failures: 0,
      failureRate: 0,
      since: "2026-12-07T09:30:02Z",
      nextHalfOpenAt: "2026-12-07T09:30:32Z"
    },
    {
      provider: "veriff",
      state: "closed",
      calls: 14,
      failures: 1,
      failureRate: 0.07142857142857142,
      since: "2026-12-07T08:02:10Z"
    }
  ]
}

/** A capture page, as `POST /assure/dossiers/{dossierId}/capture` answers it. */
export const captureStarted = {
  captureUrl: "https://assure.example/capture/3q2-7wVhX0lD6sQK5mUeE1m4Lw8yXzR0u9tYcP2fN1A",
  expiresAt: "2026-12-06T21:28:08Z"
}

/** `GET /assure/audit`: a claim and the decision that followed it. */
export const auditEntries = {
  entries: [
    {
      id: "0193a8c4e2f10002b1c7d9e04f6a8b21",
      at: "2026-12-07T15:00:00Z",
      actor: { id: "ana", name: "Ana Lima" },
      action: "decided",
      dossierId: "2d9e6f0a-4c1b-4f7e-9a3d-5b8c7e1f2a60",
      processId: "6f1c2b3a-8d7e-4c5f-9b0a-1e2d3c4b5a69",
      detail: {
        reviewId: "0b7e3c1d-2a4f-4e6b-8c9d-7f1a2b3c4d5e",
        decision: "rejected",
        reason: "document_expired"
      }
    },
    {
      id: "0193a8c4a9d00001f2e3d4c5b6a79810",
      at: "2026-12-07T14:59:00Z",
      actor: { id: "ana", name: "Ana Lima" },
      action: "claimed",
      dossierId: "2d9e6f0a-4c1b-4f7e-9a3d-5b8c7e1f2a60",
      processId: "6f1c2b3a-8d7e-4c5f-9b0a-1e2d3c4b5a69"
    }
  ]
}
