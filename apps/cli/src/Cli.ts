/**
 * The `assure` commands: token, dossiers, files, verify, processes and demo.
 */
import { IdentityData, Problem, ProcessStatus, Sex } from "@assure/core"
import { Config, Console, Effect, Option, Redacted, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Api from "./Api.js"
import * as Demo from "./Demo.js"
import * as Download from "./Download.js"
import { Failure } from "./Failure.js"
import { readDataUrl } from "./Files.js"
import { awaitFinalWithProgress } from "./Progress.js"
import * as Render from "./Render.js"

export const version = "0.0.0"

// Connection: flags, or the environment.

const url = Flag.String("url").pipe(
  Flag.withDescription("The API's address (env ASSURE_URL; default http://localhost:8080)"),
  Flag.withFallbackConfig(Config.String("ASSURE_URL")),
  Flag.withDefault("http://localhost:8080")
)
const clientId = Flag.String("client-id").pipe(
  Flag.withDescription("The API client's id (env ASSURE_CLIENT_ID)"),
  Flag.withFallbackConfig(Config.String("ASSURE_CLIENT_ID")),
  Flag.optional
)
const clientSecret = Flag.Redacted("client-secret").pipe(
  Flag.withDescription("The API client's secret (env ASSURE_CLIENT_SECRET)"),
  Flag.withFallbackConfig(Config.Redacted("ASSURE_CLIENT_SECRET")),
  Flag.optional
)
const token = Flag.Redacted("token").pipe(
  Flag.withDescription("An access token to use instead of the client credentials (env ASSURE_TOKEN)"),
  Flag.withFallbackConfig(Config.Redacted("ASSURE_TOKEN")),
  Flag.optional
)
const connection = { url, clientId, clientSecret, token }

const json = Flag.Boolean("json").pipe(Flag.withDescription("Print the API's JSON instead"), Flag.withDefault(false))
const printJson = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

/** Runs `effect` with a client of the connection (requesting a token first unless one is given). */
const withApi =
  (input: Api.Connection) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provide(effect, Api.layer(input))

const dossierId = Argument.String("dossierId").pipe(Argument.withDescription("The dossier's id"))
const processId = Argument.String("processId").pipe(Argument.withDescription("The process's id"))

// assure token

const tokenCommand = Command.make(
  "token",
  { url, clientId, clientSecret },
  Effect.fn(function* (input) {
    const issued = yield* Api.tokenOf({ ...input, token: Option.none() })
    // The one place a secret is printed: the token is this command's output.
    yield* Console.log(Redacted.value(issued.token))
  })
).pipe(
  Command.withDescription("Get an access token with the client credentials and print it"),
  Command.withExamples([
    { command: "export ASSURE_TOKEN=$(assure token)", description: "Use one token for the next commands" }
  ])
)

// assure dossiers …

/** The user-data flags, by the `IdentityData` field they set. */
const userDataFlags = {
  firstName: "first-name",
  lastName: "last-name",
  dateOfBirth: "date-of-birth",
  gender: "gender",
  nationality: "nationality",
  documentNumber: "document-number",
  personalNumber: "personal-number"
} as const

const optionalText = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

const decodeUserData = (values: Record<string, Option.Option<string>>) =>
  Effect.gen(function* () {
    const given = Object.fromEntries(
      Object.entries(values).flatMap(([key, value]) => (Option.isSome(value) ? [[key, value.value]] : []))
    )
    if (Object.keys(given).length === 0) return undefined
    return yield* Schema.decodeUnknownEffect(IdentityData.IdentityData)(given, { errors: "all" }).pipe(
      Effect.mapError(
        (error) =>
          new Failure({
            title: "Invalid user data",
            invalidParams: Problem.invalidParams(error.issue).map(({ name, reason }) => ({
              name: `--${userDataFlags[name as keyof typeof userDataFlags] ?? name}`,
              reason
            }))
          })
      )
    )
  })

const createDossier = Command.make(
  "create",
  {
    ...connection,
    json,
    externalReference: optionalText("external-reference", "Your own reference for the dossier (a customer id)"),
    firstName: optionalText(userDataFlags.firstName, "The end-user's first name"),
    lastName: optionalText(userDataFlags.lastName, 'The end-user\'s last name (the sandbox: "Rejected", "Failed", …)'),
    dateOfBirth: optionalText(userDataFlags.dateOfBirth, "YYYY-MM-DD"),
    gender: Flag.Literals(userDataFlags.gender, Sex.Sex.literals).pipe(
      Flag.withDescription("F, M or X"),
      Flag.optional
    ),
    nationality: optionalText(userDataFlags.nationality, "ISO 3166 alpha-3 (NOR, DEU, …)"),
    documentNumber: optionalText(userDataFlags.documentNumber, "The identity document's number"),
    personalNumber: optionalText(userDataFlags.personalNumber, "A national identity number")
  },
  Effect.fn(function* (input) {
    const userData = yield* decodeUserData({
      firstName: input.firstName,
      lastName: input.lastName,
      dateOfBirth: input.dateOfBirth,
      gender: input.gender,
      nationality: input.nationality,
      documentNumber: input.documentNumber,
      personalNumber: input.personalNumber
    })
    const created = yield* Api.use((client) =>
      client.dossiers.create({
        payload: {
          ...(Option.isSome(input.externalReference) ? { externalReference: input.externalReference.value } : {}),
          ...(userData === undefined ? {} : { userData })
        }
      })
    ).pipe(withApi(input))
    yield* input.json
      ? printJson(created)
      : Console.log(`Created dossier ${created.dossierId}\n${Render.dossier(created)}`)
  })
).pipe(
  Command.withDescription("Create a dossier, optionally with the end-user's data"),
  Command.withExamples([
    {
      command: "assure dossiers create --external-reference customer-7 --first-name Ola --last-name Nordmann",
      description: "A dossier with user data"
    }
  ])
)

const listDossiers = Command.make(
  "list",
  {
    ...connection,
    json,
    limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many dossiers"), Flag.optional),
    cursor: optionalText("cursor", "Continue after the previous page (its next cursor)"),
    status: Flag.Literals("status", ProcessStatus.values).pipe(
      Flag.withDescription("Only dossiers whose newest process has this status"),
      Flag.optional
    )
  },
  Effect.fn(function* (input) {
    const page = yield* Api.use((client) =>
      client.dossiers.list({
        query: {
          ...(Option.isSome(input.limit) ? { limit: input.limit.value } : {}),
          ...(Option.isSome(input.cursor) ? { cursor: input.cursor.value } : {}),
          ...(Option.isSome(input.status) ? { status: input.status.value } : {})
        }
      })
    ).pipe(withApi(input))
    if (input.json) return yield* printJson(page)
    yield* Console.log(Render.dossierList(page.dossiers))
    if (page.nextCursor !== undefined) yield* Console.log(`\nMore: assure dossiers list --cursor ${page.nextCursor}`)
  })
).pipe(Command.withDescription("List dossiers, newest first"))

const getDossier = Command.make(
  "get",
  { ...connection, json, dossierId },
  Effect.fn(function* (input) {
    const dossier = yield* Api.use((client) => client.dossiers.get({ params: { dossierId: input.dossierId } })).pipe(
      withApi(input)
    )
    yield* input.json ? printJson(dossier) : Console.log(Render.dossier(dossier))
  })
).pipe(Command.withDescription("Show a dossier: user data, files and processes"))

const deleteDossier = Command.make(
  "delete",
  { ...connection, dossierId },
  Effect.fn(function* (input) {
    yield* Api.use((client) => client.dossiers.delete({ params: { dossierId: input.dossierId } })).pipe(withApi(input))
    yield* Console.log(`Deleted dossier ${input.dossierId}`)
  })
).pipe(Command.withDescription("Delete a dossier with its files and processes"))

const dossiers = Command.make("dossiers").pipe(
  Command.withDescription("Create, list, show and delete dossiers"),
  Command.withSubcommands([createDossier, listDossiers, getDossier, deleteDossier])
)

// assure files upload …

const fileFlag = (name: string, description: string) =>
  Flag.File(name, { mustExist: true }).pipe(Flag.withDescription(description), Flag.optional)

const uploadFiles = Command.make(
  "upload",
  {
    ...connection,
    json,
    dossierId,
    front: fileFlag("front", "The front of the identity document (JPEG, PNG, WebP)"),
    back: fileFlag("back", "The back of the identity document"),
    selfie: fileFlag("selfie", "A selfie of the end-user"),
    video: fileFlag("video", "A video of the end-user")
  },
  Effect.fn(function* (input) {
    const chosen = (["front", "back", "selfie", "video"] as const).flatMap((kind) => {
      const path = input[kind]
      return Option.isSome(path) ? [[kind, path.value] as const] : []
    })
    if (chosen.length === 0) {
      return yield* new Failure({
        title: "No files",
        detail: "Give at least one of --front, --back, --selfie, --video"
      })
    }
    const payload: Record<string, string> = {}
    for (const [kind, path] of chosen) payload[kind] = yield* readDataUrl(path)
    const stored = yield* Api.use((client) =>
      client.dossiers.uploadFiles({ params: { dossierId: input.dossierId }, payload })
    ).pipe(withApi(input))
    yield* input.json
      ? printJson(stored)
      : Console.log(`Uploaded ${stored.length} file(s) to dossier ${input.dossierId}\n${Render.files(stored)}`)
  })
).pipe(
  Command.withDescription("Upload images to a dossier (sent as data URLs)"),
  Command.withExamples([
    { command: "assure files upload <dossierId> --front id-front.jpg --selfie me.jpg", description: "Two images" }
  ])
)

const files = Command.make("files").pipe(
  Command.withDescription("Upload a dossier's files"),
  Command.withSubcommands([uploadFiles])
)

// assure verify …

const wait = Flag.Boolean("wait").pipe(
  Flag.withDescription("Wait until the status is final, then print the result"),
  Flag.withDefault(false)
)
const timeout = Flag.Int("timeout").pipe(
  Flag.withDescription("With --wait: give up after this many seconds (default 120)"),
  Flag.withDefault(120)
)

const parseParameters = (text: string) =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (error) =>
      new Failure({
        title: "Invalid --parameters",
        detail: `expected a JSON object: ${error instanceof Error ? error.message : String(error)}`
      })
  }).pipe(
    Effect.flatMap((value) =>
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? Effect.succeed(value as Record<string, unknown>)
        : Effect.fail(new Failure({ title: "Invalid --parameters", detail: "expected a JSON object" }))
    )
  )

