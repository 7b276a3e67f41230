import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Layer } from "effect"
import { captureSuite } from "./support/captures.js"
import { deleteRaceSuite } from "./support/deleteRaces.js"
import { durableSuite } from "./support/durable.js"
import { operatorSessionSuite } from "./support/operatorSessions.js"
import { reviewSuite } from "./support/reviews.js"
import { routingSuite } from "./support/routing.js"
import { engineSuite } from "./support/suite.js"

/** A new database file for each test, as the embedded default uses one. */
const freshSqlite = () =>
  Layer.orDie(SqliteClient.layer({ filename: join(mkdtempSync(join(tmpdir(), "assure-engine-")), "assure.db") }))

engineSuite("SQLite", freshSqlite)
durableSuite("SQLite", freshSqlite)
deleteRaceSuite("SQLite", freshSqlite)
routingSuite("SQLite", freshSqlite)
captureSuite("SQLite", freshSqlite)
operatorSessionSuite("SQLite", freshSqlite)
reviewSuite("SQLite", freshSqlite)
