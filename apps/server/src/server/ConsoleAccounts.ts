/**
 * The console's operator accounts as the server holds them: read when it starts, and read again from their file when
 * the server gets SIGHUP (`kill -HUP <pid>`, `docker kill --signal HUP …`), so adding, changing or removing an operator
 * needs no restart. A file that cannot be read, or whose accounts are wrong, is logged with the reason and changes
 * nothing: a typo never locks every operator out. A removed account loses its sessions at once, since a session is
 * honoured only for an account held. Without a file (the console off) SIGHUP is logged and does nothing else, rather
 * than end the server as Node's default would: a `systemctl reload` out of habit must not stop it.
 */
import { Effect, Queue, Result, type Scope } from "effect"
import { type Account, type ConsoleSettings, readAccountsFile } from "./ConsoleConfig.js"

export interface HeldAccounts {
  readonly byId: (id: string) => Account | undefined
  /** The account of an external sign-in's subject. */
  readonly bySubject: (subject: string | undefined) => Account | undefined
}

const indexOf = (accounts: ReadonlyArray<Account>) => ({
  byId: new Map(accounts.map((account) => [account.id, account])),
  bySubject: new Map(
    accounts.flatMap((account) => (account.oidcSubject === undefined ? [] : [[account.oidcSubject, account] as const]))
  )
})

/** Holds `settings.accounts`, and swaps them for the file's on each SIGHUP while the scope lasts. */
export const hold = (settings: ConsoleSettings): Effect.Effect<HeldAccounts, never, Scope.Scope> =>
  Effect.gen(function* () {
    let current = indexOf(settings.accounts)
    const path = settings.accountsPath
    const hangUps = yield* Queue.unbounded<void>()
    const onHangUp = () => {
      Queue.offerUnsafe(hangUps, undefined)
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("SIGHUP", onHangUp)),
      () => Effect.sync(() => process.off("SIGHUP", onHangUp))
    )
    const reload = Effect.gen(function* () {
      yield* Queue.take(hangUps)
      if (path === undefined) {
        return yield* Effect.logInfo(
          "SIGHUP: there is no console accounts file to read again (ASSURE_CONSOLE_ACCOUNTS)"
        )
      }
      const read = readAccountsFile(path)
      if (Result.isFailure(read)) {
        return yield* Effect.logError("the console's accounts were not read again; the ones held stay").pipe(
          Effect.annotateLogs({ problem: read.failure })
        )
      }
      current = indexOf(read.success)
      yield* Effect.logInfo("the console's accounts were read again").pipe(
        Effect.annotateLogs({ file: path, accounts: read.success.length })
      )
    })
    yield* Effect.forkScoped(Effect.forever(reload))
    return {
      byId: (id) => current.byId.get(id),
      bySubject: (subject) => (subject === undefined ? undefined : current.bySubject.get(subject))
    }
  })
