/**
 * The OpenID Connect eID provider: the provider specification implemented over an {@link OidcClient.OidcClient}
 * for any broker (Signicat, Idura, or another with a claim mapping).
 *
 * In the server's redirect flow, `start` receives the server's `/callbacks/oidc` as `returnUrl` and returns the
 * broker's authorization URL as `redirectUrl`, the OAuth `state` as the session's `reference` (the engine finds the
 * process by it when the end-user comes back) and, as the provider state the engine stores encrypted, the PKCE
 * verifier, the nonce and what was asked for. `complete` receives the callback's query (`code`, `state`, `iss`, or
 * `error` and `error_description`), exchanges the code, validates the ID token and reads userinfo, and returns the
 * outcome:
 *
 * | what came back | process status | `reason` |
 * |---|---|---|
 * | a valid ID token, the eID asked for, the expected person | `accepted`, with the identity data | — |
 * | a valid ID token whose personal number differs from the one the client supplied in `userData` | `rejected` | `personal_number_mismatch` |
 * | a valid ID token whose `acr` is not one of the `acr_values` asked for (another or a weaker eID) | `inconclusive` | `acr_mismatch` |
 * | `error=access_denied` (the end-user cancelled at the broker or the eID) | `canceled` | `access_denied` |
 * | any other `error` (`login_required`, `server_error`, `temporarily_unavailable`, …) | `failed` | the error code |
 * | a `state` that is not this session's | `failed` | `state_mismatch` |
 * | a callback with neither `code` nor `error`, or an answer that breaks the protocol | `failed` | `invalid_response` |
 * | the code refused at the token endpoint (replayed, expired, wrong PKCE verifier) | `failed` | `invalid_grant` (the broker's code) |
 * | an ID token signed with a key the broker does not publish, or not verifying | `failed` | `id_token_signature_invalid` |
 * | an expired ID token | `failed` | `id_token_expired` |
 * | an ID token with the wrong issuer, audience or nonce | `failed` | `id_token_invalid` |
 * | userinfo for another subject, or unreadable | `failed` | `userinfo_invalid` |
 * | claims in a format the mapping's codecs refuse (a `birthdate` of `1990-17-02`) | `failed` | `claims_invalid` |
 *
 * The broker being unreachable, timing out or answering 5xx or 429 (at discovery, the token, JWKS or userinfo
 * endpoint) is not the login's fault: those fail with `ProviderError` (`Unavailable`, `RateLimited`) and leave the
 * process pending; the end-user may load the callback again (which works if the broker had not spent the code
 * yet). The token endpoint refusing the client's own credentials (`invalid_client`) fails with `Unauthorized`, for
 * the operator.
 *
 * `providerSpecific.oidc` keeps what the broker said: the ID token's claims and userinfo's as they came, the
 * issuer, the `acr_values` asked for, and the error and its description when there was one. Identity data is the
 * claims normalised through the configured {@link OidcClaims.ClaimMapping}.
 *
 * @example
 * ```ts
 * import { OidcProvider } from "@assure/oidc"
 * import { ProviderRegistry } from "@assure/provider"
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 *
 * const Providers = OidcProvider.layer({
 *   issuer: "https://example.sandbox.signicat.com/auth/open",
 *   clientId: "sandbox-client",
 *   clientSecret: Redacted.make("…"),
 *   preset: "signicat",
 *   eid: "noBankId"
 * }).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { type IdentityData, ProcessType } from "@assure/core"
import {
  AdapterModule,
  Capabilities,
  type EndUserFlow,
  IdentityProvider,
  ProviderError,
  ProviderRegistry
} from "@assure/provider"
import { Config, Effect, Layer, Option, Schema } from "effect"
import type { HttpClient } from "effect/http"
import * as OidcClaims from "./OidcClaims.js"
import * as OidcClient from "./OidcClient.js"
import * as OidcPreset from "./OidcPreset.js"

/** The name the provider is registered under. @since 0.1.0 */
export const name = OidcClient.name

/** The process type it runs: `eid`, a login with a national eID at the broker. @since 0.1.0 */
export const processTypes = [ProcessType.ProcessType.make("eid")]

/** What it can do: a redirect flow, and nothing else (brokers have no result API and send no webhooks). @since 0.1.0 */
export const capabilities: Capabilities.Capabilities = {
  ...Capabilities.none,
  redirect: true,
  // The end-user who cancels at the broker or the eID comes back with `error=access_denied`.
  endUserCancel: true
}

