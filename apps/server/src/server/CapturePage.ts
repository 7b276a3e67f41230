/**
 * The hosted capture page (issue 19): `GET /capture/{token}` renders the page an end-user is sent to by
 * `POST /assure/dossiers/{dossierId}/capture`; its script and stylesheet come from this server (`/capture/assets/…`);
 * the page posts images to `POST /capture/{token}/files?kind=front|back|selfie` and ends with
 * `POST /capture/{token}/submit`, which starts the processes and answers where to send the end-user.
 *
 * Desktop-to-phone hand-off: the page shows a QR code (SVG made here, inline) of a one-time link
 * `/capture/handoff/{code}`; a phone opening it is sent on to `/capture/{token}?handoff=opened`, the same session. The
 * desktop follows with `GET /capture/{token}/status` (kinds uploaded, whether a phone opened the link, and where the
 * submitted capture sent the end-user) and goes there too when the phone submits.
 *
 * The capture token in the path is the only credential: no bearer token, no cookie. So that another site cannot make
 * an end-user's browser post to a link it knows, every POST must come from this server's own origin (`Origin`, or
 * `Sec-Fetch-Site: same-origin`); anything else is refused with 403. An unknown, expired or used link answers a short
 * HTML page (404 or 410), never an error dump. The headers every `/capture` response carries — a strict
 * Content-Security-Policy, `no-store` — are set by ResponseHeaders.ts.
 */
import { readFileSync } from "node:fs"
import type { FileKind } from "@assure/core"
import { Captures, Dossiers, FileContent } from "@assure/engine"
import { ProviderRegistry } from "@assure/provider"
import { Effect, Layer, Redacted, Schema } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import QRCode from "qrcode"
import { type Document, documents, fill, type Language, languageOf, type Text, texts } from "./CaptureText.js"
import { defaultConsentText, ServerConfig } from "./ServerConfig.js"

/** The page's own script and stylesheet, read once (`apps/server/assets`, next to `src` and `dist`). */
const asset = (name: string) => readFileSync(new URL(`../../assets/${name}`, import.meta.url), "utf8")

/** Text for HTML, escaped. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

const page = (language: Language, title: string, body: string) => `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/capture/assets/capture.css">
</head>
<body>
${body}
</body>
</html>
`

/** A kind's words, in `language`. */
const kindText = (language: Language, kind: string) =>
  texts[language].kinds[kind as "front" | "back" | "selfie"] ?? { title: kind, guidance: "" }

/** A provider's name as the end-user reads it: `veriff` is Veriff. */
export const providerLabel = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1)

/**
 * A QR code of `text` as SVG markup to inline in the page: shapes with presentation attributes only (no style, no
 * script), named for assistive technology.
 */
export const qrSvg = (text: string, label: string): Promise<string> =>
  QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 4 }).then((svg) =>
    svg
      .trim()
      .replace(
        '<svg xmlns="http://www.w3.org/2000/svg"',
        `<svg class="qr" role="img" aria-label="${escapeHtml(label)}" focusable="false"`
      )
  )

/** The hand-off to a phone: a QR code of a one-time link, and what the phone has done so far. */
const renderHandOff = (t: Text, handOff: { readonly url: string; readonly svg: string }) =>
  `<section id="handoff" class="handoff" aria-labelledby="handoff-title" data-handoff-url="${escapeHtml(handOff.url)}">
<h2 id="handoff-title">${escapeHtml(t.handOff.title)}</h2>
<div class="handoff-body">
${handOff.svg}
<div>
<p>${escapeHtml(t.handOff.body)}</p>
<p class="handoff-note">${escapeHtml(t.handOff.note)}</p>
<p class="handoff-status" id="handoff-status" role="status"></p>
</div>
</div>
</section>`

/** A way through the capture, as the page shows it: photos here, or a provider's own page. */
export type PageChoice =
  | { readonly id: string; readonly flow: "photos" }
  | { readonly id: string; readonly flow: "handOver"; readonly provider: string }

