/**
 * Retention and a node's own figures as a user types them, the real CLI as child
 * processes: `node start` and `dev` take retention from ColonyOS's variables or their
 * flags (flags win), print it, and the node runs it (its /health says so), or refuse a bad
 * setting in one line naming it; `node status` shows what memory and disk hold and what
 * the last prune freed; `node verify-archive` passes a node's archive and names a line
 * someone changed.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { duplicatesHealthText } from '../../src/cli/views/node.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { cli, CliProcess, type Env } from '../helpers/cli.js'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'

let dir: string
/** a node that prunes, for status and verify-archive */
let tc: TestColony
let archive: string
let env: Env

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-cli-node-'))
})

test.after(async () => {
  await tc?.stop()
  await rm(dir, { recursive: true, force: true })
})

function oneLine (stderr: string): void {
  assert.is(stderr.trim().split('\n').length, 1, `one error line, got: ${stderr}`)
  assert.not.match(stderr, /\n\s+at /, 'no stack trace')
}

/** The raw /health of the node at `url`, through `node status --json`. */
async function health (url: string): Promise<any> {
  const u = new URL(url)
  const r = await cli(['node', 'status', '--json'], { COLONIES_SERVER_HOST: u.hostname, COLONIES_SERVER_PORT: u.port })
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout).health
}

test('node start runs the retention COLONIES_RETENTION and COLONIES_RETENTION_POLICY ask for; its flags win over them', async () => {
  const on: Env = { COLONIES_RETENTION: 'true', COLONIES_RETENTION_POLICY: '3600', COLONIES_SERVER_PRVKEY: generatePrivateKey() }
  const archive = join(dir, 'start-archive')
  const cases: Array<{ args: string[], line: RegExp, policy: number, archive: string }> = [
    { args: ['--archive', archive], line: /^Retention\s+on: successful processes older than 3600 s \(1 h\) are purged; purged records archived in (.+)$/m, policy: 3600, archive },
    { args: ['--retention-policy', '60'], line: /^Retention\s+on: successful processes older than 60 s \(1 min\) are purged$/m, policy: 60, archive: '' },
    { args: ['--no-retention'], line: /^Retention\s+off$/m, policy: 0, archive: '' }
  ]
  for (const c of cases) {
    const node = new CliProcess(['node', 'start', '--data', join(dir, 'start'), '--port', '0', '--no-dashboard', ...c.args], on)
    try {
      const [, url] = await node.waitFor(/^URL\s+(http:\/\/\S+)$/m) as unknown as [string, string]
      await node.waitFor(/Serving/)
      if (c.archive !== '') assert.is((await node.waitFor(c.line))[1], c.archive)
      else await node.waitFor(c.line)
      const h = await health(url)
      assert.is(h.retention.policy, c.policy, c.args.join(' '))
      assert.is(h.retention.archive, c.archive)
    } finally {
      assert.is(await node.stop('SIGTERM'), 0, node.output)
    }
  }
})

test('colonies dev takes --retention-policy and --archive and says so', async () => {
  const data = join(dir, 'dev')
  const dev = new CliProcess(['dev', '--data', data, '--port', '0', '--no-executor', '--no-dashboard', '--retention-policy', '120', '--archive', join(dir, 'dev-archive')])
  try {
    const [, url] = await dev.waitFor(/API\s+(http:\/\/\S+)/) as unknown as [string, string]
    await dev.waitFor(/Press Ctrl-C/)
    assert.match(dev.output, /^ {2}retention on: successful processes older than 120 s \(2 min\) are purged; purged records archived in .*dev-archive$/m)
    const h = await health(url)
    assert.is(h.retention.policy, 120)
  } finally {
    assert.is(await dev.stop('SIGINT'), 0, dev.output)
  }
})

