/**
 * `pnpm --filter @assure/server screenshots`: regenerates the screenshots of the hosted capture page
 * (`docs/images/capture/*.png`, shown in the README and docs/capture.md) from the running server.
 *
 * Starts the built server (`pnpm build` first) in this process on the embedded store in a temporary folder, creates a
 * dossier and a capture link through the API as a client would, and drives Debian's Chromium (`/usr/bin/chromium`, or
 * `ASSURE_TEST_CHROMIUM`) through each page on a phone (390×844) and a desktop (1280×800) viewport: the consent step,
 * the choice between photos and a provider's own page, the capture step (an ID card) with the camera open, a photo
 * taken and uploaded, the hand-over to a provider, an expired link and an unknown link. Each PNG is the viewport
 * only, never the whole page, so that the files stay small.
 *
 * The output is the same from one run to the next: the camera is Chromium's fake device playing a still frame this
 * script draws (a card on a dark desk, as `--use-file-for-fake-video-capture`), the link's expiry time, the one
 * thing on the pages that depends on the clock, is shown as a fixed time, and the desktop's hand-off QR code (a new
 * random one-time link on every load) is shown as the code of a fixed example link.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BrowserContextOptions, chromium, type Page } from "playwright-core"
import { qrSvg } from "../dist/server/CapturePage.js"
import { apiCaller, screenshot, startServer, summarise } from "./support.ts"

const executablePath = process.env.ASSURE_TEST_CHROMIUM ?? "/usr/bin/chromium"
const output = join(import.meta.dirname, "..", "..", "..", "docs", "images", "capture")
const shownExpiry = "2026-01-15T10:30:00Z"
const shownHandOff = await qrSvg(
  `https://assure.example/capture/handoff/${"A".repeat(43)}`,
  "QR code of a link that continues on your phone"
)

const viewports: ReadonlyArray<readonly [string, BrowserContextOptions]> = [
  ["phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
  ["desktop", { viewport: { width: 1280, height: 800 } }]
]

/**
 * One still frame for the fake camera, as a Y4M file (4:2:0): a light card with a photo box and text lines on a dark
 * desk. Chromium plays it in a loop, so every snapshot is the same picture.
 */
