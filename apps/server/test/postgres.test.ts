import { describe, it } from "vitest"
import { journey } from "./support/journey.js"
import { postgresDatabase } from "./support/stores.js"

if (process.env.ASSURE_TEST_POSTGRES_URL === undefined) {
  describe("the API on PostgreSQL", () => {
    it.skip("skipped: set ASSURE_TEST_POSTGRES_URL to a PostgreSQL server to run this suite", () => {})
  })
} else {
  journey("PostgreSQL", postgresDatabase)
}
