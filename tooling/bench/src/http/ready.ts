/**
 * How long the built server takes to answer `/ready` (issue 15: at most 500 ms), measured as an operator starts it:
 * `node <the options on its shebang line> apps/server/dist/server/main.js` with the configuration in environment
 * variables, from spawning the process to its first 204 from `GET /ready` (polled every 5 ms). Reports the median of
 * `--runs` starts on a new data folder with nothing in Node's compile cache (the first start after an install), of as
 * many with the cache the server keeps, then of as many restarts on a folder holding `--dossiers` dossiers (stored
 * through the API once, before the restarts).
 *
 * `pnpm --filter @assure/bench bench:ready -- [--runs=5] [--dossiers=20000] [--stored=DIR]`
 *
 * `--stored=DIR` keeps the folder with stored dossiers there, and reuses it on the next run instead of storing them
 * again (their encryption key is then another run's, which a start does not read).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { PersonalDataCipher } from "@assure/engine"
import { hashSecret } from "../../../../apps/server/dist/server/Secrets.js"
import { freePort, readyOnce } from "./probes.ts"

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== "--"),
  options: { runs: { type: "string" }, dossiers: { type: "string" }, stored: { type: "string" } }
})
const runs = Number(values.runs ?? 5)
const dossierCount = Number(values.dossiers ?? 20_000)

const executable = fileURLToPath(new URL("../../../../apps/server/dist/server/main.js", import.meta.url))
// The Node options the server ships with: those on its `#!/usr/bin/env -S node …` line.
const shebangOptions = (readFileSync(executable, "utf8").split("\n", 1)[0] ?? "")
  .split(/\s+/)
  .filter((word) => word.startsWith("--"))

const client = { id: "ready-bench", secret: "ready-bench-secret" }
const secretHash = hashSecret(client.secret)
const encryptionKey = PersonalDataCipher.generateKey()

interface Started {
  readonly child: ChildProcess
  readonly port: number
  readonly readyMillis: number
  /** The CPU time (user and system, every thread) the process had used when it was ready; NaN off Linux. */
  readonly cpuMillis: number
}

/**
 * A process's CPU time so far, from `/proc/<pid>/stat` (utime and stime, in clock ticks of 10 ms). On a busy machine
 * the wall time to `/ready` mostly measures the other processes; this does not.
 */
const cpuMillisOf = (pid: number | undefined): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return Number.NaN
  }
}

/** Starts the server on `dataDirectory` and waits for `/ready`; fails if it exits first or takes over 30 s. */
const startServer = async (dataDirectory: string, variables: Record<string, string> = {}): Promise<Started> => {
  const port = await freePort()
  const output: Array<string> = []
  const spawned = performance.now()
  const child = spawn(process.execPath, [...shebangOptions, executable], {
    env: {
      ...process.env,
      ASSURE_PORT: String(port),
      ASSURE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ASSURE_DATA_DIR: dataDirectory,
      ASSURE_CLIENTS: `${client.id}:${secretHash}`,
      ASSURE_ENCRYPTION_KEYS: `bench:${encryptionKey}`,
      ...variables
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  let exited = false
  child.once("exit", () => {
    exited = true
  })
  while (!(await readyOnce(port))) {
    if (exited || performance.now() - spawned > 30_000) {
      child.kill()
      throw new Error(`the server did not become ready:\n${output.join("")}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const readyMillis = performance.now() - spawned
  return { child, port, readyMillis, cpuMillis: cpuMillisOf(child.pid) }
}

const stopServer = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })

const call = async (url: string, init: RequestInit) => {
  const response = await fetch(url, init)
  const text = await response.text()
  if (!response.ok) throw new Error(`${init.method} ${url}: ${response.status} ${text}`)
  return text
}

/** Stores `count` dossiers through the API, a few requests at a time, on a server without a rate limit to speak of. */
const seed = async (dataDirectory: string, count: number) => {
  const { child, port } = await startServer(dataDirectory, { ASSURE_RATE_LIMIT: "1000000" })
  try {
    const base = `http://127.0.0.1:${port}`
    const { access_token: token } = JSON.parse(
      await call(`${base}/auth/open/connect/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded"
        },
        body: "grant_type=client_credentials&scope=signicat-api"
      })
    ) as { access_token: string }
    let next = 0
    const worker = async () => {
      while (next < count) {
        const index = next++
        await call(`${base}/assure/dossiers`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({
            externalReference: `customer-${index}`,
            userData: { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12" }
          })
        })
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker))
  } finally {
    await stopServer(child)
  }
}

const median = (numbers: ReadonlyArray<number>) => {
  const sorted = [...numbers].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

const format = (starts: ReadonlyArray<Started>) => {
  const wall = starts.map((start) => start.readyMillis)
  const cpu = starts.map((start) => start.cpuMillis)
  return `median ${Math.round(median(wall))} ms (runs: ${wall.map((value) => Math.round(value)).join(", ")}), CPU median ${Math.round(median(cpu))} ms`
}

const folders: Array<string> = []
const newFolder = () => {
  const folder = mkdtempSync(join(tmpdir(), "assure-ready-bench-"))
  folders.push(folder)
  return folder
}

try {
  console.error(`node ${[...shebangOptions, executable].join(" ")}`)
  // As on the first start after an install or upgrade: nothing in the compile cache yet (Node's NODE_COMPILE_CACHE
  // pointed at an empty folder; the server's own default is used by every other start here).
  const uncached: Array<Started> = []
  for (let run = 0; run < runs; run++) {
    const started = await startServer(newFolder(), { NODE_COMPILE_CACHE: newFolder() })
    uncached.push(started)
    await stopServer(started.child)
  }
  console.log(`new data folder, no cache:   ${format(uncached)}`)

  const fresh: Array<Started> = []
  for (let run = 0; run < runs; run++) {
    const started = await startServer(newFolder())
    fresh.push(started)
    await stopServer(started.child)
  }
  console.log(`new data folder:             ${format(fresh)}`)

  const stored = values.stored === undefined ? newFolder() : resolve(values.stored)
  if (existsSync(join(stored, "assure.db"))) {
    console.error(`reusing the dossiers stored in ${stored}`)
  } else {
    console.error(`storing ${dossierCount} dossiers in ${stored}`)
    mkdirSync(stored, { recursive: true, mode: 0o700 })
    await seed(stored, dossierCount)
  }
  const restarts: Array<Started> = []
  for (let run = 0; run < runs; run++) {
    const started = await startServer(stored)
    restarts.push(started)
    await stopServer(started.child)
  }
  console.log(`restart, ${dossierCount} dossiers: ${format(restarts)}`)
} finally {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
}
