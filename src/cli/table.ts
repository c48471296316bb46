/**
 * Plain aligned tables for human output. No colours and no box drawing, so the output
 * pastes cleanly and greps well. An empty list renders as one explanatory line, never as
 * a header with nothing under it (upstream's `colony ls` prints an empty table).
 */
import { visible } from '../protocol/visible.js'

export interface Column<T> {
  header: string
  value: (row: T) => string
  /** numbers read better right-aligned */
  align?: 'left' | 'right'
  /** longest cell before it is cut with "..." (ids are never cut unless asked) */
  max?: number
}

const GAP = '  '

/**
 * One line per cell: newlines and tabs would break the alignment of every row below, and
 * any other control character is shown escaped (\x1b), not obeyed: cells hold text any
 * member of the colony wrote. Escaped before the widths are measured, so columns align.
 */
function clean (text: string): string {
  return visible(text.replace(/\r?\n/g, '⏎').replace(/\t/g, ' '))
}

/** Cuts `text` to `max` characters, marking the cut with "...". */
export function truncate (text: string, max: number): string {
  if (max < 4 || text.length <= max) return text
  return `${text.slice(0, max - 3)}...`
}

function pad (text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - text.length))
  return align === 'right' ? fill + text : text + fill
}

/**
 * A table with a header row; `empty` is printed instead when there are no rows
 * (e.g. "No colonies found"). Trailing spaces are trimmed from every line.
 */
export function renderTable<T> (columns: Array<Column<T>>, rows: readonly T[], empty: string): string {
  if (rows.length === 0) return empty
  const cells = rows.map(row => columns.map(c => {
    const text = clean(c.value(row))
    return c.max === undefined ? text : truncate(text, c.max)
  }))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map(r => (r[i] ?? '').length)))
  const line = (texts: string[]): string =>
    texts.map((t, i) => pad(t, widths[i] ?? 0, columns[i]?.align ?? 'left')).join(GAP).trimEnd()
  return [line(columns.map(c => c.header)), ...cells.map(line)].join('\n')
}

/** A two-column "field  value" listing for one object (process get, node status, ...). */
export function renderFields (fields: ReadonlyArray<readonly [string, string]>, title?: string): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length))
  const lines = fields.map(([k, v]) => `${pad(k, width, 'left')}${GAP}${clean(v)}`.trimEnd())
  return title === undefined ? lines.join('\n') : [title, ...lines.map(l => `  ${l}`)].join('\n')
}
