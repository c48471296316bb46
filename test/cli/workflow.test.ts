/**
 * `colonies workflow|cron|generator` as a user types them: the real CLI as child processes
 * against a real node, with an in-process executor running the `cli` nodes. Workflows of
 * executor type `idle` are never run, so they stay waiting for the listings and cancels.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ColoniesClient, Executor, ProcessFailedError } from '../../src/client/index.js'
import { parseWorkflowText } from '../../src/cli/workflow-spec-file.js'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { eventually, startColony, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony
let env: Env
let user: ColoniesClient
let executor: Executor
/** releases the `hold` nodes the executor is running */
const held: Array<() => void> = []

const node = (nodename: string, deps: string[] = [], funcname = 'echo', executortype = 'cli'): Record<string, unknown> =>
  ({ nodename, funcname, conditions: { executortype, dependencies: deps } })

/** Writes a spec file into the node's temporary directory; returns its path. */
async function specFile (name: string, content: unknown): Promise<string> {
  const file = join(tc.dir, name)
  await writeFile(file, JSON.stringify(content, null, 2))
  return file
}

/** The id on the "Submitted workflow <id>" line. */
function submittedId (stdout: string): string {
  const m = /Submitted workflow ([0-9a-f]{64})/.exec(stdout)
  assert.ok(m !== null, `no workflow id in: ${stdout}`)
  return m[1] as string
}

function oneLine (stderr: string): void {
  assert.is(stderr.trim().split('\n').length, 1, `one error line, got: ${stderr}`)
  assert.not.match(stderr, /\n\s+at /, 'no stack trace')
}

test.before(async () => {
  tc = await startColony({ executors: 1 })
  env = colonyEnv(tc, { COLONIES_COLONY_PRVKEY: tc.owner.prv })
  user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  executor = new Executor({
    client: new ColoniesClient({ url: tc.node.url, prvkey: tc.executors[0]!.prv }),
    colonyname: tc.colony,
    concurrency: 4,
    assignTimeoutSec: 1,
    handler: async p => {
      if (p.spec.funcname === 'fail') throw new ProcessFailedError(['boom'])
      if (p.spec.funcname === 'hold') await new Promise<void>(resolve => held.push(resolve))
      return { out: [p.spec.nodename] }
    }
  }).start()
})

test.after(async () => {
  for (const release of held.splice(0)) release()
  await executor.stop({ graceMs: 1000 })
  await tc.stop()
})

// ---- reading the spec file (no node needed) --------------------------------------------

test('a workflow file is an array of function specs or an object; a cycle is named as a cycle, not just one node on it', () => {
  const fromArray = parseWorkflowText(JSON.stringify([node('a'), node('b', ['a'])]), 'wf.json', named => named === '' ? 'env-colony' : named)
  assert.is(fromArray.colonyname, 'env-colony')
  assert.equal(fromArray.functionspecs.map(f => f.conditions.colonyname), ['env-colony', 'env-colony'])
  const fromObject = parseWorkflowText(JSON.stringify({ colonyname: 'own', functionspecs: [node('a')] }), 'wf.json', named => named === '' ? 'env-colony' : named)
  assert.is(fromObject.colonyname, 'own')
  // "z" only depends on the cycle a <-> b: the message names a -> b -> a
  assert.throws(() => parseWorkflowText(JSON.stringify([node('z', ['a']), node('a', ['b']), node('b', ['a'])]), 'wf.json', () => 'c'),
    (e: Error) => e.name === 'SpecFileError' && e.message.includes('functionspecs[1].conditions.dependencies') && e.message.includes('"a" -> "b" -> "a"'))
  assert.throws(() => parseWorkflowText(JSON.stringify(node('a')), 'one.json', () => 'c'), /function submit/)
})

// ---- workflow submit -----------------------------------------------------------------------

test('workflow submit takes upstream\'s array file and prints the workflow id', async () => {
  const file = await specFile('array.json', [node('first', [], 'echo', 'idle'), node('second', ['first'], 'echo', 'idle')])
  const r = await cli(['workflow', 'submit', '--spec', file], env)
  assert.is(r.code, 0, r.stderr)
  const g = await user.getProcessGraph(submittedId(r.stdout))
  assert.is(g.colonyname, tc.colony)
  assert.is(g.processids.length, 2)
  assert.match(r.stdout, /\(2 nodes\)/)
})

test('workflow submit takes an object file whose colonyname wins over COLONIES_COLONY_NAME; --json prints the graph', async () => {
  const file = await specFile('object.json', { colonyname: tc.colony, functionspecs: [node('only', [], 'echo', 'idle')] })
  const r = await cli(['workflow', 'submit', '--spec', file, '--json'], { ...env, COLONIES_COLONY_NAME: 'elsewhere' })
  assert.is(r.code, 0, r.stderr)
  const g = JSON.parse(r.stdout)
  assert.is(g.colonyname, tc.colony)
  assert.is(g.processids.length, 1)
  assert.is((await user.getProcessGraph(g.processgraphid)).state, 0)
})

