#!/usr/bin/env node
/**
 * `assure`: the command line of the Assure-compatible API. Problems are printed to stderr (title, detail, each
 * invalid parameter) and end the process with exit code 1.
 */
// The modules themselves, not the package index, which loads every Node integration (≈0.4 s at each start).
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Console, Effect } from "effect"
import { run } from "./Cli.js"
import { Failure, render } from "./Failure.js"

run.pipe(
  Effect.tapError((error) => (error instanceof Failure ? Console.error(render(error)) : Effect.void)),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
