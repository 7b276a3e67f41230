/**
 * Starts the real server in this process on a free port, as apps/server/test/support/server.ts does. The server
 * package exports only its API definition, so `makeApp` comes from its build (dist), which turbo builds first.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Fiber, Layer } from "effect"
import { makeApp } from "../../../server/dist/server/App.js"
import { hashSecret } from "../../../server/dist/server/Secrets.js"
import { fromVariables } from "../../../server/dist/server/ServerConfig.js"

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

export const client = { id: "cli-tests", secret: "cli-tests-secret-value" }

export interface Running {
  readonly url: string
  /** ASSURE_URL, ASSURE_CLIENT_ID and ASSURE_CLIENT_SECRET for this server. */
  readonly env: Record<string, string>
  readonly stop: () => Promise<void>
}

export const startServer = async (): Promise<Running> => {
  const port = await freePort()
  const dataDirectory = mkdtempSync(join(tmpdir(), "assure-cli-tests-"))
  // The default routing policy, for `verify --provider auto`.
  const routingPolicy = join(dataDirectory, "routing.json")
  writeFileSync(
    routingPolicy,
    JSON.stringify({ rules: [{ description: "Everything to the sandbox", provider: "sandbox" }] })
  )
  const settings = await Effect.runPromise(
    fromVariables({
      ASSURE_PORT: String(port),
      ASSURE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ASSURE_DATA_DIR: dataDirectory,
      ASSURE_CLIENTS: `${client.id}:${hashSecret(client.secret)}`,
      ASSURE_ENCRYPTION_KEYS: `test:${randomBytes(32).toString("base64")}`,
      ASSURE_SANDBOX_WEBHOOK_SECRET: "whsec_cli_tests",
      ASSURE_TOKEN_LIFETIME: "5 minutes",
      ASSURE_RATE_LIMIT: "1000",
      ASSURE_SANDBOX_LATENCY: "300 millis",
      ASSURE_ROUTING_POLICY: routingPolicy
    })
  )
  const fiber = Effect.runFork(Layer.launch(makeApp(settings)))
  const url = settings.publicUrl
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${url}/ready`).then(
      (response) => response.status === 204,
      () => false
    )
    if (ready) break
    if (attempt > 100) throw new Error("the server did not become ready")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    env: { ASSURE_URL: url, ASSURE_CLIENT_ID: client.id, ASSURE_CLIENT_SECRET: client.secret },
    stop: async () => {
      await Effect.runPromise(Fiber.interrupt(fiber))
      rmSync(dataDirectory, { recursive: true, force: true })
    }
  }
}
