/**
 * Provider routing and fallback through the API, as a client uses it, on both stores: the routing policy's API (its
 * writes for administrative clients only, checked, per client, the server's default from `ASSURE_ROUTING_POLICY`),
 * `provider: "auto"` routed by the dossier's nationality with the decision recorded on the process, and an outage of
 * Onfido — the Onfido simulator answering its 503 to every applicant creation — that moves the process to the
 * sandbox, tells the client of both ends, opens Onfido's circuit for that client only, and closes it again once
 * Onfido answers. A rejection never falls back.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as OnfidoTesting from "@assure/onfido/testing"
import { SimulatorFault } from "@assure/provider/testing"
import { Effect, Exit, Layer, Option, Redacted } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { reserveServerUrl, type Scoped, scoped } from "./support/adapter.js"
import { loadWith } from "./support/config.js"
import { type Exposition, parse, sum } from "./support/prometheus.js"
import { apiClient, clients, freePort, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

type Client = Awaited<ReturnType<typeof apiClient>>

interface Problem {
  readonly status: number
  readonly code?: string
  readonly invalidParams?: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}

interface Consideration {
  readonly provider: string
  readonly outcome: "chosen" | "fallback" | "skipped"
  readonly reason?: string
}

interface Process {
  readonly processId: string
  readonly dossierId: string
  readonly provider: string
  readonly status: string
  readonly providerRetry?: { readonly attempts: number }
  readonly routing?: {
    readonly decision: {
      readonly policy: "tenant" | "default"
      readonly request: Record<string, string>
      readonly rule?: { readonly index: number; readonly description: string }
      readonly considered: ReadonlyArray<Consideration>
    }
    readonly fallbacks: ReadonlyArray<string>
    readonly replaced?: { readonly processId: string; readonly provider: string; readonly after: string }
    readonly fallback?: {
      readonly after: string
      readonly outcome: "created" | "available" | "none"
      readonly provider?: string
      readonly processId?: string
      readonly considered: ReadonlyArray<Consideration>
    }
  }
  readonly fallbackOf?: string
  readonly fallbackTo?: string
}

interface Circuit {
  readonly provider: string
  readonly state: "closed" | "open" | "halfOpen"
  readonly calls: number
  readonly failures: number
  readonly failureRate: number
  readonly since?: string
  readonly nextHalfOpenAt?: string
}

const apiToken = "api_sandbox.server_routing"
const webhookToken = "onfido-webhook-token-routing"

/** The server's default, from the file `ASSURE_ROUTING_POLICY` names. */
const defaultPolicy = {
  rules: [
    { description: "Sandbox for NOR and SWE", when: { nationality: ["NOR", "SWE"] }, provider: "sandbox" },
    { description: "Onfido elsewhere, the sandbox if it fails", provider: "onfido", fallbacks: ["sandbox"] }
  ]
}

/** Parameters for both providers the default's second rule may use, as a client routing with `auto` gives them. */
const bothAccept = { onfido: {}, sandbox: { scenario: "accepted" } }

/** The circuit breaker: opens after 3 calls of which half failed; lets a trial through after 2 s. */
const circuitVariables = {
  ASSURE_CIRCUIT_FAILURE_RATE: "0.5",
  ASSURE_CIRCUIT_WINDOW: "1 minute",
  ASSURE_CIRCUIT_MINIMUM_CALLS: "3",
  ASSURE_CIRCUIT_OPEN_DELAY: "2 seconds",
  ASSURE_CIRCUIT_HALF_OPEN_TRIALS: "1"
}

/** Short engine timings (the server has no variables for them): a start is tried 3 times, 100 ms apart at first. */
const engineTimings = {
  pollInterval: { initial: "200 millis", max: "400 millis" },
  providerRetries: { initial: "100 millis", max: "200 millis", retryAfterCap: "2 seconds", maxStartAttempts: 3 },
  sweepInterval: "200 millis"
} as const

