/**
 * Adapters loaded by configuration, as an operator starts the built `assure-server`: a built-in name, a module path
 * outside the server's tree (its peers resolved from the server), and every way a start is refused — a module not
 * found, one exporting no adapter module, another specification version, a name taken twice, and configuration
 * problems, all reported together with the adapter and the variable named.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BuiltServer, call, runUntilExit, startBuiltServer, tokenOf } from "./support/built-server.js"

/** A folder outside the server's tree, without node_modules: its modules can import their peers only from the server. */
const outside = mkdtempSync(join(tmpdir(), "assure-adapters-"))
afterAll(() => rmSync(outside, { recursive: true, force: true }))

/** An adapter module in plain JavaScript, as a build would emit it. */
const adapterSource = (options: {
  readonly name: string
  readonly specificationVersion?: string
  /** The provider name it registers, when not its own. */
  readonly registers?: string
}) => `
import { AdapterModule, Capabilities, IdentityProvider, ProviderError, ProviderRegistry } from "@assure/provider"
import { Config, Effect, Redacted, Schema } from "effect"

export const adapter = AdapterModule.make({
  name: ${JSON.stringify(options.name)},
  specificationVersion: ${JSON.stringify(options.specificationVersion ?? "1")},
  capabilities: { ...Capabilities.none, documentImages: true, polling: true },
  prefix: "FIXTURE",
  config: {
    token: Config.Redacted("TOKEN"),
    retries: Config.Int("RETRIES").pipe(Config.withDefault(1))
  },
  layer: (config) =>
    ProviderRegistry.register(
      IdentityProvider.make({
        name: ${JSON.stringify(options.registers ?? options.name)},
        capabilities: { ...Capabilities.none, documentImages: true, polling: true },
        processTypes: ["document"],
        parameters: Schema.Struct({}),
        documentTypes: Effect.succeed([{ documentType: "passport" }]),
        start: () => Effect.succeed({ reference: "ref-" + Redacted.value(config.token), status: "processing" }),
        fetchResult: () =>
          Effect.succeed({ status: "accepted", providerSpecific: {}, checks: [], files: [] }),
        verifyWebhook: () =>
          Effect.fail(
            ProviderError.make(${JSON.stringify(options.name)}, new ProviderError.WebhookSignatureInvalid(), {
              description: "sends no webhooks"
            })
          )
      })
    )
})
`

const write = (path: string, text: string) => {
  mkdirSync(join(outside, path, ".."), { recursive: true })
  writeFileSync(join(outside, path), text)
  return join(outside, path)
}

const fixture = write("fixture/index.mjs", adapterSource({ name: "fixture" }))
const nextVersion = write("future/index.mjs", adapterSource({ name: "future", specificationVersion: "2" }))
const notAnAdapter = write("plain/index.mjs", "export const adapter = { name: 'plain' }\n")
// A package folder: its package.json names the entry.
write("packaged/package.json", JSON.stringify({ name: "packaged", version: "3.1.4", exports: "./dist/main.mjs" }))
write("packaged/dist/main.mjs", adapterSource({ name: "packaged" }))