test('a bad retention setting is refused before the node starts, in one line naming it', async () => {
  const data = join(dir, 'refused')
  const soon = await cli(['node', 'start', '--data', data, '--port', '0'], { COLONIES_RETENTION: 'true', COLONIES_RETENTION_POLICY: 'soon' })
  assert.is(soon.code, 2)
  assert.match(soon.stderr, /COLONIES_RETENTION_POLICY must be a whole number of seconds, e\.g\. 604800 \(a week\), not "soon"/)
  oneLine(soon.stderr)
  const negative = await cli(['node', 'start', '--data', data, '--port', '0', '--retention-policy=-5'])
  assert.is(negative.code, 2)
  assert.match(negative.stderr, /--retention-policy must be a whole number of seconds.*"-5"/)
  oneLine(negative.stderr)
  const none = await cli(['dev', '--data', data, '--port', '0', '--no-executor'], { COLONIES_RETENTION: 'true' })
  assert.is(none.code, 2)
  assert.match(none.stderr, /COLONIES_RETENTION=true needs a retention policy: pass --retention-policy <seconds> or export COLONIES_RETENTION_POLICY=<seconds>/)
  oneLine(none.stderr)
  // refused before anything was written
  assert.equal(await readdir(dir).then(d => d.filter(f => f === 'refused')), [])
})

// ---- a node that prunes, for status and verify-archive -----------------------------------


/** Submits `n` processes and runs each to success with the colony's executor. */
async function runMany (n: number): Promise<string[]> {
  const x = tc.executors[0] as { prv: string }
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const p = await submit(tc, { args: [String(i)] })
    const got = (await call(tc.node.url, assignMsg(tc.colony, 5), x.prv)).value
    await call(tc.node.url, { msgtype: 'addlogmsg', processid: got.processid, message: `line ${i}` }, x.prv)
    await call(tc.node.url, { msgtype: 'closesuccessfulmsg', processid: got.processid, out: [String(i)] }, x.prv)
    ids.push(p.processid)
  }
  return ids
}

test('node status shows processes in memory, the data directory on disk, the heap, the policy and what the last prune freed', async () => {
  archive = join(dir, 'archive')
  tc = await startColony({ retention: { policySeconds: 1, archiveDir: archive } })
  env = { COLONIES_SERVER_HOST: '127.0.0.1', COLONIES_SERVER_PORT: String(tc.node.port), COLONIES_SERVER_PRVKEY: tc.operator.prv }
  const done = await runMany(3)
  await submit(tc, { conditions: { executortype: 'nobody' } })
  await eventually(async () => (await tc.node.ledger.reads.processes(done)).length === 0 ? true : undefined, 'the settled processes to be purged', 20_000)

  const r = await cli(['node', 'status'], env)
  assert.is(r.code, 0, r.stderr)
  const out = r.stdout
  // the waiting process is the live work left
  assert.match(out, /^In memory\s+1 process in 1 unit \(processes and workflows\); since start \d+ units? paged out to disk, \d+ read back/m)
  assert.match(out, /^On disk\s+\d+(\.\d+)? [KMG]iB in the data directory \(looked at every 30 s\)$/m)
  assert.match(out, /^Memory\s+heap \d+ MiB of \d+ MiB \(\d+ %\), resident \d+ MiB$/m)
  assert.match(out, new RegExp(`^Retention\\s+on: successful processes older than 1 s are purged; purged records archived in ${archive}$`, 'm'))
  const pruned = /^Pruned\s+(\d+) processes in (\d+) units since start; (\d+) prune records written here/m.exec(out)
  assert.ok(pruned !== null, out)
  assert.ok(Number(pruned[1]) >= 3 && Number(pruned[3]) >= 1, pruned[0])
  assert.match(out, /^Last pruned\n {2}COLONY\s+PROCESSES\s+UNITS\s+BATCHES\s+SETTLED BEFORE\s+APPLIED$/m)
  assert.match(out, /^ {2}test\s+\d+\s+\d+\s+\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+ s ago\)$/m)
  assert.match(out, /^Statistics\n {2}Colonies\s+1$/m)
  assert.match(out, /^Duplicates\s+none: no process ran more than once$/m)
  assert.not.match(out, 'object Object')

  const raw = JSON.parse((await cli(['node', 'status', '--json'], env)).stdout)
  assert.is(raw.health.retention.policy, 1)
  assert.is(raw.health.retention.last[0].colony, 'test')
  assert.type(raw.health.ledger.diskbytes, 'number')
  assert.is(raw.health.ledger.processes, 1)
  assert.equal(raw.health.duplicates, { processes: 0, executions: 0, listed: [] })
})

