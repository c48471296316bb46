/**
 * `colonies dev` as site A of a federation, every part its own process: dev with
 * --p2p-port prints its libp2p address, a `colonies node start --bootstrap <that>` site
 * joins once the dev colony's owner admits it, a process submitted at the new site runs at
 * dev's own executor, and a dev restart with another --name renames the site everywhere.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventually } from '../helpers/colony-node.js'
import { cli, CliProcess, type Env, parseExports } from '../helpers/cli.js'

let dir: string
const procs: CliProcess[] = []

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-dev-fed-'))
})

test.after(async () => {
  for (const p of procs) await p.stop('SIGINT')
  await rm(dir, { recursive: true, force: true })
})

async function startDev (args: string[]): Promise<{ proc: CliProcess, p2p: string }> {
  const proc = new CliProcess(['dev', '--data', join(dir, 'dev'), '--port', '0', '--no-dashboard', '--p2p-port', '0', ...args])
  procs.push(proc)
  const [, p2p] = await proc.waitFor(/^ {2}p2p +(\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)$/m, 30_000) as unknown as [string, string]
  await proc.waitFor(/Press Ctrl-C/, 30_000)
  return { proc, p2p }
}

interface SiteRow { nodeid: string, name: string, connected: boolean, self: boolean }

async function sitesAt (env: Env): Promise<SiteRow[]> {
  const r = await cli(['node', 'ls', '--json'], env)
  return r.code === 0 ? JSON.parse(r.stdout) as SiteRow[] : []
}

test('colonies dev --p2p-port prints its address; a node start --bootstrap site joins, and its work runs at dev\'s executor', async () => {
  const dev = await startDev(['--name', 'site-a'])
  assert.match(dev.proc.output, /Another site joins with:\n {2}(npx )?colonies node start --data DIR --p2p-port 0 --bootstrap \/ip4\//)
  const devEnv = parseExports(await readFile(join(dir, 'dev', 'dev.env'), 'utf8'))

  const b = new CliProcess(['node', 'start', '--data', join(dir, 'b'), '--port', '0', '--no-dashboard', '--p2p-port', '0', '--bootstrap', dev.p2p, '--name', 'site-b'])
  procs.push(b)
  const [, bUrl] = await b.waitFor(/URL\s+(http:\/\/\S+)/) as unknown as [string, string]
  const [, bId] = await b.waitFor(/Node id\s+([0-9a-f]{64})/) as unknown as [string, string]
  await b.waitFor(/Serving/)
  const add = await cli(['node', 'add', '--nodeid', bId, '--name', 'site-b'], devEnv)
  assert.is(add.code, 0, add.stderr)

  const bEnv: Env = { ...devEnv, COLONIES_SERVER_PORT: new URL(bUrl).port }
  const seen = await eventually(async () => {
    const list = await sitesAt(bEnv)
    return list.length === 2 && list.every(s => s.connected) ? list : undefined
  }, 'site B to list dev and itself, connected', 30_000)
  const a = seen.find(s => !s.self)
  assert.is(a?.name, 'site-a')

  const r = await cli(['function', 'submit', '--spec', 'examples/sayhello.json', '--wait', '--timeout', '60'], bEnv)
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^sayhello$/m)
  // printed by the executor `colonies dev` runs
  await dev.proc.waitFor(/^sayhello$/m)

  // a restart with another --name renames dev's site, at B too; B is its way back in
  assert.is(await dev.proc.stop('SIGINT'), 0, dev.proc.output)
  const again = await startDev(['--name', 'site-a2', '--bootstrap', (/P2P\s+(\/ip4\/\S+)/.exec(b.output) ?? [])[1] ?? ''])
  const renamed = await eventually(async () => (await sitesAt(bEnv)).find(s => !s.self && s.name === 'site-a2' && s.connected), 'B to see dev renamed', 30_000)
  assert.is(renamed.nodeid, a?.nodeid)
  // and a restart without --name keeps that name
  assert.is(await again.proc.stop('SIGINT'), 0, again.proc.output)
  await startDev([])
  // port 0: this run's API port is in the dev.env it wrote
  const kept = await sitesAt(parseExports(await readFile(join(dir, 'dev', 'dev.env'), 'utf8')))
  assert.is(kept.find(s => s.self)?.name, 'site-a2')
})

test.run()
