/**
 * Hosted capture sessions on one database: only the token's hash is stored, everything is checked before anything is
 * stored, the token survives being opened again and is used once, it expires, it is bound to its dossier and goes
 * with it, a submit without the photos the choice needs (the back of a two-sided document too) consumes nothing, a
 * photo too small to read is refused, the end-user's choice between photos and a hand-over runs only that choice's
 * processes, `auto` shows the routed provider's flow, and a hand-off code opens the session once.
 */

import { ProviderName } from "@assure/core"
import { ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Exit, Layer, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Captures, Dossiers, EngineConfig, Processes, Routing } from "../../src/index.js"
import { engineLayer, jpeg, photo, tenantA, tenantB, webhookSecret } from "./engine.js"

/** A provider the end-user takes no part in (the client supplies chip data): no page can capture for it. */
const chipReader = ProviderRegistry.register(
  Effect.map(SandboxProvider.make({ webhookSecrets: [webhookSecret] }), (sandbox) => ({
    ...sandbox,
    name: ProviderName.ProviderName.make("chipreader"),
    endUserFlow: () => undefined
  }))
).pipe(Layer.orDie)

/** `auto` sends eIDs and documents alike to the sandbox. */
const routingPolicy = Schema.decodeUnknownSync(Routing.Policy)({ rules: [{ provider: "sandbox" }] })

const returnUrl = (provider: string, _processId: string) =>
  Effect.succeed(`https://assure.example/callbacks/${provider}`)

const capturesLayer = (
  database: Layer.Layer<SqlClient.SqlClient>,
  lifetime: Duration.Input = "30 minutes",
  routed: "routed" | "unrouted" = "routed"
) =>
  Captures.layer.pipe(
    Layer.provideMerge(engineLayer(database, { moreProviders: chipReader })),
    Layer.provide(
      Layer.succeed(EngineConfig.EngineConfig, {
        ...EngineConfig.defaults,
        captureLifetime: lifetime,
        ...(routed === "routed" ? { routingPolicy } : {})
      })
    )
  )

const storedCaptures = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<Record<string, unknown>>`SELECT * FROM assure_captures`
})

const failureOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error : undefined

