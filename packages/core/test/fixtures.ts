/** The accepted Paper process from Signicat's documentation, with our files list and ids. */
import type { Dossier, Process } from "../src/index.js"

export const acceptedProcess: typeof Process.Process.Encoded = {
  processId: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
  dossierId: "3f1c9a52-8d3e-4f0e-9a57-1c2b3d4e5f60",
  provider: "signicatpaper",
  processType: "document",
  status: "accepted",
  createdAt: "2024-05-01T10:30:00Z",
  updatedAt: "2024-05-01T10:31:12Z",
  finalResult: {
    firstName: "Maria Paula",
    lastName: "Santos Mendes",
    dateOfExpiry: "2030-07-08",
    gender: "F",
    nationality: "PRT",
    documentType: "passport",
    documentNumber: "1234567890",
    issuingCountry: "PRT",
    dateOfBirth: "2002-04-29"
  },
  providerSpecific: { verification: { type: "MRZ_FEATURE_COMPARISON", status: "true" } },
  files: [
    {
      fileId: "f-1",
      kind: "portrait",
      mediaType: "image/jpeg",
      size: 20480,
      createdAt: "2024-05-01T10:31:12Z"
    }
  ]
}

export const dossier: typeof Dossier.Dossier.Encoded = {
  dossierId: "3f1c9a52-8d3e-4f0e-9a57-1c2b3d4e5f60",
  externalReference: "customer-42",
  createdAt: "2024-05-01T10:29:00Z",
  updatedAt: "2024-05-01T10:31:12Z",
  userData: { firstName: "Maria Paula", lastName: "Santos Mendes", dateOfBirth: "2002-04-29" },
  files: [],
  processes: [
    {
      processId: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
      provider: "signicatpaper",
      processType: "document",
      status: "accepted",
      createdAt: "2024-05-01T10:30:00Z",
      updatedAt: "2024-05-01T10:31:12Z"
    }
  ]
}
