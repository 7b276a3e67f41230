/**
 * The review console (issue 20), served by the server under `/console`: operators sign in, see their tenants' queues,
 * claim a case, look at it — the normalised identity data, the images (decrypted on the fly, never cached), the match
 * against the dossier's userData, the provider's result and the history — and decide it through the engine
 * (`Reviews`), which records the decision once and notifies the client.
 *
 * Sign-in: an account of `ASSURE_CONSOLE_ACCOUNTS` with its password (scrypt, checked on the hashing workers as client
 * secrets are, and limited as they are: failures per account and per address) and then a one-time code (TOTP, RFC 6238, with `otpauth`; each code used once), or an external OpenID
 * provider (authorization code with PKCE, with `openid-client`) for accounts that name their `oidcSubject`.
 *
 * Sessions (`OperatorSessions`): a random token in a `__Host-` cookie (`HttpOnly`, `Secure`, `SameSite=Strict`,
 * `Path=/`), stored hashed, with an idle and an absolute expiry; passing the second factor replaces the session.
 * Every POST must come from this origin (`Origin`, or `Sec-Fetch-Site: same-origin`) and carry the session's CSRF
 * token (derived from the session token, so nothing more is stored); anything else is refused with 403. The pages have
 * no script; their headers (ResponseHeaders.ts) forbid any, and any framing or caching.
 *
 * Roles are per tenant: a reviewer decides, an admin also sees the audit trail. A tenant the account has no role in
 * answers 403; a case of another tenant is not found (404). Each view of a case, each claim and decision, and each
 * sign-in (refused ones too) goes to the audit trail.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { readFileSync } from "node:fs"
import { type FileInfo, ProcessStatus, Review, Timestamp } from "@assure/core"
import { Captures, Dossiers, EngineError, OperatorSessions, Processes, Reviews, Tenant } from "@assure/engine"
import { ProviderRegistry } from "@assure/provider"
import { Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse, UrlParams } from "effect/http"
import * as client from "openid-client"
import { Secret, TOTP } from "otpauth"
import { isSameOrigin } from "./CapturePage.js"
import * as ConsoleAccounts from "./ConsoleAccounts.js"
import type { Account, Role } from "./ConsoleConfig.js"
import * as Pages from "./ConsolePages.js"
import { hashingWorkers, hashSecret } from "./Secrets.js"
import { ServerConfig } from "./ServerConfig.js"
import * as TokenLimiter from "./TokenLimiter.js"

/** The session cookie: `__Host-` so that no other host or path can set or read it. */
export const sessionCookie = "__Host-assure-console"
/** The external sign-in's state (PKCE verifier, state, nonce) for the return trip: `SameSite=Lax`, a few minutes. */
const externalCookie = "__Host-assure-console-external"

const cookieOptions = { httpOnly: true, secure: true, sameSite: "strict", path: "/" } as const

/** The CSRF token of a session: derived from its token, so it is as secret and needs no storage. */
export const csrfOf = (token: string): string =>
  createHash("sha256").update(`assure console csrf:${token}`).digest("base64url")

const sameText = (a: string, b: string) => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** A 6-digit TOTP of the account's secret, checked one 30-second step either side; its step, when it matches. */
export const codeStep = (secret: Redacted.Redacted<string>, code: string, at: number): number | undefined => {
  if (!/^[0-9]{6}$/.test(code)) return undefined
  const totp = new TOTP({ secret: Secret.fromBase32(Redacted.value(secret)), algorithm: "SHA1", digits: 6, period: 30 })
  const delta = totp.validate({ token: code, timestamp: at, window: 1 })
  return delta === null ? undefined : Math.floor(at / 30_000) + delta
}

const isProcessStatus = Schema.is(ProcessStatus.ProcessStatus)
const isDecision = Schema.is(Review.Decision)

const html = (body: string, status = 200) =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8" })

const seeOther = (location: string) => HttpServerResponse.empty({ status: 303, headers: { location } })