/** How the end-user takes part in `eid`: a hand-over to the broker, to log in with the eID. @since 0.2.0 */
export const endUserFlows: EndUserFlow.Declarations = {
  eid: { flow: "handOver" }
}

const ScopeToken = Schema.String.check(Schema.isPattern(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { expected: "a scope token" }))

/** Its entry of `processParameters`, decoded strictly: unknown keys are refused before the broker is asked. @since 0.1.0 */
export const Parameters = Schema.Struct({
  /** The eID, from the configured preset: its `acr_values` and scopes. */
  eid: Schema.optionalKey(OidcPreset.EidName),
  /** The `acr_values` to send, for eIDs without a preset (space-separated); not together with `eid`. */
  acrValues: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1024))),
  /** Scopes to ask for besides the eID's (a profile scope of iDIN, say). */
  scopes: Schema.optionalKey(Schema.Array(ScopeToken).check(Schema.isMaxLength(32))),
  /** `login_hint`: prefills the eID's login (a phone number, a birth date, as the broker documents). */
  loginHint: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1024))),
  /** `ui_locales`: the languages of the broker's pages, BCP 47 tags separated by spaces (`nb en`). */
  uiLocales: Schema.optionalKey(
    Schema.String.check(
      Schema.isPattern(/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*(?: [A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)*$/, {
        expected: "BCP 47 language tags separated by spaces"
      })
    )
  )
})

/** Its entry of `processParameters`. @since 0.1.0 */
export type Parameters = typeof Parameters.Type

// Typed `processParameters.oidc` for every application that imports this adapter.
declare module "@assure/provider/ProcessParameters" {
  interface ByProvider {
    readonly oidc: Parameters
  }
}

/** How the provider is set up: the client's options, the broker's preset or claim mapping, and defaults. @since 0.1.0 */
export interface Options extends OidcClient.Options {
  /** The broker's preset: its claim names and its eIDs' `acr_values` and scopes. */
  readonly preset?: OidcPreset.PresetName | undefined
  /** Claim names by identity field; over the preset's, field by field (or {@link OidcClaims.standard} without one). */
  readonly claimMapping?: OidcClaims.ClaimMapping | undefined
  /** The eID of processes whose parameters name none (needs a preset). */
  readonly eid?: OidcPreset.EidName | undefined
  /** The `acr_values` of processes whose parameters name none, when there is no default `eid`. */
  readonly acrValues?: string | undefined
  /** The scopes without an eID (default `openid`). */
  readonly scope?: string | undefined
  /**
   * Compare the ID token's `acr`, when it has one, with the `acr_values` asked for; a mismatch ends the process as
   * `inconclusive` (default true).
   */
  readonly checkAcr?: boolean | undefined
}

/** What the engine keeps (encrypted) between `start` and `complete`. */
const SessionState = Schema.Struct({
  state: Schema.String,
  nonce: Schema.String,
  codeVerifier: Schema.String,
  returnUrl: Schema.String,
  issuer: Schema.String,
  scope: Schema.String,
  acrValues: Schema.optionalKey(Schema.String),
  /** The personal number the client supplied, to compare with the eID's. */
  expectedPersonalNumber: Schema.optionalKey(Schema.String)
})
type SessionState = typeof SessionState.Type
const decodeSessionState = Schema.decodeUnknownOption(SessionState)

/** A personal number as compared: without spaces, dashes, dots and plus signs, upper case (CPR `110774-4882`). */
const comparable = (personalNumber: string): string => personalNumber.replace(/[\s.+-]/g, "").toUpperCase()

/**
 * Whether the eID's personal number is the one the client supplied. Written forms are compared without separators;
 * a Swedish personnummer also matches its usual 10-digit form (`800101-1234` for `198001011234`): the eID sends the
 * 12 digits with the century, people and forms often write 10.
 *
 * @since 0.1.0
 */
export const samePersonalNumber = (found: IdentityData.IdentityData, expected: string): boolean => {
  if (found.personalNumber === undefined) return false
  const ours = comparable(found.personalNumber)
  const theirs = comparable(expected)
  if (ours === theirs) return true
  const swedish = found.personalNumberIssuingCountry === "SWE"
  return swedish && /^\d{12}$/.test(ours) && /^\d{10}$/.test(theirs) && ours.slice(2) === theirs
}

