/**
 * In-memory state for vendor simulators: a {@link Store} keeps a vendor's resources (applicants, checks, sessions)
 * by id, in insertion order, as the simulator mutates them; {@link Store.require} finds one or refuses the request
 * with the vendor's 404. Ids in the vendors' shapes come from {@link uuid} and {@link prefixedId}.
 *
 * @example
 * ```ts
 * import { SimulatorStore } from "@assure/provider/testing"
 *
 * interface Session { readonly id: string; status: "created" | "submitted" }
 *
 * const sessions = SimulatorStore.make<Session>({
 *   notFound: (id) => ({ status: 404, body: { status: "fail", message: `Session ${id} not found` } })
 * })
 * const session = sessions.insert({ id: SimulatorStore.prefixedId("vs"), status: "created" })
 * // in a handler: const found = yield* sessions.require(request.params.id)
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type * as LoopbackServer from "./LoopbackServer.js"

/** Resources of one kind, by id. @since 0.1.0 */
export interface Store<A extends { readonly id: string }> {
  /** The resource, or `undefined`. */
  readonly get: (id: string) => A | undefined
  /** The resource, or a failure with the store's not-found answer (which ends a handler with it). */
  readonly require: (id: string) => Effect.Effect<A, LoopbackServer.Answer>
  /** Keeps `value` under its id (replacing one with the same id) and returns it. */
  readonly insert: (value: A) => A
  /** Forgets a resource. */
  readonly remove: (id: string) => void
  /** Every resource, oldest first. */
  readonly all: () => ReadonlyArray<A>
  /** The resources that satisfy `predicate`, oldest first. */
  readonly filter: (predicate: (value: A) => boolean) => ReadonlyArray<A>
  /** The first resource that satisfies `predicate`. */
  readonly find: (predicate: (value: A) => boolean) => A | undefined
}

/**
 * An empty store; `notFound` is the vendor's answer when a request names an id it does not hold (default: a bare
 * 404).
 *
 * @since 0.1.0
 */
export const make = <A extends { readonly id: string }>(
  options: { readonly notFound?: ((id: string) => LoopbackServer.Answer) | undefined } = {}
): Store<A> => {
  const values = new Map<string, A>()
  const notFound = options.notFound ?? ((id: string) => ({ status: 404, body: { error: `${id} not found` } }))
  return {
    get: (id) => values.get(id),
    require: (id) => {
      const found = values.get(id)
      return found === undefined ? Effect.fail(notFound(id)) : Effect.succeed(found)
    },
    insert: (value) => {
      values.set(value.id, value)
      return value
    },
    remove: (id) => {
      values.delete(id)
    },
    all: () => [...values.values()],
    filter: (predicate) => [...values.values()].filter(predicate),
    find: (predicate) => {
      for (const value of values.values()) if (predicate(value)) return value
      return undefined
    }
  }
}

/** A random UUID (v4), as most vendors' ids. @since 0.1.0 */
export const uuid = (): string => globalThis.crypto.randomUUID()

/** A random id `<prefix>_<24 hex digits>`, as Stripe's (`vs_…`, `evt_…`). @since 0.1.0 */
export const prefixedId = (prefix: string, length = 24): string =>
  `${prefix}_${globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, length)}`