const stillFrame = (path: string): void => {
  const width = 640
  const height = 480
  const y = Buffer.alloc(width * height, 60)
  const u = Buffer.alloc((width / 2) * (height / 2), 128)
  const v = Buffer.alloc((width / 2) * (height / 2), 128)
  const fill = (left: number, top: number, right: number, bottom: number, luma: number, cb = 128, cr = 128) => {
    for (let row = top; row < bottom; row++) y.fill(luma, row * width + left, row * width + right)
    for (let row = top >> 1; row < bottom >> 1; row++) {
      u.fill(cb, row * (width / 2) + (left >> 1), row * (width / 2) + (right >> 1))
      v.fill(cr, row * (width / 2) + (left >> 1), row * (width / 2) + (right >> 1))
    }
  }
  fill(110, 105, 530, 375, 225, 120, 126) // the card, a little blue
  fill(135, 150, 245, 290, 165, 118, 140) // the photo box
  fill(135, 120, 505, 135, 70, 150, 110) // the band along the top
  for (const [top, right] of [
    [160, 480],
    [190, 440],
    [220, 500],
    [250, 420],
    [300, 470]
  ] as const)
    fill(270, top, right, top + 12, 110)
  fill(135, 330, 505, 342, 120) // the machine-readable zone
  fill(135, 350, 505, 362, 120)
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`),
      Buffer.from("FRAME\n"),
      y,
      u,
      v
    ])
  )
}

const clients = { id: "screenshots", secret: "screenshots-secret-value" }

/** A new dossier and a capture link for it through the API: photos (a document and a selfie), or an eID. */
const newCapture = async (url: string): Promise<string> => {
  const call = await apiCaller(url, clients)
  const post = (path: string, body: unknown) => call("POST", path, body)
  const { dossierId } = await post("/assure/dossiers", {})
  const { captureUrl } = await post(`/assure/dossiers/${dossierId}/capture`, {
    providers: [
      { provider: "sandbox", processType: "documentSelfie" },
      { provider: "sandbox", processType: "eid" }
    ],
    redirectUrl: "https://client.example/verified"
  })
  if (captureUrl === undefined) throw new Error("no captureUrl")
  return captureUrl
}

/** Scrolls the front's section to the top of the viewport if it does not fit as the page is (a desktop's height). */
const showWhole = (page: Page): Promise<void> =>
  page.locator('section[data-kind="front"]').evaluate((section) => {
    if (section.getBoundingClientRect().bottom > innerHeight) section.scrollIntoView({ block: "start" })
  })

/** The viewport as it is, with the expiry time and the hand-off QR code fixed and nothing moving. */
const shoot = async (page: Page, name: string): Promise<void> => {
  await page.evaluate(
    ([expiry, handOff]) => {
      const qr = document.querySelector("#handoff svg")
      if (qr !== null) qr.outerHTML = handOff
      const time = document.querySelector("time")
      if (time !== null) {
        time.dateTime = expiry
        time.textContent = expiry.replace("T", " ").replace("Z", " UTC")
      }
      // No focus ring or caret on a screenshot: focus moves to each new step, which is right but noisy in a picture.
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
    },
    [shownExpiry, shownHandOff] as const
  )
  await screenshot(page, join(output, `${name}.png`))
}

const folder = mkdtempSync(join(tmpdir(), "assure-screenshots-"))
const frame = join(folder, "card.y4m")
stillFrame(frame)
mkdirSync(output, { recursive: true })
const server = await startServer({ folder, client: clients })
const expiring = await startServer({ folder, client: clients, captureLifetime: "0 seconds" })
const browser = await chromium.launch({
  executablePath,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--font-render-hinting=none",
    // A camera that plays the still frame above, granted without asking.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-video-capture=${frame}`
  ]
})
try {
  for (const [device, options] of viewports) {
    const context = await browser.newContext({ ...options, locale: "en-GB", colorScheme: "light" })
    const page = await context.newPage()
    await page.goto(await newCapture(server.url))
    await shoot(page, `consent-${device}`)

    await page.getByRole("checkbox", { name: "I agree" }).check()
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("radio", { name: "Take photos of your identity document here" }).check()
    await shoot(page, `choose-${device}`)
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("radio", { name: "National ID card" }).check()
    const front = page.locator('section[data-kind="front"]')
    await front.getByRole("button", { name: "Use the camera" }).click()
    await page.waitForFunction(() => {
      const video = document.querySelector<HTMLVideoElement>('section[data-kind="front"] video')
      return video !== null && video.videoWidth > 0 && video.readyState >= 3
    })
    await showWhole(page)
    await shoot(page, `camera-${device}`)

    await front.getByRole("button", { name: "Take photo" }).click()
    await front.getByRole("status").filter({ hasText: "Uploaded." }).waitFor({ timeout: 15_000 })
    await page.waitForFunction(() => {
      const image = document.querySelector<HTMLImageElement>('section[data-kind="front"] img.preview')
      return (image?.complete ?? false) && (image?.naturalWidth ?? 0) > 0
    })
    await showWhole(page)
    await shoot(page, `uploaded-${device}`)

    // The other way: on to the provider's own page (here the sandbox's eID), which the end-user comes back from.
    await page.goto(await newCapture(server.url))
    await page.getByRole("checkbox", { name: "I agree" }).check()
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("radio", { name: "Continue with Sandbox" }).check()
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("heading", { name: "Continue with Sandbox" }).waitFor()
    await shoot(page, `handover-${device}`)

    await page.goto(await newCapture(expiring.url))
    await shoot(page, `expired-${device}`)
    await page.goto(`${server.url}/capture/${"x".repeat(43)}`)
    await shoot(page, `unknown-${device}`)
    await context.close()
  }
} finally {
  await browser.close()
  await server.stop()
  await expiring.stop()
  rmSync(folder, { recursive: true, force: true })
}
summarise()
