/**
 * Running the server against a vendor's simulator, for the end-to-end tests of each adapter through the API: the
 * server's port is chosen first, so the simulator can be told where to send its webhooks before the server starts.
 */
import { Effect, Exit, Scope } from "effect"
import { freePort, type Running, startServer } from "./server.js"

/** A resource started in an Effect scope (a simulator), and how to stop it. */
export interface Scoped<A> {
  readonly value: A
  readonly close: () => Promise<void>
}

/** Runs a scoped effect (`Testing.make(…)`) and keeps its scope open until `close`. */
export const scoped = async <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<Scoped<A>> => {
  const scope = await Effect.runPromise(Scope.make())
  const value = await Effect.runPromise(Scope.provide(effect, scope))
  return { value, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Where the server will listen, before it starts. */
export const reserveServerUrl = async () => {
  const port = await freePort()
  return { port, url: `http://127.0.0.1:${port}` }
}

/** Starts the server on the reserved address with `providers` enabled and their variables. */
export const startWithProviders = (
  reserved: { readonly port: number; readonly url: string },
  providers: ReadonlyArray<string>,
  environment: Record<string, string>
): Promise<Running> => startServer({ port: reserved.port, publicUrl: reserved.url, providers }, environment)

/** Polls a process until it leaves `pending` and `processing`, or gives up after about ten seconds. */
export const finalProcess = async (
  call: (method: string, path: string) => Promise<{ json: unknown }>,
  path: string
): Promise<Record<string, unknown>> => {
  let current: Record<string, unknown> = {}
  for (let attempt = 0; attempt < 100; attempt++) {
    current = (await call("GET", path)).json as Record<string, unknown>
    if (current.status !== "pending" && current.status !== "processing") return current
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return current
}