const verify = Command.make(
  "verify",
  {
    ...connection,
    json,
    wait,
    timeout,
    dossierId,
    provider: Flag.String("provider").pipe(
      Flag.withDescription(
        "The identity provider (default sandbox), or auto: the server's routing policy chooses, and moves the verification to a fallback should the provider stay unavailable"
      ),
      Flag.withDefault("sandbox")
    ),
    processType: Flag.String("process-type").pipe(
      Flag.withDescription("What to verify: document, documentSelfie, eid, … (as the provider supports)")
    ),
    parameters: optionalText("parameters", 'processParameters as JSON, e.g. \'{"sandbox":{"scenario":"rejected"}}\''),
    redirectUrl: optionalText("redirect-url", "Redirect flows: where to send the end-user back when done"),
    notificationUrl: optionalText("notification-url", "Where the API posts the status when the process ends")
  },
  Effect.fn(function* (input) {
    const processParameters = Option.isSome(input.parameters)
      ? yield* parseParameters(input.parameters.value)
      : undefined
    const run = Effect.gen(function* () {
      const created = yield* Api.use((client) =>
        client.processes.create({
          params: { dossierId: input.dossierId },
          payload: {
            provider: input.provider,
            processType: input.processType,
            ...(processParameters === undefined ? {} : { processParameters }),
            ...(Option.isSome(input.notificationUrl) ? { notificationUrl: input.notificationUrl.value } : {})
          }
        })
      )
      const started = yield* Api.use((client) =>
        client.processes.verify({
          params: { dossierId: input.dossierId, processId: created.processId },
          payload: Option.isSome(input.redirectUrl) ? { redirectUrl: input.redirectUrl.value } : {}
        })
      ).pipe(
        Effect.mapError(
          (failure) =>
            new Failure({
              ...failure,
              detail: [
                failure.detail,
                `(process ${created.processId} was created, but its verification was not requested)`
              ]
                .filter((line) => line !== undefined)
                .join("\n  ")
            })
        )
      )
      if (!input.json) {
        yield* Console.log(
          `Process ${started.processId} (${started.provider}, ${started.processType}): verification requested, status ${started.status}`
        )
        if (started.redirectUrl !== undefined) yield* Console.log(`Send the end-user to: ${started.redirectUrl}`)
      }
      if (!input.wait) return started
      let ended = yield* awaitFinalWithProgress(input.dossierId, started.processId, {
        timeout: `${input.timeout} seconds`,
        label: `waiting for ${started.provider}`
      })
      // A routed process whose provider stayed unavailable was replaced by a process of its fallback: follow it.
      while (ended.fallbackTo !== undefined) {
        const next = yield* Api.use((client) =>
          client.processes.get({ params: { dossierId: input.dossierId, processId: ended.fallbackTo ?? "" } })
        )
        if (!input.json) {
          yield* Console.log(
            `${ended.provider} stayed unavailable: process ${ended.processId} failed, and process ${next.processId} (${next.provider}) took over`
          )
        }
        ended = yield* awaitFinalWithProgress(input.dossierId, next.processId, {
          timeout: `${input.timeout} seconds`,
          label: `waiting for ${next.provider}`
        })
      }
      return ended
    }).pipe(withApi(input))
    const result = yield* run
    if (input.json) return yield* printJson(result)
    if (input.wait) yield* Console.log(Render.process(result))
  })
).pipe(
  Command.withDescription("Create a process for a dossier and request its verification"),
  Command.withExamples([
    { command: "assure verify <dossierId> --process-type document --wait", description: "Verify and wait" },
    {
      command: `assure verify <dossierId> --process-type document --parameters '{"sandbox":{"scenario":"rejected"}}' --wait`,
      description: "The sandbox's rejected scenario"
    },
    {
      command: "assure verify <dossierId> --provider auto --process-type document --wait",
      description: "Let the server's routing policy choose the provider, following a fallback"
    }
  ])
)

