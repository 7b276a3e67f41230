/**
 * Testing OpenID Connect eID integrations offline: a real OpenID Provider on loopback standing in for the broker,
 * and an end-user who logs in at it.
 *
 * The broker is `oidc-provider` 9 (panva's certified OpenID Provider; an optional peer dependency of this package,
 * needed only for this entry): discovery, JWKS, the authorization endpoint with PKCE, the token endpoint, userinfo —
 * the real protocol, not a stand-in for it. It runs on `127.0.0.1`, a free port, for as long as its scope is open,
 * with the test users and claim sets you give it (broker-style claims such as Signicat's `nin` or Idura's
 * `socialno`), one registered confidential client, and login, consent and cancel pages of its own:
 *
 * - `GET /interaction/{uid}` shows a login form (`id="login"`: a `login` field, the user's `sub`, and an optional
 *   `acr`, by default the first `acr_values` asked for), then a consent form (`id="consent"`); each page also has a
 *   cancel form (`id="abort"`, posting `error`, by default `access_denied`).
 * - Scopes grant claims as the brokers do: `openid` the ID-token claims of Idura (`socialno`, `ssn`,
 *   `cprNumberIdentifier`, `country`, names, `birthdate`, …), `profile` the names and `birthdate`, `nin` Signicat's
 *   `nin`, `nin_type` and `nin_issuing_country`, `idp-id` `idp_id`, `address` the standard `address` claim (an
 *   object: `formatted`, `street_address`, `locality`, `region`, `postal_code`, `country`). With
 *   `claimsInIdToken: false` the scoped claims go to userinfo only, as Signicat does by default.
 *
 * To test what can go wrong, the broker can `rotateKeys` (a new signing key; the old one is withdrawn from the JWKS)
 * and `tamperNextIdToken`: a hook on its own token endpoint rewrites the next ID token after `oidc-provider` issued
 * it — re-signed with the broker's real key but expired an hour ago (`expired`), with another nonce (`wrongNonce`)
 * or for another client (`wrongAudience`), or signed with a key the broker never published, under the published
 * key's `kid` (`foreignKey`) or its own (`unpublishedKey`). It stands behind `@assure/provider/testing`'s simulator
 * kit, like the other vendors' simulators: the kit serves it on loopback, records the protocol requests
 * (`requests`) and answers the failures armed with `failNext` before `oidc-provider` sees the request.
 *
 * The end-user is {@link TestBroker.login}: given the authorization URL, it follows the redirects with a cookie jar,
 * posts the login and consent forms (or the cancel form) and returns the URL the broker sends the browser back to —
 * the callback, not followed.
 *
 * @example
 * ```ts
 * import * as TestBroker from "@assure/oidc/testing"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const broker = yield* TestBroker.make({
 *     users: [{ sub: "kari", claims: { given_name: "Kari", family_name: "Nordmann", nin: "17029012345" } }],
 *     redirectUris: ["http://127.0.0.1:8080/callbacks/oidc"]
 *   })
 *   // configure the provider with broker.issuer, broker.clientId, broker.clientSecret; then, with its redirectUrl:
 *   const callbackUrl = yield* broker.login(redirectUrl, { user: "kari" })
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { IdentityData } from "@assure/core"
import type { IdentityProvider, ProviderRegistry } from "@assure/provider"
import { LoopbackServer, Simulator, SimulatorFault, SimulatorStore, TestRequest } from "@assure/provider/testing"
import { Context, Effect, Layer, Redacted, type Schema, type Scope } from "effect"
import type { HttpClient } from "effect/http"
import * as jose from "jose"
import Provider, { type Adapter, type AdapterPayload, type Configuration } from "oidc-provider"
import * as OidcPreset from "./OidcPreset.js"
import * as OidcProvider from "./OidcProvider.js"

/** A test user: the `sub` to log in as, and the claims the broker releases for them. @since 0.1.0 */
export interface User {
  readonly sub: string
  readonly claims: { readonly [claim: string]: Schema.Json }
}

