/**
 * `assure-server console-account <id> <name> <tenant>=<role>…`: makes an operator account for the review console —
 * a random password (shown once), its scrypt hash, and a new TOTP secret (shown once, with the `otpauth://` URI an
 * authenticator app reads) — and prints the JSON entry to add to the `ASSURE_CONSOLE_ACCOUNTS` file. Nothing the
 * server keeps would let anyone sign in: the file holds the hash, and the TOTP secret is the second factor.
 */
import { Secret, TOTP } from "otpauth"
import { hashSecret, newSecret } from "./Secrets.js"

/** The account entry, the password and the TOTP URI for the arguments; or what is wrong with them. */
export const makeAccount = (
  args: ReadonlyArray<string>
):
  | { readonly entry: Record<string, unknown>; readonly password: string; readonly otpauth: string }
  | { readonly error: string } => {
  const [id, name, ...grants] = args
  if (id === undefined || name === undefined || grants.length === 0) {
    return { error: "usage: assure-server console-account <id> <name> <tenant>=reviewer|admin …" }
  }
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(id)) return { error: `the id ${id} must be 1 to 64 of A-Z a-z 0-9 . _ @ -` }
  const tenants: Record<string, string> = {}
  for (const grant of grants) {
    const [tenant, role] = grant.split("=")
    if (tenant === undefined || tenant === "" || (role !== "reviewer" && role !== "admin")) {
      return { error: `${grant}: expected <tenant>=reviewer or <tenant>=admin` }
    }
    tenants[tenant] = role
  }
  const password = newSecret()
  const secret = new Secret({ size: 20 })
  const totp = new TOTP({
    issuer: "Assure review console",
    label: id,
    secret,
    algorithm: "SHA1",
    digits: 6,
    period: 30
  })
  return {
    entry: { id, name, tenants, secretHash: hashSecret(password), totpSecret: secret.base32 },
    password,
    otpauth: totp.toString()
  }
}
