/**
 * The Chromium the browser tests drive (Debian's, through playwright-core): `/usr/bin/chromium` as `.ci/chromium`
 * installs it, or `ASSURE_TEST_CHROMIUM`. Without it a browser suite is skipped with a warning — unless
 * `ASSURE_REQUIRE_BROWSER=1` (CI), which makes a missing browser a failure instead.
 */
import { existsSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"

export const executablePath = process.env.ASSURE_TEST_CHROMIUM ?? "/usr/bin/chromium"

/** Whether the browser is there; a missing one throws under `ASSURE_REQUIRE_BROWSER=1`, or is said once per suite. */
export const browserAvailable = (suite: string): boolean => {
  if (existsSync(executablePath)) return true
  if (process.env.ASSURE_REQUIRE_BROWSER === "1") {
    throw new Error(
      `ASSURE_REQUIRE_BROWSER=1 but no Chromium at ${executablePath}: install it (apt-get install chromium)`
    )
  }
  console.warn(`Skipping ${suite}: no Chromium at ${executablePath}`)
  return false
}

/** Headless, without the sandbox (containers) or anything that would reach the network by itself. */
const quiet = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  // playwright launches with a fresh temporary profile of its own.
  "--disable-sync"
]

/** Launches the browser, with `extra` flags (a fake camera, say). */
export const launch = (extra: ReadonlyArray<string> = []): Promise<Browser> =>
  chromium.launch({ executablePath, args: [...quiet, ...extra] })
