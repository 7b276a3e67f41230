/**
 * `ASSURE_LOG_LEVEL`: checked at start, applied to everything the server runs; at debug level the logs record each
 * change and refusal with its trace id, and never a secret, a token or identity data.
 */
import { format } from "node:util"
import { Exit } from "effect"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { loadWith } from "./support/config.js"
import { sensitiveJourney } from "./support/sensitive.js"
import { apiClient, clients, startServer } from "./support/server.js"

describe("ASSURE_LOG_LEVEL", () => {
  it("defaults to info and maps each accepted name to Effect's level, in any case", async () => {
    const levelOf = async (variables: Record<string, string>) => {
      const exit = await loadWith(variables)
      if (Exit.isFailure(exit)) throw new Error(`configuration refused: ${String(exit.cause)}`)
      return exit.value.logLevel
    }
    expect(await levelOf({})).toBe("Info")
    const expected = { trace: "Trace", debug: "Debug", info: "Info", warning: "Warn", error: "Error", none: "None" }
    for (const [name, level] of Object.entries(expected)) {
      expect(await levelOf({ ASSURE_LOG_LEVEL: name })).toBe(level)
    }
    expect(await levelOf({ ASSURE_LOG_LEVEL: " Warning " })).toBe("Warn")
    // Empty is unset, as for every variable.
    expect(await levelOf({ ASSURE_LOG_LEVEL: "" })).toBe("Info")
  })

  it("refuses anything else at start, naming the setting and the accepted values", async () => {
    for (const value of ["verbose", "warn", "constructor", "info,debug"]) {
      const exit = await loadWith({ ASSURE_LOG_LEVEL: value })
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isSuccess(exit)) continue
      const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
      expect(error).toMatchObject({
        _tag: "ConfigurationError",
        setting: "ASSURE_LOG_LEVEL",
        message: "ASSURE_LOG_LEVEL: expected one of trace, debug, info, warning, error, none"
      })
    }
  })
})

describe("the logs", () => {
  /** Everything written to the console while a test runs, one entry per call, as the console would print it. */
  let lines: Array<string> = []
  beforeEach(() => {
    lines = []
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
        lines.push(format(...args))
      })
    }
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("at debug level record changes and refusals with their trace id, and no secret, token or identity data", async () => {
    const server = await startServer({ logLevel: "Debug" })
    let run: Awaited<ReturnType<typeof sensitiveJourney>>
    try {
      run = await sensitiveJourney(server)
      // Let the process's notification be delivered, and its refusal logged.
      await new Promise((resolve) => setTimeout(resolve, 1_500))
    } finally {
      await server.stop()
    }
    const output = lines.join("\n")
    expect(output).toContain("DEBUG")
    const changes = lines.filter((line) => line.includes("state changed"))
    expect(changes.some((line) => line.includes("'/assure/dossiers'") && line.includes("status: 201"))).toBe(true)
    expect(changes.some((line) => line.includes("/verify'"))).toBe(true)
    // The end-user's return ends the process: a change, though a GET.
    expect(changes.some((line) => line.includes("'/callbacks/sandbox'") && line.includes("status: 302"))).toBe(true)
    expect(lines.some((line) => line.includes("token issued"))).toBe(true)
    for (const line of changes) expect(line).toMatch(/traceId: '[0-9a-f]{32}'/)
    // The refused request's log line carries the trace id its problem gave the client.
    const refusal = lines.find((line) => line.includes("request refused") && line.includes(run.problemTraceId))
    expect(refusal).toContain("status: 400")
    expect(refusal).toContain(`path: '${run.problemPath}'`)
    expect(lines.some((line) => line.includes("request refused") && line.includes("status: 401"))).toBe(true)

    for (const secret of run.secrets) expect(output).not.toContain(secret)
  }, 60_000)

  it("at the default level (info) write no line per request", async () => {
    const server = await startServer()
    try {
      await sensitiveJourney(server)
    } finally {
      await server.stop()
    }
    expect(lines.some((line) => line.includes("Listening on"))).toBe(true)
    expect(lines.filter((line) => / DEBUG | TRACE /.test(line))).toEqual([])
    expect(lines.filter((line) => /state changed|request refused/.test(line))).toEqual([])
  }, 60_000)

  it("at none write nothing at all, not even that the server listens", async () => {
    const server = await startServer({ logLevel: "None" })
    try {
      const alpha = await apiClient(server, clients.alpha)
      expect((await alpha.call("POST", "/assure/dossiers", {})).status).toBe(201)
      expect((await alpha.call("GET", "/assure/no-such-route")).status).toBe(404)
    } finally {
      await server.stop()
    }
    expect(lines).toEqual([])
  }, 60_000)
})
