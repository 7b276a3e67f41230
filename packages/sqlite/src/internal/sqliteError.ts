/**
 * Maps what `node:sqlite` throws to `SqlError`, without ever putting a value (bound or read) into a message.
 *
 * @internal
 */
import * as SqlError from "effect/sql/SqlError"

/** Thrown before binding when a parameter has a type `node:sqlite` would bind wrongly or not at all. */
export class UnsupportedParameter extends Error {
  readonly index: number
  constructor(index: number, kind: string) {
    super(
      `parameter ${index} is ${kind}, which node:sqlite cannot bind: ` +
        "pass a string, number, bigint, boolean, null or Uint8Array (a Date, for example, as an ISO 8601 string)"
    )
    this.name = "UnsupportedParameter"
    this.index = index
  }
}

/** Thrown on prepare when the SQL text holds a second statement, which `node:sqlite` would silently skip. */
export class MultipleStatements extends Error {
  constructor() {
    super("the SQL text holds more than one statement, and node:sqlite runs only the first: run each one separately")
    this.name = "MultipleStatements"
  }
}

const propertyOf = (u: unknown, key: string): unknown =>
  typeof u === "object" && u !== null && key in u ? (u as Record<string, unknown>)[key] : undefined

/**
 * Node's `ERR_OUT_OF_RANGE` ("… too large to be represented as a JavaScript number: <value>") carries the value it
 * read: replace it by a cause that keeps the code and drops the value.
 */
const sanitize = (cause: unknown): unknown => {
  if (propertyOf(cause, "code") !== "ERR_OUT_OF_RANGE") {
    return cause
  }
  const error = new RangeError(
    "an integer is too large to be represented as a JavaScript number: read it as a bigint " +
      "(SqlClient.SafeIntegers, or the client's readBigInts option)"
  )
  return Object.assign(error, { code: "ERR_OUT_OF_RANGE" })
}

const describe = (cause: unknown): string => {
  const message = propertyOf(cause, "message")
  return typeof message === "string" && message.length > 0 ? message : String(propertyOf(cause, "code") ?? "error")
}

// SQLite result codes: https://sqlite.org/rescode.html
const SQLITE_ERROR = 1
const SQLITE_PERM = 3
const SQLITE_BUSY = 5
const SQLITE_LOCKED = 6
const SQLITE_READONLY = 8
const SQLITE_CANTOPEN = 14
const SQLITE_CONSTRAINT = 19
const SQLITE_AUTH = 23
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555
const SQLITE_CONSTRAINT_UNIQUE = 2067

const uniqueConstraint = (message: string): string => {
  const prefix = "UNIQUE constraint failed:"
  const index = message.indexOf(prefix)
  const columns = index === -1 ? "" : message.slice(index + prefix.length).trim()
  return columns.length > 0 ? columns : "unknown"
}

const classify = (
  cause: unknown,
  props: { readonly cause: unknown; readonly message: string; readonly operation: string }
): SqlError.SqlErrorReason => {
  const errcode = propertyOf(cause, "errcode")
  if (typeof errcode !== "number") {
    return new SqlError.UnknownError(props)
  }
  if (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY) {
    return new SqlError.UniqueViolation({ ...props, constraint: uniqueConstraint(describe(cause)) })
  }
  switch (errcode & 0xff) {
    case SQLITE_CONSTRAINT:
      return new SqlError.ConstraintError(props)
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new SqlError.LockTimeoutError(props)
    case SQLITE_CANTOPEN:
      return new SqlError.ConnectionError(props)
    case SQLITE_AUTH:
      return new SqlError.AuthenticationError(props)
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return new SqlError.AuthorizationError(props)
    case SQLITE_ERROR:
      return /syntax error|incomplete input/.test(describe(cause))
        ? new SqlError.SqlSyntaxError(props)
        : new SqlError.UnknownError(props)
    default:
      return new SqlError.UnknownError(props)
  }
}

/**
 * A `SqlError` for a failed `operation`. The message is `"<operation> failed: <SQLite's message>"`: SQLite names
 * tables, columns and constraints there, never bound values. The original error is kept as the reason's `cause`.
 */
export const toSqlError = (cause: unknown, operation: string): SqlError.SqlError => {
  if (cause instanceof UnsupportedParameter || cause instanceof MultipleStatements) {
    const props = { cause, message: `${operation} failed: ${cause.message}`, operation }
    return new SqlError.SqlError({
      reason:
        cause instanceof MultipleStatements ? new SqlError.SqlSyntaxError(props) : new SqlError.UnknownError(props)
    })
  }
  const safe = sanitize(cause)
  const props = { cause: safe, message: `${operation} failed: ${describe(safe)}`, operation }
  return new SqlError.SqlError({ reason: classify(safe, props) })
}
