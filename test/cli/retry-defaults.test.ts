import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import FunctionExec from '../../src/cli/commands/function/exec.js'
import { parseSpecText } from '../../src/cli/spec-file.js'
import { DEFAULT_MAXRETRIES } from '../../src/protocol/defaults.js'

// One default for maxretries wherever a person leaves it out (issue 26, item 3): it was -1
// (unlimited) for `function exec` and 0 for spec files and the dashboard's form.

test('the default is bounded', () => {
  assert.ok(DEFAULT_MAXRETRIES >= 0, 'a newcomer\'s timed-out command must not be restarted forever')
})

test('function exec\'s --maxretries defaults to it and --help says so', () => {
  const flag = FunctionExec.flags.maxretries
  assert.is(flag.default, DEFAULT_MAXRETRIES)
  assert.ok(flag.description?.includes(`default ${DEFAULT_MAXRETRIES}`), flag.description)
  assert.ok(flag.description?.includes('-1 = unlimited'), flag.description)
})

test('a spec file without maxretries gets it', () => {
  const spec = parseSpecText('{"conditions": {"executortype": "cli"}, "funcname": "sleep 100", "maxexectime": 2}', 'a.json')
  assert.is(spec.maxretries, DEFAULT_MAXRETRIES)
})

test('the dashboard\'s submit form shows it and sends it when the field is empty', async () => {
  const src = await readFile(fileURLToPath(new URL('../../dashboard/src/views/Submit.tsx', import.meta.url)), 'utf8')
  assert.ok(src.includes("import { DEFAULT_MAXRETRIES } from '../../../src/protocol/defaults.js'"), 'the form takes the shared constant')
  const field = /<input id='f-retries'[^>]*>/.exec(src)?.[0] ?? ''
  assert.ok(field.includes('placeholder={String(DEFAULT_MAXRETRIES)}'), field)
  assert.ok(src.includes('spec.maxretries ??= DEFAULT_MAXRETRIES'), 'an empty field sends the default, not whatever the node assumes')
})

test.run()
