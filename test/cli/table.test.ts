import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { renderFields, renderTable, truncate } from '../../src/cli/table.js'

interface Row { name: string, n: number }
const columns = [
  { header: 'NAME', value: (r: Row) => r.name },
  { header: 'COUNT', value: (r: Row) => String(r.n), align: 'right' as const }
]

test('columns are aligned to the widest cell, numbers right-aligned', () => {
  const out = renderTable(columns, [{ name: 'dev', n: 7 }, { name: 'production', n: 1234 }], 'No colonies found')
  assert.is(out, [
    'NAME        COUNT',
    'dev             7',
    'production   1234'
  ].join('\n'))
})

test('an empty list prints the explanatory line, not an empty table', () => {
  assert.is(renderTable(columns, [], 'No colonies found'), 'No colonies found')
})

test('newlines and tabs inside a cell do not break the rows', () => {
  const out = renderTable([{ header: 'OUT', value: (r: string) => r }], ['a\nb\tc'], '-')
  assert.is(out.split('\n').length, 2)
  assert.ok(out.includes('a⏎b c'))
})

test('control characters in a cell are shown escaped, and the columns still align', () => {
  const out = renderTable(columns, [{ name: '\u001b]0;title\u0007\u001b[31mred\u0000', n: 1 }, { name: 'plain', n: 22 }], '-')
  const lines = out.split('\n')
  assert.is(lines.length, 3)
  assert.is(lines[1], '\\x1b]0;title\\x07\\x1b[31mred\\x00      1')
  assert.ok(lines.every(l => l.length === (lines[1] as string).length), out)
  assert.is(renderFields([['Args', 'a\u009b2J\u202eb\u007f']]), 'Args  a\\x9b2J\\u202eb\\x7f')
})

test('long cells are cut at max with an ellipsis', () => {
  const out = renderTable([{ header: 'ARGS', value: (r: string) => r, max: 10 }], ['0123456789abcdef'], '-')
  assert.is(out.split('\n')[1], '0123456...')
  assert.is(truncate('short', 10), 'short')
})

test('no line ends with padding', () => {
  const out = renderTable([{ header: 'A', value: (r: string) => r }, { header: 'B', value: () => '' }], ['xyz'], '-')
  for (const line of out.split('\n')) assert.is(line, line.trimEnd())
})

test('fields render as an aligned two-column listing, optionally titled', () => {
  assert.is(renderFields([['Id', 'abc'], ['State', 'Waiting']]), 'Id     abc\nState  Waiting')
  assert.is(renderFields([['Id', 'abc']], 'Process'), 'Process\n  Id  abc')
})

test.run()