/** How the broker is set up. @since 0.1.0 */
export interface Options {
  readonly users: ReadonlyArray<User>
  /** The client's redirect URIs (more can be allowed later with `allowRedirectUri`). */
  readonly redirectUris?: ReadonlyArray<string> | undefined
  /** Default `assure-test-client`. */
  readonly clientId?: string | undefined
  /** Default: a random secret. */
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  /** Default `client_secret_basic`. */
  readonly tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post" | undefined
  /** Put the scoped claims in the ID token too, as Idura does (default true); false: userinfo only, as Signicat. */
  readonly claimsInIdToken?: boolean | undefined
  /** Claims by scope, over the defaults (see the module documentation). */
  readonly scopes?: { readonly [scope: string]: ReadonlyArray<string> } | undefined
  /** The `acr` values the broker advertises (default: every preset's). */
  readonly acrValues?: ReadonlyArray<string> | undefined
}

/** How the end-user goes through the broker. @since 0.1.0 */
export type Journey =
  /** Logs in as `user` (with `acr`, by default the first asked for) and consents. */
  | { readonly user: string; readonly acr?: string | undefined }
  /** Cancels at the login page: the broker answers `error` (default `access_denied`). */
  | { readonly cancel: true; readonly error?: string | undefined; readonly errorDescription?: string | undefined }

/**
 * How the next ID token is spoiled: expired, with another nonce or for another audience (re-signed with the broker's
 * real key), or signed with a foreign key (under the published key's id, or its own).
 *
 * @since 0.1.0
 */
export type Tampering = "expired" | "foreignKey" | "unpublishedKey" | "wrongNonce" | "wrongAudience"

/** A way the broker can fail one request (the conformance suite's vendor failures). @since 0.1.0 */
export type Failure = "unavailable" | "rateLimited" | "timeout" | "malformedJson" | "schemaInvalid"

/** The broker's endpoints a failure can be armed on. @since 0.1.0 */
export type Endpoint = "discovery" | "token" | "userinfo" | "jwks"

const json = { "content-type": "application/json" }

/** The failures as a broker answers them: text for 503 and 429 (`Retry-After: 2`), 200s that are not the protocol. */
const failures: Readonly<Record<Failure, SimulatorFault.Fault>> = {
  unavailable: SimulatorFault.status(503, "Service Unavailable"),
  rateLimited: SimulatorFault.rateLimited({ body: "Too Many Requests" }),
  timeout: SimulatorFault.timeout,
  malformedJson: SimulatorFault.status(200, '{"issuer":', json),
  schemaInvalid: SimulatorFault.status(200, { issuer: 42, keys: "none", token_type: 7 }, json)
}

/** The end-user could not get through the broker's pages. @since 0.1.0 */
export class JourneyError extends Error {
  override readonly name = "JourneyError"
}

/** A running broker. @since 0.1.0 */
export interface TestBroker {
  /** The issuer URL (`http://127.0.0.1:<port>`), for the provider's `issuer`. */
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** Registers another redirect URI for the client (a server whose port was not known before). */
  readonly allowRedirectUri: (uri: string) => Effect.Effect<void>
  /** Plays the end-user from the authorization URL to the callback URL, which it returns without following it. */
  readonly login: (authorizationUrl: string, journey: Journey) => Effect.Effect<string, JourneyError>
  /** Signs with a new key from now on; the previous key leaves the JWKS unless `keepPrevious`. */
  readonly rotateKeys: (options?: { readonly keepPrevious?: boolean | undefined }) => Effect.Effect<void>
  /** Spoils the next ID token the token endpoint issues. */
  readonly tamperNextIdToken: (tampering: Tampering) => Effect.Effect<void>
  /**
   * Makes the next request to `endpoint` (default `discovery`) fail: `unavailable` (503), `rateLimited` (429 with
   * `Retry-After: 2`), `timeout` (no answer until the broker closes), `malformedJson` and `schemaInvalid` (200 with a
   * body that is not the protocol's).
   */
  readonly failNext: (failure: Failure, endpoint?: Endpoint | undefined) => Effect.Effect<void>
  /** The key ids the JWKS publishes now. */
  readonly publishedKeyIds: Effect.Effect<ReadonlyArray<string>>
  /** Every protocol request the broker received so far (not its login pages), oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<Simulator.RecordedRequest>>
}

/** The broker as a service, for tests and conformance harness hooks. @since 0.1.0 */
export class OidcBrokerSimulator extends Context.Service<OidcBrokerSimulator, TestBroker>()(
  "@assure/oidc/OidcBrokerSimulator"
) {}

/** Every `acr_values` of the presets. */
const presetAcrValues = [
  ...new Set(
    Object.values(OidcPreset.presets).flatMap((preset) => Object.values(preset.eids).map((eid) => eid.acrValues))
  )
]

const nameClaims = ["name", "given_name", "family_name", "birthdate"]

/** Claims by scope: Idura's in `openid`, Signicat's behind their own scopes. */
const defaultScopes: { readonly [scope: string]: ReadonlyArray<string> } = {
  openid: [
    "sub",
    ...nameClaims,
    "identityscheme",
    "country",
    "socialno",
    "ssn",
    "cprNumberIdentifier",
    "uniqueuserid",
    "uuid",
    "age",
    "certissuer",
    "certsubject",
    "ipaddress"
  ],
  profile: [...nameClaims, "gender"],
  // OpenID Connect Core 5.4: `address` is one JSON object (formatted, street_address, locality, region, postal_code,
  // country).
  address: ["address"],
  nin: ["nin", "nin_type", "nin_issuing_country"],
  "idp-id": ["idp_id"],
  "nbid-extra": [
    "nbid_sid",
    "nbid_acr",
    "nbid_amr",
    "nbid_auth_time",
    "nbid_originator",
    "nbid_subject_uuid",
    "nbid_idp"
  ],
  "mitid-extra": [
    "mitid_has_cpr",
    "mitid_transaction_id",
    "mitid_ial",
    "mitid_loa",
    "mitid_aal",
    "mitid_fal",
    "mitid_uuid"
  ]
}

interface SigningKey {
  readonly kid: string
  readonly privateJwk: jose.JWK
  readonly privateKey: CryptoKey
}

const newSigningKey = async (): Promise<SigningKey> => {
  const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true })
  const kid = `key-${randomBytes(6).toString("hex")}`
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: "RS256", use: "sig" }
  return { kid, privateJwk, privateKey }
}

