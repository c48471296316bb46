/**
 * The assigner's in-memory queue of waiting processes: best first (priority time, then
 * submission order), per colony and executor type, whatever order processes arrive, move
 * and leave in. Checked against a plain sorted model through runs that drain from the
 * front (as executors do), insert in front of everything, in the middle and at the end,
 * and change priorities.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { WaitingQueue } from '../../src/node/waiting-queue.js'
import { type ProcessInfo, ProcessState } from '../../src/protocol/state.js'

interface Entry { pid: string, type: string, prio: number, key: string, waiting: boolean }

const info = (e: Entry): ProcessInfo => ({
  processid: e.pid,
  colonyname: 'c',
  state: e.waiting ? ProcessState.WAITING : ProcessState.RUNNING,
  waitforparents: false,
  prioritytime: e.prio,
  submitkey: e.key,
  spec: { conditions: { colonyname: 'c', executortype: e.type } }
}) as unknown as ProcessInfo

/** The model: the waiting entries of a type, by (priority time, submit key). */
function expected (model: Map<string, Entry>, type: string): string[] {
  return [...model.values()]
    .filter(e => e.waiting && e.type === type)
    .sort((x, y) => x.prio - y.prio || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .map(e => e.pid)
}

function check (q: WaitingQueue, model: Map<string, Entry>, what: string): void {
  for (const type of ['t', 'u']) assert.equal([...q.list('c', type)], expected(model, type), `${what}: queue ${type}`)
  assert.is(q.size, [...model.values()].filter(e => e.waiting).length, `${what}: size`)
}

test('drained from the front and filled at the back, the queue keeps its order (and sheds the drained prefix)', () => {
  const q = new WaitingQueue()
  const model = new Map<string, Entry>()
  let n = 0
  const add = (prio: number, type = 't'): Entry => {
    const e = { pid: `p${n}`, type, prio, key: String(n).padStart(8, '0'), waiting: true }
    n++
    model.set(e.pid, e)
    q.update(e.pid, info(e))
    return e
  }
  const claim = (pid: string): void => {
    const e = model.get(pid) as Entry
    e.waiting = false
    q.update(pid, info(e))
  }
  for (let i = 0; i < 5000; i++) add(1000 + i)
  check(q, model, 'filled')
  // executors take the best 3,000, one at a time, while new work arrives at the back
  for (let i = 0; i < 3000; i++) {
    claim([...q.list('c', 't')][0] as string)
    if (i % 3 === 0) add(100_000 + i)
  }
  check(q, model, 'after draining the front')
  // a high-priority process goes in front of everything, another in the middle
  add(0)
  add(4000)
  check(q, model, 'after front and middle inserts')
  // drain it all: the queue ends empty and takes new work again
  for (const pid of [...q.list('c', 't')]) claim(pid)
  check(q, model, 'drained')
  add(5)
  add(3)
  check(q, model, 'refilled')
})

test('random arrivals, claims, releases and priority changes over two types match the model', () => {
  const q = new WaitingQueue()
  const model = new Map<string, Entry>()
  let s = 12345
  const rnd = (m: number): number => {
    s = (s * 1103515245 + 12345) >>> 0
    return s % m
  }
  for (let step = 0; step < 6000; step++) {
    const r = rnd(10)
    const pids = [...model.keys()]
    if (r < 4 || pids.length === 0) {
      // a new process: mostly at the back, sometimes anywhere
      const e = { pid: `p${step}`, type: rnd(4) === 0 ? 'u' : 't', prio: rnd(5) === 0 ? rnd(10_000) : 10_000 + step, key: String(step).padStart(8, '0'), waiting: true }
      model.set(e.pid, e)
      q.update(e.pid, info(e))
    } else if (r < 8) {
      // claimed (or released back to waiting): the best one usually, any one sometimes
      const type = rnd(4) === 0 ? 'u' : 't'
      const first = [...q.list('c', type)][0]
      const pid = rnd(3) === 0 || first === undefined ? pids[rnd(pids.length)] as string : first
      const e = model.get(pid) as Entry
      e.waiting = !e.waiting
      q.update(pid, info(e))
    } else if (r < 9) {
      // a priority change moves a waiting process
      const e = model.get(pids[rnd(pids.length)] as string) as Entry
      e.prio = rnd(20_000)
      q.update(e.pid, info(e))
    } else {
      // gone from the fold (removed)
      const pid = pids[rnd(pids.length)] as string
      model.delete(pid)
      q.update(pid, undefined)
    }
    if (step % 250 === 0) check(q, model, `step ${step}`)
  }
  check(q, model, 'end')
})

test.run()
