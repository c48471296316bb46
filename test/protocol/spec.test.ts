import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  functionSpecToJson, parseFunctionSpec, parseWorkflowSpec, parseWorkflowSpecText, workflowSpecToJson
} from '../../src/protocol/spec.js'
import { AttributeType, ExecutorState, ProcessState } from '../../src/protocol/state.js'
import { GO_ZERO_TIME, formatGoTime } from '../../src/protocol/wire-types.js'

function refused (fn: () => unknown, field: string, messagePart?: string): void {
  try {
    fn()
  } catch (err) {
    const e = err as { name?: string, field?: string, message?: string }
    assert.is(e.name, 'ValidationError', String(e.message))
    assert.is(e.field, field, String(e.message))
    if (messagePart !== undefined) assert.ok(e.message?.includes(messagePart), e.message)
    return
  }
  assert.unreachable(`expected a ValidationError on ${field}`)
}

const minimal = { conditions: { executortype: 'cli' } }

test('constants match upstream', () => {
  assert.equal(ProcessState, { WAITING: 0, RUNNING: 1, SUCCESS: 2, FAILED: 3, CANCELLED: 4 })
  assert.equal(ExecutorState, { PENDING: 0, APPROVED: 1, REJECTED: 2, UNREGISTERED: 3 })
  assert.equal(AttributeType, { IN: 0, OUT: 1, ERR: 2, ENV: 3 })
})

test('minimal spec gets every field with upstream defaults', () => {
  assert.equal(parseFunctionSpec(minimal), {
    nodename: '',
    funcname: '',
    args: [],
    kwargs: {},
    priority: 0,
    maxwaittime: -1,
    maxexectime: -1,
    maxretries: 0,
    conditions: {
      colonyname: '',
      executornames: [],
      executortype: 'cli',
      locationname: '',
      dependencies: [],
      nodes: 0,
      cpu: '',
      processes: 0,
      processespernode: 0,
      mem: '',
      storage: '',
      gpu: { name: '', mem: '', count: 0, nodecount: 0 },
      walltime: 0
    },
    label: '',
    fs: { mount: '', snapshots: [], dirs: [] },
    env: {},
    channels: []
  })
})

test('null fields read as absent (Go leaves the zero value)', () => {
  const s = parseFunctionSpec({ ...minimal, args: null, kwargs: null, env: null, fs: null, priority: null, maxretries: null, label: null })
  assert.equal(s.args, [])
  assert.equal(s.kwargs, {})
  assert.equal(s.env, {})
  assert.equal(s.fs, { mount: '', snapshots: [], dirs: [] })
  assert.is(s.priority, 0)
  assert.is(s.maxretries, 0)
})

test('time limits: 0 and missing mean no limit (-1); explicit values kept', () => {
  assert.is(parseFunctionSpec({ ...minimal, maxwaittime: 0, maxexectime: 0 }).maxwaittime, -1)
  assert.is(parseFunctionSpec({ ...minimal, maxwaittime: 0, maxexectime: 0 }).maxexectime, -1)
  const s = parseFunctionSpec({ ...minimal, maxwaittime: 30, maxexectime: 60, maxretries: 3 })
  assert.is(s.maxwaittime, 30)
  assert.is(s.maxexectime, 60)
  assert.is(s.maxretries, 3)
  assert.is(parseFunctionSpec({ ...minimal, maxretries: -1 }).maxretries, -1)
})

