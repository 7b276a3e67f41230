/**
 * Counts the SQL statements a contender runs, by the tables they touch, through effect/sql's statement hook
 * (`Statement.CurrentTransformer`, which sees every statement built with the `sql` template — the engine's and
 * effect/cluster's alike; transaction control, `BEGIN` and `COMMIT`, bypasses it). Compiling each statement once more
 * costs a little, so only the diagnostic runs count.
 */
import { Effect, Layer } from "effect"
import { Statement } from "effect/sql"

export type StatementCounts = Record<string, number>

/** The group a statement belongs to: the first table it names, by prefix. */
const groupOf = (text: string): string => {
  const table = /\b(assure|cluster|baseline)_\w+/i.exec(text)?.[1]?.toLowerCase()
  return table === undefined ? "other" : `${table}_*`
}

/** A layer that counts into `counts` every statement run by fibers of the runtime it is provided to. */
export const countStatementsInto = (counts: StatementCounts) =>
  Layer.succeed(Statement.CurrentTransformer, (statement) =>
    Effect.sync(() => {
      const group = groupOf(statement.compile()[0])
      counts[group] = (counts[group] ?? 0) + 1
      return statement
    })
  )
