import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attemptEnds, attemptEndText, endedAttemptText, type HistoryStep, type ProcessHistory } from '../../src/client/attempts.js'
import { EXEC_TIMEOUT_ERROR, WAIT_TIMEOUT_ERROR } from '../../src/protocol/state.js'
import { makeProcess } from './fake-node.js'

const W = 0
const R = 1
const F = 3
const C = 4

function step (at: number, state: number, attempt: number, executorid = '', record = 'r'): HistoryStep {
  const named = executorid !== ''
  return { at, state, attempt, executorid, executorname: named ? `name-${executorid}` : '', site: named ? 'node-a' : '', sitename: named ? 'site-a' : '', record }
}

const history = (...steps: HistoryStep[]): ProcessHistory => ({ processid: 'p', submitsite: 'node-a', steps })

test('a timeout requeue, an executor removal and a final timeout are three ends, retries counted by timeouts only', () => {
  const h = history(step(0, W, 1), step(1, R, 1, 'x1'), step(2, W, 2), step(3, R, 2, 'x2'), step(4, W, 3, '', ''), step(5, R, 3, 'x1'), step(6, F, 3, 'x1'))
  const ends = attemptEnds(h, { errors: [EXEC_TIMEOUT_ERROR] })
  assert.equal(ends.map(e => attemptEndText(e, 1)), [
    'attempt 1 ended: maximum execution time exceeded (executor name-x1 at site site-a); attempt 2 (retry 1 of 1) follows',
    'attempt 2 ended: its executor was removed from the colony (executor name-x2 at site site-a); attempt 3 follows',
    'attempt 3 ended: maximum execution time exceeded (executor name-x1 at site site-a); no retries left (maxretries 1), the process failed'
  ])
})

test('ends while waiting name nobody: a wait timeout, a cancel after a retry', () => {
  assert.equal(attemptEnds(history(step(0, W, 1), step(5, F, 1)), { errors: [WAIT_TIMEOUT_ERROR] }).map(e => attemptEndText(e, 0)),
    ['attempt 1 ended: maximum waiting time exceeded: no executor took it'])
  const h = history(step(0, W, 1), step(1, R, 1, 'x1'), step(2, W, 2), step(3, C, 2))
  assert.equal(attemptEnds(h).map(e => attemptEndText(e, -1)), [
    'attempt 1 ended: maximum execution time exceeded (executor name-x1 at site site-a); attempt 2 (retry 1 of unlimited) follows',
    'attempt 2 ended: cancelled'
  ])
})

test('an executor\'s errors are the reason of a failure it closed', () => {
  const h = history(step(0, W, 1), step(1, R, 1, 'x1'), step(2, F, 1, 'x1'))
  assert.equal(attemptEnds(h, { errors: ['exit code 2', 'no such file'] })[0]?.reason, 'failed: exit code 2; no such file')
})

test('a late close: which attempt was this executor\'s, and where the next one is', () => {
  const h = history(step(0, W, 1), step(1, R, 1, 'x1'), step(2, W, 2), step(3, R, 2, 'x2'))
  const now = makeProcess({ state: R, assignedexecutorid: 'x2' })
  assert.is(endedAttemptText(h, now, 'x1', 1), 'the node had already ended this attempt: maximum execution time exceeded; attempt 2 runs elsewhere')
  // the executor running the current attempt has nothing ended to explain: its refusal was about something else
  assert.is(endedAttemptText(h, now, 'x2', 3), undefined)
})

test.run()