test('a cycle or an unknown dependency is refused with exit 2, one line naming it', async () => {
  const [cycle, unknown] = await Promise.all([
    cli(['workflow', 'submit', '--spec', await specFile('cycle.json', [node('a', ['b']), node('b', ['a'])])], env),
    cli(['workflow', 'submit', '--spec', await specFile('unknown.json', [node('a'), node('b', ['nope'])])], env)
  ])
  assert.is(cycle.code, 2)
  assert.match(cycle.stderr, /dependency cycle "a" -> "b" -> "a"/)
  oneLine(cycle.stderr)
  assert.is(unknown.code, 2)
  assert.match(unknown.stderr, /unknown nodename "nope" \(node "b"\)/)
  oneLine(unknown.stderr)
})

test('workflow submit --wait waits until a diamond workflow has run, then prints it as a tree and exits 0', async () => {
  const file = await specFile('diamond.json', [node('a'), node('b', ['a']), node('c', ['a']), node('d', ['b', 'c'])])
  const r = await cli(['workflow', 'submit', '--spec', file, '--wait', '--timeout', '20'], env)
  assert.is(r.code, 0, r.stderr + r.stdout)
  const id = submittedId(r.stdout)
  assert.is((await user.getProcessGraph(id)).state, 2, 'it really waited for the end')
  assert.match(r.stdout, /State\s+Successful/)
  assert.match(r.stdout, /Nodes\s+4 \(4 Successful\)/)
  const tree = r.stdout.slice(r.stdout.indexOf('NODE'))
  // roots first, children indented; d has two parents: in full once, "(see above)" once
  assert.match(tree, /\n {2}a +echo +Successful +x0 +[0-9a-f]{12}\n/)
  assert.match(tree, /\n {4}b +echo +Successful/)
  assert.match(tree, /\n {6}d +echo +Successful/)
  assert.match(tree, /\n {6}d \(see above\)\s*(\n|$)/)
  assert.is(tree.match(/^ +d +echo/gm)?.length ?? 0, 1, 'd shown in full once')
})

test('workflow submit --wait on a workflow that fails exits 1, naming the failed node and its error', async () => {
  const file = await specFile('failing.json', [node('a'), node('b', ['a'], 'fail')])
  const r = await cli(['workflow', 'submit', '--spec', file, '--wait', '--timeout', '20'], env)
  assert.is(r.code, 1, r.stderr + r.stdout)
  assert.match(r.stderr, /workflow [0-9a-f]{64} failed: b: boom/)
  oneLine(r.stderr)
  assert.match(r.stdout, /State\s+Failed/)
  assert.match(r.stdout, /b +fail +Failed +x0 +[0-9a-f]{12} +boom/)
})

test('workflow submit --wait --timeout gives up with exit 1 when nothing runs the workflow', async () => {
  const file = await specFile('never.json', [node('never', [], 'echo', 'idle')])
  const r = await cli(['workflow', 'submit', '--spec', file, '--wait', '--timeout', '1'], env)
  assert.is(r.code, 1)
  assert.match(r.stderr, /did not end within 1 s/)
})

// ---- listings, get, cancel, remove -------------------------------------------------------

test('workflow ps|psw|pss|psf list one state each, with an explicit line when there are none', async () => {
  const hold = await user.submitWorkflowSpec({ colonyname: tc.colony, functionspecs: [{ nodename: 'h', funcname: 'hold', conditions: { executortype: 'cli' } }] })
  await eventually(async () => (await user.getProcessGraph(hold.processgraphid)).state === 1 ? true : undefined, 'the held workflow to run')
  try {
    const running = await cli(['workflow', 'ps'], env)
    assert.is(running.code, 0, running.stderr)
    assert.match(running.stdout, /^ID +STARTED +INITIATOR +NODES +STATE\n/)
    assert.match(running.stdout, new RegExp(`${hold.processgraphid} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +user +1 +Running`))
  } finally {
    for (const release of held.splice(0)) release()
  }
  await eventually(async () => (await user.getProcessGraph(hold.processgraphid)).state === 2 ? true : undefined, 'the held workflow to end')

  const [waiting, successful, failed, running] = await Promise.all([
    cli(['workflow', 'psw', '--json'], env),
    cli(['workflow', 'pss', '--count', '1'], env),
    cli(['workflow', 'psf'], env),
    cli(['workflow', 'ps'], env)
  ])
  assert.is(waiting.code, 0, waiting.stderr)
  const list = JSON.parse(waiting.stdout) as Array<{ state: number, processids: string[] }>
  assert.ok(list.length >= 3, 'the idle workflows wait')
  assert.ok(list.every(g => g.state === 0))
  assert.match(successful.stdout, /^ID +ENDED +INITIATOR +NODES +STATE\n/)
  assert.match(successful.stdout, new RegExp(`${hold.processgraphid} .* Successful`), 'newest first, one row')
  assert.is(successful.stdout.trim().split('\n').length, 2)
  assert.match(failed.stdout, /\b2 +Failed/)
  assert.is(running.stdout.trim(), `No running workflows found in colony ${tc.colony}`)
})

