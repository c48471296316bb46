import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { expandDataDir } from '../../src/cli/data-dir.js'
import { devKeys } from '../../src/cli/dev-colony.js'
import { parsePairs } from '../../src/cli/pairs.js'
import { formatSeconds, formatTime } from '../../src/cli/views/time.js'
import { summarizeFunctions } from '../../src/cli/views/function.js'
import { processesTable, stateName, valuesText } from '../../src/cli/views/process.js'
import { coloniesTable } from '../../src/cli/views/colony.js'
import type { ColonyFunction } from '../../src/protocol/wire-types.js'

test('--env and --kwargs pairs split at the first separator; a pair without one names the flag', () => {
  assert.equal(parsePairs(['A=1', 'B=x=y'], '=', 'env'), [['A', '1'], ['B', 'x=y']])
  assert.equal(parsePairs(['cmd:python3'], ':', 'kwargs'), [['cmd', 'python3']])
  assert.throws(() => parsePairs(['novalue'], '=', 'env'), (e: Error) => e.name === 'UsageError' && e.message.includes('--env'))
})

test('a leading ~ in --data is the home directory; other paths are made absolute', () => {
  assert.is(expandDataDir('~/.colonynet/dev', '/home/u'), '/home/u/.colonynet/dev')
  assert.is(expandDataDir('~', '/home/u'), '/home/u')
  assert.ok(expandDataDir('rel/dir').startsWith('/'))
})

test('dev keys come from the previous dev.env; missing or malformed ones are generated', () => {
  const k = 'c'.repeat(64)
  let n = 0
  const gen = (): string => String(++n).padStart(64, '0')
  const keys = devKeys({ COLONIES_COLONY_PRVKEY: k, COLONIES_PRVKEY: 'short' }, gen)
  assert.equal(keys, { colony: k, user: '1'.padStart(64, '0'), executor: '2'.padStart(64, '0') })
})

test('Go times show as date and time; the zero time as "-"', () => {
  assert.is(formatTime('2026-11-29T04:11:03.123456Z'), '2026-11-29 04:11:03')
  assert.is(formatTime('0001-01-01T00:00:00Z'), '-')
  assert.is(formatTime(''), '-')
  assert.is(formatSeconds(1.234), '1.23s')
  assert.is(formatSeconds(125), '2m05s')
})

test('states and argument lists read as upstream prints them', () => {
  assert.is(stateName(2), 'Successful')
  assert.is(stateName(9), 'Unknown (9)')
  assert.is(valuesText(['a', 1, { b: true }]), 'a 1 {"b":true}')
})

test('empty listings say so, naming the colony', () => {
  assert.is(processesTable([], 0, 'dev'), 'No waiting processes found in colony dev')
  assert.is(processesTable([], 3, 'dev'), 'No failed processes found in colony dev')
  assert.is(coloniesTable([]), 'No colonies found')
})

test('function ls sums a function over the executors offering it, weighting averages by calls', () => {
  const f = (executorname: string, counter: number, avg: number): ColonyFunction => ({
    functionid: executorname, executorname, executortype: 'cli', colonyname: 'dev', funcname: 'echo', counter,
    minwaittime: avg, maxwaittime: avg, minexectime: avg, maxexectime: avg, avgwaittime: avg, avgexectime: avg
  })
  const [s] = summarizeFunctions([f('a', 1, 1), f('b', 3, 5)])
  assert.is(s?.executors, 2)
  assert.is(s?.calls, 4)
  assert.is(s?.avgexectime, 4)
  assert.is(s?.minwaittime, 1)
  assert.is(s?.maxwaittime, 5)
})

test.run()
