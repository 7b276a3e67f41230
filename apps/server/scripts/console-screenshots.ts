/**
 * `pnpm --filter @assure/server screenshots:console`: regenerates the screenshots of the review console
 * (`docs/images/console/*.png`, shown in the README and docs/console.md) from the running server.
 *
 * Starts the built server (`pnpm build` first) in this process on the embedded store in a temporary folder, with one
 * operator account, makes an inconclusive sandbox case through the API as a client would (a dossier with userData and
 * a photo of a card), and drives Debian's Chromium (`/usr/bin/chromium`, or `ASSURE_TEST_CHROMIUM`) through the
 * console on a phone (390×844) and a desktop (1280×800) viewport: sign-in, the one-time code, the queue, a claimed
 * case (its top, with the image, and its decision form), and the audit trail. Each PNG is the viewport only.
 *
 * The output is the same from one run to the next: what changes between runs — ids and times — is shown as fixed
 * example values, and the card's photo is drawn here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Secret, TOTP } from "otpauth"
import { type BrowserContextOptions, chromium, type Page } from "playwright-core"
import { PNG } from "pngjs"
import { hashSecret } from "../dist/server/Secrets.js"
import { apiCaller, screenshot, startServer, summarise } from "./support.ts"

const executablePath = process.env.ASSURE_TEST_CHROMIUM ?? "/usr/bin/chromium"
const output = join(import.meta.dirname, "..", "..", "..", "docs", "images", "console")

const viewports: ReadonlyArray<readonly [string, BrowserContextOptions]> = [
  ["phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
  ["desktop", { viewport: { width: 1280, height: 800 } }]
]

/** A light card with a photo box on a dark desk, 800×500: the document's front. */
const cardPhoto = (): Buffer => {
  const image = new PNG({ width: 800, height: 500 })
  const fill = (
    left: number,
    top: number,
    right: number,
    bottom: number,
    [r, g, b]: readonly [number, number, number]
  ) => {
    for (let y = top; y < bottom; y++) {
      for (let x = left; x < right; x++) {
        const at = (y * 800 + x) * 4
        image.data[at] = r
        image.data[at + 1] = g
        image.data[at + 2] = b
        image.data[at + 3] = 255
      }
    }
  }
  fill(0, 0, 800, 500, [52, 52, 56])
  fill(120, 80, 680, 420, [236, 242, 228])
  fill(150, 130, 290, 320, [190, 165, 150])
  fill(150, 95, 650, 112, [40, 70, 110])
  for (const [top, right] of [
    [150, 600],
    [185, 560],
    [220, 620],
    [255, 540]
  ] as const)
    fill(320, top, right, top + 14, [120, 120, 120])
  fill(150, 360, 650, 374, [130, 130, 130])
  fill(150, 385, 650, 399, [130, 130, 130])
  return PNG.sync.write(image)
}

const clients = { id: "client-a", secret: "screenshots-secret-value" }
const secret = new Secret({ size: 20 })
const totp = new TOTP({ secret, algorithm: "SHA1", digits: 6, period: 30 })
const password = "screenshots-operator-password"

const folder = mkdtempSync(join(tmpdir(), "assure-console-screenshots-"))
const accountsFile = join(folder, "accounts.json")
writeFileSync(
  accountsFile,
  JSON.stringify([
    {
      id: "ada",
      name: "Ada Lovelace",
      tenants: { [clients.id]: "admin" },
      secretHash: hashSecret(password),
      totpSecret: secret.base32
    }
  ])
)

const server = await startServer({
  folder,
  client: clients,
  variables: { ASSURE_CONSOLE_ACCOUNTS: accountsFile }
})
const url = server.url

