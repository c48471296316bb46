/**
 * Duplicate executions (DESIGN decision 6: at-least-once under partition). When two sides
 * of a partition both claim the same attempt, the fold keeps the lowest claim and refuses
 * the other; the refused side's executor may have run the process all the same. The fold
 * notes such a losing claim, and marks it as run once a record of its executor for that
 * attempt turns up (a close, output, log or attribute it wrote while its site still held
 * the claim): from records alone, so every site shows the same duplicates.
 */
import type { FoldEntry } from './entry.js'
import { type DuplicateRun, ProcessState, type ProcessInfo } from './state.js'

export type { DuplicateRun }

/**
 * Notes a refused record of `p`. Both cases replace `p.dups` rather than change it in
 * place: a preview folds into a shallow copy of the process and must leave it untouched.
 */
export function noteRefused (p: ProcessInfo, e: FoldEntry, conflict: boolean): void {
  const b = e.rec.b
  if (b.k === 'claim') {
    // only a claim the state refused (not one its site had no right to write)
    if (!conflict) return
    // the attempt was won by another executor or site: this claim lost a race it could not see
    const won = p.history.find(h => h.state === ProcessState.RUNNING && h.attempt === b.attempt && h.record !== e.id)
    if (won === undefined || (won.executorid === b.executorid && won.site === e.rec.o)) return
    if (p.dups?.some(d => d.claim === e.id) === true) return
    p.dups = [...(p.dups ?? []), { attempt: b.attempt, site: e.rec.o, executorid: b.executorid, claim: e.id, ran: false }]
    return
  }
  if (b.k !== 'env' || b.att === undefined || p.dups === undefined) return
  // its site stamped the attempt on it (`att`): the executor held that attempt there
  const i = p.dups.findIndex(d => !d.ran && d.attempt === b.att && d.executorid === e.author && d.site === e.rec.o)
  if (i < 0) return
  p.dups = p.dups.map((d, j) => j === i ? { ...d, ran: true } : d)
}

/** The executions of `p` beyond the one that won each attempt. */
export function duplicateRuns (p: Pick<ProcessInfo, 'dups'>): DuplicateRun[] {
  return (p.dups ?? []).filter(d => d.ran)
}
