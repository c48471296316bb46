/**
 * `npm run demo`: a colony of three sites on this machine, with no server.
 *
 * Three nodes (each its own API port, libp2p host and ledger, on 127.0.0.1) form one
 * colony. A Unix executor (a separate `colonies executor start` process) attaches to
 * site C; work is submitted at site A. Site B is then cut off from the others, keeps
 * accepting submissions on its own, and is healed. The demo prints what ran where and
 * each site's state hash, and exits 0 only if all sites agree.
 */
import '../src/node/polyfills.js'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { ColonyNode } from '../src/node/index.js'
import { generatePrivateKey, idFromPrivateKey } from '../src/protocol/crypto.js'
import { ProcessState } from '../src/protocol/state.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const say = (line: string): void => { process.stdout.write(line + '\n') }
const STATE = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED']

async function until<T> (what: string, check: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const work = await mkdtemp(join(tmpdir(), 'colonynet-demo-'))
const operator = generatePrivateKey()
const ownerKey = generatePrivateKey()
const userKey = generatePrivateKey()
const executorKey = generatePrivateKey()
const colony = 'demo'
const sites: Array<{ name: string, node: ColonyNode }> = []
let executor: ReturnType<typeof spawn> | undefined
let exitCode = 1

async function startSite (name: string, bootstrap: string[]): Promise<ColonyNode> {
  const node = await ColonyNode.start({
    dataDir: join(work, name),
    port: 0,
    operatorPrvkey: operator,
    name,
    p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, syncIntervalMs: 2000 }
  })
  sites.push({ name, node })
  say(`  site ${name}: API ${node.url}, node ${node.nodeId.slice(0, 12)}…, libp2p ${node.federation?.addresses()[0] ?? ''}`)
  return node
}

