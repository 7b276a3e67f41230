/**
 * A CPU profile of one phase, taken with V8's sampling profiler through `node:inspector` (what `--cpu-prof` writes,
 * but limited to the measured phase instead of the whole process), saved as a `.cpuprofile` for DevTools, and
 * summarised as self time by where the code comes from.
 */
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"

interface ProfileNode {
  readonly id: number
  readonly children?: ReadonlyArray<number>
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
}

export interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples?: ReadonlyArray<number>
  readonly timeDeltas?: ReadonlyArray<number>
}

export interface ProfileSummary {
  readonly path: string
  /** Busy time (not idle) covered by the samples, ms. */
  readonly busyMillis: number
  /** Share of busy time spent in each origin, largest first. */
  readonly byOrigin: ReadonlyArray<{ readonly origin: string; readonly share: number }>
  /** The functions with the most self time. */
  readonly topFunctions: ReadonlyArray<{ readonly name: string; readonly origin: string; readonly share: number }>
}

/** Where a frame's code comes from, by its script URL. Order matters: the first match wins. */
const origins: ReadonlyArray<readonly [origin: string, test: (url: string) => boolean]> = [
  ["effect/cluster", (url) => url.includes("/effect/dist/cluster/")],
  ["effect/workflow", (url) => url.includes("/effect/dist/workflow/")],
  ["effect/sql", (url) => url.includes("/effect/dist/sql/")],
  ["effect Schema", (url) => /\/effect\/dist\/(Schema|internal\/schema)/.test(url)],
  ["effect runtime (fibers, layers, data types)", (url) => url.includes("/effect/dist/")],
  ["PostgreSQL driver (@effect/sql-pg, pg)", (url) => /\/(@effect\/sql-pg|pg|pg-protocol|pg-pool)\//.test(url)],
  ["SQLite client (@effect/sql-sqlite-node)", (url) => url.includes("/@effect/sql-sqlite-node/")],
  ["@assure/engine", (url) => url.includes("/packages/engine/")],
  ["@assure/core, provider, sandbox", (url) => /\/packages\/(core|provider|providers)\//.test(url)],
  ["bench harness", (url) => url.includes("/tooling/bench/")],
  ["Node.js HTTP (undici fetch, node:http)", (url) => /undici|_http_|node:http/.test(url)],
  ["other Node.js internals (event loop, timers, streams)", (url) => url.startsWith("node:")]
]

const originOfUrl = (url: string): string => origins.find(([, test]) => test(url))?.[0] ?? "other dependencies"

const special: Readonly<Record<string, string>> = {
  "(garbage collector)": "garbage collection",
  "(idle)": "(idle)",
  "(program)": "V8 and native work outside JavaScript",
  "(root)": "V8 and native work outside JavaScript"
}

/** The profiler's own work (serialising the profile when it stops): left out like idle time. */
const isProfiler = (url: string) => url === "node:inspector" || url.startsWith("node:internal/inspector")

/**
 * A frame's origin. Builtins and native functions (JSON.parse, WebCrypto, node:sqlite's statements, a socket
 * write) and Node's own JavaScript count for the nearest library or application frame that called them, so that
 * SQLite's own work counts as the SQLite client's and a socket write as the PostgreSQL driver's; Node's internals
 * keep what nothing else called (the event loop, timers, undici's fetch on its own).
 */
const originOf = (node: ProfileNode, parents: ReadonlyMap<number, ProfileNode>): string => {
  const specialOrigin = special[node.callFrame.functionName]
  if (node.callFrame.url === "" && specialOrigin !== undefined) return specialOrigin
  let nearestNode: string | undefined
  for (let frame: ProfileNode | undefined = node; frame !== undefined; frame = parents.get(frame.id)) {
    const url = frame.callFrame.url
    if (isProfiler(url)) return "(idle)"
    if (url.startsWith("node:")) nearestNode ??= url
    else if (url !== "") return originOfUrl(url)
  }
  return nearestNode === undefined ? "V8 and native work outside JavaScript" : originOfUrl(nearestNode)
}

/** Summarises a `.cpuprofile` (also one written by `node --cpu-prof`). */
export const summarise = (profile: CpuProfile, path: string): ProfileSummary => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map<number, ProfileNode>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node)
  const selfByNode = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (const [i, id] of samples.entries()) selfByNode.set(id, (selfByNode.get(id) ?? 0) + (deltas[i] ?? 0) / 1000)

  const byOrigin = new Map<string, number>()
  const byFunction = new Map<string, { origin: string; millis: number }>()
  let busy = 0
  for (const [id, millis] of selfByNode) {
    const node = byId.get(id)
    if (node === undefined) continue
    const origin = originOf(node, parents)
    if (origin === "(idle)") continue // idle, or the profiler itself
    busy += millis
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + millis)
    const file = node.callFrame.url.split("/").slice(-2).join("/")
    const name = `${node.callFrame.functionName || "(anonymous)"} (${file || "native"}${
      file ? `:${node.callFrame.lineNumber + 1}` : ""
    })`
    const entry = byFunction.get(name) ?? { origin, millis: 0 }
    entry.millis += millis
    byFunction.set(name, entry)
  }
  return {
    path,
    busyMillis: busy,
    byOrigin: [...byOrigin]
      .map(([origin, millis]) => ({ origin, share: millis / busy }))
      .sort((a, b) => b.share - a.share),
    topFunctions: [...byFunction]
      .map(([name, { origin, millis }]) => ({ name, origin, share: millis / busy }))
      .sort((a, b) => b.share - a.share)
      .slice(0, 8)
  }
}

/** Starts sampling; the returned function stops, writes the profile to `path` and summarises it. */
export const startProfiling = async (path: string): Promise<() => Promise<ProfileSummary>> => {
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 500 })
  await session.post("Profiler.start")
  return async () => {
    const { profile } = await session.post("Profiler.stop")
    session.disconnect()
    writeFileSync(path, JSON.stringify(profile))
    return summarise(profile as CpuProfile, path)
  }
}
