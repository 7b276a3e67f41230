/** The commands against a server started in this process, run as a user runs them: the built `assure`. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Api } from "@assure/api"
import { Dossier } from "@assure/core"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { unzipSync } from "fflate"
import { demoJpeg } from "../src/Files.js"
import { assure } from "./support/cli.js"
import { type Running, startServer } from "./support/server.js"

// What `--json` printed is the API's JSON as it is: the tests decode it with the API's own schemas.

describe("assure against a running server", () => {
  let server: Running
  const run = (...args: ReadonlyArray<string>) => assure(args, server.env)

  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it("prints a token with the client credentials, and only the token", async () => {
    const result = await run("token")
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(result.stderr).toBe("")
  })

  it("creates, lists, shows and deletes a dossier", async () => {
    const created = await run(
      "dossiers",
      "create",
      "--external-reference",
      "customer-7",
      "--first-name",
      "Ola",
      "--last-name",
      "Nordmann",
      "--date-of-birth",
      "1990-01-31",
      "--nationality",
      "NOR"
    )
    expect(created.code).toBe(0)
    const dossierId = /^Created dossier (\S+)$/m.exec(created.stdout)?.[1] ?? ""
    expect(dossierId).not.toBe("")
    expect(created.stdout).toMatch(/external reference\s+customer-7/)
    expect(created.stdout).toMatch(/lastName\s+Nordmann/)
    expect(created.stdout).toMatch(/dateOfBirth\s+1990-01-31/)

    const listed = await run("dossiers", "list")
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(/^DOSSIER ID\s+EXTERNAL REFERENCE\s+CREATED\s+FILES\s+LAST PROCESS$/m)
    expect(listed.stdout).toMatch(new RegExp(`^${dossierId}\\s+customer-7\\s+\\S+Z\\s+0\\s+-$`, "m"))

    const json = await run("dossiers", "list", "--json", "--limit", "10")
    expect(json.code).toBe(0)
    const page = Schema.decodeUnknownSync(Api.DossierPage)(JSON.parse(json.stdout))
    expect(page.dossiers.map((d) => d.dossierId)).toContain(dossierId)

    const shown = await run("dossiers", "get", dossierId)
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain(`Dossier ${dossierId}`)
    expect(shown.stdout).toMatch(/firstName\s+Ola/)
    expect(shown.stdout).toMatch(/nationality\s+NOR/)
    expect(shown.stdout).toMatch(/Processes\n {2}\(none\)/)

    const deleted = await run("dossiers", "delete", dossierId)
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted dossier ${dossierId}\n` })
    const gone = await run("dossiers", "get", dossierId)
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain("Error: Not found (HTTP 404)")
  })

  it("uploads a file and verifies with the sandbox, waiting for the result", async () => {
    const created = await run("dossiers", "create", "--json", "--last-name", "Nordmann")
    const { dossierId } = Schema.decodeUnknownSync(Dossier.Dossier)(JSON.parse(created.stdout))
    const folder = mkdtempSync(join(tmpdir(), "assure-cli-files-"))
    const front = join(folder, "front.jpg")
    writeFileSync(front, demoJpeg())
    const uploaded = await run("files", "upload", dossierId, "--front", front).finally(() =>
      rmSync(folder, { recursive: true, force: true })
    )
    expect(uploaded.code).toBe(0)
    expect(uploaded.stdout).toMatch(/front\s+image\/jpeg\s+\d+ B/)

    const verified = await run("verify", dossierId, "--provider", "sandbox", "--process-type", "document", "--wait")
    expect(verified.code).toBe(0)
    expect(verified.stdout).toMatch(/verification requested, status processing/)
    expect(verified.stdout).toMatch(/^ {2}status\s+accepted$/m)
    expect(verified.stdout).toContain("Final result (normalised)")
    expect(verified.stdout).toMatch(/lastName\s+Nordmann/)
    expect(verified.stdout).toMatch(/portrait\s+image\//)
    // The progress indicator goes to stderr: dots and the elapsed time when it is not a terminal.
    expect(verified.stderr).toMatch(/waiting for sandbox \.+ status accepted \(\d+\.\ds\)/)

    const rejected = await run(
      "verify",
      dossierId,
      "--process-type",
      "document",
      "--parameters",
      '{"sandbox":{"scenario":"rejected"}}',
      "--wait",
      "--json"
    )
    expect(rejected.code).toBe(0)
    expect(JSON.parse(rejected.stdout)).toMatchObject({ status: "rejected" })

    // The full result of that process as a zip, written whole or not at all.
    const { processId } = JSON.parse(rejected.stdout) as { processId: string }
    const downloads = mkdtempSync(join(tmpdir(), "assure-cli-download-"))
    const archive = join(downloads, "result.zip")
    const downloaded = await run("download", dossierId, processId, "--output", archive)
    expect(downloaded.code).toBe(0)
    expect(downloaded.stderr).toMatch(new RegExp(`downloading ${processId}.*\\d+ (B|kB) written to ${archive}`))
    const entries = unzipSync(readFileSync(archive))
    expect(Object.keys(entries).sort()).toEqual(["front.jpg", "history.json", "process.json", "provider-result.json"])
    expect(entries["front.jpg"]).toEqual(demoJpeg())
    expect(JSON.parse(new TextDecoder().decode(entries["process.json"])).status).toBe("rejected")
    expect(readdirSync(downloads)).toEqual(["result.zip"])
    rmSync(downloads, { recursive: true, force: true })

    // Routed by the server's default policy: the process says which rule chose its provider, and why.
    const routed = await run("verify", dossierId, "--provider", "auto", "--process-type", "document", "--wait")
    expect(routed.code).toBe(0)
    expect(routed.stdout).toMatch(/^ {2}status\s+accepted$/m)
    expect(routed.stdout).toMatch(/^Routing$/m)
    expect(routed.stdout).toMatch(/^ {2}policy\s+the server's default$/m)
    expect(routed.stdout).toMatch(/^ {2}rule\s+0: Everything to the sandbox$/m)
    expect(routed.stdout).toMatch(/^ {2}considered\s+sandbox chosen$/m)
  })

  it("prints problem details: title, detail and each invalid parameter, and exits non-zero", async () => {
    const missing = await run("dossiers", "get", "does-not-exist")
    expect(missing.code).not.toBe(0)
    expect(missing.stdout).toBe("")
    expect(missing.stderr).toMatch(/^Error: Not found \(HTTP 404\)$/m)
    expect(missing.stderr).toContain("does-not-exist")

    const created = await run("dossiers", "create", "--json")
    const { dossierId } = Schema.decodeUnknownSync(Dossier.Dossier)(JSON.parse(created.stdout))
    // An eID process waits for its end-user: not finished, so no full result yet.
    const pending = await run(
      "verify",
      dossierId,
      "--process-type",
      "eid",
      "--redirect-url",
      "http://127.0.0.1:9/back",
      "--json"
    )
    const pendingId = (JSON.parse(pending.stdout) as { processId: string }).processId
    const early = await run("download", dossierId, pendingId, "--output", join(tmpdir(), `assure-${pendingId}.zip`))
    expect(early.code).toBe(1)
    expect(early.stderr).toMatch(/^Error: Conflict \(HTTP 409\)$/m)
    expect(early.stderr).toContain("Only a finished process has a full result")

    const unknown = await run("verify", dossierId, "--provider", "acme", "--process-type", "document")
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^Error: Invalid request parameter \(HTTP 400\)$/m)
    expect(unknown.stderr).toMatch(/^ {2}- provider: .*acme/m)

    const wrong = await assure(["dossiers", "list"], { ...server.env, ASSURE_CLIENT_SECRET: "not-the-secret" })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain("Error: Unauthorized (HTTP 401)")
    expect(wrong.stderr).not.toContain("not-the-secret")
  })

  it("checks user data before sending it, naming the flags", async () => {
    const result = await run("dossiers", "create", "--date-of-birth", "1990-02-30", "--nationality", "NO")
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("Error: Invalid user data")
    expect(result.stderr).toMatch(/- --date-of-birth: /)
    expect(result.stderr).toMatch(/- --nationality: /)
  })

  it("says when the server cannot be reached", async () => {
    const result = await assure(["dossiers", "list"], { ...server.env, ASSURE_URL: "http://127.0.0.1:9" })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("Could not reach the API at http://127.0.0.1:9")
  })

  it("runs the demo's journey against a running server with --url, starting none of its own", async () => {
    const result = await assure(["demo", "--url", server.url], {
      ASSURE_CLIENT_ID: server.env.ASSURE_CLIENT_ID ?? "",
      ASSURE_CLIENT_SECRET: server.env.ASSURE_CLIENT_SECRET ?? ""
    })
    expect(result.stderr).not.toContain("Error")
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Using the server at ${server.url}`)
    expect(result.stdout).not.toContain("Starting a server")
    expect(result.stdout).toMatch(/^ {2}3\s+eID redirect flow\s+eid\s+accepted\s+/m)
    expect(result.stdout).toMatch(/^Demo complete: 3 verifications in [\d.]+ s\.$/m)
  }, 60_000)
})