describe("ASSURE_PROVIDERS loading adapters", () => {
  let server: BuiltServer

  beforeAll(async () => {
    server = await startBuiltServer({
      ASSURE_PROVIDERS: `sandbox,${fixture},${join(outside, "packaged")}`,
      FIXTURE_TOKEN: "t-1"
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })

  it("lists every loaded adapter with its source, specification version and capabilities", async () => {
    const token = await tokenOf(server.url)
    const { status, json } = await call(server.url, token, "GET", "/assure/providers")
    expect(status).toBe(200)
    const { providers } = json as {
      providers: Array<{ name: string; source: unknown; specificationVersion: string; capabilities: unknown }>
    }
    expect(providers.map((provider) => provider.name)).toEqual(["sandbox", "fixture", "packaged"])
    expect(providers[0]?.source).toMatchObject({ package: "@assure/sandbox" })
    expect(providers[1]).toEqual({
      name: "fixture",
      source: { path: fixture },
      specificationVersion: "1",
      capabilities: {
        documentImages: true,
        selfie: false,
        video: false,
        chipData: false,
        redirect: false,
        hostedFlow: false,
        webhooks: false,
        polling: true,
        cancel: false,
        endUserCancel: false
      }
    })
    expect(providers[2]?.source).toEqual({ path: join(outside, "packaged") })
  })

  it("answers 401 without a token", async () => {
    const response = await fetch(`${server.url}/assure/providers`)
    expect(response.status).toBe(401)
  })

  it("runs a process with an adapter loaded from a path, configured from its prefix", async () => {
    const token = await tokenOf(server.url)
    const dossier = await call(server.url, token, "POST", "/assure/dossiers", {
      userData: { firstName: "Jane", lastName: "Doe" }
    })
    const { dossierId } = dossier.json as { dossierId: string }
    const created = await call(server.url, token, "POST", `/assure/dossiers/${dossierId}/processes`, {
      provider: "fixture",
      processType: "document"
    })
    expect(created.status).toBe(201)
    const documentTypes = await call(server.url, token, "GET", "/assure/fixture/document-types")
    expect(documentTypes.json).toEqual({ provider: "fixture", documentTypes: [{ documentType: "passport" }] })
  })
})

describe("ASSURE_PROVIDERS naming an installed package", () => {
  it("finds it in the node_modules of the working directory, and lists its name and version", async () => {
    const project = join(outside, "project")
    write(
      "project/node_modules/@acme/assure-fixture/package.json",
      JSON.stringify({
        name: "@acme/assure-fixture",
        version: "2.7.1",
        type: "module",
        exports: { ".": { import: "./index.js" } }
      })
    )
    write("project/node_modules/@acme/assure-fixture/index.js", adapterSource({ name: "acme-fixture" }))
    const started = await startBuiltServer(
      { ASSURE_PROVIDERS: "sandbox,@acme/assure-fixture", FIXTURE_TOKEN: "t-2" },
      project
    )
    try {
      const token = await tokenOf(started.url)
      const { json } = await call(started.url, token, "GET", "/assure/providers")
      expect((json as { providers: Array<{ name: string; source: unknown }> }).providers[1]).toMatchObject({
        name: "acme-fixture",
        source: { package: "@acme/assure-fixture", version: "2.7.1" }
      })
    } finally {
      await started.stop()
    }
  }, 60_000)
})

describe("ASSURE_PROVIDERS refusing to start", () => {
  it("names every problem at once: not installed, no adapter module, another specification, a name taken", async () => {
    const { code, output } = await runUntilExit({
      ASSURE_PROVIDERS: `sandbox,@acme/assure-missing,./nowhere,${notAnAdapter},${nextVersion},${fixture},${write("twin/index.mjs", adapterSource({ name: "fixture" }))}`,
      FIXTURE_TOKEN: "t"
    })
    expect(code).toBe(2)
    expect(output).toContain("Configuration error: ASSURE_PROVIDERS: 5 problems:")
    expect(output).toContain("@acme/assure-missing: the package @acme/assure-missing is not installed")
    expect(output).toContain("./nowhere: no file or folder at")
    expect(output).toContain(`${notAnAdapter} does not export an adapter module as \`adapter\``)
    expect(output).toContain("adapter future implements provider specification 2; this server implements 1")
    expect(output).toContain(
      `adapter fixture from ${join(outside, "twin", "index.mjs")} has the name of the adapter from ${fixture}`
    )
    expect(output).not.toContain("assure is listening")
  }, 30_000)

  it("names the adapter and each variable missing or malformed, never a secret", async () => {
    const { code, output } = await runUntilExit({
      ASSURE_PROVIDERS: `sandbox,stripe-identity,${fixture}`,
      STRIPE_WEBHOOK_SECRET: "whsec_must_not_be_printed",
      FIXTURE_RETRIES: "several",
      ASSURE_SANDBOX_LATENCY: "soon"
    })
    expect(code).toBe(2)
    expect(output).toContain(
      "adapter sandbox (@assure/sandbox): ASSURE_SANDBOX_LATENCY is invalid: Expected a valid Duration string"
    )
    expect(output).toContain("adapter stripe-identity (@assure/stripe-identity): STRIPE_SECRET_KEY is missing")
    expect(output).toContain(`adapter fixture (${fixture}): FIXTURE_TOKEN is missing`)
    expect(output).toContain(`adapter fixture (${fixture}): FIXTURE_RETRIES is invalid`)
    expect(output).not.toContain("whsec_must_not_be_printed")
  }, 30_000)

  it("refuses a module that registers a provider under another name than its own", async () => {
    const misnamed = write("misnamed/index.mjs", adapterSource({ name: "misnamed", registers: "other" }))
    const { code, output } = await runUntilExit({ ASSURE_PROVIDERS: `sandbox,${misnamed}`, FIXTURE_TOKEN: "t" })
    expect(code).toBe(2)
    expect(output).toContain(`adapter misnamed (${misnamed}) registered no provider named misnamed`)
  }, 30_000)
})