const invalidRequest = (field: string, reason: string) =>
  ProviderError.make(name, new ProviderError.InvalidRequest({ fields: [{ name: field, reason }] }), {
    description: "the parameters do not fit the provider's configuration"
  })

/** The claim mapping a configuration normalises with. @since 0.1.0 */
export const claimMappingOf = (options: Pick<Options, "preset" | "claimMapping">): OidcClaims.ClaimMapping => ({
  ...(options.preset === undefined ? OidcClaims.standard : OidcPreset.presets[options.preset].claims),
  ...options.claimMapping
})

/** The `acr_values` and scope a process asks for, from its parameters and the configuration. */
const requestFor = (
  options: Pick<Options, "preset" | "eid" | "acrValues" | "scope">,
  parameters: Parameters
): Effect.Effect<{ readonly acrValues?: string | undefined; readonly scope: string }, ProviderError.ProviderError> => {
  if (parameters.eid !== undefined && parameters.acrValues !== undefined) {
    return Effect.fail(invalidRequest("parameters.acrValues", "give either eid or acrValues, not both"))
  }
  const eidName = parameters.eid ?? (parameters.acrValues === undefined ? options.eid : undefined)
  let acrValues: string | undefined
  let scope: string
  if (eidName !== undefined) {
    if (options.preset === undefined) {
      return Effect.fail(invalidRequest("parameters.eid", "this provider has no broker preset; give acrValues instead"))
    }
    const eid = OidcPreset.presets[options.preset].eids[eidName]
    acrValues = eid.acrValues
    scope = eid.scope
  } else {
    acrValues = parameters.acrValues ?? options.acrValues
    scope = options.scope ?? "openid"
  }
  const scopes = [
    ...new Set(["openid", ...scope.split(" ").filter((token) => token.length > 0), ...(parameters.scopes ?? [])])
  ]
  return Effect.succeed({ acrValues, scope: scopes.join(" ") })
}

/** The outcome of a login that did not produce an identity. */
const ended = (
  status: "canceled" | "failed",
  reason: string,
  details: { readonly [key: string]: Schema.Json }
): IdentityProvider.Outcome => ({
  status,
  reason,
  providerSpecific: { [name]: { ...details, reason } },
  checks: [],
  files: []
})

/** A claim as a string, when it is one. */
const stringClaim = (claims: OidcClient.Claims, claim: string): string | undefined => {
  const value = claims[claim]
  return typeof value === "string" ? value : undefined
}

/**
 * The outcome of a validated login (the table in the module documentation): identity data normalised with the
 * mapping, then the `acr` and the personal number checked.
 *
 * @since 0.1.0
 */
export const outcomeOf = (
  authentication: OidcClient.Authentication,
  session: Pick<SessionState, "acrValues" | "expectedPersonalNumber" | "issuer">,
  mapping: OidcClaims.ClaimMapping,
  options: { readonly checkAcr?: boolean | undefined } = {}
): Effect.Effect<IdentityProvider.Outcome> =>
  Effect.gen(function* () {
    // What the ID token vouches for comes first; userinfo fills in what it does not carry (Signicat's default).
    const claims: OidcClaims.Claims = { ...authentication.userinfo, ...authentication.idToken }
    const acr = stringClaim(authentication.idToken, "acr")
    const providerSpecific = {
      [name]: {
        issuer: session.issuer,
        ...(session.acrValues === undefined ? {} : { acrValues: session.acrValues }),
        ...(authentication.keyId === undefined ? {} : { keyId: authentication.keyId }),
        idToken: authentication.idToken,
        ...(authentication.userinfo === undefined ? {} : { userinfo: authentication.userinfo })
      }
    }
    const identity = yield* Effect.result(OidcClaims.normalise(claims, mapping))
    if (identity._tag === "Failure") {
      return {
        status: "failed",
        reason: "claims_invalid",
        providerSpecific: {
          [name]: { ...providerSpecific[name], reason: "claims_invalid", issue: identity.failure.message }
        },
        checks: [{ name: "id_token", outcome: "passed" }],
        files: []
      } satisfies IdentityProvider.Outcome
    }
    const checks: Array<IdentityProvider.Check> = [{ name: "id_token", outcome: "passed" }]
    const requested = session.acrValues?.split(" ").filter((value) => value.length > 0) ?? []
    const acrMatches = acr === undefined || requested.length === 0 || requested.includes(acr)
    if (options.checkAcr !== false && acr !== undefined && requested.length > 0) {
      checks.push({ name: "acr", outcome: acrMatches ? "passed" : "failed", detail: acr })
    }
    const expected = session.expectedPersonalNumber
    const personMatches = expected === undefined || samePersonalNumber(identity.success, expected)
    if (expected !== undefined) {
      checks.push({ name: "personal_number", outcome: personMatches ? "passed" : "failed" })
    }
    if (!personMatches) {
      return { status: "rejected", reason: "personal_number_mismatch", providerSpecific, checks, files: [] }
    }
    if (options.checkAcr !== false && !acrMatches) {
      return { status: "inconclusive", reason: "acr_mismatch", providerSpecific, checks, files: [] }
    }
    return {
      status: "accepted",
      finalResult: identity.success,
      providerSpecific,
      checks,
      files: []
    } satisfies IdentityProvider.Outcome
  })

