/**
 * Capture sessions: what a hosted capture page (`POST /assure/dossiers/{dossierId}/capture`) is bound to. A session
 * belongs to one tenant and one dossier, names the providers and process types to run, and where to send the end-user
 * afterwards. Its credential is a random capture token given out once: only the token's SHA-256 hash is stored, so
 * the database never holds a usable link.
 *
 * - `start` checks everything (the dossier, each provider and process type — one a page can take part in, by the
 *   provider's `endUserFlow`: photos, or a hand-over to the provider — the redirect URL, the notification URL
 *   with the {@link OutboundPolicy}) before anything is stored, and answers the token and when it expires
 *   (`EngineConfig.captureLifetime`, 30 minutes by default). `provider: "auto"` lets the routing policy choose.
 * - `open` answers the session of a token that is still usable, with its {@link Choice}s — the ways through it the
 *   end-user can take: photos for every provider that takes them, or a hand-over to one provider with its own hosted
 *   flow or redirect. It survives reloads of the page until it is used.
 * - `addFile` stores an image on the session's dossier (`Dossiers.addFile` checks its type and size; a photo too small
 *   to read is refused, {@link minimumSides}); a photo of a kind the session already uploaded replaces it (the new
 *   one is stored first, then the old one removed), and a session takes at most {@link maxUploads} uploads.
 * - `submit` takes the end-user's choice (and, for photos, their document: a two-sided one needs its back), consumes
 *   the token and creates and starts the choice's processes, with the dossier's images; a token is used once.
 *   Nothing is consumed when the photos the choice needs are missing. A hand-over answers the provider's page.
 * - `handOff` gives a usable session a new one-time hand-off code (a desktop shows it as a QR code of
 *   `/capture/handoff/<code>`); only the code's hash is stored, with the token sealed under a key derived from the
 *   code. `redeemHandOff` opens it once, on the phone, and answers the token; a newer code replaces an older one.
 * - `status` says what a page following the session needs: the kinds uploaded, whether a phone opened a hand-off, and
 *   where a submitted capture sent the end-user.
 *
 * @since 0.2.0
 */
import { DocumentType, type FileInfo, type FileKind, type Process, type Timestamp } from "@assure/core"
import { type IdentityProvider, type ProviderError, ProviderRegistry } from "@assure/provider"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { imageSize } from "image-size"
import { Dossiers } from "./Dossiers.js"
import { EngineConfig } from "./EngineConfig.js"
import { type Conflict, InvalidInput, NoProviderAvailable, NotFound, ProviderNotConfigured } from "./EngineError.js"
import * as FileContent from "./FileContent.js"
import { FileStore } from "./FileStore.js"
import { lockDossier } from "./internal/locking.js"
import { isDossierId, isHttpUrl } from "./internal/processKit.js"
import { later, now } from "./internal/shared.js"
import { OutboundPolicy } from "./OutboundPolicy.js"
import { auto, Processes } from "./Processes.js"
import { Router } from "./Router.js"
import type { TenantId } from "./Tenant.js"

/** One provider to run (or `auto`: the tenant's routing policy chooses), and its process type. @since 0.2.0 */
export interface CaptureProvider {
  readonly provider: string
  readonly processType: string
}

/**
 * One way through a capture the end-user can take: `Photos` — photos taken on the page for every provider of the
 * session that takes photos (`entries`, by index in `providers`), needing `kinds` (and the back of a two-sided
 * document, {@link photosNeeded}) — or `HandOver` — the end-user sent to one provider's own hosted flow or redirect,
 * and back. `id` is what the page sends back to `submit`.
 *
 * @since 0.2.0
 */
export type Choice =
  | {
      readonly _tag: "Photos"
      readonly id: "photos"
      readonly entries: ReadonlyArray<number>
      readonly kinds: ReadonlyArray<FileKind.UploadableKind>
    }
  | {
      readonly _tag: "HandOver"
      readonly id: string
      readonly entries: readonly [number]
      /** The provider the end-user is sent to (for `auto`, the one routing would choose now). */
      readonly provider: string
    }

