/**
 * A journey that handles everything the server must keep out of its logs and traces — a client secret, a wrong
 * secret, bearer tokens, a client's callback credentials and identity data — and returns those values, so a test can
 * look for them in what the server wrote.
 */
import { expect } from "vitest"
import { apiClient, clients, type Running } from "./server.js"

/** Identity data no log line may carry: distinctive enough that a match is never a coincidence. */
export const identity = {
  firstName: "Ingeborg Solveig",
  lastName: "Kvalheim-Drangsholt",
  dateOfBirth: "1971-09-15",
  documentNumber: "NX7Q41K9Z",
  personalNumber: "15097134599"
}

export interface SensitiveRun {
  /** Every value that must never appear in logs or traces. */
  readonly secrets: ReadonlyArray<string>
  /** The trace id of a refused request, from its problem details. */
  readonly problemTraceId: string
  /** The path of that refused request. */
  readonly problemPath: string
}

export const sensitiveJourney = async (server: Running): Promise<SensitiveRun> => {
  const wrongSecret = "not-the-secret-Zq81"
  const refused = await fetch(`${server.url}/auth/open/connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `grant_type=client_credentials&client_id=alpha&client_secret=${wrongSecret}`
  })
  expect(refused.status).toBe(401)

  const alpha = await apiClient(server, clients.alpha)
  const callbackCredentials = "Bearer callback-credentials-Kf03"
  const created = await alpha.call("POST", "/assure/dossiers", { externalReference: "log-check", userData: identity })
  expect(created.status).toBe(201)
  const dossierId = (created.json as { dossierId: string }).dossierId
  expect((await alpha.call("PUT", `/assure/dossiers/${dossierId}/userData`, identity)).status).toBe(200)
  expect((await alpha.call("GET", `/assure/dossiers/${dossierId}/userData`)).status).toBe(200)

  const process = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
    provider: "sandbox",
    processType: "eid",
    notificationUrl: `${server.url}/health`,
    authorizationHeader: callbackCredentials
  })
  expect(process.status).toBe(201)
  const processId = (process.json as { processId: string }).processId
  const started = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes/${processId}/verify`, {
    redirectUrl: "https://client.example/done"
  })
  expect(started.status).toBe(200)
  const back = await fetch((started.json as { redirectUrl: string }).redirectUrl, { redirect: "manual" })
  expect(back.status).toBe(302)
  const result = await alpha.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}`)
  expect(result.json).toMatchObject({ status: "accepted", finalResult: { lastName: identity.lastName } })
  const matching = await alpha.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}/matching`)
  expect(matching.status).toBe(200)

  // Refused with identity data in the body: the problem names the field, the logs only the path and status.
  const problemPath = "/assure/dossiers"
  const invalid = await alpha.call("POST", problemPath, { userData: { ...identity, dateOfBirth: "1971-02-30" } })
  expect(invalid.status).toBe(400)
  const problemTraceId = (invalid.json as { traceId: string }).traceId
  expect(problemTraceId).toMatch(/^[0-9a-f]{32}$/)

  const forged = await fetch(`${server.url}/assure/dossiers`, {
    headers: { authorization: `Bearer ${alpha.token.slice(0, -4)}AAAA` }
  })
  expect(forged.status).toBe(401)

  return {
    secrets: [
      clients.alpha.secret,
      wrongSecret,
      alpha.token,
      // The signature alone, in case a token were cut into parts.
      alpha.token.split(".")[2] ?? alpha.token,
      callbackCredentials,
      ...Object.values(identity),
      "1971-02-30"
    ],
    problemTraceId,
    problemPath
  }
}