test('workflow get shows the header and the tree; --verbose shows full process ids; --json the graph', async () => {
  const g = await user.submitWorkflowSpec({
    colonyname: tc.colony,
    functionspecs: [
      { nodename: 'fetch', funcname: 'download', conditions: { executortype: 'idle' } },
      { nodename: 'parse', funcname: 'parse', conditions: { executortype: 'idle', dependencies: ['fetch'] } }
    ]
  })
  const [r, verbose, json] = await Promise.all([
    cli(['workflow', 'get', '--workflowid', g.processgraphid], env),
    cli(['workflow', 'get', '--workflowid', g.processgraphid, '--verbose'], env),
    cli(['workflow', 'get', '--workflowid', g.processgraphid, '--json'], env)
  ])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`Id +${g.processgraphid}`))
  assert.match(r.stdout, /Initiator +user \([0-9a-f]{64}\)/)
  assert.match(r.stdout, /State +Waiting/)
  assert.match(r.stdout, /\n {2}fetch +download +Waiting +- +[0-9a-f]{12}\n {4}parse +parse +Waiting +- +[0-9a-f]{12}\n?$/)
  for (const pid of g.processids) assert.ok(verbose.stdout.includes(pid), 'full process ids')
  const graph = JSON.parse(json.stdout)
  assert.equal(graph.processids, g.processids)
  assert.is(graph.nodes.length, 2)
})

test('workflow cancel, psc, remove and removeall; an unknown workflow is "not found" (exit 5)', async () => {
  const g = await user.submitWorkflowSpec({ colonyname: tc.colony, functionspecs: [{ nodename: 'x', funcname: 'x', conditions: { executortype: 'idle' } }] })
  const cancel = await cli(['workflow', 'cancel', '--workflowid', g.processgraphid], env)
  assert.is(cancel.code, 0, cancel.stderr)
  assert.is(cancel.stdout.trim(), `Workflow ${g.processgraphid} cancelled`)
  const psc = await cli(['workflow', 'psc'], env)
  assert.match(psc.stdout, new RegExp(`${g.processgraphid} .* Cancelled`))
  const remove = await cli(['workflow', 'remove', '--workflowid', g.processgraphid, '--yes'], env)
  assert.is(remove.code, 0, remove.stderr)
  const gone = await cli(['workflow', 'get', '--workflowid', g.processgraphid], env)
  assert.is(gone.code, 5)
  oneLine(gone.stderr)

  const all = await cli(['workflow', 'removeall', '--waiting', '--yes'], env)
  assert.is(all.code, 0, all.stderr)
  assert.is((await user.getProcessGraphs(tc.colony, 0)).length, 0)
  assert.ok((await user.getProcessGraphs(tc.colony, 2)).length > 0, 'only the waiting ones went')
})

// ---- cron ----------------------------------------------------------------------------------

test('cron add refuses --cron with --interval, neither, --random without --interval, and a bad expression naming the field', async () => {
  const file = await specFile('cron.json', [node('tick')])
  const add = async (...flags: string[]): Promise<Awaited<ReturnType<typeof cli>>> => await cli(['cron', 'add', '--spec', file, '--name', 'x', ...flags], env)
  const [both, neither, random, bad] = await Promise.all([
    add('--cron', '0 0 3 * * *', '--interval', '5'),
    add(),
    add('--cron', '0 0 3 * * *', '--random'),
    add('--cron', '0 0 25 * * *')
  ])
  assert.is(both.code, 2)
  assert.match(both.stderr, /--cron cannot also be provided when using --interval/)
  oneLine(both.stderr)
  assert.is(neither.code, 2)
  assert.match(neither.stderr, /Exactly one of the following must be provided: --cron, --interval/)
  assert.is(random.code, 2)
  assert.match(random.stderr, /--random: --interval/)
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /cronexpression: hour/)
  oneLine(bad.stderr)
  assert.is((await user.getCrons(tc.colony)).length, 0, 'nothing was added')
})