test('a full spec keeps its values and drops unknown fields', () => {
  const input = {
    nodename: 'n1',
    funcname: 'train',
    args: ['a', 1, true, null, { deep: [1, 2, { x: 'y' }] }],
    kwargs: { lr: 0.01, layers: [1, 2], __proto__x: 1 },
    priority: -50000,
    maxwaittime: 10,
    maxexectime: 20,
    maxretries: 5,
    conditions: {
      colonyname: 'dev',
      executornames: ['*'],
      executortype: 'gpu',
      locationname: 'lab',
      dependencies: ['n0'],
      nodes: 2,
      cpu: '1500m',
      processes: 4,
      processespernode: 2,
      mem: '4Gi',
      storage: '100G',
      gpu: { name: 'h100', mem: '80Gi', count: 8, nodecount: 8 },
      walltime: 3600,
      extra: 'dropped'
    },
    label: 'ml',
    fs: {
      mount: '/cfs',
      snapshots: [{ snapshotid: 's1', label: 'data', dir: '/data', keepfiles: true, keepsnapshot: false }],
      dirs: [{ label: 'src', dir: '/src', keepfiles: false, onconflicts: { onstart: { keeplocal: true }, onclose: { keeplocal: false } } }]
    },
    env: { A: '1', B: '' },
    channels: ['progress'],
    unknownTopLevel: { anything: 1 }
  }
  const s = parseFunctionSpec(input)
  assert.not.ok('unknownTopLevel' in s)
  assert.not.ok('extra' in s.conditions)
  assert.equal(s.args, input.args)
  assert.equal(s.kwargs, input.kwargs)
  assert.is(s.priority, -50000)
  assert.equal(s.conditions.gpu, { name: 'h100', mem: '80Gi', count: 8, nodecount: 8 })
  assert.is(s.conditions.cpu, '1500m')
  assert.equal(s.fs.dirs[0]?.onconflicts, { onstart: { keeplocal: true }, onclose: { keeplocal: false } })
  assert.equal(s.env, { A: '1', B: '' })
  assert.equal(s.channels, ['progress'])
  // deep copies: changing the input afterwards does not reach the spec
  ;(input.args[4] as { deep: unknown[] }).deep.push(9)
  assert.is((s.args[4] as { deep: unknown[] }).deep.length, 3)
})

test('a "__proto__" key in kwargs stays a plain key', () => {
  const json = JSON.parse('{"conditions":{"executortype":"x"},"kwargs":{"__proto__":{"polluted":true}},"env":{"__proto__":"v"}}') as unknown
  const s = parseFunctionSpec(json)
  assert.ok(Object.hasOwn(s.kwargs, '__proto__'))
  assert.is(Object.getPrototypeOf(s.kwargs), Object.prototype)
  assert.is(({} as Record<string, unknown>).polluted, undefined)
  assert.is(s.env.__proto__, 'v')
})

