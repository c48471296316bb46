#!/usr/bin/env node
/**
 * Bundles the dashboard (dashboard/src, Preact + TSX) with esbuild into dashboard/dist,
 * which every node serves at `/`. Runs on `npm ci` / `npm install` (the `prepare` script)
 * and as `npm run build:dashboard`. The output is not committed. Written to a fresh folder
 * and swapped in, so a running node never serves half a build.
 */
import { build } from 'esbuild'
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'dashboard')
const dist = join(src, 'dist')
const next = join(src, 'dist.next')

const started = performance.now()
await rm(next, { recursive: true, force: true })
await mkdir(next, { recursive: true })
try {
  await build({
    absWorkingDir: root,
    entryPoints: { app: join(src, 'src/main.tsx') },
    outdir: next,
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  })
  await copyFile(join(src, 'index.html'), join(next, 'index.html'))
  await rm(dist, { recursive: true, force: true })
  await rename(next, dist)
} catch (err) {
  await rm(next, { recursive: true, force: true })
  console.error(`dashboard build failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
let bytes = 0
for (const f of await readdir(dist)) if (!f.endsWith('.map')) bytes += (await stat(join(dist, f))).size
console.log(`dashboard built into dashboard/dist (${Math.round(bytes / 1024)} KiB) in ${Math.round(performance.now() - started)} ms`)
