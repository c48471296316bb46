/**
 * Which LevelDB the store runs: classic-level's prebuilt 1.20, or the rebuild with the
 * compaction fix (scripts/build-leveldb.mjs, google/leveldb#320). Without the fix a
 * compaction can bring back an older version of a key, even a deleted one, which pruning
 * (rewrites and deletes) makes likely enough to matter: the node says so at start and in
 * /health (`store.leveldb`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export interface LeveldbBuild {
  /** the binding node-gyp-build loads is the rebuild with the fix */
  readonly fixed: boolean
  /** what was found, for /health and the start warning */
  readonly detail: string
}

let found: LeveldbBuild | undefined

/** Looked up once (the binding is loaded once per process). */
export function leveldbBuild (): LeveldbBuild {
  return found ??= lookUp()
}

function lookUp (): LeveldbBuild {
  const require = createRequire(import.meta.url)
  let dir: string
  try {
    dir = dirname(require.resolve('classic-level/package.json'))
  } catch {
    return { fixed: false, detail: 'classic-level not found' }
  }
  // classic-level loads its binding with node-gyp-build, which takes build/Release before
  // the prebuilds whenever a binary is there
  const marker = join(dir, 'build', 'Release', 'colonynet-leveldb.json')
  if (!existsSync(join(dir, 'build', 'Release', 'classic_level.node')) || !existsSync(marker)) {
    return { fixed: false, detail: 'prebuilt LevelDB 1.20, without the compaction fix (run npm run build:leveldb)' }
  }
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { patch?: unknown, napi?: unknown }
    // the binding speaks Node-API, which later Node versions keep: a rebuild serves them too
    const napi = Number(m.napi ?? 1)
    if (!(napi <= Number(process.versions.napi))) return { fixed: false, detail: `rebuilt for Node-API ${String(m.napi)}, this Node has ${process.versions.napi}: run npm run build:leveldb` }
    return { fixed: true, detail: `LevelDB 1.20 with the compaction fix (${String(m.patch)})` }
  } catch {
    return { fixed: false, detail: 'the rebuild\'s marker is unreadable: run npm run build:leveldb' }
  }
}
