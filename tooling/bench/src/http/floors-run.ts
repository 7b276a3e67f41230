/**
 * `pnpm --filter @assure/bench bench:floors`: the isolated experiments of floors.ts on their own, printing their
 * subsection of `BENCHMARKS.md` to stdout (progress goes to stderr).
 */
import { measureFloors, renderFloors } from "./floors.ts"

const started = performance.now()
const log = (message: string): void =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`)
console.log(renderFloors(await measureFloors(log)))
