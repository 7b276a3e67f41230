/**
 * The review console's operator sessions on one database: only the token's hash is stored; a session ends when idle
 * and at its absolute lifetime, saying which; a second-factor session takes a bounded number of codes and is
 * replaced, once, by a new signed-in one; a one-time code's step is used once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { Migrations, OperatorSessions } from "../../src/index.js"

const sessionsLayer = (database: Layer.Layer<SqlClient.SqlClient>) =>
  OperatorSessions.layer.pipe(
    Layer.provideMerge(Layer.effectDiscard(Effect.orDie(Migrations.run)).pipe(Layer.provideMerge(database)))
  )

const lifetimes = { idle: "15 minutes", absolute: "8 hours" } as const

const failureOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error : undefined

export const operatorSessionSuite = (name: string, database: () => Layer.Layer<SqlClient.SqlClient>) => {
  describe(`operator sessions on ${name}`, () => {
    it.effect("store only the token's hash, and end when idle or at their absolute lifetime", () =>
      Effect.gen(function* () {
        const sessions = yield* OperatorSessions.OperatorSessions
        const sql = yield* SqlClient.SqlClient
        const { token } = yield* sessions.start("ada", "signedIn", lifetimes)
        const value = Redacted.value(token)
        assert.match(value, /^[A-Za-z0-9_-]{43}$/)
        const stored = JSON.stringify(yield* sql`SELECT * FROM assure_operator_sessions`)
        assert.notInclude(stored, value)
        assert.strictEqual((yield* sessions.open(value, lifetimes)).accountId, "ada")

        // Used every 10 minutes, it lives on past the idle timeout…
        for (let minutes = 10; minutes <= 60; minutes += 10) {
          yield* TestClock.adjust("10 minutes")
          yield* sessions.open(value, lifetimes)
        }
        // …until its absolute lifetime.
        yield* TestClock.adjust("421 minutes")
        assert.deepStrictEqual(
          failureOf(yield* Effect.exit(sessions.open(value, lifetimes))),
          new OperatorSessions.SessionEnded({ reason: "absolute" })
        )
        // Left alone longer than the idle timeout, another one ends; and an ended one is gone.
        const idle = Redacted.value((yield* sessions.start("ada", "signedIn", lifetimes)).token)
        yield* TestClock.adjust("16 minutes")
        assert.deepStrictEqual(
          failureOf(yield* Effect.exit(sessions.open(idle, lifetimes))),
          new OperatorSessions.SessionEnded({ reason: "idle" })
        )
        assert.deepStrictEqual(
          failureOf(yield* Effect.exit(sessions.open(idle, lifetimes))),
          new OperatorSessions.SessionEnded({ reason: "unknown" })
        )
        // Signed out.
        const other = Redacted.value((yield* sessions.start("ada", "signedIn", lifetimes)).token)
        yield* sessions.end(other)
        assert.strictEqual(failureOf(yield* Effect.exit(sessions.open(other, lifetimes)))?._tag, "SessionEnded")
      }).pipe(Effect.provide(sessionsLayer(database())))
    )

    it.effect("a second-factor session takes a bounded number of codes, and is promoted once to a new token", () =>
      Effect.gen(function* () {
        const sessions = yield* OperatorSessions.OperatorSessions
        const pending = Redacted.value((yield* sessions.start("ada", "secondFactor", lifetimes)).token)
        assert.strictEqual((yield* sessions.open(pending, lifetimes)).stage, "secondFactor")
        const promoted = yield* sessions.promote(pending, lifetimes)
        const signedIn = Redacted.value(promoted.token)
        assert.notStrictEqual(signedIn, pending)
        assert.strictEqual((yield* sessions.open(signedIn, lifetimes)).stage, "signedIn")
        // The token seen before the second factor is worth nothing now, and cannot be promoted again.
        assert.strictEqual(failureOf(yield* Effect.exit(sessions.open(pending, lifetimes)))?._tag, "SessionEnded")
        assert.strictEqual(failureOf(yield* Effect.exit(sessions.promote(pending, lifetimes)))?._tag, "SessionEnded")

        const guessing = Redacted.value((yield* sessions.start("ada", "secondFactor", lifetimes)).token)
        for (let attempt = 1; attempt <= OperatorSessions.maxCodeAttempts; attempt++) {
          assert.isTrue(yield* sessions.countCodeAttempt(guessing))
        }
        assert.isFalse(yield* sessions.countCodeAttempt(guessing))
        assert.strictEqual(failureOf(yield* Effect.exit(sessions.open(guessing, lifetimes)))?._tag, "SessionEnded")
        // A signed-in session counts no codes.
        assert.isFalse(yield* sessions.countCodeAttempt(signedIn))
        // A second-factor session lasts minutes, whatever the lifetimes.
        const slow = Redacted.value((yield* sessions.start("ada", "secondFactor", lifetimes)).token)
        yield* TestClock.adjust("6 minutes")
        assert.strictEqual(failureOf(yield* Effect.exit(sessions.promote(slow, lifetimes)))?._tag, "SessionEnded")
      }).pipe(Effect.provide(sessionsLayer(database())))
    )

    it.effect("uses each one-time code step once per account", () =>
      Effect.gen(function* () {
        const sessions = yield* OperatorSessions.OperatorSessions
        assert.isTrue(yield* sessions.useCodeStep("ada", 59_000_000))
        assert.isFalse(yield* sessions.useCodeStep("ada", 59_000_000))
        assert.isTrue(yield* sessions.useCodeStep("grace", 59_000_000))
        assert.isTrue(yield* sessions.useCodeStep("ada", 59_000_001))
      }).pipe(Effect.provide(sessionsLayer(database())))
    )
  })
}
