/**
 * Waiting for a verification: polls the process until its status is final, with a progress indicator on stderr —
 * a spinner with the elapsed time on a terminal, dots otherwise (logs, CI).
 */
import { type Process, ProcessStatus } from "@assure/core"
import { Duration, Effect, Fiber } from "effect"
import * as Api from "./Api.js"
import { Failure } from "./Failure.js"

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`

/** Runs `effect` with a progress indicator labelled `label`; the finished line says `done(result)`. */
export const withProgress = <A, E, R>(
  label: string,
  effect: Effect.Effect<A, E, R>,
  done: (a: A) => string,
  /** What the indicator shows after the label on a terminal while it runs (bytes written so far, say). */
  detail?: () => string
) =>
  Effect.gen(function* () {
    const stderr = process.stderr
    const tty = stderr.isTTY === true
    const start = Date.now()
    let tick = 0
    const draw = Effect.sync(() => {
      if (tty) {
        const shown = detail === undefined ? "" : ` ${detail()}`
        stderr.write(`\r\x1b[K${frames[tick % frames.length]} ${label}${shown} ${seconds(start)}`)
      } else stderr.write(tick === 0 ? `${label} .` : ".")
      tick++
    })
    const indicator = yield* Effect.forkChild(
      draw.pipe(Effect.andThen(Effect.sleep(tty ? "100 millis" : "500 millis")), Effect.forever)
    )
    const stop = (line: string) =>
      Fiber.interrupt(indicator).pipe(
        Effect.andThen(
          Effect.sync(() =>
            stderr.write(tty ? `\r\x1b[K${label}: ${line} (${seconds(start)})\n` : ` ${line} (${seconds(start)})\n`)
          )
        )
      )
    return yield* effect.pipe(
      Effect.tap((a) => stop(done(a))),
      Effect.onError(() => stop("stopped"))
    )
  })

/** Polls the process every `interval` until its status is final; fails after `timeout`. */
export const awaitFinal = (
  dossierId: string,
  processId: string,
  options: { readonly timeout: Duration.Input; readonly interval?: Duration.Input }
): Effect.Effect<Process.Process, Failure, Api.Api> =>
  Effect.gen(function* () {
    while (true) {
      const current = yield* Api.use((client) => client.processes.get({ params: { dossierId, processId } }))
      if (ProcessStatus.isFinal(current.status)) return current
      yield* Effect.sleep(options.interval ?? "500 millis")
    }
  }).pipe(
    Effect.timeoutOrElse({
      duration: options.timeout,
      orElse: () =>
        Effect.fail(
          new Failure({
            title: "Timed out",
            detail: `process ${processId} did not reach a final status within ${Duration.format(Duration.fromInputUnsafe(options.timeout))}`
          })
        )
    })
  )

/** `awaitFinal` with the progress indicator. */
export const awaitFinalWithProgress = (
  dossierId: string,
  processId: string,
  options: { readonly timeout: Duration.Input; readonly label?: string }
) =>
  withProgress(
    options.label ?? `waiting for process ${processId}`,
    awaitFinal(dossierId, processId, options),
    (p) => `status ${p.status}`
  )