try {
  say('1. Three sites on 127.0.0.1, one colony, no server')
  const a = await startSite('A', [])
  const b = await startSite('B', a.federation?.addresses() ?? [])
  const c = await startSite('C', a.federation?.addresses() ?? [])
  const op = new ColoniesClient({ url: a.url, prvkey: operator })
  await op.addColony(colony, idFromPrivateKey(ownerKey))
  const owner = op.withKey(ownerKey)
  await owner.addSite(colony, b.nodeId, 'B')
  await owner.addSite(colony, c.nodeId, 'C')
  await owner.addUser({ colonyname: colony, userid: idFromPrivateKey(userKey), name: 'demo-user' })
  await owner.addExecutor({ colonyname: colony, executorid: idFromPrivateKey(executorKey), executorname: 'unix-on-C', executortype: 'cli' })
  await owner.approveExecutor(colony, 'unix-on-C')
  await until('B and C to join the colony', () => [b, c].every(n => n.ledger.fold.executor(colony, idFromPrivateKey(executorKey))?.state === 1) ? true : undefined)
  say('  colony "demo" founded on A; B and C admitted by the colony owner and synced')

  say('2. A Unix executor (its own process) attaches to site C')
  executor = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'executor', 'start', '--type', 'cli'], {
    cwd: root,
    env: { ...process.env, COLONIES_SERVER_HOST: '127.0.0.1', COLONIES_SERVER_PORT: String(c.port), COLONIES_COLONY_NAME: colony, COLONIES_EXECUTOR_PRVKEY: executorKey },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let executorOut = ''
  executor.stdout?.on('data', (d: Buffer) => { executorOut += d.toString() })
  executor.stderr?.on('data', (d: Buffer) => { executorOut += d.toString() })
  await until('the executor to wait for work', () => executorOut.includes('Waiting for processes') ? true : undefined)

  const user = new ColoniesClient({ url: a.url, prvkey: userKey })
  say('3. The seed example, submitted at site A')
  const hello = await user.submitFunctionSpec({ conditions: { colonyname: colony, executortype: 'cli' }, funcname: 'echo sayhello' })
  // where each process was submitted, for the table at the end
  const submittedAt = new Map<string, string>([[hello.processid, 'A']])
  // a settled process leaves memory once written: read it as the RPC does, from memory or the store
  const finished = async (n: ColonyNode, ids: readonly string[]): Promise<number> =>
    (await n.ledger.reads.processes(ids)).filter(p => p.state === ProcessState.SUCCESS).length
  const done = await until('sayhello to finish', async () => { const p = await a.ledger.reads.process(hello.processid); return p?.state === ProcessState.SUCCESS ? p : undefined })
  say(`  output seen at A: ${JSON.stringify(done.out)} (ran at site ${sites.find(s => s.node.nodeId === done.site)?.name ?? '?'})`)

  say('4. A batch of 20 processes, submitted at site A')
  const pids = [hello.processid]
  for (let i = 1; i <= 20; i++) pids.push((await user.submitFunctionSpec({ conditions: { colonyname: colony, executortype: 'cli' }, funcname: 'echo', args: [`job-${i}`] })).processid)
  for (const pid of pids) submittedAt.set(pid, 'A')

  say('5. Site B is cut off from A and C; it keeps taking submissions')
  const peer = (n: ColonyNode): string => n.federation?.peerId ?? ''
  await b.federation?.host.block([peer(a), peer(c)])
  await a.federation?.host.block([peer(b)])
  await c.federation?.host.block([peer(b)])
  const offline = new ColoniesClient({ url: b.url, prvkey: userKey })
  for (let i = 1; i <= 5; i++) {
    const pid = (await offline.submitFunctionSpec({ conditions: { colonyname: colony, executortype: 'cli' }, funcname: 'echo', args: [`offline-${i}`] })).processid
    pids.push(pid)
    submittedAt.set(pid, 'B')
  }
  await until('the batch to run at C', async () => await finished(a, pids.slice(0, 21)) === 21 ? true : undefined, 60_000)
  const seenByB = await finished(b, pids)
  say(`  while cut off, B sees ${seenByB} of ${pids.length} processes finished; A and C see ${pids.slice(0, 21).length} finished`)

  say('6. B is healed: sites sync, and the work B took while offline runs at C')
  b.federation?.host.unblock([peer(a), peer(c)])
  a.federation?.host.unblock([peer(b)])
  c.federation?.host.unblock([peer(b)])
  await until('every process to finish on every site', async () => (await Promise.all(sites.map(async s => await finished(s.node, pids)))).every(n => n === pids.length) ? true : undefined, 60_000)
  await until('all sites to hold the same records', () => new Set(sites.map(s => s.node.ledger.fold.size)).size === 1 ? true : undefined)

  say('\nWhat ran where (as site A records it):')
  say('  PROCESS       SUBMITTED AT  RAN AT  STATE    OUTPUT')
  const siteOf = (id: string): string => sites.find(s => s.node.nodeId === id)?.name ?? '?'
  for (const pid of pids) {
    const p = await a.ledger.reads.process(pid)
    if (p === undefined) continue
    say(`  ${pid.slice(0, 12)}  ${(submittedAt.get(pid) ?? '?').padEnd(12)}  ${siteOf(p.site).padEnd(6)}  ${(STATE[p.state] ?? '').padEnd(7)}  ${JSON.stringify(p.out)}`)
  }
  say('\nState hash per site:')
  const hashes = sites.map(s => ({ name: s.name, hash: s.node.ledger.fold.stateHash() }))
  for (const h of hashes) say(`  ${h.name}  ${h.hash}`)
  const agree = new Set(hashes.map(h => h.hash)).size === 1
  say(agree ? '\nAll sites agree.' : '\nSITES DISAGREE.')
  exitCode = agree ? 0 : 1
} catch (err) {
  say(`demo failed: ${(err as Error).message}`)
  exitCode = 1
} finally {
  if (executor !== undefined && executor.exitCode === null) {
    const exited = new Promise(resolve => executor?.once('exit', resolve))
    executor.kill('SIGTERM')
    await exited
  }
  for (const s of sites) await s.node.stop()
  await rm(work, { recursive: true, force: true })
}
process.exit(exitCode)

