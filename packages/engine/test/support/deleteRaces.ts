/**
 * Writes that lose the race to their dossier's deletion, stepped through deterministically on each database: the
 * delete runs at the worst moment of the write (after its checks, while its bytes are stored or its data sealed),
 * and the write must answer NotFound and leave nothing behind — no row, no file in the store.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Dossiers, type EngineError, FileStore, PersonalDataCipher, Processes, Verifications } from "../../src/index.js"
import { engineLayer, jpeg, keys, png, tenantA } from "./engine.js"

/** One effect to run the next time the engine reaches a given point, then never again. */
const makeTrap = () => {
  let armed: { readonly at: (point: string) => boolean; readonly effect: Effect.Effect<unknown, unknown> } | undefined
  let sprung = 0
  return {
    arm: (at: (point: string) => boolean, effect: Effect.Effect<unknown, unknown>) => {
      armed = { at, effect }
    },
    spring: (point: string) =>
      Effect.suspend(() => {
        const trap = armed
        if (trap === undefined || !trap.at(point)) return Effect.void
        armed = undefined
        sprung += 1
        return Effect.asVoid(Effect.orDie(trap.effect))
      }),
    get sprung() {
      return sprung
    }
  }
}

type Trap = ReturnType<typeof makeTrap>

/** An in-memory file store that shows its contents, and springs the trap once a file is stored or before one is read. */
const watchedStore = (trap: Trap, stored: Map<string, Uint8Array>) =>
  Layer.succeed(
    FileStore.FileStore,
    FileStore.FileStore.of({
      put: (bytes) =>
        Effect.gen(function* () {
          const key = globalThis.crypto.randomUUID().replaceAll("-", "")
          stored.set(key, bytes)
          yield* trap.spring("put")
          return key
        }),
      get: (key) =>
        Effect.andThen(trap.spring("get"), () => {
          const bytes = stored.get(key)
          return bytes === undefined
            ? Effect.fail(new FileStore.FileStoreError({ operation: "read", cause: new Error("no such file") }))
            : Effect.succeed(bytes)
        }),
      remove: (key) =>
        Effect.sync(() => {
          stored.delete(key)
        })
    })
  )

/** The test key ring's cipher, springing the trap before it seals or opens anything (`seal:<context>`). */
const watchedCipher = (trap: Trap) =>
  Layer.effect(
    PersonalDataCipher.PersonalDataCipher,
    Effect.map(PersonalDataCipher.PersonalDataCipher, (cipher) =>
      PersonalDataCipher.PersonalDataCipher.of({
        ...cipher,
        seal: (plaintext, context) => Effect.andThen(trap.spring(`seal:${context}`), cipher.seal(plaintext, context)),
        sealJson: (value, context) => Effect.andThen(trap.spring(`seal:${context}`), cipher.sealJson(value, context)),
        open: (sealed, context) => Effect.andThen(trap.spring(`open:${context}`), cipher.open(sealed, context)),
        openJson: (sealed, context) => Effect.andThen(trap.spring(`open:${context}`), cipher.openJson(sealed, context))
      })
    )
  ).pipe(Layer.provide(Layer.orDie(PersonalDataCipher.layer(keys))))

