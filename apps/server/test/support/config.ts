/** Loads the server's configuration as `assure-server` does at start, from given variables only. */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PersonalDataCipher } from "@assure/engine"
import { ConfigProvider, Effect } from "effect"
import { hashSecret } from "../../src/server/Secrets.js"
import { load } from "../../src/server/ServerConfig.js"

/** The variables plus a fresh data folder, a real client and a key (so not development mode), unless overridden. */
export const loadWith = (variables: Record<string, string>) =>
  Effect.runPromiseExit(
    load.pipe(
      Effect.provideService(
        ConfigProvider.ConfigProvider,
        ConfigProvider.fromEnv({
          env: {
            ASSURE_DATA_DIR: mkdtempSync(join(tmpdir(), "assure-config-")),
            ASSURE_CLIENTS: `alpha:${hashSecret("alpha-secret-value")}`,
            ASSURE_ENCRYPTION_KEYS: `k1:${PersonalDataCipher.generateKey()}`,
            ...variables
          }
        })
      )
    )
  )
