/**
 * The sandbox's magic values: what decides how a verification ends.
 *
 * A scenario comes from the process parameters (`{ "sandbox": { "scenario": "rejected" } }`) or, when those do not
 * name one, from the last name in the client's `userData` (any case). Everything else is accepted.
 *
 * | last name or `scenario` | what happens |
 * |---|---|
 * | anything else | `accepted`, with the identity data |
 * | `Rejected` | `rejected` (`document_tampered`; eID: `identity_mismatch`) |
 * | `Inconclusive` | `inconclusive` (`image_quality_poor`) |
 * | `Failed` | `failed` (`camera_unavailable`) |
 * | `Canceled` | `canceled`: the end-user gives up (`user_canceled`; eID: comes back with `access_denied`) |
 * | `Pending` | stays `processing` until a webhook says how it ended |
 * | `Unauthorized` | `start` fails with `Unauthorized` |
 * | `RateLimited` | `start` fails with `RateLimited`, retry after 2 seconds |
 * | `Unavailable` | `start` fails with `Unavailable` (HTTP 503) |
 * | `Timeout` | `start` fails with `Unavailable`, timed out |
 *
 * @since 0.1.0
 */
import type { IdentityData } from "@assure/core"
import { Schema } from "effect"

/** How a sandbox verification goes. @since 0.1.0 */
export const Scenario = Schema.Literals([
  "accepted",
  "rejected",
  "inconclusive",
  "failed",
  "canceled",
  "pending",
  "unauthorized",
  "rateLimited",
  "unavailable",
  "timeout"
])

/** How a sandbox verification goes. @since 0.1.0 */
export type Scenario = typeof Scenario.Type

/** The scenarios that end a verification (the others fail `start` or wait). @since 0.1.0 */
export type Ending = Extract<Scenario, "accepted" | "rejected" | "inconclusive" | "failed" | "canceled">

/** The scenarios that make `start` fail as a vendor would. @since 0.1.0 */
export type Failure = Extract<Scenario, "unauthorized" | "rateLimited" | "unavailable" | "timeout">

const byLastName = new Map<string, Scenario>([
  ["rejected", "rejected"],
  ["inconclusive", "inconclusive"],
  ["failed", "failed"],
  ["canceled", "canceled"],
  ["pending", "pending"],
  ["unauthorized", "unauthorized"],
  ["ratelimited", "rateLimited"],
  ["unavailable", "unavailable"],
  ["timeout", "timeout"]
])

/** The scenario of a verification: the parameter if given, else the magic last name, else `accepted`. @since 0.1.0 */
export const of = (scenario: Scenario | undefined, userData: IdentityData.IdentityData | undefined): Scenario =>
  scenario ?? byLastName.get(userData?.lastName?.toLowerCase() ?? "") ?? "accepted"

/** Whether a scenario makes `start` fail. @since 0.1.0 */
export const isFailure = (scenario: Scenario): scenario is Failure =>
  scenario === "unauthorized" || scenario === "rateLimited" || scenario === "unavailable" || scenario === "timeout"
