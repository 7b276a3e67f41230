/**
 * The hosted capture page's own code (issue 19: "≤ 60 kB gzipped for the page's own code"): its script and stylesheet
 * as the server serves them (`apps/server/assets/`, hand-written, sent as they are), and the HTML of the page's
 * first step as the server renders it (`renderPage`, the pure function `GET /capture/{token}` answers with), each raw
 * and gzipped as the rest of this bench (`node:zlib`, level 9). Nothing else is loaded: the page has no framework, and
 * its Content-Security-Policy lets it load nothing from another origin.
 */
import { readFileSync } from "node:fs"
import { FileContent } from "@assure/engine"
import { renderPage } from "../../../../apps/server/dist/server/CapturePage.js"
import { defaultConsentText } from "../../../../apps/server/dist/server/ServerConfig.js"
import { gzippedSize } from "../bundle-size.ts"

/** The budget for the page's own code, gzipped, in bytes (1 kB = 1000 bytes). */
export const budgetBytes = 60_000

export interface PageFile {
  readonly name: string
  /** What it is, for the report. */
  readonly what: string
  readonly raw: number
  readonly gzipped: number
}

export interface CapturePageReport {
  readonly date: Date
  readonly files: ReadonlyArray<PageFile>
  readonly gzipped: number
  readonly raw: number
}

const assets = new URL("../../../../apps/server/assets/", import.meta.url)

const measured = (name: string, what: string, content: string): PageFile => ({
  name,
  what,
  raw: Buffer.byteLength(content),
  gzipped: gzippedSize(content)
})

/**
 * Measures the three files an end-user's browser downloads for the page. The HTML is the largest page the server
 * renders: a session with both ways through — photos for a `documentSelfie` (front, back, selfie, with the guidance
 * of every document) and a hand-over to an eID — with the default consent text and nothing uploaded yet: the consent
 * step, with the choice, the capture step and the hand-over hidden in the same document, and an expiry time in the
 * canonical form the engine gives it (`Timestamp`). A desktop also gets the hand-off QR code (inline SVG, about 3 kB
 * gzipped), which is not the page's code.
 */
export const measureCapturePage = (): CapturePageReport => {
  const html = renderPage({
    choices: [
      { id: "photos", flow: "photos" },
      { id: "handOver-1", flow: "handOver", provider: "oidc" }
    ],
    kinds: ["front", "selfie"],
    uploaded: [],
    consentText: defaultConsentText,
    expiresAt: "2026-01-15T10:30:00Z",
    maxBytes: FileContent.rules.front.maxBytes
  })
  const files = [
    measured(
      "`GET /capture/{token}`",
      "the HTML, consent step (photos for `documentSelfie` or an eID; default consent text)",
      html
    ),
    measured("`capture.js`", "the script", readFileSync(new URL("capture.js", assets), "utf8")),
    measured("`capture.css`", "the stylesheet", readFileSync(new URL("capture.css", assets), "utf8"))
  ]
  return {
    date: new Date(),
    files,
    raw: files.reduce((sum, file) => sum + file.raw, 0),
    gzipped: files.reduce((sum, file) => sum + file.gzipped, 0)
  }
}
