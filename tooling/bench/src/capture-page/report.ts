/**
 * The capture page's section of `BENCHMARKS.md`, between its own markers, inside section 2 (bundle size): `pnpm bench`
 * writes it there, and `bench:capture-page --write` replaces it in place. The verdict against issue 19's budget is
 * computed here from the figures, so the section never claims more than the run that produced it.
 */

import type { Machine } from "../report.ts"
import { writeSection } from "../sections.ts"
import { budgetBytes, type CapturePageReport } from "./measure.ts"

export const markers = { start: "<!-- capture-page:start -->", end: "<!-- capture-page:end -->" } as const

const integer = (n: number): string => Math.round(n).toLocaleString("en-GB")
const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`

export const renderCapturePageSection = (report: CapturePageReport, machine: Machine): string => {
  const met = report.gzipped <= budgetBytes
  return `${markers.start}
### The hosted capture page's own code

What an end-user's browser downloads for the capture page (\`GET /capture/{token}\`, docs/capture.md): its HTML as
the server renders it (\`renderPage\` in \`apps/server/src/server/CapturePage.ts\`, the function the route answers
with; the larger of today's two pages, a \`documentSelfie\` session with the default consent text, at the consent
step with the capture step hidden in the same document), and its script and stylesheet as the server serves them
(\`apps/server/assets/\`, hand-written, no framework, no dependency, nothing from another origin). Each is gzipped
on its own, as it travels, with \`node:zlib\` at level 9 like the bundles above; the server itself sends them
uncompressed, so gzip is what a compressing reverse proxy in front of it sends. Written by \`pnpm bench\`, or on its
own by \`pnpm --filter @assure/bench bench:capture-page --write\` (\`tooling/bench/src/capture-page/\`), which
replaces this section in place. ${report.date.toISOString().replace(/\.\d+Z$/, "Z")}; ${machine.cpu}, ${machine.cores} cores, ${machine.platform}; Node ${machine.node}. Sizes in bytes.

| file | what | raw | gzipped |
|---|---|---:|---:|
${report.files.map((file) => `| ${file.name} | ${file.what} | ${integer(file.raw)} | ${integer(file.gzipped)} |`).join("\n")}
| **the page in all** | | **${integer(report.raw)}** | **${integer(report.gzipped)}** |

Issue 19's budget, ≤ ${kB(budgetBytes)} gzipped for the page's own code: ${kB(report.gzipped)}, ${
    met ? "**met**" : "**missed**"
  } (${Math.round((report.gzipped / budgetBytes) * 100)} % of it). The page is the issue's baseline itself,
server-rendered HTML with a small client script; a photo taken or uploaded is the end-user's own data, not the
page's code, and is not counted.
${markers.end}
`
}

/** Puts the section into `BENCHMARKS.md`: in place of the one there, or at the end of section 2. */
export const writeCapturePageSection = (path: string, section: string): void =>
  writeSection(path, markers, section, ["## 3. "])