// assure processes …

const getProcess = Command.make(
  "get",
  { ...connection, json, wait, timeout, dossierId, processId },
  Effect.fn(function* (input) {
    const process = yield* (
      input.wait
        ? awaitFinalWithProgress(input.dossierId, input.processId, { timeout: `${input.timeout} seconds` })
        : Api.use((client) =>
            client.processes.get({ params: { dossierId: input.dossierId, processId: input.processId } })
          )
    ).pipe(withApi(input))
    yield* input.json ? printJson(process) : Console.log(Render.process(process))
  })
).pipe(Command.withDescription("Show a process: status, normalised result, files"))

const matchProcess = Command.make(
  "matching",
  { ...connection, json, dossierId, processId },
  Effect.fn(function* (input) {
    const report = yield* Api.use((client) =>
      client.processes.match({ params: { dossierId: input.dossierId, processId: input.processId } })
    ).pipe(withApi(input))
    if (input.json) return yield* printJson(report)
    yield* Console.log(`Matching: ${report.result}\n${Render.fields(Object.entries(report.fields))}`)
  })
).pipe(Command.withDescription("Compare the dossier's user data with the process's final result"))

const processes = Command.make("processes").pipe(
  Command.withDescription("Show processes and their matching"),
  Command.withSubcommands([getProcess, matchProcess])
)

