/**
 * Run as `node --import tsx test/helpers/import-probe.mjs DIR`: imports every .ts module
 * under DIR while watching process.env and process.dlopen, then does the same around
 * src/crypto's choice and loading of a backend (the control: what the watch must catch).
 * Prints {"modules":[…],"imported":{env,dlopen},"control":{env,dlopen}}.
 * An env read counts when the code reading it is not Node's own (its module loader reads
 * a few variables itself); every native addon load counts.
 */
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

let seen = { env: [], dlopen: [] }
const reader = () => (new Error().stack ?? '').split('\n')[4]?.trim() ?? ''
const note = (key) => {
  const at = reader()
  if (!/\(node:|at node:/.test(at)) seen.env.push(`${key} (${at})`)
}
process.env = new Proxy(process.env, {
  get (t, k) { if (typeof k === 'string') note(k); return Reflect.get(t, k) },
  has (t, k) { if (typeof k === 'string') note(k); return Reflect.has(t, k) },
  ownKeys (t) { note('(every variable)'); return Reflect.ownKeys(t) },
  getOwnPropertyDescriptor (t, k) { if (typeof k === 'string') note(k); return Reflect.getOwnPropertyDescriptor(t, k) }
})
const dlopen = process.dlopen
process.dlopen = function (...args) {
  seen.dlopen.push(String(args[1]))
  return dlopen.apply(this, args)
}

const dir = resolve(process.argv[2] ?? 'src/protocol')
const modules = readdirSync(dir, { recursive: true }).filter(f => f.endsWith('.ts')).map(String).sort()
for (const m of modules) await import(pathToFileURL(join(dir, m)).href)
const imported = seen

seen = { env: [], dlopen: [] }
const crypto = await import(pathToFileURL(resolve('src/crypto/index.ts')).href)
crypto.chooseCryptoBackend()
for (const name of ['system', 'native']) crypto.unavailableReason(name)
console.log(JSON.stringify({ modules, imported, control: seen }))
