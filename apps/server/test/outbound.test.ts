/**
 * Notification URLs cannot be turned against the operator: checked when a process is created (https, public, no
 * credentials), checked again on every address the delivery connects to (DNS rebinding), redirects not followed, and
 * delivery errors in words that say nothing about the target's network.
 */
import { mkdtempSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { format } from "node:util"
import { NotificationClient, Notifications, OutboundPolicy } from "@assure/engine"
import { Effect, Exit, Layer } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import * as NotificationDelivery from "../src/server/NotificationDelivery.js"
import { loadWith } from "./support/config.js"
import { apiClient, clients, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

type Client = Awaited<ReturnType<typeof apiClient>>

interface Problem {
  readonly status: number
  readonly code: string
  readonly invalidParams?: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}

interface Notification {
  readonly id: string
  readonly processId: string
  readonly status: string
  readonly attempts: number
  readonly lastError?: string
}

/** A dossier and a process with this notification URL, ended at once (the sandbox's eID flow), so it notifies. */
const endedProcess = async (client: Client, notificationUrl: string) => {
  const dossierId = ((await client.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
  const created = await client.call("POST", `/assure/dossiers/${dossierId}/processes`, {
    provider: "sandbox",
    processType: "eid",
    notificationUrl
  })
  expect(created.status).toBe(201)
  const processId = (created.json as { processId: string }).processId
  const started = await client.call("POST", `/assure/dossiers/${dossierId}/processes/${processId}/verify`, {
    redirectUrl: "https://client.example/done"
  })
  expect(started.status).toBe(200)
  expect((await fetch((started.json as { redirectUrl: string }).redirectUrl, { redirect: "manual" })).status).toBe(302)
  return processId
}

/** The process's callback notification once it has been attempted at least once. */
const attempted = async (client: Client, processId: string): Promise<Notification> => {
  for (let attempt = 0; attempt < 150; attempt++) {
    const listed = (await client.call("GET", "/assure/notifications")).json as ReadonlyArray<Notification>
    const notification = listed.find((n) => n.processId === processId)
    if (notification !== undefined && notification.attempts > 0) return notification
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the notification of ${processId} was never attempted`)
}

/** A receiver on `host` that records each request's path and answers with `respond`. */
const receiver = async (
  host: string,
  port: number,
  respond: (path: string) => { status: number; headers?: Record<string, string> }
) => {
  const paths: Array<string> = []
  const server: Server = createServer((request, response) => {
    paths.push(request.url ?? "")
    request.resume()
    request.on("end", () => {
      const { status, headers } = respond(request.url ?? "")
      response.writeHead(status, headers)
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  return {
    paths,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

onEachStore("notification URLs at creation", (store) => {
  let server: Running
  let alpha: Client
  beforeAll(async () => {
    // As an operator runs it by default: public https targets only.
    server = await startServer({ ...(await store()), notificationTargets: { allowHttp: false, allowedNetworks: [] } })
    alpha = await apiClient(server, clients.alpha)
  }, 60_000)
  afterAll(() => server?.stop())

  const refused: ReadonlyArray<readonly [string, string]> = [
    ["http://client.example.com/hook", "https"],
    ["ftp://client.example.com/hook", "https"],
    ["https://user:password@client.example.com/hook", "credentials"],
    ["https://token@client.example.com/hook", "credentials"],
    ["https://127.0.0.1/hook", "loopback"],
    ["https://127.1.2.3:8443/hook", "loopback"],
    ["https://2130706433/hook", "loopback"],
    ["https://0x7f.0.0.1/hook", "loopback"],
    ["https://[::1]/hook", "loopback"],
    ["https://[::ffff:127.0.0.1]/hook", "loopback"],
    ["https://localhost/hook", "loopback"],
    ["https://10.0.0.5/hook", "private"],
    ["https://172.16.3.4/hook", "private"],
    ["https://192.168.0.1/hook", "private"],
    ["https://[fd12:3456::1]/hook", "private"],
    ["https://[::ffff:10.0.0.1]/hook", "private"],
    ["https://169.254.1.1/hook", "link-local"],
    ["https://[fe80::1]/hook", "link-local"],
    ["https://169.254.169.254/latest/meta-data/", "metadata"],
    ["https://[fd00:ec2::254]/latest/meta-data/", "metadata"],
    ["https://metadata.google.internal/computeMetadata/v1/", "metadata"],
    ["https://224.0.0.1/hook", "multicast"],
    ["https://[ff02::1]/hook", "multicast"],
    ["https://0.0.0.0/hook", "unspecified"],
    ["https://[::]/hook", "unspecified"],
    ["https://255.255.255.255/hook", "broadcast"],
    ["https://100.64.0.1/hook", "carrier-grade NAT"],
    ["https://192.0.2.10/hook", "documentation"],
    ["https://198.51.100.10/hook", "documentation"],
    ["https://[2001:db8::1]/hook", "documentation"],
    ["https://198.18.0.1/hook", "benchmarking"],
    ["https://intranet/hook", "public host"],
    ["https://crm.internal/hook", "public host"],
    ["not a url", "https"]
  ]

  it("refuses every non-public, credentialed or plain-http URL with a 400 naming notificationUrl, storing nothing", async () => {
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    for (const [notificationUrl, words] of refused) {
      const response = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
        provider: "sandbox",
        processType: "eid",
        notificationUrl
      })
      const problem = response.json as Problem
      expect(response.status, notificationUrl).toBe(400)
      expect(problem.code).toBe("invalid_request_parameter")
      expect(problem.invalidParams).toHaveLength(1)
      expect(problem.invalidParams?.[0]?.name).toBe("notificationUrl")
      expect(problem.invalidParams?.[0]?.reason, notificationUrl).toContain(words)
    }
    const dossier = (await alpha.call("GET", `/assure/dossiers/${dossierId}`)).json as { processes: Array<unknown> }
    expect(dossier.processes).toEqual([])
    expect((await alpha.call("GET", "/assure/notifications")).json).toEqual([])
  })

  it("accepts an https URL to a public host", async () => {
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const created = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider: "sandbox",
      processType: "eid",
      notificationUrl: "https://client.example.com/assure/callback?tenant=7",
      authorizationHeader: "Bearer abc.def\tghi"
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ notificationUrl: "https://client.example.com/assure/callback?tenant=7" })
  })

  it("refuses an authorizationHeader that is not a valid header value", async () => {
    const dossierId = ((await alpha.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    for (const authorizationHeader of [
      "Bearer abc\r\nX-Injected: yes",
      "Bearer abc\nX-Injected: yes",
      "Bearer abc\rdef",
      "Bearer abc\u0000def",
      "Bearer abc\u0007def",
      "Bearer abc\u007fdef",
      "Bearer abcé",
      " Bearer abc",
      "Bearer abc\t",
      "",
      `Bearer ${"a".repeat(4090)}`
    ]) {
      const response = await alpha.call("POST", `/assure/dossiers/${dossierId}/processes`, {
        provider: "sandbox",
        processType: "eid",
        notificationUrl: "https://client.example.com/hook",
        authorizationHeader
      })
      expect(response.status, JSON.stringify(authorizationHeader)).toBe(400)
      expect((response.json as Problem).invalidParams?.map((p) => p.name)).toEqual(["authorizationHeader"])
    }
    const dossier = (await alpha.call("GET", `/assure/dossiers/${dossierId}`)).json as { processes: Array<unknown> }
    expect(dossier.processes).toEqual([])
  })
})

describe("notification deliveries", () => {
  /** What the test's resolver answers for each name: switched by the tests, as a rebinding DNS server would. */
  const answers = new Map<string, ReadonlyArray<string>>()
  const resolve: NotificationDelivery.Resolve = async (hostname) => {
    const addresses = answers.get(hostname)
    if (addresses === undefined) throw Object.assign(new Error(`${hostname} not found`), { code: "ENOTFOUND" })
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))
  }
  let server: Running
  let alpha: Client
  /** The client's endpoint, on the one loopback address the operator allows. */
  let allowed: Awaited<ReturnType<typeof receiver>>
  /** Something on the same port of another loopback address, which the operator does not allow. */
  let internal: Awaited<ReturnType<typeof receiver>>
  let lines: Array<string> = []

  beforeAll(async () => {
    allowed = await receiver("127.0.0.1", 0, (path) =>
      path === "/redirect"
        ? { status: 307, headers: { location: `http://127.0.0.1:${allowed.port}/landing` } }
        : path === "/unavailable"
          ? { status: 503 }
          : { status: 200 }
    )
    internal = await receiver("127.0.0.2", allowed.port, () => ({ status: 200 }))
    server = await startServer(
      { logLevel: "Debug", notificationTargets: { allowHttp: true, allowedNetworks: ["127.0.0.1/32"] } },
      {},
      Layer.succeed(NotificationDelivery.Resolver, resolve)
    )
    alpha = await apiClient(server, clients.alpha)
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await allowed?.close()
    await internal?.close()
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("connects only to the addresses it checked: a name rebound to a refused address gets no request", async () => {
    const url = `http://hooks.example.com:${allowed.port}/hook?token=query-secret-7`
    answers.set("hooks.example.com", ["127.0.0.1"])
    const first = await attempted(alpha, await endedProcess(alpha, url))
    expect(first).toMatchObject({ status: "delivered", attempts: 1 })
    expect(allowed.paths).toContain("/hook?token=query-secret-7")

    // The same name, created the same way, now resolves to an address the operator does not allow.
    answers.set("hooks.example.com", ["127.0.0.2"])
    lines = []
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
        lines.push(format(...args))
      })
    }
    const rebound = await attempted(alpha, await endedProcess(alpha, url))
    expect(rebound).toMatchObject({ status: "pending", lastError: Notifications.deliveryFailed })
    expect(internal.paths).toEqual([])

    // The operator learns why at debug level, without the URL's query.
    const logged = lines.find((line) => line.includes("a notification was not delivered"))
    expect(logged).toContain("127.0.0.2 is a loopback address")
    expect(logged).toContain(`http://hooks.example.com:${allowed.port}/hook`)
    expect(lines.join("\n")).not.toContain("query-secret-7")

    // One refused address among allowed ones is enough to refuse the connection.
    answers.set("hooks.example.com", ["127.0.0.1", "127.0.0.2"])
    const mixed = await attempted(alpha, await endedProcess(alpha, url))
    expect(mixed).toMatchObject({ status: "pending", lastError: Notifications.deliveryFailed })
    expect(internal.paths).toEqual([])
  }, 30_000)

  it("refuses at connect time, in the client itself, addresses and names the policy refuses", async () => {
    const policy = OutboundPolicy.layer({ allowHttp: true, allowedNetworks: ["127.0.0.1/32"] })
    const post = (url: string) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const client = yield* NotificationClient.NotificationClient
          return yield* client.post(url).pipe(
            Effect.map((response) => `answered ${response.status}`),
            Effect.catch((error) => Effect.succeed(String(error.reason.cause)))
          )
        }).pipe(
          Effect.provide(NotificationDelivery.layer),
          Effect.provide(policy),
          Effect.provideService(NotificationDelivery.Resolver, resolve)
        )
      )
    answers.set("direct.example.com", ["127.0.0.2"])
    // The engine checks URLs before it sends; the client does not rely on it.
    expect(await post(`http://127.0.0.2:${allowed.port}/direct`)).toContain("127.0.0.2 is a loopback address")
    expect(await post(`http://[::1]:${allowed.port}/direct`)).toContain("::1 is a loopback address")
    expect(await post(`http://direct.example.com:${allowed.port}/direct`)).toContain(
      "direct.example.com resolves to 127.0.0.2 is a loopback address"
    )
    expect(internal.paths).toEqual([])
    expect(await post(`http://127.0.0.1:${allowed.port}/direct`)).toBe("answered 200")
  })

  it("checks a stored URL again before each delivery, so one allowed under an earlier setting is not sent", async () => {
    // Created while the operator allowed the whole of loopback … (a data folder of their own: one server at a time)
    const dataDirectory = mkdtempSync(join(tmpdir(), "assure-outbound-"))
    const earlier = await startServer({
      dataDirectory,
      notificationTargets: { allowHttp: true, allowedNetworks: ["127.0.0.0/8"] }
    })
    const early = await apiClient(earlier, clients.alpha)
    const dossierId = ((await early.call("POST", "/assure/dossiers", {})).json as { dossierId: string }).dossierId
    const created = await early.call("POST", `/assure/dossiers/${dossierId}/processes`, {
      provider: "sandbox",
      processType: "eid",
      notificationUrl: `http://127.0.0.2:${allowed.port}/stored`
    })
    expect(created.status).toBe(201)
    const processId = (created.json as { processId: string }).processId
    await earlier.stop()
    // … and ended on a server that allows 127.0.0.1 only.
    const later = await startServer({
      dataDirectory,
      encryptionKeys: earlier.settings.encryptionKeys,
      notificationTargets: { allowHttp: true, allowedNetworks: ["127.0.0.1/32"] }
    })
    try {
      const client = await apiClient(later, clients.alpha)
      const started = await client.call("POST", `/assure/dossiers/${dossierId}/processes/${processId}/verify`, {
        redirectUrl: "https://client.example/done"
      })
      await fetch((started.json as { redirectUrl: string }).redirectUrl, { redirect: "manual" })
      const notification = await attempted(client, processId)
      expect(notification).toMatchObject({ status: "pending", lastError: Notifications.deliveryFailed })
      expect(internal.paths).toEqual([])
    } finally {
      await later.stop()
    }
  }, 60_000)

  it("does not follow redirects: a 3xx is an answer that does not acknowledge the notification", async () => {
    const processId = await endedProcess(alpha, `http://127.0.0.1:${allowed.port}/redirect`)
    const notification = await attempted(alpha, processId)
    expect(notification).toMatchObject({ status: "pending", lastError: Notifications.notAcknowledged })
    expect(allowed.paths).toContain("/redirect")
    expect(allowed.paths).not.toContain("/landing")
  })

  it("says what failed in words that reveal nothing about the target's network", async () => {
    const unavailable = await attempted(
      alpha,
      await endedProcess(alpha, `http://127.0.0.1:${allowed.port}/unavailable`)
    )
    expect(unavailable.lastError).toBe("the endpoint did not acknowledge the notification")
    expect(unavailable.lastError).not.toContain("503")

    // Nothing listening, a refused address, and a name that does not resolve: the same words.
    const closed = await receiver("127.0.0.1", 0, () => ({ status: 200 }))
    await closed.close()
    answers.set("rebound.example.com", ["127.0.0.2"])
    const failures = await Promise.all(
      [
        `http://127.0.0.1:${closed.port}/hook`,
        `http://rebound.example.com:${allowed.port}/hook`,
        `http://unknown.example.com:${allowed.port}/hook`
      ].map(async (url) => (await attempted(alpha, await endedProcess(alpha, url))).lastError)
    )
    expect(failures).toEqual(["the delivery failed", "the delivery failed", "the delivery failed"])
  }, 30_000)
})

