/**
 * What engine operations fail with, in terms an API maps to HTTP: a missing resource (404), invalid input with the
 * path of each bad field (400), a conflict with the resource's state (409), a provider this deployment does not
 * configure (whatever asked for it: a new process, a process whose provider was removed, a webhook). Provider failures pass through as
 * `ProviderError` from `@assure/provider`, storage failures are defects.
 *
 * @since 0.1.0
 */
import { Problem } from "@assure/core"
import { Schema } from "effect"

/** The resource does not exist — or belongs to another tenant, which callers cannot tell apart. @since 0.1.0 */
export class NotFound extends Schema.TaggedError<NotFound>("@assure/engine/NotFound")("NotFound", {
  resource: Schema.Literals(["dossier", "process", "file"]),
  id: Schema.String
}) {
  override get message(): string {
    return `No ${this.resource} ${this.id}`
  }
}

/** The input was refused; `invalidParams` names each bad field. Nothing was stored. @since 0.1.0 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>("@assure/engine/InvalidInput")("InvalidInput", {
  detail: Schema.String,
  invalidParams: Schema.Array(Problem.InvalidParam)
}) {
  override get message(): string {
    return this.detail
  }
}

/** The operation does not fit the resource's state (verifying a process twice, uploading to a final one). @since 0.1.0 */
export class Conflict extends Schema.TaggedError<Conflict>("@assure/engine/Conflict")("Conflict", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/**
 * No provider of this name is configured in this deployment: asked for by a new process, by a process created while
 * it was, or by a webhook or redirect return addressed to it. The one error for it, whatever the operation, so that
 * an API maps it in one place.
 *
 * @since 0.2.0
 */
export class ProviderNotConfigured extends Schema.TaggedError<ProviderNotConfigured>(
  "@assure/engine/ProviderNotConfigured"
)("ProviderNotConfigured", { provider: Schema.String }) {
  override get message(): string {
    return `The provider "${this.provider}" is not configured`
  }
}

/**
 * Routing found no provider that can take a new process now: every provider of the matching rule was skipped (their
 * circuits open, say). Nothing was stored; the client may try again later or name a provider.
 *
 * @since 0.2.0
 */
export class NoProviderAvailable extends Schema.TaggedError<NoProviderAvailable>("@assure/engine/NoProviderAvailable")(
  "NoProviderAvailable",
  { detail: Schema.String }
) {
  override get message(): string {
    return this.detail
  }
}
