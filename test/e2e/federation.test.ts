/**
 * Federation end to end, every part its own process: three `colonies node start` sites
 * (libp2p over TCP on 127.0.0.1), admitted with `colonies node add`, a Unix executor
 * process at C, work submitted at A with the CLI; every site reaches the same state hash;
 * a site killed with SIGKILL and restarted catches up; a site killed while its claim for an
 * executor settled hands that process to the executor once it is back.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { assignMsg, eventually } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { cli, cliColonyOfThree, CliProcess, type CliSite, type Env, siteEnv, startCliSite } from '../helpers/cli.js'

type SiteProc = CliSite

let dir: string
const operator = generatePrivateKey()
const owner = generatePrivateKey()
const userKey = generatePrivateKey()
const sites: SiteProc[] = []

const startSite = async (name: string, bootstrap: string[], port = '0'): Promise<SiteProc> =>
  await startCliSite(dir, name, operator, bootstrap, { port })

const envFor = (s: SiteProc): Env => siteEnv(s, 'fed', { owner, user: userKey, operator })

async function stateHash (s: SiteProc): Promise<string> {
  const r = await fetch(`${s.url}/health?state=1`)
  return (await r.json() as { statehash: string }).statehash
}

async function agree (): Promise<string> {
  return await eventually(async () => {
    const hashes = new Set(await Promise.all(sites.map(stateHash)))
    return hashes.size === 1 ? [...hashes][0] : undefined
  }, 'every site to reach the same state hash', 30_000)
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-fed-e2e-'))
  sites.push(...await cliColonyOfThree(startSite, envFor, { owner, user: userKey }))
})

test.after(async () => {
  for (const s of sites) await s.proc.stop()
  await rm(dir, { recursive: true, force: true })
})

test('submitted at A with the CLI, run by a Unix executor process at C, the same state everywhere', async () => {
  const [a, , c] = sites as [SiteProc, SiteProc, SiteProc]
  const ls = await eventually(async () => {
    const r = await cli(['node', 'ls', '--json'], envFor(a))
    const list = JSON.parse(r.stdout) as Array<{ nodeid: string, connected: boolean }>
    return list.length === 3 && list.every(s => s.connected) ? list : undefined
  }, 'A to list three connected sites', 30_000)
  assert.equal(new Set(ls.map(s => s.nodeid)), new Set(sites.map(s => s.nodeid)))
  // the node's health for people: its heap against the limit, the federation's counters spelt out
  const status = await cli(['node', 'status'], envFor(a))
  assert.is(status.code, 0, status.stderr)
  assert.match(status.stdout, /^Memory\s+heap \d+ MiB of \d+ MiB \(\d+ %\), resident \d+ MiB$/m)
  assert.match(status.stdout, /^Federation\s+gossip \(accepted \d+, rejected \d+, ignored \d+\), claims \(waited \d+/m)
  assert.not.match(status.stdout, 'object Object')

  const key = generatePrivateKey()
  const add = await cli(['executor', 'add', '--name', 'unix-c', '--type', 'cli', '--executorid', idFromPrivateKey(key), '--approve'], envFor(a))
  assert.is(add.code, 0, add.stderr)
  const x = new CliProcess(['executor', 'start', '--type', 'cli'], { ...envFor(c), COLONIES_EXECUTOR_PRVKEY: key })
  try {
    // C must know the executor (by gossip) before it accepts it
    await x.waitFor(/Waiting for processes/, 30_000)
    // the table for people: A lists the executor attached at C (site-2)
    await eventually(async () => /^\S+\s+site-2\s.*\bcli:1\b/m.test((await cli(['node', 'ls'], envFor(a))).stdout) ? true : undefined,
      'node ls at A to show the executor at C', 15_000)
    const r = await cli(['function', 'submit', '--spec', 'examples/sayhello.json', '--wait', '--timeout', '60'], envFor(a))
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /^sayhello$/m)
    await x.waitFor(/^sayhello$/m)
  } finally {
    await x.stop('SIGTERM')
  }
  await agree()
})

test('a site killed with SIGKILL and restarted catches up with what it missed', async () => {
  const [a, b] = sites as [SiteProc, SiteProc, SiteProc]
  await b.proc.stop('SIGKILL')
  for (let i = 0; i < 5; i++) {
    const r = await cli(['function', 'exec', '--func', 'echo', '--args', `missed-${i}`, '--targettype', 'cli'], envFor(a))
    assert.is(r.code, 0, r.stderr)
  }
  const restarted = await startSite('b', [a.p2p], new URL(b.url).port)
  sites[1] = restarted
  const hash = await agree()
  assert.type(hash, 'string')
  const waiting = await cli(['process', 'psw', '--json'], envFor(restarted))
  assert.ok((JSON.parse(waiting.stdout) as unknown[]).length >= 5, 'the restarted site lists the processes it missed')
})

test('a site killed while its claim settled hands the process to the same executor after its restart', async () => {
  const [a, b, c] = sites as [SiteProc, SiteProc, SiteProc]
  const key = generatePrivateKey()
  const add = await cli(['executor', 'add', '--name', 'owed-a', '--type', 'owed', '--executorid', idFromPrivateKey(key), '--approve'], envFor(a))
  assert.is(add.code, 0, add.stderr)
  // no maxexectime: nothing but the handing back can bring this process to an executor again
  const sub = await call(a.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'f', maxexectime: -1, conditions: { colonyname: 'fed', executortype: 'owed' } } }, userKey)
  assert.is(sub.status, 200, JSON.stringify(sub.value))
  const pid = sub.value.processid as string
  // B and C freeze: A heard their heartbeats within 2 s, so it waits up to 2 s for them to
  // acknowledge its claim before answering the executor; A is killed in that window
  b.proc.child.kill('SIGSTOP')
  c.proc.child.kill('SIGSTOP')
  try {
    const poll = call(a.url, assignMsg('fed', 10), key).catch(err => err)
    await eventually(async () => (await call(a.url, { msgtype: 'getprocessmsg', processid: pid }, userKey)).value.state === 1 ? true : undefined, 'A to write its claim', 1500)
    await a.proc.stop('SIGKILL')
    assert.instance(await poll, Error, 'the executor got no answer')
  } finally {
    b.proc.child.kill('SIGCONT')
    c.proc.child.kill('SIGCONT')
  }
  const restarted = await startSite('a', [b.p2p, c.p2p], new URL(a.url).port)
  sites[0] = restarted
  const again = await call(restarted.url, assignMsg('fed', 10), key)
  assert.is(again.status, 200, JSON.stringify(again.value))
  assert.is(again.value.processid, pid)
  const closed = await call(restarted.url, { msgtype: 'closesuccessfulmsg', processid: pid, out: ['handed back'] }, key)
  assert.is(closed.status, 200, JSON.stringify(closed.value))
  await agree()
  const p = await call(c.url, { msgtype: 'getprocessmsg', processid: pid }, userKey)
  assert.is(p.value.state, 2, 'successful everywhere')
})

test.run()