/**
 * Builds the provider over the client.
 *
 * @since 0.1.0
 */
export const make = (
  options: Omit<Options, keyof OidcClient.Options>
): Effect.Effect<IdentityProvider.IdentityProvider, never, OidcClient.OidcClient> =>
  Effect.gen(function* () {
    const client = yield* OidcClient.OidcClient
    const mapping = claimMappingOf(options)

    return IdentityProvider.make<Parameters>({
      name,
      capabilities,
      processTypes,
      endUserFlows,
      parameters: Parameters,
      // An eID is not a document: the end-user logs in, nothing is uploaded. `other` says so to clients.
      documentTypes: Effect.succeed([{ documentType: "other" }]),

      start: (request) =>
        Effect.gen(function* () {
          if (request.returnUrl === undefined) {
            return yield* Effect.fail(
              invalidRequest("returnUrl", "an eID login needs the URL the broker sends the end-user back to")
            )
          }
          const asked = yield* requestFor(options, request.parameters)
          const authorization = yield* client.authorize({
            returnUrl: request.returnUrl,
            scope: asked.scope,
            acrValues: asked.acrValues,
            loginHint: request.parameters.loginHint,
            uiLocales: request.parameters.uiLocales
          })
          const state: SessionState = {
            state: authorization.state,
            nonce: authorization.nonce,
            codeVerifier: authorization.codeVerifier,
            returnUrl: request.returnUrl,
            issuer: client.issuer,
            scope: asked.scope,
            ...(asked.acrValues === undefined ? {} : { acrValues: asked.acrValues }),
            ...(request.userData?.personalNumber === undefined
              ? {}
              : { expectedPersonalNumber: request.userData.personalNumber })
          }
          return {
            reference: authorization.state,
            status: "pending" as const,
            redirectUrl: authorization.url,
            state
          }
        }),

      complete: ({ reference, state, params }) =>
        Effect.gen(function* () {
          const decoded = decodeSessionState(state)
          if (Option.isNone(decoded)) {
            return yield* Effect.fail(
              ProviderError.make(
                name,
                new ProviderError.InvalidRequest({
                  fields: [{ name: "state", reason: "the session's provider state is missing" }]
                }),
                {
                  description: "the session cannot be completed without its provider state"
                }
              )
            )
          }
          const session = decoded.value
          const details = {
            issuer: session.issuer,
            ...(session.acrValues === undefined ? {} : { acrValues: session.acrValues })
          }
          if (params.state !== reference || params.state !== session.state) {
            return ended("failed", "state_mismatch", details)
          }
          if (params.error !== undefined) {
            const error = {
              ...details,
              error: params.error,
              ...(params.error_description === undefined ? {} : { errorDescription: params.error_description })
            }
            return params.error === "access_denied"
              ? ended("canceled", "access_denied", error)
              : ended("failed", params.error, error)
          }
          if (params.code === undefined) {
            return ended("failed", "invalid_response", { ...details, issue: "the callback has neither code nor error" })
          }
          const authentication = yield* client
            .authenticate({
              returnUrl: session.returnUrl,
              params,
              state: session.state,
              nonce: session.nonce,
              codeVerifier: session.codeVerifier
            })
            .pipe(Effect.result)
          if (authentication._tag === "Failure") {
            const failure = authentication.failure
            if (failure._tag === "ProviderError") return yield* Effect.fail(failure)
            return ended("failed", failure.code, { ...details, issue: failure.description })
          }
          return yield* outcomeOf(authentication.success, session, mapping, { checkAcr: options.checkAcr })
        }),

      // The broker has no API to ask about a login: the result arrives with the end-user, through `complete`.
      fetchResult: () =>
        Effect.succeed({
          status: "pending",
          providerSpecific: {},
          checks: [],
          files: []
        } satisfies IdentityProvider.Outcome),

      verifyWebhook: () =>
        Effect.fail(
          ProviderError.make(name, new ProviderError.Misconfigured(), {
            description: "OpenID Connect brokers send no webhooks; the result comes through the callback"
          })
        )
    })
  })

