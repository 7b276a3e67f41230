// The provider against a real OpenID Provider (oidc-provider, the test broker) on loopback, driven over HTTP by the
// broker's end-user helper: every journey of the status table, and every way a callback can be wrong.
import type { IdentityProvider } from "@assure/provider"
import { ProviderRegistry } from "@assure/provider"
import { LoopbackServer } from "@assure/provider/testing"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { OidcClient, OidcProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"
import {
  identity,
  iduraDk,
  iduraSe,
  impossibleBirthDate,
  returnUrl,
  signicatDk,
  signicatNo,
  users
} from "./fixtures.js"

const testLayer = (
  provider: Omit<OidcProvider.Options, "issuer" | "clientId" | "clientSecret">,
  broker: Partial<Testing.Options> = {}
) =>
  Testing.layerTest(
    { users, redirectUris: [returnUrl], ...broker },
    // No cooldown between JWKS fetches, so a rotation right after a login is picked up (default 30 seconds).
    { jwksCooldown: 0, ...provider }
  ).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))

const signicat = testLayer({ preset: "signicat" }, { claimsInIdToken: false })
const idura = testLayer({ preset: "idura" })

const services = Effect.gen(function* () {
  const provider = yield* (yield* ProviderRegistry.ProviderRegistry).get("oidc")
  const broker = yield* Testing.OidcBrokerSimulator
  return { provider, broker }
})

/** Starts a process with these parameters and plays the end-user's journey; returns the session and callback. */
const journey = (
  parameters: OidcProvider.Parameters,
  how: Testing.Journey,
  userData?: IdentityProvider.StartRequest["userData"]
) =>
  Effect.gen(function* () {
    const { provider, broker } = yield* services
    const session = yield* provider.start(Testing.startRequest(parameters, { returnUrl, userData }))
    const callbackUrl = yield* broker.login(session.redirectUrl ?? "", how)
    return { provider, broker, session, callback: Testing.callbackRequest(session, callbackUrl) }
  })

const providerSpecific = (outcome: IdentityProvider.Outcome) => outcome.providerSpecific.oidc as Record<string, unknown>

describe("start", () => {
  it.live("sends the end-user to the broker with PKCE, state, nonce, the eID's acr_values and scopes", () =>
    Effect.gen(function* () {
      const { provider, broker } = yield* services
      const session = yield* provider.start(
        Testing.startRequest({ eid: "noBankId", loginHint: "nin:30068512345", uiLocales: "nb en" }, { returnUrl })
      )
      const url = new URL(session.redirectUrl ?? "")
      assert.strictEqual(url.origin, broker.issuer)
      const query = url.searchParams
      assert.strictEqual(query.get("response_type"), "code")
      assert.strictEqual(query.get("client_id"), broker.clientId)
      assert.strictEqual(query.get("redirect_uri"), returnUrl)
      assert.strictEqual(query.get("acr_values"), "idp:nbid")
      assert.strictEqual(query.get("scope"), "openid profile nin nbid-extra idp-id")
      assert.strictEqual(query.get("code_challenge_method"), "S256")
      assert.strictEqual(query.get("login_hint"), "nin:30068512345")
      assert.strictEqual(query.get("ui_locales"), "nb en")
      // The engine finds the process by the OAuth state: it is the session's reference.
      assert.strictEqual(query.get("state"), session.reference)
      assert.strictEqual(session.status, "pending")
      const state = session.state as Record<string, unknown>
      assert.strictEqual(state.state, session.reference)
      assert.strictEqual(state.nonce, query.get("nonce"))
      assert.isString(state.codeVerifier)
      assert.notInclude(session.redirectUrl ?? "", String(state.codeVerifier), "the verifier never leaves the server")
    }).pipe(Effect.provide(signicat))
  )

  it.live("sends acrValues and extra scopes as given, for eIDs without a preset", () =>
    Effect.gen(function* () {
      const { provider } = yield* services
      const session = yield* provider.start(
        Testing.startRequest({ acrValues: "urn:grn:authn:fi:all", scopes: ["ssn"] }, { returnUrl })
      )
      const query = new URL(session.redirectUrl ?? "").searchParams
      assert.strictEqual(query.get("acr_values"), "urn:grn:authn:fi:all")
      assert.strictEqual(query.get("scope"), "openid ssn")
    }).pipe(Effect.provide(idura))
  )

  it.live("refuses parameters that do not fit: eid and acrValues together, eid without a preset", () =>
    Effect.gen(function* () {
      const { provider } = yield* services
      const both = yield* Effect.flip(
        provider.start(Testing.startRequest({ eid: "noBankId", acrValues: "idp:nbid" }, { returnUrl }))
      )
      assert.strictEqual(both.reason._tag, "InvalidRequest")
      const unknownKey = yield* Effect.flip(
        provider.start({ ...Testing.startRequest({}, { returnUrl }), parameters: { eid: "fiTupas" } })
      )
      assert.strictEqual(unknownKey.reason._tag, "InvalidRequest")
    }).pipe(Effect.provide(signicat))
  )

  it.live("refuses an eid when no preset is configured", () =>
    Effect.gen(function* () {
      const { provider } = yield* services
      const error = yield* Effect.flip(provider.start(Testing.startRequest({ eid: "seBankId" }, { returnUrl })))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
    }).pipe(Effect.provide(testLayer({})))
  )
})

