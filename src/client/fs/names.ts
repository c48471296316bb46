/**
 * Labels and names as paths on disk. Both come from the ledger, which any member of the
 * colony writes: a label or a name is turned into a path only when it cannot reach outside
 * the directory it is synced into (no "..", no "/" inside a name, no NUL), and sub-labels
 * map one to one onto sub-directories, as upstream's `fs sync` maps them.
 */
import { isAbsolute, join, relative, sep } from 'node:path'

/** The file a sync keeps in each directory it applied a plan to: `{"label": "/data"}` (upstream's CFSFile). */
export const CFS_FILE = '.cfs'

/** "data", "/data/" and "data//" all mean /data; "" and "/" mean the root label "/". */
export function normalizeLabel (label: string): string {
  const inner = label.trim().replace(/^\/+|\/+$/g, '')
  return `/${inner}`
}

/** The label of sub-directory `rel` ("a/b", "/" separated) under `label`. */
export function subLabel (label: string, rel: string): string {
  if (rel === '') return label
  return label === '/' ? `/${rel}` : `${label}/${rel}`
}

/** Why `name` cannot be a file in a directory ("" when it can). */
export function unsafeName (name: string): string {
  if (name === '' || name === '.' || name === '..') return 'is not a file name'
  if (name.includes('/') || name.includes('\\') || name.includes('\0')) return 'holds a path separator or NUL'
  return ''
}

/**
 * The directory of `sub`, a label at or below `label`, inside `root`; undefined when the
 * label is not below `label` or a segment of it could leave `root` ("..", ".", "").
 */
export function dirOfLabel (root: string, label: string, sub: string): string | undefined {
  if (sub === label) return root
  const prefix = label === '/' ? '/' : `${label}/`
  if (!sub.startsWith(prefix)) return undefined
  const segments = sub.slice(prefix.length).split('/')
  if (segments.some(s => unsafeName(s) !== '')) return undefined
  const dir = join(root, ...segments)
  const rel = relative(root, dir)
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..') ? undefined : dir
}