/** An inconclusive sandbox case through the API: the dossier, its front, the process. */
const newCase = async () => {
  const call = await apiCaller(url, clients)
  const { dossierId = "" } = await call("POST", "/assure/dossiers", {
    userData: { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1964-08-12", issuingCountry: "DEU" }
  })
  await call("POST", `/assure/dossiers/${dossierId}/files`, {
    front: `data:image/png;base64,${cardPhoto().toString("base64")}`
  })
  const { processId = "" } = await call("POST", `/assure/dossiers/${dossierId}/processes`, {
    provider: "sandbox",
    processType: "document",
    processParameters: { sandbox: { scenario: "inconclusive" } }
  })
  await call("POST", `/assure/dossiers/${dossierId}/processes/${processId}/verify`, {})
  for (let attempt = 0; attempt < 100; attempt++) {
    const process = await call("GET", `/assure/dossiers/${dossierId}/processes/${processId}`)
    if (process.status === "inconclusive") break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { dossierId, processId }
}

/** The viewport as it is, with ids and times shown as fixed example values, and no focus ring. */
const shoot = async (page: Page, name: string, ids: ReadonlyArray<readonly [string, string]>): Promise<void> => {
  await page.evaluate((replacements) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    const seen = new Map<string, string>()
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      let text = node.textContent ?? ""
      for (const [from, to] of replacements) text = text.replaceAll(from, to)
      // Every other id (another case's, a review's) as a numbered example id, the same one for the same id.
      text = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
        if (!seen.has(id)) seen.set(id, `00000000-0000-4000-8000-${String(seen.size + 1).padStart(12, "0")}`)
        return seen.get(id) ?? id
      })
      // Provider references and event ids (`sbx_…`): as many zeros.
      text = text.replace(/(?<![0-9a-f])[0-9a-f]{24,}(?![0-9a-f])/g, (hex) => "0".repeat(hex.length))
      text = text.replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}Z?/g, "2026-01-15T10:30:00Z")
      node.textContent = text
    }
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
  }, ids)
  await screenshot(page, join(output, `${name}.png`))
}

mkdirSync(output, { recursive: true })
const browser = await chromium.launch({
  executablePath,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--hide-scrollbars",
    "--font-render-hinting=none"
  ]
})
try {
  for (const [index, [device, options]] of viewports.entries()) {
    const { dossierId, processId } = await newCase()
    const ids = [
      [processId, "7f3c2a10-5b1e-4c8d-9a2f-1e6b8d4c0a37"],
      [dossierId, "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"]
    ] as const
    const context = await browser.newContext({ ...options, locale: "en-GB", colorScheme: "light" })
    const page = await context.newPage()
    await page.goto(`${url}/console`)
    await page.getByLabel("Account").fill("ada")
    await page.getByLabel("Password").fill(password)
    await shoot(page, `sign-in-${device}`, ids)
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByLabel("The 6-digit code your authenticator app shows").waitFor()
    await shoot(page, `code-${device}`, ids)
    // A code is used once: the second viewport waits for the next one.
    if (index > 0) await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 500))
    await page.getByLabel("The 6-digit code your authenticator app shows").fill(totp.generate())
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("heading", { name: `Queue of ${clients.id}` }).waitFor()
    await shoot(page, `queue-${device}`, ids)
    await page.goto(`${url}/console/t/${clients.id}/cases/${dossierId}/${processId}`)
    await page.getByRole("button", { name: "Claim this case" }).click()
    await page.getByRole("radio", { name: "Reject" }).check()
    await page.getByLabel("Reason for a rejection").selectOption("document_suspected_fake")
    await page.waitForFunction(() =>
      Array.from(document.images).every((image) => image.complete && image.naturalWidth > 0)
    )
    await shoot(page, `case-${device}`, ids)
    await page.evaluate(() => document.getElementById("review-title")?.scrollIntoView({ block: "start" }))
    await shoot(page, `case-decision-${device}`, ids)
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.getByRole("button", { name: "Record the decision" }).click()
    await page.getByText("Reviewed: rejected").waitFor()
    await page.goto(`${url}/console/t/${clients.id}/audit`)
    await shoot(page, `audit-${device}`, ids)
    await context.close()
  }
} finally {
  await browser.close()
  await server.stop()
  rmSync(folder, { recursive: true, force: true })
}
summarise()
