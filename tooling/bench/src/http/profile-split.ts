/**
 * Where a server's CPU goes, from a V8 `.cpuprofile`: each sample's time is given to the component whose code was
 * running — a native function (a system call, SQLite's C code) to the component of the JavaScript that called it —
 * and the components are summed. Idle time and the profiler's own are left out, so the shares are of the time the
 * process was working.
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string }
  readonly children?: ReadonlyArray<number>
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** The components, in the order the report lists them. */
export const components = [
  "Effect runtime (fibers, context, spans)",
  "Effect HTTP and HttpApi",
  "Effect Schema (decoding, encoding, checks)",
  "SQL: effect/sql and its driver",
  "SQL: the database's own code (SQLite in-process, the pg client)",
  "Node HTTP, sockets and system calls",
  "Cryptography (tokens, personal data)",
  "The server's and engine's own code",
  "Garbage collection",
  "Other (V8, Node internals, modules)"
] as const

export type Component = (typeof components)[number]

/** The component of a JavaScript frame, from its script's URL; undefined for a native frame (no URL). */
const componentOfScript = (url: string): Component | undefined => {
  if (url === "") return undefined
  if (/\/effect\/dist\/(sql)\//.test(url) || /@effect\/sql-/.test(url)) return "SQL: effect/sql and its driver"
  if (/\/pg(-[a-z]+)?\/|\/postgres-bytea\//.test(url))
    return "SQL: the database's own code (SQLite in-process, the pg client)"
  if (/\/effect\/dist\/(http|http-api)\//.test(url) || /@effect\/platform-node/.test(url))
    return "Effect HTTP and HttpApi"
  if (/\/effect\/dist\/(Schema[A-Za-z]*|schema\/.*|internal\/schema\/.*)\.js$/.test(url)) {
    return "Effect Schema (decoding, encoding, checks)"
  }
  if (/\/effect\/dist\//.test(url)) return "Effect runtime (fibers, context, spans)"
  if (/\/jose\/|node:crypto|internal\/crypto/.test(url)) return "Cryptography (tokens, personal data)"
  if (/\/(apps|packages)\/[^/]+\/(dist|src)\//.test(url) || /\/packages\/providers\//.test(url)) {
    return "The server's and engine's own code"
  }
  if (/^node:(_http|http|net|internal\/(streams|stream_base_commons|http|net|url|timers))/.test(url)) {
    return "Node HTTP, sockets and system calls"
  }
  return "Other (V8, Node internals, modules)"
}

/** A native frame's component: SQLite's and the sockets' by name, else its caller's. */
const componentOfNative = (name: string, caller: Component | undefined): Component => {
  if (name === "(garbage collector)") return "Garbage collection"
  if (caller === "SQL: effect/sql and its driver")
    return "SQL: the database's own code (SQLite in-process, the pg client)"
  if (/^(writev|writeUtf8String|writeBuffer|writeLatin1String|shutdown|close)$/.test(name)) {
    return "Node HTTP, sockets and system calls"
  }
  return caller ?? "Other (V8, Node internals, modules)"
}

export interface Split {
  /** Milliseconds of samples in which the process was working (idle left out). */
  readonly busyMillis: number
  readonly byComponent: Readonly<Record<Component, number>>
}

/** The share of the working time each component took, from a `.cpuprofile` file. */
export const splitProfile = (path: string): Split => {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
  const componentOfNode = new Map<number, Component | "idle">()
  const resolve = (id: number): Component | "idle" => {
    const known = componentOfNode.get(id)
    if (known !== undefined) return known
    const node = byId.get(id)
    const name = node?.callFrame.functionName ?? ""
    let component: Component | "idle"
    // Idle, and the profiler's own work (it runs in the profiled process, over node:inspector): not the server's.
    if (name === "(idle)" || (node?.callFrame.url ?? "").startsWith("node:inspector")) component = "idle"
    else {
      const script = componentOfScript(node?.callFrame.url ?? "")
      if (script !== undefined) component = script
      else {
        // The nearest JavaScript caller decides what a native function was doing.
        let callerId = parentOf.get(id)
        let caller: Component | undefined
        while (callerId !== undefined && caller === undefined) {
          caller = componentOfScript(byId.get(callerId)?.callFrame.url ?? "")
          callerId = parentOf.get(callerId)
        }
        component = componentOfNative(name, caller)
      }
    }
    componentOfNode.set(id, component)
    return component
  }
  const totals = Object.fromEntries(components.map((component) => [component, 0])) as Record<Component, number>
  let busy = 0
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0
    const component = resolve(id)
    if (component === "idle") return
    totals[component] += delta
    busy += delta
  })
  return {
    busyMillis: busy / 1000,
    byComponent: Object.fromEntries(components.map((component) => [component, totals[component] / busy])) as Record<
      Component,
      number
    >
  }
}
