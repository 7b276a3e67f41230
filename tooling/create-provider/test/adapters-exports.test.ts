// Every adapter exports the same names for the same capabilities, and its README has the same sections, so a user who
// knows one adapter knows where everything is in the next (as the Vercel AI SDK's providers do). The rules read each
// adapter's built entry points and its declared capabilities; the generator's template follows them too.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { AdapterModule, type Capabilities } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { repoRoot } from "./workspace.ts"

const providersDir = join(repoRoot, "packages", "providers")

const providers = readdirSync(providersDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(providersDir, entry.name, "package.json")))
  .map((entry) => entry.name)
  .sort()

// The sandbox is its own vendor: nothing remote to simulate.
const withoutRemoteVendor = new Set(["sandbox"])
// ICAO checks chip data against an issuing state's PKI (its TrustStore): there is no vendor API to wrap in a client.
const withoutVendorApi = new Set(["sandbox", "icao"])

type Namespace = Record<string, unknown>

const isNamespace = (value: unknown): value is Namespace => typeof value === "object" && value !== null

const load = async (provider: string, entry: "index" | "testing"): Promise<Namespace> =>
  (await import(pathToFileURL(join(providersDir, provider, "dist", `${entry}.js`)).href)) as Namespace

/** The namespace whose name ends with `suffix` (`OnfidoProvider`), and the vendor prefix in front of it. */
const namespaceEndingWith = (exports: Namespace, suffix: string) => {
  const names = Object.keys(exports).filter((name) => name.endsWith(suffix) && name !== suffix)
  return names.map((name) => ({ name, vendor: name.slice(0, -suffix.length), value: exports[name] }))
}

const missing = (value: unknown, members: ReadonlyArray<string>): ReadonlyArray<string> =>
  isNamespace(value) ? members.filter((member) => !(member in value)) : [...members]

/** What the adapter declares it can do, read from its adapter module. */
const capabilitiesOf = (main: Namespace): Capabilities.Capabilities => {
  const adapter = main.adapter
  if (!AdapterModule.isAdapterModule(adapter)) return assert.fail("the package exports no adapter module")
  return adapter.capabilities
}

/** The H2 headings of a README, in order. */
const sectionsOf = (markdown: string): ReadonlyArray<string> =>
  [...markdown.matchAll(/^## (.+)$/gm)].map((match) => (match[1] ?? "").trim())

const requiredSections = (webhooks: boolean, remote: boolean): ReadonlyArray<string> => [
  "Install and use",
  "Configuration",
  "Process types and parameters",
  "Status mapping",
  "Normalisation",
  ...(webhooks ? ["Webhooks"] : []),
  "Errors",
  ...(remote ? ["The simulator"] : []),
  "Tests"
]

describe("every adapter's exports and README", () => {
  for (const provider of providers) {
    const remote = !withoutRemoteVendor.has(provider)

    describe(provider, () => {
      it("exports its adapter module as `adapter`, for the server to load it by configuration", async () => {
        const main = await load(provider, "index")
        assert.isTrue(AdapterModule.isAdapterModule(main.adapter), `${provider} exports a valid adapter module`)
      })

      it("exports one <Vendor>Provider with its name, capabilities, process types, parameters and layers", async () => {
        const main = await load(provider, "index")
        const found = namespaceEndingWith(main, "Provider")
        assert.strictEqual(found.length, 1, `${provider} exports exactly one <Vendor>Provider`)
        const [providerModule] = found
        assert.deepStrictEqual(
          missing(providerModule?.value, [
            "name",
            "capabilities",
            "processTypes",
            "Parameters",
            "make",
            "layer",
            "layerConfig"
          ]),
          []
        )
      })

      it("exports <Vendor>Webhook (verify, sign, signatureHeader) exactly when it tells results by webhook", async () => {
        const main = await load(provider, "index")
        const [providerModule] = namespaceEndingWith(main, "Provider")
        const capabilities = capabilitiesOf(main)
        const webhook = main[`${providerModule?.vendor}Webhook`]
        if (capabilities.webhooks) {
          assert.deepStrictEqual(missing(webhook, ["verify", "sign", "signatureHeader"]), [])
        } else {
          assert.isUndefined(webhook, `${provider} has no webhooks, so no ${providerModule?.vendor}Webhook`)
        }
      })

      if (!withoutVendorApi.has(provider)) {
        it("exports <Vendor>Client, the vendor's API as an Effect service with its layers", async () => {
          const main = await load(provider, "index")
          const [providerModule] = namespaceEndingWith(main, "Provider")
          const vendor = providerModule?.vendor ?? ""
          assert.deepStrictEqual(missing(main[`${vendor}Client`], [`${vendor}Client`, "layer", "layerConfig"]), [])
        })
      }

      if (remote) {
        it("exports a simulator of its vendor from ./testing: <Vendor>Simulator, make, layer, layerTest, startRequest", async () => {
          const testing = await load(provider, "testing")
          assert.strictEqual(namespaceEndingWith(testing, "Simulator").length, 1, `${provider}/testing: one *Simulator`)
          assert.deepStrictEqual(missing(testing, ["make", "layer", "layerTest", "startRequest"]), [])
        })
      }

      it("has the README sections every adapter has, in the same order", async () => {
        const capabilities = capabilitiesOf(await load(provider, "index"))
        const sections = sectionsOf(readFileSync(join(providersDir, provider, "README.md"), "utf8"))
        const required = requiredSections(capabilities.webhooks, remote)
        assert.deepStrictEqual(
          sections.filter((section) => required.includes(section)),
          required,
          `${provider}/README.md has ${required.join(", ")} as H2 sections, in that order`
        )
      })
    })
  }
})

describe("the generator's template", () => {
  it("writes a README with the sections every adapter has (a vendor with webhooks, and a simulator of it)", () => {
    const template = join(repoRoot, "tooling", "create-provider", "template", "package", "README.md.template")
    const required = requiredSections(true, true)
    assert.deepStrictEqual(
      sectionsOf(readFileSync(template, "utf8")).filter((section) => required.includes(section)),
      required
    )
  })
})
