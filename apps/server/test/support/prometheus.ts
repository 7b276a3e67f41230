/**
 * A small parser of the Prometheus text exposition format (0.0.4), strict enough to fail a test on any line the
 * grammar does not allow: `# HELP` / `# TYPE` comments, and samples `name{label="value",…} value`, label values with
 * the `\\`, `\"` and `\n` escapes only.
 */

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Exposition {
  readonly types: ReadonlyMap<string, string>
  readonly help: ReadonlyMap<string, string>
  readonly samples: ReadonlyArray<Sample>
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/
const types = new Set(["counter", "gauge", "histogram", "summary", "untyped"])

const parseValue = (text: string, line: string): number => {
  if (text === "+Inf") return Number.POSITIVE_INFINITY
  if (text === "-Inf") return Number.NEGATIVE_INFINITY
  if (text === "NaN") return Number.NaN
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value in ${JSON.stringify(line)}`)
  return Number(text)
}

/** Reads one label value after its opening quote; returns the value and the rest after the closing quote. */
const readQuoted = (text: string, line: string): [string, string] => {
  let value = ""
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (char === '"') return [value, text.slice(i + 1)]
    if (char === "\n") throw new Error(`raw newline in ${JSON.stringify(line)}`)
    if (char === "\\") {
      const next = text[++i]
      if (next === "\\") value += "\\"
      else if (next === '"') value += '"'
      else if (next === "n") value += "\n"
      else throw new Error(`bad escape in ${JSON.stringify(line)}`)
    } else {
      value += char
    }
  }
  throw new Error(`unterminated label value in ${JSON.stringify(line)}`)
}

const parseSample = (line: string): Sample => {
  const name = metricName.exec(line)?.[0]
  if (name === undefined) throw new Error(`bad metric name in ${JSON.stringify(line)}`)
  let rest = line.slice(name.length)
  const labels: Record<string, string> = {}
  if (rest.startsWith("{")) {
    rest = rest.slice(1)
    while (!rest.startsWith("}")) {
      const label = labelName.exec(rest)?.[0]
      if (label === undefined || !rest.slice(label.length).startsWith('="')) {
        throw new Error(`bad label in ${JSON.stringify(line)}`)
      }
      if (label in labels) throw new Error(`repeated label ${label} in ${JSON.stringify(line)}`)
      const [value, after] = readQuoted(rest.slice(label.length + 2), line)
      labels[label] = value
      rest = after.startsWith(",") ? after.slice(1) : after
      if (!rest.startsWith("}") && after === rest) throw new Error(`bad label list in ${JSON.stringify(line)}`)
    }
    rest = rest.slice(1)
  }
  const fields = rest.split(" ")
  // One space, the value, and an optional integer timestamp.
  if (fields[0] !== "" || fields.length < 2 || fields.length > 3) throw new Error(`bad sample ${JSON.stringify(line)}`)
  if (fields.length === 3 && !/^-?\d+$/.test(fields[2] ?? "")) throw new Error(`bad timestamp ${JSON.stringify(line)}`)
  return { name, labels, value: parseValue(fields[1] ?? "", line) }
}

/** Parses a whole exposition; throws on the first line the grammar does not allow. */
export const parse = (text: string): Exposition => {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("the exposition does not end with a newline")
  const typesByName = new Map<string, string>()
  const help = new Map<string, string>()
  const samples: Array<Sample> = []
  for (const line of text.split("\n").slice(0, -1)) {
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
      if (match === null) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`bad comment ${JSON.stringify(line)}`)
        continue
      }
      const [, kind, name = "", rest = ""] = match
      if (kind === "TYPE") {
        if (!types.has(rest)) throw new Error(`bad type ${JSON.stringify(line)}`)
        if (typesByName.has(name)) throw new Error(`second TYPE for ${name}`)
        typesByName.set(name, rest)
      } else {
        help.set(
          name,
          rest.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"))
        )
      }
      continue
    }
    if (line.trim() === "") continue
    samples.push(parseSample(line))
  }
  return { types: typesByName, help, samples }
}

/** The value of the sample with exactly this name and these labels (among others), summed over the rest. */
export const sum = (exposition: Exposition, name: string, labels: Record<string, string> = {}): number =>
  exposition.samples
    .filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
    )
    .reduce((total, sample) => total + sample.value, 0)
