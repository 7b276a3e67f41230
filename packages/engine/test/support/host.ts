/** Starts engine hosts (test/fixtures/engine-host.ts) as OS processes and talks to them over IPC. */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

export interface Host {
  readonly request: <A = unknown>(message: Record<string, unknown>) => Promise<A>
  readonly kill: () => Promise<void>
  readonly stop: () => Promise<void>
  readonly process: ChildProcess
}

const hostScript = fileURLToPath(new URL("../fixtures/engine-host.ts", import.meta.url))

export const startHost = (env: Record<string, string>): Promise<Host> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hostScript], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    let nextId = 0
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.on("message", (message: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) {
        resolve({
          process: child,
          request: <A>(body: Record<string, unknown>) =>
            new Promise<A>((done, fail) => {
              const id = nextId++
              pending.set(id, { resolve: done as (value: unknown) => void, reject: fail })
              child.send({ ...body, id })
            }),
          kill: async () => {
            child.kill("SIGKILL")
            await exited
          },
          stop: async () => {
            child.kill("SIGTERM")
            await exited
          }
        })
        return
      }
      const waiting = message.id === undefined ? undefined : pending.get(message.id)
      if (waiting === undefined) return
      pending.delete(message.id as number)
      if (message.error !== undefined) waiting.reject(new Error(message.error))
      else waiting.resolve(message.result)
    })
    child.once("exit", (code) => {
      for (const waiting of pending.values()) waiting.reject(new Error(`the engine host exited (${code})`))
      reject(new Error(`the engine host exited before it was ready (${code})`))
    })
  })

export const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> => {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A port free on loopback now, for a socket runner's address. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
