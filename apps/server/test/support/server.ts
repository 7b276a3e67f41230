/** Starts the real server in this process on a free port, with a given database and clients, for tests over HTTP. */
import { mkdtempSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type EngineConfig, PersonalDataCipher } from "@assure/engine"
import { ConfigProvider, Effect, Fiber, Layer } from "effect"
import { makeApp } from "../../src/server/App.js"
import { hashSecret } from "../../src/server/Secrets.js"
import { fromVariables, type Settings } from "../../src/server/ServerConfig.js"

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

export const clients = {
  alpha: { id: "alpha", secret: "alpha-secret-value" },
  beta: { id: "beta", secret: "beta-secret-value" }
}

export interface Running {
  readonly url: string
  readonly settings: Settings
  readonly stop: () => Promise<void>
}

/**
 * Starts the server with `overrides` of the test settings. `environment` holds the variables the enabled adapters read
 * (`STRIPE_SECRET_KEY`, …): exactly those, never this process's own. `services` replaces services the server reads
 * with a default (a `Context.Reference` such as `SecretVerifier`), to observe it from a test. `engine` replaces engine
 * settings the server has no variable for (retries, polling), to keep a test's timings short.
 */
export const startServer = async (
  overrides: Partial<Settings> = {},
  environment: Record<string, string> = {},
  services: Layer.Layer<never> = Layer.empty,
  engine: Partial<EngineConfig.Settings> = {}
): Promise<Running> => {
  const port = await freePort()
  const base = await Effect.runPromise(
    fromVariables({
      ASSURE_PORT: String(port),
      ASSURE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ASSURE_DATA_DIR: mkdtempSync(join(tmpdir(), "assure-server-")),
      ASSURE_CLIENTS: Object.values(clients)
        .map((client) => `${client.id}:${hashSecret(client.secret)}`)
        .join(","),
      ASSURE_ENCRYPTION_KEYS: `test:${PersonalDataCipher.generateKey()}`,
      ASSURE_TOKEN_LIFETIME: "5 minutes",
      ASSURE_RATE_LIMIT: "1000",
      // The tests' notification receivers listen on loopback over http: an opt-in, as an on-premise operator's would
      // be. Tests of the outbound policy itself override `notificationTargets`.
      ASSURE_NOTIFICATION_ALLOW_HTTP: "true",
      ASSURE_NOTIFICATION_ALLOWED_NETWORKS: "127.0.0.0/8,::1/128"
    })
  )
  const settings: Settings = { ...base, ...overrides }
  const fiber = Effect.runFork(
    Layer.launch(
      makeApp(settings, engine).pipe(
        // The adapters read their variables from here: the sandbox's (quick results, a fixed secret), then the test's.
        Layer.provide(
          ConfigProvider.layer(
            ConfigProvider.fromEnv({
              env: {
                ASSURE_SANDBOX_WEBHOOK_SECRET: "whsec_server_tests",
                ASSURE_SANDBOX_LATENCY: "300 millis",
                ...environment
              }
            })
          )
        ),
        Layer.provide(services)
      )
    )
  )
  const url = settings.publicUrl
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${url}/ready`).then(
      (response) => response.status === 204,
      () => false
    )
    if (ready) break
    if (attempt > 400) throw new Error("the server did not become ready")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, settings, stop: () => Effect.runPromise(Fiber.interrupt(fiber)).then(() => undefined) }
}

/** A client of the running server: gets a token, then sends JSON with it. */
export const apiClient = async (server: Running, client: { id: string; secret: string }) => {
  const response = await fetch(`${server.url}/auth/open/connect/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded"
    },
    body: "grant_type=client_credentials&scope=signicat-api"
  })
  const { access_token } = (await response.json()) as { access_token: string }
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const result = await fetch(`${server.url}${path}`, {
      method,
      redirect: "manual",
      headers: {
        authorization: `Bearer ${access_token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    })
    const text = await result.text()
    let json: unknown
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined
    } catch {
      json = text
    }
    return { status: result.status, headers: result.headers, json, text }
  }
  return { token: access_token, call }
}
