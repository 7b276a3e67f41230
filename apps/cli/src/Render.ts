/**
 * Plain-text views of what the API returns: tables, dossiers, processes with their normalised results.
 */
import type { Address, Dossier, FileInfo, IdentityData, Process, ProcessRouting } from "@assure/core"

/** Columns padded to their widest cell; the first row is the header. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>, indent = ""): string => {
  const widths: Array<number> = []
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length)
  }
  return rows
    .map((row) => `${indent}${row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  ")}`.trimEnd())
    .join("\n")
}

/** `label  value` lines, labels aligned. */
export const fields = (entries: ReadonlyArray<readonly [string, string | undefined]>, indent = "  "): string =>
  table(
    entries.filter((entry): entry is readonly [string, string] => entry[1] !== undefined),
    indent
  )

const sizeOf = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1048576).toFixed(1)} MiB`

export const files = (list: ReadonlyArray<FileInfo.FileInfo>, indent = "  "): string =>
  list.length === 0
    ? `${indent}(none)`
    : table(
        [
          ["KIND", "TYPE", "SIZE", "FILE ID"],
          ...list.map((file) => [file.kind, file.mediaType, sizeOf(file.size), file.fileId])
        ],
        indent
      )

/** An address in one line: "Storgata 1, 0155 Oslo, NOR". */
export const address = (value: Address.Address): string =>
  [...(value.lines ?? []), [value.postalCode, value.city].filter(Boolean).join(" "), value.region, value.country]
    .filter((part) => part !== undefined && part.length > 0)
    .join(", ")

export const identity = (data: IdentityData.IdentityData | undefined, indent = "  "): string => {
  const entries = Object.entries(data ?? {}).map(
    ([key, value]) => [key, typeof value === "string" ? value : address(value)] as const
  )
  return entries.length === 0 ? `${indent}(none)` : fields(entries, indent)
}

/** A person in one line: "Erika Mustermann, 1964-08-12, DEU". */
export const person = (data: IdentityData.IdentityData | undefined): string =>
  [[data?.firstName, data?.lastName].filter(Boolean).join(" "), data?.dateOfBirth, data?.nationality]
    .filter((part) => part !== undefined && part.length > 0)
    .join(", ")

/** Nested JSON as `a.b  value` lines. */
const flatten = (value: unknown, prefix: string): Array<readonly [string, string]> => {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix.length > 0 ? `${prefix}.${key}` : key))
  }
  return [[prefix, typeof value === "string" ? value : JSON.stringify(value)]]
}

export const dossier = (d: Dossier.Dossier): string =>
  [
    `Dossier ${d.dossierId}`,
    fields([
      ["external reference", d.externalReference],
      ["created", d.createdAt],
      ["updated", d.updatedAt]
    ]),
    "User data",
    identity(d.userData),
    "Files",
    files(d.files),
    "Processes",
    d.processes.length === 0
      ? "  (none)"
      : table(
          [
            ["PROCESS ID", "PROVIDER", "TYPE", "STATUS", "UPDATED"],
            ...d.processes.map((p) => [p.processId, p.provider, p.processType, p.status, p.updatedAt])
          ],
          "  "
        )
  ].join("\n")

export const dossierList = (list: ReadonlyArray<Dossier.Dossier>): string =>
  list.length === 0
    ? "No dossiers."
    : table([
        ["DOSSIER ID", "EXTERNAL REFERENCE", "CREATED", "FILES", "LAST PROCESS"],
        ...list.map((d) => {
          const last = d.processes.at(-1)
          return [
            d.dossierId,
            d.externalReference ?? "-",
            d.createdAt,
            String(d.files.length),
            last === undefined ? "-" : `${last.provider}/${last.processType} ${last.status}`
          ]
        })
      ])

const considered = (entries: ReadonlyArray<ProcessRouting.Consideration>) =>
  entries
    .map((entry) =>
      entry.outcome === "skipped"
        ? `${entry.provider} skipped (${entry.reason ?? "?"}${entry.missing === undefined ? "" : `: lacks ${entry.missing.join(", ")}`})`
        : `${entry.provider} ${entry.outcome}`
    )
    .join(", ")

/** How routing chose the provider, and what followed a failure: for a process created with `--provider auto`. */
const routing = (r: ProcessRouting.ProcessRouting): string =>
  fields([
    ["policy", r.decision.policy === "tenant" ? "the client's own" : "the server's default"],
    ["rule", r.decision.rule === undefined ? undefined : `${r.decision.rule.index}: ${r.decision.rule.description}`],
    ["considered", considered(r.decision.considered)],
    ["fallbacks left", r.fallbacks.length === 0 ? "none" : r.fallbacks.join(", ")],
    [
      "replaced",
      r.replaced === undefined ? undefined : `${r.replaced.processId} (${r.replaced.provider}, ${r.replaced.after})`
    ],
    [
      "after failure",
      r.fallback === undefined
        ? undefined
        : `${r.fallback.outcome}${r.fallback.provider === undefined ? "" : ` ${r.fallback.provider}`}${
            r.fallback.processId === undefined ? "" : ` (${r.fallback.processId})`
          }${r.fallback.considered.length === 0 ? "" : ` — ${considered(r.fallback.considered)}`}`
    ]
  ])

export const process = (p: Process.Process): string =>
  [
    `Process ${p.processId} (${p.provider}, ${p.processType})`,
    fields([
      ["status", p.status],
      ["dossier", p.dossierId],
      ["created", p.createdAt],
      ["updated", p.updatedAt],
      ["redirect URL", p.redirectUrl],
      ["fallback of", p.fallbackOf],
      ["fallback to", p.fallbackTo]
    ]),
    ...(p.routing === undefined ? [] : ["Routing", routing(p.routing)]),
    ...(p.finalResult === undefined ? [] : ["Final result (normalised)", identity(p.finalResult)]),
    "Files",
    files(p.files),
    ...(p.providerSpecific === undefined || Object.keys(p.providerSpecific).length === 0
      ? []
      : ["Provider specific", fields(flatten(p.providerSpecific, ""))])
  ].join("\n")
