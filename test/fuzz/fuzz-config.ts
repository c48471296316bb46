/**
 * How hard the fuzz properties work. `npm test` runs them with a fixed seed and bounded
 * counts (the fuzz suite takes about 25 s on two cores); `npm run fuzz` (test/fuzz/run.ts)
 * sets FUZZ_RUNS and a random FUZZ_SEED, printed so that a failure can be replayed:
 * `FUZZ_SEED=<seed> FUZZ_RUNS=<runs> npm run fuzz`.
 *
 * Every property declares its `npm test` count; under FUZZ_RUNS it runs FUZZ_RUNS × count
 * / 1000 cases (never fewer than its count), so a cheap property declared at 1,500 runs
 * 1.5 × FUZZ_RUNS and one that talks to a real node, declared at 300, runs 0.3 × FUZZ_RUNS.
 */

/** The seed `npm test` uses: fixed, so a failure there is a failure every time. */
export const DEFAULT_SEED = 20261129

function envInt (name: string): number | undefined {
  const v = process.env[name]
  if (v === undefined || v === '') return undefined
  const n = Number(v)
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(v)}`)
  return n
}

const RUNS = envInt('FUZZ_RUNS')
export const FUZZ_SEED = envInt('FUZZ_SEED') ?? DEFAULT_SEED

/** The case count of a property declared at `dflt` cases (see above). */
export function runs (dflt: number): number {
  if (RUNS === undefined) return dflt
  return Math.max(dflt, Math.round(RUNS * dflt / 1000))
}

export interface FuzzOptions { seed: number, numRuns: number, includeErrorInReport: boolean, maxSkipsPerRun: number }

/** fast-check options: the shared seed, the scaled count, and the failing assertion in the report. */
export function fcOptions (dflt: number): FuzzOptions {
  return { seed: FUZZ_SEED, numRuns: runs(dflt), includeErrorInReport: true, maxSkipsPerRun: 100 }
}