// assure download …

const download = Command.make(
  "download",
  {
    ...connection,
    dossierId,
    processId,
    output: optionalText("output", "Where to write the zip (default: assure-<processId>.zip in this folder)")
  },
  Effect.fn(function* (input) {
    const target = Option.getOrElse(input.output, () => `assure-${input.processId}.zip`)
    yield* Download.fullResult(input.dossierId, input.processId, target).pipe(withApi(input))
  })
).pipe(
  Command.withDescription(
    "Download a finished process's full result as a zip: its data, the provider's result, the match, its history and its images"
  ),
  Command.withExamples([
    { command: "assure download <dossierId> <processId>", description: "Writes assure-<processId>.zip" },
    { command: "assure download <dossierId> <processId> --output result.zip", description: "Writes result.zip" }
  ])
)

// assure demo

const demo = Command.make(
  "demo",
  {
    sandboxLatency: Flag.String("sandbox-latency").pipe(
      Flag.withDescription("How long the throwaway server's sandbox takes to decide (default 1 second)"),
      Flag.withDefault("1 second")
    ),
    // Not read from ASSURE_URL: without --url, the demo starts its own server.
    url: Flag.String("url").pipe(
      Flag.withDescription(
        "Run the journey against the running server at this address (it must run the sandbox provider) instead of a throwaway one"
      ),
      Flag.optional
    ),
    clientId,
    clientSecret,
    token
  },
  (input) =>
    Demo.run({
      sandboxLatency: input.sandboxLatency,
      connection: Option.map(input.url, (url) => ({
        url,
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        token: input.token
      }))
    })
).pipe(
  Command.withDescription(
    "Run the whole journey — token, dossier, files, three verifications, matching — against a throwaway server (needs @assure/server installed) or, with --url, a running one"
  ),
  Command.withExamples([
    { command: "assure demo", description: "Start a throwaway server and run the journey against it" },
    {
      command: "assure demo --url http://localhost:8080 --client-id dev-client --client-secret <secret>",
      description: "Run the journey against a running server"
    }
  ])
)

export const assure = Command.make("assure").pipe(
  Command.withDescription("The assure command line: identity verification over the Assure-compatible API"),
  Command.withSubcommands([tokenCommand, dossiers, files, verify, processes, download, demo])
)

export const run = Command.run(assure, { version })
