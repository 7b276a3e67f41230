/**
 * What a finished process's full result costs in memory while it is zipped (issue 19: "memory bounded by the largest
 * single file, never by the archive"), side by side with the naive way, in the same run.
 *
 * A process on the server's embedded store, with its files on disk (services.ts): front, back and selfie of 9.9 MB
 * each and a 95 MB video (random bytes behind a JPEG or MP4 header, so nothing compresses them), verified with the
 * sandbox to `accepted`. Its archive is made three ways, each in turn and each from a collected heap (`global.gc()`
 * until memory stops moving, so node runs with `--expose-gc`):
 *
 * - streamed: `Processes.fullResult` and `FullResult.zip(entries)` drained into a byte counter, what the server's
 *   `GET …/full-result` streams (without HTTP);
 * - in memory (the baseline): `Processes.fullResult`, every entry's bytes read into memory, then fflate's `zipSync`,
 *   what a naive implementation does;
 * - the largest file alone: `Processes.getFile` of the video (read from disk and opened), the floor of any way that
 *   holds a whole file at a time.
 *
 * And the first two again for a larger archive with the same largest file: the process's entries with its video's
 * entry a second time (what `fullResult` answers for a process with two such videos: one more entry that reads and
 * opens one more file), so that a memory bounded by the largest file and one that grows with the archive part ways.
 *
 * While each runs, `process.memoryUsage()` is sampled every 5 ms (and at every chunk of the stream, and around the
 * synchronous `zipSync`, which no timer can interrupt); the peak's growth over the sample taken just before is reported
 * for `rss` and for `heapUsed + arrayBuffers` (Buffers and typed arrays live outside the heap), and on Linux the
 * kernel's own high-water mark of the resident set (`VmHWM`, reset through `/proc/self/clear_refs` before each run),
 * which no sampling can miss.
 */
import { createHash, randomFillSync } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { performance } from "node:perf_hooks"
import type { FileKind } from "@assure/core"
import { Dossiers, FullResult, Processes, Verifications } from "@assure/engine"
import { Effect, Stream } from "effect"
import { unzipSync, type Zippable, zipSync } from "fflate"
import { median } from "../engine/stats.ts"
import { makeServices, tenant } from "./services.ts"

/** The two archives: the process's, and its entries with the video's a second time. */
export type ArchiveName = "regular" | "larger"

/** How a contender makes its bytes. */
export type Way = "streamed" | "inMemory" | "largestAlone"

export type ContenderName = `${Way}:${ArchiveName}`

/** The contenders, in the order they take turns. */
export const contenderNames: ReadonlyArray<ContenderName> = [
  "streamed:regular",
  "inMemory:regular",
  "largestAlone:regular",
  "streamed:larger",
  "inMemory:larger"
]

export interface ArchiveOptions {
  /** Bytes of each image (front, back, selfie): the engine accepts 10 MB at most. */
  readonly imageBytes: number
  /** Bytes of each video: the engine accepts 100 MB at most. */
  readonly videoBytes: number
  /** Runs of each contender, taking turns. */
  readonly rounds: number
  /** How often memory is sampled while a contender runs, ms. */
  readonly sampleEveryMillis: number
}

export const defaultArchiveOptions: ArchiveOptions = {
  imageBytes: 9_900_000,
  videoBytes: 95_000_000,
  rounds: 3,
  sampleEveryMillis: 5
}

/** Parses `--rounds=N` (`bench:archive`) or `--archive-rounds=N` (`pnpm bench`). */
export const archiveOptions = (argv: ReadonlyArray<string>, flag = "--rounds"): ArchiveOptions => {
  const given = argv.find((arg) => arg.startsWith(`${flag}=`))
  if (given === undefined) return defaultArchiveOptions
  const rounds = Number(given.slice(flag.length + 1))
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`${flag} must be a whole number of at least 1`)
  return { ...defaultArchiveOptions, rounds }
}

/** One run's figures: growths over the sample taken just before it, in bytes. */
export interface Run {
  readonly rss: number
  readonly heapAndBuffers: number
  /** The kernel's high-water mark of the resident set over the `rss` before; undefined where `/proc` cannot tell. */
  readonly rssHighWater: number | undefined
  /** Bytes of the archive (or of the file). */
  readonly bytes: number
  readonly millis: number
  readonly samples: number
}

