/**
 * The proof's figures in `BENCHMARKS.md`: its own section between two HTML comment markers, which `pnpm bench`
 * keeps when it rewrites the rest of the file.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import type { PublishedPackage } from "./published.ts"

const start = "<!-- release-proof:start -->"
const end = "<!-- release-proof:end -->"

/** What the proof measured. */
export interface ProofFigures {
  readonly date: Date
  readonly node: string
  readonly seconds: number
  readonly packages: ReadonlyArray<PublishedPackage>
  readonly bundle: { readonly minified: number; readonly gzipped: number }
  readonly consumers: ReadonlyArray<string>
}

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`

/** The section, markers included. */
export const renderSection = (figures: ProofFigures): string =>
  [
    start,
    "## Published packages (release proof)",
    "",
    "Written by `pnpm release:proof` (package `tooling/release`), which `pnpm bench` leaves in place: every public",
    "package released into a throw-away verdaccio registry and installed from it by fresh consumer projects",
    `(${figures.consumers.join(", ")}). ${figures.date.toISOString().replace(/\.\d+Z$/, "Z")}, Node ${figures.node}, whole proof ${Math.round(figures.seconds)} s.`,
    "",
    "| package | version | tarball (gzipped) | unpacked | files |",
    "|---|---|---|---|---|",
    ...figures.packages.map(
      (p) => `| \`${p.name}\` | ${p.version} | ${kB(p.tarballBytes)} | ${kB(p.unpackedBytes)} | ${p.files} |`
    ),
    "",
    "A consumer page that imports only types and the `Dossier` decoder from `@assure/core`, bundled with esbuild",
    `(minified ESM for browsers): **${kB(figures.bundle.minified)}** minified, **${kB(figures.bundle.gzipped)}** gzipped,`,
    "effect included. Tarballs carry `src/` so that source maps and declaration maps resolve; that is most of each",
    "unpacked size, and none of it is loaded at run time.",
    end
  ].join("\n")

/** Writes the section into `file`, replacing the previous one or appending it. */
export const writeSection = (file: string, figures: ProofFigures): void => {
  const section = renderSection(figures)
  const previous = existsSync(file) ? readFileSync(file, "utf8") : ""
  const from = previous.indexOf(start)
  const to = previous.indexOf(end)
  const next =
    from >= 0 && to > from
      ? `${previous.slice(0, from)}${section}${previous.slice(to + end.length)}`
      : `${previous.trimEnd()}\n\n${section}\n`
  writeFileSync(file, next)
}
