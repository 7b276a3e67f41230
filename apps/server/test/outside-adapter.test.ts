/**
 * The promise of adapters loaded by configuration, end to end: an adapter package created by the generator in a
 * folder outside the workspace, built there, runs in the unmodified built server named by its path in
 * ASSURE_PROVIDERS. The package keeps no node_modules once built: `effect` and `@assure/provider` come from the
 * server's installation. The server lists it with its capabilities and verifies a process with it against the
 * package's own simulator, which signs the webhook that ends it.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Effect, Redacted, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finalProcess } from "./support/adapter.js"
import { type BuiltServer, call, startBuiltServer, tokenOf } from "./support/built-server.js"
import { freePort } from "./support/server.js"

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))
const serverRoot = fileURLToPath(new URL("..", import.meta.url))
const name = "outside-id"
const apiKey = "outside-api-key"
const webhookSecret = "outside-webhook-secret"

/** Runs a command to its end; fails the test with its output when it fails. */
const run = (command: string, args: ReadonlyArray<string>, cwd: string) => {
  const ran = spawnSync(command, args, { cwd, encoding: "utf8" })
  if (ran.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${ran.stdout}\n${ran.stderr}`)
  return ran.stdout
}

/** Links `node_modules/<name>` of `folder` to the package the server (or the workspace) resolves. */
const link = (folder: string, packageName: string, target: string) => {
  const path = join(folder, "node_modules", ...packageName.split("/"))
  mkdirSync(dirname(path), { recursive: true })
  symlinkSync(realpathSync(target), path, "dir")
}

const dataUrl = `data:image/png;base64,${"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}`

describe("an adapter written outside the workspace, run by the built server", () => {
  const outside = mkdtempSync(join(tmpdir(), "assure-outside-"))
  const folder = join(outside, name)
  let server: BuiltServer
  let scope: Scope.Closeable
  let simulator: { readonly baseUrl: string }

  beforeAll(async () => {
    // 1. The generator writes a standalone package.
    run(
      process.execPath,
      [join("tooling", "create-provider", "src", "create.ts"), name, "--directory", folder],
      repoRoot
    )
    // 2. Built with the workspace's packages given to the compiler, then those links removed: nothing of its own to
    //    run on.
    const modules = join(serverRoot, "node_modules")
    link(folder, "effect", join(modules, "effect"))
    link(folder, "@assure/provider", join(modules, "@assure", "provider"))
    link(folder, "@assure/core", join(modules, "@assure", "core"))
    link(folder, "@types/node", join(repoRoot, "node_modules", "@types", "node"))
    run(
      process.execPath,
      [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-b", "tsconfig.src.json"],
      folder
    )
    // The package's simulator, started while its imports can still be resolved.
    const testing = (await import(pathToFileURL(join(folder, "dist", "testing.js")).href)) as {
      readonly make: (options: {
        readonly apiKey: Redacted.Redacted<string>
        readonly webhookSecret: Redacted.Redacted<string>
        readonly webhookUrl?: string
      }) => Effect.Effect<{ readonly baseUrl: string }, never, Scope.Scope>
    }
    const port = await freePort()
    scope = Effect.runSync(Scope.make())
    simulator = await Effect.runPromise(
      testing
        .make({
          apiKey: Redacted.make(apiKey),
          webhookSecret: Redacted.make(webhookSecret),
          webhookUrl: `http://127.0.0.1:${port}/webhooks/${name}`
        })
        .pipe(Scope.provide(scope))
    )
    rmSync(join(folder, "node_modules"), { recursive: true, force: true })
    // 3. The server, told where the package is and given its variables.
    server = await startBuiltServer({
      ASSURE_PORT: String(port),
      ASSURE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ASSURE_PROVIDERS: `sandbox,${folder}`,
      OUTSIDE_ID_API_KEY: apiKey,
      OUTSIDE_ID_WEBHOOK_SECRET: webhookSecret,
      OUTSIDE_ID_BASE_URL: simulator.baseUrl
    })
  }, 120_000)

  afterAll(async () => {
    await server?.stop()
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Effect.void as never))
    rmSync(outside, { recursive: true, force: true })
  })

  it("has no node_modules of its own, and peers declared as such", () => {
    expect(existsSync(join(folder, "node_modules"))).toBe(false)
    const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as {
      readonly peerDependencies: Record<string, string>
    }
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["@assure/core", "@assure/provider", "effect"])
    expect(JSON.stringify(manifest)).not.toContain("workspace:")
  })

  it("is listed with its source, specification version and capabilities", async () => {
    const token = await tokenOf(server.url)
    const { status, json } = await call(server.url, token, "GET", "/assure/providers")
    expect(status).toBe(200)
    const listed = (json as { providers: Array<Record<string, unknown>> }).providers.find(
      (provider) => provider.name === name
    )
    expect(listed).toEqual({
      name,
      source: { path: folder },
      specificationVersion: "1",
      capabilities: expect.objectContaining({ documentImages: true, webhooks: true, polling: true })
    })
  })

  it("verifies a process against the package's simulator", async () => {
    const token = await tokenOf(server.url)
    const { dossierId } = (
      await call(server.url, token, "POST", "/assure/dossiers", {
        userData: { firstName: "Erika", lastName: "Mustermann" }
      })
    ).json as { dossierId: string }
    expect(
      (await call(server.url, token, "POST", `/assure/dossiers/${dossierId}/files`, { front: dataUrl })).status
    ).toBe(201)
    const created = await call(server.url, token, "POST", `/assure/dossiers/${dossierId}/processes`, {
      provider: name,
      processType: "document"
    })
    expect(created.status).toBe(201)
    const processPath = `/assure/dossiers/${dossierId}/processes/${(created.json as { processId: string }).processId}`
    expect((await call(server.url, token, "POST", `${processPath}/verify`, {})).status).toBe(200)
    const final = await finalProcess((method, path) => call(server.url, token, method, path), processPath)
    expect(final.status).toBe("accepted")
    expect(final.finalResult).toMatchObject({ lastName: "Mustermann" })
  })
})