/** What the end-user chose on the page, for `submit`. @since 0.2.0 */
export interface Selection {
  /** A {@link Choice}'s `id`; may be left out when the session has only one. */
  readonly choice?: string | undefined
  /** The document photographed, for the `Photos` choice: a two-sided one needs its back too. */
  readonly documentType?: string | undefined
}

/** Documents with a back worth reading (the machine-readable zone or a barcode is there). @since 0.2.0 */
export const twoSided: ReadonlyArray<DocumentType.DocumentType> = ["idCard", "driverLicense", "residencePermit"]

/** The photos a `Photos` choice needs for a document: its kinds, with the back of a two-sided document. @since 0.2.0 */
export const photosNeeded = (
  choice: Extract<Choice, { readonly _tag: "Photos" }>,
  documentType: DocumentType.DocumentType | undefined
): ReadonlyArray<FileKind.UploadableKind> => {
  const kinds = new Set(choice.kinds)
  if (documentType !== undefined && twoSided.includes(documentType)) kinds.add("back")
  return photoOrder.filter((kind) => kinds.has(kind))
}

/** The order the page asks for photos in. */
const photoOrder: ReadonlyArray<FileKind.UploadableKind> = ["front", "back", "selfie"]

/**
 * The smallest photo the capture page takes, in pixels, as `[long side, short side]`: below it a document's text (or
 * a face) is too small for a provider to read, and the end-user is asked to come closer at once rather than hear a
 * provider say so later. Uploads through the API are not checked: their clients know their provider.
 *
 * @since 0.2.0
 */
export const minimumSides: Readonly<Record<"front" | "back" | "selfie", readonly [number, number]>> = {
  front: [600, 400],
  back: [600, 400],
  selfie: [300, 300]
}

/** The `detail` of the `InvalidInput` a photo too small to read is refused with. @since 0.2.0 */
export const tooSmallDetail = "The photo is too small to read"

/** The `detail` of the `InvalidInput` a photo whose size cannot be read is refused with. @since 0.2.0 */
export const unreadableDetail = "The photo cannot be read"

/** The `detail` of the `InvalidInput` an upload past {@link maxUploads} is refused with. @since 0.2.0 */
export const tooManyDetail = "Too many photos"

/** What a capture session is started with (the Assure fields the engine uses). @since 0.2.0 */
export interface StartCapture {
  /** One to five providers, each with a process type it runs. */
  readonly providers: ReadonlyArray<CaptureProvider>
  /** Where the end-user is sent when the capture ends: an http or https URL. */
  readonly redirectUrl: string
  /** Given to each process the capture creates: checked with the {@link OutboundPolicy}. */
  readonly notificationUrl?: string | undefined
  /** A reviewer's retake: the photos to take again (through this capture, not kept from before) and why. */
  readonly retake?: Retake | undefined
}

/** What a reviewer asked to be taken again, and why (said to the end-user on the page). @since 0.2.0 */
export interface Retake {
  readonly kinds: ReadonlyArray<FileKind.UploadableKind>
  readonly reason: string
}

/** A new session's credential, shown once, and when it stops working. @since 0.2.0 */
export interface Started {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: Timestamp.Timestamp
}

/** A usable session, as the capture page needs it. @since 0.2.0 */
export interface Session {
  readonly tenant: TenantId
  readonly dossierId: string
  readonly providers: ReadonlyArray<CaptureProvider>
  /** The ways through it the end-user can take now; empty when none of its providers can take part now. */
  readonly choices: ReadonlyArray<Choice>
  /** A reviewer's retake, when the capture is one. */
  readonly retake?: Retake | undefined
  /** The kinds uploaded through this session (the dossier may hold older photos of other kinds too). */
  readonly uploaded: ReadonlyArray<FileKind.UploadableKind>
  readonly redirectUrl: string
  readonly expiresAt: Timestamp.Timestamp
}

/** What a submitted capture started. @since 0.2.0 */
export interface Submitted {
  readonly dossierId: string
  readonly redirectUrl: string
  readonly processes: ReadonlyArray<Process.Process>
  /**
   * Where the end-user is sent: a hand-over's provider page; otherwise `redirectUrl` with `dossierId`, and with a
   * single process its `processId` and `status`, as Assure's capture flow does. @since 0.2.0
   */
  readonly redirectTo: string
}

