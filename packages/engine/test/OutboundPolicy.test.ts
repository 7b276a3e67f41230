import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import fc from "fast-check"
import { NotificationClient, OutboundPolicy } from "../src/index.js"

const policyOf = (options?: OutboundPolicy.Options) => Effect.runSync(OutboundPolicy.make(options))
const strict = policyOf()

// The special-purpose IPv4 ranges, written out here from the IANA registry (RFC 6890 and successors) rather than taken
// from the library the policy uses, so that the two check each other.
const blockedV4: ReadonlyArray<readonly [string, number]> = [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation (TEST-NET-1)
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation (TEST-NET-2)
  ["203.0.113.0", 24], // documentation (TEST-NET-3)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4] // reserved, and the broadcast address
]
// Special-purpose too, though not dangerous: kept out of the "public" samples.
const otherSpecialV4: ReadonlyArray<readonly [string, number]> = [
  ["192.31.196.0", 24],
  ["192.52.193.0", 24],
  ["192.175.48.0", 24],
  ["168.63.129.16", 32] // Azure WireServer: refused as metadata
]

const toInt = (address: string) => address.split(".").reduce((sum, part) => sum * 256 + Number(part), 0)
const fromInt = (value: number) => [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".")
const inRange = (value: number, [base, bits]: readonly [string, number]) =>
  Math.floor(value / 2 ** (32 - bits)) === Math.floor(toInt(base) / 2 ** (32 - bits))

/** Any IPv4 address inside one of the blocked ranges. */
const blockedIPv4 = fc
  .constantFrom(...blockedV4)
  .chain(([base, bits]) => fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => toInt(base) + offset))

const publicIPv4 = fc
  .integer({ min: 0, max: 2 ** 32 - 1 })
  .filter((value) => ![...blockedV4, ...otherSpecialV4].some((range) => inRange(value, range)))

const hex16 = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16))
/** Any IPv6 address inside a non-public range: unique local, link-local, multicast, documentation, 6to4, Teredo. */
const blockedIPv6 = fc
  .tuple(
    fc.constantFrom(
      (n: number) => (0xfc00 | (n & 0x1ff)).toString(16), // fc00::/7
      (n: number) => (0xfe80 | (n & 0x3f)).toString(16), // fe80::/10
      (n: number) => (0xff00 | (n & 0xff)).toString(16), // ff00::/8
      () => "2001:db8", // documentation
      () => "2002", // 6to4
      () => "2001:0" // Teredo
    ),
    fc.integer({ min: 0, max: 0xffff }),
    fc.array(hex16, { minLength: 5, maxLength: 5 })
  )
  .map(([prefix, n, rest]) => {
    const head = prefix(n)
    return `${head}:${rest.slice(0, 8 - head.split(":").length).join(":")}`
  })

/** The ways a URL can name an IPv4 address; the URL parser reads all of them as the same address. */
const urlForms = (value: number): ReadonlyArray<string> => {
  const dotted = fromInt(value)
  return [
    `https://${dotted}/hook`,
    `https://${value}/hook`,
    `https://0x${value.toString(16)}/hook`,
    `https://${dotted}.:8443/hook?x=1`,
    `https://[::ffff:${dotted}]/hook`,
    `https://[64:ff9b::${dotted}]/hook`
  ]
}