/** The choice between photos and providers' own pages: a radio group, shown after consent when there are several. */
const renderChoose = (t: Text, choices: ReadonlyArray<PageChoice>) => {
  const options = choices
    .map((choice) => {
      const label =
        choice.flow === "photos"
          ? t.choose.photos
          : fill(t.choose.handOver, { provider: providerLabel(choice.provider) })
      return `<p class="option"><input type="radio" name="choice" id="choice-${choice.id}" value="${choice.id}"> <label for="choice-${choice.id}">${escapeHtml(label)}</label></p>`
    })
    .join("\n")
  return `<section id="choose" aria-labelledby="choose-title" hidden>
<h2 id="choose-title" tabindex="-1">${escapeHtml(t.choose.title)}</h2>
<form id="choose-form" action="#" novalidate>
<fieldset>
<legend class="visually-hidden">${escapeHtml(t.choose.title)}</legend>
${options}
</fieldset>
<button type="submit" class="primary">${escapeHtml(t.continue)}</button>
</form>
</section>`
}

/** Going on to a provider's own page (its hosted flow, or an eID's sign-in), and back. */
const renderHandOver = (t: Text, choice: Extract<PageChoice, { readonly flow: "handOver" }>) => {
  const provider = providerLabel(choice.provider)
  return `<section id="handover-${choice.id}" class="handover" data-choice="${choice.id}" data-provider="${escapeHtml(provider)}" aria-labelledby="handover-${choice.id}-title" hidden>
<h2 id="handover-${choice.id}-title" tabindex="-1">${escapeHtml(fill(t.handOver.title, { provider }))}</h2>
<p>${escapeHtml(fill(t.handOver.body, { provider }))}</p>
<button type="button" class="go primary">${escapeHtml(fill(t.handOver.go, { provider }))}</button>
</section>`
}

/** Which document is photographed: it decides the guidance, and whether its back is asked for. */
const renderDocument = (t: Text, selected: Document | undefined) =>
  `<fieldset id="document" class="document">
<legend>${escapeHtml(t.whichDocument)}</legend>
${documents
  .map(
    (document) =>
      `<p class="option"><input type="radio" name="document" id="document-${document}" value="${document}"${document === selected ? " checked" : ""}> <label for="document-${document}">${escapeHtml(t.documents[document].name)}</label></p>`
  )
  .join("\n")}
</fieldset>`

/** How to photograph `kind`, for each document where it differs: the script shows the selected document's. */
const renderGuidance = (t: Text, language: Language, kind: string) => {
  const general = `<p class="guidance" data-document="">${escapeHtml(kindText(language, kind).guidance)}</p>`
  if (kind === "selfie") return general
  return [
    general,
    ...documents.flatMap((document) => {
      const text = kind === "front" ? t.documents[document].front : t.documents[document].back
      return text === undefined
        ? []
        : [`<p class="guidance" data-document="${document}" hidden>${escapeHtml(text)}</p>`]
    })
  ].join("\n")
}