describe("a full journey", () => {
  it.live("Signicat, Norwegian BankID: claims from userinfo normalised, raw claims kept", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual(
        outcome.finalResult,
        identity({
          firstName: "Ola",
          lastName: "Testmann",
          dateOfBirth: "1985-06-30",
          personalNumber: "30068512345",
          personalNumberType: "birth",
          personalNumberIssuingCountry: "NOR"
        })
      )
      const raw = providerSpecific(outcome)
      assert.strictEqual(raw.acrValues, "idp:nbid")
      // Signicat's default: the nin comes in userinfo, not in the ID token.
      assert.strictEqual((raw.userinfo as Record<string, unknown>).nin, "30068512345")
      assert.isUndefined((raw.idToken as Record<string, unknown>).nin)
      // Claims the mapping does not read stay in providerSpecific (nbid-extra was asked for).
      assert.strictEqual((raw.userinfo as Record<string, unknown>).nbid_idp, "BID")
      assert.deepStrictEqual(
        outcome.checks.map((check) => [check.name, check.outcome]),
        [
          ["id_token", "passed"],
          ["acr", "passed"]
        ]
      )
    }).pipe(Effect.provide(signicat))
  )

  it.live("Signicat, MitID: the CPR number with type and country", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "dkMitId" }, { user: signicatDk.sub })
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "accepted")
      assert.strictEqual(outcome.finalResult?.personalNumber, "1107741234")
      assert.strictEqual(outcome.finalResult?.personalNumberType, "person")
      assert.strictEqual(outcome.finalResult?.personalNumberIssuingCountry, "DNK")
    }).pipe(Effect.provide(signicat))
  )

  it.live("Idura, Swedish BankID: ssn and country from the ID token; no type, since Idura sends none", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "seBankId" }, { user: iduraSe.sub })
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual(
        outcome.finalResult,
        identity({
          firstName: "Sven",
          lastName: "Testsson",
          personalNumber: "198001011234",
          personalNumberIssuingCountry: "SWE"
        })
      )
      assert.strictEqual((providerSpecific(outcome).idToken as Record<string, unknown>).ssn, "198001011234")
    }).pipe(Effect.provide(idura))
  )

  it.live("Idura, MitID: only a full name is sent, so first and last names stay absent", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "dkMitId" }, { user: iduraDk.sub })
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual(
        outcome.finalResult,
        identity({
          dateOfBirth: "1927-01-21",
          personalNumber: "2101271234",
          personalNumberIssuingCountry: "DNK"
        })
      )
    }).pipe(Effect.provide(idura))
  )

  it.live("a claim mapping for an eID without a preset", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ acrValues: "urn:grn:authn:se:bankid" }, { user: iduraSe.sub })
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "accepted")
      assert.deepStrictEqual(
        outcome.finalResult,
        identity({
          firstName: "Sven",
          lastName: "Testsson",
          personalNumber: "198001011234",
          personalNumberIssuingCountry: "SWE"
        })
      )
    }).pipe(
      Effect.provide(
        testLayer({ claimMapping: { personalNumber: ["ssn"], personalNumberIssuingCountry: ["country"] } })
      )
    )
  )

  it.live("the client's personal number, written with a dash, matches the eID's", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey(
        { eid: "dkMitId" },
        { user: signicatDk.sub },
        identity({
          personalNumber: "110774-1234"
        })
      )
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "accepted")
      assert.deepInclude(outcome.checks, { name: "personal_number", outcome: "passed" })
    }).pipe(Effect.provide(signicat))
  )
})