const frontImage = () => {
  const file = OnfidoTesting.sampleImage("front")
  return `data:${file.mediaType};base64,${Buffer.from(file.bytes).toString("base64")}`
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** Reads `read` every 100 ms until `check` holds; fails with the last value after `timeout` ms. */
const eventually = async <A>(read: () => Promise<A>, check: (value: A) => boolean, timeout = 20_000): Promise<A> => {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await read()
    if (check(value)) return value
    if (Date.now() > deadline) throw new Error(`not reached in ${timeout} ms: ${JSON.stringify(value)}`)
    await sleep(100)
  }
}

/** A client's notification URL on loopback: records every body POSTed to it and answers 204. */
const startReceiver = async () => {
  const bodies: Array<Record<string, unknown>> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>)
      response.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/assure-callback`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const dossierOf = async (client: Client, userData: Record<string, unknown>, withFront = true) => {
  const created = await client.call("POST", "/assure/dossiers", { userData })
  expect(created.status).toBe(201)
  const dossierId = (created.json as { dossierId: string }).dossierId
  if (withFront) {
    expect((await client.call("POST", `/assure/dossiers/${dossierId}/files`, { front: frontImage() })).status).toBe(201)
  }
  return dossierId
}

const createProcess = async (client: Client, dossierId: string, body: Record<string, unknown>) =>
  client.call("POST", `/assure/dossiers/${dossierId}/processes`, { processType: "document", ...body })

const created = async (client: Client, dossierId: string, body: Record<string, unknown>): Promise<Process> => {
  const response = await createProcess(client, dossierId, body)
  expect(response.status, response.text).toBe(201)
  return response.json as Process
}

const getProcess = async (client: Client, dossierId: string, processId: string) =>
  (await client.call("GET", `/assure/dossiers/${dossierId}/processes/${processId}`)).json as Process

const verify = async (client: Client, process: Process) => {
  const response = await client.call(
    "POST",
    `/assure/dossiers/${process.dossierId}/processes/${process.processId}/verify`,
    {}
  )
  expect(response.status, response.text).toBe(200)
  return response.json as Process
}

const ended = (client: Client, process: { dossierId: string; processId: string }) =>
  eventually(
    () => getProcess(client, process.dossierId, process.processId),
    (current) => current.status !== "pending" && current.status !== "processing"
  )

const circuitsOf = async (client: Client) => {
  const response = await client.call("GET", "/assure/routing/circuits")
  expect(response.status).toBe(200)
  return (response.json as { circuits: ReadonlyArray<Circuit> }).circuits
}

const firstName = "Jane"
const lastName = "Doe"

onEachStore("provider routing and fallback through the API", (store) => {
  let server: Running
  let simulator: Scoped<OnfidoTesting.Simulator>
  let metricsUrl = ""
  let alpha: Client
  let beta: Client

  beforeAll(async () => {
    const reserved = await reserveServerUrl()
    simulator = await scoped(
      OnfidoTesting.make({
        apiToken: Redacted.make(apiToken),
        webhookToken: Redacted.make(webhookToken),
        webhookUrl: `${reserved.url}/webhooks/onfido`,
        completeAfter: "200 millis"
      })
    )
    // The routing and breaker settings as an operator gives them: a policy file, alpha as the administrative client.
    const policyFile = join(mkdtempSync(join(tmpdir(), "assure-routing-")), "routing-policy.json")
    writeFileSync(policyFile, JSON.stringify(defaultPolicy))
    const configured = await loadWith({
      ASSURE_ROUTING_POLICY: policyFile,
      ASSURE_ADMIN_CLIENTS: clients.alpha.id,
      ...circuitVariables
    })
    if (Exit.isFailure(configured)) throw new Error(`configuration refused: ${String(configured.cause)}`)
    const metricsPort = await freePort()
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
    server = await startServer(
      {
        ...(await store()),
        port: reserved.port,
        publicUrl: reserved.url,
        providers: ["sandbox", "onfido"],
        adminClients: configured.value.adminClients,
        routingPolicy: configured.value.routingPolicy,
        circuitBreaker: configured.value.circuitBreaker,
        metrics: Option.some({ host: "127.0.0.1", port: metricsPort })
      },
      {
        ONFIDO_API_TOKEN: apiToken,
        ONFIDO_WEBHOOK_TOKEN: webhookToken,
        ONFIDO_API_BASE_URL: simulator.value.baseUrl
      },
      Layer.empty,
      engineTimings
    )
    alpha = await apiClient(server, clients.alpha)
    beta = await apiClient(server, clients.beta)
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await simulator?.close()
  })

  const scrape = async (): Promise<Exposition> => {
    const response = await fetch(metricsUrl)
    expect(response.status).toBe(200)
    return parse(await response.text())
  }

  /** Onfido's applicant creations so far. */
  const applicantCreations = async () =>
    (await Effect.runPromise(simulator.value.requests)).filter(
      (request) => request.method === "POST" && new URL(request.url, "http://x").pathname === "/v3.6/applicants"
    ).length

  it("keeps the policy's writes to administrative clients, checks it, keeps it per client, and falls back to the default", async () => {
    // The server's default, from the file.
    const initial = await alpha.call("GET", "/assure/routing/policy")
    expect(initial.status).toBe(200)
    expect(initial.json).toEqual({ policy: defaultPolicy, source: "default" })

    const own = { rules: [{ description: "Everything to the sandbox", provider: "sandbox" }] }
    // beta is not an administrative client: it reads, but may not write.
    for (const [method, body] of [
      ["PUT", own],
      ["DELETE", undefined]
    ] as const) {
      const refused = await beta.call(method, "/assure/routing/policy", body)
      expect(refused.status).toBe(403)
      expect((refused.json as Problem).code).toBe("insufficient_scope")
    }

    // Checked before it is stored: a fallback the server does not run, a rule an earlier one shadows.
    const invalid = await alpha.call("PUT", "/assure/routing/policy", {
      rules: [
        { provider: "onfido", fallbacks: ["veriff"] },
        { when: { nationality: ["DNK"] }, provider: "sandbox" }
      ]
    })
    expect(invalid.status).toBe(400)
    const problem = invalid.json as Problem
    expect(problem.invalidParams?.map((param) => param.name)).toEqual(["rules.0.fallbacks.0", "rules.1"])
    expect(problem.invalidParams?.[0]?.reason).toMatch(/no provider named "veriff" is configured/)
    // A misspelled field is refused too, rather than ignored.
    expect((await alpha.call("PUT", "/assure/routing/policy", { rules: [{ provder: "sandbox" }] })).status).toBe(400)
    expect(((await alpha.call("GET", "/assure/routing/policy")).json as { source: string }).source).toBe("default")

    const stored = await alpha.call("PUT", "/assure/routing/policy", own)
    expect(stored.status).toBe(200)
    expect(stored.json).toMatchObject({ policy: own, source: "tenant" })
    const read = (await alpha.call("GET", "/assure/routing/policy")).json as { updatedAt?: string }
    expect(read).toEqual({ policy: own, source: "tenant", updatedAt: (stored.json as { updatedAt: string }).updatedAt })
    expect(typeof read.updatedAt).toBe("string")
    // beta never sees alpha's policy, and its processes are routed by the default.
    expect((await beta.call("GET", "/assure/routing/policy")).json).toEqual({
      policy: defaultPolicy,
      source: "default"
    })
    const portugueseOfAlpha = await dossierOf(alpha, { firstName, lastName, nationality: "PRT" })
    const portugueseOfBeta = await dossierOf(beta, { firstName, lastName, nationality: "PRT" })
    const byOwn = await created(alpha, portugueseOfAlpha, { provider: "auto", processParameters: bothAccept })
    expect(byOwn.provider).toBe("sandbox")
    expect(byOwn.routing?.decision).toEqual({
      policy: "tenant",
      request: { processType: "document", nationality: "PRT" },
      rule: { index: 0, description: "Everything to the sandbox" },
      considered: [{ provider: "sandbox", outcome: "chosen" }]
    })
    expect((await created(beta, portugueseOfBeta, { provider: "auto", processParameters: bothAccept })).provider).toBe(
      "onfido"
    )

    // A policy none of whose rules matches: the client is told which field, and nothing is stored.
    expect(
      (
        await alpha.call("PUT", "/assure/routing/policy", {
          rules: [{ when: { nationality: ["DNK"] }, provider: "sandbox" }]
        })
      ).status
    ).toBe(200)
    const unmatched = await createProcess(alpha, portugueseOfAlpha, { provider: "auto" })
    expect(unmatched.status).toBe(400)
    expect((unmatched.json as Problem).invalidParams?.map((param) => param.name)).toEqual(["provider"])
    const dossier = (await alpha.call("GET", `/assure/dossiers/${portugueseOfAlpha}`)).json as {
      processes: ReadonlyArray<unknown>
    }
    expect(dossier.processes).toHaveLength(1)

    // Deleted: the default applies again.
    const deleted = await alpha.call("DELETE", "/assure/routing/policy")
    expect(deleted.status).toBe(204)
    expect((await alpha.call("GET", "/assure/routing/policy")).json).toEqual({
      policy: defaultPolicy,
      source: "default"
    })
    expect(
      (await created(alpha, portugueseOfAlpha, { provider: "auto", processParameters: bothAccept })).provider
    ).toBe("onfido")
  }, 60_000)

  it("fails over to the sandbox while Onfido answers 503, opens its circuit for that client only, and closes it again", async () => {
    // No call to Onfido was counted for alpha yet (the tests before verified nothing with Onfido): its 3 failed starts
    // are all its circuit's window holds.
    expect((await circuitsOf(alpha)).find((circuit) => circuit.provider === "onfido")).toBeUndefined()
    const receiver = await startReceiver()
    try {
      const before = await scrape()
      const portuguese = await dossierOf(alpha, { firstName, lastName, nationality: "PRT" })
      const first = await created(alpha, portuguese, {
        provider: "auto",
        processParameters: bothAccept,
        notificationUrl: receiver.url
      })
      expect(first.provider).toBe("onfido")

      // Onfido is down: its 503, with its error body, to the next applicant creations — as many as a start is tried.
      const applicantsBefore = await applicantCreations()
      await Effect.runPromise(
        simulator.value.arm(
          SimulatorFault.status(503, {
            error: { type: "service_unavailable", message: "The service is temporarily unavailable" }
          }),
          { route: "POST /applicants", times: engineTimings.providerRetries.maxStartAttempts }
        )
      )
      const deferred = await verify(alpha, first)
      expect(deferred.status).toBe("processing")
      expect(deferred.providerRetry?.attempts).toBe(1)

      // Tried 3 times, then failed; its fallback, a new process on the dossier, takes over.
      const failed = await eventually(
        () => getProcess(alpha, portuguese, first.processId),
        (process) => process.status === "failed" && process.fallbackTo !== undefined
      )
      // Before anything else: these hold while Onfido's circuit is open (2 s).
      const circuits = await circuitsOf(alpha)
      const onfidoCircuit = circuits.find((circuit) => circuit.provider === "onfido")
      expect(onfidoCircuit?.state).toBe("open")
      expect(onfidoCircuit?.nextHalfOpenAt).toBeDefined()
      const skipping = await created(alpha, portuguese, { provider: "auto", processParameters: bothAccept })
      expect(skipping.provider).toBe("sandbox")
      expect(skipping.routing?.decision.considered).toEqual([
        { provider: "onfido", outcome: "skipped", reason: "circuitOpen" },
        { provider: "sandbox", outcome: "chosen" }
      ])
      // A rule with no other provider: nothing can take the process now.
      expect((await alpha.call("PUT", "/assure/routing/policy", { rules: [{ provider: "onfido" }] })).status).toBe(200)
      const unavailable = await createProcess(alpha, portuguese, { provider: "auto" })
      expect(unavailable.status).toBe(503)
      expect((unavailable.json as Problem).code).toBe("no_provider_available")
      expect((await alpha.call("DELETE", "/assure/routing/policy")).status).toBe(204)
      // beta's calls never failed: its processes still go to Onfido.
      const betaDossier = await dossierOf(beta, { firstName, lastName, nationality: "PRT" })
      expect((await created(beta, betaDossier, { provider: "auto", processParameters: bothAccept })).provider).toBe(
        "onfido"
      )
      expect(await circuitsOf(beta)).toEqual([])
      const duringOutage = await scrape()
      expect(sum(duringOutage, "assure_circuit_state", { tenant: clients.alpha.id, provider: "onfido" })).toBe(2)
      expect(Date.now()).toBeLessThan(Date.parse(onfidoCircuit?.nextHalfOpenAt ?? ""))

      expect(await applicantCreations()).toBe(applicantsBefore + engineTimings.providerRetries.maxStartAttempts)
      const fallbackId = failed.fallbackTo ?? ""
      expect(failed.routing?.fallback).toEqual({
        after: "provider_unavailable",
        outcome: "created",
        provider: "sandbox",
        processId: fallbackId,
        considered: [{ provider: "sandbox", outcome: "chosen" }]
      })
      expect(failed.routing?.fallbacks).toEqual([])
      const replacement = await ended(alpha, { dossierId: portuguese, processId: fallbackId })
      expect(replacement).toMatchObject({ provider: "sandbox", status: "accepted", fallbackOf: first.processId })
      expect(replacement.routing?.replaced).toEqual({
        processId: first.processId,
        provider: "onfido",
        after: "provider_unavailable"
      })
      expect(replacement.routing?.decision).toEqual(first.routing?.decision)
      // The client is told of both ends, each naming the other process.
      const bodies = await eventually(
        async () => receiver.bodies,
        (list) => list.length >= 2
      )
      expect(bodies).toHaveLength(2)
      expect(bodies.find((body) => body.processId === first.processId)).toEqual({
        dossierId: portuguese,
        processId: first.processId,
        status: "failed",
        fallbackTo: fallbackId
      })
      expect(bodies.find((body) => body.processId === fallbackId)).toEqual({
        dossierId: portuguese,
        processId: fallbackId,
        status: "accepted",
        fallbackOf: first.processId
      })
      const afterFallback = await scrape()
      expect(
        sum(afterFallback, "assure_routing_fallbacks_total", { from: "onfido", to: "sandbox" }) -
          sum(before, "assure_routing_fallbacks_total", { from: "onfido", to: "sandbox" })
      ).toBe(1)

      // Onfido answers again (the armed 503s are spent): after the open delay a routed process tries it, and its
      // success closes the circuit.
      await sleep(Math.max(0, Date.parse(onfidoCircuit?.nextHalfOpenAt ?? "") - Date.now()) + 200)
      const trial = await created(alpha, portuguese, { provider: "auto", processParameters: bothAccept })
      expect(trial.provider).toBe("onfido")
      expect(trial.routing?.decision.considered).toEqual([
        { provider: "onfido", outcome: "chosen" },
        { provider: "sandbox", outcome: "fallback" }
      ])
      await verify(alpha, trial)
      const trialEnd = await ended(alpha, trial)
      expect(trialEnd.status).toBe("accepted")
      expect(trialEnd.fallbackTo).toBeUndefined()
      const closed = await circuitsOf(alpha)
      expect(closed.find((circuit) => circuit.provider === "onfido")?.state).toBe("closed")
      expect(sum(await scrape(), "assure_circuit_state", { tenant: clients.alpha.id, provider: "onfido" })).toBe(0)
      expect((await created(alpha, portuguese, { provider: "auto", processParameters: bothAccept })).provider).toBe(
        "onfido"
      )
    } finally {
      await receiver.close()
    }
  }, 60_000)

  it("routes by the dossier's nationality and records the decision; a named provider is not routed", async () => {
    const norwegian = await dossierOf(alpha, { firstName, lastName, nationality: "NOR" })
    const toSandbox = await created(alpha, norwegian, {
      provider: "auto",
      processParameters: { sandbox: { scenario: "accepted" } }
    })
    expect(toSandbox.provider).toBe("sandbox")
    expect(toSandbox.routing).toEqual({
      decision: {
        policy: "default",
        request: { processType: "document", nationality: "NOR" },
        rule: { index: 0, description: "Sandbox for NOR and SWE" },
        considered: [{ provider: "sandbox", outcome: "chosen" }]
      },
      fallbacks: []
    })
    expect((await getProcess(alpha, norwegian, toSandbox.processId)).routing).toEqual(toSandbox.routing)
    await verify(alpha, toSandbox)
    expect((await ended(alpha, toSandbox)).status).toBe("accepted")

    const portuguese = await dossierOf(alpha, { firstName, lastName, nationality: "PRT" })
    const toOnfido = await created(alpha, portuguese, { provider: "auto", processParameters: bothAccept })
    expect(toOnfido.provider).toBe("onfido")
    expect(toOnfido.routing).toEqual({
      decision: {
        policy: "default",
        request: { processType: "document", nationality: "PRT" },
        rule: { index: 1, description: "Onfido elsewhere, the sandbox if it fails" },
        considered: [
          { provider: "onfido", outcome: "chosen" },
          { provider: "sandbox", outcome: "fallback" }
        ]
      },
      fallbacks: ["sandbox"]
    })
    // Parameters for a provider the server does not run are refused, routed or not.
    const stray = await createProcess(alpha, portuguese, {
      provider: "auto",
      processParameters: { ...bothAccept, veriff: {} }
    })
    expect(stray.status).toBe(400)
    expect((stray.json as Problem).invalidParams?.map((param) => param.name)).toEqual(["processParameters.veriff"])

    // Named, as before routing existed: on a Norwegian's dossier too, no routing record and no fallback links; only
    // the named provider's parameters apply.
    const named = await created(alpha, norwegian, {
      provider: "onfido",
      processParameters: { onfido: {} }
    })
    expect(named.provider).toBe("onfido")
    expect(named.routing).toBeUndefined()
    await verify(alpha, named)
    const namedEnd = await ended(alpha, named)
    expect(namedEnd.status).toBe("accepted")
    expect(namedEnd.routing).toBeUndefined()
    expect(namedEnd.fallbackOf).toBeUndefined()
    expect(namedEnd.fallbackTo).toBeUndefined()
    const otherParameters = await createProcess(alpha, norwegian, {
      provider: "onfido",
      processParameters: bothAccept
    })
    expect(otherParameters.status).toBe(400)
    expect((otherParameters.json as Problem).invalidParams?.map((param) => param.name)).toEqual([
      "processParameters.sandbox"
    ])
  }, 60_000)

  it("never falls back from a rejection", async () => {
    const portuguese = await dossierOf(alpha, { firstName, lastName, nationality: "PRT" })
    const rejecting = await created(alpha, portuguese, {
      provider: "auto",
      // Onfido's sandbox convention: the document report's sub-result.
      processParameters: { onfido: { sandbox: { subResult: "rejected" } }, sandbox: { scenario: "accepted" } }
    })
    expect(rejecting.provider).toBe("onfido")
    expect(rejecting.routing?.fallbacks).toEqual(["sandbox"])
    await verify(alpha, rejecting)
    const end = await ended(alpha, rejecting)
    expect(end.status).toBe("rejected")
    expect(end.fallbackTo).toBeUndefined()
    expect(end.routing?.fallback).toBeUndefined()
    // Time enough for the sweeper to have started a fallback, had one been created.
    await sleep(1_000)
    const dossier = (await alpha.call("GET", `/assure/dossiers/${portuguese}`)).json as {
      processes: ReadonlyArray<unknown>
    }
    expect(dossier.processes).toHaveLength(1)
    // A rejected person is a successful call: Onfido's circuit stays closed.
    expect((await circuitsOf(alpha)).find((circuit) => circuit.provider === "onfido")).toMatchObject({
      state: "closed",
      failures: 0
    })
  }, 60_000)
})
