/**
 * How `pnpm bench` runs the archive bench: in a child node with `--expose-gc` (`pnpm bench`'s own node has none, and
 * the child's heap holds nothing else), which prints its figures as JSON (`run.ts --json`).
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import type { ArchiveReport } from "./measure.ts"

/** Runs `run.ts --json` with `argv` in a child node and answers its figures; the child's progress goes to `log`. */
export const measureArchiveInChild = (
  argv: ReadonlyArray<string>,
  log: (message: string) => void
): Promise<ArchiveReport> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", join(import.meta.dirname, "run.ts"), "--json", ...argv], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let pending = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text
    })
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      const lines = (pending + text).split("\n")
      pending = lines.pop() ?? ""
      for (const line of lines) log(`  ${line}`)
    })
    child.on("error", reject)
    child.on("close", (code) => {
      if (pending !== "") log(`  ${pending}`)
      if (code !== 0) {
        reject(new Error(`the archive bench exited with ${code}`))
        return
      }
      try {
        resolve(JSON.parse(out) as ArchiveReport)
      } catch (error) {
        reject(error)
      }
    })
  })