describe("OutboundPolicy", () => {
  it("refuses every URL to an IPv4 address in a blocked range, in any of its spellings", () => {
    fc.assert(
      fc.property(blockedIPv4, (value) => {
        for (const url of urlForms(value)) assert.isDefined(strict.checkUrl(url), url)
        assert.isDefined(strict.checkAddress(fromInt(value)))
        assert.isDefined(strict.checkAddress(`::ffff:${fromInt(value)}`))
      }),
      { numRuns: 500 }
    )
  })

  it("refuses every IPv6 address in a non-public range, as a URL and as an address", () => {
    fc.assert(
      fc.property(blockedIPv6, (address) => {
        assert.isDefined(strict.checkAddress(address), address)
        assert.isDefined(strict.checkUrl(`https://[${address}]/`), address)
      }),
      { numRuns: 500 }
    )
  })

  it("accepts https URLs to public addresses", () => {
    fc.assert(
      fc.property(publicIPv4, (value) => {
        assert.isUndefined(strict.checkUrl(`https://${fromInt(value)}/hook`), fromInt(value))
        assert.isUndefined(strict.checkAddress(fromInt(value)))
      }),
      { numRuns: 500 }
    )
    for (const address of ["2606:4700:4700::1111", "2a00:1450:4001:82b::200e", "64:ff9b::808:808"]) {
      assert.isUndefined(strict.checkAddress(address), address)
    }
    assert.isUndefined(strict.checkUrl("https://client.example.com/assure/callback?tenant=a"))
    assert.isUndefined(strict.checkUrl("https://[2606:4700:4700::1111]:8443/hook"))
  })

  it("names the class of each refused address", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["127.0.0.1", "loopback"],
      ["::1", "loopback"],
      ["10.1.2.3", "private"],
      ["172.20.0.1", "private"],
      ["192.168.1.1", "private"],
      ["fd12:3456::1", "unique local"],
      ["169.254.10.10", "link-local"],
      ["fe80::1", "link-local"],
      ["224.0.0.251", "multicast"],
      ["ff02::1", "multicast"],
      ["0.0.0.0", "unspecified"],
      ["::", "unspecified"],
      ["255.255.255.255", "broadcast"],
      ["100.64.0.1", "carrier-grade NAT"],
      ["192.0.2.10", "documentation"],
      ["198.18.0.1", "benchmarking"],
      ["2001:db8::1", "documentation"],
      ["169.254.169.254", "metadata"],
      ["fd00:ec2::254", "metadata"],
      ["::ffff:169.254.169.254", "metadata"],
      ["168.63.129.16", "metadata"],
      ["::1234:5678", "reserved"]
    ]
    for (const [address, words] of cases) assert.include(strict.checkAddress(address), words, address)
    assert.include(strict.checkAddress("not-an-address"), "not an IP address")
  })

  it("allows https only, unless the operator allows http", () => {
    for (const url of ["http://client.example.com/hook", "ftp://client.example.com/", "file:///etc/passwd", "hook"]) {
      assert.strictEqual(strict.checkUrl(url), "must be an https URL", url)
    }
    const http = policyOf({ allowHttp: true })
    assert.isUndefined(http.checkUrl("http://client.example.com/hook"))
    assert.strictEqual(http.checkUrl("ftp://client.example.com/"), "must be an http or https URL")
    assert.isDefined(http.checkUrl("http://127.0.0.1/hook"))
  })

  it("refuses credentials in the URL", () => {
    for (const url of ["https://user:password@client.example.com/", "https://user@client.example.com/"]) {
      assert.strictEqual(strict.checkUrl(url), "must not contain credentials (user:password@)", url)
    }
  })

  it("refuses localhost, metadata and private-use names, without resolving them", () => {
    for (const url of ["https://localhost/", "https://api.localhost./", "https://LOCALHOST:8443/"]) {
      assert.strictEqual(strict.checkUrl(url), "must not point to a loopback address", url)
    }
    for (const url of [
      "https://metadata.google.internal/computeMetadata/v1/",
      "https://metadata.goog/",
      "https://instance-data/"
    ]) {
      assert.strictEqual(strict.checkUrl(url), "must not point to a cloud metadata address", url)
    }
    for (const url of [
      "https://intranet/",
      "https://printer.local/",
      "https://crm.internal/",
      "https://nas.home.arpa/"
    ]) {
      assert.include(strict.checkUrl(url), "must name a public host", url)
    }
  })

  it("allows the networks the operator names, and their names, but never metadata addresses", () => {
    const onPremise = policyOf({
      allowHttp: true,
      allowedNetworks: ["127.0.0.0/8", "::1/128", "10.20.0.0/16", "169.254.0.0/16"]
    })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 16 - 1 }), (offset) => {
        const address = fromInt(toInt("10.20.0.0") + offset)
        assert.isUndefined(onPremise.checkUrl(`http://${address}/hook`))
        assert.isUndefined(onPremise.checkAddress(address))
        assert.isUndefined(onPremise.checkAddress(`::ffff:${address}`))
      })
    )
    assert.isDefined(onPremise.checkAddress("10.21.0.1"))
    assert.isUndefined(onPremise.checkUrl("http://localhost:8080/hook"))
    assert.isUndefined(onPremise.checkUrl("http://[::1]:8080/hook"))
    assert.isUndefined(onPremise.checkUrl("http://crm.internal/hook"))
    assert.isUndefined(onPremise.checkAddress("169.254.1.1"))
    assert.include(onPremise.checkAddress("169.254.169.254"), "metadata")
    assert.include(onPremise.checkUrl("http://169.254.169.254/latest/meta-data/"), "metadata")
    assert.include(onPremise.checkUrl("http://metadata.google.internal/"), "metadata")
    assert.include(onPremise.checkUrl("http://user:secret@10.20.0.1/"), "credentials")
  })

  it("refuses allowed networks that are not CIDR", () => {
    for (const network of ["10.0.0.0", "10/8", "10.0.0.0/33", "example.com/24", "::1/129"]) {
      const exit = Effect.runSyncExit(OutboundPolicy.make({ allowedNetworks: [network] }))
      assert.isTrue(Exit.isFailure(exit), network)
      assert.isFalse(OutboundPolicy.isNetwork(network), network)
    }
    assert.isTrue(OutboundPolicy.isNetwork("10.0.0.0/8"))
    assert.isTrue(OutboundPolicy.isNetwork("fd00::/8"))
  })
})

describe("NotificationClient.layerFetch", () => {
  it.effect("does not follow redirects", () =>
    Effect.gen(function* () {
      const hits: Array<string> = []
      const server = createServer((request, response) => {
        hits.push(request.url ?? "")
        if (request.url === "/hook") response.writeHead(307, { location: "/elsewhere" })
        response.end()
      })
      const port = yield* Effect.callback<number>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
      })
      const client = yield* NotificationClient.NotificationClient
      const response = yield* client.post(`http://127.0.0.1:${port}/hook`)
      assert.strictEqual(response.status, 307)
      assert.deepStrictEqual(hits, ["/hook"])
      yield* Effect.promise(() => new Promise((resolve) => server.close(resolve)))
    }).pipe(Effect.provide(NotificationClient.layerFetch))
  )
})