test('node status names the processes that ran more than once', () => {
  const text = duplicatesHealthText({ processes: 2, executions: 3, listed: ['a'.repeat(64), 'b'.repeat(64)] })
  assert.is(text, `3 duplicate executions of 2 processes (colonies process get --processid ID shows where): ${'a'.repeat(64)}, ${'b'.repeat(64)}`)
})

/** The archive's one file (a day's): its name and lines. */
async function archiveFile (): Promise<{ file: string, lines: string[] }> {
  const files = (await readdir(archive)).filter(f => f.endsWith('.jsonl'))
  assert.is(files.length, 1, files.join(' '))
  const file = join(archive, files[0] as string)
  return { file, lines: (await readFile(file, 'utf8')).trim().split('\n') }
}

test('node verify-archive passes the archive a node wrote: a table per file, the totals and who signed', async () => {
  // stopped: nothing appends to the archive while it is read
  await tc.node.stop()
  const { file, lines } = await archiveFile()
  const name = file.slice(archive.length + 1)
  const r = await cli(['node', 'verify-archive', archive])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`^checked ${name}: ${lines.length} records$`, 'm'))
  assert.match(r.stdout, new RegExp(`^${name}\\s+${lines.length}\\s+0$`, 'm'))
  assert.match(r.stdout, new RegExp(`^Records\\s+${lines.length}$`, 'm'))
  assert.match(r.stdout, /^Problems\s+0$/m)
  assert.match(r.stdout, new RegExp(`^Signed by\\s+${tc.node.nodeId}$`, 'm'))

  const j = await cli(['node', 'verify-archive', archive, '--json'])
  assert.is(j.code, 0, j.stderr)
  const check = JSON.parse(j.stdout)
  assert.equal(check.problems, [])
  assert.equal(check.nodes, [tc.node.nodeId])
  assert.equal(check.files, [{ file: name, records: lines.length, problems: 0 }])
  assert.match(j.stderr, `checked ${name}`, 'progress goes to stderr under --json')
})

test('node verify-archive names a changed line and exits non-zero; an empty or missing directory is refused', async () => {
  const { file, lines } = await archiveFile()
  const name = file.slice(archive.length + 1)
  const forged = JSON.parse(lines[1] as string)
  forged.unit = 'f'.repeat(64)
  await writeFile(file, [lines[0], JSON.stringify(forged), ...lines.slice(2)].join('\n') + '\n')
  const r = await cli(['node', 'verify-archive', archive])
  assert.is(r.code, 1)
  assert.match(r.stderr, new RegExp(`^Error: 1 record in 1 of 1 archive files failed the check, the first: ${name}:2: signed by`))
  oneLine(r.stderr)
  assert.match(r.stdout, new RegExp(`^${name}\\s+${lines.length}\\s+1$`, 'm'))
  assert.match(r.stdout, new RegExp(`^Problems\\n {2}${name}:2: signed by`, 'm'))
  const j = await cli(['node', 'verify-archive', archive, '--json'])
  assert.is(j.code, 1)
  assert.is(JSON.parse(j.stdout).problems.length, 1)

  const empty = join(dir, 'empty')
  await mkdir(empty)
  const none = await cli(['node', 'verify-archive', empty])
  assert.is(none.code, 2)
  assert.match(none.stderr, /holds no archive files \(colonynet-YYYY-MM-DD\.jsonl\)/)
  oneLine(none.stderr)
  const missing = await cli(['node', 'verify-archive', join(dir, 'nowhere')])
  assert.is(missing.code, 2)
  assert.match(missing.stderr, /nowhere does not exist/)
})

test.run()