/** The capture page of a usable session. */
export const renderPage = (options: {
  /** English unless said. */
  readonly language?: Language | undefined
  /** The ways through the capture; one is taken without asking. */
  readonly choices: ReadonlyArray<PageChoice>
  /** The photos the photos choice needs, before the document's back. */
  readonly kinds: ReadonlyArray<string>
  readonly uploaded: ReadonlyArray<string>
  /** The document the dossier's userData names, preselected. */
  readonly documentType?: Document | undefined
  /** A reviewer's retake: the photos to take again and why. */
  readonly retake?: { readonly kinds: ReadonlyArray<string>; readonly reason: string } | undefined
  readonly consentText: string
  readonly expiresAt: string
  readonly maxBytes: number
  /** The hand-off to a phone, on a page that is not on the phone already. */
  readonly handOff?: { readonly url: string; readonly svg: string } | undefined
}) => {
  const language = options.language ?? "en"
  const t = texts[language]
  const photos = options.choices.some((choice) => choice.flow === "photos")
  // The back is on the page whenever the photos are: the script shows it for two-sided documents only.
  const kinds = photos
    ? ["front", "back", "selfie"].filter((kind) => kind === "back" || options.kinds.includes(kind))
    : []
  const shots = kinds
    .map((kind) => {
      const { title } = kindText(language, kind)
      return `<section class="shot" data-kind="${kind}" aria-labelledby="${kind}-title"${kind === "back" ? " hidden" : ""}>
<h3 id="${kind}-title">${escapeHtml(title)}</h3>
${renderGuidance(t, language, kind)}
<div class="camera" hidden>
<video class="viewfinder" playsinline muted aria-label="${escapeHtml(t.cameraPreview)}"></video>
<div class="actions">
<button type="button" class="take primary">${escapeHtml(t.takePhoto)}</button>
<button type="button" class="stop">${escapeHtml(t.closeCamera)}</button>
</div>
</div>
<img class="preview" alt="${escapeHtml(fill(t.yourPhoto, { what: title.toLowerCase() }))}" hidden>
<div class="actions choose">
<button type="button" class="open-camera primary">${escapeHtml(t.useCamera)}</button>
<label class="file-label" for="${kind}-file">${escapeHtml(t.orUpload)}</label>
<input id="${kind}-file" class="file" type="file" accept="image/*">
</div>
<progress class="progress" max="100" value="0" hidden>0 %</progress>
<p class="status" role="status">${options.uploaded.includes(kind) ? escapeHtml(t.uploaded) : ""}</p>
</section>`
    })
    .join("\n")
  const retake =
    options.retake === undefined || options.retake.kinds.length === 0
      ? ""
      : `<div class="retake" role="note">
<p><strong>${escapeHtml(t.retake.title)}</strong></p>
<p>${escapeHtml(fill(t.retake.body, { what: options.retake.kinds.map((kind) => kindText(language, kind).title).join(", ") }))}</p>
${options.retake.reason === "" ? "" : `<p>${escapeHtml(fill(t.retake.why, { reason: options.retake.reason }))}</p>`}
</div>`
  const capture = photos
    ? `<section id="capture" aria-labelledby="capture-title" hidden>
<h2 id="capture-title" tabindex="-1">${escapeHtml(t.takePhotos)}</h2>
${retake}
${renderDocument(t, options.documentType)}
${shots}
<button type="button" id="submit" class="primary">${escapeHtml(t.submit)}</button>
</section>`
    : ""
  const handOvers = options.choices
    .flatMap((choice) => (choice.flow === "handOver" ? [renderHandOver(t, choice)] : []))
    .join("\n")
  const time = `<time datetime="${escapeHtml(options.expiresAt)}">${escapeHtml(options.expiresAt.replace("T", " ").replace("Z", " UTC"))}</time>`
  return page(
    language,
    t.title,
    `<main id="capture-app" data-choices="${options.choices.map((choice) => choice.id).join(" ")}" data-kinds="${options.kinds.join(" ")}" data-two-sided="${Captures.twoSided.join(" ")}" data-uploaded="${options.uploaded.join(" ")}" data-max-bytes="${options.maxBytes}" data-messages="${escapeHtml(JSON.stringify(t.script))}">
<h1>${escapeHtml(t.title)}</h1>
<p class="error" id="error" role="alert" tabindex="-1" hidden></p>
${options.handOff === undefined ? "" : renderHandOff(t, options.handOff)}
<section id="consent" aria-labelledby="consent-title">
<h2 id="consent-title">${escapeHtml(t.beforeYouStart)}</h2>
<p class="consent-text">${escapeHtml(options.consentText)}</p>
<form id="consent-form" action="#" novalidate>
<p><input type="checkbox" id="consent-check" required> <label for="consent-check">${escapeHtml(t.agree)}</label></p>
<button type="submit" class="primary">${escapeHtml(t.continue)}</button>
</form>
</section>
${options.choices.length > 1 ? renderChoose(t, options.choices) : ""}
${capture}
${handOvers}
<p class="expiry">${escapeHtml(t.worksUntil).replace("{time}", time)}</p>
</main>
<script src="/capture/assets/capture.js" defer></script>`
  )
}

