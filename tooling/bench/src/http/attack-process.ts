/**
 * The attacker of the token-flood bench, in a process of its own so that its work is not the measuring process's:
 * autocannon sending client-credentials requests with wrong secrets to the token endpoint, each connection sending
 * its next request as soon as the last is answered. `single` names one client from one address; `spread` names a new
 * client from a new address (`X-Forwarded-For`, in 198.18.0.0/15, the range set aside for benchmarks) every time, so
 * that no limit ever refuses an attempt and every one is hashed. Reports its counts over IPC when done.
 */
import autocannon from "autocannon"
import type { AttackJob, AttackResult } from "./protocol.ts"

const job = JSON.parse(process.env.BENCH_TOKEN_ATTACK ?? "") as AttackJob
process.once("disconnect", () => process.exit(1))
// autocannon's timers run late on a machine this busy, and Node warns of each: not news here.
process.removeAllListeners("warning")

const form = (clientId: string, attempt: number) =>
  `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&client_secret=wrong-secret-${attempt}`

let attempt = job.offset
/** The n-th address of 198.18.0.0/15 (131,072 of them). */
const spreadAddress = (n: number) => `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`

const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.durationSeconds,
  requests: [
    {
      method: "POST",
      path: "/auth/open/connect/token",
      setupRequest: (request) => {
        attempt++
        const spread = job.mode === "spread"
        return {
          ...request,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "x-forwarded-for": spread ? spreadAddress(attempt) : job.address
          },
          body: form(spread ? `${job.clientId}-${attempt}` : job.clientId, attempt)
        }
      }
    }
  ]
})

const statuses = Object.fromEntries(
  Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, Number(count)])
)
const message: AttackResult = {
  type: "attack",
  requests: result.requests.total,
  seconds: result.duration,
  statuses,
  errors: result.errors + result.timeouts
}
process.send?.(message, () => process.exit(0))