/**
 * Registers the provider in the `ProviderRegistry`, with its client; the application provides the registry and the
 * `HttpClient`.
 *
 * @since 0.1.0
 */
export const layer = (
  options: Options
): Layer.Layer<never, ProviderRegistry.RegistrationError, ProviderRegistry.ProviderRegistry | HttpClient.HttpClient> =>
  ProviderRegistry.register(make(options)).pipe(Layer.provide(OidcClient.layer(options)))

/**
 * The adapter module the assure server loads (`ASSURE_PROVIDERS=oidc`), configured under the prefix `OIDC`:
 * `OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET` and, optionally, `OIDC_PRESET`, `OIDC_EID`,
 * `OIDC_ACR_VALUES`, `OIDC_SCOPE`, `OIDC_CLAIM_MAPPING`, `OIDC_TOKEN_ENDPOINT_AUTH_METHOD`, `OIDC_USERINFO` and
 * `OIDC_CHECK_ACR` (see {@link layerConfig}).
 *
 * @since 0.1.0
 */
export const adapter = AdapterModule.make({
  name,
  specificationVersion: IdentityProvider.specificationVersion,
  capabilities,
  prefix: "OIDC",
  config: {
    issuer: Config.String("ISSUER"),
    clientId: Config.String("CLIENT_ID"),
    clientSecret: Config.Redacted("CLIENT_SECRET"),
    preset: Config.option(Config.schema(OidcPreset.PresetName, "PRESET")),
    eid: Config.option(Config.schema(OidcPreset.EidName, "EID")),
    acrValues: Config.option(Config.String("ACR_VALUES")),
    scope: Config.option(Config.String("SCOPE")),
    claimMapping: Config.option(Config.schema(Schema.fromJsonString(OidcClaims.ClaimMapping), "CLAIM_MAPPING")),
    tokenEndpointAuthMethod: Config.option(
      Config.schema(OidcClient.TokenEndpointAuthMethod, "TOKEN_ENDPOINT_AUTH_METHOD")
    ),
    userinfo: Config.Boolean("USERINFO").pipe(Config.withDefault(true)),
    checkAcr: Config.Boolean("CHECK_ACR").pipe(Config.withDefault(true))
  },
  layer: (config) =>
    layer({
      ...config,
      preset: Option.getOrUndefined(config.preset),
      eid: Option.getOrUndefined(config.eid),
      acrValues: Option.getOrUndefined(config.acrValues),
      scope: Option.getOrUndefined(config.scope),
      claimMapping: Option.getOrUndefined(config.claimMapping),
      tokenEndpointAuthMethod: Option.getOrUndefined(config.tokenEndpointAuthMethod)
    })
})

/**
 * {@link layer} configured from the environment: `OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET` and,
 * optionally, `OIDC_PRESET` (`signicat`, `idura`), `OIDC_EID` (`noBankId`, `seBankId`, `dkMitId`, `nlIdin`),
 * `OIDC_ACR_VALUES`, `OIDC_SCOPE`, `OIDC_CLAIM_MAPPING` (the claim mapping as JSON),
 * `OIDC_TOKEN_ENDPOINT_AUTH_METHOD` (`client_secret_basic`, `client_secret_post`), `OIDC_USERINFO` and
 * `OIDC_CHECK_ACR` (booleans, default true).
 *
 * @since 0.1.0
 */
export const layerConfig: Layer.Layer<
  never,
  ProviderRegistry.RegistrationError | Config.ConfigError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> = Layer.unwrap(Effect.map(AdapterModule.config(adapter), adapter.layer))
