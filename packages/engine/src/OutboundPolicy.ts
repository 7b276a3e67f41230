/**
 * Where the engine may send requests whose target an API client chooses: the process's `notificationUrl` (and the
 * tenants' event subscription URLs, which go out the same way). Without this, a client could make the server call
 * its own loopback services, the private network or a cloud metadata endpoint, and learn from the outcome what
 * answers there.
 *
 * The policy allows `https` URLs to public addresses only:
 *
 * - no credentials in the URL (`https://user:password@…`);
 * - no loopback, private (RFC 1918, unique local `fc00::/7`), link-local, multicast, unspecified, broadcast,
 *   carrier-grade NAT (`100.64.0.0/10`), documentation, benchmarking or other special-purpose address — in IPv4 or
 *   IPv6, IPv4-mapped IPv6 (`::ffff:127.0.0.1`) and NAT64 (`64:ff9b::/96`) forms judged by the IPv4 address they
 *   carry; the address ranges are ipaddr.js's special-purpose registry;
 * - never a cloud metadata address (`169.254.169.254`, `fd00:ec2::254`, `168.63.129.16`, …) or name
 *   (`metadata.google.internal`), whatever the allowed networks;
 * - `localhost` names are judged as `127.0.0.1`; single-label names and names under private-use suffixes (`.local`,
 *   `.internal`, `.home.arpa`, `.lan`) are refused unless the operator allows some network, since they never resolve
 *   to a public address.
 *
 * The operator may allow plain `http` and named networks (CIDR), for on-premise endpoints and for tests on loopback.
 *
 * `checkUrl` judges a URL as written, without resolving names: the engine checks it when a process is created and
 * again before each delivery. The addresses a name resolves to are for the {@link NotificationClient} to check with
 * `checkAddress` when it connects — the only check that DNS rebinding cannot get past. This module does no I/O and runs
 * anywhere.
 *
 * @example
 * ```ts
 * import { OutboundPolicy } from "@assure/engine"
 *
 * // on-premise: plain http to the 10.20.0.0/16 network is fine too
 * const Policy = OutboundPolicy.layer({ allowHttp: true, allowedNetworks: ["10.20.0.0/16"] })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import ipaddr from "ipaddr.js"

/** What the operator allows beyond public https. @since 0.1.0 */
export interface Options {
  /** Plain `http` URLs as well as `https` (default `false`). */
  readonly allowHttp?: boolean | undefined
  /** Networks in CIDR notation reachable although not public, such as `["10.0.0.0/8", "::1/128"]` (default none). */
  readonly allowedNetworks?: ReadonlyArray<string> | undefined
}

/** An allowed network is not in CIDR notation. @since 0.1.0 */
export class InvalidNetwork extends Schema.TaggedError<InvalidNetwork>("@assure/engine/InvalidNetwork")(
  "InvalidNetwork",
  { network: Schema.String }
) {
  override get message(): string {
    return `${JSON.stringify(this.network)} is not a network in CIDR notation, such as 10.0.0.0/8 or fd00::/8`
  }
}

/** Where requests that clients choose the target of may go. @since 0.1.0 */
export class OutboundPolicy extends Context.Service<
  OutboundPolicy,
  {
    /**
     * Why the URL may not be a target, in words for the client that chose it (`"must be an https URL"`), or
     * `undefined` when it may. Names are not resolved.
     */
    readonly checkUrl: (url: string) => string | undefined
    /**
     * Why a connection to this IP address is refused (`"127.0.0.1 is a loopback address"`), or `undefined` when it is
     * allowed: what a client checks on every address a name resolves to before it connects.
     */
    readonly checkAddress: (address: string) => string | undefined
  }
>()("@assure/engine/OutboundPolicy") {}

type Address = ipaddr.IPv4 | ipaddr.IPv6
type Network = readonly [Address, number]

/** Addresses of cloud instance metadata and host services: never a target, whatever the allowed networks. */
const metadataAddresses = new Set([
  "169.254.169.254", // AWS, GCP, Azure, Oracle, OpenStack, DigitalOcean…
  "169.254.170.2", // AWS ECS task metadata
  "169.254.170.23", // AWS EKS Pod Identity
  "100.100.100.200", // Alibaba Cloud
  "168.63.129.16", // Azure WireServer: a public-looking address that answers only inside Azure
  "192.0.0.192", // Oracle Cloud (legacy)
  "fd00:ec2::254", // AWS IMDS over IPv6
  "fd00:ec2::23" // AWS EKS Pod Identity over IPv6
])

/** Names of metadata services. */
const metadataNames = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal"
])

/** Suffixes set aside for private use: such names never resolve to a public address. */
const privateSuffixes = [".local", ".internal", ".home.arpa", ".lan", ".intranet", ".corp", ".home", ".localdomain"]

/** How each of ipaddr.js's special-purpose ranges is called in a refusal. */
const rangeWords: Readonly<Record<string, string>> = {
  unspecified: "an unspecified",
  broadcast: "a broadcast",
  multicast: "a multicast",
  linkLocal: "a link-local",
  loopback: "a loopback",
  carrierGradeNat: "a carrier-grade NAT (shared)",
  private: "a private",
  uniqueLocal: "a private (unique local)",
  reserved: "a reserved (documentation, benchmarking or other special-purpose)",
  benchmarking: "a benchmarking"
}

