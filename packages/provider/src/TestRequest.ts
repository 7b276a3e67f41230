/**
 * Start requests for tests and conformance harnesses, as the engine makes them: fresh dossier and process ids and
 * idempotency key around the parts a test chooses (process type, provider parameters, user data, files).
 *
 * @example
 * ```ts
 * import { TestRequest } from "@assure/provider/testing"
 *
 * const request = TestRequest.start({
 *   processType: "document",
 *   parameters: { tags: ["simulator:pending"] },
 *   files: [{ kind: "front", mediaType: "image/jpeg", bytes: TestRequest.jpeg(4096) }]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Identifiers, type IdentityData, ProcessType } from "@assure/core"
import type * as IdentityProvider from "./IdentityProvider.js"

/**
 * A start request with fresh ids (`d-<uuid>`, `p-<uuid>`, the uuid as idempotency key); parameters default to `{}`,
 * files to none.
 *
 * @since 0.1.0
 */
export const start = (options: {
  readonly processType: string
  readonly parameters?: unknown
  readonly userData?: IdentityData.IdentityData | undefined
  readonly files?: ReadonlyArray<IdentityProvider.InputFile> | undefined
  readonly returnUrl?: string | undefined
}): IdentityProvider.StartRequest<unknown> => {
  const id = globalThis.crypto.randomUUID()
  return {
    dossierId: Identifiers.DossierId.make(`d-${id}`),
    processId: Identifiers.ProcessId.make(`p-${id}`),
    processType: ProcessType.ProcessType.make(options.processType),
    parameters: options.parameters ?? {},
    ...(options.userData === undefined ? {} : { userData: options.userData }),
    files: options.files ?? [],
    ...(options.returnUrl === undefined ? {} : { returnUrl: options.returnUrl }),
    idempotencyKey: id
  }
}

/**
 * `size` bytes (at least 13) that pass for a JPEG: the start-of-image and JFIF marker, zeros, the end-of-image
 * marker. Simulators read no pixels; vendors' size limits are met by choosing `size`.
 *
 * @since 0.1.0
 */
export const jpeg = (size: number): Uint8Array => {
  const bytes = new Uint8Array(Math.max(size, 13))
  bytes.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00])
  bytes.set([0xff, 0xd9], bytes.length - 2)
  return bytes
}
