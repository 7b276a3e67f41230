/**
 * The data folder is the server user's only, whatever the umask: the folder 0700, every file in it 0600 (the SQLite
 * database and its -wal and -shm, the development secrets, the file store's folders and files), a folder found wider
 * narrowed at start; and identity data deleted from the embedded database is overwritten, not left in its free pages.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fromVariables } from "../src/server/ServerConfig.js"
import { withDatabase } from "./support/database.js"
import { apiClient, clients, type Running, startServer } from "./support/server.js"
import { onEachStore } from "./support/stores.js"

const jpeg = `data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]).toString("base64")}`
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8)
const newFolder = () => join(mkdtempSync(join(tmpdir(), "assure-data-")), "data")

/** Everything under a folder, each with its mode. */
const modesUnder = (directory: string) =>
  readdirSync(directory, { withFileTypes: true, recursive: true }).map((entry) => {
    const path = join(entry.parentPath, entry.name)
    return { path: path.slice(directory.length), directory: entry.isDirectory(), mode: modeOf(path) }
  })

let umask = 0
beforeAll(() => {
  // The common default, which would leave new files readable by everyone.
  umask = process.umask(0o022)
})
afterAll(() => {
  process.umask(umask)
})

onEachStore("the data folder", (store) => {
  let server: Running
  const dataDirectory = newFolder()
  beforeAll(async () => {
    server = await startServer({ ...(await store()), dataDirectory })
  }, 60_000)
  afterAll(() => server?.stop())

  it("is created 0700, and every folder in it 0700 and every file 0600, under umask 022", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (await alpha.call("POST", "/assure/dossiers", { userData: { firstName: "Ada" } })).json as { dossierId: string }
    ).dossierId
    expect((await alpha.call("POST", `/assure/dossiers/${dossierId}/files`, { front: jpeg })).status).toBe(201)
    expect(modeOf(dataDirectory)).toBe("700")
    const entries = modesUnder(dataDirectory)
    const sqlite = Option.isNone(server.settings.databaseUrl)
    // The embedded database in WAL mode, with its -wal and -shm; the uploaded file two folders down.
    if (sqlite) {
      expect(entries.map((entry) => entry.path)).toEqual(
        expect.arrayContaining(["/assure.db", "/assure.db-wal", "/assure.db-shm"])
      )
    }
    expect(entries.filter((entry) => !entry.directory && entry.path.startsWith("/files/"))).toHaveLength(1)
    expect(entries.filter((entry) => entry.mode !== (entry.directory ? "700" : "600"))).toEqual([])
  })
})

describe("the data folder, created or found", () => {
  it("keeps the development secrets 0600 in a 0700 folder, under umask 022", async () => {
    const dataDirectory = newFolder()
    const settings = await Effect.runPromise(fromVariables({ ASSURE_DATA_DIR: dataDirectory }))
    expect(Option.isSome(settings.development)).toBe(true)
    expect([modeOf(dataDirectory), modeOf(join(dataDirectory, "development-secrets.json"))]).toEqual(["700", "600"])
  })

  it("narrows a folder found open to others, and its database and secrets, at start", async () => {
    const dataDirectory = newFolder()
    mkdirSync(join(dataDirectory, "files"), { recursive: true, mode: 0o755 })
    writeFileSync(join(dataDirectory, "assure.db"), "", { mode: 0o644 })
    writeFileSync(join(dataDirectory, "development-secrets.json"), "{}", { mode: 0o644 })
    const server = await startServer({ dataDirectory })
    try {
      expect(modeOf(dataDirectory)).toBe("700")
      expect(modesUnder(dataDirectory).filter((entry) => entry.mode !== (entry.directory ? "700" : "600"))).toEqual([])
    } finally {
      await server.stop()
    }
  })
})

describe("identity data deleted from the embedded database", () => {
  let server: Running
  beforeAll(async () => {
    server = await startServer()
  }, 60_000)
  afterAll(() => server?.stop())

  it("is overwritten (secure_delete): its ciphertext is nowhere in the database files once deleted", async () => {
    const alpha = await apiClient(server, clients.alpha)
    const dossierId = (
      (
        await alpha.call("POST", "/assure/dossiers", {
          userData: { firstName: "Ada", lastName: "Lovelace", dateOfBirth: "1815-12-10" }
        })
      ).json as { dossierId: string }
    ).dossierId
    const [stored] = await withDatabase(
      server,
      (sql) => sql<{ user_data: Uint8Array }>`SELECT user_data FROM assure_dossiers WHERE id = ${dossierId}`
    )
    const sealed = Buffer.from(stored?.user_data ?? new Uint8Array())
    expect(sealed.length).toBeGreaterThan(32)
    const database = join(server.settings.dataDirectory, "assure.db")
    // Copy the WAL into the database file and empty it, so that what is in the file is all there is.
    const checkpoint = () =>
      withDatabase(server, (sql) => sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`).then((rows) =>
        expect(rows[0]?.busy).toBe(0)
      )
    const contains = () =>
      [database, `${database}-wal`]
        .filter((file) => existsSync(file))
        .some((file) => readFileSync(file).includes(sealed.subarray(8, 40)))
    await checkpoint()
    expect(contains()).toBe(true)
    expect((await alpha.call("DELETE", `/assure/dossiers/${dossierId}`)).status).toBe(204)
    await checkpoint()
    expect(contains()).toBe(false)
  })
})
