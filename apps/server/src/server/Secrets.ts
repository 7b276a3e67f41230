/**
 * Client secrets are stored hashed (scrypt, with a random salt) and compared in constant time: the configuration
 * never holds a secret that would let someone call the API.
 *
 * Checking a secret costs tens of milliseconds of CPU and 16 MB of memory by design, so it never runs on the event
 * loop: {@link hashingWorkers} runs it on worker threads of a low CPU priority (nice 10), which yield most of the CPU
 * to the event loop, so that a flood of guesses does not slow down every other request; Tokens.ts bounds how many run
 * at once. Not the lowest (19): with both cores busy, a nice-19 thread gets about 1.5% of one, and a legitimate
 * client's token took 10 s (the CLI's tests next to two busy loops); at nice 10 it took 1.7 s. Measured with `pnpm --filter @assure/bench bench:tokens` on 2 cores, under a flood of guesses from many
 * addresses (every one hashed), against asynchronous `crypto.scrypt` on libuv's thread pool, whose threads run at the
 * event loop's own priority: four checks at once took other tenants' GET p99 to 2.2× its quiet value on the pool
 * (p50 3 → 9 ms), to 1.3× with these workers (p50 unchanged); one at a time (the default), both stayed under 2× on
 * an idle machine, and with other work on the machine the pool's doubled where the workers' stayed flat.
 */
import { randomBytes, scryptSync } from "node:crypto"
import { Worker } from "node:worker_threads"
import { Context, Effect, type Scope } from "effect"

const cost = { N: 16384, r: 8, p: 1 }

/** Checks a secret against a hash made by {@link hashSecret}. */
export type Verifier = (secret: string, stored: string) => Effect.Effect<boolean>

/** `scrypt$<salt hex>$<hash hex>` for a secret. */
export const hashSecret = (secret: string): string => {
  const salt = randomBytes(16)
  const hash = scryptSync(secret, salt, 32, cost)
  return `scrypt$${salt.toString("hex")}$${hash.toString("hex")}`
}

const parseStored = (stored: string) => {
  const [scheme, saltHex, hashHex] = stored.split("$")
  return scheme !== "scrypt" || saltHex === undefined || hashHex === undefined
    ? undefined
    : { salt: Buffer.from(saltHex, "hex"), expected: Buffer.from(hashHex, "hex") }
}

/**
 * The worker: lowers its own thread's CPU priority (per thread on Linux; elsewhere the call would lower the whole
 * process, so it is not made), then answers each `[id, secret, salt, expected]` with `[id, valid]`.
 */
const workerSource = `
const { scryptSync, timingSafeEqual } = require("node:crypto")
const { parentPort, workerData } = require("node:worker_threads")
if (process.platform === "linux") {
  try { require("node:os").setPriority(10) } catch {}
}
parentPort.on("message", ([id, secret, salt, expected]) => {
  let valid = false
  try {
    const actual = scryptSync(secret, Buffer.from(salt), expected.byteLength, workerData.cost)
    valid = actual.length === expected.byteLength && timingSafeEqual(actual, Buffer.from(expected))
  } catch {}
  parentPort.postMessage([id, valid])
})
`

/**
 * `size` worker threads that check secrets in constant time, at a low CPU priority, each one secret at a time
 * (callers keep at most `size` in flight: Tokens.ts). Stopped when the scope closes. Uninterruptible: a check once sent
 * is waited for, so that whoever bounds how many run counts it until it has run.
 */
export const hashingWorkers = (size: number): Effect.Effect<Verifier, never, Scope.Scope> =>
  Effect.gen(function* () {
    const workers = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Array.from({ length: Math.max(1, size) }, () => {
          const worker = new Worker(workerSource, { eval: true, workerData: { cost } })
          // An idle worker does not keep the process alive.
          worker.unref()
          return worker
        })
      ),
      (workers) => Effect.promise(() => Promise.all(workers.map((worker) => worker.terminate())))
    )
    const waiting = new Map<number, { readonly worker: Worker; readonly answer: (valid: boolean) => void }>()
    // Workers with nothing to do; a caller with more than `size` in flight queues on the first one.
    const idle = [...workers]
    for (const worker of workers) {
      worker.on("message", ([id, valid]: [number, boolean]) => {
        idle.push(worker)
        const pending = waiting.get(id)
        waiting.delete(id)
        pending?.answer(valid)
      })
      // A worker that stops (the scope closed, or it failed) refuses what it still held: nobody waits forever.
      worker.on("exit", () => {
        for (const [id, pending] of waiting) {
          if (pending.worker !== worker) continue
          waiting.delete(id)
          pending.answer(false)
        }
      })
    }
    let next = 0
    return (secret, stored) => {
      const parsed = parseStored(stored)
      if (parsed === undefined) return Effect.succeed(false)
      return Effect.uninterruptible(
        Effect.callback<boolean>((resume) => {
          const id = next++
          const worker = idle.pop() ?? (workers[0] as Worker)
          waiting.set(id, { worker, answer: (valid) => resume(Effect.succeed(valid)) })
          worker.postMessage([id, secret, parsed.salt, parsed.expected])
        })
      )
    }
  })

/**
 * Wraps how the token endpoint checks secrets: as is unless something else is provided, as a test does to count the
 * hashes the server computes.
 */
export const SecretVerifier = Context.Reference<(verify: Verifier) => Verifier>("@assure/server/SecretVerifier", {
  defaultValue: () => (verify) => verify
})

/** A new random secret, URL-safe. */
export const newSecret = (): string => randomBytes(24).toString("base64url")
