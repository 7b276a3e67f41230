/**
 * The review console's configuration (issue 20): who may sign in, with what, to which tenants in which role, and how
 * long a session lasts.
 *
 * - `ASSURE_CONSOLE_ACCOUNTS`: the path of a JSON file of operator accounts. Each has an `id`, a `name`, its
 *   `tenants` (tenant id → `reviewer` or `admin`), and how it signs in: a `secretHash` (from
 *   `assure-server console-account`, scrypt as client secrets are) with a `totpSecret` (base32, the second factor,
 *   required), or an `oidcSubject` (the `sub` the external OpenID provider gives that person). The file is checked
 *   strictly at start: an unknown field, a duplicate id, a password without a second factor are refused.
 * - `ASSURE_CONSOLE_OIDC_ISSUER`, `ASSURE_CONSOLE_OIDC_CLIENT_ID`, `ASSURE_CONSOLE_OIDC_CLIENT_SECRET` (optional,
 *   all three or none): sign-in with an external OpenID provider (authorization code flow with PKCE), for accounts
 *   with an `oidcSubject`. `ASSURE_CONSOLE_OIDC_NAME` is the button's word for it ("Sign in with Entra ID").
 * - `ASSURE_CONSOLE_IDLE_TIMEOUT` (15 minutes) and `ASSURE_CONSOLE_SESSION_LIFETIME` (8 hours).
 *
 * Without accounts the console is off: its paths answer 404.
 */
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { Config, Duration, Effect, Option, Redacted, Result, Schema } from "effect"

/** A role in a tenant: reviewers decide cases, admins also see the audit trail. */
export type Role = "reviewer" | "admin"

/** An operator account, as configured. */
export interface Account {
  readonly id: string
  readonly name: string
  readonly tenants: Readonly<Record<string, Role>>
  readonly secretHash?: string | undefined
  readonly totpSecret?: Redacted.Redacted<string> | undefined
  readonly oidcSubject?: string | undefined
}

/** Sign-in with an external OpenID provider. */
export interface ExternalProvider {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly name: string
}

/** The console's settings. */
export interface ConsoleSettings {
  readonly accounts: ReadonlyArray<Account>
  /** The file the accounts were read from, read again on SIGHUP; none when they were given otherwise (tests). */
  readonly accountsPath?: string | undefined
  readonly oidc?: ExternalProvider | undefined
  readonly idleTimeout: Duration.Duration
  readonly sessionLifetime: Duration.Duration
}

/** A console setting is wrong: which, and why (ServerConfig reports it as a `ConfigurationError`). */
export class ConsoleConfigProblem extends Schema.TaggedError<ConsoleConfigProblem>(
  "@assure/server/ConsoleConfigProblem"
)("ConsoleConfigProblem", { setting: Schema.String, problem: Schema.String }) {}

const AccountId = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9._@-]{1,64}$/))

const AccountEntry = Schema.Struct({
  id: AccountId,
  name: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100)),
  tenants: Schema.Record(Schema.String.check(Schema.isMinLength(1)), Schema.Literals(["reviewer", "admin"])),
  secretHash: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/))),
  totpSecret: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Z2-7]{16,128}=*$/))),
  oidcSubject: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(255)))
})

const decodeAccounts = Schema.decodeUnknownResult(Schema.fromJsonString(Schema.Array(AccountEntry)))