/** The operator's tenants, in their configured order. */
const tenantsOf = (account: Account) => Object.entries(account.tenants).map(([id, role]) => ({ id, role }))

/** The console's routes; none when no operator accounts are configured (the console is off). */
export const layer = Layer.unwrap(
  Effect.gen(function* () {
    const stylesheet = readFileSync(new URL("../../assets/console.css", import.meta.url), "utf8")
    return HttpRouter.use((router) =>
      Effect.gen(function* () {
        const settings = yield* ServerConfig
        const console = settings.console
        // Held (and read again on SIGHUP) even when the console is off, so that the signal never ends the server.
        const accounts = yield* ConsoleAccounts.hold(console)
        // Off unless accounts are configured; a file of none turns it on for the accounts SIGHUP brings.
        if (console.accounts.length === 0 && console.accountsPath === undefined) return
        const sessions = yield* OperatorSessions.OperatorSessions
        const reviews = yield* Reviews.Reviews
        const processes = yield* Processes.Processes
        const dossiers = yield* Dossiers.Dossiers
        const registry = yield* ProviderRegistry.ProviderRegistry
        // One worker for passwords: sign-ins are rare, and each check costs 16 MB and tens of milliseconds.
        const verify = yield* hashingWorkers(1)
        // Password guesses are limited as client secrets are (ASSURE_TOKEN_* limits, a limiter of the console's own):
        // failures per account and per address, every attempt per address, refused before any hashing.
        const limiter = TokenLimiter.make(settings.tokenLimits)
        // Checked when the account is unknown, so that an unknown account takes as long as a wrong password.
        const decoy = hashSecret("assure console decoy")
        const origin = new URL(settings.publicUrl).origin
        const lifetimes = { idle: console.idleTimeout, absolute: console.sessionLifetime }
        const external = console.oidc
        const callbackUrl = `${settings.publicUrl}/console/sign-in/callback`
        const externalConfig =
          external === undefined
            ? undefined
            : yield* Effect.cached(
                Effect.tryPromise(() =>
                  client.discovery(
                    new URL(external.issuer),
                    external.clientId,
                    Redacted.value(external.clientSecret),
                    undefined,
                    // A plain-http issuer only on loopback (a development or test provider).
                    new URL(external.issuer).protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {}
                  )
                )
              )

        const actorOf = (account: Account) => ({ id: account.id, name: account.name })
        const audit = (entry: Omit<Reviews.AuditEntry, "id" | "at">) => reviews.audit(entry)

        /** The signed-in operator of a request, if any, with why a session it had ended. */
        const operatorOf = (request: HttpServerRequest.HttpServerRequest) =>
          Effect.gen(function* () {
            const token = request.cookies[sessionCookie]
            if (token === undefined) return { ended: undefined }
            const opened = yield* Effect.result(sessions.open(token, lifetimes))
            if (opened._tag === "Failure") return { ended: opened.failure.reason }
            const account = accounts.byId(opened.success.accountId)
            if (opened.success.stage !== "signedIn" || account === undefined) return { ended: undefined }
            return { ended: undefined, operator: { token, account, csrf: csrfOf(token) } }
          })
        type Operator = NonNullable<Effect.Success<ReturnType<typeof operatorOf>>["operator"]>

        const frameOf = <T extends { readonly id: string; readonly role: Role } | undefined = undefined>(
          operator: Operator,
          title: string,
          tenant?: T
        ) => ({
          title,
          operator: { name: operator.account.name, tenants: tenantsOf(operator.account), csrf: operator.csrf },
          tenant: tenant as T
        })

        /** What the sign-in page says of a session that ended (`?ended=` after a redirect). */
        const endedNotice = (ended: string | null) =>
          ended === "idle"
            ? "Your session ended after a while without use. Sign in again."
            : ended === "absolute"
              ? "Your session reached its maximum length. Sign in again."
              : undefined

        /** Runs `f` for a signed-in operator; anyone else goes to the sign-in page. */
        const signedIn =
          <E, R>(
            f: (
              operator: Operator,
              request: HttpServerRequest.HttpServerRequest
            ) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
          ) =>
          (request: HttpServerRequest.HttpServerRequest) =>
            Effect.gen(function* () {
              const { operator, ended } = yield* operatorOf(request)
              if (operator === undefined)
                return seeOther(
                  `/console/sign-in${ended === undefined || ended === "unknown" ? "" : `?ended=${ended}`}`
                )
              return yield* f(operator, request)
            })

        /** Runs `f` for an operator with a role in the path's tenant; 403 for a tenant they have none in. */
        const inTenant = <E, R>(
          f: (
            operator: Operator,
            tenant: { readonly id: string; readonly role: Role },
            request: HttpServerRequest.HttpServerRequest
          ) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
        ) =>
          signedIn((operator, request) =>
            Effect.gen(function* () {
              const id = (yield* HttpRouter.params).tenant ?? ""
              const role = Object.hasOwn(operator.account.tenants, id) ? operator.account.tenants[id] : undefined
              if (role === undefined) {
                return html(
                  Pages.messagePage(frameOf(operator, "No access"), "You have no access to this tenant."),
                  403
                )
              }
              return yield* f(operator, { id, role }, request)
            })
          )

        /** The form of a POST from the console itself, with the session's CSRF token; undefined when refused. */
        const formOf = (request: HttpServerRequest.HttpServerRequest, operator: Operator | undefined) =>
          Effect.gen(function* () {
            if (!isSameOrigin(request.headers, origin)) return undefined
            const body = yield* Effect.result(request.urlParamsBody)
            if (body._tag === "Failure") return undefined
            const form = body.success
            if (operator !== undefined) {
              const csrf = Option.getOrElse(UrlParams.getFirst(form, "csrf"), () => "")
              if (!sameText(csrf, operator.csrf)) return undefined
            }
            return form
          })
        const field = (form: UrlParams.UrlParams, name: string) =>
          Option.getOrElse(UrlParams.getFirst(form, name), () => "")

        const refused = (operator: Operator | undefined) =>
          html(
            Pages.messagePage(
              operator === undefined ? { title: "Refused" } : frameOf(operator, "Refused"),
              "This form did not come from the console, or its page is too old. Go back, reload the page and try again."
            ),
            403
          )

        const withSession = (response: HttpServerResponse.HttpServerResponse, token: Redacted.Redacted<string>) =>
          HttpServerResponse.setCookieUnsafe(response, sessionCookie, Redacted.value(token), cookieOptions)

        yield* router.add(
          "GET",
          "/console/assets/console.css",
          HttpServerResponse.text(stylesheet, { contentType: "text/css; charset=utf-8" })
        )

        yield* router.add(
          "GET",
          "/console",
          // One tenant: straight to its queue; several: a choice.
          signedIn((operator) => {
            const [only, ...others] = tenantsOf(operator.account)
            return Effect.succeed(
              only !== undefined && others.length === 0
                ? seeOther(`/console/t/${encodeURIComponent(only.id)}`)
                : html(Pages.homePage(frameOf(operator, "Your tenants")))
            )
          })
        )

        yield* router.add("GET", "/console/sign-in", (request) =>
          Effect.succeed(
            html(
              Pages.signInPage({
                notice: endedNotice(new URL(request.url, "http://console.invalid").searchParams.get("ended")),
                externalName: external?.name
              })
            )
          )
        )

        yield* router.add("POST", "/console/sign-in", (request) =>
          Effect.gen(function* () {
            const form = yield* formOf(request, undefined)
            if (form === undefined) return refused(undefined)
            const id = field(form, "account").trim()
            const account = accounts.byId(id)
            const admitted = limiter.admit(id.slice(0, 64), TokenLimiter.addressKey(request.remoteAddress))
            if (admitted._tag === "Refused") {
              yield* audit({
                tenant: null,
                actor: { id: id.slice(0, 64), name: account?.name ?? "unknown account" },
                action: "signInRefused",
                detail: { step: "tooManyAttempts" }
              })
              return HttpServerResponse.setHeader(
                html(
                  Pages.signInPage({
                    error: `Too many attempts. Try again in ${admitted.retryAfter} seconds.`,
                    externalName: external?.name
                  }),
                  429
                ),
                "retry-after",
                String(admitted.retryAfter)
              )
            }
            const valid = yield* verify(field(form, "password"), account?.secretHash ?? decoy)
            if (account === undefined || account.secretHash === undefined || !valid) {
              yield* audit({
                tenant: null,
                actor: { id: id.slice(0, 64), name: account?.name ?? "unknown account" },
                action: "signInRefused",
                detail: { step: "password" }
              })
              return html(
                Pages.signInPage({ error: "The account or the password is not right.", externalName: external?.name }),
                401
              )
            }
            admitted.succeeded()
            const started = yield* sessions.start(account.id, "secondFactor", lifetimes)
            return withSession(seeOther("/console/sign-in/code"), started.token)
          })
        )

        yield* router.add("GET", "/console/sign-in/code", () => Effect.succeed(html(Pages.codePage({}))))

        yield* router.add("POST", "/console/sign-in/code", (request) =>
          Effect.gen(function* () {
            const form = yield* formOf(request, undefined)
            if (form === undefined) return refused(undefined)
            const token = request.cookies[sessionCookie] ?? ""
            const pending = yield* Effect.result(sessions.open(token, lifetimes))
            const account = pending._tag === "Success" ? accounts.byId(pending.success.accountId) : undefined
            if (
              pending._tag === "Failure" ||
              pending.success.stage !== "secondFactor" ||
              account?.totpSecret === undefined
            ) {
              return seeOther("/console/sign-in")
            }
            if (!(yield* sessions.countCodeAttempt(token))) {
              yield* audit({
                tenant: null,
                actor: actorOf(account),
                action: "signInRefused",
                detail: { step: "tooManyCodes" }
              })
              return html(
                Pages.signInPage({ error: "Too many wrong codes. Sign in again.", externalName: external?.name }),
                401
              )
            }
            const step = codeStep(account.totpSecret, field(form, "code").trim(), Date.now())
            // A code is used once: the same code again (seen over a shoulder) is refused.
            const fresh = step !== undefined && (yield* sessions.useCodeStep(account.id, step))
            if (!fresh) {
              yield* audit({ tenant: null, actor: actorOf(account), action: "signInRefused", detail: { step: "code" } })
              return html(
                Pages.codePage({ error: "That code is not right, or was used already. Try the next one." }),
                401
              )
            }
            const promoted = yield* Effect.result(sessions.promote(token, lifetimes))
            if (promoted._tag === "Failure") return seeOther("/console/sign-in")
            yield* audit({
              tenant: null,
              actor: actorOf(account),
              action: "signedIn",
              detail: { method: "password+totp" }
            })
            return withSession(seeOther("/console"), promoted.success.token)
          })
        )

        if (external !== undefined && externalConfig !== undefined) {
          yield* router.add("GET", "/console/sign-in/external", () =>
            Effect.gen(function* () {
              const config = yield* externalConfig
              const verifier = client.randomPKCECodeVerifier()
              const state = client.randomState()
              const nonce = client.randomNonce()
              const challenge = yield* Effect.promise(() => client.calculatePKCECodeChallenge(verifier))
              const url = client.buildAuthorizationUrl(config, {
                redirect_uri: callbackUrl,
                scope: "openid",
                code_challenge: challenge,
                code_challenge_method: "S256",
                state,
                nonce
              })
              return HttpServerResponse.setCookieUnsafe(
                seeOther(url.href),
                externalCookie,
                Buffer.from(JSON.stringify({ verifier, state, nonce })).toString("base64url"),
                // Lax: the provider's redirect back is a navigation from another site.
                { httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: Duration.minutes(10) }
              )
            }).pipe(
              Effect.catch(() =>
                Effect.succeed(
                  html(Pages.signInPage({ error: `${external.name} cannot be reached. Try again later.` }), 502)
                )
              )
            )
          )

          yield* router.add("GET", "/console/sign-in/callback", (request) =>
            Effect.gen(function* () {
              const config = yield* externalConfig
              const saved = JSON.parse(
                Buffer.from(request.cookies[externalCookie] ?? "", "base64url").toString("utf8") || "{}"
              ) as { verifier?: string; state?: string; nonce?: string }
              const current = new URL(
                `${settings.publicUrl}${new URL(request.url, "http://console.invalid").pathname}${new URL(request.url, "http://console.invalid").search}`
              )
              const tokens = yield* Effect.tryPromise(() =>
                client.authorizationCodeGrant(config, current, {
                  pkceCodeVerifier: saved.verifier ?? "",
                  expectedState: saved.state ?? "",
                  expectedNonce: saved.nonce ?? "",
                  idTokenExpected: true
                })
              )
              const subject = tokens.claims()?.sub
              const account = accounts.bySubject(subject)
              if (account === undefined) {
                yield* audit({
                  tenant: null,
                  actor: { id: "external", name: external.name },
                  action: "signInRefused",
                  detail: { step: "noAccount" }
                })
                return html(
                  Pages.signInPage({ error: "You have no account in this console.", externalName: external.name }),
                  403
                )
              }
              const started = yield* sessions.start(account.id, "signedIn", lifetimes)
              yield* audit({ tenant: null, actor: actorOf(account), action: "signedIn", detail: { method: "openid" } })
              return HttpServerResponse.expireCookieUnsafe(
                withSession(seeOther("/console"), started.token),
                externalCookie,
                { path: "/", secure: true }
              )
            }).pipe(
              Effect.catch(() =>
                Effect.succeed(
                  html(
                    Pages.signInPage({ error: "The sign-in did not succeed. Try again.", externalName: external.name }),
                    401
                  )
                )
              )
            )
          )
        }

        yield* router.add("POST", "/console/sign-out", (request) =>
          Effect.gen(function* () {
            const { operator } = yield* operatorOf(request)
            const form = yield* formOf(request, operator)
            if (operator === undefined || form === undefined)
              return operator === undefined ? seeOther("/console/sign-in") : refused(operator)
            yield* sessions.end(operator.token)
            yield* audit({ tenant: null, actor: actorOf(operator.account), action: "signedOut" })
            return HttpServerResponse.expireCookieUnsafe(
              html(Pages.signInPage({ notice: "You have signed out.", externalName: external?.name })),
              sessionCookie,
              { path: "/", secure: true }
            )
          })
        )

        const providerNames = yield* registry.names

        // The queue of a tenant.
        yield* router.add(
          "GET",
          "/console/t/:tenant",
          inTenant((operator, tenant, request) =>
            Effect.gen(function* () {
              const query = new URL(request.url, "http://console.invalid").searchParams
              const asked = query.get("status") ?? ""
              const status = isProcessStatus(asked) ? asked : "inconclusive"
              const provider = query.get("provider") ?? ""
              const age = Pages.ages.find(([value]) => value === (query.get("age") ?? "")) ?? Pages.ages[0]
              const country = (query.get("country") ?? "").trim().toUpperCase()
              const filters = { status, provider, age: age?.[0] ?? "", country }
              const entries = yield* reviews.queue(Tenant.TenantId.make(tenant.id), {
                statuses: [status],
                ...(provider === "" ? {} : { provider }),
                ...(age === undefined || age[2] === 0
                  ? {}
                  : { createdBefore: Timestamp.fromEpochMillis(Date.now() - age[2]) }),
                ...(/^[A-Z]{3}$/.test(country) ? { country } : {})
              })
              return html(
                Pages.queuePage(frameOf(operator, `Queue of ${tenant.id}`, tenant), filters, providerNames, entries)
              )
            })
          )
        )

        const caseBase = (tenant: string, dossierId: string, processId: string) =>
          `/console/t/${encodeURIComponent(tenant)}/cases/${encodeURIComponent(dossierId)}/${encodeURIComponent(processId)}`

        /** A case's page: everything about it, and its claim and review. */
        const showCase = (
          operator: Operator,
          tenant: { readonly id: string; readonly role: Role },
          dossierId: string,
          processId: string,
          message: { readonly error?: string; readonly notice?: string } = {},
          status = 200
        ) =>
          Effect.gen(function* () {
            const tenantId = Tenant.TenantId.make(tenant.id)
            const process = yield* processes.get(tenantId, dossierId, processId)
            const dossier = yield* dossiers.get(tenantId, dossierId)
            const match = yield* processes
              .match(tenantId, dossierId, processId)
              .pipe(Effect.option, Effect.map(Option.getOrUndefined))
            const history = yield* processes.history(tenantId, dossierId, processId)
            const review = yield* reviews.reviewOf(tenantId, dossierId, processId)
            const claim = yield* reviews.claimOf(tenantId, dossierId, processId)
            const base = caseBase(tenant.id, dossierId, processId)
            const seen = new Set<string>()
            const images = [...process.files, ...dossier.files]
              .filter(
                (file: FileInfo.FileInfo) =>
                  file.mediaType.startsWith("image/") && !seen.has(file.fileId) && seen.add(file.fileId) !== undefined
              )
              .map((file) => ({ file, href: `${base}/files/${encodeURIComponent(file.fileId)}` }))
            yield* audit({
              tenant: tenant.id,
              actor: actorOf(operator.account),
              action: "viewed",
              dossierId,
              processId
            })
            return html(
              Pages.casePage(frameOf(operator, `Case ${processId}`, tenant), {
                process,
                userData: dossier.userData,
                images,
                match,
                history,
                review,
                claim,
                me: operator.account.id,
                rejectionReasons: settings.review.rejectionReasons,
                ...message
              }),
              status
            )
          })

        const notFound = (operator: Operator) =>
          html(Pages.messagePage(frameOf(operator, "Not found"), "There is no such case in this tenant."), 404)

        const caseParams = Effect.map(HttpRouter.params, (params) => ({
          dossierId: params.dossierId ?? "",
          processId: params.processId ?? ""
        }))

        yield* router.add(
          "GET",
          "/console/t/:tenant/cases/:dossierId/:processId",
          inTenant((operator, tenant) =>
            Effect.gen(function* () {
              const { dossierId, processId } = yield* caseParams
              return yield* showCase(operator, tenant, dossierId, processId).pipe(
                Effect.catchTag("NotFound", () => Effect.succeed(notFound(operator)))
              )
            })
          )
        )

        // An image of a case, decrypted for this response only: `no-store` (ResponseHeaders.ts), never cached.
        yield* router.add(
          "GET",
          "/console/t/:tenant/cases/:dossierId/:processId/files/:fileId",
          inTenant((operator, tenant) =>
            Effect.gen(function* () {
              const { dossierId, processId } = yield* caseParams
              const fileId = (yield* HttpRouter.params).fileId ?? ""
              const tenantId = Tenant.TenantId.make(tenant.id)
              const stored = yield* processes
                .getFile(tenantId, dossierId, processId, fileId)
                .pipe(Effect.catchTag("NotFound", () => dossiers.getFile(tenantId, dossierId, fileId)))
              return HttpServerResponse.uint8Array(stored.bytes, { contentType: stored.info.mediaType })
            }).pipe(Effect.catchTag("NotFound", () => Effect.succeed(notFound(operator))))
          )
        )

        /** A POST on a case: the form checked (origin, CSRF), then `act`, then back to the case (post/redirect/get). */
        const caseAction = (
          act: (
            operator: Operator,
            tenant: { readonly id: string; readonly role: Role },
            ids: { readonly dossierId: string; readonly processId: string },
            form: UrlParams.UrlParams
          ) => Effect.Effect<
            HttpServerResponse.HttpServerResponse,
            EngineError.NotFound | EngineError.Conflict | EngineError.InvalidInput
          >
        ) =>
          inTenant((operator, tenant, request) =>
            Effect.gen(function* () {
              const form = yield* formOf(request, operator)
              if (form === undefined) return refused(operator)
              const ids = yield* caseParams
              return yield* act(operator, tenant, ids, form).pipe(
                Effect.catchTags({
                  NotFound: () => Effect.succeed(notFound(operator)),
                  Conflict: (error) =>
                    showCase(operator, tenant, ids.dossierId, ids.processId, { error: error.detail }, 409).pipe(
                      Effect.catchTag("NotFound", () => Effect.succeed(notFound(operator)))
                    ),
                  InvalidInput: (error) =>
                    showCase(
                      operator,
                      tenant,
                      ids.dossierId,
                      ids.processId,
                      {
                        error: `${error.detail}: ${error.invalidParams.map((param) => `${param.name} ${param.reason}`).join("; ")}`
                      },
                      400
                    ).pipe(Effect.catchTag("NotFound", () => Effect.succeed(notFound(operator))))
                })
              )
            })
          )

        yield* router.add(
          "POST",
          "/console/t/:tenant/cases/:dossierId/:processId/claim",
          caseAction((operator, tenant, { dossierId, processId }) =>
            Effect.gen(function* () {
              // The engine audits the claim, the release and the decision itself (the decision in its transaction).
              yield* reviews.claim(Tenant.TenantId.make(tenant.id), dossierId, processId, actorOf(operator.account))
              return seeOther(caseBase(tenant.id, dossierId, processId))
            })
          )
        )

        yield* router.add(
          "POST",
          "/console/t/:tenant/cases/:dossierId/:processId/release",
          caseAction((operator, tenant, { dossierId, processId }) =>
            Effect.gen(function* () {
              yield* reviews.release(Tenant.TenantId.make(tenant.id), dossierId, processId, actorOf(operator.account))
              return seeOther(caseBase(tenant.id, dossierId, processId))
            })
          )
        )

        yield* router.add(
          "POST",
          "/console/t/:tenant/cases/:dossierId/:processId/decide",
          caseAction((operator, tenant, { dossierId, processId }, form) =>
            Effect.gen(function* () {
              const decision = field(form, "decision")
              if (!isDecision(decision)) {
                return yield* new EngineError.InvalidInput({
                  detail: "The decision is not valid",
                  invalidParams: [{ name: "decision", reason: "choose approve, reject or a retake" }]
                })
              }
              const note = field(form, "note").trim()
              const kinds = UrlParams.getAll(form, "kinds").filter(
                (kind): kind is "front" | "back" | "selfie" => kind === "front" || kind === "back" || kind === "selfie"
              )
              const reason = decision === "retakeRequested" ? field(form, "retakeReason").trim() : field(form, "reason")
              yield* reviews.decide(
                Tenant.TenantId.make(tenant.id),
                dossierId,
                processId,
                actorOf(operator.account),
                {
                  decision,
                  ...(reason === "" ? {} : { reason }),
                  ...(note === "" ? {} : { note }),
                  ...(decision === "retakeRequested" ? { kinds } : {})
                },
                {
                  captureUrlFor: (token) => Captures.pageUrl(settings.publicUrl, token),
                  fallbackRedirectUrl: `${settings.publicUrl}/capture/done`
                }
              )
              return seeOther(caseBase(tenant.id, dossierId, processId))
            })
          )
        )

        yield* router.add(
          "GET",
          "/console/t/:tenant/audit",
          inTenant((operator, tenant) =>
            Effect.gen(function* () {
              if (tenant.role !== "admin") {
                return html(
                  Pages.messagePage(
                    frameOf(operator, "Admins only", tenant),
                    "Only an admin of this tenant sees its audit trail."
                  ),
                  403
                )
              }
              const entries = yield* reviews.auditTrail(Tenant.TenantId.make(tenant.id), { limit: 200 })
              return html(Pages.auditPage(frameOf(operator, `Audit trail of ${tenant.id}`, tenant), entries))
            })
          )
        )
      })
    )
  })
)
