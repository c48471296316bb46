import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const dir = fileURLToPath(new URL('../../src/cli/commands', import.meta.url))

async function files (d: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(d, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...await files(join(d, e.name)))
    else if (e.name.endsWith('.ts')) out.push(join(d, e.name))
  }
  return out
}

test('every command module loads without a node and declares a summary', async () => {
  const found = await files(dir)
  assert.ok(found.length >= 35, `only ${found.length} commands`)
  for (const f of found) {
    const mod = await import(pathToFileURL(f).href) as { default?: { summary?: string, prototype?: { run?: unknown } } }
    const id = relative(dir, f).replace(/\.ts$/, '').split('/').join(' ')
    assert.type(mod.default?.prototype?.run, 'function', `${id}: default export is not a command`)
    assert.ok((mod.default?.summary ?? '') !== '', `${id}: no summary`)
  }
})

test('the commands COLONYOS.md lists exist', async () => {
  const ids = new Set((await files(dir)).map(f => relative(dir, f).replace(/\.ts$/, '').split('/').join(' ')))
  for (const id of [
    'dev', 'colony add', 'colony ls', 'colony remove', 'colony stats',
    'executor add', 'executor approve', 'executor reject', 'executor remove', 'executor ls', 'executor get', 'executor start',
    'user add', 'user ls', 'user get', 'user remove', 'function submit', 'function exec', 'function ls',
    'process ps', 'process psw', 'process pss', 'process psf', 'process psc', 'process get', 'process cancel', 'process remove', 'process removeall',
    'log get', 'attribute add', 'attribute get', 'security generate', 'security id', 'node start', 'node status', 'node rebuild'
  ]) assert.ok(ids.has(id), `missing: colonies ${id}`)
})

test.run()
