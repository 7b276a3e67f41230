/**
 * The conformance suite: one call registers, in the calling vitest file, every check an identity-provider adapter
 * must pass. Each check builds the layer afresh, so checks are independent and can run in any order; checks that
 * need a capability the provider lacks, or a harness hook the author did not implement, are reported as skipped.
 *
 * @example
 * ```ts
 * // test/conformance.test.ts in an adapter package
 * import { Conformance } from "@assure/testkit"
 *
 * Conformance.suite({ harness, layer: TestLayer }) // TestLayer provides ProviderRegistry (and what the harness uses)
 * ```
 *
 * @since 0.1.0
 */
import { Country, IdentityData, ProcessStatus, Timestamp } from "@assure/core"
import { type IdentityProvider, type ProviderError, ProviderRegistry } from "@assure/provider"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, type Layer, Logger, Redacted, References, Schedule, Schema } from "effect"
import { type Harness, type Outcome, type VendorFailure, vendorFailures } from "./ConformanceHarness.js"

/** Options of {@link suite}. @since 0.1.0 */
export interface Options<E, R> {
  /** Provides the `ProviderRegistry` with the provider registered, and the services the harness uses. */
  readonly layer: Layer.Layer<ProviderRegistry.ProviderRegistry | R, E>
  /** Drives the provider; which hooks it has decides which checks apply. */
  readonly harness: Harness<R>
  /** How long a polling check waits for a final status (default 10 seconds). */
  readonly pollTimeout?: number
}

/** The reason each vendor failure must be classified as. @since 0.1.0 */
export const expectedReason: Record<VendorFailure, ProviderError.ReasonTag> = {
  unauthorized: "Unauthorized",
  rateLimited: "RateLimited",
  unavailable: "Unavailable",
  timeout: "Unavailable",
  malformedJson: "InvalidResponse",
  schemaInvalid: "InvalidResponse"
}

const encodeIdentity = Schema.encodeUnknownSync(IdentityData.IdentityData)

/** Checks what the Assure API promises about a result. */
const assertNormalised = (outcome: IdentityProvider.Outcome, expected: ProcessStatus.ProcessStatus) => {
  assert.strictEqual(outcome.status, expected, `the outcome should be ${expected}`)
  if (outcome.status !== "accepted") {
    assert.isUndefined(outcome.finalResult, "finalResult is present only when accepted")
  } else {
    assert.isDefined(outcome.finalResult, "an accepted outcome has a finalResult")
    const encoded = encodeIdentity(outcome.finalResult) as Record<string, string>
    for (const field of ["dateOfBirth", "dateOfExpiry", "dateOfIssue"]) {
      if (encoded[field] !== undefined) assert.match(encoded[field], /^\d{4}-\d{2}-\d{2}$/, field)
    }
    for (const field of ["nationality", "issuingCountry", "personalNumberIssuingCountry"]) {
      const value = encoded[field]
      if (value !== undefined) assert.isTrue(Country.isCountry(value), `${field} ${value} is ISO 3166 alpha-3`)
    }
  }
  assert.deepStrictEqual(
    JSON.parse(JSON.stringify(outcome.providerSpecific)),
    outcome.providerSpecific,
    "providerSpecific is plain JSON"
  )
  for (const file of outcome.files) {
    assert.include(["front", "back", "selfie", "portrait", "video"], file.kind)
    assert.match(file.mediaType, /^[a-z]+\/[a-z0-9.+-]+$/)
    assert.isAbove(file.bytes.length, 0)
  }
}

const assertSession = (session: IdentityProvider.Session) => {
  assert.isString(session.reference)
  assert.isAbove(session.reference.length, 0)
  assert.include(["pending", "processing"], session.status)
  if (session.expiresAt !== undefined)
    assert.isTrue(Schema.is(Timestamp.Timestamp)(session.expiresAt), "expiresAt is normalised")
}

/**
 * Registers the conformance checks for one provider in the current vitest file.
 *
 * @since 0.1.0
 */
