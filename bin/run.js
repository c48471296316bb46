#!/usr/bin/env node
// The `colonies` CLI. Commands are TypeScript (src/cli/commands) loaded through tsx at
// run time, so there is no build step: register tsx's ESM hooks, then hand over to oclif.
import { register } from 'tsx/esm/api'
import { execute, settings } from '@oclif/core'

// `colonies process pss | head -1`: a closed pipe ends the command quietly, not with a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', err => { if (err.code === 'EPIPE') process.exit(0); else throw err })
}

register()
// oclif's own TypeScript lookup maps outDir to rootDir through tsconfig.json; the commands
// directory already points at the sources and tsx is registered, so switch the lookup off.
settings.enableAutoTranspile = false
await execute({ dir: import.meta.url })
