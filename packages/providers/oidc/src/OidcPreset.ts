/**
 * Presets for the eID brokers whose claims are documented: Signicat and Idura (formerly Criipto Verify), each with
 * the eIDs it sends identity claims for — Norwegian BankID, Swedish BankID, Danish MitID and Dutch iDIN. A preset
 * says how the broker names its claims (a {@link OidcClaims.ClaimMapping}) and, per eID, the `acr_values` that select
 * it and the scopes that ask for its identity claims.
 *
 * | broker | eID | `acr_values` | scope | identity number claim | source |
 * |---|---|---|---|---|---|
 * | Signicat | Norwegian BankID | `idp:nbid` | `openid profile nin nbid-extra idp-id` | `nin` (11 digits), `nin_type` `BIRTH`, `nin_issuing_country` `NO` | developer.signicat.com identity-methods/nbid/attributes-reference |
 * | Signicat | Swedish BankID | `idp:sbid` | `openid profile nin` | `nin` (12 digits), `nin_type` `PERSON`, `nin_issuing_country` `SE` (userinfo) | developer.signicat.com identity-methods/sbid/code-examples |
 * | Signicat | Danish MitID | `idp:mitid` | `openid profile idp-id nin mitid-extra` | `nin` (CPR, 10 digits), `nin_type` `PERSON`, `nin_issuing_country` `DK` | developer.signicat.com identity-methods/mitid/attributes-reference |
 * | Signicat | Dutch iDIN | `idp:idin` | `openid profile idp-id` | none (`idp_id` is the BIN, kept in `providerSpecific`) | developer.signicat.com identity-methods/idin |
 * | Idura | Norwegian BankID | `urn:grn:authn:no:bankid` | `openid` | `socialno`, `country` `NO` | docs.idura.app verify/reference/token-contents |
 * | Idura | Swedish BankID | `urn:grn:authn:se:bankid` | `openid` | `ssn`, `country` `SE` | docs.idura.app verify/reference/token-contents, e-ids/swedish-bankid |
 * | Idura | Danish MitID | `urn:grn:authn:dk:mitid:substantial` | `openid` | `cprNumberIdentifier`, `country` `DK` | docs.idura.app verify/reference/token-contents, e-ids/danish-mitid |
 * | Idura | Dutch iDIN | `urn:grn:authn:nl:idin` | `openid` | none (the default "Safe login" carries no user data; ask for a profile scope) | docs.idura.app verify/reference/request-parameters |
 *
 * Other eIDs (the Finnish Trust Network, itsme, …) have no preset here, because their claims are not documented in
 * the sources above: configure them with a claim mapping and pass `acrValues` in the process parameters.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import type { ClaimMapping } from "./OidcClaims.js"

/** The eIDs the presets know. @since 0.1.0 */
export const EidName = Schema.Literals(["noBankId", "seBankId", "dkMitId", "nlIdin"]).pipe(
  Schema.annotate({ identifier: "OidcEid" })
)

/** An eID a preset knows. @since 0.1.0 */
export type EidName = typeof EidName.Type

/** How to ask a broker for one eID. @since 0.1.0 */
export interface Eid {
  /** The `acr_values` that select the eID at the broker. */
  readonly acrValues: string
  /** The scopes that ask for its identity claims (space-separated, with `openid`). */
  readonly scope: string
}

/** A broker: how it names its claims, and how to ask it for each eID. @since 0.1.0 */
export interface Preset {
  readonly name: PresetName
  readonly claims: ClaimMapping
  readonly eids: Readonly<Record<EidName, Eid>>
}

/** The brokers with a preset. @since 0.1.0 */
export const PresetName = Schema.Literals(["signicat", "idura"]).pipe(Schema.annotate({ identifier: "OidcPreset" }))

/** A broker with a preset. @since 0.1.0 */
export type PresetName = typeof PresetName.Type

/**
 * Signicat's eID Hub (OIDC at `https://<your domain>/auth/open`): identity claims in userinfo by default, the
 * identity number as `nin` with `nin_type` and `nin_issuing_country` (alpha-2).
 *
 * @since 0.1.0
 */
export const signicat: Preset = {
  name: "signicat",
  claims: {
    firstName: ["given_name"],
    lastName: ["family_name"],
    dateOfBirth: ["birthdate"],
    personalNumber: ["nin"],
    personalNumberType: ["nin_type"],
    personalNumberIssuingCountry: ["nin_issuing_country"],
    address: ["address"]
  },
  eids: {
    noBankId: { acrValues: "idp:nbid", scope: "openid profile nin nbid-extra idp-id" },
    seBankId: { acrValues: "idp:sbid", scope: "openid profile nin" },
    dkMitId: { acrValues: "idp:mitid", scope: "openid profile idp-id nin mitid-extra" },
    nlIdin: { acrValues: "idp:idin", scope: "openid profile idp-id" }
  }
}

/**
 * Idura Verify (formerly Criipto Verify; domains `*.idura.broker`, `*.criipto.id`): claims in the ID token, the
 * identity number under an eID-specific name (`socialno`, `ssn`, `cprNumberIdentifier`) and the eID's country
 * (alpha-2) as `country`.
 *
 * @since 0.1.0
 */
export const idura: Preset = {
  name: "idura",
  claims: {
    firstName: ["given_name"],
    lastName: ["family_name"],
    dateOfBirth: ["birthdate"],
    personalNumber: ["socialno", "ssn", "cprNumberIdentifier"],
    personalNumberIssuingCountry: ["country"],
    address: ["address"]
  },
  eids: {
    noBankId: { acrValues: "urn:grn:authn:no:bankid", scope: "openid" },
    seBankId: { acrValues: "urn:grn:authn:se:bankid", scope: "openid" },
    dkMitId: { acrValues: "urn:grn:authn:dk:mitid:substantial", scope: "openid" },
    nlIdin: { acrValues: "urn:grn:authn:nl:idin", scope: "openid" }
  }
}

/** Every preset, by name. @since 0.1.0 */
export const presets: Readonly<Record<PresetName, Preset>> = { signicat, idura }