/** The page an unusable link shows. */
export const renderUnavailable = (reason: Captures.CaptureUnavailable["reason"], language: Language = "en") => {
  const t = texts[language]
  const [title, text] = t.unavailable[reason]
  return page(
    language,
    title,
    `<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
<p>${escapeHtml(t.askAgain)}</p>
</main>`
  )
}

/** The page of a link whose providers cannot take part now (gone from the configuration, or none routed to). */
export const renderNoProvider = (language: Language = "en") => {
  const t = texts[language]
  return page(
    language,
    t.title,
    `<main>
<h1>${escapeHtml(t.title)}</h1>
<p>${escapeHtml(t.problems.unavailable)}</p>
</main>`
  )
}

/** What a submit without a needed photo says: which one is missing. */
const missingText = (language: Language, kind: string) =>
  imageKinds.includes(kind)
    ? fill(texts[language].problems.missing, {
        what: language === "en" ? kind : kindText(language, kind).title.toLowerCase()
      })
    : kind === "choice"
      ? texts[language].problems.chooseOne
      : texts[language].problems.notSubmitted

const htmlResponse = (html: string, status = 200) =>
  HttpServerResponse.text(html, { status, contentType: "text/html; charset=utf-8" })

const problemTypes: Record<number, readonly [string, string]> = {
  400: ["invalid-request-parameter", "Invalid request parameter"],
  403: ["forbidden", "Forbidden"],
  404: ["not-found", "Not found"],
  409: ["conflict", "Conflict"],
  410: ["gone", "Gone"],
  413: ["payload-too-large", "Payload too large"],
  502: ["provider-failed", "Provider failed"],
  503: ["provider-unavailable", "Provider unavailable"]
}

/** A problem (RFC 9457) for the page's script: `detail` is said to the end-user. */
const problem = (status: number, detail: string, extra: Record<string, unknown> = {}) => {
  const [slug, title] = problemTypes[status] ?? ["internal-error", "Internal error"]
  return HttpServerResponse.jsonUnsafe(
    { type: `https://assure.dev/problems/${slug}`, title, status, detail, ...extra },
    { status, contentType: "application/problem+json" }
  )
}

const unavailableProblem = (t: Text, error: Captures.CaptureUnavailable) =>
  problem(
    error.reason === "unknown" ? 404 : 410,
    error.reason === "expired"
      ? t.problems.expired
      : error.reason === "consumed"
        ? t.problems.consumed
        : error.reason === "handedOff"
          ? t.unavailable.handedOff[0]
          : t.problems.unknown
  )

/**
 * Whether a POST comes from a page of `origin`: its `Origin` is that origin, or, without one (or `null`), the browser
 * says `Sec-Fetch-Site: same-origin`. A cross-site or same-site (another subdomain) request, or one that says neither, is
 * refused: browsers send these headers on every POST a page makes.
 */
export const isSameOrigin = (headers: Readonly<Record<string, string | undefined>>, origin: string): boolean => {
  const site = headers["sec-fetch-site"]
  if (site !== undefined && site !== "same-origin") return false
  const from = headers.origin
  // A form posted from a page whose Referrer-Policy is `no-referrer` (the console's) says `Origin: null`: the browser's
  // `Sec-Fetch-Site` then decides.
  if (from !== undefined && from !== "null") return from === origin
  return site === "same-origin"
}

const imageKinds: ReadonlyArray<string> = ["front", "back", "selfie"]

/** The smallest photo of a kind, as the end-user reads it: `600×400`. */
const minimumOf = (kind: string) => {
  const [long, short] = Captures.minimumSides[kind as "front" | "back" | "selfie"] ?? Captures.minimumSides.front
  return `${long}×${short}`
}