/** A stored `oidc-provider` model instance, under `<model>:<id>`. */
interface Stored {
  readonly id: string
  readonly model: string
  readonly payload: AdapterPayload
  readonly expiresAt: number | undefined
}

/** An in-memory store shared by every `Provider` instance of one broker, so a key rotation keeps the sessions. */
const memoryAdapter = (store: SimulatorStore.Store<Stored>) =>
  class MemoryAdapter implements Adapter {
    constructor(readonly model: string) {}
    private live(entry: Stored | undefined) {
      if (entry === undefined) return undefined
      if (entry.expiresAt !== undefined && entry.expiresAt < Date.now()) {
        store.remove(entry.id)
        return undefined
      }
      return entry.payload
    }
    private findLive(predicate: (payload: AdapterPayload) => boolean) {
      for (const entry of store.filter((stored) => stored.model === this.model)) {
        const payload = this.live(entry)
        if (payload !== undefined && predicate(payload)) return payload
      }
      return undefined
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
      const expiresAt = expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000
      store.insert({ id: `${this.model}:${id}`, model: this.model, payload, expiresAt })
    }
    async find(id: string) {
      return this.live(store.get(`${this.model}:${id}`))
    }
    async findByUserCode(userCode: string) {
      return this.findLive((payload) => payload.userCode === userCode)
    }
    async findByUid(uid: string) {
      return this.findLive((payload) => payload.uid === uid)
    }
    async consume(id: string) {
      const payload = await this.find(id)
      if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000)
    }
    async destroy(id: string) {
      store.remove(`${this.model}:${id}`)
    }
    async revokeByGrantId(grantId: string) {
      for (const entry of store.filter((stored) => stored.payload.grantId === grantId)) store.remove(entry.id)
    }
  }

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

