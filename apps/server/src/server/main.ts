#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * `assure-server`: starts the API (Start.ts). `assure-server hash-secret <secret>` prints the hash to put in
 * ASSURE_CLIENTS; `assure-server console-account <id> <name> <tenant>=<role>…` prints a review console account
 * (ConsoleAccount.ts).
 *
 * The first line gives V8 a young generation of 8 MB semi-spaces instead of its default: Effect allocates many
 * short-lived objects per request, and the default lets the resident set grow by about a hundred megabytes under
 * load for no measurable gain in throughput (BENCHMARKS.md; docs/operations.md, "Memory"). `pnpm start` and the
 * Dockerfile pass the same option.
 *
 * This module loads nothing else until Node's on-disk compile cache is on: the server's code (some 670 modules) then
 * compiles from the V8 code cached by an earlier start instead of from source (docs/operations.md, "Start-up").
 * Static imports would be loaded before any line here runs, so the rest comes in by dynamic `import()`.
 */
import { enableCompileCache } from "node:module"

// Node's default directory (`<os temp dir>/node-compile-cache`, per user and Node version), or NODE_COMPILE_CACHE;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. Where it cannot be written (a read-only file system), nothing is cached
// and the server starts as it would without it: the call never throws.
enableCompileCache()

const [command, argument] = process.argv.slice(2)

if (command === "hash-secret") {
  if (argument === undefined) {
    console.error("usage: assure-server hash-secret <secret>")
    process.exit(2)
  }
  // Only the hashing: the server's modules are not needed to print a hash.
  const { hashSecret } = await import("./Secrets.js")
  console.log(hashSecret(argument))
} else if (command === "console-account") {
  const { makeAccount } = await import("./ConsoleAccount.js")
  const made = makeAccount(process.argv.slice(3))
  if ("error" in made) {
    console.error(made.error)
    process.exit(2)
  }
  console.log(JSON.stringify(made.entry, null, 2))
  console.error(`\nThe password (shown once): ${made.password}`)
  console.error(`The second factor, for an authenticator app (shown once): ${made.otpauth}`)
} else {
  const { start } = await import("./Start.js")
  start()
}
