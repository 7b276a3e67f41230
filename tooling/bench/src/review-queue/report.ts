/**
 * The review queue's section of `BENCHMARKS.md`, between its own markers: `bench:review-queue --write` writes it, and
 * `pnpm bench` carries it over. What it concludes is computed from the figures of the run that wrote it.
 */
import type { Machine } from "../report.ts"
import { writeSection } from "../sections.ts"
import { type ContenderName, type QueryName, queueCases, type ReviewQueueReport, type SizeFigures } from "./measure.ts"

export const markers = { start: "<!-- review-queue:start -->", end: "<!-- review-queue:end -->" } as const

const ms = (millis: number): string => millis.toFixed(millis < 10 ? 2 : 1)
const integer = (n: number): string => Math.round(n).toLocaleString("en-GB")

const cell = (size: SizeFigures, contender: ContenderName, query: QueryName): string => {
  const timing = size.timings[contender][query]
  return `${ms(timing.median)} (${ms(timing.p95)})`
}

/** How much the median of the largest size exceeds the smallest's, for one contender and query. */
const growth = (sizes: ReadonlyArray<SizeFigures>, contender: ContenderName, query: QueryName): number => {
  const first = sizes[0]?.timings[contender][query].median ?? Number.NaN
  const last = sizes[sizes.length - 1]?.timings[contender][query].median ?? Number.NaN
  return last / first
}

export const renderReviewQueueSection = (report: ReviewQueueReport, machine: Machine): string => {
  const tables = report.databases.map((database) => {
    const rows = database.sizes.map(
      (size) =>
        `| ${integer(size.processes)} | ${cell(size, "indexed", "firstPage")} | ${cell(size, "baseline", "firstPage")} | ${cell(
          size,
          "indexed",
          "providerAndAge"
        )} | ${cell(size, "baseline", "providerAndAge")} | ${size.timings.indexed.firstPage.entries} |`
    )
    const smallest = database.sizes[0]
    const largest = database.sizes[database.sizes.length - 1]
    const verdict =
      smallest === undefined || largest === undefined || smallest === largest
        ? ""
        : `From ${integer(smallest.processes)} to ${integer(largest.processes)} processes stored, the first page's median ` +
          `went ×${growth(database.sizes, "indexed", "firstPage").toFixed(2)} with the index and ` +
          `×${growth(database.sizes, "baseline", "firstPage").toFixed(2)} without it; at ${integer(largest.processes)} ` +
          `the index makes it ${(
            largest.timings.baseline.firstPage.median / largest.timings.indexed.firstPage.median
          ).toFixed(1)}× faster.`
    return `### ${database.database}

| processes stored | first page, index: median (p95) ms | without the index | by provider and age, index | without the index | entries per page |
|--:|--:|--:|--:|--:|--:|
${rows.join("\n")}

${verdict}`
  })
  const o = report.options
  return `${markers.start}
## Review queue: a page as the store grows

Written by \`pnpm --filter @assure/bench bench:review-queue --write\` (\`tooling/bench/src/review-queue/\`), which
\`pnpm bench\` leaves in place. \`Reviews.queue\` through the engine's services as the server wires them (no HTTP), on
the server's embedded store and on PostgreSQL: ${queueCases} \`inconclusive\` processes to review, made through the
engine (sealed userData, the sandbox's result), then the store grown in bulk to each size — half the tenant's, half
another tenant's; of each twenty processes seventeen accepted, two rejected and one \`inconclusive\` already reviewed.
Each page is 50 entries: the console's default (unreviewed \`inconclusive\`, oldest first) and one filtered by
provider and age. Timed with the index of migration \`0010_review_queue\` (tenant, status, reviewed, age), then, as
the baseline, on the same rows with that index dropped (and made again before the store grows): ${o.warmup} pages
untimed, then ${o.pages} timed one at a time, per query and contender (and 300 untimed before the first size, so
that neither contender pays for the process's warm-up).

${report.date.toISOString().replace(/\.\d+Z$/, "Z")}; ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.platform}; Node ${machine.node}. 1-minute load average ${report.load[0].toFixed(
    1
  )} at the start, ${report.load[1].toFixed(1)} at the end; the section took ${Math.round(report.seconds)} s.${
    report.postgresUnavailable === undefined ? "" : ` PostgreSQL was not measured: ${report.postgresUnavailable}.`
  }

${tables.join("\n\n")}

A page's cost with the index is the page's own: opening 50 dossiers' sealed userData for their country and reading
their claims and reviews. Without it, either database reads the whole table of processes to find the few unreviewed
ones, and the page's cost grows with everything stored.
${markers.end}
`
}

/** Replaces the section in `BENCHMARKS.md`, or puts it before the scale-out section the first time. */
export const writeReviewQueueSection = (path: string, section: string): void =>
  writeSection(path, markers, section, ["<!-- scale-out:start -->"])
