/**
 * The built server a consumer calls: `assure-server` from the release's copy of the repository (the build `pnpm
 * release` published), as a child process on a free loopback port, with a client of its own and a temporary data
 * folder — configured as in production (client, encryption key and webhook secret given), not in development mode.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A running server, the settings a consumer reads to call it, and how to stop it. */
export interface RunningServer {
  readonly url: string
  /** ASSURE_URL, ASSURE_CLIENT_ID and ASSURE_CLIENT_SECRET for the consumer. */
  readonly env: Readonly<Record<string, string>>
  readonly stop: () => Promise<void>
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

/** Starts `<repository>/apps/server/dist/server/main.js` and waits until `/ready` answers 204. */
export const startServer = async (repository: string): Promise<RunningServer> => {
  const entry = join(repository, "apps", "server", "dist", "server", "main.js")
  const clientId = "release-proof-client"
  const clientSecret = randomBytes(24).toString("base64url")
  const hashed = spawnSync(process.execPath, [entry, "hash-secret", clientSecret], { encoding: "utf8" })
  if (hashed.status !== 0) throw new Error(`assure-server hash-secret failed: ${hashed.stderr}`)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const dataDirectory = mkdtempSync(join(tmpdir(), "assure-release-proof-server-"))
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("ASSURE_") && name !== "DATABASE_URL")
  )
  const child = spawn(process.execPath, [entry], {
    env: {
      ...env,
      ASSURE_HOST: "127.0.0.1",
      ASSURE_PORT: String(port),
      ASSURE_PUBLIC_URL: url,
      ASSURE_DATA_DIR: dataDirectory,
      ASSURE_CLIENTS: `${clientId}:${hashed.stdout.trim()}`,
      ASSURE_ENCRYPTION_KEYS: `proof:${randomBytes(32).toString("base64")}`,
      ASSURE_SANDBOX_WEBHOOK_SECRET: randomBytes(24).toString("base64url")
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk
  })
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      const killed = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited(child)
      clearTimeout(killed)
    }
    rmSync(dataDirectory, { recursive: true, force: true })
  }
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const ready = await fetch(`${url}/ready`).then(
      (response) => response.status === 204,
      () => false
    )
    if (ready) {
      return { url, env: { ASSURE_URL: url, ASSURE_CLIENT_ID: clientId, ASSURE_CLIENT_SECRET: clientSecret }, stop }
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await stop()
  throw new Error(`the built server did not become ready (${entry}, exit ${child.exitCode ?? "none"}):\n${output}`)
}
