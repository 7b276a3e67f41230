/**
 * The review console's pages (issue 20), rendered on the server as plain HTML with forms: no script at all, so its
 * Content-Security-Policy allows none, and every action is a form POST answered with a redirect (post/redirect/get).
 * Every form that changes something carries the session's CSRF token.
 *
 * The pages are in English: the console is for a compliance team, not for end-users (the capture page speaks their
 * language).
 */
import type { FileInfo, IdentityData, Process } from "@assure/core"
import type { FullResult, Matching, Reviews } from "@assure/engine"
import { escapeHtml } from "./CapturePage.js"
import type { Role } from "./ConsoleConfig.js"

/** What every page of a signed-in operator shows around its content. */
export interface Frame {
  readonly title: string
  readonly operator?:
    | {
        readonly name: string
        readonly tenants: ReadonlyArray<{ readonly id: string; readonly role: Role }>
        readonly csrf: string
      }
    | undefined
  /** The tenant the page is about, and the operator's role in it. */
  readonly tenant?: { readonly id: string; readonly role: Role } | undefined
}

const text = escapeHtml

// Tables and the provider's result scroll sideways on a phone: they take the keyboard's focus (tabindex="0"), so that
// a keyboard can scroll them too.

/** The page around a body: the header with the operator, their tenants and sign-out, then the body. */
export const layout = (frame: Frame, body: string): string => {
  const operator = frame.operator
  const nav =
    operator === undefined
      ? ""
      : `<nav aria-label="Console">
<ul class="tenants">
${operator.tenants
  .map(
    (tenant) =>
      `<li><a href="/console/t/${encodeURIComponent(tenant.id)}"${tenant.id === frame.tenant?.id ? ' aria-current="page"' : ""}>${text(tenant.id)}</a> <span class="role">${tenant.role}</span></li>`
  )
  .join("\n")}
</ul>
${
  frame.tenant?.role === "admin"
    ? `<p><a href="/console/t/${encodeURIComponent(frame.tenant.id)}/audit">Audit trail</a></p>`
    : ""
}
<form method="post" action="/console/sign-out" class="sign-out">
<input type="hidden" name="csrf" value="${text(operator.csrf)}">
<span>${text(operator.name)}</span> <button type="submit">Sign out</button>
</form>
</nav>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${text(frame.title)} · Assure review console</title>
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<header>
<p class="brand"><a href="/console">Assure review console</a></p>
${nav}
</header>
<main>
<h1>${text(frame.title)}</h1>
${body}
</main>
</body>
</html>
`
}

/** An error message, said to assistive technology at once. */
const alert = (message: string | undefined) =>
  message === undefined ? "" : `<p class="error" role="alert">${text(message)}</p>`

/** The sign-in page: an account and its password, or the external OpenID provider. */
export const signInPage = (options: {
  readonly error?: string | undefined
  readonly notice?: string | undefined
  readonly externalName?: string | undefined
}): string =>
  layout(
    { title: "Sign in" },
    `${alert(options.error)}${options.notice === undefined ? "" : `<p class="notice" role="status">${text(options.notice)}</p>`}
<form method="post" action="/console/sign-in" class="stack">
<p><label for="account">Account</label><input id="account" name="account" autocomplete="username" required maxlength="64"></p>
<p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"></p>
<p><button type="submit" class="primary">Continue</button></p>
</form>
${
  options.externalName === undefined
    ? ""
    : `<p><a class="button" href="/console/sign-in/external">Sign in with ${text(options.externalName)}</a></p>`
}`
  )

/** The second factor: the code of the operator's authenticator app. */
export const codePage = (options: { readonly error?: string | undefined }): string =>
  layout(
    { title: "Your one-time code" },
    `${alert(options.error)}<form method="post" action="/console/sign-in/code" class="stack">
<p><label for="code">The 6-digit code your authenticator app shows</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required maxlength="6"></p>
<p><button type="submit" class="primary">Sign in</button></p>
</form>`
  )

/** A page that only says something: an error, or the end of a session. */
export const messagePage = (frame: Frame, message: string): string =>
  layout(frame, `<p>${text(message)}</p><p><a href="/console">Back to the console</a></p>`)

