/**
 * The directory and label of `fs sync` and `fs clean`, as upstream's CLI finds them: --dir
 * or the current directory; --label or the one the directory's .cfs file names.
 */
import { readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { normalizeLabel } from '../client/fs/names.js'
import { UsageError } from './errors.js'

export async function syncDir (dirFlag: string | undefined, labelFlag: string | undefined, say: (line: string) => void): Promise<{ dir: string, label: string }> {
  const dir = resolve(dirFlag ?? process.cwd())
  if (dirFlag === undefined) say(`No directory given: using the current directory ${dir}`)
  const s = await stat(dir).catch(() => undefined)
  if (s !== undefined && !s.isDirectory()) throw new UsageError(`${dir} is not a directory: give a directory with --dir`)
  return { dir, label: normalizeLabel(labelFlag ?? await labelOf(dir)) }
}

/** The label a synced directory remembers (upstream's .cfs file), or a usage error. */
async function labelOf (dir: string): Promise<string> {
  const path = join(dir, '.cfs')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw new UsageError(`no label: pass --label (${path} does not name one)`)
  }
  let label: unknown
  try {
    const parsed: unknown = JSON.parse(text)
    label = typeof parsed === 'object' && parsed !== null ? (parsed as { label?: unknown }).label : undefined
  } catch {
    throw new UsageError(`${path} is not JSON {"label": "/..."}: pass --label, or remove the file`)
  }
  if (typeof label !== 'string' || label.trim() === '') throw new UsageError(`${path} names no label: pass --label`)
  return label
}