const nat64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96")
const ietfReserved = ipaddr.IPv6.parseCIDR("::/8")

/** The IPv4 address an IPv6 address stands for, if it carries one (IPv4-mapped, NAT64 well-known prefix). */
const effective = (address: Address): Address => {
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address()
    if (v6.match(nat64)) {
      const [high = 0, low = 0] = v6.parts.slice(6)
      return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff])
    }
  }
  return address
}

/** The canonical text of an address (IPv6 in RFC 5952 form), for comparing with the metadata list. */
const canonical = (address: Address): string =>
  address.kind() === "ipv6" ? (address as ipaddr.IPv6).toRFC5952String() : address.toString()

const parseNetwork = (text: string): Network | undefined => {
  const trimmed = text.trim()
  if (!ipaddr.isValidCIDR(trimmed)) return undefined
  const [address, bits] = ipaddr.parseCIDR(trimmed)
  // A four-part decimal only: "10/8" would otherwise be read as 0.0.0.10/8.
  if (address.kind() === "ipv4" && !ipaddr.IPv4.isValidCIDRFourPartDecimal(trimmed)) return undefined
  return [address, bits]
}

/** Whether `text` is a network in CIDR notation (`10.0.0.0/8`, `::1/128`), as `allowedNetworks` takes. @since 0.1.0 */
export const isNetwork = (text: string): boolean => parseNetwork(text) !== undefined

/** How a (normalised) address is classed: `public`, `metadata`, or a special-purpose range. */
const classify = (address: Address): string => {
  if (metadataAddresses.has(canonical(address))) return "metadata"
  const range = address.range()
  if (range !== "unicast") return range
  // ::/8 holds the deprecated IPv4-compatible addresses (::127.0.0.1) among others: nothing public lives there.
  if (address.kind() === "ipv6" && address.match(ietfReserved)) return "reserved"
  return "public"
}

/**
 * The policy for the given options; fails with {@link InvalidNetwork} on a network that is not in CIDR notation.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<OutboundPolicy["Service"], InvalidNetwork> =>
  Effect.gen(function* () {
    const networks: Array<Network> = []
    for (const text of options.allowedNetworks ?? []) {
      const network = parseNetwork(text)
      if (network === undefined) return yield* new InvalidNetwork({ network: text })
      networks.push(network)
    }
    const allowHttp = options.allowHttp === true

    const allowed = (address: Address) =>
      networks.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits))

    /** Why `address` is refused (in words completing "… is"), or `undefined`. */
    const refusal = (address: Address): string | undefined => {
      const target = effective(address)
      const kind = classify(target)
      if (kind === "metadata" || classify(address) === "metadata") return "a cloud metadata address"
      if (kind === "public" || allowed(address) || allowed(target)) return undefined
      return `${rangeWords[kind] ?? "a special-purpose"} address`
    }

    const checkAddress = (text: string): string | undefined => {
      const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text
      if (!ipaddr.isValid(bare)) return `${text} is not an IP address`
      const reason = refusal(ipaddr.parse(bare))
      return reason === undefined ? undefined : `${text} is ${reason}`
    }

    const checkUrl = (text: string): string | undefined => {
      const schemes = allowHttp ? "an http or https URL" : "an https URL"
      let url: URL
      try {
        url = new URL(text)
      } catch {
        return `must be ${schemes}`
      }
      if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) return `must be ${schemes}`
      if (url.username !== "" || url.password !== "") return "must not contain credentials (user:password@)"
      const host = url.hostname.replace(/\.$/, "")
      if (host.startsWith("[")) {
        const literal = host.slice(1, -1)
        if (!ipaddr.IPv6.isValid(literal)) return `must be ${schemes}`
        const reason = refusal(ipaddr.parse(literal))
        return reason === undefined ? undefined : `must not point to ${reason}`
      }
      // The URL parser writes every IPv4 form (0x7f.1, 2130706433, …) as four decimal parts.
      if (ipaddr.IPv4.isValidFourPartDecimal(host)) {
        const reason = refusal(ipaddr.parse(host))
        return reason === undefined ? undefined : `must not point to ${reason}`
      }
      if (metadataNames.has(host)) return "must not point to a cloud metadata address"
      if (host === "localhost" || host.endsWith(".localhost")) {
        const reason = refusal(ipaddr.parse("127.0.0.1"))
        return reason === undefined ? undefined : `must not point to ${reason}`
      }
      if (networks.length === 0 && (!host.includes(".") || privateSuffixes.some((suffix) => host.endsWith(suffix)))) {
        return "must name a public host (single-label names and private-use domains such as .internal are not)"
      }
      return undefined
    }

    return OutboundPolicy.of({ checkUrl, checkAddress })
  })

/**
 * The policy for the given options as a layer; fails with {@link InvalidNetwork} on a malformed network.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<OutboundPolicy, InvalidNetwork> =>
  Layer.effect(OutboundPolicy, make(options))

/** Public https targets only: the policy without any operator allowance. @since 0.1.0 */
export const layerStrict: Layer.Layer<OutboundPolicy> = Layer.orDie(layer())