test('cron add, ls, get, run, remove: run prints the workflow it started, get shows it with the next and last run', async () => {
  const file = await specFile('cron.json', [node('tick')])
  const add = await cli(['cron', 'add', '--spec', file, '--name', 'hourly', '--interval', '3600', '--json'], env)
  assert.is(add.code, 0, add.stderr)
  const cron = JSON.parse(add.stdout)
  assert.is(cron.name, 'hourly')
  assert.is(cron.interval, 3600)
  assert.is(JSON.parse(cron.workflowspec).functionspecs[0].nodename, 'tick')

  const ls = await cli(['cron', 'ls'], env)
  assert.match(ls.stdout, /^ID +NAME +SCHEDULE +NEXT RUN +LAST RUN +INITIATOR\n/)
  assert.match(ls.stdout, new RegExp(`${cron.cronid as string} +hourly +every 3600s +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +- +user`))

  const run = await cli(['cron', 'run', '--cronid', cron.cronid], env)
  assert.is(run.code, 0, run.stderr)
  const started = /started workflow ([0-9a-f]{64})/.exec(run.stdout)?.[1]
  assert.ok(started !== undefined, run.stdout)
  const after = await user.getCron(cron.cronid)
  assert.is(after.prevprocessgraphid, started)
  assert.is((await user.getProcessGraph(started)).processids.length, 1)

  const get = await cli(['cron', 'get', '--cronid', cron.cronid], env)
  assert.is(get.code, 0, get.stderr)
  assert.match(get.stdout, /Interval +3600s/)
  const next = /Next run +(\S+ \S+)/.exec(get.stdout)?.[1] ?? ''
  const last = /Last run +(\S+ \S+)/.exec(get.stdout)?.[1] ?? ''
  assert.ok(/^\d{4}-/.test(last), `a last run after the run: ${get.stdout}`)
  assert.ok(next > last, `next run ${next} after last run ${last}`)
  assert.ok(Math.abs(Date.parse(`${next}Z`.replace(' ', 'T')) - Date.now() - 3600_000) < 120_000, `next run about an hour away: ${next}`)
  assert.match(get.stdout, new RegExp(`Previous workflow +${started}`))
  assert.match(get.stdout, /\n {2}tick +echo +cli +- +-/)

  const remove = await cli(['cron', 'remove', '--cronid', cron.cronid, '--yes'], env)
  assert.is(remove.code, 0, remove.stderr)
  const gone = await cli(['cron', 'get', '--cronid', cron.cronid], env)
  assert.is(gone.code, 5)
  const empty = await cli(['cron', 'ls'], env)
  assert.is(empty.stdout.trim(), `No crons found in colony ${tc.colony}`)
})

// ---- generator -----------------------------------------------------------------------------

test('generator add, pack, ls, get, remove: the queue grows with every pack', async () => {
  const file = await specFile('gen.json', [node('batch', [], 'echo', 'idle')])
  const [noTrigger, add] = await Promise.all([
    cli(['generator', 'add', '--spec', file, '--name', 'batcher'], env),
    cli(['generator', 'add', '--spec', file, '--name', 'batcher', '--trigger', '5', '--timeout', '600'], env)
  ])
  assert.is(noTrigger.code, 2)
  assert.match(noTrigger.stderr, /Missing required flag trigger/)
  assert.is(add.code, 0, add.stderr)
  const id = /Added generator ([0-9a-f]{64})/.exec(add.stdout)?.[1] as string
  assert.ok(id !== undefined, add.stdout)

  for (const pack of await Promise.all(['one', 'two'].map(async arg => await cli(['generator', 'pack', '--generatorid', id, '--arg', arg], env)))) {
    assert.is(pack.code, 0, pack.stderr)
  }
  const ls = await cli(['generator', 'ls'], env)
  assert.match(ls.stdout, /^ID +NAME +TRIGGER +TIMEOUT +QUEUE +LAST RUN +INITIATOR\n/)
  assert.match(ls.stdout, new RegExp(`${id} +batcher +5 +600s +2 +- +user`))
  await cli(['generator', 'pack', '--generatorid', id, '--arg', 'three'], env)
  const get = await cli(['generator', 'get', '--generatorid', id], env)
  assert.is(get.code, 0, get.stderr)
  assert.match(get.stdout, /Queue size +3/)
  assert.match(get.stdout, /Trigger +5 packs/)
  assert.match(get.stdout, /First pack +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/)
  assert.match(get.stdout, /Last run +-/)
  assert.match(get.stdout, /\n {2}batch +echo +idle/)

  const remove = await cli(['generator', 'remove', '--generatorid', id, '--yes'], env)
  assert.is(remove.code, 0, remove.stderr)
  const empty = await cli(['generator', 'ls'], env)
  assert.is(empty.stdout.trim(), `No generators found in colony ${tc.colony}`)
})

test.run()
