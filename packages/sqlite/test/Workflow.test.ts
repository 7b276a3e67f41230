/**
 * effect/workflow on effect/cluster's SingleRunner, with every message, reply and lock in an on-disk database opened
 * by @assure/sqlite: the driver passes what SqlMessageStorage and SqlRunnerStorage ask of a "sqlite" dialect client.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Schedule, Schema } from "effect"
import { ClusterWorkflowEngine, SingleRunner } from "effect/cluster"
import { Digest } from "effect/crypto"
import { SqlClient } from "effect/sql"
import { Activity, DurableClock, DurableDeferred, Workflow, type WorkflowEngine } from "effect/workflow"
import { afterAll } from "vitest"
import { SqliteClient } from "../src/index.js"

const folder = mkdtempSync(join(tmpdir(), "assure-sqlite-workflow-"))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

// How many times each activity really ran, across runner restarts in this process.
const runs = new Map<string, number>()
const ran = (name: string) => Effect.sync(() => runs.set(name, (runs.get(name) ?? 0) + 1))

const Verify = Workflow.make("Verify", {
  payload: { processId: Schema.String },
  success: Schema.String,
  idempotencyKey: ({ processId }) => processId
})

// The provider's result, delivered from outside the workflow as a webhook would.
const ProviderResult = DurableDeferred.make("ProviderResult", { success: Schema.String })

const VerifyLayer = Verify.toLayer(
  Effect.fnUntraced(function* ({ processId }) {
    const session = yield* Activity.make({
      name: "StartSession",
      success: Schema.String,
      execute: Effect.as(ran(`StartSession/${processId}`), `session-${processId}`)
    })
    // a persisted timer (not in memory), fired by the clock entity through the message storage
    yield* DurableClock.sleep({ name: "Settle", duration: "200 millis", inMemoryThreshold: 0 })
    const result = yield* DurableDeferred.await(ProviderResult)
    return yield* Activity.make({
      name: "Finish",
      success: Schema.String,
      execute: Effect.as(ran(`Finish/${processId}`), `${session}:${result}`)
    })
  })
)

const runner = (filename: string) =>
  VerifyLayer.pipe(
    Layer.provideMerge(ClusterWorkflowEngine.layer),
    Layer.provideMerge(
      SingleRunner.layer({
        shardingConfig: { entityMessagePollInterval: "100 millis", entityReplyPollInterval: "100 millis" }
      })
    ),
    Layer.provideMerge(SqliteClient.layer({ filename })),
    Layer.provide(Digest.layerWebCrypto)
  )

const pollUntil = <A>(
  executionId: string,
  done: (result: Workflow.Result<string, never>) => Option.Option<A>
): Effect.Effect<A, string, WorkflowEngine.WorkflowEngine> =>
  Verify.poll(executionId).pipe(
    Effect.flatMap((result) => {
      const value = Option.flatMap(result, done)
      return Option.isSome(value) ? Effect.succeed(value.value) : Effect.fail("not yet")
    }),
    Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 400 })
  )

const suspended = (result: Workflow.Result<string, never>) =>
  result._tag === "Suspended" ? Option.some(result) : Option.none()
const completed = (result: Workflow.Result<string, never>) =>
  result._tag === "Complete" ? Option.some(result.exit) : Option.none()

describe("effect/workflow on SingleRunner over @assure/sqlite", () => {
  it.live(
    "runs a workflow with an activity, a durable timer and a durable deferred to completion",
    () =>
      Effect.gen(function* () {
        const payload = { processId: "p-1" }
        const executionId = yield* Verify.execute(payload, { discard: true })
        yield* pollUntil(executionId, suspended)

        const token = yield* DurableDeferred.tokenFromPayload(ProviderResult, { workflow: Verify, payload })
        yield* DurableDeferred.done(ProviderResult, { token, exit: Exit.succeed("accepted") })
        const exit = yield* pollUntil(executionId, completed)
        assert.deepStrictEqual(exit, Exit.succeed("session-p-1:accepted"))
        // executing again with the same idempotency key answers the recorded result
        assert.strictEqual(yield* Verify.execute(payload), "session-p-1:accepted")
        assert.strictEqual(runs.get("StartSession/p-1"), 1)
        assert.strictEqual(runs.get("Finish/p-1"), 1)

        const sql = yield* SqlClient.SqlClient
        // The requests the workflow made (kind 0 in effect/cluster's SqlMessageStorage). Depending on timing the cluster
        // also stores an interrupt or acknowledgement envelope (kinds 2 and 1, no tag), as a loaded CI machine showed.
        const messages = yield* sql<{ entity_type: string; tag: string; deliver_at: number | null }>`
          SELECT entity_type, tag, deliver_at FROM cluster_messages WHERE kind = 0 ORDER BY rowid`
        assert.deepStrictEqual(
          messages.map((row) => `${row.entity_type} ${row.tag}`),
          [
            "Workflow/Verify run",
            "Workflow/Verify activity",
            "Workflow/-/DurableClock run",
            "Workflow/Verify deferred",
            "Workflow/Verify deferred",
            "Workflow/Verify activity"
          ]
        )
        // the timer was stored with its deadline, so it would survive a restart
        assert.isNumber(messages[2]?.deliver_at)
      }).pipe(Effect.provide(runner(join(folder, "single.db")))),
    60_000
  )

  it.live(
    "resumes a suspended workflow after the runner is stopped and started again on the same file",
    () =>
      Effect.gen(function* () {
        const filename = join(folder, "restart.db")
        const payload = { processId: "p-2" }

        const executionId = yield* Effect.gen(function* () {
          const executionId = yield* Verify.execute(payload, { discard: true })
          yield* pollUntil(executionId, suspended)
          return executionId
        }).pipe(Effect.provide(runner(filename)))
        assert.strictEqual(runs.get("StartSession/p-2"), 1)

        const exit = yield* Effect.gen(function* () {
          const token = yield* DurableDeferred.tokenFromPayload(ProviderResult, { workflow: Verify, payload })
          yield* DurableDeferred.done(ProviderResult, { token, exit: Exit.succeed("rejected") })
          return yield* pollUntil(executionId, completed)
        }).pipe(Effect.provide(runner(filename)))

        assert.deepStrictEqual(exit, Exit.succeed("session-p-2:rejected"))
        // the first runner's activity result was replayed from the database, not run again
        assert.strictEqual(runs.get("StartSession/p-2"), 1)
        assert.strictEqual(runs.get("Finish/p-2"), 1)
      }),
    60_000
  )
})
