/**
 * The archive section of `BENCHMARKS.md`, between its own markers, after the routing section: `pnpm bench` writes it,
 * and `bench:archive --write` replaces it in place. What it says about the bound is computed here from the figures,
 * so the section never claims more than the run that produced it.
 */

import type { Machine } from "../report.ts"
import { writeSection } from "../sections.ts"
import { type ArchiveName, type ArchiveReport, type ContenderName, medianOf, type Run } from "./measure.ts"

export const markers = { start: "<!-- archive:start -->", end: "<!-- archive:end -->" } as const

const mb = (bytes: number): string => (Number.isNaN(bytes) ? "—" : (bytes / 1e6).toFixed(0))
const mbExact = (bytes: number): string => (bytes / 1e6).toFixed(1)
const signedMb = (bytes: number): string =>
  mb(Math.abs(bytes)) === "0" ? "±0" : `${bytes >= 0 ? "+" : "−"}${mb(Math.abs(bytes))}`
/** A size to read: MB from 1 MB on, kB below. */
const size = (bytes: number): string => (bytes >= 1e6 ? `${mbExact(bytes)} MB` : `${(bytes / 1e3).toFixed(1)} kB`)
const times = (ratio: number): string => (Number.isNaN(ratio) ? "—" : `${ratio.toFixed(1)}×`)

const labels: Record<ContenderName, string> = {
  "streamed:regular": "streamed: `FullResult.zip(entries)` drained",
  "inMemory:regular": "in memory (baseline): every entry read, then `zipSync`",
  "largestAlone:regular": "the largest file alone: `Processes.getFile` of the video",
  "largestAlone:larger": "the largest file alone",
  "streamed:larger": "streamed, the larger archive",
  "inMemory:larger": "in memory (baseline), the larger archive"
}

/** The figures the section and its verdict use. */
export const archiveVerdict = (report: ArchiveReport) => {
  const contender = (name: ContenderName) => {
    const found = report.contenders.find((candidate) => candidate.name === name)
    if (found === undefined) throw new Error(`${name} was not measured`)
    return found
  }
  const figure = (name: ContenderName, of: (run: Run) => number | undefined) => medianOf(contender(name), of)
  const hasHighWater = !Number.isNaN(figure("streamed:regular", (run) => run.rssHighWater))
  /** The peak the verdict uses: the kernel's high-water mark, or the sampled rss where there is none. */
  const peak = (name: ContenderName) =>
    hasHighWater ? figure(name, (run) => run.rssHighWater) : figure(name, (run) => run.rss)
  const archiveBytes = (name: ArchiveName) => figure(`streamed:${name}`, (run) => run.bytes)
  return { contender, figure, hasHighWater, peak, archiveBytes }
}

