/**
 * How a hint should spell this CLI so that pasting it works: `colonies` when that name on
 * PATH is this very CLI, `npx colonies` otherwise (the README's form: under npx the name
 * is on PATH only while npx runs, and a `colonies` elsewhere on PATH may be upstream's).
 */
import { accessSync, constants, realpathSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const OWN_BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

function realpath (file: string): string | undefined {
  try {
    accessSync(file, constants.X_OK)
    return realpathSync(file)
  } catch {
    return undefined
  }
}

export function cliName (env: NodeJS.ProcessEnv = process.env, ownBin = OWN_BIN): string {
  // npm exec/npx runs us with node_modules/.bin on PATH for this run only
  if (env.npm_lifecycle_event === 'npx') return 'npx colonies'
  const own = realpath(ownBin)
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const found = realpath(join(dir, 'colonies'))
    if (found !== undefined && found === own) return 'colonies'
  }
  return 'npx colonies'
}
