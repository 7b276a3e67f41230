/**
 * `@assure/testkit`: the conformance suite every assure identity-provider adapter runs with vitest.
 *
 * @since 0.1.0
 */

/** Registers the conformance checks for one provider. @since 0.1.0 */
export * as Conformance from "./Conformance.js"
/** The harness an adapter author implements to drive the suite. @since 0.1.0 */
export * as ConformanceHarness from "./ConformanceHarness.js"
