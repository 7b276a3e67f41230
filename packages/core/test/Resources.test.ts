import { assert, describe, it } from "@effect/vitest"
import { Exit, Schema } from "effect"
import { Dossier, IdentityData, Problem, Process } from "../src/index.js"
import { acceptedProcess, dossier } from "./fixtures.js"
import { decode } from "./helpers.js"

const problemOf = (schema: Schema.Codec<unknown, unknown>, input: unknown) => {
  const exit = Schema.decodeUnknownExit(schema)(input, { errors: "all" })
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")
  if (failure?._tag !== "Fail") throw new Error("expected a typed failure")
  assert.isTrue(Schema.isSchemaError(failure.error))
  return Problem.invalidParams(failure.error.issue)
}

describe("Process", () => {
  it("round-trips the Assure API's accepted process unchanged", () => {
    const process = Schema.decodeUnknownSync(Process.Process)(acceptedProcess)
    assert.strictEqual(process.finalResult?.nationality, "PRT")
    assert.deepStrictEqual(Schema.encodeSync(Process.Process)(process), acceptedProcess)
  })

  it("has a finalResult only when accepted", () => {
    const rejected = { ...acceptedProcess, status: "rejected" }
    assert.deepStrictEqual(problemOf(Process.Process, rejected), [
      { name: "finalResult", reason: "finalResult is only present when the status is accepted" }
    ])
    const { finalResult: _, ...withoutResult } = rejected
    assert.isTrue(decode(Process.Process)(withoutResult).ok)
  })

  it("reports every invalid field with its path", () => {
    const params = problemOf(Process.Process, {
      ...acceptedProcess,
      provider: "Onfido",
      status: "done",
      createdAt: "2024-05-01T10:30:00+02:00",
      finalResult: { ...acceptedProcess.finalResult, nationality: "PT", dateOfBirth: "2002-02-30" },
      files: [{ ...acceptedProcess.files[0], kind: "passport" }]
    })
    assert.deepStrictEqual(
      params.map((param) => param.name),
      ["provider", "status", "createdAt", "finalResult.dateOfBirth", "finalResult.nationality", "files.0.kind"]
    )
  })

  it("refuses updatedAt before createdAt", () => {
    assert.deepStrictEqual(problemOf(Process.Process, { ...acceptedProcess, updatedAt: "2024-05-01T10:29:59Z" }), [
      { name: "updatedAt", reason: "updatedAt must not be before createdAt" }
    ])
  })
})

describe("Dossier", () => {
  it("round-trips unchanged and keeps unknown fields out of the typed value", () => {
    const decoded = Schema.decodeUnknownSync(Dossier.Dossier)({ ...dossier, somethingElse: 1 })
    assert.deepStrictEqual(Schema.encodeSync(Dossier.Dossier)(decoded), dossier)
  })

  it("refuses ids that are not URL-safe and empty references", () => {
    assert.deepStrictEqual(
      problemOf(Dossier.Dossier, { ...dossier, dossierId: "../etc/passwd", externalReference: "" }).map((p) => p.name),
      ["dossierId", "externalReference"]
    )
  })
})

describe("IdentityData", () => {
  it("leaves absent fields absent", () => {
    const data = Schema.decodeUnknownSync(IdentityData.IdentityData)({ lastName: "Nordmann" })
    assert.deepStrictEqual(Object.keys(data), ["lastName"])
    assert.include(IdentityData.fields, "personalNumberIssuingCountry")
  })
})

describe("Problem", () => {
  it("defaults the type to about:blank and validates the status", () => {
    const problem = Problem.make({ status: 404, title: "Dossier not found" })
    assert.deepStrictEqual(problem, { type: "about:blank", status: 404, title: "Dossier not found" })
    assert.isTrue(decode(Problem.Problem)(problem).ok)
    assert.isFalse(decode(Problem.Problem)({ ...problem, status: 200 }).ok)
  })
})

describe("package exports", () => {
  it("expose every public module on its own path, and nothing under internal/", async () => {
    const { readdirSync, readFileSync } = await import("node:fs")
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    const modules = readdirSync(new URL("../src", import.meta.url))
      .filter((file) => file.endsWith(".ts") && file !== "index.ts")
      .map((file) => `./${file.slice(0, -3)}`)
    const exported = Object.keys(manifest.exports).filter(
      (key) => ![".", "./package.json", "./json-schema/*"].includes(key)
    )
    assert.deepStrictEqual(exported.sort(), modules.sort())
    const index = readFileSync(new URL("../src/index.ts", import.meta.url), "utf8")
    for (const module of modules) assert.include(index, `from "${module}.js"`, `${module} is missing from index.ts`)
  })
})
