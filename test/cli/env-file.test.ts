import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { formatExports, parseExports } from '../../src/cli/env-file.js'

test('exports are written one per line in order and read back', () => {
  const vars = [['COLONIES_SERVER_HOST', 'localhost'], ['COLONIES_SERVER_PORT', '50080'], ['COLONIES_COLONY_NAME', 'dev']] as const
  const text = formatExports(vars)
  assert.is(text, 'export COLONIES_SERVER_HOST=localhost\nexport COLONIES_SERVER_PORT=50080\nexport COLONIES_COLONY_NAME=dev')
  assert.equal(parseExports(text), Object.fromEntries(vars))
})

test('values a shell would split are quoted and survive the round trip', () => {
  const text = formatExports([['A', "it's a dir with spaces"], ['B', '$HOME']])
  assert.equal(parseExports(text), { A: "it's a dir with spaces", B: '$HOME' })
})

test('hand-edited files: comments, no export keyword, double quotes', () => {
  assert.equal(parseExports('# dev colony\nA=1\nexport B="two words"\nnot a line\n'), { A: '1', B: 'two words' })
})

test('a bad variable name is refused', () => {
  assert.throws(() => formatExports([['1BAD', 'x']]))
})

test.run()
