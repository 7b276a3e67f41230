/**
 * Ready as users run it: the built server (`apps/server/dist/server/main.js`) spawned with the Node options of its
 * shebang and configured by environment variables as an operator configures it, timed from the spawn to its first
 * `204` from `/ready`. Unlike the load runs' server process, nothing of the bench is loaded into it (no TypeScript
 * sources, no IPC), so this is the start an operator sees. The median of several starts, each on a new data folder
 * (the migrations run) and then again on one folder the first start left (a restart).
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { serverNodeOptions } from "./contenders.ts"
import { freePort, readyOnce } from "./probes.ts"

const main = fileURLToPath(new URL("../../../../apps/server/dist/server/main.js", import.meta.url))

export interface DistReadiness {
  /** Spawn → first `204` from `/ready`, ms, one per start, in the order they ran. */
  readonly newData: ReadonlyArray<number>
  readonly restart: ReadonlyArray<number>
}

/** What an operator sets (docs/configuration.md); every other setting at its default. */
export interface OperatorSettings {
  readonly clientId: string
  readonly secretHash: string
  readonly encryptionKey: string
}

/** One start: spawn, poll `/ready` every 5 ms, stop it as a supervisor would (SIGTERM) and wait for it to exit. */
const timeOneStart = async (dataDirectory: string, settings: OperatorSettings): Promise<number> => {
  const port = await freePort()
  const spawned = performance.now()
  const child = spawn(process.execPath, [...serverNodeOptions(), main], {
    env: {
      ...process.env,
      ASSURE_PORT: String(port),
      ASSURE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ASSURE_DATA_DIR: dataDirectory,
      ASSURE_CLIENTS: `${settings.clientId}:${settings.secretHash}`,
      ASSURE_ENCRYPTION_KEYS: `bench:${settings.encryptionKey}`,
      ASSURE_SANDBOX_WEBHOOK_SECRET: "whsec_http_bench"
    },
    // The banner goes to stdout; errors still show.
    stdio: ["ignore", "ignore", "inherit"]
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  let gone = false
  void exited.then(() => {
    gone = true
  })
  try {
    while (!gone && performance.now() - spawned < 60_000) {
      if (await readyOnce(port)) return performance.now() - spawned
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    throw new Error(`${main} did not become ready`)
  } finally {
    if (!gone) {
      const kill = setTimeout(() => child.kill("SIGKILL"), 15_000)
      child.kill("SIGTERM")
      await exited
      clearTimeout(kill)
    }
  }
}

export const measureDistReadiness = async (
  settings: OperatorSettings,
  starts: number,
  log: (m: string) => void
): Promise<DistReadiness> => {
  const folders: Array<string> = []
  const newFolder = () => {
    const folder = mkdtempSync(join(tmpdir(), "assure-ready-bench-"))
    folders.push(folder)
    return folder
  }
  try {
    const newData: Array<number> = []
    for (let start = 0; start < starts; start++) newData.push(await timeOneStart(newFolder(), settings))
    const restart: Array<number> = []
    const kept = folders[0] ?? newFolder()
    for (let start = 0; start < starts; start++) restart.push(await timeOneStart(kept, settings))
    log(
      `  built server: ready in ${newData.map((millis) => millis.toFixed(0)).join(", ")} ms on new data folders, ${restart.map((millis) => millis.toFixed(0)).join(", ")} ms on a restart`
    )
    return { newData, restart }
  } finally {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true })
  }
}