describe("samePersonalNumber", () => {
  it("compares without separators, and reads a Swedish personnummer's 10-digit form", () => {
    const swedish = identity({ personalNumber: "198001011234", personalNumberIssuingCountry: "SWE" })
    assert.isTrue(OidcProvider.samePersonalNumber(swedish, "19800101-1234"))
    assert.isTrue(OidcProvider.samePersonalNumber(swedish, "800101-1234"))
    assert.isFalse(OidcProvider.samePersonalNumber(swedish, "800101-1235"))
    const danish = identity({ personalNumber: "1107741234", personalNumberIssuingCountry: "DNK" })
    assert.isTrue(OidcProvider.samePersonalNumber(danish, "110774-1234"))
    assert.isFalse(OidcProvider.samePersonalNumber(danish, "07741234"))
    // Without a number from the eID nothing matches.
    assert.isFalse(OidcProvider.samePersonalNumber(identity({}), "110774-1234"))
  })
})

describe("outcomes other than accepted", () => {
  it.live("another person than the client said: rejected, personal_number_mismatch", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey(
        { eid: "noBankId" },
        { user: signicatNo.sub },
        identity({
          personalNumber: "01017012345"
        })
      )
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "rejected")
      assert.strictEqual(outcome.reason, "personal_number_mismatch")
      assert.isUndefined(outcome.finalResult)
    }).pipe(Effect.provide(signicat))
  )

  it.live("another eID than asked for (acr): inconclusive, acr_mismatch", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub, acr: "idp:sbid" })
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "inconclusive")
      assert.strictEqual(outcome.reason, "acr_mismatch")
      assert.deepInclude(outcome.checks, { name: "acr", outcome: "failed", detail: "idp:sbid" })
    }).pipe(Effect.provide(signicat))
  )

  it.live("the acr check can be turned off", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub, acr: "idp:sbid" })
      assert.strictEqual((yield* provider.complete(callback)).status, "accepted")
    }).pipe(Effect.provide(testLayer({ preset: "signicat", checkAcr: false })))
  )

  it.live("the end-user cancels at the broker: canceled, access_denied", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "noBankId" }, { cancel: true })
      assert.strictEqual(callback.params.error, "access_denied")
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "canceled")
      assert.strictEqual(outcome.reason, "access_denied")
      assert.strictEqual(providerSpecific(outcome).errorDescription, "End-User aborted interaction")
    }).pipe(Effect.provide(signicat))
  )

  for (const error of ["login_required", "server_error", "temporarily_unavailable"]) {
    it.live(`the broker answers ${error}: failed, with the reason kept`, () =>
      Effect.gen(function* () {
        const { provider, callback } = yield* journey(
          { eid: "noBankId" },
          { cancel: true, error, errorDescription: `the eID said ${error}` }
        )
        const outcome = yield* provider.complete(callback)
        assert.strictEqual(outcome.status, "failed")
        assert.strictEqual(outcome.reason, error)
        assert.strictEqual(providerSpecific(outcome).error, error)
        assert.strictEqual(providerSpecific(outcome).errorDescription, `the eID said ${error}`)
      }).pipe(Effect.provide(signicat))
    )
  }

  it.live("claims in a format the codecs refuse (birthdate 1990-17-02): failed, claims_invalid", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "noBankId" }, { user: impossibleBirthDate.sub })
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "failed")
      assert.strictEqual(outcome.reason, "claims_invalid")
      assert.include(String(providerSpecific(outcome).issue), "dateOfBirth")
    }).pipe(Effect.provide(signicat))
  )
})

