/**
 * `node ls` tells the truth about a frozen site, every site its own `colonies node start`
 * process over TCP on 127.0.0.1: a site stopped with SIGSTOP (its connections open, nothing
 * answered) is shown as not answering well within the transport's ping window. (Removed
 * sites: test/node/site-removed.test.ts; behind after a restart while cut off:
 * test/node/sites-behind-restart.test.ts.)
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { eventually } from '../helpers/colony-node.js'
import { cli, cliColonyOfThree, type CliSite, type Env, siteEnv, startCliSite } from '../helpers/cli.js'
import { call } from '../helpers/raw-rpc.js'

type SiteProc = CliSite
interface SiteRow { nodeid: string, name: string, connected: boolean, self: boolean, lastseen: number, behind: Record<string, number>, silent?: boolean }

let dir: string
const operator = generatePrivateKey()
const owner = generatePrivateKey()
const userKey = generatePrivateKey()
const sites: SiteProc[] = []

const startSite = async (name: string, bootstrap: string[], port = '0'): Promise<SiteProc> =>
  await startCliSite(dir, name, operator, bootstrap, { port, more: ['--no-dashboard', '--name', name] })

const envFor = (s: SiteProc): Env => siteEnv(s, 'fed', { owner, user: userKey, operator })

async function ls (s: SiteProc): Promise<SiteRow[]> {
  const r = await cli(['node', 'ls', '--json'], envFor(s))
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as SiteRow[]
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-ls-truth-'))
  sites.push(...await cliColonyOfThree(startSite, envFor, { owner, user: userKey }))
  const a = sites[0] as SiteProc
  await eventually(async () => {
    const list = await ls(a)
    return list.length === 3 && list.every(s => s.connected) ? true : undefined
  }, 'A to list three connected sites', 30_000)
})

test.after(async () => {
  for (const s of sites) {
    s.proc.child.kill('SIGCONT')
    await s.proc.stop()
  }
  await rm(dir, { recursive: true, force: true })
})

test('a site frozen with SIGSTOP is shown as not answering within the ping window, and as answering once it runs again', async () => {
  const [a, b] = sites as [SiteProc, SiteProc, SiteProc]
  const sitesAtA = async (): Promise<SiteRow[]> => {
    const r = await call(a.url, { msgtype: 'getsitesmsg', colonyname: 'fed' }, userKey)
    assert.is(r.status, 200, JSON.stringify(r.value))
    return r.value as SiteRow[]
  }
  b.proc.child.kill('SIGSTOP')
  const stoppedAt = Date.now()
  try {
    // three missed heartbeats (6 s), well before the transport's ping gives up (8 s + 4 s)
    const row = await eventually(async () => {
      const row = (await sitesAtA()).find(s => s.nodeid === b.nodeid)
      return row !== undefined && !row.connected ? row : undefined
    }, 'A to show B as not answering', 10_000)
    const took = Date.now() - stoppedAt
    assert.is(row.silent, true, 'the connection is still open: B is silent, not gone')
    console.log(`B shown not answering ${took} ms after SIGSTOP`)
    const table = await cli(['node', 'ls'], envFor(a))
    assert.match(table.stdout, new RegExp(`^${b.nodeid.slice(0, 16)} +b +no( answer)? `, 'm'), table.stdout)
  } finally {
    b.proc.child.kill('SIGCONT')
  }
  await eventually(async () => (await ls(a)).find(s => s.nodeid === b.nodeid)?.connected === true ? true : undefined, 'A to show B answering again', 30_000)
})

test.run()
