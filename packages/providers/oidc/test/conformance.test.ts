// The conformance suite against the provider and a fresh test broker (oidc-provider on loopback) per check. The
// provider declares only `redirect`, so the redirect checks run, and the end-user is played over HTTP by the
// broker's helper: accepted (the eID asked for, the expected person), rejected (another person than the client's
// userData says), inconclusive (another eID's acr) and canceled (access_denied).
import { ProviderRegistry } from "@assure/provider"
import { Conformance, type ConformanceHarness } from "@assure/testkit"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { OidcProvider } from "../src/index.js"
import * as Testing from "../src/testing.js"
import { returnUrl, signicatNo, users } from "./fixtures.js"

const clientSecret = "conformance-client-secret-9f2c1d"

/** Arms a failure of this check's broker, then starts normally. */
const failing = (failure: Testing.Failure) =>
  Testing.OidcBrokerSimulator.use((broker) => broker.failNext(failure, "discovery")).pipe(
    Effect.as(Testing.startRequest({ eid: "noBankId" }, { returnUrl }))
  )

const harness: ConformanceHarness.Harness<Testing.OidcBrokerSimulator> = {
  provider: "oidc",
  capabilities: OidcProvider.capabilities,
  secrets: [clientSecret],
  startRequest: (outcome) =>
    Effect.sync(() =>
      Testing.startRequest(
        { eid: "noBankId" },
        // The client says who the end-user is; the rejected journey logs in as someone else.
        { returnUrl, userData: outcome === "rejected" ? { personalNumber: "01017012345" } : undefined }
      )
    ),
  callback: (session, outcome) =>
    Testing.OidcBrokerSimulator.use((broker) =>
      broker.login(
        session.redirectUrl ?? "",
        outcome === "canceled"
          ? { cancel: true }
          : { user: signicatNo.sub, ...(outcome === "inconclusive" ? { acr: "idp:sbid" } : {}) }
      )
    ).pipe(
      Effect.map((callbackUrl) => Testing.callbackRequest(session, callbackUrl)),
      Effect.orDie
    ),
  // The only request `start` makes is discovery (on a fresh provider): the broker fails that one. An OpenID
  // Provider's discovery document is public, so there is no `unauthorized` failure at start.
  vendorFailure: {
    rateLimited: failing("rateLimited"),
    unavailable: failing("unavailable"),
    timeout: failing("timeout"),
    malformedJson: failing("malformedJson"),
    schemaInvalid: failing("schemaInvalid")
  }
}

Conformance.suite({
  harness,
  layer: Testing.layerTest(
    { users, redirectUris: [returnUrl], clientSecret: Redacted.make(clientSecret), claimsInIdToken: false },
    // Short, because the timeout check waits for it.
    { preset: "signicat", timeout: "1 second" }
  ).pipe(Layer.provideMerge(ProviderRegistry.layer), Layer.provide(FetchHttpClient.layer))
})