describe("callbacks that cannot be trusted", () => {
  it.live("a wrong state: failed, state_mismatch, and the code is never exchanged", () =>
    Effect.gen(function* () {
      const { provider, session, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      const forged = { ...callback, params: { ...callback.params, state: "forged-state" } }
      const outcome = yield* provider.complete(forged)
      assert.strictEqual(outcome.status, "failed")
      assert.strictEqual(outcome.reason, "state_mismatch")
      // The real callback still works afterwards: the forged one did not spend the code.
      assert.strictEqual((yield* provider.complete(callback)).status, "accepted")
      assert.strictEqual(callback.reference, session.reference)
    }).pipe(Effect.provide(signicat))
  )

  it.live("another session's callback: failed, state_mismatch", () =>
    Effect.gen(function* () {
      const first = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      const second = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      const outcome = yield* first.provider.complete({ ...first.callback, params: second.callback.params })
      assert.strictEqual(outcome.status, "failed")
      assert.strictEqual(outcome.reason, "state_mismatch")
    }).pipe(Effect.provide(signicat))
  )

  it.live("a replayed code: the second exchange fails with the broker's invalid_grant", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      assert.strictEqual((yield* provider.complete(callback)).status, "accepted")
      const replayed = yield* provider.complete(callback)
      assert.strictEqual(replayed.status, "failed")
      assert.strictEqual(replayed.reason, "invalid_grant")
    }).pipe(Effect.provide(signicat))
  )

  it.live("a callback with neither code nor error: failed, invalid_response", () =>
    Effect.gen(function* () {
      const { provider, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      const outcome = yield* provider.complete({ ...callback, params: { state: callback.reference } })
      assert.strictEqual(outcome.status, "failed")
      assert.strictEqual(outcome.reason, "invalid_response")
    }).pipe(Effect.provide(signicat))
  )

  it.live("an expired ID token (re-signed by the broker's own key, exp an hour ago): failed, id_token_expired", () =>
    Effect.gen(function* () {
      const { provider, broker, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      yield* broker.tamperNextIdToken("expired")
      const outcome = yield* provider.complete(callback)
      assert.strictEqual(outcome.status, "failed")
      assert.strictEqual(outcome.reason, "id_token_expired")
    }).pipe(Effect.provide(signicat))
  )

  for (const tampering of ["wrongNonce", "wrongAudience"] as const) {
    it.live(`an ID token validly signed but ${tampering}: failed, id_token_invalid`, () =>
      Effect.gen(function* () {
        const { provider, broker, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
        yield* broker.tamperNextIdToken(tampering)
        const outcome = yield* provider.complete(callback)
        assert.strictEqual(outcome.status, "failed")
        assert.strictEqual(outcome.reason, "id_token_invalid")
      }).pipe(Effect.provide(signicat))
    )
  }

  for (const tampering of ["foreignKey", "unpublishedKey"] as const) {
    it.live(
      `an ID token signed with a key the broker does not publish (${tampering}): failed, id_token_signature_invalid`,
      () =>
        Effect.gen(function* () {
          const { provider, broker, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
          yield* broker.tamperNextIdToken(tampering)
          const outcome = yield* provider.complete(callback)
          assert.strictEqual(outcome.status, "failed")
          assert.strictEqual(outcome.reason, "id_token_signature_invalid")
          assert.isUndefined(outcome.finalResult)
        }).pipe(Effect.provide(signicat))
    )
  }

  it.live("a signing key rotated between start and complete: the JWKS is fetched again and the login accepted", () =>
    Effect.gen(function* () {
      // A first login makes the provider fetch and keep the JWKS with the first key.
      const first = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      const before = yield* first.provider.complete(first.callback)
      assert.strictEqual(before.status, "accepted")
      const { provider, broker } = yield* services
      const session = yield* provider.start(Testing.startRequest({ eid: "noBankId" }, { returnUrl }))
      yield* broker.rotateKeys()
      const [newKey] = yield* broker.publishedKeyIds
      assert.notStrictEqual(newKey, providerSpecific(before).keyId, "the first key is withdrawn")
      const callbackUrl = yield* broker.login(session.redirectUrl ?? "", { user: signicatNo.sub })
      const after = yield* provider.complete(Testing.callbackRequest(session, callbackUrl))
      assert.strictEqual(after.status, "accepted")
      assert.strictEqual(providerSpecific(after).keyId, newKey)
    }).pipe(Effect.provide(signicat))
  )
})

describe("the test broker", () => {
  it.live("accepts a redirect URI registered after it started (a server whose port comes later)", () =>
    Effect.gen(function* () {
      const { provider, broker } = yield* services
      const later = "http://127.0.0.1:10/callbacks/oidc"
      const refused = yield* provider.start(Testing.startRequest({ eid: "noBankId" }, { returnUrl: later }))
      const error = yield* Effect.flip(broker.login(refused.redirectUrl ?? "", { user: signicatNo.sub }))
      assert.include(error.message, "400")
      yield* broker.allowRedirectUri(later)
      const session = yield* provider.start(Testing.startRequest({ eid: "noBankId" }, { returnUrl: later }))
      const callbackUrl = yield* broker.login(session.redirectUrl ?? "", { user: signicatNo.sub })
      assert.isTrue(callbackUrl.startsWith(`${later}?`))
      assert.strictEqual((yield* provider.complete(Testing.callbackRequest(session, callbackUrl))).status, "accepted")
    }).pipe(Effect.provide(testLayer({ preset: "signicat" }, { redirectUris: [] })))
  )

  it.live("releases the standard address claim under the address scope only", () =>
    Effect.gen(function* () {
      const claimsOf = (outcome: IdentityProvider.Outcome) =>
        providerSpecific(outcome).userinfo as Record<string, unknown>
      const asked = yield* journey({ eid: "noBankId", scopes: ["address"] }, { user: signicatNo.sub })
      const withAddress = claimsOf(yield* asked.provider.complete(asked.callback))
      assert.deepStrictEqual(withAddress.address, {
        formatted: "Storgata 1\n0155 Oslo\nNorway",
        street_address: "Storgata 1",
        locality: "Oslo",
        region: "Oslo",
        postal_code: "0155",
        country: "NO"
      })
      const plain = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      assert.isUndefined(claimsOf(yield* plain.provider.complete(plain.callback)).address)
    }).pipe(Effect.provide(signicat))
  )

  it.live("answers a stale interaction with 400 and a form's address fetched with GET with 405", () =>
    Effect.gen(function* () {
      const { broker } = yield* services
      const status = (path: string) =>
        Effect.promise(() => fetch(`${broker.issuer}${path}`).then((response) => response.status))
      assert.deepStrictEqual([yield* status("/interaction/gone"), yield* status("/interaction/gone/login")], [400, 405])
    }).pipe(Effect.provide(signicat))
  )

  it.live("records the protocol requests the adapter sent, not the end-user's pages", () =>
    Effect.gen(function* () {
      const { provider, broker, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      assert.strictEqual((yield* provider.complete(callback)).status, "accepted")
      const requests = yield* broker.requests
      const paths = requests.map((request) => `${request.method} ${request.url.split("?")[0]}`)
      assert.includeMembers(paths, ["GET /.well-known/openid-configuration", "GET /auth", "POST /token", "GET /me"])
      assert.isFalse(paths.some((path) => path.includes("/interaction/")))
      // The token request, read by the kit and still delivered whole to oidc-provider: PKCE and basic auth.
      const token = requests.find((request) => request.url === "/token")
      const form = new URLSearchParams(token?.body)
      assert.strictEqual(form.get("grant_type"), "authorization_code")
      assert.match(form.get("code_verifier") ?? "", /^[\w-]{43,128}$/)
      assert.match(token?.headers.authorization ?? "", /^Basic /)
    }).pipe(Effect.provide(signicat))
  )
})

describe("layerConfig", () => {
  it.live("reads the OIDC_* variables: issuer, client, preset, default eID, claim mapping", () =>
    Effect.gen(function* () {
      const broker = yield* Testing.make({ users, redirectUris: [returnUrl] })
      const env = {
        OIDC_ISSUER: broker.issuer,
        OIDC_CLIENT_ID: broker.clientId,
        OIDC_CLIENT_SECRET: Redacted.value(broker.clientSecret),
        OIDC_PRESET: "idura",
        OIDC_EID: "seBankId",
        OIDC_CLAIM_MAPPING: JSON.stringify({ firstName: ["name"] })
      }
      const outcome = yield* Effect.gen(function* () {
        const provider = yield* (yield* ProviderRegistry.ProviderRegistry).get("oidc")
        const session = yield* provider.start(Testing.startRequest({}, { returnUrl }))
        assert.strictEqual(new URL(session.redirectUrl ?? "").searchParams.get("acr_values"), "urn:grn:authn:se:bankid")
        const callbackUrl = yield* broker.login(session.redirectUrl ?? "", { user: iduraSe.sub })
        return yield* provider.complete(Testing.callbackRequest(session, callbackUrl))
      }).pipe(
        Effect.provide(
          OidcProvider.layerConfig.pipe(
            Layer.provideMerge(ProviderRegistry.layer),
            Layer.provide(FetchHttpClient.layer),
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
          )
        )
      )
      assert.strictEqual(outcome.status, "accepted")
      // The mapping goes over the preset's, field by field.
      assert.strictEqual(outcome.finalResult?.firstName, "Sven Testsson")
      assert.strictEqual(outcome.finalResult?.personalNumber, "198001011234")
    }).pipe(Effect.scoped)
  )

  it.live("refuses an unknown preset", () =>
    Effect.gen(function* () {
      const env = {
        OIDC_ISSUER: "https://broker.example",
        OIDC_CLIENT_ID: "c",
        OIDC_CLIENT_SECRET: "s",
        OIDC_PRESET: "acme"
      }
      const exit = yield* Effect.exit(
        Layer.build(
          OidcProvider.layerConfig.pipe(
            Layer.provideMerge(ProviderRegistry.layer),
            Layer.provide(FetchHttpClient.layer),
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
          )
        )
      )
      assert.isTrue(Exit.isFailure(exit))
    }).pipe(Effect.scoped)
  )
})

describe("OidcClient.layerConfig", () => {
  it.live(
    "reads the broker's issuer and client from the OIDC_* variables and authenticates an end-user with them",
    () =>
      Effect.gen(function* () {
        const broker = yield* Testing.make({ users, redirectUris: [returnUrl] })
        const env = {
          OIDC_ISSUER: broker.issuer,
          OIDC_CLIENT_ID: broker.clientId,
          OIDC_CLIENT_SECRET: Redacted.value(broker.clientSecret)
        }
        const authentication = yield* Effect.gen(function* () {
          const client = yield* OidcClient.OidcClient
          assert.strictEqual(client.issuer, broker.issuer)
          const authorization = yield* client.authorize({ returnUrl, scope: "openid" })
          assert.strictEqual(new URL(authorization.url).searchParams.get("client_id"), broker.clientId)
          const callbackUrl = yield* broker.login(authorization.url, { user: iduraSe.sub })
          const params = Object.fromEntries(new URL(callbackUrl).searchParams)
          return yield* client.authenticate({ ...authorization, returnUrl, params })
        }).pipe(
          Effect.provide(
            OidcClient.layerConfig.pipe(
              Layer.provide(FetchHttpClient.layer),
              Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
            )
          )
        )
        assert.strictEqual(authentication.idToken.sub, iduraSe.sub)
      }).pipe(Effect.scoped)
  )
})

describe("the broker unreachable", () => {
  for (const [failure, endpoint, reason] of [
    ["unavailable", "token", "Unavailable"],
    ["rateLimited", "token", "RateLimited"],
    ["unavailable", "userinfo", "Unavailable"],
    ["unavailable", "jwks", "Unavailable"]
  ] as const) {
    it.live(`${endpoint} ${failure} at complete is ${reason}: retryable, the process stays pending`, () =>
      Effect.gen(function* () {
        const { provider, broker, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
        yield* broker.failNext(failure, endpoint)
        const error = yield* Effect.flip(provider.complete(callback))
        assert.strictEqual(error.reason._tag, reason)
        assert.isTrue(error.isRetryable)
        if (error.reason._tag === "RateLimited") assert.isDefined(error.reason.retryAfter)
      }).pipe(Effect.provide(signicat))
    )
  }

  it.live("the end-user loading the callback again after the broker recovered gets through", () =>
    Effect.gen(function* () {
      const { provider, broker, callback } = yield* journey({ eid: "noBankId" }, { user: signicatNo.sub })
      yield* broker.failNext("unavailable", "userinfo")
      yield* Effect.flip(provider.complete(callback))
      // The code was spent on the first try, so a second exchange is refused: the broker's rules, not ours.
      const again = yield* provider.complete(callback)
      assert.strictEqual(again.status, "failed")
      assert.strictEqual(again.reason, "invalid_grant")
    }).pipe(Effect.provide(signicat))
  )

  it.live("a client secret the broker refuses is Unauthorized at complete, and the secret is in no error", () =>
    Effect.gen(function* () {
      const broker = yield* Testing.make({ users, redirectUris: [returnUrl] })
      const wrongSecret = "wrong-secret-5d0e7a1b"
      const error = yield* Effect.gen(function* () {
        const provider = yield* (yield* ProviderRegistry.ProviderRegistry).get("oidc")
        const session = yield* provider.start(Testing.startRequest({ eid: "noBankId" }, { returnUrl }))
        const callbackUrl = yield* broker.login(session.redirectUrl ?? "", { user: signicatNo.sub })
        return yield* Effect.flip(provider.complete(Testing.callbackRequest(session, callbackUrl)))
      }).pipe(
        Effect.provide(
          OidcProvider.layer({
            issuer: broker.issuer,
            clientId: broker.clientId,
            clientSecret: Redacted.make(wrongSecret),
            preset: "signicat"
          }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
        )
      )
      assert.strictEqual(error.reason._tag, "Unauthorized")
      assert.isFalse(error.isRetryable)
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, wrongSecret)
    }).pipe(Effect.scoped)
  )

  it.live("a 429 that says how long to wait in another header than Retry-After keeps the delay", () =>
    Effect.gen(function* () {
      // A broker (or the proxy in front of it) that spells the delay as X-RateLimit-Reset-After or RateLimit-Reset.
      for (const headers of [{ "x-ratelimit-reset-after": "7" }, { "ratelimit-reset": "7" }]) {
        const limited = yield* LoopbackServer.serve(() =>
          Effect.succeed({ status: 429, body: { error: "slow_down" }, headers })
        )
        const error = yield* Effect.gen(function* () {
          const provider = yield* (yield* ProviderRegistry.ProviderRegistry).get("oidc")
          return yield* Effect.flip(provider.start(Testing.startRequest({ eid: "noBankId" }, { returnUrl })))
        }).pipe(
          Effect.provide(
            OidcProvider.layer({
              issuer: limited.baseUrl,
              clientId: "client",
              clientSecret: Redacted.make("secret"),
              preset: "signicat"
            }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
          )
        )
        assert.strictEqual(error.reason._tag, "RateLimited")
        if (error.reason._tag === "RateLimited") assert.deepStrictEqual(error.reason.retryAfter, Duration.seconds(7))
      }
    }).pipe(Effect.scoped)
  )

  it.live("discovery against a closed port is Unavailable, and retryable", () =>
    Effect.gen(function* () {
      const provider = yield* (yield* ProviderRegistry.ProviderRegistry).get("oidc")
      const error = yield* Effect.flip(provider.start(Testing.startRequest({ eid: "noBankId" }, { returnUrl })))
      assert.strictEqual(error.reason._tag, "Unavailable")
      assert.isTrue(error.isRetryable)
    }).pipe(
      Effect.provide(
        OidcProvider.layer({
          issuer: "http://127.0.0.1:9",
          clientId: "client",
          clientSecret: Redacted.make("secret"),
          preset: "signicat"
        }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
      )
    )
  )
})
