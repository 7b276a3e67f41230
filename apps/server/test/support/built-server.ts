/** Runs the built `assure-server` (dist/server/main.js) in a child process, as an operator starts it. */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { PersonalDataCipher } from "@assure/engine"
import { hashSecret } from "../../src/server/Secrets.js"
import { clients, freePort } from "./server.js"

/** The server's executable. */
export const executable = fileURLToPath(new URL("../../dist/server/main.js", import.meta.url))

/** A started server: its URL, what it printed so far, and how to stop it. */
export interface BuiltServer {
  readonly url: string
  readonly output: () => string
  readonly stop: () => Promise<void>
}

const spawnServer = async (variables: Record<string, string>, cwd?: string) => {
  // A port chosen by the caller (a simulator must know where to send webhooks before the server starts), or a free one.
  const port = variables.ASSURE_PORT ?? String(await freePort())
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(process.execPath, [executable], {
    ...(cwd === undefined ? {} : { cwd }),
    env: {
      PATH: process.env.PATH ?? "",
      ASSURE_PORT: port,
      ASSURE_PUBLIC_URL: url,
      ASSURE_DATA_DIR: mkdtempSync(join(tmpdir(), "assure-built-server-")),
      ASSURE_CLIENTS: `${clients.alpha.id}:${hashSecret(clients.alpha.secret)}`,
      ASSURE_ENCRYPTION_KEYS: `test:${PersonalDataCipher.generateKey()}`,
      ASSURE_NOTIFICATION_ALLOW_HTTP: "true",
      ASSURE_NOTIFICATION_ALLOWED_NETWORKS: "127.0.0.0/8,::1/128",
      ...variables
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
  return { url, child, output: () => output, exited }
}

/** Runs the server until it exits (for starts that must fail): its exit code and everything it printed. */
export const runUntilExit = async (variables: Record<string, string>, cwd?: string) => {
  const { child, output, exited } = await spawnServer(variables, cwd)
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
  const code = await exited
  clearTimeout(timer)
  return { code, output: output() }
}

/** Starts the server and waits until it is ready; fails with what it printed if it exits first. */
export const startBuiltServer = async (variables: Record<string, string>, cwd?: string): Promise<BuiltServer> => {
  const { url, child, output, exited } = await spawnServer(variables, cwd)
  let exitCode: number | null | undefined
  void exited.then((code) => {
    exitCode = code
  })
  for (let attempt = 0; ; attempt++) {
    if (exitCode !== undefined) throw new Error(`the server exited (${exitCode}):\n${output()}`)
    const ready = await fetch(`${url}/ready`).then(
      (response) => response.status === 204,
      () => false
    )
    if (ready) break
    if (attempt > 300) {
      child.kill("SIGKILL")
      throw new Error(`the server did not become ready:\n${output()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    output,
    stop: async () => {
      if (exitCode !== undefined) return
      child.kill("SIGTERM")
      await exited
    }
  }
}

/** A bearer token of the test client `alpha` from a running server. */
export const tokenOf = async (url: string): Promise<string> => {
  const response = await fetch(`${url}/auth/open/connect/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${clients.alpha.id}:${clients.alpha.secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded"
    },
    body: "grant_type=client_credentials&scope=signicat-api"
  })
  return ((await response.json()) as { access_token: string }).access_token
}

/** Calls the API with the client's token: status and JSON body. */
export const call = async (url: string, token: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, json: text.length > 0 ? (JSON.parse(text) as unknown) : undefined }
}
