/**
 * A Python interpreter that can import what pycolonies needs (its requirements.txt:
 * requests, websocket-client, pydantic 2, boto3). Debian 12's python3 has all but pydantic 2
 * (its python3-pydantic is 1.10), which PyPI would bring; where an interpreter lacks only
 * websocket-client, Debian's pure-Python python3-websocket is put on its path.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Python {
  readonly bin: string
  /** put first on PYTHONPATH (Debian packages linked in), if any */
  readonly pythonpath?: string
  /** how it was chosen, for the report */
  readonly note: string
  cleanup: () => Promise<void>
}

const MODULES = ['requests', 'websocket', 'pydantic', 'boto3'] as const
/** Pure-Python Debian packages an interpreter may borrow: import name → folder */
const DEBIAN_DIST = '/usr/lib/python3/dist-packages'
const BORROWABLE = ['websocket']

const PROBE = `
import importlib, json
out = {}
for m in ${JSON.stringify(MODULES)}:
    try:
        mod = importlib.import_module(m)
        out[m] = str(getattr(mod, '__version__', getattr(mod, 'VERSION', '?')))
    except Exception:
        out[m] = None
print(json.dumps(out))
`

/** module → version, or null when it does not import; undefined if the interpreter does not run. */
function probe (bin: string, pythonpath?: string): Record<string, string | null> | undefined {
  const env = { ...process.env, ...(pythonpath === undefined ? {} : { PYTHONPATH: [pythonpath, process.env.PYTHONPATH].filter(Boolean).join(':') }) }
  const r = spawnSync(bin, ['-c', PROBE], { encoding: 'utf8', env, timeout: 60_000 })
  if (r.status !== 0) return undefined
  try { return JSON.parse(r.stdout) } catch { return undefined }
}

/** The modules missing or too old (pydantic before 2) in a probe. */
export function lacking (found: Record<string, string | null>): string[] {
  return MODULES.filter(m => {
    const v = found[m]
    if (v === null || v === undefined) return true
    return m === 'pydantic' && !/^[2-9]|^\d{2,}/.test(v)
  })
}

const describe = (missing: string[]): string => missing.map(m => m === 'pydantic' ? 'pydantic 2' : m).join(', ')

/** `wanted`: --python; else /usr/bin/python3, then python3 from PATH. */
export async function choosePython (wanted?: string): Promise<Python | { reason: string }> {
  const candidates = wanted !== undefined ? [wanted] : [...new Set(['/usr/bin/python3', 'python3'])]
  const why: string[] = []
  for (const bin of candidates) {
    const found = probe(bin)
    if (found === undefined) { why.push(`${bin} does not run`); continue }
    const missing = lacking(found)
    if (missing.length === 0) return { bin, note: `${bin} (pydantic ${found.pydantic ?? ''})`, cleanup: async () => {} }
    const borrow = missing.filter(m => BORROWABLE.includes(m) && existsSync(join(DEBIAN_DIST, m)))
    if (borrow.length === missing.length && bin !== '/usr/bin/python3') {
      const dir = await mkdtemp(join(tmpdir(), 'colonynet-compat-pypath-'))
      for (const m of borrow) await symlink(join(DEBIAN_DIST, m), join(dir, m))
      const again = probe(bin, dir)
      if (again !== undefined && lacking(again).length === 0) {
        return { bin, pythonpath: dir, note: `${bin} (pydantic ${again.pydantic ?? ''}) with Debian's ${borrow.join(', ')} from ${DEBIAN_DIST}`, cleanup: async () => { await rm(dir, { recursive: true, force: true }) } }
      }
      await rm(dir, { recursive: true, force: true })
    }
    why.push(`${bin} lacks ${describe(missing)}`)
  }
  return { reason: `no Python with pycolonies' requirements (${why.join('; ')}): pass --python with one that has requests, websocket-client, pydantic 2 and boto3 (apt-get install python3-requests python3-websocket python3-boto3 gives all but pydantic 2)` }
}