const leftOver = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const count = (table: string) =>
    Effect.map(sql.unsafe<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`), (rows) => Number(rows[0]?.n))
  return {
    dossiers: yield* count("assure_dossiers"),
    processes: yield* count("assure_processes"),
    files: yield* count("assure_files"),
    notifications: yield* count("assure_notifications")
  }
})

const nothing = { dossiers: 0, processes: 0, files: 0, notifications: 0 }

export const deleteRaceSuite = (name: string, database: () => Layer.Layer<SqlClient.SqlClient>) => {
  describe(`writes racing a dossier's deletion on ${name}`, () => {
    const setup = () => {
      const trap = makeTrap()
      const stored = new Map<string, Uint8Array>()
      const layer = engineLayer(database(), { fileStore: watchedStore(trap, stored), cipher: watchedCipher(trap) })
      return { trap, stored, layer }
    }

    /** `write` fails with NotFound, the trap was sprung, and nothing of the dossier is left. */
    const lostTheRace = <A>(
      trap: Trap,
      stored: Map<string, Uint8Array>,
      write: Effect.Effect<A, EngineError.NotFound | EngineError.InvalidInput | EngineError.Conflict | unknown>
    ) =>
      Effect.gen(function* () {
        const before = trap.sprung
        const failure = yield* Effect.flip(write)
        assert.strictEqual(trap.sprung, before + 1, "the delete ran in the middle of the write")
        assert.strictEqual((failure as { _tag?: string })._tag, "NotFound")
        assert.deepStrictEqual(yield* leftOver, nothing)
        assert.strictEqual(stored.size, 0, "no file is left in the store")
      })

    const newDossier = Effect.flatMap(Dossiers.Dossiers, (dossiers) =>
      dossiers.create(tenantA, { userData: { firstName: "Ada", lastName: "Lovelace" } })
    )

    it.live("a dossier file whose bytes were being stored", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* newDossier
        trap.arm((point) => point === "put", dossiers.delete(tenantA, dossier.dossierId))
        yield* lostTheRace(trap, stored, dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg))
      }).pipe(Effect.provide(layer))
    })

    it.live("identity data that was being sealed", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* newDossier
        trap.arm(
          (point) => point === `seal:dossier:${dossier.dossierId}:userData`,
          dossiers.delete(tenantA, dossier.dossierId)
        )
        yield* lostTheRace(trap, stored, dossiers.setUserData(tenantA, dossier.dossierId, { firstName: "Grace" }))
      }).pipe(Effect.provide(layer))
    })

    it.live("a process whose parameters were being sealed", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const processes = yield* Processes.Processes
        const dossier = yield* newDossier
        trap.arm((point) => /^seal:process:.*:parameters$/.test(point), dossiers.delete(tenantA, dossier.dossierId))
        yield* lostTheRace(
          trap,
          stored,
          processes.create(tenantA, dossier.dossierId, { provider: "sandbox", processType: "document" })
        )
      }).pipe(Effect.provide(layer))
    })

    it.live("a process file whose bytes were being stored, whether the dossier or the process is deleted", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const processes = yield* Processes.Processes
        const dossier = yield* newDossier
        const first = yield* processes.create(tenantA, dossier.dossierId, {
          provider: "sandbox",
          processType: "document"
        })
        trap.arm((point) => point === "put", processes.delete(tenantA, dossier.dossierId, first.processId))
        const failure = yield* Effect.flip(
          processes.addFile(tenantA, dossier.dossierId, first.processId, "front", jpeg)
        )
        assert.strictEqual(failure._tag, "NotFound")
        assert.strictEqual(stored.size, 0)
        const second = yield* processes.create(tenantA, dossier.dossierId, {
          provider: "sandbox",
          processType: "document"
        })
        trap.arm((point) => point === "put", dossiers.delete(tenantA, dossier.dossierId))
        yield* lostTheRace(trap, stored, processes.addFile(tenantA, dossier.dossierId, second.processId, "front", jpeg))
      }).pipe(Effect.provide(layer))
    })

    it.live("a verification whose provider was being started", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const processes = yield* Processes.Processes
        const dossier = yield* newDossier
        yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
        const process = yield* processes.create(tenantA, dossier.dossierId, {
          provider: "sandbox",
          processType: "document"
        })
        // The identity data is opened for the provider once everything it gets was read.
        trap.arm(
          (point) => point === `open:dossier:${dossier.dossierId}:userData`,
          dossiers.delete(tenantA, dossier.dossierId)
        )
        yield* lostTheRace(trap, stored, processes.requestVerification(tenantA, dossier.dossierId, process.processId))
      }).pipe(Effect.provide(layer))
    })

    it.live("a verification whose files were being read for the provider", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const processes = yield* Processes.Processes
        const dossier = yield* newDossier
        yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
        const process = yield* processes.create(tenantA, dossier.dossierId, {
          provider: "sandbox",
          processType: "document"
        })
        // The files' bytes are read after the dossier's lock is released: the delete can come in between.
        trap.arm((point) => point === "get", dossiers.delete(tenantA, dossier.dossierId))
        yield* lostTheRace(trap, stored, processes.requestVerification(tenantA, dossier.dossierId, process.processId))
      }).pipe(Effect.provide(layer))
    })

    it.live("a cancellation whose outcome was being sealed", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const processes = yield* Processes.Processes
        const dossier = yield* newDossier
        const process = yield* processes.create(tenantA, dossier.dossierId, {
          provider: "sandbox",
          processType: "document"
        })
        trap.arm(
          (point) => point === `seal:process:${process.processId}:provider_specific`,
          dossiers.delete(tenantA, dossier.dossierId)
        )
        yield* lostTheRace(trap, stored, processes.cancel(tenantA, dossier.dossierId, process.processId))
      }).pipe(Effect.provide(layer))
    })

    it.live("a result whose portrait was being stored", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const processes = yield* Processes.Processes
        const dossier = yield* newDossier
        yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
        yield* dossiers.addFile(tenantA, dossier.dossierId, "selfie", png)
        const process = yield* processes.create(tenantA, dossier.dossierId, {
          provider: "sandbox",
          processType: "documentSelfie"
        })
        yield* processes.requestVerification(tenantA, dossier.dossierId, process.processId)
        trap.arm((point) => point === "put", dossiers.delete(tenantA, dossier.dossierId))
        yield* lostTheRace(trap, stored, (yield* Verifications.Verifications).refresh(process.processId))
      }).pipe(Effect.provide(layer))
    })

    it.live("a file read as the dossier is deleted, and a second delete", () => {
      const { trap, stored, layer } = setup()
      return Effect.gen(function* () {
        const dossiers = yield* Dossiers.Dossiers
        const dossier = yield* newDossier
        yield* dossiers.addFile(tenantA, dossier.dossierId, "front", jpeg)
        const file = (yield* dossiers.get(tenantA, dossier.dossierId)).files[0]?.fileId ?? ""
        // A read racing the delete: the bytes went with the row, and the read answers NotFound.
        trap.arm((point) => point === "get", dossiers.delete(tenantA, dossier.dossierId))
        yield* lostTheRace(trap, stored, dossiers.getFile(tenantA, dossier.dossierId, file))
        const again = yield* Effect.flip(dossiers.delete(tenantA, dossier.dossierId))
        assert.strictEqual(again._tag, "NotFound")
      }).pipe(Effect.provide(layer))
    })
  })
}
