import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test runs the generator as Node processes of its own, some several in turn: in a whole-repository run on
    // two cores their start-up alone can pass vitest's 5 s default.
    testTimeout: 60_000
  }
})
