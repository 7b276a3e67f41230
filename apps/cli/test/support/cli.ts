/** Runs the built `assure` (dist/bin.js) as a child process, the way a user runs it. */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const bin = fileURLToPath(new URL("../../dist/bin.js", import.meta.url))

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly millis: number
}

/**
 * `assure <args>` with `env` on top of this process's environment, without any ASSURE_* setting of the person
 * running the tests. Asynchronous on purpose: a server started in this process must keep answering meanwhile.
 */
export const assure = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Result> => {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("ASSURE_")))
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...inherited, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    child.once("error", reject)
    child.once("close", (code) => resolve({ code, stdout, stderr, millis: Date.now() - started }))
  })
}