/** A session's progress, as a page following it (a desktop that handed off to a phone) reads it. @since 0.2.0 */
export interface Status {
  /** The kinds of photo uploaded through the session. */
  readonly uploaded: ReadonlyArray<FileKind.UploadableKind>
  /** Whether a phone opened one of the session's hand-off links. */
  readonly handedOff: boolean
  /** Where the submitted capture sent the end-user; absent until the submit has started its processes. */
  readonly redirectTo?: string | undefined
}

/**
 * The token is not usable: no session has it (`unknown`), it has expired (`expired`), or it was submitted already
 * (`consumed`), or — for a one-time hand-off link — it was opened already (`handedOff`). The page says so; nothing is
 * told about the dossier.
 *
 * @since 0.2.0
 */
export class CaptureUnavailable extends Schema.TaggedError<CaptureUnavailable>("@assure/engine/CaptureUnavailable")(
  "CaptureUnavailable",
  { reason: Schema.Literals(["unknown", "expired", "consumed", "handedOff"]) }
) {
  override get message(): string {
    return this.reason === "handedOff"
      ? "The hand-off link was opened already"
      : `The capture link is ${this.reason === "unknown" ? "not known" : this.reason}`
  }
}

/**
 * Where a started process's provider sends the end-user back (the application's callback endpoint), by provider and
 * process. @since 0.2.0
 */
export type ReturnUrlFor = (provider: string, processId: string) => Effect.Effect<string>

/** The capture session operations. @since 0.2.0 */
export class Captures extends Context.Service<
  Captures,
  {
    readonly start: (
      tenant: TenantId,
      dossierId: string,
      input: StartCapture
    ) => Effect.Effect<Started, NotFound | InvalidInput | ProviderNotConfigured>
    readonly open: (token: string) => Effect.Effect<Session, CaptureUnavailable>
    readonly addFile: (
      token: string,
      kind: FileKind.UploadableKind,
      bytes: Uint8Array
    ) => Effect.Effect<FileInfo.FileInfo, CaptureUnavailable | InvalidInput>
    readonly submit: (
      token: string,
      returnUrlFor: ReturnUrlFor,
      selection?: Selection
    ) => Effect.Effect<
      Submitted,
      | CaptureUnavailable
      | InvalidInput
      | NotFound
      | Conflict
      | ProviderNotConfigured
      | NoProviderAvailable
      | ProviderError.ProviderError
    >
    readonly handOff: (token: string) => Effect.Effect<Redacted.Redacted<string>, CaptureUnavailable>
    readonly redeemHandOff: (code: string) => Effect.Effect<Redacted.Redacted<string>, CaptureUnavailable>
    readonly status: (token: string) => Effect.Effect<Status, CaptureUnavailable>
  }
>()("@assure/engine/Captures") {}

interface CaptureRow {
  readonly token_hash: string
  readonly tenant_id: string
  readonly dossier_id: string
  readonly providers: string
  readonly redirect_url: string
  readonly notification_url: string | null
  readonly expires_at: string
  readonly consumed_at: string | null
  readonly uploads: number
  readonly files: string
  readonly created_at: string
  readonly handoff_hash: string | null
  readonly handoff_seal: string | null
  readonly handoff_opened_at: string | null
  readonly redirected_to: string | null
  readonly retake: string | null
}

/** How many uploads one capture session takes, retakes included. @since 0.2.0 */
export const maxUploads = 20

const decodeFiles = Schema.decodeUnknownSync(Schema.fromJsonString(Schema.Record(Schema.String, Schema.String)))

const RetakeJson = Schema.fromJsonString(
  Schema.Struct({ kinds: Schema.Array(Schema.Literals(["front", "back", "selfie", "video"])), reason: Schema.String })
)
const decodeRetake = Schema.decodeUnknownSync(RetakeJson)
const encodeRetake = Schema.encodeSync(RetakeJson)

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("")

/** The SHA-256 of the token, as stored. */
const hashOf = (token: string) =>
  Effect.promise(() => globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).pipe(
    Effect.map(hex)
  )

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "")

const fromBase64url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (char) => char.charCodeAt(0))

/** 32 random bytes, base64url: 256 bits that are the session's only credential. */
const newToken = () => base64url(globalThis.crypto.getRandomValues(new Uint8Array(32)))

