/**
 * What went wrong, told the way the API tells it: a title, a detail and each invalid parameter (problem details,
 * RFC 9457). API problems, unreachable servers and bad command-line input all become a `Failure`, which the
 * command line prints to stderr before exiting with a non-zero code.
 */
import { Data, Runtime } from "effect"

export interface InvalidParam {
  readonly name: string
  readonly reason: string
}

export class Failure extends Data.TaggedError("Failure")<{
  readonly title: string
  readonly status?: number | undefined
  readonly detail?: string | undefined
  readonly invalidParams?: ReadonlyArray<InvalidParam> | undefined
  readonly traceId?: string | undefined
}> {
  /** The command line prints it itself (`render`); the runtime should not log it again. */
  override readonly [Runtime.errorReported] = false
  override readonly [Runtime.errorExitCode] = 1

  override get message(): string {
    return this.detail === undefined ? this.title : `${this.title}: ${this.detail}`
  }
}

/** The failure as the lines printed to stderr. */
export const render = (failure: Failure): string => {
  const lines = [`Error: ${failure.title}${failure.status === undefined ? "" : ` (HTTP ${failure.status})`}`]
  if (failure.detail !== undefined && failure.detail.length > 0) lines.push(`  ${failure.detail}`)
  for (const param of failure.invalidParams ?? []) lines.push(`  - ${param.name}: ${param.reason}`)
  if (failure.traceId !== undefined) lines.push(`  trace id: ${failure.traceId}`)
  return lines.join("\n")
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

/** A problem details body (or a decoded problem class) as a `Failure`; `undefined` when it is not one. */
export const fromProblem = (value: unknown, status?: number): Failure | undefined => {
  if (!isRecord(value) || typeof value.title !== "string") return undefined
  const invalidParams = Array.isArray(value.invalidParams)
    ? value.invalidParams.filter(
        (param): param is InvalidParam =>
          isRecord(param) && typeof param.name === "string" && typeof param.reason === "string"
      )
    : undefined
  return new Failure({
    title: value.title,
    status: typeof value.status === "number" ? value.status : status,
    detail: typeof value.detail === "string" ? value.detail : undefined,
    invalidParams: invalidParams?.map(({ name, reason }) => ({ name, reason })),
    traceId: typeof value.traceId === "string" ? value.traceId : undefined
  })
}