describe("ASSURE_NOTIFICATION_ALLOW_HTTP and ASSURE_NOTIFICATION_ALLOWED_NETWORKS", () => {
  const targetsOf = async (variables: Record<string, string>) => {
    const exit = await loadWith(variables)
    if (Exit.isSuccess(exit)) return exit.value.notificationTargets
    return exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
  }

  it("allow nothing beyond public https by default, and read the operator's networks", async () => {
    expect(await targetsOf({})).toEqual({ allowHttp: false, allowedNetworks: [] })
    expect(
      await targetsOf({
        ASSURE_NOTIFICATION_ALLOW_HTTP: "true",
        ASSURE_NOTIFICATION_ALLOWED_NETWORKS: " 10.20.0.0/16, fd00:1::/64 ,"
      })
    ).toEqual({ allowHttp: true, allowedNetworks: ["10.20.0.0/16", "fd00:1::/64"] })
  })

  it("refuse at start a network that is not in CIDR notation, and event subscriptions the policy refuses", async () => {
    expect(await targetsOf({ ASSURE_NOTIFICATION_ALLOWED_NETWORKS: "10.0.0.0/8,intranet" })).toMatchObject({
      _tag: "ConfigurationError",
      setting: "ASSURE_NOTIFICATION_ALLOWED_NETWORKS"
    })
    const subscriptions = (url: string) => JSON.stringify({ alpha: { url, secrets: ["whsec_1"] } })
    expect(
      await targetsOf({ ASSURE_EVENT_SUBSCRIPTIONS: subscriptions("http://events.example.com/assure") })
    ).toMatchObject({ _tag: "ConfigurationError", setting: "ASSURE_EVENT_SUBSCRIPTIONS" })
    expect(await targetsOf({ ASSURE_EVENT_SUBSCRIPTIONS: subscriptions("https://10.1.2.3/assure") })).toMatchObject({
      _tag: "ConfigurationError",
      setting: "ASSURE_EVENT_SUBSCRIPTIONS"
    })
    expect(
      await targetsOf({
        ASSURE_EVENT_SUBSCRIPTIONS: subscriptions("http://10.1.2.3/assure"),
        ASSURE_NOTIFICATION_ALLOW_HTTP: "true",
        ASSURE_NOTIFICATION_ALLOWED_NETWORKS: "10.0.0.0/8"
      })
    ).toEqual({ allowHttp: true, allowedNetworks: ["10.0.0.0/8"] })
  })
})
