/**
 * The names a provider goes by, all derived from the one its package and registry entry use (`acme-id`): the
 * PascalCase of its modules (`AcmeIdClient`), the CONSTANT_CASE of its environment variables (`ACME_ID_API_KEY`),
 * and a display name for prose (`Acme Id`, or what `--display-name` says).
 */

/** The provider names `@assure/core`'s `ProviderName` accepts: lower-case letters and digits, joined by `-`. */
const pattern = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/

/** Longer names would not fit the registry's 64 characters once used as `@assure/<name>`'s directory and key. */
const maxLength = 64

export interface Names {
  /** `acme-id`: the package directory, `@assure/acme-id`, and the registry name. */
  readonly name: string
  /** `AcmeId`: module and service names. */
  readonly pascal: string
  /** `ACME_ID`: environment variables. */
  readonly constant: string
  /** `Acme Id`: prose. */
  readonly display: string
}

/** Why a name cannot be a provider's, or `undefined` when it can. */
export const problemWith = (name: string): string | undefined => {
  if (!pattern.test(name)) {
    return `"${name}" is not a valid provider name: use lower-case letters and digits, words joined by "-" (like "acme-id")`
  }
  if (name.length > maxLength) return `"${name}" is longer than ${maxLength} characters`
  return undefined
}

const capitalise = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1)

/** Every form of a valid name. */
export const namesOf = (name: string, displayName?: string): Names => {
  const words = name.split("-")
  return {
    name,
    pascal: words.map(capitalise).join(""),
    constant: words.join("_").toUpperCase(),
    display: displayName ?? words.map(capitalise).join(" ")
  }
}

/** The template's tokens and what each becomes. The template spells them in contents and in file names. */
export const tokens = (names: Names): ReadonlyArray<readonly [token: string, value: string]> => [
  ["__name__", names.name],
  ["__Name__", names.pascal],
  ["__NAME__", names.constant],
  ["__DisplayName__", names.display]
]
