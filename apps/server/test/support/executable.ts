/**
 * The built `assure-server` executable as an operator runs it — development mode, its own process — for tests that
 * stop it (SIGTERM) or kill it (SIGKILL) and start it again on the same data.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort } from "./server.js"

const executable = fileURLToPath(new URL("../../dist/server/main.js", import.meta.url))

/** A started executable: its process, address and development credentials. */
export interface Started {
  readonly child: ChildProcess
  readonly url: string
  readonly dataDirectory: string
  readonly credentials: { readonly id: string; readonly secret: string }
  readonly exited: Promise<number | null>
  /** What it has written to standard output so far (its log). */
  readonly output: () => string
}

/**
 * Starts the executable in development mode on a free port, in `dataDirectory` (a new one by default; the same one
 * again finds the same development client and key), with `environment` added (`DATABASE_URL`, say).
 */
export const startExecutable = async (
  options: { readonly dataDirectory?: string; readonly environment?: Record<string, string> } = {}
): Promise<Started> => {
  const port = await freePort()
  const dataDirectory = options.dataDirectory ?? mkdtempSync(join(tmpdir(), "assure-executable-"))
  const child = spawn(process.execPath, [executable], {
    env: {
      ...process.env,
      ASSURE_PORT: String(port),
      ASSURE_DATA_DIR: dataDirectory,
      ASSURE_CLIENTS: "",
      ASSURE_ENCRYPTION_KEYS: "",
      ...options.environment
    },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    const id = /client id:\s+(\S+)/.exec(output)?.[1]
    const secret = /client secret:\s+(\S+)/.exec(output)?.[1]
    const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (response) => response.status === 204,
      () => false
    )
    if (ready && id !== undefined && secret !== undefined) {
      return {
        child,
        url: `http://127.0.0.1:${port}`,
        dataDirectory,
        credentials: { id, secret },
        exited,
        output: () => output
      }
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(`assure-server did not become ready:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** An access token for the executable's development client. */
export const tokenFor = async (server: Started): Promise<string> => {
  const response = await fetch(`${server.url}/auth/open/connect/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${server.credentials.id}:${server.credentials.secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded"
    },
    body: "grant_type=client_credentials"
  })
  if (response.status !== 200) throw new Error(`no token: HTTP ${response.status}`)
  return ((await response.json()) as { access_token: string }).access_token
}