export const captureSuite = (name: string, database: () => Layer.Layer<SqlClient.SqlClient>) => {
  describe(`capture sessions on ${name}`, () => {
    it.live("stores only the token's hash, opens again and again, and is used once", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* dossiers.create(tenantA, {})
        const started = yield* captures.start(tenantA, dossier.dossierId, {
          providers: [{ provider: "sandbox", processType: "document" }],
          redirectUrl: "https://client.example/done"
        })
        const token = Redacted.value(started.token)
        assert.match(token, /^[A-Za-z0-9_-]{43}$/)
        const rows = yield* storedCaptures
        assert.strictEqual(rows.length, 1)
        assert.notInclude(JSON.stringify(rows), token)
        assert.match(String(rows[0]?.token_hash), /^[0-9a-f]{64}$/)
        // A reload of the page opens the session again.
        for (let reload = 0; reload < 2; reload++) {
          const session = yield* captures.open(token)
          assert.strictEqual(session.dossierId, dossier.dossierId)
          assert.strictEqual(session.tenant, tenantA)
          assert.deepStrictEqual(session.providers, [{ provider: "sandbox", processType: "document" }])
          assert.deepStrictEqual(session.choices, [{ _tag: "Photos", id: "photos", entries: [0], kinds: ["front"] }])
          assert.strictEqual(session.expiresAt, started.expiresAt)
        }

        // Without the front the process type needs, nothing is consumed and no process is created.
        const early = failureOf(yield* Effect.exit(captures.submit(token, returnUrl)))
        assert.strictEqual(early?._tag, "InvalidInput")
        assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).processes.length, 0)
        yield* captures.open(token)

        const file = yield* captures.addFile(token, "front", photo())
        assert.strictEqual(file.kind, "front")
        const submitted = yield* captures.submit(token, returnUrl)
        assert.strictEqual(submitted.redirectUrl, "https://client.example/done")
        assert.strictEqual(submitted.processes.length, 1)
        assert.strictEqual(submitted.processes[0]?.status, "processing")
        const process = yield* (yield* Processes.Processes).get(
          tenantA,
          dossier.dossierId,
          submitted.processes[0]?.processId ?? ""
        )
        assert.strictEqual(process.provider, "sandbox")

        // Used: neither opened, nor given files, nor submitted again.
        for (const again of <ReadonlyArray<Effect.Effect<unknown, unknown>>>[
          captures.open(token),
          captures.addFile(token, "front", photo()),
          captures.submit(token, returnUrl)
        ]) {
          assert.deepStrictEqual(
            failureOf(yield* Effect.exit(again)),
            new Captures.CaptureUnavailable({ reason: "consumed" })
          )
        }
        assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).processes.length, 1)
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("replaces a retaken photo, and takes a bounded number of uploads", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* dossiers.create(tenantA, {})
        const started = yield* captures.start(tenantA, dossier.dossierId, {
          providers: [{ provider: "sandbox", processType: "documentSelfie" }],
          redirectUrl: "https://client.example/done"
        })
        const token = Redacted.value(started.token)
        yield* captures.addFile(token, "front", photo())
        const retaken = yield* captures.addFile(token, "front", photo(1200, 800))
        const selfie = yield* captures.addFile(token, "selfie", photo(480, 640))
        const files = (yield* dossiers.get(tenantA, dossier.dossierId)).files
        assert.deepStrictEqual(
          // In kind order: files made in the same second come in no particular order.
          files
            .map((file) => [file.fileId, file.kind, file.size])
            .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
          [
            [retaken.fileId, "front", retaken.size],
            [selfie.fileId, "selfie", selfie.size]
          ]
        )
        for (let upload = 3; upload < Captures.maxUploads; upload++) yield* captures.addFile(token, "front", photo())
        const tooMany = failureOf(yield* Effect.exit(captures.addFile(token, "front", photo())))
        assert.strictEqual(tooMany?._tag, "InvalidInput")
        assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).files.length, 2)
        // The link still submits, with the latest photos.
        const submitted = yield* captures.submit(token, returnUrl)
        assert.strictEqual(submitted.processes.length, 1)
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("of two submits at once, one starts the process and the other finds the link used", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* dossiers.create(tenantA, {})
        const started = yield* captures.start(tenantA, dossier.dossierId, {
          providers: [{ provider: "sandbox", processType: "document" }],
          redirectUrl: "https://client.example/done"
        })
        const token = Redacted.value(started.token)
        yield* captures.addFile(token, "front", photo())
        const exits = yield* Effect.all(
          [0, 1].map(() => Effect.exit(captures.submit(token, returnUrl))),
          {
            concurrency: 2
          }
        )
        assert.strictEqual(exits.filter(Exit.isSuccess).length, 1)
        assert.deepStrictEqual(
          exits.map(failureOf).filter((error) => error !== undefined),
          [new Captures.CaptureUnavailable({ reason: "consumed" })]
        )
        assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).processes.length, 1)
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("hands off once per code: hashed and sealed, a newer code replaces the older, and the status follows", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* dossiers.create(tenantA, {})
        const started = yield* captures.start(tenantA, dossier.dossierId, {
          providers: [{ provider: "sandbox", processType: "document" }],
          redirectUrl: "https://client.example/done"
        })
        const token = Redacted.value(started.token)
        assert.deepStrictEqual(yield* captures.status(token), {
          uploaded: [],
          handedOff: false,
          redirectTo: undefined
        })
        const older = Redacted.value(yield* captures.handOff(token))
        const code = Redacted.value(yield* captures.handOff(token))
        assert.match(code, /^[A-Za-z0-9_-]{43}$/)
        assert.notStrictEqual(code, older)
        // Neither the token nor the code is stored: the code's hash, and the token sealed under it.
        const stored = JSON.stringify(yield* storedCaptures)
        for (const secret of [token, code, older]) assert.notInclude(stored, secret)
        // The older code was replaced; the newer one opens the session once, however many phones try at once.
        const unknown = new Captures.CaptureUnavailable({ reason: "unknown" })
        assert.deepStrictEqual(failureOf(yield* Effect.exit(captures.redeemHandOff(older))), unknown)
        const exits = yield* Effect.all(
          [0, 1].map(() => Effect.exit(captures.redeemHandOff(code))),
          { concurrency: 2 }
        )
        assert.deepStrictEqual(
          exits.filter(Exit.isSuccess).map((exit) => Redacted.value(exit.value)),
          [token]
        )
        assert.deepStrictEqual(
          exits.map(failureOf).filter((error) => error !== undefined),
          [new Captures.CaptureUnavailable({ reason: "handedOff" })]
        )
        assert.deepStrictEqual(failureOf(yield* Effect.exit(captures.redeemHandOff("x".repeat(43)))), unknown)

        yield* captures.addFile(token, "front", photo())
        assert.deepStrictEqual(yield* captures.status(token), {
          uploaded: ["front"],
          handedOff: true,
          redirectTo: undefined
        })
        const submitted = yield* captures.submit(token, returnUrl)
        const processId = submitted.processes[0]?.processId ?? ""
        assert.strictEqual(
          submitted.redirectTo,
          `https://client.example/done?dossierId=${dossier.dossierId}&processId=${processId}&status=processing`
        )
        assert.deepStrictEqual(yield* captures.status(token), {
          uploaded: ["front"],
          handedOff: true,
          redirectTo: submitted.redirectTo
        })
        // A submitted session hands off no more.
        const consumed = new Captures.CaptureUnavailable({ reason: "consumed" })
        assert.deepStrictEqual(failureOf(yield* Effect.exit(captures.handOff(token))), consumed)
        assert.deepStrictEqual(failureOf(yield* Effect.exit(captures.redeemHandOff(code))), consumed)
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("checks the dossier, providers, process types and URLs before storing anything", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossier = yield* (yield* Dossiers.Dossiers).create(tenantA, {})
        const valid = {
          providers: [{ provider: "sandbox", processType: "document" }],
          redirectUrl: "https://client.example/done"
        }
        const refusals = [
          [tenantB, dossier.dossierId, valid, "NotFound"],
          [tenantA, "not-a-dossier", valid, "NotFound"],
          [tenantA, dossier.dossierId, { ...valid, providers: [] }, "InvalidInput"],
          [
            tenantA,
            dossier.dossierId,
            { ...valid, providers: [{ provider: "nobody", processType: "document" }] },
            "ProviderNotConfigured"
          ],
          [
            tenantA,
            dossier.dossierId,
            { ...valid, providers: [{ provider: "sandbox", processType: "video" }] },
            "InvalidInput"
          ],
          // A provider the end-user takes no part in: the client supplies its data.
          [
            tenantA,
            dossier.dossierId,
            { ...valid, providers: [{ provider: "chipreader", processType: "document" }] },
            "InvalidInput"
          ],

          [tenantA, dossier.dossierId, { ...valid, redirectUrl: "javascript:alert(1)" }, "InvalidInput"],
          [tenantA, dossier.dossierId, { ...valid, redirectUrl: "/relative" }, "InvalidInput"],
          // The engine's outbound policy, as for a process: https on a public address.
          [tenantA, dossier.dossierId, { ...valid, notificationUrl: "http://127.0.0.1/hook" }, "InvalidInput"]
        ] as const
        for (const [tenant, dossierId, input, tag] of refusals) {
          const error = failureOf(yield* Effect.exit(captures.start(tenant, dossierId, input)))
          assert.strictEqual(error?._tag, tag, JSON.stringify(input))
        }
        assert.strictEqual((yield* storedCaptures).length, 0)
        yield* captures.start(tenantA, dossier.dossierId, {
          ...valid,
          notificationUrl: "https://client.example/hook"
        })
        assert.strictEqual((yield* storedCaptures).length, 1)
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("refuses a photo too small to read, after its type, and stores nothing of it", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* dossiers.create(tenantA, {})
        const started = yield* captures.start(tenantA, dossier.dossierId, {
          providers: [{ provider: "sandbox", processType: "documentSelfie" }],
          redirectUrl: "https://client.example/done"
        })
        const token = Redacted.value(started.token)
        const refused = (kind: "front" | "selfie", bytes: Uint8Array) =>
          Effect.map(Effect.exit(captures.addFile(token, kind, bytes)), (exit) => {
            const error = failureOf(exit)
            return error?._tag === "InvalidInput" ? [error.detail, error.invalidParams[0]?.reason] : error
          })
        assert.deepStrictEqual(yield* refused("front", photo(500, 300)), [
          Captures.tooSmallDetail,
          "is 500×300 pixels; it must be at least 600×400"
        ])
        assert.deepStrictEqual(yield* refused("selfie", photo(640, 240)), [
          Captures.tooSmallDetail,
          "is 640×240 pixels; it must be at least 300×300"
        ])
        // Not an image at all says so, and a JPEG whose header holds no size cannot be read.
        assert.deepStrictEqual(yield* refused("front", new TextEncoder().encode("hello")), [
          "The front file was refused",
          "a front must be image/jpeg, image/png, image/webp, image/heic"
        ])
        assert.deepStrictEqual(yield* refused("front", jpeg), ["The photo cannot be read", "its size cannot be read"])
        assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).files.length, 0)
        // Taken sideways, the same photo is as readable.
        yield* captures.addFile(token, "front", photo(400, 600))
        yield* captures.addFile(token, "selfie", photo(300, 300))
        assert.strictEqual((yield* dossiers.get(tenantA, dossier.dossierId)).files.length, 2)
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("a two-sided document needs its back; a passport does not", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const input = {
          providers: [{ provider: "sandbox", processType: "document" }],
          redirectUrl: "https://client.example/done"
        }
        const idCard = yield* dossiers.create(tenantA, {})
        const token = Redacted.value((yield* captures.start(tenantA, idCard.dossierId, input)).token)
        yield* captures.addFile(token, "front", photo())
        const invalidParam = (selection: Captures.Selection) =>
          Effect.map(Effect.exit(captures.submit(token, returnUrl, selection)), (exit) => {
            const error = failureOf(exit)
            return error?._tag === "InvalidInput" ? error.invalidParams[0] : error
          })
        assert.deepStrictEqual(yield* invalidParam({ documentType: "idCard" }), {
          name: "back",
          reason: "a idCard needs a back image"
        })
        assert.strictEqual((yield* invalidParam({ documentType: "scroll" }))?.name, "documentType")
        assert.strictEqual((yield* dossiers.get(tenantA, idCard.dossierId)).processes.length, 0)
        yield* captures.addFile(token, "back", photo())
        const submitted = yield* captures.submit(token, returnUrl, { choice: "photos", documentType: "idCard" })
        assert.strictEqual(submitted.processes.length, 1)

        const passport = yield* dossiers.create(tenantA, {})
        const other = Redacted.value((yield* captures.start(tenantA, passport.dossierId, input)).token)
        yield* captures.addFile(other, "front", photo())
        assert.strictEqual((yield* captures.submit(other, returnUrl, { documentType: "passport" })).processes.length, 1)
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("offers photos or a hand-over, and runs only the end-user's choice", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* dossiers.create(tenantA, {})
        const started = yield* captures.start(tenantA, dossier.dossierId, {
          providers: [
            { provider: "sandbox", processType: "documentSelfie" },
            { provider: "sandbox", processType: "eid" }
          ],
          redirectUrl: "https://client.example/done"
        })
        const token = Redacted.value(started.token)
        assert.deepStrictEqual((yield* captures.open(token)).choices, [
          { _tag: "Photos", id: "photos", entries: [0], kinds: ["front", "selfie"] },
          { _tag: "HandOver", id: "handOver-1", entries: [1], provider: "sandbox" }
        ])
        // Two choices: the end-user must say which.
        for (const selection of [{}, { choice: "handOver-0" }]) {
          const error = failureOf(yield* Effect.exit(captures.submit(token, returnUrl, selection)))
          assert.deepStrictEqual(error?._tag === "InvalidInput" ? error.invalidParams : error, [
            { name: "choice", reason: "must be one of photos, handOver-1" }
          ])
        }
        // The hand-over needs no photo: the eID alone runs, and the end-user goes to the provider first.
        const submitted = yield* captures.submit(token, returnUrl, { choice: "handOver-1" })
        const processes = (yield* dossiers.get(tenantA, dossier.dossierId)).processes
        assert.deepStrictEqual(
          processes.map((process) => process.processType),
          ["eid"]
        )
        const process = submitted.processes[0]
        assert.strictEqual(submitted.redirectTo, process?.redirectUrl)
        assert.match(submitted.redirectTo, /^https:\/\/assure\.example\/callbacks\/sandbox\?state=sbx_/)
        // A desktop following the session goes to the client's site, where the end-user will land.
        assert.strictEqual(
          (yield* captures.status(token)).redirectTo,
          `https://client.example/done?dossierId=${dossier.dossierId}&processId=${process?.processId}&status=pending`
        )
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("auto shows the flow of the provider routing chooses, and is refused without a policy", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* dossiers.create(tenantA, {})
        const started = yield* captures.start(tenantA, dossier.dossierId, {
          providers: [{ provider: "auto", processType: "eid" }],
          redirectUrl: "https://client.example/done"
        })
        const token = Redacted.value(started.token)
        assert.deepStrictEqual((yield* captures.open(token)).choices, [
          { _tag: "HandOver", id: "handOver-0", entries: [0], provider: "sandbox" }
        ])
        const submitted = yield* captures.submit(token, returnUrl)
        assert.strictEqual(submitted.processes[0]?.provider, "sandbox")
        assert.strictEqual(submitted.processes[0]?.routing?.decision.considered[0]?.outcome, "chosen")
      }).pipe(Effect.provide(capturesLayer(database())))
    )

    it.live("auto without a routing policy is refused before anything is stored", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossier = yield* (yield* Dossiers.Dossiers).create(tenantA, {})
        const error = failureOf(
          yield* Effect.exit(
            captures.start(tenantA, dossier.dossierId, {
              providers: [{ provider: "auto", processType: "document" }],
              redirectUrl: "https://client.example/done"
            })
          )
        )
        assert.deepStrictEqual(
          error?._tag === "InvalidInput" ? error.invalidParams[0]?.name : error,
          "providers.0.provider"
        )
        assert.strictEqual((yield* storedCaptures).length, 0)
      }).pipe(Effect.provide(capturesLayer(database(), "30 minutes", "unrouted")))
    )

    it.live("an unknown, expired or deleted dossier's token is unavailable", () =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* dossiers.create(tenantA, {})
        const input = {
          providers: [{ provider: "sandbox", processType: "document" }],
          redirectUrl: "https://client.example/done"
        }
        const expired = yield* captures.start(tenantA, dossier.dossierId, input)
        const unavailable = (token: string) => Effect.map(Effect.exit(captures.open(token)), failureOf)
        assert.deepStrictEqual(
          yield* unavailable(Redacted.value(expired.token)),
          new Captures.CaptureUnavailable({ reason: "expired" })
        )
        yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
        assert.deepStrictEqual(
          failureOf(yield* Effect.exit(captures.submit(Redacted.value(expired.token), returnUrl))),
          new Captures.CaptureUnavailable({ reason: "expired" })
        )
        assert.deepStrictEqual(
          yield* unavailable("A".repeat(43)),
          new Captures.CaptureUnavailable({ reason: "unknown" })
        )
        assert.deepStrictEqual(yield* unavailable("../../etc"), new Captures.CaptureUnavailable({ reason: "unknown" }))
        // The session goes with its dossier.
        yield* dossiers.delete(tenantA, dossier.dossierId)
        assert.strictEqual((yield* storedCaptures).length, 0)
        assert.deepStrictEqual(
          yield* unavailable(Redacted.value(expired.token)),
          new Captures.CaptureUnavailable({ reason: "unknown" })
        )
      }).pipe(Effect.provide(capturesLayer(database(), "0 seconds")))
    )
  })
}
