/**
 * The long fuzz run (`npm run fuzz`): the same properties as `npm test` runs under
 * test/fuzz/, with more cases and a fresh random seed, printed before and after so that
 * a failure can be replayed exactly.
 *
 *   npm run fuzz                          10,000 cases per cheap property, random seed
 *   npm run fuzz -- --runs 50000          more
 *   npm run fuzz -- --seed 123456         replay a seed (FUZZ_SEED / FUZZ_RUNS work too)
 *   npm run fuzz -- --only http-api       only test/fuzz files whose name matches
 */
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function arg (name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? undefined : process.argv[i + 1]
}

function int (name: string, v: string | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n <= 0) {
    console.error(`--${name} / FUZZ_${name.toUpperCase()} must be a positive integer, got ${JSON.stringify(v)}`)
    process.exit(2)
  }
  return n
}

const runs = int('runs', arg('runs') ?? process.env.FUZZ_RUNS, 10_000)
const seed = int('seed', arg('seed') ?? process.env.FUZZ_SEED, randomInt(1, 2 ** 31 - 1))
const only = arg('only') ?? ''
const pattern = `fuzz/[^/]*${only.replace(/[^A-Za-z0-9_-]/g, '')}[^/]*\\.test\\.ts$`
const replay = `FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz${only === '' ? '' : ` -- --only ${only}`}`

console.log(`fuzz: seed ${seed}, ${runs} runs per cheap property (network properties run a share of it)`)
console.log(`fuzz: replay with  ${replay}\n`)
const t0 = Date.now()
const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/run.ts'), pattern], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed) }
})
child.on('close', (code) => {
  console.log(`\nfuzz: seed ${seed}, ${runs} runs, ${Math.round((Date.now() - t0) / 1000)} s, ${code === 0 ? 'no failure' : 'FAILED'}`)
  if (code !== 0) console.log(`fuzz: replay with  ${replay}`)
  process.exit(code ?? 1)
})