const page = (title: string, forms: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${forms}</body></html>`

const html = { "content-type": "text/html; charset=utf-8" }

const send = (res: ServerResponse, status: number, body: string) => res.writeHead(status, html).end(body)

/**
 * Starts a broker on `127.0.0.1` (a free port) for as long as the scope is open.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<TestBroker, never, Scope.Scope> =>
  Effect.gen(function* () {
    const clientId = options.clientId ?? "assure-test-client"
    const clientSecret = options.clientSecret ?? Redacted.make(`secret-${randomBytes(24).toString("base64url")}`)
    const users = new Map(options.users.map((user) => [user.sub, user]))
    const Adapter = memoryAdapter(SimulatorStore.make<Stored>())
    const cookieKeys = [randomBytes(32).toString("base64url")]
    const scopes = { ...defaultScopes, ...options.scopes }
    const redirectUris = new Set(options.redirectUris ?? [])
    let keys: Array<SigningKey> = [yield* Effect.promise(newSigningKey)]
    let tampering: Tampering | undefined

    const saveClient = () =>
      new Adapter("Client").upsert(clientId, {
        client_id: clientId,
        client_secret: Redacted.value(clientSecret),
        redirect_uris: [...redirectUris],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? "client_secret_basic"
      })
    yield* Effect.promise(saveClient)

    // Set by `start` below, before anyone knows the port; a new instance at each key rotation.
    let provider: Provider
    let callback: LoopbackServer.NodeHandler

    const interactions = async (
      req: IncomingMessage,
      res: ServerResponse,
      current: Provider,
      uid: string,
      action: string | undefined,
      form: FormData | undefined
    ) => {
      const field = (name: string) => {
        const value = form?.get(name)
        return typeof value === "string" ? value : undefined
      }
      const details = await current.interactionDetails(req, res)
      if (action === undefined) {
        const abort = `<form id="abort" method="post" action="/interaction/${escapeHtml(uid)}/abort"><input type="hidden" name="error" value="access_denied"><button>Cancel</button></form>`
        if (details.prompt.name === "login") {
          return send(
            res,
            200,
            page(
              "Log in with your eID",
              `<form id="login" method="post" action="/interaction/${escapeHtml(uid)}/login"><input name="login" autocomplete="username"><input name="acr"><button>Log in</button></form>${abort}`
            )
          )
        }
        return send(
          res,
          200,
          page(
            "Share your identity",
            `<form id="consent" method="post" action="/interaction/${escapeHtml(uid)}/confirm"><button>Continue</button></form>${abort}`
          )
        )
      }
      if (action === "login") {
        const sub = field("login") ?? ""
        if (!users.has(sub)) return send(res, 400, page("Unknown user", ""))
        const requested = String(details.params.acr_values ?? "")
          .split(" ")
          .filter((value) => value.length > 0)
        const acr = field("acr") || requested[0]
        return current.interactionFinished(
          req,
          res,
          { login: { accountId: sub, ...(acr === undefined ? {} : { acr }), amr: ["eid"] } },
          { mergeWithLastSubmission: false }
        )
      }
      if (action === "confirm") {
        const accountId = details.session?.accountId
        if (accountId === undefined) return send(res, 400, page("No login", ""))
        const grant = new current.Grant({ accountId, clientId: String(details.params.client_id) })
        const missing = details.prompt.details as {
          readonly missingOIDCScope?: ReadonlyArray<string>
          readonly missingOIDCClaims?: ReadonlyArray<string>
        }
        if (missing.missingOIDCScope !== undefined) grant.addOIDCScope([...missing.missingOIDCScope])
        if (missing.missingOIDCClaims !== undefined) grant.addOIDCClaims([...missing.missingOIDCClaims])
        const grantId = await grant.save()
        return current.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
      }
      if (action === "abort") {
        return current.interactionFinished(
          req,
          res,
          {
            error: field("error") || "access_denied",
            error_description: field("error_description") || "End-User aborted interaction"
          },
          { mergeWithLastSubmission: false }
        )
      }
      return send(res, 404, page("Not found", ""))
    }

    /** The broker's own pages, answered at the `Provider` of the moment with the form the kit read. */
    const interaction = (request: Simulator.Request, form?: FormData) =>
      LoopbackServer.handOver((req, res) => {
        const { uid = "", action } = request.params
        interactions(req, res, provider, uid, action, form).catch(() => {
          if (!res.headersSent) send(res, 400, page("The interaction cannot go on", ""))
          else res.end()
        })
      })

    // Everything else is oidc-provider's: recorded, past the armed failures, then handed to it.
    const toProvider = LoopbackServer.handOver((req, res) => callback(req, res))
    const forward = () => Effect.succeed(toProvider)
    // The endpoints a failure can be armed on, as the adapter calls them (openid-client asks userinfo with GET).
    const routes: Readonly<Record<Endpoint, Simulator.Route>> = {
      discovery: Simulator.get("/.well-known/openid-configuration", forward),
      token: Simulator.post("/token", forward),
      userinfo: Simulator.get("/me", forward),
      jwks: Simulator.get("/jwks", forward)
    }
    const simulator = yield* Simulator.make({
      routes: Object.values(routes),
      notFound: () => toProvider,
      contentType: "text/plain",
      pages: [
        Simulator.get("/interaction/:uid", (request) => Effect.succeed(interaction(request))),
        Simulator.post("/interaction/:uid/:action", (request) =>
          Effect.map(request.form(), (form) => interaction(request, form))
        ),
        Simulator.get("/interaction/:uid/:action", () =>
          Effect.succeed({ status: 405, body: page("Method not allowed", ""), headers: html })
        )
      ]
    })
    const issuer = simulator.origin

    /** Re-signs an ID token as `tampering` says. */
    const spoil = async (idToken: string, how: Tampering): Promise<string> => {
      const payload = jose.decodeJwt(idToken)
      const signing = keys[0] as SigningKey
      if (how === "expired" || how === "wrongNonce" || how === "wrongAudience") {
        const now = Math.floor(Date.now() / 1000)
        const changed =
          how === "expired"
            ? { iat: now - 7200, exp: now - 3600 }
            : how === "wrongNonce"
              ? { nonce: randomBytes(16).toString("base64url") }
              : { aud: "another-client" }
        return new jose.SignJWT({ ...payload, ...changed })
          .setProtectedHeader({ alg: "RS256", kid: signing.kid, typ: "JWT" })
          .sign(signing.privateKey)
      }
      const foreign = await newSigningKey()
      return new jose.SignJWT(payload)
        .setProtectedHeader({ alg: "RS256", kid: how === "foreignKey" ? signing.kid : foreign.kid, typ: "JWT" })
        .sign(foreign.privateKey)
    }

    const configuration = (): Configuration => ({
      adapter: Adapter,
      jwks: { keys: keys.map((key) => key.privateJwk) },
      cookies: { keys: cookieKeys },
      acrValues: options.acrValues ?? presetAcrValues,
      claims: Object.fromEntries(Object.entries(scopes).map(([scope, claims]) => [scope, [...claims]])),
      scopes: Object.keys(scopes),
      conformIdTokenClaims: options.claimsInIdToken === false,
      pkce: { required: () => true },
      ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
      features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, sub) => {
        const user = users.get(sub)
        return user === undefined ? undefined : { accountId: sub, claims: () => ({ ...user.claims, sub }) }
      },
      renderError: (ctx, out) => {
        ctx.type = "html"
        ctx.body = page("Error", `<p id="error">${escapeHtml(String(out.error))}</p>`)
      }
    })

    const start = () => {
      const next = new Provider(issuer, configuration())
      // The tampering hook: rewrites the token endpoint's answer after oidc-provider issued it.
      next.use(async (ctx, nextMiddleware) => {
        await nextMiddleware()
        const how = tampering
        const body = ctx.body as { id_token?: unknown } | undefined
        if (how !== undefined && ctx.path === "/token" && ctx.status === 200 && typeof body?.id_token === "string") {
          tampering = undefined
          ctx.body = { ...body, id_token: await spoil(body.id_token, how) }
        }
      })
      provider = next
      callback = next.callback()
    }
    start()

    const login = (authorizationUrl: string, journey: Journey) =>
      Effect.tryPromise({
        try: () => playEndUser(issuer, authorizationUrl, journey),
        catch: (error) => (error instanceof JourneyError ? error : new JourneyError(String(error)))
      })

    return {
      issuer,
      clientId,
      clientSecret,
      allowRedirectUri: (uri) =>
        Effect.promise(() => {
          redirectUris.add(uri)
          return saveClient()
        }),
      login,
      rotateKeys: (rotation) =>
        Effect.promise(async () => {
          const fresh = await newSigningKey()
          keys = rotation?.keepPrevious === true ? [fresh, ...keys] : [fresh]
          start()
        }),
      tamperNextIdToken: (how) =>
        Effect.sync(() => {
          tampering = how
        }),
      failNext: (failure, endpoint = "discovery") =>
        // One failure armed at a time, as before the kit: a new one replaces the last.
        Effect.andThen(
          simulator.disarm,
          simulator.arm(failures[failure], { route: Simulator.routeKey(routes[endpoint]) })
        ),
      publishedKeyIds: Effect.sync(() => keys.map((key) => key.kid)),
      requests: simulator.requests
    } satisfies TestBroker
  })

/** A cookie jar for one journey: loopback only, so names are enough (no domains, paths or expiry to honour). */
const cookieJar = () => {
  const cookies = new Map<string, string>()
  return {
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
    store: (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair = ""] = line.split(";")
        const index = pair.indexOf("=")
        if (index <= 0) continue
        const name = pair.slice(0, index).trim()
        const value = pair.slice(index + 1).trim()
        if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name)
        else cookies.set(name, value)
      }
    }
  }
}

const formsOf = (html: string): ReadonlyMap<string, string> => {
  const forms = new Map<string, string>()
  for (const match of html.matchAll(/<form\b[^>]*\bid="([^"]+)"[^>]*\baction="([^"]+)"/g)) {
    forms.set(match[1] as string, (match[2] as string).replaceAll("&#38;", "&"))
  }
  return forms
}

/** Follows the broker's pages as a browser would, posting the forms the journey calls for. */
const playEndUser = async (issuer: string, authorizationUrl: string, journey: Journey): Promise<string> => {
  const jar = cookieJar()
  const brokerOrigin = new URL(issuer).origin
  let url = authorizationUrl
  let method = "GET"
  let body: URLSearchParams | undefined
  for (let step = 0; step < 20; step++) {
    const response = await fetch(url, {
      method,
      redirect: "manual",
      headers: {
        cookie: jar.header(),
        ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" })
      },
      ...(body === undefined ? {} : { body: body.toString() })
    })
    jar.store(response)
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get("location") ?? "", url)
      await response.body?.cancel()
      // Leaving the broker: this is the callback, for the caller to deliver.
      if (location.origin !== brokerOrigin) return location.toString()
      url = location.toString()
      method = "GET"
      body = undefined
      continue
    }
    const html = await response.text()
    if (response.status !== 200)
      throw new JourneyError(`the broker answered ${response.status} at ${new URL(url).pathname}`)
    const forms = formsOf(html)
    const target = (id: string) => {
      const action = forms.get(id)
      if (action === undefined) throw new JourneyError(`the broker's page has no ${id} form`)
      return new URL(action, url).toString()
    }
    method = "POST"
    if ("cancel" in journey) {
      url = target("abort")
      body = new URLSearchParams({ error: journey.error ?? "access_denied" })
      if (journey.errorDescription !== undefined) body.set("error_description", journey.errorDescription)
    } else if (forms.has("login")) {
      url = target("login")
      body = new URLSearchParams({ login: journey.user, acr: journey.acr ?? "" })
    } else {
      url = target("consent")
      body = new URLSearchParams()
    }
  }
  throw new JourneyError("the broker kept the end-user going round in circles")
}

