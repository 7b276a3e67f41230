/**
 * Client authentication at the token endpoint (RFC 6749 §2.3.1): `client_secret_basic`, the id and the secret
 * percent-encoded and sent as HTTP Basic credentials, or `client_secret_post`, both in the form — one of them, never
 * both. Whatever is malformed is refused as `invalid_client`; nothing here throws.
 */
import { Result } from "effect"

/** The credentials a client presented. */
export interface ClientCredentials {
  readonly clientId: string
  readonly clientSecret: string
  /** `basic`: the Authorization header; `post`: the form. */
  readonly method: "basic" | "post"
}

/** Why credentials could not be read (for the problem's detail: never the secret). */
export interface MalformedCredentials {
  readonly reason: string
  /** The client used (or tried) the Authorization header: the answer names the Basic scheme. */
  readonly basic: boolean
}

/** The longest client id accepted, in characters. */
export const maxClientIdLength = 255

/** The longest client secret accepted, in characters: hashing is the expensive part, not reading. */
export const maxClientSecretLength = 512

/** What the token endpoint reads credentials from. */
export interface Presented {
  /** The `Authorization` header, if any. */
  readonly authorization?: string | undefined
  /** The form's `client_id` and `client_secret`, if any. */
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/
// Control characters (C0, DEL, C1), which no id or secret contains.
const controlCharacters = /\p{Cc}/u
const utf8 = new TextDecoder("utf-8", { fatal: true })

const percentDecode = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

const fromBasic = (token: string): Result.Result<readonly [string, string], string> => {
  if (token.length === 0 || !base64.test(token) || token.length % 4 === 1) {
    return Result.fail("the Basic credentials are not base64")
  }
  let decoded: string
  try {
    decoded = utf8.decode(Buffer.from(token, "base64"))
  } catch {
    return Result.fail("the Basic credentials are not UTF-8")
  }
  const separator = decoded.indexOf(":")
  if (separator < 0) return Result.fail("the Basic credentials have no colon between the client id and the secret")
  const clientId = percentDecode(decoded.slice(0, separator))
  const clientSecret = percentDecode(decoded.slice(separator + 1))
  if (clientId === undefined || clientSecret === undefined) {
    return Result.fail("the Basic credentials are not validly percent-encoded")
  }
  return Result.succeed([clientId, clientSecret] as const)
}

const checked = (
  clientId: string,
  clientSecret: string,
  method: ClientCredentials["method"]
): Result.Result<ClientCredentials, MalformedCredentials> => {
  const refuse = (reason: string) => Result.fail({ reason, basic: method === "basic" })
  if (clientId.length === 0) return refuse("the client id is empty")
  if (clientSecret.length === 0) return refuse("the client secret is empty")
  if (clientId.length > maxClientIdLength) return refuse(`the client id is longer than ${maxClientIdLength} characters`)
  if (clientSecret.length > maxClientSecretLength) {
    return refuse(`the client secret is longer than ${maxClientSecretLength} characters`)
  }
  if (controlCharacters.test(clientId) || controlCharacters.test(clientSecret)) {
    return refuse("the client credentials contain control characters")
  }
  return Result.succeed({ clientId, clientSecret, method })
}

/**
 * Reads the client's credentials: from the Authorization header (`Basic`) if there is one, else from the form.
 *
 * @example
 * ```ts
 * parse({ authorization: `Basic ${btoa("alpha:s3cret")}` })
 * // Success: { clientId: "alpha", clientSecret: "s3cret", method: "basic" }
 * parse({ authorization: `Basic ${btoa("alpha:%zz")}` })
 * // Failure: { reason: "the Basic credentials are not validly percent-encoded", basic: true }
 * ```
 */
export const parse = (presented: Presented): Result.Result<ClientCredentials, MalformedCredentials> => {
  const { authorization } = presented
  if (authorization !== undefined) {
    const refuse = (reason: string) => Result.fail({ reason, basic: true })
    // `<scheme> <token>`, split by hand: a regular expression here would backtrack on a long run of spaces.
    const value = authorization.trim()
    const space = value.search(/[ \t]/)
    const scheme = space < 0 ? value : value.slice(0, space)
    const token = space < 0 ? "" : value.slice(space + 1).trim()
    if (scheme.toLowerCase() !== "basic") return refuse("only the Basic scheme authenticates a client here")
    if (presented.clientSecret !== undefined) {
      return refuse("the client authenticated both with the Authorization header and in the form")
    }
    const basic = fromBasic(token)
    if (Result.isFailure(basic)) return refuse(basic.failure)
    const [clientId, clientSecret] = basic.success
    if (presented.clientId !== undefined && presented.clientId !== clientId) {
      return refuse("the form's client_id is not the client of the Authorization header")
    }
    return checked(clientId, clientSecret, "basic")
  }
  if (presented.clientId === undefined || presented.clientSecret === undefined) {
    return Result.fail({
      reason: "no client credentials: send them as HTTP Basic, or as client_id and client_secret in the form",
      basic: false
    })
  }
  return checked(presented.clientId, presented.clientSecret, "post")
}