export interface ContenderReport {
  readonly name: ContenderName
  readonly runs: ReadonlyArray<Run>
}

/** One archive's entries, in order, with their sizes. */
export type ArchiveEntries = ReadonlyArray<{ readonly name: string; readonly bytes: number }>

export interface ArchiveReport {
  readonly date: string
  readonly options: ArchiveOptions
  readonly archives: Record<ArchiveName, ArchiveEntries>
  /** The largest file: the video. */
  readonly largestFile: number
  readonly contenders: ReadonlyArray<ContenderReport>
  /** Memory after the process was set up and collected, before the first run (bytes). */
  readonly resting: { readonly rss: number; readonly heapAndBuffers: number }
  /** The streamed archive, unzipped once before the runs, holds the uploaded bytes. */
  readonly checked: string
  readonly load: readonly [number, number]
  readonly seconds: number
}

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect === undefined) throw new Error("run node with --expose-gc: the bench collects the heap before each run")
  collect()
}

/**
 * Collects the heap until memory stops moving: V8 can release the memory of collected ArrayBuffers (and so Buffers)
 * after the collection returns (its array buffer sweeper), so one `gc()` could leave the last run's buffers counted in
 * the next one's baseline, released during that run (which made a run's growth look smaller in trials).
 */
const settle = async (): Promise<void> => {
  let last = memoryNow()
  for (let attempt = 0; attempt < 20; attempt++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 25))
    const now = memoryNow()
    if (Math.abs(now.rss - last.rss) < 1e6 && Math.abs(now.heapAndBuffers - last.heapAndBuffers) < 1e6) return
    last = now
  }
}

/** The kernel's high-water mark of this process's resident set, in bytes; undefined off Linux. */
const highWater = (): number | undefined => {
  try {
    const found = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))
    return found?.[1] === undefined ? undefined : Number(found[1]) * 1024
  } catch {
    return undefined
  }
}

/** Resets the high-water mark to the resident set now (Linux ≥ 4.0); false where it cannot. */
const resetHighWater = (): boolean => {
  try {
    writeFileSync("/proc/self/clear_refs", "5")
    return true
  } catch {
    return false
  }
}

const memoryNow = () => {
  const usage = process.memoryUsage()
  return { rss: usage.rss, heapAndBuffers: usage.heapUsed + usage.arrayBuffers }
}

/** Random bytes behind a header, as a client's upload: nothing compresses them, the type sniffing accepts them. */
const upload = (header: ReadonlyArray<number>, size: number): Uint8Array => {
  const bytes = new Uint8Array(size)
  randomFillSync(bytes)
  bytes.set(header)
  return bytes
}

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0))
/** A JPEG's start of image and JFIF segment. */
const jpegHeader = [
  0xff,
  0xd8,
  0xff,
  0xe0,
  0x00,
  0x10,
  ...ascii("JFIF"),
  0x00,
  0x01,
  0x01,
  0x00,
  0x00,
  0x01,
  0x00,
  0x01
]
/** An MP4's `ftyp` box (brand `isom`). */
const mp4Header = [0x00, 0x00, 0x00, 0x1c, ...ascii("ftypisom"), 0x00, 0x00, 0x02, 0x00, ...ascii("isomiso2mp41")]

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** Unzips an archive and compares its files with the uploads' digests; answers what it checked. */
const checkArchive = (
  chunks: ReadonlyArray<Uint8Array>,
  uploaded: ReadonlyArray<{ readonly kind: string; readonly sha256: string }>
): string => {
  const whole = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0))
  chunks.reduce((offset, chunk) => {
    whole.set(chunk, offset)
    return offset + chunk.length
  }, 0)
  const unzipped = unzipSync(whole)
  const names = Object.keys(unzipped)
  const mismatched = uploaded.flatMap((file) => {
    const name = names.find((entry) => entry.startsWith(`${file.kind}.`))
    const bytes = name === undefined ? undefined : unzipped[name]
    return bytes !== undefined && sha256(bytes) === file.sha256 ? [] : [file.kind]
  })
  if (mismatched.length > 0) throw new Error(`the streamed archive does not hold the uploaded ${mismatched.join(", ")}`)
  const kinds = uploaded.map((file) => file.kind)
  const listed = kinds.length < 2 ? kinds.join("") : `${kinds.slice(0, -1).join(", ")} and ${kinds.at(-1)}`
  return `the streamed archive, kept whole, unzips (fflate's \`unzipSync\`) to its ${names.length} entries; the ${listed} in it have the SHA-256 of what was uploaded`
}

