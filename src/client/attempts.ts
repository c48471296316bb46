/**
 * How each attempt of a process ended, read from the node's process history
 * (colonynet's getprocesshistorymsg): an attempt ends when the node requeues the process
 * (maximum execution time exceeded with retries left, or its executor removed) or when
 * the process ends. `--wait`/`--follow` print these as they happen, and an executor whose
 * close is refused uses them to say why the node had already ended its attempt.
 */
import { EXEC_TIMEOUT_ERROR, ProcessState, WAIT_TIMEOUT_ERROR } from '../protocol/state.js'
import type { Process, ProcessHistory, ProcessHistoryStep as HistoryStep } from '../protocol/wire-types.js'

export type { HistoryStep, ProcessHistory }

export interface AttemptEnd {
  attempt: number
  /** ms since the epoch */
  at: number
  /** why it ended, in words ("maximum execution time exceeded", "successful", the executor's errors …) */
  reason: string
  /** who ran it ('' when nobody did: it failed or was cancelled while waiting) */
  executorid: string
  executorname: string
  site: string
  sitename: string
  /** the attempt that follows, when the node requeued the process */
  next?: number
  /** with `next` after a timeout: which retry the next attempt is (1-based) */
  retry?: number
  /** without `next`: the state the process ended in */
  final?: number
}

const FINAL = new Set<number>([ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED])
const EXEC_TIMEOUT = 'maximum execution time exceeded'

/** The errors a process ended with, in the words people read. */
function failureReason (errors: readonly string[] | null | undefined): string {
  const list = (errors ?? []).filter(e => e !== '')
  if (list.length === 0) return 'failed'
  if (list[0] === EXEC_TIMEOUT_ERROR) return EXEC_TIMEOUT
  if (list[0] === WAIT_TIMEOUT_ERROR) return 'maximum waiting time exceeded: no executor took it'
  return `failed: ${list.join('; ')}`
}

/**
 * Every attempt end in `history`, oldest first. `process` (read after the history) gives
 * the errors of a failed process; without it a failure reads "failed".
 */
export function attemptEnds (history: ProcessHistory, process?: Pick<Process, 'errors'>): AttemptEnd[] {
  const ends: AttemptEnd[] = []
  let running: HistoryStep | undefined
  let retries = 0
  for (const s of history.steps) {
    if (s.state === ProcessState.RUNNING) {
      running = s
      continue
    }
    const ran = running !== undefined && running.attempt === s.attempt - (s.state === ProcessState.WAITING ? 1 : 0) ? running : undefined
    const who = { executorid: ran?.executorid ?? '', executorname: ran?.executorname ?? '', site: ran?.site ?? '', sitename: ran?.sitename ?? '' }
    if (s.state === ProcessState.WAITING && ran !== undefined) {
      // a requeue: by a record of the node (an expired deadline), or by an executor's removal
      const timeout = s.record !== ''
      if (timeout) retries += 1
      ends.push({ attempt: ran.attempt, at: s.at, reason: timeout ? EXEC_TIMEOUT : 'its executor was removed from the colony', ...who, next: s.attempt, retry: timeout ? retries : undefined })
    } else if (FINAL.has(s.state)) {
      const reason = s.state === ProcessState.SUCCESS ? 'successful' : s.state === ProcessState.CANCELLED ? 'cancelled' : failureReason(process?.errors)
      ends.push({ attempt: s.attempt, at: s.at, reason, ...who, final: s.state })
    }
    running = undefined
  }
  return ends
}

/** "executor ex1 at site a", or '' when nobody ran the attempt. */
function whereText (e: AttemptEnd): string {
  if (e.executorid === '') return ''
  const who = e.executorname !== '' ? e.executorname : e.executorid.slice(0, 12)
  const site = e.sitename !== '' ? e.sitename : e.site.slice(0, 12)
  return site === '' ? `executor ${who}` : `executor ${who} at site ${site}`
}

/** What comes after the attempt, given the spec's maxretries. */
function afterText (e: AttemptEnd, maxretries: number): string {
  if (e.next !== undefined) {
    const retry = e.retry === undefined ? '' : ` (retry ${e.retry} of ${maxretries < 0 ? 'unlimited' : maxretries})`
    return `attempt ${e.next}${retry} follows`
  }
  if (e.final === ProcessState.FAILED && e.reason === EXEC_TIMEOUT) {
    return maxretries === 0 ? 'no retries (maxretries 0), the process failed' : `no retries left (maxretries ${maxretries}), the process failed`
  }
  return ''
}

/** One line for people: "attempt 1 ended: maximum execution time exceeded (executor ex1 at site a); attempt 2 (retry 1 of 2) follows". */
export function attemptEndText (e: AttemptEnd, maxretries: number): string {
  const where = whereText(e)
  const after = afterText(e, maxretries)
  return `attempt ${e.attempt} ended: ${e.reason}${where === '' ? '' : ` (${where})`}${after === '' ? '' : `; ${after}`}`
}

/**
 * Why the node refused an executor's close of the attempt it ran, when the node had
 * already ended that attempt: "the node had already ended this attempt: maximum execution
 * time exceeded; attempt 2 runs elsewhere". `mine` is the executor's id, `startedAt` when
 * its attempt started (the assigned process's starttime, ms); `process` is read after
 * `history`. undefined when that attempt has not ended: the refusal was about something else.
 */
export function endedAttemptText (history: ProcessHistory, process: Process, mine: string, startedAt: number): string | undefined {
  const start = history.steps.find(s => s.state === ProcessState.RUNNING && s.executorid === mine && s.at === startedAt)
  const mineEnded = attemptEnds(history, process).filter(e => e.executorid === mine)
  const end = start !== undefined ? mineEnded.find(e => e.attempt === start.attempt) : mineEnded.at(-1)
  if (end === undefined) return undefined
  let now: string
  if (end.next === undefined) {
    now = end.final === ProcessState.FAILED && end.reason === EXEC_TIMEOUT
      ? afterText(end, process.spec.maxretries)
      : 'the process has ended'
  } else if (process.state === ProcessState.RUNNING) {
    now = `attempt ${end.next} runs ${process.assignedexecutorid === mine ? 'here' : 'elsewhere'}`
  } else if (process.state === ProcessState.WAITING) {
    now = `attempt ${end.next} waits for an executor`
  } else {
    now = `attempt ${end.next} has since ended too`
  }
  return `the node had already ended this attempt: ${end.reason}; ${now}`
}