/** The AES-GCM key a hand-off code seals its token with: HKDF-SHA-256 of the code, apart from its lookup hash. */
const handOffKey = async (code: string, usage: "encrypt" | "decrypt") => {
  const subtle = globalThis.crypto.subtle
  const base = await subtle.importKey("raw", new TextEncoder().encode(code), "HKDF", false, ["deriveKey"])
  return subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: new TextEncoder().encode("assure capture hand-off")
    },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    [usage]
  )
}

/** The token sealed under the code: `<iv>.<ciphertext>`, base64url. */
const sealToken = (token: string, code: string) =>
  Effect.promise(async () => {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      await handOffKey(code, "encrypt"),
      new TextEncoder().encode(token)
    )
    return `${base64url(iv)}.${base64url(new Uint8Array(sealed))}`
  })

const openToken = (seal: string, code: string) =>
  Effect.promise(async () => {
    const [iv = "", sealed = ""] = seal.split(".")
    const token = await globalThis.crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64url(iv) },
      await handOffKey(code, "decrypt"),
      fromBase64url(sealed)
    )
    return new TextDecoder().decode(token)
  })

/** Where a submitted capture sends the end-user, as Assure's capture flow: the dossier, and one process's status. */
const redirectTarget = (redirectUrl: string, dossierId: string, started: ReadonlyArray<Process.Process>) => {
  const target = new URL(redirectUrl)
  target.searchParams.set("dossierId", dossierId)
  const only = started.length === 1 ? started[0] : undefined
  if (only !== undefined) {
    target.searchParams.set("processId", only.processId)
    target.searchParams.set("status", only.status)
  }
  return target.toString()
}

/** The choice a selection names: any when there is one, else the one it names. */
const chosen = (choices: ReadonlyArray<Choice>, selection: Selection) => {
  if (choices.length === 0) {
    return Effect.fail(new NoProviderAvailable({ detail: "None of the capture's providers can take part now" }))
  }
  const only = choices.length === 1 && selection.choice === undefined ? choices[0] : undefined
  const choice = only ?? choices.find((candidate) => candidate.id === selection.choice)
  return choice === undefined
    ? Effect.fail(invalid("Choose how to verify", "choice", `must be one of ${choices.map(({ id }) => id).join(", ")}`))
    : Effect.succeed(choice)
}

const isDocumentType = Schema.is(DocumentType.DocumentType)

/** Whether a photo is large enough to read ({@link minimumSides}); its size is read from its header. */
const readable = (kind: FileKind.UploadableKind, bytes: Uint8Array) => {
  if (kind !== "front" && kind !== "back" && kind !== "selfie") return Effect.void
  const [long, short] = minimumSides[kind]
  const size = (() => {
    try {
      return imageSize(bytes)
    } catch {
      return undefined
    }
  })()
  if (size === undefined) return Effect.fail(invalid(unreadableDetail, kind, "its size cannot be read"))
  // A photo taken sideways is as readable: the sides count, not which is the width.
  const sides = [Math.max(size.width, size.height), Math.min(size.width, size.height)] as const
  return sides[0] >= long && sides[1] >= short
    ? Effect.void
    : Effect.fail(
        invalid(tooSmallDetail, kind, `is ${size.width}×${size.height} pixels; it must be at least ${long}×${short}`)
      )
}

/** Only tokens of the shape `start` makes are looked up. */
const isTokenShape = (token: string) => /^[A-Za-z0-9_-]{43}$/.test(token)

const invalid = (detail: string, name: string, reason: string) =>
  new InvalidInput({ detail, invalidParams: [{ name, reason }] })

const decodeProviders = Schema.decodeUnknownSync(
  Schema.fromJsonString(Schema.Array(Schema.Struct({ provider: Schema.String, processType: Schema.String })))
)

