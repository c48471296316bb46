import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadSpecFile, parseSpecText } from '../../src/cli/spec-file.js'
import { loadWorkflowSpecFile, parseWorkflowText } from '../../src/cli/workflow-spec-file.js'

function refused (fn: () => unknown, field: string, ...parts: string[]): void {
  try {
    fn()
  } catch (err) {
    const e = err as { name?: string, field?: string, message: string }
    assert.is(e.name, 'SpecFileError', e.message)
    assert.is(e.field, field, e.message)
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" should mention ${p}`)
    return
  }
  assert.unreachable('expected a SpecFileError')
}

test('the seed example is a valid spec for the cli executor type', async () => {
  const file = fileURLToPath(new URL('../../examples/sayhello.json', import.meta.url))
  assert.equal(JSON.parse(await readFile(file, 'utf8')), { conditions: { executortype: 'cli' }, funcname: 'echo sayhello' })
  const spec = await loadSpecFile(file)
  assert.is(spec.funcname, 'echo sayhello')
  assert.is(spec.conditions.executortype, 'cli')
  assert.is(spec.conditions.colonyname, '')
})

test('a spec without an executor type names that field and the file', () => {
  refused(() => parseSpecText('{"funcname": "echo"}', 'a.json'), 'spec.conditions.executortype', 'a.json', 'spec.conditions.executortype', 'required')
})

test('a field of the wrong type is named with its dotted path', () => {
  refused(() => parseSpecText('{"conditions": {"executortype": "cli"}, "maxretries": "3"}', 'b.json'), 'spec.maxretries', 'b.json')
  refused(() => parseSpecText('{"conditions": {"executortype": "cli", "mem": "lots"}}', 'b.json'), 'spec.conditions.mem')
})

test('text that is not JSON is refused as a whole, naming the file', () => {
  refused(() => parseSpecText('{"conditions": ', 'c.json'), '', 'c.json', 'not valid JSON')
})

test('a workflow file that is not JSON, or missing, is refused the same way, naming where it breaks', async () => {
  refused(() => parseWorkflowText('[{"conditions":\n  {"executortype" "x"}}]', 'w.json', c => c), '', 'w.json', 'not valid JSON', 'at line 2, column 19')
  await loadWorkflowSpecFile(join(tmpdir(), 'colonies-no-such-workflow.json'), c => c).then(() => assert.unreachable('should fail'), (err: Error) => {
    assert.is(err.name, 'SpecFileError')
    assert.ok(err.message.includes('no such file'), err.message)
  })
})

test('a list of specs is recognised as a workflow', () => {
  refused(() => parseSpecText('[{"conditions": {"executortype": "cli"}}]', 'd.json'), '', 'workflow')
})

test('a missing file says so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonies-spec-'))
  try {
    await loadSpecFile(join(dir, 'nope.json')).then(() => assert.unreachable('should fail'), (err: Error) => {
      assert.is(err.name, 'SpecFileError')
      assert.ok(err.message.includes('no such file'), err.message)
    })
    await writeFile(join(dir, 'ok.json'), '{"conditions": {"executortype": "x"}, "funcname": "f", "args": [1, "a"]}')
    assert.equal((await loadSpecFile(join(dir, 'ok.json'))).args, [1, 'a'])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
