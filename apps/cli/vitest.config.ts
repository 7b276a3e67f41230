import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test starts `assure` (and the demo its server) as child processes: allow for a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
