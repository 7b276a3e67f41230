// Test users in the shapes the brokers document (reference section 9): Signicat's `nin`/`nin_type`/
// `nin_issuing_country`, Idura's `ssn`/`socialno`/`cprNumberIdentifier` with `country`. The people and numbers are
// made up (right lengths, no real person).
import { IdentityData } from "@assure/core"
import { Schema } from "effect"
import type * as Testing from "../src/testing.js"

export const returnUrl = "http://127.0.0.1:9/callbacks/oidc"

/**
 * Signicat, Norwegian BankID: names and birth date in `profile`, the fødselsnummer in `nin`, and the standard OpenID
 * `address` claim (released only when the `address` scope is asked for).
 */
export const signicatNo: Testing.User = {
  sub: "nbid-ola",
  claims: {
    name: "Ola Testmann",
    given_name: "Ola",
    family_name: "Testmann",
    birthdate: "1985-06-30",
    nin: "30068512345",
    nin_type: "BIRTH",
    nin_issuing_country: "NO",
    idp_id: "9578-6000-4-000001",
    nbid_idp: "BID",
    address: {
      formatted: "Storgata 1\n0155 Oslo\nNorway",
      street_address: "Storgata 1",
      locality: "Oslo",
      region: "Oslo",
      postal_code: "0155",
      country: "NO"
    }
  }
}

/** Signicat, Danish MitID: a CPR number of 10 digits. */
export const signicatDk: Testing.User = {
  sub: "mitid-freja",
  claims: {
    name: "Freja Testesen",
    given_name: "Freja",
    family_name: "Testesen",
    birthdate: "1974-07-11",
    nin: "1107741234",
    nin_type: "PERSON",
    nin_issuing_country: "DK",
    mitid_uuid: "00000000-0000-4000-8000-000000000001"
  }
}

/** Idura, Swedish BankID: the personnummer (12 digits) as `ssn`, the country as `country`. */
export const iduraSe: Testing.User = {
  sub: "{0b7f7c6e-0000-4000-8000-000000000002}",
  claims: {
    identityscheme: "sebankid",
    ssn: "198001011234",
    name: "Sven Testsson",
    given_name: "Sven",
    family_name: "Testsson",
    country: "SE"
  }
}

/** Idura, Danish MitID: `cprNumberIdentifier` and only a full `name` (no given or family name). */
export const iduraDk: Testing.User = {
  sub: "{0b7f7c6e-0000-4000-8000-000000000003}",
  claims: {
    identityscheme: "dkmitid",
    cprNumberIdentifier: "2101271234",
    birthdate: "1927-01-21",
    name: "Karen Testdatter",
    country: "DK"
  }
}

/** A Signicat user whose broker sent an impossible birth date (as one of Signicat's own examples does). */
export const impossibleBirthDate: Testing.User = {
  sub: "bad-date",
  claims: {
    given_name: "Anne",
    family_name: "Feil",
    birthdate: "1990-17-02",
    nin: "17029012345",
    nin_type: "BIRTH",
    nin_issuing_country: "NO"
  }
}

export const users: ReadonlyArray<Testing.User> = [signicatNo, signicatDk, iduraSe, iduraDk, impossibleBirthDate]

/**
 * Identity data written plainly in a test, decoded with the real schema: an expectation that is not valid identity
 * data fails here rather than being cast past the compiler.
 */
export const identity = (fields: Readonly<Record<string, unknown>>): IdentityData.IdentityData =>
  Schema.decodeUnknownSync(IdentityData.IdentityData)(fields)