test('wrong types and values are refused with the dotted path', () => {
  const cases: Array<[unknown, string]> = [
    [null, 'spec'],
    [[], 'spec'],
    ['x', 'spec'],
    [{}, 'spec.conditions.executortype'],
    [{ conditions: { executortype: '' } }, 'spec.conditions.executortype'],
    [{ conditions: { executortype: 7 } }, 'spec.conditions.executortype'],
    [{ conditions: 'x' }, 'spec.conditions'],
    [{ ...minimal, nodename: 1 }, 'spec.nodename'],
    [{ ...minimal, funcname: {} }, 'spec.funcname'],
    [{ ...minimal, args: {} }, 'spec.args'],
    [{ ...minimal, args: 'a' }, 'spec.args'],
    [{ ...minimal, kwargs: [] }, 'spec.kwargs'],
    [{ ...minimal, priority: 1.5 }, 'spec.priority'],
    [{ ...minimal, priority: '1' }, 'spec.priority'],
    [{ ...minimal, priority: 50001 }, 'spec.priority'],
    [{ ...minimal, priority: -50001 }, 'spec.priority'],
    [{ ...minimal, maxwaittime: -2 }, 'spec.maxwaittime'],
    [{ ...minimal, maxexectime: 'soon' }, 'spec.maxexectime'],
    [{ ...minimal, maxretries: 1.5 }, 'spec.maxretries'],
    [{ ...minimal, maxretries: -2 }, 'spec.maxretries'],
    [{ ...minimal, maxretries: 2 ** 60 }, 'spec.maxretries'],
    [{ ...minimal, label: false }, 'spec.label'],
    [{ ...minimal, env: [] }, 'spec.env'],
    [{ ...minimal, env: { A: 1 } }, 'spec.env.A'],
    [{ ...minimal, channels: [1] }, 'spec.channels[0]'],
    [{ ...minimal, fs: [] }, 'spec.fs'],
    [{ ...minimal, fs: { snapshots: [{ keepfiles: 'yes' }] } }, 'spec.fs.snapshots[0].keepfiles'],
    [{ ...minimal, fs: { dirs: [{ onconflicts: { onclose: { keeplocal: 1 } } }] } }, 'spec.fs.dirs[0].onconflicts.onclose.keeplocal'],
    [{ conditions: { executortype: 'x', executornames: 'a' } }, 'spec.conditions.executornames'],
    [{ conditions: { executortype: 'x', executornames: [''] } }, 'spec.conditions.executornames[0]'],
    [{ conditions: { executortype: 'x', dependencies: [3] } }, 'spec.conditions.dependencies[0]'],
    [{ conditions: { executortype: 'x', cpu: 'lots' } }, 'spec.conditions.cpu'],
    [{ conditions: { executortype: 'x', cpu: 2 } }, 'spec.conditions.cpu'],
    [{ conditions: { executortype: 'x', mem: '4 GB' } }, 'spec.conditions.mem'],
    [{ conditions: { executortype: 'x', storage: 'big' } }, 'spec.conditions.storage'],
    [{ conditions: { executortype: 'x', gpu: { mem: 'x' } } }, 'spec.conditions.gpu.mem'],
    [{ conditions: { executortype: 'x', gpu: { count: -1 } } }, 'spec.conditions.gpu.count'],
    [{ conditions: { executortype: 'x', gpu: 1 } }, 'spec.conditions.gpu'],
    [{ conditions: { executortype: 'x', nodes: -1 } }, 'spec.conditions.nodes'],
    [{ conditions: { executortype: 'x', walltime: 'x' } }, 'spec.conditions.walltime'],
    [{ ...minimal, args: [Number.NaN] }, 'spec.args[0]'],
    [{ ...minimal, args: [undefined] }, 'spec.args[0]'],
    [{ ...minimal, kwargs: { d: new Date() } }, 'spec.kwargs.d']
  ]
  for (const [json, field] of cases) refused(() => parseFunctionSpec(json), field)
  refused(() => parseFunctionSpec({}, 'x.y'), 'x.y.conditions.executortype', 'is required')
  refused(() => parseFunctionSpec({ ...minimal, maxretries: 1.5 }), 'spec.maxretries', 'must be an integer')
  refused(() => parseFunctionSpec({ conditions: { executortype: 1 } }), 'spec.conditions.executortype', 'must be a string')
})

test('hostile nesting is a ValidationError, not a stack overflow', () => {
  let deep: unknown = 1
  for (let i = 0; i < 100000; i++) deep = [deep]
  try {
    parseFunctionSpec({ ...minimal, args: [deep] })
    assert.unreachable()
  } catch (err) {
    assert.is((err as Error).name, 'ValidationError')
    assert.ok(((err as { field: string }).field).startsWith('spec.args[0]'))
  }
})