/** The operator's tenants, when they have several. */
export const homePage = (frame: Frame): string =>
  layout(
    frame,
    `<p>Choose a tenant:</p>
<ul>
${(frame.operator?.tenants ?? [])
  .map(
    (tenant) => `<li><a href="/console/t/${encodeURIComponent(tenant.id)}">${text(tenant.id)}</a> (${tenant.role})</li>`
  )
  .join("\n")}
</ul>`
  )

/** The queue's filters, as the form and the query string have them. */
export interface QueueFilters {
  readonly status: string
  readonly provider: string
  readonly age: string
  readonly country: string
}

/** The ages the queue can be filtered by: older than. */
export const ages: ReadonlyArray<readonly [string, string, number]> = [
  ["", "any age", 0],
  ["1h", "older than an hour", 3_600_000],
  ["1d", "older than a day", 86_400_000],
  ["7d", "older than a week", 604_800_000]
]

const statuses = ["inconclusive", "accepted", "rejected", "failed", "canceled", "pending", "processing"]

const options = (values: ReadonlyArray<readonly [string, string]>, selected: string) =>
  values
    .map(
      ([value, label]) =>
        `<option value="${text(value)}"${value === selected ? " selected" : ""}>${text(label)}</option>`
    )
    .join("")

const caseHref = (tenant: string, dossierId: string, processId: string) =>
  `/console/t/${encodeURIComponent(tenant)}/cases/${encodeURIComponent(dossierId)}/${encodeURIComponent(processId)}`

