/**
 * Writing one section of `BENCHMARKS.md` alone: a bench's `--write` puts its section, which starts and ends with
 * markers of its own, in place of the one there — or, the first time, before the first of `anchors` the file has
 * (so the sections keep the order a full `pnpm bench` writes), else at the end.
 */
import { readFileSync, writeFileSync } from "node:fs"

export interface Markers {
  readonly start: string
  readonly end: string
}

export const writeSection = (
  path: string,
  markers: Markers,
  section: string,
  anchors: ReadonlyArray<string> = []
): void => {
  const current = readFileSync(path, "utf8")
  const start = current.indexOf(markers.start)
  const end = current.indexOf(markers.end)
  const anchor = anchors.map((text) => current.indexOf(text)).find((index) => index >= 0)
  const next =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${section.trimEnd()}${current.slice(end + markers.end.length)}`
      : anchor !== undefined
        ? `${current.slice(0, anchor)}${section.trimEnd()}\n\n${current.slice(anchor)}`
        : `${current.trimEnd()}\n\n${section.trimEnd()}\n`
  writeFileSync(path, next)
}
