/**
 * A real npm registry for the proof: verdaccio on a free loopback port, with a throw-away storage, configuration and
 * user database in `directory`.
 *
 * `@assure/*` packages are never proxied: they exist only once published here, so nothing can come from (or be
 * mistaken for) the public registry. Everything else is proxied from the public npm registry, which is how the
 * consumers get `effect`, `typescript`, `vitest` and `esbuild`. Publishing needs a user: one is created through the
 * registry's own `npm adduser` endpoint (verdaccio's htpasswd plugin), and its token goes into a temporary npm
 * configuration file, so the user's own `~/.npmrc` is never read or changed.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { openSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"

/** A running registry. */
export interface Registry {
  readonly url: string
  /** An npm configuration file (`npm_config_userconfig`) that points at the registry with the publishing user's token. */
  readonly publishConfig: string
  /** An npm configuration file that points at the registry without credentials, for the consumers. */
  readonly installConfig: string
  readonly log: string
  readonly stop: () => Promise<void>
}

const verdaccioBin = join(import.meta.dirname, "..", "node_modules", "verdaccio", "bin", "verdaccio")

const freePort = async (): Promise<number> => {
  const server = createServer()
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const address = server.address()
  server.close()
  await once(server, "close")
  if (address === null || typeof address === "string") throw new Error("could not find a free port")
  return address.port
}

const configuration = (directory: string) => ({
  storage: join(directory, "storage"),
  auth: { htpasswd: { file: join(directory, "htpasswd"), max_users: 1 } },
  uplinks: { npmjs: { url: "https://registry.npmjs.org/", timeout: "60s", max_fails: 5 } },
  packages: {
    // Ours: published here only, never looked up upstream.
    "@assure/*": { access: "$all", publish: "$authenticated", unpublish: "$authenticated" },
    "**": { access: "$all", publish: "$authenticated", proxy: "npmjs" }
  },
  web: { enable: false },
  // The proof blocks its event loop while the release runs: keep connections open meanwhile.
  server: { keepAliveTimeout: 3600 },
  max_body_size: "50mb",
  log: { type: "stdout", format: "pretty", level: "warn" }
})

const waitUntilUp = async (url: string, child: ChildProcess, log: string): Promise<void> => {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`verdaccio exited with code ${child.exitCode}:\n${readFileSync(log, "utf8")}`)
    }
    try {
      const response = await fetch(new URL("-/ping", url))
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`verdaccio did not answer within 60 s:\n${readFileSync(log, "utf8")}`)
}

/** Creates the publishing user (what `npm adduser` does) and returns its token. */
const addUser = async (url: string): Promise<string> => {
  const name = "assure-release-proof"
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password: globalThis.crypto.randomUUID(), type: "user", roles: [] })
  })
  const body = (await response.json()) as { readonly token?: string }
  if (!response.ok || body.token === undefined) {
    throw new Error(`verdaccio refused to create the user: ${response.status} ${JSON.stringify(body)}`)
  }
  return body.token
}

/** Starts verdaccio with everything under `directory`; the caller stops it. */
export const startRegistry = async (directory: string): Promise<Registry> => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const configFile = join(directory, "config.yaml")
  // JSON is YAML: no YAML writer needed.
  writeFileSync(configFile, JSON.stringify(configuration(directory), null, 2))
  const log = join(directory, "verdaccio.log")
  const output = openSync(log, "a")
  const child = spawn(process.execPath, [verdaccioBin, "--config", configFile, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", output, output]
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill("SIGTERM")
    await once(child, "exit")
  }
  try {
    await waitUntilUp(url, child, log)
    const token = await addUser(url)
    const publishConfig = join(directory, "publish.npmrc")
    writeFileSync(publishConfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`)
    const installConfig = join(directory, "install.npmrc")
    writeFileSync(installConfig, `registry=${url}\nfund=false\naudit=false\nupdate-notifier=false\n`)
    return { url, publishConfig, installConfig, log, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
