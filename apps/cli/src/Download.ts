/**
 * `assure download`: a finished process's full result, streamed from the API into a zip file with a progress
 * indicator. The typed client would hold the whole archive in memory; this streams it to `<file>.part` and renames
 * it when complete, so an interrupted download never leaves a file that looks whole.
 */
import { Effect, FileSystem, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import * as Api from "./Api.js"
import { Failure, fromProblem } from "./Failure.js"
import { withProgress } from "./Progress.js"

/** `1.2 MB`, `350 kB`, `12 B`. */
export const byteSize = (bytes: number): string =>
  bytes < 1000 ? `${bytes} B` : bytes < 1_000_000 ? `${(bytes / 1000).toFixed(0)} kB` : `${(bytes / 1e6).toFixed(1)} MB`

/** Downloads the full result of a process into `target`; answers how many bytes were written. */
export const fullResult = (dossierId: string, processId: string, target: string) =>
  Effect.gen(function* () {
    const { url, token } = yield* Api.Api
    const fs = yield* FileSystem.FileSystem
    const http = yield* HttpClient.HttpClient
    let written = 0
    const transfer = Effect.gen(function* () {
      const response = yield* http.execute(
        HttpClientRequest.get(
          `${url}/assure/dossiers/${encodeURIComponent(dossierId)}/processes/${encodeURIComponent(processId)}/full-result`
        ).pipe(HttpClientRequest.bearerToken(Redacted.value(token)))
      )
      if (response.status !== 200) {
        const text = yield* response.text.pipe(Effect.orElseSucceed(() => ""))
        const body = yield* Effect.try(() => JSON.parse(text) as unknown).pipe(Effect.orElseSucceed(() => undefined))
        return yield* Effect.fail(
          fromProblem(body, response.status) ??
            new Failure({
              title: "Unexpected answer from the API",
              status: response.status,
              detail: text.slice(0, 500)
            })
        )
      }
      const partial = `${target}.part`
      yield* response.stream.pipe(
        Stream.tap((chunk) =>
          Effect.sync(() => {
            written += chunk.length
          })
        ),
        Stream.run(fs.sink(partial)),
        Effect.onError(() => Effect.ignore(fs.remove(partial))),
        Effect.andThen(fs.rename(partial, target))
      )
      return written
    })
    return yield* withProgress(
      `downloading ${processId}`,
      transfer,
      (bytes) => `${byteSize(bytes)} written to ${target}`,
      () => byteSize(written)
    ).pipe(Effect.catch(Api.toFailure(url)))
  }).pipe(Effect.provide(FetchHttpClient.layer))
