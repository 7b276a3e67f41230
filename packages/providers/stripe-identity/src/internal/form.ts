/**
 * Stripe's form encoding: `application/x-www-form-urlencoded` bodies with bracket notation for nested objects and
 * arrays (`options[document][require_matching_selfie]=true`, `options[document][allowed_types][0]=passport`), as
 * Stripe's own libraries write them; and the reverse, for the simulator.
 */

/** A value Stripe's form encoding can carry. */
export type FormValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | ReadonlyArray<FormValue>
  | { readonly [key: string]: FormValue }

/** Flattens a value into `[key, value]` pairs in bracket notation; `undefined` is left out, `null` is sent empty. */
export const pairs = (value: FormValue, prefix = ""): Array<readonly [string, string]> => {
  if (value === undefined) return []
  if (value === null) return prefix === "" ? [] : [[prefix, ""]]
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return prefix === "" ? [] : [[prefix, String(value)]]
  }
  const entries: Array<readonly [string, FormValue]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value as { readonly [key: string]: FormValue })
  return entries.flatMap(([key, item]) => pairs(item, prefix === "" ? key : `${prefix}[${key}]`))
}

/** Brackets are left readable, as Stripe's libraries send them; everything else is percent-encoded. */
const encodeComponent = (text: string) => encodeURIComponent(text).replaceAll("%5B", "[").replaceAll("%5D", "]")

/** Encodes a value as a Stripe form body. */
export const encode = (value: FormValue): string =>
  pairs(value)
    .map(([key, item]) => `${encodeComponent(key)}=${encodeComponent(item)}`)
    .join("&")

/** A decoded form: nested objects of strings (arrays come back as objects keyed by index). */
export interface Decoded {
  readonly [key: string]: string | Decoded
}

/**
 * Decodes a form body written in bracket notation into nested objects. `undefined` when the same key is given
 * twice in conflicting shapes (`a=1&a[b]=2`), which Stripe refuses too.
 */
export const decode = (body: string): Decoded | undefined => {
  const root: Record<string, unknown> = {}
  for (const [key, value] of new URLSearchParams(body)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key)
    if (match === null) return undefined
    const path = [match[1] ?? "", ...[...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1] ?? "")]
    let node: Record<string, unknown> = root
    for (const [index, segment] of path.entries()) {
      // `key[]=a&key[]=b` appends, as Stripe accepts it
      const name = segment === "" ? String(Object.keys(node).length) : segment
      if (index === path.length - 1) {
        if (typeof node[name] === "object") return undefined
        node[name] = value
      } else {
        const next = node[name] ?? {}
        if (typeof next !== "object" || next === null) return undefined
        node[name] = next
        node = next as Record<string, unknown>
      }
    }
  }
  return root as Decoded
}
