// An MRZ writer independent of the package (and of its testing entry): check digits computed from character codes,
// so that a bug in CheckDigit cannot hide itself in the tests.

/** The ICAO 9303 check digit, computed from character codes. */
export const independentCheckDigit = (field: string): string => {
  const weights = [7, 3, 1]
  let sum = 0
  for (let index = 0; index < field.length; index++) {
    const code = field.charCodeAt(index)
    const value = code === 60 ? 0 : code <= 57 ? code - 48 : code - 55
    sum += value * (weights[index % 3] ?? 0)
  }
  return String(sum % 10)
}

export interface Person {
  readonly code: string
  readonly state: string
  readonly surname: string
  readonly givenNames: string
  readonly number: string
  readonly nationality: string
  readonly birth: string
  readonly sex: string
  readonly expiry: string
  readonly optional?: string
}

const pad = (value: string, width: number) => value.replaceAll(" ", "<").padEnd(width, "<").slice(0, width)
const cd = independentCheckDigit

/** TD3 (passport), 2 × 44. */
export const td3 = (p: Person): string => {
  const personal = pad(p.optional ?? "", 14)
  const personalDigit = /^<+$/.test(personal) ? "<" : cd(personal)
  const head = `${pad(p.number, 9)}${cd(pad(p.number, 9))}`
  const birth = `${p.birth}${cd(p.birth)}`
  const expiry = `${p.expiry}${cd(p.expiry)}`
  const composite = cd(`${head}${birth}${expiry}${personal}${personalDigit}`)
  return [
    `${pad(p.code, 2)}${pad(p.state, 3)}${pad(`${p.surname}<<${p.givenNames}`, 39)}`,
    `${head}${pad(p.nationality, 3)}${birth}${p.sex}${expiry}${personal}${personalDigit}${composite}`
  ].join("\n")
}

/** TD2, 2 × 36. */
export const td2 = (p: Person): string => {
  const optional = pad(p.optional ?? "", 7)
  const head = `${pad(p.number, 9)}${cd(pad(p.number, 9))}`
  const birth = `${p.birth}${cd(p.birth)}`
  const expiry = `${p.expiry}${cd(p.expiry)}`
  return [
    `${pad(p.code, 2)}${pad(p.state, 3)}${pad(`${p.surname}<<${p.givenNames}`, 31)}`,
    `${head}${pad(p.nationality, 3)}${birth}${p.sex}${expiry}${optional}${cd(`${head}${birth}${expiry}${optional}`)}`
  ].join("\n")
}

/** TD1 (identity card), 3 × 30. */
export const td1 = (p: Person): string => {
  const head = `${pad(p.number, 9)}${cd(pad(p.number, 9))}`
  const optional1 = pad(p.optional ?? "", 15)
  const optional2 = pad("", 11)
  const birth = `${p.birth}${cd(p.birth)}`
  const expiry = `${p.expiry}${cd(p.expiry)}`
  const composite = cd(`${head}${optional1}${birth}${expiry}${optional2}`)
  return [
    `${pad(p.code, 2)}${pad(p.state, 3)}${head}${optional1}`,
    `${birth}${p.sex}${expiry}${pad(p.nationality, 3)}${optional2}${composite}`,
    pad(`${p.surname}<<${p.givenNames}`, 30)
  ].join("\n")
}

/** MRV-A (visa), 2 × 44: no composite check digit. */
export const mrvA = (p: Person): string =>
  [
    `V<${pad(p.state, 3)}${pad(`${p.surname}<<${p.givenNames}`, 39)}`,
    `${pad(p.number, 9)}${cd(pad(p.number, 9))}${pad(p.nationality, 3)}${p.birth}${cd(p.birth)}${p.sex}${p.expiry}${cd(p.expiry)}${pad(p.optional ?? "", 16)}`
  ].join("\n")