export const suite = <E, R = never>(options: Options<E, R>): void => {
  const { harness: declared } = options
  const capabilities = declared.capabilities
  const pollTimeout = options.pollTimeout ?? 10_000
  const checkTimeout = pollTimeout + 20_000

  /** Runs a check against a freshly built layer, with the real clock (simulators are real servers). */
  const check = (
    name: string,
    condition: boolean,
    body: (provider: IdentityProvider.IdentityProvider, harness: Harness<R>) => Effect.Effect<void, unknown, R>
  ) =>
    it.live.skipIf(!condition)(
      name,
      () =>
        Effect.gen(function* () {
          const registry = yield* ProviderRegistry.ProviderRegistry
          const provider = yield* registry.get(declared.provider)
          yield* body(provider, declared)
          // The layer provides R; TypeScript cannot simplify Exclude<R, R | ProviderRegistry> for a generic R.
        }).pipe(Effect.provide(options.layer)) as Effect.Effect<void, unknown>,
      // A check may poll for up to pollTimeout, and builds a simulator and a provider first: vitest's 5 s default
      // would cut it short, on a loaded machine even when the provider is quick.
      checkTimeout
    )

  /** Drives a started session to its final outcome the way the provider supports best. */
  const finish = (
    provider: IdentityProvider.IdentityProvider,
    harness: Harness<R>,
    session: IdentityProvider.Session,
    outcome: Outcome
  ) =>
    Effect.gen(function* () {
      if (session.redirectUrl !== undefined && harness.callback !== undefined) {
        return yield* provider.complete(yield* harness.callback(session, outcome))
      }
      if (capabilities.polling) {
        return yield* provider.fetchResult({ reference: session.reference, state: session.state }).pipe(
          Effect.repeat({
            until: (result) => ProcessStatus.isFinal(result.status),
            schedule: Schedule.spaced("50 millis")
          }),
          Effect.timeout(pollTimeout)
        )
      }
      if (capabilities.webhooks && harness.webhook !== undefined) {
        const event = yield* provider.verifyWebhook(yield* harness.webhook(session, outcome))
        return event.outcome ?? (yield* provider.fetchResult({ reference: session.reference, state: session.state }))
      }
      return yield* Effect.die(new Error("the provider supports neither redirect, polling nor webhooks"))
    })

  describe(`conformance: ${declared.provider}`, () => {
    check("implements this specification version and declares its capabilities", true, (provider) =>
      Effect.sync(() => {
        assert.strictEqual(provider.name, declared.provider)
        assert.deepStrictEqual(provider.capabilities, capabilities)
        assert.isAbove(provider.processTypes.length, 0, "at least one process type")
        if (capabilities.redirect) assert.isFunction(provider.complete)
        if (capabilities.endUserCancel) {
          assert.isTrue(
            capabilities.redirect || capabilities.hostedFlow,
            "an end-user can cancel at the vendor only in a redirect or hosted flow"
          )
        }
      })
    )

    check("says how the end-user takes part in each process type it runs, and only in those", true, (provider) =>
      Effect.sync(() => {
        for (const processType of provider.processTypes) {
          const flow = provider.endUserFlow(processType)
          if (flow === undefined) continue
          if (flow.flow === "images") {
            assert.isTrue(capabilities.documentImages, `${processType}: photos need documentImages`)
            assert.isAbove(flow.kinds.length, 0, `${processType}: photos of at least one kind`)
            assert.strictEqual(new Set(flow.kinds).size, flow.kinds.length, `${processType}: each kind once`)
            for (const kind of flow.kinds) {
              assert.include(["front", "back", "selfie", "video"], kind, `${processType}: an uploadable kind`)
            }
            if (flow.kinds.includes("selfie")) {
              assert.isTrue(capabilities.selfie, `${processType}: a selfie needs the selfie capability`)
            }
          } else {
            assert.strictEqual(flow.flow, "handOver", `${processType}: images or handOver`)
            assert.isTrue(
              capabilities.redirect || capabilities.hostedFlow,
              `${processType}: a hand-over needs redirect or hostedFlow`
            )
          }
        }
        // A page must not offer a process type the provider would refuse to start.
        for (const stray of ["assure-conformance-not-a-process-type", "toString", "constructor"]) {
          if (!provider.processTypes.some((runs) => runs === stray)) {
            assert.isUndefined(provider.endUserFlow(stray), `no flow for ${stray}, which it does not run`)
          }
        }
      })
    )

    check("lists the documents it accepts", true, (provider) =>
      Effect.gen(function* () {
        const documents = yield* provider.documentTypes
        assert.isAbove(documents.length, 0)
        for (const document of documents) {
          assert.include(
            ["passport", "idCard", "driverLicense", "residencePermit", "visa", "other"],
            document.documentType
          )
          for (const country of document.countries ?? []) assert.isTrue(Country.isCountry(country), country)
        }
      })
    )

    for (const outcome of ["accepted", "rejected", "inconclusive"] as const) {
      check(`reaches ${outcome} with a normalised result`, true, (provider, harness) =>
        Effect.gen(function* () {
          const session = yield* provider.start(yield* harness.startRequest(outcome))
          assertSession(session)
          assertNormalised(yield* finish(provider, harness, session, outcome), outcome)
        })
      )
    }

    const redirectRequest = (harness: Harness<R>, outcome: Outcome | "canceled") =>
      harness.redirectRequest?.(outcome) ?? harness.startRequest(outcome === "canceled" ? "pending" : outcome)

    for (const outcome of ["accepted", "rejected", "inconclusive"] as const) {
      check(
        `reaches ${outcome} when the end-user comes back from the redirect`,
        capabilities.redirect && declared.callback !== undefined,
        (provider, harness) =>
          Effect.gen(function* () {
            const session = yield* provider.start(yield* redirectRequest(harness, outcome))
            assertSession(session)
            assert.isString(session.redirectUrl, "a redirect flow returns the URL to send the end-user to")
            const callback = yield* (harness.callback as NonNullable<Harness<R>["callback"]>)(session, outcome)
            assertNormalised(yield* provider.complete(callback), outcome)
          })
      )
    }

    check(
      "a pending verification becomes final through a signed webhook",
      capabilities.webhooks && declared.webhook !== undefined,
      (provider, harness) =>
        Effect.gen(function* () {
          const session = yield* provider.start(yield* harness.startRequest("pending"))
          if (capabilities.polling) {
            const early = yield* provider.fetchResult({ reference: session.reference, state: session.state })
            assert.isFalse(ProcessStatus.isFinal(early.status), "not final before the webhook")
          }
          const webhook = yield* (harness.webhook as NonNullable<Harness<R>["webhook"]>)(session, "accepted")
          const event = yield* provider.verifyWebhook(webhook)
          assert.strictEqual(event.reference, session.reference)
          assert.isAbove(event.id.length, 0, "events have an id for deduplication")
          const outcome =
            event.outcome ?? (yield* provider.fetchResult({ reference: session.reference, state: session.state }))
          assertNormalised(outcome, "accepted")
        })
    )

    check(
      "refuses webhooks whose body was altered or whose signature is missing",
      capabilities.webhooks && declared.webhook !== undefined,
      (provider, harness) =>
        Effect.gen(function* () {
          const session = yield* provider.start(yield* harness.startRequest("pending"))
          const webhook = yield* (harness.webhook as NonNullable<Harness<R>["webhook"]>)(session, "accepted")
          const tampered = new Uint8Array(webhook.rawBody)
          tampered[tampered.length - 2] = (tampered[tampered.length - 2] ?? 0) ^ 1
          const altered = yield* Effect.flip(provider.verifyWebhook({ ...webhook, rawBody: tampered }))
          assert.strictEqual(altered.reason._tag, "WebhookSignatureInvalid")
          const unsigned = yield* Effect.flip(provider.verifyWebhook({ headers: {}, rawBody: webhook.rawBody }))
          assert.strictEqual(unsigned.reason._tag, "WebhookSignatureInvalid")
        })
    )

    check(
      "refuses stale (replayed) webhooks",
      capabilities.webhooks && declared.staleWebhook !== undefined,
      (provider, harness) =>
        Effect.gen(function* () {
          const session = yield* provider.start(yield* harness.startRequest("pending"))
          const stale = yield* (harness.staleWebhook as NonNullable<Harness<R>["staleWebhook"]>)(session, "accepted")
          const error = yield* Effect.flip(provider.verifyWebhook(stale))
          assert.strictEqual(error.reason._tag, "WebhookSignatureInvalid")
        })
    )

    const rotation = declared.webhookRotation
    /** A secret the adapter is not configured with, different in every check. */
    const unknownSecret = () => Redacted.make(`whsec_unknown_${globalThis.crypto.randomUUID().replaceAll("-", "")}`)

    check(
      "accepts a webhook signed with the old and the new secret in one header (secret rotation)",
      capabilities.webhooks && rotation !== undefined,
      (provider, harness) =>
        Effect.gen(function* () {
          const { secret, webhook } = harness.webhookRotation as NonNullable<Harness<R>["webhookRotation"]>
          const configured = Redacted.make(secret)
          for (const secrets of [
            [configured, unknownSecret()],
            [unknownSecret(), configured]
          ]) {
            const session = yield* provider.start(yield* harness.startRequest("pending"))
            const event = yield* provider.verifyWebhook(yield* webhook(session, "accepted", secrets))
            assert.strictEqual(event.reference, session.reference)
          }
        })
    )

    check(
      "refuses a webhook whose signatures are all made with unknown secrets",
      capabilities.webhooks && rotation !== undefined,
      (provider, harness) =>
        Effect.gen(function* () {
          const { webhook } = harness.webhookRotation as NonNullable<Harness<R>["webhookRotation"]>
          const session = yield* provider.start(yield* harness.startRequest("pending"))
          for (const secrets of [[unknownSecret()], [unknownSecret(), unknownSecret()]]) {
            const error = yield* Effect.flip(provider.verifyWebhook(yield* webhook(session, "accepted", secrets)))
            assert.strictEqual(error.reason._tag, "WebhookSignatureInvalid")
          }
        })
    )

    const hostedRequest = (harness: Harness<R>, outcome: Outcome | "pending") =>
      harness.hostedRequest?.(outcome) ?? harness.startRequest(outcome)

    check(
      "a hosted flow gives the end-user the vendor's page or an SDK token",
      capabilities.hostedFlow,
      (provider, harness) =>
        Effect.gen(function* () {
          const session = yield* provider.start(yield* hostedRequest(harness, "pending"))
          assertSession(session)
          assert.isTrue(
            session.redirectUrl !== undefined || session.clientToken !== undefined,
            "a hosted session has a redirectUrl or a clientToken"
          )
          if (session.redirectUrl !== undefined) assert.match(new URL(session.redirectUrl).protocol, /^https?:$/)
          if (capabilities.polling) {
            const early = yield* provider.fetchResult({ reference: session.reference, state: session.state })
            assert.isFalse(ProcessStatus.isFinal(early.status), "not final before the end-user has been there")
          }
        })
    )

    check(
      "an end-user who cancels at the provider ends the process as canceled",
      capabilities.endUserCancel &&
        ((capabilities.redirect && declared.callback !== undefined) || declared.abandon !== undefined),
      (provider, harness) =>
        Effect.gen(function* () {
          if (capabilities.redirect && harness.callback !== undefined) {
            const session = yield* provider.start(yield* redirectRequest(harness, "canceled"))
            const outcome = yield* provider.complete(yield* harness.callback(session, "canceled"))
            return assertNormalised(outcome, "canceled")
          }
          const session = yield* provider.start(yield* hostedRequest(harness, "pending"))
          const webhook = yield* (harness.abandon as NonNullable<Harness<R>["abandon"]>)(session)
          const reported = webhook === undefined ? undefined : (yield* provider.verifyWebhook(webhook)).outcome
          const outcome =
            reported ?? (yield* provider.fetchResult({ reference: session.reference, state: session.state }))
          assertNormalised(outcome, "canceled")
        })
    )

    check("cancelling a started verification ends it as canceled", capabilities.cancel, (provider, harness) =>
      Effect.gen(function* () {
        const session = yield* provider.start(yield* harness.startRequest("pending"))
        yield* provider.cancel({ reference: session.reference, state: session.state })
        if (capabilities.polling) {
          const outcome = yield* provider.fetchResult({ reference: session.reference, state: session.state })
          assert.strictEqual(outcome.status, "canceled")
        }
      })
    )

    check("refuses provider parameters it does not know, before calling the vendor", true, (provider, harness) =>
      Effect.gen(function* () {
        const request = yield* harness.startRequest("accepted")
        const error = yield* Effect.flip(
          provider.start({ ...request, parameters: { ...(request.parameters as object), notAnOption: true } })
        )
        assert.strictEqual(error.reason._tag, "InvalidRequest")
      })
    )

    for (const failure of vendorFailures) {
      check(
        `classifies a vendor failure (${failure}) as ${expectedReason[failure]}`,
        declared.vendorFailure?.[failure] !== undefined,
        (provider, harness) =>
          Effect.gen(function* () {
            const request = yield* harness.vendorFailure?.[failure] as Effect.Effect<
              IdentityProvider.StartRequest<unknown>
            >
            const error = yield* Effect.flip(provider.start(request))
            assert.strictEqual(error._tag, "ProviderError")
            assert.strictEqual(error.provider, declared.provider)
            assert.strictEqual(error.reason._tag, expectedReason[failure])
            assert.strictEqual(
              error.isRetryable,
              failure === "rateLimited" || failure === "unavailable" || failure === "timeout"
            )
            if (failure === "rateLimited" && error.reason._tag === "RateLimited") {
              assert.isDefined(error.reason.retryAfter, "the vendor's Retry-After is kept")
            }
          })
      )
    }

    check("never puts a secret in an error or a log line", true, (provider, harness) =>
      Effect.gen(function* () {
        const lines: Array<string> = []
        const capture = Logger.make(({ message, cause }) => {
          lines.push(`${JSON.stringify(message)} ${Cause.pretty(cause)}`)
        })
        const seen: Array<string> = []
        const record = <A, E2, R2>(effect: Effect.Effect<A, E2, R2>) =>
          Effect.exit(effect).pipe(
            Effect.tap((exit) =>
              Effect.sync(() => {
                if (Exit.isFailure(exit)) seen.push(Cause.pretty(exit.cause), JSON.stringify(Cause.squash(exit.cause)))
              })
            )
          )
        const run = Effect.gen(function* () {
          const session = yield* provider.start(yield* harness.startRequest("accepted"))
          yield* record(provider.fetchResult({ reference: session.reference, state: session.state }))
          yield* record(provider.verifyWebhook({ headers: {}, rawBody: new TextEncoder().encode("{}") }))
          yield* record(
            provider.start({ ...(yield* harness.startRequest("accepted")), parameters: { notAnOption: 1 } })
          )
          for (const failure of vendorFailures) {
            const request = harness.vendorFailure?.[failure]
            if (request !== undefined) yield* record(Effect.flatMap(request, provider.start))
          }
        })
        yield* run.pipe(
          Effect.provide(Logger.layer([capture])),
          Effect.provideService(References.MinimumLogLevel, "All")
        )
        const text = [...seen, ...lines].join("\n")
        for (const secret of harness.secrets) assert.notInclude(text, secret, "a secret leaked into an error or a log")
      })
    )
  })
}