test('functionSpecToJson: upstream field order, omitempty, round-trip', () => {
  const s = parseFunctionSpec({ ...minimal, funcname: 'f', args: [1], kwargs: { k: { v: 1 } } })
  const j = functionSpecToJson(s)
  assert.equal(Object.keys(j), ['nodename', 'funcname', 'args', 'kwargs', 'priority', 'maxwaittime', 'maxexectime', 'maxretries', 'conditions', 'label', 'fs', 'env'])
  assert.equal(Object.keys(j.conditions), ['colonyname', 'executornames', 'executortype', 'dependencies', 'nodes', 'cpu', 'processes', 'processespernode', 'mem', 'storage', 'gpu', 'walltime'])
  assert.not.ok('channels' in j)
  assert.not.ok('locationname' in j.conditions)
  assert.equal(parseFunctionSpec(j), s)

  const t = parseFunctionSpec({ conditions: { executortype: 'x', locationname: 'eu' }, channels: ['c'] })
  const tj = functionSpecToJson(t)
  assert.is(tj.conditions.locationname, 'eu')
  assert.equal(tj.channels, ['c'])
  assert.equal(parseFunctionSpec(JSON.parse(JSON.stringify(tj))), t)
  // the JSON is a copy
  ;(tj.args as unknown[]).push(1)
  assert.equal(t.args, [])
})

const node = (nodename: string, deps: string[] = []): Record<string, unknown> => ({ nodename, conditions: { executortype: 'cli', dependencies: deps } })

test('workflow: valid graph parses, colonyname copied into every node', () => {
  const wf = parseWorkflowSpec({ colonyname: 'dev', functionspecs: [node('a'), node('b', ['a']), node('c', ['a', 'b'])] })
  assert.is(wf.colonyname, 'dev')
  assert.equal(wf.functionspecs.map(f => f.nodename), ['a', 'b', 'c'])
  assert.ok(wf.functionspecs.every(f => f.conditions.colonyname === 'dev'))
  assert.equal(parseWorkflowSpec(workflowSpecToJson(wf)), wf)
})

test('workflow: errors name the node', () => {
  refused(() => parseWorkflowSpec({ functionspecs: [node('a')] }), 'spec.colonyname')
  refused(() => parseWorkflowSpec({ colonyname: 'dev' }), 'spec.functionspecs')
  refused(() => parseWorkflowSpec({ colonyname: 'dev', functionspecs: {} }), 'spec.functionspecs')
  refused(() => parseWorkflowSpec({ colonyname: 'dev', functionspecs: [1] }), 'spec.functionspecs[0]')
  refused(() => parseWorkflowSpec({ colonyname: 'dev', functionspecs: [node('a'), { nodename: 'b' }] }), 'spec.functionspecs[1].conditions.executortype')
  refused(() => parseWorkflowSpec({ colonyname: 'dev', functionspecs: [node('a'), node('')] }), 'spec.functionspecs[1].nodename')
  refused(() => parseWorkflowSpec({ colonyname: 'dev', functionspecs: [node('a'), node('a')] }), 'spec.functionspecs[1].nodename', 'duplicate')
  refused(() => parseWorkflowSpec({ colonyname: 'dev', functionspecs: [node('a', ['zz'])] }), 'spec.functionspecs[0].conditions.dependencies[0]', 'unknown')
  refused(() => parseWorkflowSpec({ colonyname: 'dev', functionspecs: [node('a', ['a'])] }), 'spec.functionspecs[0].conditions.dependencies', 'cycle')
  refused(() => parseWorkflowSpec({ colonyname: 'dev', functionspecs: [node('r'), node('a', ['r', 'c']), node('b', ['a']), node('c', ['b'])] }), 'spec.functionspecs[1].conditions.dependencies', 'cycle')
  refused(() => parseWorkflowSpecText('{nope', 'cron.workflowspec'), 'cron.workflowspec')
})

test('formatGoTime writes Go RFC 3339', () => {
  assert.is(formatGoTime(null), GO_ZERO_TIME)
  assert.is(formatGoTime(Date.UTC(2024, 4, 1, 12, 0, 0, 0)), '2024-05-01T12:00:00Z')
  assert.is(formatGoTime(Date.UTC(2024, 4, 1, 12, 0, 0, 120)), '2024-05-01T12:00:00.12Z')
  assert.is(formatGoTime(new Date(Date.UTC(2024, 4, 1, 12, 0, 10, 5))), '2024-05-01T12:00:10.005Z')
})

test.run()
