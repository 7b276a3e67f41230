/** The engine wired for tests: sandbox provider, in-memory file store, a known key ring, a given database. */
import { ProviderRegistry } from "@assure/provider"
import { SandboxProvider } from "@assure/sandbox"
import { Effect, Layer, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import { PNG } from "pngjs"
import {
  CircuitBreaker,
  Dossiers,
  FileStore,
  Lifecycle,
  Migrations,
  OutboundPolicy,
  PersonalDataCipher,
  Processes,
  Router,
  Tenant,
  Verifications
} from "../../src/index.js"

export const webhookSecret = Redacted.make("whsec_engine_tests")

export const keys: PersonalDataCipher.Keys = {
  activeKeyId: "2026-11",
  keys: { "2026-11": Redacted.make(PersonalDataCipher.generateKey()) }
}

export const tenantA = Tenant.TenantId.make("client-a")
export const tenantB = Tenant.TenantId.make("client-b")

/** Stand-ins for the in-memory file store and the test key ring's cipher, for tests that watch or step into them. */
export interface Services {
  readonly fileStore?: Layer.Layer<FileStore.FileStore> | undefined
  readonly cipher?: Layer.Layer<PersonalDataCipher.PersonalDataCipher> | undefined
  /** Providers registered beside the sandbox. */
  readonly moreProviders?: Layer.Layer<never, never, ProviderRegistry.ProviderRegistry> | undefined
}

export const engineLayer = (database: Layer.Layer<SqlClient.SqlClient>, services: Services = {}) => {
  const storage = Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(Layer.provideMerge(database))
  const providers = Layer.mergeAll(
    SandboxProvider.layer({ webhookSecrets: [webhookSecret] }),
    services.moreProviders ?? Layer.empty
  ).pipe(Layer.provideMerge(ProviderRegistry.layer))
  return Layer.mergeAll(Dossiers.layer, Processes.layer, Verifications.layer).pipe(
    Layer.provideMerge(Router.layer),
    Layer.provideMerge(
      Layer.mergeAll(
        storage,
        // The synchronous API alone: nothing listens to the signals, the durable work has its own suite.
        Layer.succeed(Lifecycle.Lifecycle, { wake: () => Effect.void, queued: () => Effect.void }),
        providers,
        services.fileStore ?? FileStore.layerMemory,
        services.cipher ?? Layer.orDie(PersonalDataCipher.layer(keys)),
        OutboundPolicy.layerStrict,
        CircuitBreaker.layer()
      )
    )
  )
}

/**
 * A real PNG of `width`×`height` (grey), for what reads an image's size: the capture page refuses photos too small to
 * read.
 */
export const photo = (width = 800, height = 600): Uint8Array => {
  const key = `${width}x${height}`
  const made = photos.get(key)
  if (made !== undefined) return made
  const image = new PNG({ width, height })
  image.data.fill(0x80)
  const bytes = new Uint8Array(PNG.sync.write(image))
  photos.set(key, bytes)
  return bytes
}
// Encoded once per size: a suite uploads the same photo many times.
const photos = new Map<string, Uint8Array>()

// Minimal but real images: what a client uploads.
export const jpeg = Uint8Array.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x4d, 0x55, 0x53, 0x54, 0x45, 0x52
])
export const png = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (char) => char.charCodeAt(0)
)
