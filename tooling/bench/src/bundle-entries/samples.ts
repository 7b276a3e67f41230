/** One dossier and one process in the Assure API's JSON form, decoded by every bundle-size entry. */

const finalResult = {
  firstName: "Maria Paula",
  lastName: "Santos Mendes",
  dateOfBirth: "2002-04-29",
  gender: "F",
  nationality: "PRT",
  documentType: "passport",
  documentNumber: "CB1234567",
  issuingCountry: "PRT",
  dateOfExpiry: "2031-04-28"
}

const file = {
  fileId: "f-7c1e2d",
  kind: "front",
  mediaType: "image/jpeg",
  size: 183_422,
  createdAt: "2024-05-01T10:31:02Z"
}

export const sampleDossier: unknown = {
  dossierId: "3f1c9a52-8d3e-4f0e-9a57-1c2b3d4e5f60",
  externalReference: "customer-1042",
  createdAt: "2024-05-01T10:30:00Z",
  updatedAt: "2024-05-01T10:40:00Z",
  userData: { firstName: "Maria Paula", lastName: "Santos Mendes", dateOfBirth: "2002-04-29" },
  files: [file],
  processes: [
    {
      processId: "p-5b2a",
      provider: "stripe-identity",
      processType: "documentSelfie",
      status: "accepted",
      createdAt: "2024-05-01T10:32:00Z",
      updatedAt: "2024-05-01T10:38:00Z"
    }
  ]
}

export const sampleProcess: unknown = {
  processId: "p-5b2a",
  dossierId: "3f1c9a52-8d3e-4f0e-9a57-1c2b3d4e5f60",
  provider: "stripe-identity",
  processType: "documentSelfie",
  status: "accepted",
  createdAt: "2024-05-01T10:32:00Z",
  updatedAt: "2024-05-01T10:38:00Z",
  finalResult,
  providerSpecific: { verificationSessionId: "vs_1P9x", livemode: false, checks: ["document", "selfie"] },
  files: [file, { ...file, fileId: "f-9a0b", kind: "selfie" }]
}