/** The accounts of a file's text, or what is wrong with them. */
export const parseAccounts = (text: string): Result.Result<ReadonlyArray<Account>, string> => {
  const decoded = decodeAccounts(text, { errors: "all", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure.message)
  const seen = new Set<string>()
  for (const entry of decoded.success) {
    if (seen.has(entry.id)) return Result.fail(`the account id ${entry.id} is given twice`)
    seen.add(entry.id)
    if (Object.keys(entry.tenants).length === 0) return Result.fail(`${entry.id} has no tenant`)
    const password = entry.secretHash !== undefined
    if (password && entry.totpSecret === undefined) {
      return Result.fail(`${entry.id} has a secretHash without a totpSecret: a second factor is required`)
    }
    if (!password && entry.totpSecret !== undefined)
      return Result.fail(`${entry.id} has a totpSecret without a secretHash`)
    if (!password && entry.oidcSubject === undefined) {
      return Result.fail(`${entry.id} can sign in with nothing: give a secretHash and totpSecret, or an oidcSubject`)
    }
  }
  return Result.succeed(
    decoded.success.map(({ totpSecret, ...entry }) => ({
      ...entry,
      ...(totpSecret === undefined ? {} : { totpSecret: Redacted.make(totpSecret) })
    }))
  )
}

const optional = (name: string) =>
  Config.option(Config.String(name)).pipe(Config.map(Option.filter((value) => value.trim().length > 0)))

/** The accounts of the file at `path`, or what is wrong: it cannot be read, or its accounts are not right. */
export const readAccountsFile = (path: string): Result.Result<ReadonlyArray<Account>, string> => {
  let text: string
  try {
    text = readFileSync(resolve(path), "utf8")
  } catch (error) {
    return Result.fail(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return Result.mapError(parseAccounts(text), (problem) => `${path}: ${problem}`)
}

/** Reads and checks the console's settings. */
export const load: Effect.Effect<ConsoleSettings, ConsoleConfigProblem | Config.ConfigError> = Effect.gen(function* () {
  const path = yield* optional("ASSURE_CONSOLE_ACCOUNTS")
  let accounts: ReadonlyArray<Account> = []
  if (Option.isSome(path)) {
    const read = readAccountsFile(path.value)
    if (Result.isFailure(read)) {
      return yield* new ConsoleConfigProblem({ setting: "ASSURE_CONSOLE_ACCOUNTS", problem: read.failure })
    }
    accounts = read.success
  }

  const issuer = yield* optional("ASSURE_CONSOLE_OIDC_ISSUER")
  const clientId = yield* optional("ASSURE_CONSOLE_OIDC_CLIENT_ID")
  const clientSecret = yield* Config.option(Config.Redacted("ASSURE_CONSOLE_OIDC_CLIENT_SECRET"))
  const given = [Option.isSome(issuer), Option.isSome(clientId), Option.isSome(clientSecret)].filter(Boolean).length
  if (given !== 0 && given !== 3) {
    return yield* new ConsoleConfigProblem({
      setting: "ASSURE_CONSOLE_OIDC_ISSUER",
      problem: "give the issuer, the client id and the client secret together, or none of them"
    })
  }
  if (Option.isSome(issuer) && !/^https?:\/\//.test(issuer.value)) {
    return yield* new ConsoleConfigProblem({ setting: "ASSURE_CONSOLE_OIDC_ISSUER", problem: "must be an https URL" })
  }
  const oidcName = yield* Config.String("ASSURE_CONSOLE_OIDC_NAME").pipe(Config.withDefault("your organisation"))

  const idleTimeout = yield* Config.Duration("ASSURE_CONSOLE_IDLE_TIMEOUT").pipe(
    Config.withDefault(Duration.minutes(15))
  )
  const sessionLifetime = yield* Config.Duration("ASSURE_CONSOLE_SESSION_LIFETIME").pipe(
    Config.withDefault(Duration.hours(8))
  )
  if (!(Duration.toMillis(idleTimeout) >= 1000 && Duration.toMillis(idleTimeout) <= 86_400_000)) {
    return yield* new ConsoleConfigProblem({
      setting: "ASSURE_CONSOLE_IDLE_TIMEOUT",
      problem: "must be between 1 second and 24 hours"
    })
  }
  if (Duration.toMillis(sessionLifetime) < Duration.toMillis(idleTimeout) || Duration.toHours(sessionLifetime) > 24) {
    return yield* new ConsoleConfigProblem({
      setting: "ASSURE_CONSOLE_SESSION_LIFETIME",
      problem: "must be at least the idle timeout and at most 24 hours"
    })
  }
  return {
    accounts,
    accountsPath: Option.getOrUndefined(path),
    oidc:
      Option.isSome(issuer) && Option.isSome(clientId) && Option.isSome(clientSecret)
        ? { issuer: issuer.value, clientId: clientId.value, clientSecret: clientSecret.value, name: oidcName }
        : undefined,
    idleTimeout,
    sessionLifetime
  }
})