/** The submit's body: the end-user's choice and document, both optional; anything else is refused. */
const Selection = Schema.Struct({
  choice: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(40))),
  documentType: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(40)))
})
const decodeSelectionJson = Schema.decodeUnknownOption(Schema.fromJsonString(Selection))

/** The selection in a submit's body: an empty body selects nothing (the page had one way through). */
const decodeSelection = (text: string): Captures.Selection | undefined => {
  if (text.trim() === "") return {}
  const decoded = decodeSelectionJson(text, { onExcessProperty: "error" })
  return decoded._tag === "Some" ? decoded.value : undefined
}
const maxImageBytes = FileContent.rules.front.maxBytes

/** The capture page's routes. */
export const layer = Layer.unwrap(
  Effect.gen(function* () {
    const script = asset("capture.js")
    const stylesheet = asset("capture.css")
    return HttpRouter.use((router) =>
      Effect.gen(function* () {
        const captures = yield* Captures.Captures
        const dossiers = yield* Dossiers.Dossiers
        const registry = yield* ProviderRegistry.ProviderRegistry
        const settings = yield* ServerConfig
        const origin = new URL(settings.publicUrl).origin
        const tokenOf = Effect.map(HttpRouter.params, (params) => params.token ?? "")
        const options = { redactedParams: ["token"] }

        const refuseCrossSite = (request: HttpServerRequest.HttpServerRequest, t: Text) =>
          isSameOrigin(request.headers, origin) ? undefined : problem(403, t.problems.crossSite)

        /** The language a request asks for, and its words. */
        const languageFor = (request: HttpServerRequest.HttpServerRequest) => {
          const language = languageOf(request.headers["accept-language"])
          return { language, t: texts[language] }
        }
        /** The operator's consent text; the default one in the page's language. */
        const consentFor = (t: Text) =>
          settings.capture.consentText === defaultConsentText ? t.defaultConsent : settings.capture.consentText

        /** Where each provider sends the end-user back: as `POST …/verify` says (Handlers.ts). */
        const returnUrlFor = (provider: string, processId: string) =>
          registry.get(provider).pipe(
            Effect.map((adapter) => adapter.capabilities.redirect),
            Effect.orElseSucceed(() => true),
            Effect.map((redirect) =>
              redirect
                ? `${settings.publicUrl}/callbacks/${provider}`
                : `${settings.publicUrl}/callbacks/${provider}?processId=${encodeURIComponent(processId)}`
            )
          )

        yield* router.add(
          "GET",
          "/capture/assets/capture.js",
          HttpServerResponse.text(script, { contentType: "text/javascript; charset=utf-8" })
        )
        yield* router.add(
          "GET",
          "/capture/assets/capture.css",
          HttpServerResponse.text(stylesheet, { contentType: "text/css; charset=utf-8" })
        )

        yield* router.add(
          "GET",
          "/capture/:token",
          (request) =>
            Effect.gen(function* () {
              const { language, t } = languageFor(request)
              const token = yield* tokenOf
              // A page opened through a hand-off is on the phone already: it offers no further hand-off.
              const onPhone = new URL(request.url, "http://capture.invalid").searchParams.get("handoff") === "opened"
              const handOff = onPhone
                ? undefined
                : yield* captures.handOff(token).pipe(
                    Effect.flatMap((code) => {
                      const url = `${settings.publicUrl.replace(/\/$/, "")}/capture/handoff/${Redacted.value(code)}`
                      return Effect.promise(() => qrSvg(url, t.handOff.qrLabel)).pipe(
                        Effect.map((svg) => ({ url, svg }))
                      )
                    }),
                    Effect.orElseSucceed(() => undefined)
                  )
              return yield* captures.open(token).pipe(
                Effect.flatMap((session) =>
                  Effect.map(
                    dossiers.get(session.tenant, session.dossierId).pipe(
                      Effect.map((dossier) => ({
                        uploaded: dossier.files.map((file): string => file.kind),
                        documentType: documents.find((document) => document === dossier.userData?.documentType)
                      })),
                      Effect.orElseSucceed(() => ({ uploaded: [], documentType: undefined }))
                    ),
                    ({ uploaded, documentType }) => {
                      if (session.choices.length === 0) {
                        // Every provider of the capture is gone from the configuration, or routing has none now.
                        return htmlResponse(renderNoProvider(language), 503)
                      }
                      const photos = session.choices.find((choice) => choice._tag === "Photos")
                      const kinds = photos?.kinds ?? []
                      return htmlResponse(
                        renderPage({
                          language,
                          choices: session.choices.map(
                            (choice): PageChoice =>
                              choice._tag === "Photos"
                                ? { id: choice.id, flow: "photos" }
                                : { id: choice.id, flow: "handOver", provider: choice.provider }
                          ),
                          kinds,
                          uploaded: uploaded.filter(
                            (kind) =>
                              (kinds.some((needed) => needed === kind) || (photos !== undefined && kind === "back")) &&
                              // A photo a reviewer asked for again counts only once taken through this capture.
                              (!(session.retake?.kinds ?? []).some((again) => again === kind) ||
                                session.uploaded.some((fresh) => fresh === kind))
                          ),
                          retake: session.retake,
                          documentType,
                          consentText: consentFor(t),
                          expiresAt: session.expiresAt,
                          maxBytes: maxImageBytes,
                          handOff
                        })
                      )
                    }
                  )
                ),
                Effect.catchTag("CaptureUnavailable", (error) =>
                  Effect.succeed(
                    htmlResponse(renderUnavailable(error.reason, language), error.reason === "unknown" ? 404 : 410)
                  )
                )
              )
            }),
          options
        )

        // Where a capture ends when its client gave no redirect URL of its own (a retake a reviewer asked for).
        yield* router.add("GET", "/capture/done", (request) =>
          Effect.sync(() => {
            const { language, t } = languageFor(request)
            const [title, body] = t.done
            return htmlResponse(
              page(language, title, `<main>\n<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(body)}</p>\n</main>`)
            )
          })
        )

        // A phone opening the one-time hand-off link continues the same session.
        yield* router.add(
          "GET",
          "/capture/handoff/:code",
          (request) =>
            Effect.gen(function* () {
              const { language } = languageFor(request)
              const code = (yield* HttpRouter.params).code ?? ""
              return yield* captures.redeemHandOff(code).pipe(
                Effect.map((token) =>
                  HttpServerResponse.empty({
                    status: 303,
                    headers: { location: `/capture/${Redacted.value(token)}?handoff=opened` }
                  })
                ),
                Effect.catchTag("CaptureUnavailable", (error) =>
                  Effect.succeed(
                    htmlResponse(renderUnavailable(error.reason, language), error.reason === "unknown" ? 404 : 410)
                  )
                )
              )
            }),
          { redactedParams: ["code"] }
        )

        // What a page following the session (a desktop that handed off to a phone) polls.
        yield* router.add(
          "GET",
          "/capture/:token/status",
          (request) =>
            Effect.gen(function* () {
              const { t } = languageFor(request)
              const token = yield* tokenOf
              return yield* captures.status(token).pipe(
                Effect.map((status) =>
                  HttpServerResponse.jsonUnsafe({
                    uploaded: status.uploaded,
                    handedOff: status.handedOff,
                    submitted: status.redirectTo !== undefined,
                    ...(status.redirectTo === undefined ? {} : { redirectTo: status.redirectTo })
                  })
                ),
                Effect.catchTag("CaptureUnavailable", (error) => Effect.succeed(unavailableProblem(t, error)))
              )
            }),
          options
        )

        yield* router.add(
          "POST",
          "/capture/:token/files",
          (request) =>
            Effect.gen(function* () {
              const { t } = languageFor(request)
              const refused = refuseCrossSite(request, t)
              if (refused !== undefined) return refused
              const token = yield* tokenOf
              const kind = new URL(request.url, "http://capture.invalid").searchParams.get("kind") ?? ""
              if (!imageKinds.includes(kind)) {
                return problem(400, t.problems.whichPhoto, {
                  invalidParams: [{ name: "kind", reason: "must be front, back or selfie" }]
                })
              }
              const length = Number(request.headers["content-length"] ?? "0")
              if (length > maxImageBytes) {
                return problem(413, fill(t.problems.tooLarge, { max: maxImageBytes / 1_000_000 }))
              }
              const body = yield* Effect.result(request.arrayBuffer)
              if (body._tag === "Failure") {
                return problem(413, fill(t.problems.tooLarge, { max: maxImageBytes / 1_000_000 }))
              }
              return yield* captures.addFile(token, kind as FileKind.UploadableKind, new Uint8Array(body.success)).pipe(
                Effect.map((file) =>
                  HttpServerResponse.jsonUnsafe(
                    { kind: file.kind, mediaType: file.mediaType, size: file.size },
                    { status: 201 }
                  )
                ),
                Effect.catchTags({
                  CaptureUnavailable: (error) => Effect.succeed(unavailableProblem(t, error)),
                  InvalidInput: (error) =>
                    Effect.succeed(
                      error.detail === Captures.tooManyDetail
                        ? problem(400, t.problems.tooMany, { invalidParams: error.invalidParams })
                        : error.detail === Captures.tooSmallDetail
                          ? problem(400, fill(t.problems.tooSmall, { min: minimumOf(kind) }), {
                              invalidParams: error.invalidParams
                            })
                          : error.detail === Captures.unreadableDetail
                            ? problem(400, t.problems.unreadable, { invalidParams: error.invalidParams })
                            : problem(
                                400,
                                fill(t.problems.cannotUse, { reason: error.invalidParams[0]?.reason ?? error.detail }),
                                { invalidParams: error.invalidParams }
                              )
                    )
                })
              )
            }),
          options
        )

        yield* router.add(
          "POST",
          "/capture/:token/submit",
          (request) =>
            Effect.gen(function* () {
              const { language, t } = languageFor(request)
              const refused = refuseCrossSite(request, t)
              if (refused !== undefined) return refused
              const token = yield* tokenOf
              // What the end-user chose: a small JSON object, or nothing when the page had one way through.
              const body = yield* Effect.result(request.text)
              const selection = body._tag === "Success" ? decodeSelection(body.success) : undefined
              if (selection === undefined) {
                return problem(400, t.problems.notSubmitted, {
                  invalidParams: [{ name: "body", reason: "must be a JSON object with choice and documentType" }]
                })
              }
              return yield* captures.submit(token, returnUrlFor, selection).pipe(
                // As the Assure capture flow: the dossier, and with one provider its process and status.
                Effect.map((submitted) => HttpServerResponse.jsonUnsafe({ redirectTo: submitted.redirectTo })),
                Effect.catchTags({
                  CaptureUnavailable: (error) => Effect.succeed(unavailableProblem(t, error)),
                  InvalidInput: (error) =>
                    Effect.succeed(
                      problem(400, missingText(language, error.invalidParams[0]?.name ?? ""), {
                        invalidParams: error.invalidParams
                      })
                    ),
                  NotFound: () => Effect.succeed(problem(410, t.problems.noLongerValid)),
                  Conflict: () => Effect.succeed(problem(409, t.problems.notSubmitted)),
                  ProviderNotConfigured: () => Effect.succeed(problem(503, t.problems.unavailable)),
                  NoProviderAvailable: () => Effect.succeed(problem(503, t.problems.unavailable)),
                  ProviderError: () => Effect.succeed(problem(502, t.problems.noAnswer))
                })
              )
            }),
          options
        )
      })
    )
  })
)