/**
 * The capture sessions over effect/sql, starting processes with {@link Processes}.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<
  Captures,
  never,
  SqlClient.SqlClient | Dossiers | Processes | ProviderRegistry.ProviderRegistry | OutboundPolicy | FileStore | Router
> = Layer.effect(
  Captures,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dossiers = yield* Dossiers
    const processes = yield* Processes
    const registry = yield* ProviderRegistry.ProviderRegistry
    const policy = yield* OutboundPolicy
    const fileStore = yield* FileStore
    const router = yield* Router
    const { captureLifetime } = yield* EngineConfig

    /** The stored row of a token, whatever its state. */
    const rowOf = (token: string) =>
      Effect.gen(function* () {
        if (!isTokenShape(token)) return undefined
        const hash = yield* hashOf(token)
        const rows = yield* sql<CaptureRow>`SELECT * FROM assure_captures WHERE token_hash = ${hash}`.pipe(Effect.orDie)
        return rows[0]
      })

    /** Why the row's token cannot be used at `timestamp`, if it cannot. */
    const refusal = (row: CaptureRow | undefined, timestamp: string): CaptureUnavailable | undefined =>
      row === undefined
        ? new CaptureUnavailable({ reason: "unknown" })
        : row.consumed_at !== null
          ? new CaptureUnavailable({ reason: "consumed" })
          : row.expires_at <= timestamp
            ? new CaptureUnavailable({ reason: "expired" })
            : undefined

    /** The provider an entry runs on now: the one named, or the one routing would choose for `auto`. */
    const providerOf = (
      tenant: TenantId,
      dossierId: string,
      entry: CaptureProvider
    ): Effect.Effect<IdentityProvider.IdentityProvider | undefined> =>
      entry.provider === auto
        ? processes.previewRoute(tenant, dossierId, entry.processType).pipe(Effect.orElseSucceed(() => undefined))
        : registry.get(entry.provider).pipe(Effect.orElseSucceed(() => undefined))

    /** The ways through the session: photos for every provider that takes them, or a hand-over to one. */
    const choicesOf = (
      tenant: TenantId,
      dossierId: string,
      providers: ReadonlyArray<CaptureProvider>,
      retake: Retake | undefined
    ) =>
      Effect.gen(function* () {
        const photos: Array<number> = []
        // A retake's photos are asked for whatever the process type needs: the reviewer wants them.
        const kinds = new Set<FileKind.UploadableKind>(retake?.kinds ?? [])
        const handOvers: Array<Choice> = []
        for (const [index, entry] of providers.entries()) {
          const provider = yield* providerOf(tenant, dossierId, entry)
          const flow = provider?.endUserFlow(entry.processType)
          if (provider === undefined || flow === undefined) continue
          if (flow.flow === "images") {
            photos.push(index)
            for (const kind of flow.kinds) kinds.add(kind)
          } else {
            handOvers.push({ _tag: "HandOver", id: `handOver-${index}`, entries: [index], provider: provider.name })
          }
        }
        const choices: Array<Choice> =
          photos.length === 0
            ? []
            : [{ _tag: "Photos", id: "photos", entries: photos, kinds: photoOrder.filter((kind) => kinds.has(kind)) }]
        return [...choices, ...handOvers]
      })

    const sessionOf = (row: CaptureRow) =>
      Effect.gen(function* () {
        const tenant = row.tenant_id as TenantId
        const providers = decodeProviders(row.providers)
        const retake = row.retake === null ? undefined : decodeRetake(row.retake)
        return {
          tenant,
          dossierId: row.dossier_id,
          providers,
          choices: yield* choicesOf(tenant, row.dossier_id, providers, retake),
          ...(retake === undefined ? {} : { retake }),
          uploaded: Object.keys(decodeFiles(row.files)) as Array<FileKind.UploadableKind>,
          redirectUrl: row.redirect_url,
          expiresAt: row.expires_at as Timestamp.Timestamp
        } satisfies Session
      })

    /** The row of a usable token. */
    const usableRow = (token: string) =>
      Effect.gen(function* () {
        const row = yield* rowOf(token)
        const refused = refusal(row, yield* now)
        if (refused !== undefined || row === undefined)
          return yield* refused ?? new CaptureUnavailable({ reason: "unknown" })
        return row
      })

    const open = (token: string) => Effect.flatMap(usableRow(token), sessionOf)

    return Captures.of({
      start: Effect.fn("Captures.start")(function* (tenant, dossierId, input) {
        if (!isDossierId(dossierId)) return yield* new NotFound({ resource: "dossier", id: dossierId })
        // The dossier first: a missing one answers NotFound before any complaint about the input.
        const owned = yield* sql<{ id: string }>`
          SELECT id FROM assure_dossiers WHERE id = ${dossierId} AND tenant_id = ${tenant}`.pipe(Effect.orDie)
        if (owned.length === 0) return yield* new NotFound({ resource: "dossier", id: dossierId })
        if (input.providers.length === 0 || input.providers.length > 5) {
          return yield* invalid("The providers are not valid", "providers", "must name 1 to 5 providers")
        }
        for (const [index, entry] of input.providers.entries()) {
          if (entry.provider === auto) {
            // The routing policy chooses when the page opens (to show that provider's flow) and for real on submit.
            if ((yield* router.policy(tenant)) === undefined) {
              return yield* invalid(
                "No provider can be routed to",
                `providers.${index}.provider`,
                'no routing policy applies: set one (PUT /assure/routing/policy) or name the provider instead of "auto"'
              )
            }
            continue
          }
          const provider = yield* registry
            .get(entry.provider)
            .pipe(Effect.mapError(() => new ProviderNotConfigured({ provider: entry.provider })))
          if (!provider.processTypes.some((type) => type === entry.processType)) {
            return yield* invalid(
              "The process type is not supported",
              `providers.${index}.processType`,
              `${provider.name} runs ${provider.processTypes.join(", ")}`
            )
          }
          if (provider.endUserFlow(entry.processType) === undefined) {
            return yield* invalid(
              "The process type is not supported",
              `providers.${index}.processType`,
              `the end-user takes no part in ${provider.name}'s ${entry.processType}: the client supplies its data`
            )
          }
        }
        if (!isHttpUrl(input.redirectUrl) || input.redirectUrl.length > 2048) {
          return yield* invalid(
            "The redirect URL is not valid",
            "redirectUrl",
            "must be an http or https URL of at most 2048 characters"
          )
        }
        const urlRefusal = input.notificationUrl === undefined ? undefined : policy.checkUrl(input.notificationUrl)
        if (urlRefusal !== undefined) {
          return yield* invalid("The notification URL is not allowed", "notificationUrl", urlRefusal)
        }
        const token = newToken()
        const timestamp = yield* now
        const expiresAt = later(timestamp, captureLifetime)
        const row: CaptureRow = {
          token_hash: yield* hashOf(token),
          tenant_id: tenant,
          dossier_id: dossierId,
          providers: JSON.stringify(input.providers.map(({ provider, processType }) => ({ provider, processType }))),
          redirect_url: input.redirectUrl,
          notification_url: input.notificationUrl ?? null,
          expires_at: expiresAt,
          consumed_at: null,
          uploads: 0,
          files: "{}",
          created_at: timestamp,
          handoff_hash: null,
          handoff_seal: null,
          handoff_opened_at: null,
          redirected_to: null,
          retake:
            input.retake === undefined
              ? null
              : encodeRetake({ kinds: [...input.retake.kinds], reason: input.retake.reason })
        }
        // The dossier may have been deleted since it was read: the foreign key refuses the row, and nothing is stored.
        const stored = yield* sql`INSERT INTO assure_captures ${sql.insert({ ...row })}`.pipe(
          Effect.as(true),
          Effect.catch(() => Effect.succeed(false))
        )
        if (!stored) return yield* new NotFound({ resource: "dossier", id: dossierId })
        return { token: Redacted.make(token), expiresAt }
      }),

      open: (token) => Effect.withSpan(open(token), "Captures.open"),

      addFile: Effect.fn("Captures.addFile")(function* (token, kind, bytes) {
        const row = yield* usableRow(token)
        const session = { tenant: row.tenant_id as TenantId, dossierId: row.dossier_id }
        // The type first (a text file is "not an image", not "too small"), then whether it can be read at all.
        yield* FileContent.validate(kind, bytes)
        yield* readable(kind, bytes)
        // An upload slot, taken in one statement while the link is usable.
        const timestamp = yield* now
        const hash = yield* hashOf(token)
        const slot = yield* sql<{ uploads: number }>`
          UPDATE assure_captures SET uploads = uploads + 1
          WHERE token_hash = ${hash} AND consumed_at IS NULL AND expires_at > ${timestamp} AND uploads < ${maxUploads}
          RETURNING uploads`.pipe(Effect.orDie)
        if (slot.length === 0) {
          const refused = refusal(yield* rowOf(token), timestamp)
          if (refused !== undefined) return yield* refused
          return yield* invalid(tooManyDetail, kind, `a capture takes at most ${maxUploads} uploads`)
        }
        const file = yield* dossiers
          .addFile(session.tenant, session.dossierId, kind, bytes)
          // The dossier was deleted under the session: its link is no longer usable.
          .pipe(Effect.catchTag("NotFound", () => Effect.fail(new CaptureUnavailable({ reason: "unknown" }))))
        // The latest photo of each kind is the one: the one it replaces goes, row first, then its bytes.
        const replaced = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              if (!(yield* lockDossier(sql, session.dossierId))) return undefined
              const rows = yield* sql<{ files: string }>`
                SELECT files FROM assure_captures WHERE token_hash = ${hash}`
              const files = decodeFiles(rows[0]?.files ?? "{}")
              const previous = files[kind]
              yield* sql`UPDATE assure_captures SET files = ${JSON.stringify({ ...files, [kind]: file.fileId })}
                WHERE token_hash = ${hash}`
              if (previous === undefined) return undefined
              const deleted = yield* sql<{ storage_key: string }>`
                DELETE FROM assure_files
                WHERE id = ${previous} AND dossier_id = ${session.dossierId} AND process_id IS NULL
                RETURNING storage_key`
              return deleted[0]?.storage_key
            })
          )
          .pipe(Effect.orDie)
        if (replaced !== undefined) {
          yield* fileStore
            .remove(replaced)
            .pipe(Effect.catch((error) => Effect.logWarning("a replaced capture photo could not be removed", error)))
        }
        return file
      }),

      submit: Effect.fn("Captures.submit")(function* (token, returnUrlFor, selection = {}) {
        const session = yield* open(token)
        const choice = yield* chosen(session.choices, selection)
        if (choice._tag === "Photos") {
          const documentType = selection.documentType
          if (documentType !== undefined && !isDocumentType(documentType)) {
            return yield* invalid(
              "The document type is not valid",
              "documentType",
              `must be one of ${DocumentType.DocumentType.literals.join(", ")}`
            )
          }
          // The photos the choice needs, before the token is used: a missing one is for the end-user to add.
          const kinds = new Set(
            (yield* sql<{ kind: string }>`
              SELECT DISTINCT kind FROM assure_files WHERE dossier_id = ${session.dossierId} AND process_id IS NULL`.pipe(
              Effect.orDie
            )).map((row) => row.kind)
          )
          // A retake's photos must be new: taken through this capture, not the ones the reviewer looked at.
          const stale = session.retake?.kinds.find((kind) => !session.uploaded.includes(kind))
          if (stale !== undefined) {
            return yield* invalid(`The ${stale} image is missing`, stale, `a reviewer asked for a new ${stale} image`)
          }
          const missing = photosNeeded(choice, documentType).find((kind) => !kinds.has(kind))
          if (missing !== undefined) {
            return yield* invalid(
              `The ${missing} image is missing`,
              missing,
              documentType === undefined ? `a ${missing} image is needed` : `a ${documentType} needs a ${missing} image`
            )
          }
        }
        // Consumed by one statement: of two submits at once, one gets the row back, the other finds it consumed.
        const timestamp = yield* now
        const hash = yield* hashOf(token)
        const claimed = yield* sql<CaptureRow>`
          UPDATE assure_captures SET consumed_at = ${timestamp}
          WHERE token_hash = ${hash} AND consumed_at IS NULL AND expires_at > ${timestamp}
          RETURNING *`.pipe(Effect.orDie)
        const row = claimed[0]
        if (row === undefined) {
          return yield* refusal(yield* rowOf(token), timestamp) ?? new CaptureUnavailable({ reason: "consumed" })
        }
        const started: Array<Process.Process> = []
        for (const entry of choice.entries.flatMap((index) => session.providers[index] ?? [])) {
          const created = yield* processes
            .create(session.tenant, session.dossierId, {
              provider: entry.provider,
              processType: entry.processType,
              ...(row.notification_url === null ? {} : { notificationUrl: row.notification_url })
            })
            .pipe(
              // Nothing was started yet: the token stays usable (the provider may be back, the images replaced).
              Effect.tapError(() =>
                started.length === 0
                  ? Effect.orDie(sql`UPDATE assure_captures SET consumed_at = NULL WHERE token_hash = ${hash}`)
                  : Effect.void
              )
            )
          started.push(created)
          started[started.length - 1] = yield* processes.requestVerification(
            session.tenant,
            session.dossierId,
            created.processId,
            { returnUrl: yield* returnUrlFor(created.provider, created.processId), clientRedirectUrl: row.redirect_url }
          )
        }
        const clientTarget = redirectTarget(row.redirect_url, session.dossierId, started)
        // For a page that follows the session (a desktop whose end-user finished on a phone): the client's site, even
        // when the phone goes on to a provider's page first.
        yield* sql`UPDATE assure_captures SET redirected_to = ${clientTarget} WHERE token_hash = ${hash}`.pipe(
          Effect.orDie
        )
        // A single process that waits for the end-user at its provider (a hand-over, or a routed fallback that turned
        // out to be one) sends them there; the provider sends them back to the return URL, and on to the client.
        const handedOver = started.length === 1 ? started[0]?.redirectUrl : undefined
        return {
          dossierId: session.dossierId,
          redirectUrl: row.redirect_url,
          processes: started,
          redirectTo: handedOver ?? clientTarget
        }
      }),

      handOff: Effect.fn("Captures.handOff")(function* (token) {
        yield* usableRow(token)
        const code = newToken()
        const hash = yield* hashOf(token)
        // The newest code is the one: it replaces the one before, used or not.
        const updated = yield* sql<{ token_hash: string }>`
          UPDATE assure_captures SET handoff_hash = ${yield* hashOf(code)}, handoff_seal = ${yield* sealToken(token, code)}
          WHERE token_hash = ${hash} AND consumed_at IS NULL
          RETURNING token_hash`.pipe(Effect.orDie)
        if (updated.length === 0) return yield* new CaptureUnavailable({ reason: "consumed" })
        return Redacted.make(code)
      }),

      redeemHandOff: Effect.fn("Captures.redeemHandOff")(function* (code) {
        if (!isTokenShape(code)) return yield* new CaptureUnavailable({ reason: "unknown" })
        const hash = yield* hashOf(code)
        const rows = yield* sql<CaptureRow>`SELECT * FROM assure_captures WHERE handoff_hash = ${hash}`.pipe(
          Effect.orDie
        )
        const row = rows[0]
        const timestamp = yield* now
        const refused = refusal(row, timestamp)
        if (refused !== undefined || row === undefined)
          return yield* refused ?? new CaptureUnavailable({ reason: "unknown" })
        if (row.handoff_seal === null) return yield* new CaptureUnavailable({ reason: "handedOff" })
        // Used once: of two phones opening the same code at once, one clears the seal, the other finds it cleared.
        const claimed = yield* sql<{ token_hash: string }>`
          UPDATE assure_captures SET handoff_seal = NULL, handoff_opened_at = ${timestamp}
          WHERE handoff_hash = ${hash} AND handoff_seal IS NOT NULL AND consumed_at IS NULL AND expires_at > ${timestamp}
          RETURNING token_hash`.pipe(Effect.orDie)
        if (claimed.length === 0) return yield* new CaptureUnavailable({ reason: "handedOff" })
        return Redacted.make(yield* openToken(row.handoff_seal, code))
      }),

      status: Effect.fn("Captures.status")(function* (token) {
        const row = yield* rowOf(token)
        if (row === undefined) return yield* new CaptureUnavailable({ reason: "unknown" })
        if (row.expires_at <= (yield* now)) return yield* new CaptureUnavailable({ reason: "expired" })
        return {
          uploaded: Object.keys(decodeFiles(row.files)) as Array<FileKind.UploadableKind>,
          handedOff: row.handoff_opened_at !== null,
          redirectTo: row.redirected_to ?? undefined
        }
      })
    })
  })
)

/** The capture page's address for a token: `<base>/capture/<token>`. @since 0.2.0 */
export const pageUrl = (base: string, token: Redacted.Redacted<string>): string =>
  `${base.replace(/\/$/, "")}/capture/${Redacted.value(token)}`