/** A tenant's queue: the filters, and the cases that match them. */
export const queuePage = (
  frame: Frame & { readonly tenant: { readonly id: string; readonly role: Role } },
  filters: QueueFilters,
  providers: ReadonlyArray<string>,
  entries: ReadonlyArray<Reviews.QueueEntry>
): string => {
  const rows = entries
    .map((entry) => {
      const claim =
        entry.review !== undefined
          ? `reviewed: ${text(entry.review.decision)}`
          : entry.claim === undefined
            ? "open"
            : `claimed by ${text(entry.claim.reviewer.name)}`
      return `<tr>
<td><a href="${caseHref(frame.tenant.id, entry.dossierId, entry.processId)}">${text(entry.processId)}</a></td>
<td>${text(entry.provider)}</td>
<td>${text(entry.processType)}</td>
<td>${text(entry.status)}</td>
<td>${text(entry.country ?? "—")}</td>
<td><time datetime="${text(entry.createdAt)}">${text(entry.createdAt.replace("T", " ").replace("Z", ""))}</time></td>
<td>${claim}</td>
</tr>`
    })
    .join("\n")
  return layout(
    frame,
    `<form method="get" class="filters" aria-label="Filters">
<p><label for="status">Status</label><select id="status" name="status">${options(
      statuses.map((status) => [status, status]),
      filters.status
    )}</select></p>
<p><label for="provider">Provider</label><select id="provider" name="provider">${options(
      [["", "any provider"], ...providers.map((provider): readonly [string, string] => [provider, provider])],
      filters.provider
    )}</select></p>
<p><label for="age">Age</label><select id="age" name="age">${options(
      ages.map(([value, label]) => [value, label]),
      filters.age
    )}</select></p>
<p><label for="country">Country</label><input id="country" name="country" value="${text(filters.country)}" maxlength="3" size="4" placeholder="NOR" autocapitalize="characters"></p>
<p><button type="submit">Filter</button></p>
</form>
${
  entries.length === 0
    ? `<p role="status">No cases match.</p>`
    : `<table tabindex="0">
<caption>${entries.length} case${entries.length === 1 ? "" : "s"}, oldest first</caption>
<thead><tr><th scope="col">Process</th><th scope="col">Provider</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Country</th><th scope="col">Created</th><th scope="col">Review</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}`
  )
}

const identityRows = (data: IdentityData.IdentityData | undefined) =>
  data === undefined || Object.keys(data).length === 0
    ? "<p>None.</p>"
    : `<dl>${Object.entries(data)
        .map(
          ([key, value]) =>
            `<dt>${text(key)}</dt><dd>${text(typeof value === "string" ? value : JSON.stringify(value))}</dd>`
        )
        .join("")}</dl>`

/** Everything a reviewer needs to decide a case. */
export interface CaseView {
  readonly process: Process.Process
  readonly userData: IdentityData.IdentityData | undefined
  /** The images to show: the process's and the dossier's (the ones it was verified with). */
  readonly images: ReadonlyArray<{ readonly file: FileInfo.FileInfo; readonly href: string }>
  readonly match: Matching.Report | undefined
  readonly history: ReadonlyArray<FullResult.HistoryEvent>
  readonly review: Reviews.QueueEntry["review"]
  readonly claim: Reviews.QueueEntry["claim"]
  /** The signed-in reviewer's id, to tell whether the claim is theirs. */
  readonly me: string
  readonly rejectionReasons: ReadonlyArray<string>
  readonly error?: string | undefined
  readonly notice?: string | undefined
}

/** The decision form: approve, reject with a reason, or ask for a retake of named photos. */
const decisionForm = (
  base: string,
  csrf: string,
  reasons: ReadonlyArray<string>
) => `<form method="post" action="${base}/decide" class="stack decision">
<input type="hidden" name="csrf" value="${text(csrf)}">
<fieldset>
<legend>Decision</legend>
<p><input type="radio" id="decision-approved" name="decision" value="approved" required> <label for="decision-approved">Approve</label></p>
<p><input type="radio" id="decision-rejected" name="decision" value="rejected"> <label for="decision-rejected">Reject</label></p>
<p><input type="radio" id="decision-retake" name="decision" value="retakeRequested"> <label for="decision-retake">Ask the person for a retake</label></p>
</fieldset>
<p><label for="reason">Reason for a rejection</label><select id="reason" name="reason"><option value="">—</option>${options(
  reasons.map((reason) => [reason, reason.replaceAll("_", " ")]),
  ""
)}</select></p>
<fieldset>
<legend>What to capture again, for a retake</legend>
<p><input type="checkbox" id="kind-front" name="kinds" value="front"> <label for="kind-front">Front of the document</label></p>
<p><input type="checkbox" id="kind-back" name="kinds" value="back"> <label for="kind-back">Back of the document</label></p>
<p><input type="checkbox" id="kind-selfie" name="kinds" value="selfie"> <label for="kind-selfie">Selfie</label></p>
</fieldset>
<p><label for="retake-reason">Why, for a retake (the person is told)</label><input id="retake-reason" name="retakeReason" maxlength="500"></p>
<p><label for="note">Note (free text, kept with the review)</label><textarea id="note" name="note" rows="3" maxlength="2000"></textarea></p>
<p><button type="submit" class="primary">Record the decision</button></p>
</form>`

/**
 * A case: the process, the images, the person, the match, the provider's result and its history — what to look at —
 * then its review: the claim, and the decision form once claimed.
 */
export const casePage = (
  frame: Frame & { readonly tenant: { readonly id: string; readonly role: Role } },
  view: CaseView
): string => {
  const process = view.process
  const base = caseHref(frame.tenant.id, process.dossierId, process.processId)
  const csrf = frame.operator?.csrf ?? ""
  const mine = view.claim !== undefined && view.claim.reviewer.id === view.me
  const claimSection =
    view.review !== undefined
      ? `<p>Reviewed: <strong>${text(view.review.decision)}</strong>${view.review.reason === undefined ? "" : ` (${text(view.review.reason)})`} by ${text(view.review.reviewer.name)} at <time datetime="${text(view.review.decidedAt)}">${text(view.review.decidedAt)}</time>.</p>${
          view.review.retake === undefined
            ? ""
            : `<p>Retake asked for: ${text(view.review.retake.kinds.join(", "))}; the client was sent a new capture link.</p>`
        }`
      : view.claim !== undefined && !mine
        ? `<p>Claimed by ${text(view.claim.reviewer.name)} until <time datetime="${text(view.claim.expiresAt)}">${text(view.claim.expiresAt)}</time>.</p>`
        : mine
          ? `<p>You have claimed this case until <time datetime="${text(view.claim?.expiresAt ?? "")}">${text(view.claim?.expiresAt ?? "")}</time>.</p>
<form method="post" action="${base}/release"><input type="hidden" name="csrf" value="${text(csrf)}"><button type="submit">Release it</button></form>
${decisionForm(base, csrf, view.rejectionReasons)}`
          : `<form method="post" action="${base}/claim"><input type="hidden" name="csrf" value="${text(csrf)}"><button type="submit" class="primary">Claim this case</button></form>`
  // Where the review stands, at the top: the decision form is at the end, after what there is to look at.
  const reviewState =
    view.review !== undefined
      ? `${view.review.decision} by ${view.review.reviewer.name}`
      : view.claim === undefined
        ? "open: claim it to decide"
        : mine
          ? "yours to decide, below"
          : `held by ${view.claim.reviewer.name}`
  const match =
    view.match === undefined
      ? "<p>No result to match: the provider gave no identity data, or the dossier has no userData.</p>"
      : `<p>Overall: <strong>${text(view.match.result)}</strong></p><dl>${Object.entries(view.match.fields)
          .map(([field, result]) => `<dt>${text(field)}</dt><dd>${text(String(result))}</dd>`)
          .join("")}</dl>`
  return layout(
    frame,
    `${alert(view.error)}${view.notice === undefined ? "" : `<p class="notice" role="status">${text(view.notice)}</p>`}
<p><a href="/console/t/${encodeURIComponent(frame.tenant.id)}">Back to the queue</a></p>
<section aria-labelledby="summary-title">
<h2 id="summary-title">The process</h2>
<dl>
<dt>Process</dt><dd>${text(process.processId)}</dd>
<dt>Dossier</dt><dd>${text(process.dossierId)}</dd>
<dt>Provider</dt><dd>${text(process.provider)} (${text(process.processType)})</dd>
<dt>Provider's status</dt><dd>${text(process.status)}</dd>
<dt>Created</dt><dd>${text(process.createdAt)}</dd>
<dt>Review</dt><dd><a href="#review-title">${text(reviewState)}</a></dd>
</dl>
</section>
<section aria-labelledby="images-title">
<h2 id="images-title">Images</h2>
${
  view.images.length === 0
    ? "<p>None.</p>"
    : `<div class="images">${view.images
        .map(
          ({ file, href }) =>
            `<figure><img src="${text(href)}" alt="${text(file.kind)}" loading="lazy"><figcaption>${text(file.kind)}</figcaption></figure>`
        )
        .join("")}</div>`
}
</section>
<section aria-labelledby="person-title">
<h2 id="person-title">The person, as the client said (userData)</h2>
${identityRows(view.userData)}
<h3>As the provider read it</h3>
${identityRows(process.finalResult)}
<h3>Match</h3>
${match}
</section>
<section aria-labelledby="provider-title">
<h2 id="provider-title">The provider's result</h2>
<pre tabindex="0">${text(JSON.stringify(process.providerSpecific ?? {}, null, 2))}</pre>
</section>
<section aria-labelledby="history-title">
<h2 id="history-title">History</h2>
<ol>${view.history
      .map((event) => {
        const { at, event: name, ...detail } = event
        const extra = Object.keys(detail).length === 0 ? "" : ` ${text(JSON.stringify(detail))}`
        return `<li><time datetime="${text(at)}">${text(at)}</time> ${text(name)}${extra}</li>`
      })
      .join("")}</ol>
</section>
<section aria-labelledby="review-title">
<h2 id="review-title">Review</h2>
${claimSection}
</section>`
  )
}

/** The audit trail of a tenant, newest first: who viewed and who decided what. */
export const auditPage = (
  frame: Frame & { readonly tenant: { readonly id: string; readonly role: Role } },
  entries: ReadonlyArray<Reviews.AuditEntry>
): string =>
  layout(
    frame,
    entries.length === 0
      ? `<p role="status">Nothing recorded yet.</p>`
      : `<table tabindex="0">
<caption>${entries.length} entries, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Process</th><th scope="col">Detail</th></tr></thead>
<tbody>
${entries
  .map(
    (entry) =>
      `<tr><td><time datetime="${text(entry.at)}">${text(entry.at)}</time></td><td>${text(entry.actor.name)} (${text(entry.actor.id)})</td><td>${text(entry.action)}</td><td>${text(entry.processId ?? "—")}</td><td>${text(entry.detail === undefined ? "" : JSON.stringify(entry.detail))}</td></tr>`
  )
  .join("\n")}
</tbody>
</table>`
  )