type Services = Dossiers.Dossiers | Processes.Processes | Verifications.Verifications
type Upload = readonly [kind: FileKind.UploadableKind, header: ReadonlyArray<number>, size: number]

export const measureArchive = async (
  options: ArchiveOptions,
  log: (message: string) => void
): Promise<ArchiveReport> => {
  const started = performance.now()
  const load0 = loadavg()[0] ?? 0
  const services = makeServices()
  try {
    const run = <A, E>(effect: Effect.Effect<A, E, Services>) => services.runtime.runPromise(effect)
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

    const uploads: ReadonlyArray<Upload> = [
      ["front", jpegHeader, options.imageBytes],
      ["back", jpegHeader, options.imageBytes],
      ["selfie", jpegHeader, options.imageBytes],
      ["video", mp4Header, options.videoBytes]
    ]
    log(
      `setting up a process: ${uploads.map(([kind, , size]) => `${kind} ${mb(size)}`).join(", ")}, on disk in ${
        services.folder
      }`
    )
    const setup = await run(
      Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const processes = yield* Processes.Processes
        const dossier = yield* dossiers.create(tenant, {
          externalReference: "bench-archive",
          userData: { firstName: "Ola", lastName: "Nordmann", dateOfBirth: "1985-03-14" }
        })
        const process = yield* processes.create(tenant, dossier.dossierId, {
          provider: "sandbox",
          processType: "documentSelfie",
          processParameters: {}
        })
        // Each upload is made, stored and dropped in turn: only its digest is kept, to check the archive with.
        const uploaded: Array<{ readonly kind: string; readonly fileId: string; readonly sha256: string }> = []
        for (const [kind, header, size] of uploads) {
          const bytes = upload(header, size)
          const digest = sha256(bytes)
          const info = yield* processes.addFile(tenant, dossier.dossierId, process.processId, kind, bytes)
          uploaded.push({ kind, fileId: info.fileId, sha256: digest })
        }
        yield* processes.requestVerification(tenant, dossier.dossierId, process.processId)
        const done = yield* (yield* Verifications.Verifications).refresh(process.processId)
        if (done.status !== "accepted") throw new Error(`the sandbox ended the process ${done.status}`)
        return { dossierId: dossier.dossierId, processId: process.processId, uploaded }
      })
    )
    const video = setup.uploaded.find((file) => file.kind === "video")
    if (video === undefined) throw new Error("the process has no video")

    /** Each archive's entries: the process's, and the process's with its video's entry a second time. */
    const entriesOf: Record<ArchiveName, Effect.Effect<ReadonlyArray<FullResult.Entry>, unknown, Services>> = {
      regular: Effect.map(
        Effect.flatMap(Processes.Processes, (processes) =>
          processes.fullResult(tenant, setup.dossierId, setup.processId)
        ),
        (result) => result.entries
      ),
      larger: Effect.map(
        Effect.flatMap(Processes.Processes, (processes) =>
          processes.fullResult(tenant, setup.dossierId, setup.processId)
        ),
        (result) => {
          const again = result.entries.find((entry) => entry.name.startsWith("video."))
          if (again === undefined) throw new Error("the full result has no video")
          return [...result.entries, { ...again, name: again.name.replace("video.", "video-2.") }]
        }
      )
    }
    // The entries and their sizes, read once outside the runs.
    const sizesOf = (name: ArchiveName) =>
      run(
        Effect.flatMap(entriesOf[name], (entries) =>
          Effect.forEach(entries, (entry) =>
            Effect.map(entry.bytes, (bytes) => ({ name: entry.name, bytes: bytes.length }))
          )
        )
      )
    const archives = { regular: await sizesOf("regular"), larger: await sizesOf("larger") }

    /** Each way of making the bytes, given `sample` to call where a timer cannot reach; answers the bytes made. */
    const ways: Record<Way, (archive: ArchiveName, sample: () => void) => Promise<number>> = {
      streamed: (archive, sample) =>
        run(
          Effect.flatMap(entriesOf[archive], (entries) =>
            Stream.runFold(
              FullResult.zip(entries),
              () => 0,
              (total, chunk) => {
                sample()
                return total + chunk.length
              }
            )
          )
        ),
      inMemory: (archive, sample) =>
        run(
          Effect.gen(function* () {
            const files: Zippable = {}
            for (const entry of yield* entriesOf[archive]) {
              const bytes = yield* entry.bytes
              sample()
              // As the streamed archive does: JSON deflated, images and video stored.
              files[entry.name] = [bytes, { level: entry.compress ? 6 : 0 }]
            }
            const zipped = zipSync(files)
            sample()
            return zipped.length
          })
        ),
      largestAlone: (_archive, sample) =>
        run(
          Effect.map(
            Effect.flatMap(Processes.Processes, (processes) =>
              processes.getFile(tenant, setup.dossierId, setup.processId, video.fileId)
            ),
            (file) => {
              sample()
              return file.bytes.length
            }
          )
        )
    }

    // Once, unmeasured, which also loads and compiles the stream's code: the streamed archive, kept whole this once,
    // unzips to the uploads. In a function of its own, so that nothing it holds outlives it.
    const checked = checkArchive(
      await run(Effect.flatMap(entriesOf.regular, (entries) => Stream.runCollect(FullResult.zip(entries)))),
      setup.uploaded
    )
    log(checked)

    const measureOnce = async (name: ContenderName): Promise<Run> => {
      const [way, archive] = name.split(":") as [Way, ArchiveName]
      await settle()
      const canReset = resetHighWater()
      const before = memoryNow()
      let rss = before.rss
      let heapAndBuffers = before.heapAndBuffers
      let samples = 0
      const sample = () => {
        const now = memoryNow()
        samples += 1
        if (now.rss > rss) rss = now.rss
        if (now.heapAndBuffers > heapAndBuffers) heapAndBuffers = now.heapAndBuffers
      }
      const timer = setInterval(sample, options.sampleEveryMillis)
      const start = performance.now()
      const bytes = await ways[way](archive, sample)
      const millis = performance.now() - start
      sample()
      clearInterval(timer)
      const mark = canReset ? highWater() : undefined
      return {
        rss: rss - before.rss,
        heapAndBuffers: heapAndBuffers - before.heapAndBuffers,
        rssHighWater: mark === undefined ? undefined : mark - before.rss,
        bytes,
        millis,
        samples
      }
    }

    await settle()
    const resting = memoryNow()
    const runs = new Map<ContenderName, Array<Run>>(contenderNames.map((name) => [name, []]))
    for (let round = 1; round <= options.rounds; round++) {
      for (const name of contenderNames) {
        const figures = await measureOnce(name)
        runs.get(name)?.push(figures)
        log(
          `round ${round}/${options.rounds} ${name}: peak rss +${(figures.rss / 1e6).toFixed(0)} MB (high-water +${
            figures.rssHighWater === undefined ? "?" : (figures.rssHighWater / 1e6).toFixed(0)
          } MB), heapUsed + arrayBuffers +${(figures.heapAndBuffers / 1e6).toFixed(0)} MB, ${mb(
            figures.bytes
          )} in ${figures.millis.toFixed(0)} ms (${figures.samples} samples)`
        )
      }
    }

    return {
      date: new Date().toISOString(),
      options,
      archives,
      largestFile: options.videoBytes,
      contenders: contenderNames.map((name) => ({ name, runs: runs.get(name) ?? [] })),
      resting,
      checked,
      load: [load0, loadavg()[0] ?? 0],
      seconds: (performance.now() - started) / 1000
    }
  } finally {
    await services.dispose()
  }
}

/** The median of a contender's runs, for one figure. */
export const medianOf = (contender: ContenderReport, figure: (run: Run) => number | undefined): number => {
  const values = contender.runs.map(figure).filter((value): value is number => value !== undefined)
  return values.length === 0 ? Number.NaN : median(values)
}
