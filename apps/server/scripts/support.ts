/**
 * What the screenshot scripts share: the built server started in the script's own process on the embedded store
 * (`pnpm build` first), with one API client, and an access token for it; and writing the screenshots.
 */
import { mkdtempSync, statSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { PersonalDataCipher } from "@assure/engine"
import { ConfigProvider, type Duration, Effect, Fiber, Layer } from "effect"
import type { Page } from "playwright-core"
import { makeApp } from "../dist/server/App.js"
import { hashSecret } from "../dist/server/Secrets.js"
import { fromVariables } from "../dist/server/ServerConfig.js"

/** An API client of the scripts' servers. */
export interface Client {
  readonly id: string
  readonly secret: string
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/**
 * Starts the built server on a free loopback port, its data in a new folder under `folder`, with `client`, more
 * `variables` (`ASSURE_CONSOLE_ACCOUNTS`, say) and, for the engine, `captureLifetime` (0 seconds for an expired link).
 */
export const startServer = async (options: {
  readonly folder: string
  readonly client: Client
  readonly variables?: Readonly<Record<string, string>> | undefined
  readonly captureLifetime?: Duration.Input | undefined
}) => {
  const port = await freePort()
  const settings = await Effect.runPromise(
    fromVariables({
      ASSURE_PORT: String(port),
      ASSURE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ASSURE_DATA_DIR: mkdtempSync(join(options.folder, "data-")),
      ASSURE_CLIENTS: `${options.client.id}:${hashSecret(options.client.secret)}`,
      ASSURE_ENCRYPTION_KEYS: `screenshots:${PersonalDataCipher.generateKey()}`,
      ASSURE_LOG_LEVEL: "warning",
      ...options.variables
    })
  )
  const fiber = Effect.runFork(
    Layer.launch(
      makeApp(settings, options.captureLifetime === undefined ? {} : { captureLifetime: options.captureLifetime }).pipe(
        Layer.provide(
          ConfigProvider.layer(
            ConfigProvider.fromEnv({
              env: { ASSURE_SANDBOX_WEBHOOK_SECRET: "whsec_screenshots", ASSURE_SANDBOX_LATENCY: "300 millis" }
            })
          )
        )
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
    if (attempt > 300) throw new Error("the server did not become ready")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, stop: () => Effect.runPromise(Fiber.interrupt(fiber)).then(() => undefined) }
}

/** A call of the API as `client`: JSON in and out, failing on anything but 2xx. */
export const apiCaller = async (url: string, client: Client) => {
  const token = await fetch(`${url}/auth/open/connect/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded"
    },
    body: "grant_type=client_credentials&scope=signicat-api"
  }).then((response) => response.json() as Promise<{ access_token: string }>)
  return async (method: string, path: string, body?: unknown): Promise<Record<string, string>> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`)
    return response.json() as Promise<Record<string, string>>
  }
}

/** The screenshots a script wrote, in order: {@link screenshot} adds to it, {@link summarise} prints it. */
export const written: Array<string> = []

/**
 * The viewport of `page` as a PNG at `path`, once two frames have painted (so that a blur, or a radio button just
 * checked, is in the picture), with animations and the caret off.
 */
export const screenshot = async (page: Page, path: string): Promise<void> => {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))))
  await page.screenshot({ path, animations: "disabled", caret: "hide" })
  written.push(path)
}

/** Prints each screenshot written with its size, and the total. */
export const summarise = (): void => {
  let total = 0
  for (const path of written) {
    const { size } = statSync(path)
    total += size
    console.log(`${path}: ${size.toLocaleString("en-GB")} bytes`)
  }
  console.log(`${written.length} screenshots, ${total.toLocaleString("en-GB")} bytes in all`)
}
