import { describe, it } from "vitest"
import { captureSuite } from "./support/captures.js"
import { freshPostgres, postgresUrl } from "./support/databases.js"
import { deleteRaceSuite } from "./support/deleteRaces.js"
import { durableSuite } from "./support/durable.js"
import { operatorSessionSuite } from "./support/operatorSessions.js"
import { reviewSuite } from "./support/reviews.js"
import { routingSuite } from "./support/routing.js"
import { engineSuite } from "./support/suite.js"

if (postgresUrl === undefined) {
  describe("engine on PostgreSQL", () => {
    it.skip("skipped: set ASSURE_TEST_POSTGRES_URL to a PostgreSQL server to run this suite", () => {})
  })
} else {
  const url = postgresUrl
  engineSuite("PostgreSQL", () => freshPostgres(url))
  durableSuite("PostgreSQL", () => freshPostgres(url))
  deleteRaceSuite("PostgreSQL", () => freshPostgres(url))
  routingSuite("PostgreSQL", () => freshPostgres(url))
  captureSuite("PostgreSQL", () => freshPostgres(url))
  operatorSessionSuite("PostgreSQL", () => freshPostgres(url))
  reviewSuite("PostgreSQL", () => freshPostgres(url))
}