/**
 * The broker as a layer ({@link OidcBrokerSimulator}).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<OidcBrokerSimulator> =>
  Layer.effect(OidcBrokerSimulator, make(options))

/**
 * The provider registered against a fresh broker, which is provided too; the application provides the
 * `ProviderRegistry` and the `HttpClient`.
 *
 * @since 0.1.0
 */
export const layerTest = (
  broker: Options,
  provider: Omit<OidcProvider.Options, "issuer" | "clientId" | "clientSecret">
): Layer.Layer<
  OidcBrokerSimulator,
  ProviderRegistry.RegistrationError,
  ProviderRegistry.ProviderRegistry | HttpClient.HttpClient
> =>
  Simulator.withProvider(layer(broker), OidcBrokerSimulator, (running) =>
    OidcProvider.layer({
      ...provider,
      issuer: running.issuer,
      clientId: running.clientId,
      clientSecret: running.clientSecret
    })
  )

/**
 * A start request for an `eid` process with these provider parameters, as the engine would make it: `returnUrl` is
 * the callback the broker sends the end-user back to (it must be one of the broker's redirect URIs).
 *
 * @since 0.1.0
 */
export const startRequest = (
  parameters: OidcProvider.Parameters,
  options: { readonly returnUrl: string; readonly userData?: IdentityData.IdentityData | undefined }
): IdentityProvider.StartRequest<unknown> => TestRequest.start({ processType: "eid", parameters, ...options })

/**
 * The engine's side of the callback: the end-user's callback URL as the `CallbackRequest` for `complete`.
 *
 * @since 0.1.0
 */
export const callbackRequest = (
  session: IdentityProvider.Session,
  callbackUrl: string
): IdentityProvider.CallbackRequest => ({
  reference: session.reference,
  state: session.state,
  params: Object.fromEntries(new URL(callbackUrl).searchParams)
})