export const renderArchiveSection = (report: ArchiveReport, machine: Machine): string => {
  const { contender, figure, hasHighWater, peak, archiveBytes } = archiveVerdict(report)
  const o = report.options
  const largest = report.largestFile
  const range = (name: ContenderName, of: (run: Run) => number | undefined) => {
    const values = contender(name)
      .runs.map(of)
      .filter((value): value is number => value !== undefined)
    return values.length < 2 || mb(Math.min(...values)) === mb(Math.max(...values))
      ? ""
      : ` (${mb(Math.min(...values))}–${mb(Math.max(...values))})`
  }
  const cell = (name: ContenderName, of: (run: Run) => number | undefined) =>
    `${mb(figure(name, of))}${range(name, of)}`
  const archiveOf = (name: ContenderName): ArchiveName => (name.endsWith(":larger") ? "larger" : "regular")
  const row = (name: ContenderName) =>
    `| ${labels[name]} | ${mbExact(figure(name, (run) => run.bytes))} | ${cell(name, (run) => run.rssHighWater)} | ${cell(
      name,
      (run) => run.rss
    )} | ${cell(name, (run) => run.heapAndBuffers)} | ${times(peak(name) / largest)} | ${
      name.startsWith("largestAlone") ? "—" : times(peak(name) / archiveBytes(archiveOf(name)))
    } | ${Math.round(figure(name, (run) => run.millis)).toLocaleString("en-GB")} |`
  const entries = report.archives.regular.map((entry) => `\`${entry.name}\` ${size(entry.bytes)}`).join(", ")

  const streamed = peak("streamed:regular")
  const streamedLarger = peak("streamed:larger")
  const alone = peak("largestAlone:regular")
  const inMemory = peak("inMemory:regular")
  const inMemoryLarger = peak("inMemory:larger")
  const added = archiveBytes("larger") - archiveBytes("regular")
  // Within a fifth of the largest file: the same file's cost, as far as this measure can tell (one run's spread on a
  // busy machine reaches a tenth or more).
  const near = (a: number, b: number) => Math.abs(a - b) <= largest / 5
  const bounded = near(streamed, alone) && near(streamedLarger, alone)
  const same = (a: number, b: number) => mb(a) === mb(b)

  const streamedPeaks = same(streamed, streamedLarger)
    ? `${mb(streamed)} MB for both the ${mbExact(archiveBytes("regular"))} MB archive and the ${mbExact(
        archiveBytes("larger")
      )} MB one, ${times(streamed / largest)} the largest file`
    : `${mb(streamed)} MB for the ${mbExact(archiveBytes("regular"))} MB archive and ${mb(streamedLarger)} MB for the ${mbExact(
        archiveBytes("larger")
      )} MB one (${signedMb(streamedLarger - streamed)} MB for ${mbExact(added)} MB more archive), ${times(
        streamed / largest
      )} and ${times(streamedLarger / largest)} the largest file`
  const againstAlone =
    same(streamed, alone) && same(streamedLarger, alone)
      ? "exactly what the video read and opened alone took"
      : `${signedMb(streamed - alone)} MB and ${signedMb(streamedLarger - alone)} MB over the video read and opened alone`
  const verdict = bounded
    ? "bounded by the largest file, not the archive. The stream holds one file at a time, and the zip and the stream add nothing this measure can see to what reading and opening that file costs"
    : "more than reading and opening that file costs, which these figures do not explain"
  // Runs whose high-water mark came out well above their contender's median (a fifth of the largest file: the runs'
  // usual spread is a tenth or less).
  const outliers = report.contenders.flatMap((candidate) => {
    const median = figure(candidate.name, (run) => run.rssHighWater)
    const highest = Math.max(...candidate.runs.flatMap((run) => run.rssHighWater ?? []))
    return highest - median > largest / 5 ? [`${labels[candidate.name].split(":")[0]} up to ${mb(highest)} MB`] : []
  })
  const memoryNote = hasHighWater
    ? "The first memory column is the kernel's own high-water mark of the resident set (`VmHWM`, reset through `/proc/self/clear_refs` before each run), which no sampling can miss: no timer runs inside a synchronous call such as a decryption."
    : "The kernel's high-water mark (`VmHWM`) could not be read or reset on this machine, so the ratios use the sampled `rss`, which misses what happens inside a synchronous call such as a decryption."

  return `${markers.start}
## Full result: memory while a process's archive is zipped

Written by \`pnpm bench\` (in a child node with \`--expose-gc\`), or on its own by
\`pnpm --filter @assure/bench bench:archive --write\` (\`tooling/bench/src/archive/\`), which replaces this section in
place. Issue 19 asks that the full result be streamed, with "memory bounded by the largest single file, never by the
archive". A process on the server's embedded store (\`EmbeddedStore.layer\`) whose files are on disk
(\`FileStore.layerDirectory\`, as the server keeps them), sealed with the server's \`node:crypto\` AES-GCM: front,
back and selfie of ${mbExact(o.imageBytes)} MB each and a video of ${mbExact(o.videoBytes)} MB (random bytes behind a
JPEG or MP4 header, which nothing compresses), verified with the sandbox to \`accepted\`. Its archive's entries:
${entries}.

Three ways to make it: the stream the server's \`GET …/full-result\` sends (\`Processes.fullResult\`, then
\`FullResult.zip\` drained into a byte counter; no HTTP), what a naive implementation does (the same entries read into
memory, then fflate's \`zipSync\`), and the largest file alone (\`Processes.getFile\` of the video: read from disk and
opened, the floor of any way that holds a whole file at a time). Then the first two again for a larger archive with the
same largest file: the process's entries with the video's entry a second time (what \`fullResult\` answers for a
process with two such videos: one more entry that reads and opens one more file), so that a memory bounded by the
largest file and one that grows with the archive part ways.

${report.date.replace(/\.\d+Z$/, "Z")}; ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB,
${machine.platform}; Node ${machine.node}. The five contenders take turns, ${o.rounds} runs each, each from a collected
heap (\`global.gc()\` until memory stops moving: the memory of collected buffers can be released after the collection
returns, and was, in trials, during the next run). While a run lasts, \`process.memoryUsage()\` is sampled every
${o.sampleEveryMillis} ms, at every chunk of the stream and around \`zipSync\`. ${memoryNote} Figures are growths over
the sample taken just before the run, medians of the ${o.rounds} runs (their range in brackets where they differ), in
MB (10⁶ bytes). At rest, before the first run: rss ${mb(report.resting.rss)} MB, heapUsed + arrayBuffers ${mb(
    report.resting.heapAndBuffers
  )} MB. 1-minute load average ${report.load[0].toFixed(1)} at the start, ${report.load[1].toFixed(1)} at the end (other
work on the machine shows there, and in the times); the section took ${Math.round(report.seconds)} s. Checked once
before the runs: ${report.checked}.

| peak growth, MB | bytes made, MB | rss high-water | rss sampled | heapUsed + arrayBuffers sampled | ÷ largest file (${mbExact(
    largest
  )} MB) | ÷ archive | ms |
|---|--:|--:|--:|--:|--:|--:|--:|
${row("streamed:regular")}
${row("inMemory:regular")}
${row("largestAlone:regular")}
${row("streamed:larger")}
${row("inMemory:larger")}

Streamed, the peak was ${streamedPeaks}: ${againstAlone}, so ${verdict}. In memory, the peak grew with the archive:
${mb(inMemory)} MB, then ${mb(inMemoryLarger)} MB (${signedMb(inMemoryLarger - inMemory)} MB for ${mbExact(
    added
  )} MB more archive), ${times(inMemory / archiveBytes("regular"))} and ${times(
    inMemoryLarger / archiveBytes("larger")
  )} the archive: each file more is held about twice, as read and as copied into the archive \`zipSync\` answers. With
this process the gap between the two is ${mb(inMemory - streamed)} MB, no more, because its video is ${Math.round(
    (largest / archiveBytes("regular")) * 100
  )} % of the archive; it widens with every file more (${mb(inMemoryLarger - streamedLarger)} MB with the larger archive).

Where ${times(streamed / largest)} the largest file comes from is how a file is read and opened, not the archive: the
file store's \`readFile\` gives the sealed file whole (1×); \`node:crypto\`'s \`decipher.update\` allocates its output
one cipher block longer than its input and, AES-GCM's block being one byte, copies what it wrote into a store of the
exact length (the sealed file and two plaintexts for a moment: 3×); and the server's \`NodeAesGcm\` then copies the
plaintext once more to join \`update\`'s and \`final()\`'s output (3× again, with \`update\`'s output and the copy).
fflate's \`ZipPassThrough\` hands the plaintext on as it is, after its CRC, and the stream hands each chunk on before
it reads the next entry.${
    hasHighWater
      ? " Where the samples are lower than the high-water mark, they missed a moment inside one of those synchronous steps."
      : ""
  }${
    outliers.length > 0
      ? ` Some runs' high-water marks came out above their median (${outliers.join(
          "; "
        )}) than the other runs of the same work: memory the process held beyond what those did (the allocator's or V8's, or garbage not yet collected), which this bench does not break down; the medians are the figures to compare.`
      : ""
  } Not measured here: the HTTP response (the server writes each chunk to the socket, so the video's single chunk is
held until the client has taken it), and a file read or opened in pieces, which is what would bring the bound below a
small multiple of the largest file.
${markers.end}
`
}

/** Puts the section into `BENCHMARKS.md`: in place of the one there, or after the routing section. */
export const writeArchiveSection = (path: string, section: string): void =>
  writeSection(path, markers, section, ["<!-- review-queue:start -->", "<!-- scale-out:start -->"])
